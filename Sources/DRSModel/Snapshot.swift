/// The cluster snapshot that OpenDRS reads (SPEC section 1). Plain values: no solver code.
public struct Snapshot: Sendable, Equatable {
    /// `schemaVersion`: the SPEC section 1 version followed; the reader accepts only 1.
    public var schemaVersion: Int = 1
    /// Resource dimension names, 1 to 16; units are the user's (MHz and MiB by convention).
    public var resources: [String] = ["cpu", "memory"]
    /// `cluster`: the cluster-wide settings.
    public var cluster: Cluster = Cluster()
    /// `hosts`, in input order: a host's position here is its host index in `Problem`.
    public var hosts: [ClusterHost] = []
    /// `vms`, powered on or off, in input order: a VM's position here is its VM index in `Problem`.
    public var vms: [VirtualMachine] = []
    /// `rules`: affinity, anti-affinity and vmHost rules, in input order.
    public var rules: [Rule] = []

    /// A snapshot of schema version 1; nothing is checked here (`read` validates JSON input).
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
    /// The host lost its management network but still writes its datastore heartbeats: HA
    /// applies `cluster.ha.isolationResponse` (see `Snapshot.effectiveHostStates`).
    case isolated
}

/// `cluster.ha.isolationResponse`: what an isolated host does with its VMs.
public enum IsolationResponse: String, Codable, Sendable, CaseIterable {
    /// The VMs keep running where they are; nothing is restarted; the host takes no new VMs
    /// (the default).
    case leaveOn
    /// The host powers its VMs off at once; HA restarts them elsewhere, like after a failure.
    case powerOff
    /// The host shuts its guests down, waiting up to `shutdownSeconds` for each, then HA
    /// restarts them elsewhere, like after a failure.
    case shutdown

    /// How long a guest shutdown may take before the host powers the VM off (vSphere's
    /// default isolation shutdown timeout), seconds.
    public static let shutdownSeconds: Double = 300

    /// The seconds an HA restart of a VM from an isolated host waits for the response before it
    /// starts: `shutdown` waits for the guest shutdown, `powerOff` and `leaveOn` add nothing.
    public var extraSeconds: Double { self == .shutdown ? Self.shutdownSeconds : 0 }
}

/// `vms[].powerState`: a powered-off VM uses no capacity, is never moved and stays on its host.
public enum PowerState: String, Codable, Sendable, CaseIterable {
    case on, off
}

/// `vms[].state`: what HA's VM monitoring sees of a powered-on VM.
public enum VMState: String, Codable, Sendable, CaseIterable {
    /// The guest answers its heartbeats (the default).
    case running
    /// The guest OS stopped answering its heartbeats: HA restarts the VM on its own host.
    case guestFailed
}

/// `vms[].restartPriority`: the class an HA restart of the VM waits in, highest first; `disabled`
/// VMs are never restarted.
public enum RestartPriority: String, Codable, Sendable, CaseIterable {
    case highest, high, medium, low, lowest, disabled

    /// The class a VM of placement priority `priority` restarts in when it names none.
    public init(_ priority: Priority) {
        switch priority {
        case .highest: self = .highest
        case .high: self = .high
        case .medium: self = .medium
        case .low: self = .low
        case .lowest: self = .lowest
        }
    }

