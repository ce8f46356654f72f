/// The cluster snapshot that OpenDRS reads (SPEC section 1). Plain values: no solver code.
public struct Snapshot: Codable, Sendable, Equatable {
    public var schemaVersion: Int = 1
    /// Resource dimension names, 1 to 16; units are the user's (MHz and MiB by convention).
    public var resources: [String] = ["cpu", "memory"]
    public var cluster: Cluster = Cluster()
    public var hosts: [ClusterHost] = []
    public var vms: [VirtualMachine] = []
    public var rules: [Rule] = []

    public init(resources: [String] = ["cpu", "memory"], cluster: Cluster = Cluster(), hosts: [ClusterHost] = [],
                vms: [VirtualMachine] = [], rules: [Rule] = []) {
        self.resources = resources
        self.cluster = cluster
        self.hosts = hosts
        self.vms = vms
        self.rules = rules
    }
}

/// What the solvers aim for after the hard constraints, priorities and soft rules.
public enum Goal: String, Codable, Sendable, CaseIterable {
    /// DRS load balancing: minimise the imbalance (standard deviation of utilization).
    case balance
    /// Power management: fewest active hosts (bin packing).
    case consolidate
}

/// DRS automation level of the cluster (or of one VM, as an override).
public enum AutomationLevel: String, Codable, Sendable, CaseIterable {
    case manual, partial, full
}

/// Per-VM automation override; `disabled` pins the VM where it is.
public enum VMAutomation: String, Codable, Sendable, CaseIterable {
    case disabled, manual, partial, full
}

/// ClusterHost states: only `connected` hosts run VMs; `standby` hosts may be powered back on.
public enum HostState: String, Codable, Sendable, CaseIterable {
    case connected, maintenance, failed, standby
}

public enum PowerState: String, Codable, Sendable, CaseIterable {
    case on, off
}

/// VM restart and placement priority, highest first.
public enum Priority: String, Codable, Sendable, CaseIterable, Comparable {
    case highest, high, medium, low, lowest

    /// 0 for `highest` to 4 for `lowest`.
    public var rank: Int {
        switch self {
        case .highest: return 0
        case .high: return 1
        case .medium: return 2
        case .low: return 3
        case .lowest: return 4
        }
    }

    /// Higher priority compares smaller, so sorting ascending puts `highest` first.
    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rank < rhs.rank }
}

public struct Cluster: Codable, Sendable, Equatable {
    public var name: String?
    public var goal: Goal = .balance
    public var automation: AutomationLevel = .full
    /// 1 (only mandatory moves) to 5 (aggressive).
    public var migrationThreshold: Int = 3
    /// Per resource: the fraction of capacity placement may fill. Missing resources: 1.0.
    public var maxUtilization: [String: Double] = [:]
    public var migration: MigrationSettings = MigrationSettings()
    public var ha: HASettings?

    public init(name: String? = nil, goal: Goal = .balance, automation: AutomationLevel = .full,
                migrationThreshold: Int = 3, maxUtilization: [String: Double] = [:],
                migration: MigrationSettings = MigrationSettings(), ha: HASettings? = nil) {
        self.name = name
        self.goal = goal
        self.automation = automation
        self.migrationThreshold = migrationThreshold
        self.maxUtilization = maxUtilization
        self.migration = migration
        self.ha = ha
    }
}

public struct MigrationSettings: Codable, Sendable, Equatable {
    /// MiB/s one live migration can use (default 1250, 10 GbE).
    public var bandwidth: Double = 1250
    /// Live migrations one host may take part in at once.
    public var maxConcurrentPerHost: Int = 8

    public init(bandwidth: Double = 1250, maxConcurrentPerHost: Int = 8) {
        self.bandwidth = bandwidth
        self.maxConcurrentPerHost = maxConcurrentPerHost
    }
}

public struct HASettings: Codable, Sendable, Equatable {
    public var enabled: Bool = true
    /// Admission control: how many host failures the placement must absorb.
    public var hostFailuresToTolerate: Int = 0
    /// The current HA master host id.
    public var master: String?

    public init(enabled: Bool = true, hostFailuresToTolerate: Int = 0, master: String? = nil) {
        self.enabled = enabled
        self.hostFailuresToTolerate = hostFailuresToTolerate
        self.master = master
    }
}

public struct ClusterHost: Codable, Sendable, Equatable {
    public var id: String
    /// Per resource, in the snapshot's units; a resource not given is 0.
    public var capacity: [String: Double] = [:]
    public var state: HostState = .connected
    public var datastores: [String] = []

    public init(id: String, capacity: [String: Double], state: HostState = .connected, datastores: [String] = []) {
        self.id = id
        self.capacity = capacity
        self.state = state
        self.datastores = datastores
    }
}

public struct FaultTolerance: Codable, Sendable, Equatable {
    /// ClusterHost of the secondary copy; nil when the secondary must be (re)created.
    public var secondaryHost: String?

    public init(secondaryHost: String?) { self.secondaryHost = secondaryHost }
}

public struct VMMigration: Codable, Sendable, Equatable {
    /// MiB to copy; nil means the VM's `memory` demand.
    public var memory: Double?
    /// MiB/s the running VM dirties.
    public var dirtyRate: Double = 0

    public init(memory: Double? = nil, dirtyRate: Double = 0) {
        self.memory = memory
        self.dirtyRate = dirtyRate
    }
}

public struct VirtualMachine: Codable, Sendable, Equatable {
    public var id: String
    /// Current host; nil for a VM not placed yet.
    public var host: String?
    public var demand: [String: Double] = [:]
    public var powerState: PowerState = .on
    public var priority: Priority = .medium
    public var ft: FaultTolerance?
    public var migration: VMMigration?
    public var automation: VMAutomation?

    public init(id: String, host: String?, demand: [String: Double], powerState: PowerState = .on,
                priority: Priority = .medium, ft: FaultTolerance? = nil, migration: VMMigration? = nil,
                automation: VMAutomation? = nil) {
        self.id = id
        self.host = host
        self.demand = demand
        self.powerState = powerState
        self.priority = priority
        self.ft = ft
        self.migration = migration
        self.automation = automation
    }
}

public enum RuleKind: String, Codable, Sendable, CaseIterable {
    case affinity, antiAffinity, vmHost
}

public enum VMHostPolicy: String, Codable, Sendable, CaseIterable {
    case must, mustNot, should, shouldNot
}

public struct Rule: Codable, Sendable, Equatable {
    public var id: String
    public var kind: RuleKind
    public var vms: [String]
    public var hosts: [String]?
    public var policy: VMHostPolicy?
    /// For affinity and anti-affinity: hard when true (default false).
    public var required: Bool?

    public init(id: String, kind: RuleKind, vms: [String], hosts: [String]? = nil, policy: VMHostPolicy? = nil,
                required: Bool? = nil) {
        self.id = id
        self.kind = kind
        self.vms = vms
        self.hosts = hosts
        self.policy = policy
        self.required = required
    }

    /// Whether the rule is a hard constraint.
    public var isHard: Bool {
        switch kind {
        case .affinity, .antiAffinity: return required ?? false
        case .vmHost: return policy == .must || policy == .mustNot
        }
    }
}

extension VirtualMachine {
    /// The automation that applies to this VM: its override, else the cluster's level.
    public func effectiveAutomation(cluster: AutomationLevel) -> VMAutomation {
        if let automation { return automation }
        switch cluster {
        case .manual: return .manual
        case .partial: return .partial
        case .full: return .full
        }
    }
}