    /// 0 for `highest` to 4 for `lowest`; nil for `disabled`.
    public var rank: Int? {
        switch self {
        case .highest: return 0
        case .high: return 1
        case .medium: return 2
        case .low: return 3
        case .lowest: return 4
        case .disabled: return nil
        }
    }
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

/// The cluster-wide settings (SPEC `cluster`); defaults as in SPEC section 1.
public struct Cluster: Sendable, Equatable {
    /// `cluster.name`: a label for reports; nil when absent.
    public var name: String?
    /// `cluster.goal`; default `balance`.
    public var goal: Goal = .balance
    /// `cluster.automation`: which steps are applied rather than only recommended (SPEC section 3);
    /// default `full`.
    public var automation: AutomationLevel = .full
    /// 1 (only mandatory moves) to 5 (aggressive).
    public var migrationThreshold: Int = 3
    /// Per resource: the fraction of capacity placement may fill. Missing resources: 1.0.
    public var maxUtilization: [String: Double] = [:]
    /// `cluster.migration`: bandwidth and concurrency of live migrations.
    public var migration: MigrationSettings = MigrationSettings()
    /// `cluster.ha`; nil when absent: no admission control and no master election, but the VMs
    /// of failed hosts are still restarted. `enabled: false` turns HA off entirely (see
    /// `Snapshot.haDisabled`).
    public var ha: HASettings?
    /// `cluster.power`; nil when absent (hosts boot in `PowerSettings.defaultBootSeconds`).
    public var power: PowerSettings?
    /// `cluster.notes`: what a reader should know about where the snapshot came from (what an
    /// importer could not map, for example); the planner does not read them. Written only when
    /// non-empty.
    public var notes: [String] = []

    /// Settings with the SPEC defaults for every argument left out.
    public init(name: String? = nil, goal: Goal = .balance, automation: AutomationLevel = .full,
                migrationThreshold: Int = 3, maxUtilization: [String: Double] = [:],
                migration: MigrationSettings = MigrationSettings(), ha: HASettings? = nil, notes: [String] = []) {
        self.notes = notes
        self.name = name
        self.goal = goal
        self.automation = automation
        self.migrationThreshold = migrationThreshold
        self.maxUtilization = maxUtilization
        self.migration = migration
        self.ha = ha
    }
}

/// Live migration settings (SPEC `cluster.migration`).
public struct MigrationSettings: Sendable, Equatable {
    /// MiB/s one live migration can use (default 1250, 10 GbE).
    public var bandwidth: Double = 1250
    /// Live migrations one host may take part in at once.
    public var maxConcurrentPerHost: Int = 8
    /// `cluster.migration.storageBandwidth`: MiB/s a disk copy can use (shared-nothing
    /// migration); nil when absent (250).
    public var storageBandwidth: Double?
    /// `cluster.migration.sharedNothing`: whether a live migration may go to a host that does not
    /// see the VM's datastores, copying its disks; nil when absent (false).
    public var sharedNothing: Bool?

    /// Defaults: 1250 MiB/s and 8 migrations per host. The reader accepts a bandwidth of at least
    /// `InputLimits.minimumBandwidth` and 1 to 1024 migrations per host.
    public init(bandwidth: Double = 1250, maxConcurrentPerHost: Int = 8, storageBandwidth: Double? = nil, sharedNothing: Bool? = nil) {
        self.bandwidth = bandwidth
        self.maxConcurrentPerHost = maxConcurrentPerHost
        self.storageBandwidth = storageBandwidth
        self.sharedNothing = sharedNothing
    }

    /// The disk copy bandwidth in effect, MiB/s (default 250).
    public var effectiveStorageBandwidth: Double { storageBandwidth ?? 250 }
}

/// Host power settings (SPEC `cluster.power`).
public struct PowerSettings: Sendable, Equatable {
    /// The boot time a snapshot that does not state one gets, seconds.
    public static let defaultBootSeconds = 300.0
    /// `cluster.power.bootSeconds`: seconds a standby host takes to come back after its
    /// `powerOn` step (0 to `InputLimits.maximumSeconds`); nil when absent (300). While it
    /// boots no step may land on it: the first step onto it waits for the next wave.
    public var bootSeconds: Double?

    /// Defaults: the boot time of `defaultBootSeconds`.
    public init(bootSeconds: Double? = nil) { self.bootSeconds = bootSeconds }
}

/// High availability settings (SPEC `cluster.ha`).
public struct HASettings: Sendable, Equatable {
    /// `cluster.ha.enabled` (default true); false turns HA off: no admission control, no master
    /// election, no restarts (the VMs of a failed host stay down), and FT is refused.
    public var enabled: Bool = true
    /// Admission control: how many host failures the placement must absorb.
    public var hostFailuresToTolerate: Int = 0
    /// The current HA master host id.
    public var master: String?
    /// `cluster.ha.restartDelay`: seconds each restart class waits after the previous class
    /// started (0 to `InputLimits.maximumSeconds`); nil when absent (0).
    public var restartDelay: Double?
    /// `cluster.ha.isolationResponse`; nil when absent (`leaveOn`).
    public var isolationResponse: IsolationResponse?
    /// `cluster.ha.partitions`: the host ids of each network partition; the hosts no list names
    /// form one more partition together. Nil when absent (one partition: the whole cluster).
    public var partitions: [[String]]?

    /// Defaults: enabled, no failure to tolerate, no master named, no restart delay, `leaveOn`,
    /// no partitions.
    public init(enabled: Bool = true, hostFailuresToTolerate: Int = 0, master: String? = nil, restartDelay: Double? = nil,
                isolationResponse: IsolationResponse? = nil, partitions: [[String]]? = nil) {
        self.enabled = enabled
        self.hostFailuresToTolerate = hostFailuresToTolerate
        self.master = master
        self.restartDelay = restartDelay
        self.isolationResponse = isolationResponse
        self.partitions = partitions
    }
}

/// One host (SPEC `hosts[]`).
public struct ClusterHost: Sendable, Equatable {
    /// `hosts[].id`: non-empty and unique among the hosts.
    public var id: String
    /// Per resource, in the snapshot's units; a resource not given is 0.
    public var capacity: [String: Double] = [:]
    /// `hosts[].state`; default `connected`.
    public var state: HostState = .connected
    /// `hosts[].datastores`: the datastore names the host reaches; HA master election counts the
    /// distinct ones (SPEC section 4).
    public var datastores: [String] = []
    /// `hosts[].power`: watts at 0%, 10%, ..., 100% CPU utilization (11 values, linear in
    /// between), read by `drs simulate`; nil when absent. The planner does not use it.
    public var power: [Double]?

    /// A host; nothing is checked here.
    public init(id: String, capacity: [String: Double], state: HostState = .connected, datastores: [String] = [],
                power: [Double]? = nil) {
        self.id = id
        self.capacity = capacity
        self.state = state
        self.datastores = datastores
        self.power = power
    }
}

/// `vms[].ft`: present when the VM is protected by Fault Tolerance (a secondary copy with the same
/// demand on another host).
public struct FaultTolerance: Sendable, Equatable {
    /// ClusterHost of the secondary copy; nil when the secondary must be (re)created.
    public var secondaryHost: String?

    /// Protection with its secondary on `secondaryHost` (nil: none yet).
    public init(secondaryHost: String?) { self.secondaryHost = secondaryHost }
}

/// `vms[].migration`: what a live migration of the VM has to copy (see `MigrationModel`).
public struct VMMigration: Sendable, Equatable {
    /// MiB to copy; nil means the VM's `memory` demand.
    public var memory: Double?
    /// MiB/s the running VM dirties.
    public var dirtyRate: Double = 0

    /// Defaults: the VM's `memory` demand and a dirty rate of 0.
    public init(memory: Double? = nil, dirtyRate: Double = 0) {
        self.memory = memory
        self.dirtyRate = dirtyRate
    }
}

/// One VM (SPEC `vms[]`).
public struct VirtualMachine: Sendable, Equatable {
    /// `vms[].id`: non-empty and unique among the VMs.
    public var id: String
    /// Current host; nil for a VM not placed yet.
    public var host: String?
    /// `vms[].demand`: per resource, in the snapshot's units; a resource not given is 0. An FT
    /// secondary uses the same demand.
    public var demand: [String: Double] = [:]
    /// `vms[].powerState`; default `on`.
    public var powerState: PowerState = .on
    /// `vms[].priority`; default `medium`.
    public var priority: Priority = .medium
    /// `vms[].ft`; nil when the VM is not FT-protected.
    public var ft: FaultTolerance?
    /// `vms[].migration`; nil means the defaults (the `memory` demand, dirty rate 0).
    public var migration: VMMigration?
    /// `vms[].automation`; nil means the cluster's level (see `effectiveAutomation`).
    public var automation: VMAutomation?
    /// `vms[].state`; nil when absent (`running`).
    public var state: VMState?
    /// `vms[].restartPriority`; nil when absent: the class of `priority` (see
    /// `effectiveRestartPriority`).
    public var restartPriority: RestartPriority?
    /// `vms[].datastores`: the datastores holding its disks; nil when absent (no storage
    /// constraint). The VM runs only on hosts that see all of them.
    public var datastores: [String]?
    /// `vms[].disk`: GiB of disk, copied by a shared-nothing migration; nil when absent (0).
    public var disk: Double?
    /// `vms[].maxDowntime`: the longest stop-and-copy, seconds, a live migration of the VM may
    /// have (its estimated `downtime`, at the bandwidth it gets in its wave); nil when absent
    /// (no limit). A live migration that would exceed it is never planned.
    public var maxDowntime: Double?

    /// A VM; nothing is checked here.
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

/// `rules[].kind`: `affinity` (all listed VMs on one host), `antiAffinity` (each on a different
/// host) or `vmHost` (the VMs against a host list, by `policy`).
public enum RuleKind: String, Codable, Sendable, CaseIterable {
    case affinity, antiAffinity, vmHost
}

/// `rules[].policy` of a vmHost rule: `must` (only on the listed hosts) and `mustNot` (never on
/// them) are hard; `should` and `shouldNot` are soft.
public enum VMHostPolicy: String, Codable, Sendable, CaseIterable {
    case must, mustNot, should, shouldNot
}

/// One rule (SPEC `rules[]`).
public struct Rule: Sendable, Equatable {
    /// `rules[].id`: non-empty and unique among the rules.
    public var id: String
    /// `rules[].kind`.
    public var kind: RuleKind
    /// `rules[].vms`: the member VM ids, at least one, none listed twice.
    public var vms: [String]
    /// `rules[].hosts`: the hosts a vmHost rule names; nil for the other kinds, where the reader
    /// refuses it.
    public var hosts: [String]?
    /// `rules[].policy`: required for vmHost rules, nil for the other kinds.
    public var policy: VMHostPolicy?
    /// For affinity and anti-affinity: hard when true (default false).
    public var required: Bool?

    /// A rule; nothing is checked here (the reader keeps `hosts` and `policy` to vmHost rules).
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
    /// The restart class of this VM: its `restartPriority`, else the class of its `priority`.
    public var effectiveRestartPriority: RestartPriority { restartPriority ?? RestartPriority(priority) }

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

extension Snapshot {
    /// HA is turned off (`cluster.ha.enabled: false`): nothing restarts the VMs of a failed host.
    /// An absent `cluster.ha` is not "off": restarts are planned, without admission control or
    /// master election.
    public var haDisabled: Bool { cluster.ha?.enabled == false }

    /// Seconds a standby host takes to boot after its `powerOn` step (`cluster.power.bootSeconds`,
    /// default 300).
    public var bootSeconds: Double { cluster.power?.bootSeconds ?? PowerSettings.defaultBootSeconds }

    /// The isolation response in force: `cluster.ha.isolationResponse` (default `leaveOn`); with
    /// HA off no agent responds, so `leaveOn`.
    public var isolationResponse: IsolationResponse {
        haDisabled ? .leaveOn : cluster.ha?.isolationResponse ?? .leaveOn
    }

    /// Each host's state as planning sees it: an `isolated` host whose isolation response powers
    /// its VMs off (`powerOff`, `shutdown`) is `failed` (its VMs are restarted elsewhere, FT
    /// secondaries promoted); under `leaveOn` it stays `isolated` (its VMs keep running there,
    /// it takes no new VMs). Every other state is itself. O(H).
    public var effectiveHostStates: [HostState] {
        let powersOff = isolationResponse != .leaveOn
        return hosts.map { $0.state == .isolated && powersOff ? .failed : $0.state }
    }
}
