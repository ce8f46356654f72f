/// A set of host indices as a bit set; `contains` is O(1).
@usableFromInline package struct HostBitSet: Sendable, Equatable, Hashable {
    /// Host h is bit `h & 63` of word `h >> 6`; a filled set also sets the last word's unused bits.
    @usableFromInline package var words: [UInt64]

    /// A set over `count` hosts: all of them when `filled`, none otherwise. O(count / 64).
    package init(count: Int, filled: Bool) {
        words = [UInt64](repeating: filled ? ~0 : 0, count: (count + 63) / 64)
    }

    /// Whether host index `host` (below the set's count) is in the set. O(1).
    @inlinable
    package func contains(_ host: Int) -> Bool { words[host >> 6] & (1 << UInt64(host & 63)) != 0 }

    /// Adds host index `host`. O(1).
    package mutating func insert(_ host: Int) { words[host >> 6] |= 1 << UInt64(host & 63) }
    /// Removes host index `host`. O(1).
    package mutating func remove(_ host: Int) { words[host >> 6] &= ~(1 << UInt64(host & 63)) }
    /// Keeps only the hosts also in `other`, a set over the same count. O(count / 64).
    package mutating func formIntersection(_ other: HostBitSet) {
        for i in words.indices { words[i] &= other.words[i] }
    }
}

/// The compiled problem every solver reads: struct-of-arrays, integer milli-units for
/// capacity, rules as lists and masks, index maps both ways. Built once from a validated
/// snapshot, after HA events are applied (VMs of failed hosts need a restart; FT secondaries
/// of failed primaries are promoted).
///
/// Public only as the type `PlacementSolver.solve` takes: its contents are `package` (the
/// modules of OpenDRS), apart from the few members the benchmark packages read, which are
/// `@_spi(Benchmarks)`.
public struct Problem: Sendable {
    /// The snapshot compiled; a host failed by `failing` is marked `failed` in it.
    package internal(set) var snapshot: Snapshot
    /// R, the number of resources; resource indices follow `snapshot.resources`.
    @_spi(Benchmarks) public let resourceCount: Int
    /// H, the number of hosts; host indices follow `snapshot.hosts`.
    @_spi(Benchmarks) public let hostCount: Int
    /// V, the number of VMs, powered-off ones included; VM indices follow `snapshot.vms`.
    @_spi(Benchmarks) public let vmCount: Int
    /// `cluster.goal`.
    package let goal: Goal
    /// Score weight per migration second (see `MigrationCost`).
    package let lambda: Double

    /// Host id to host index.
    @_spi(Benchmarks) public let hostIndex: [String: Int]
    /// VM id to VM index.
    package let vmIndex: [String: Int]

    /// Placeable limit, milli-units, resource-major: `hostLimit[r * hostCount + h]`.
    @usableFromInline package let hostLimit: [Int64]
    /// Raw capacity, snapshot units, resource-major; utilization is load / capacity.
    @usableFromInline package let hostCapacity: [Double]
    /// Each host's state as HA sees it (`Snapshot.effectiveHostStates`: `failed` also for an
    /// isolated host that powers its VMs off, `isolated` for one that keeps them) and for a host
    /// failed by `failing`.
    package internal(set) var hostState: [HostState]
    /// May receive VMs: connected, or standby (brought back on when used).
    package internal(set) var hostReceives: [Bool]

    /// Demand, milli-units, VM-major: `vmDemand[v * resourceCount + r]`.
    @usableFromInline package let vmDemand: [Int64]
    /// Where the VM runs before the plan (after promotions); -1 when not running (new VM,
    /// or its host failed).
    package internal(set) var vmInitialHost: [Int32]
    /// Where the FT secondary runs before the plan; -1 for none (non-FT, or to be created).
    @_spi(Benchmarks) public internal(set) var vmInitialSecondary: [Int32]
    /// FT-protected (`ft` present) and powered on: needs a secondary on another host.
    package let vmIsFT: [Bool]
    /// Powered on: uses capacity and is placed by the solvers.
    @_spi(Benchmarks) public let vmActive: [Bool]
    /// Cannot be moved by the optimiser (automation disabled, powered off, a failed guest, on an
    /// isolated host, or a live migration that would exceed its `maxDowntime`, see
    /// `vmShareLimit`); stays at its initial host.
    package internal(set) var vmPinned: [Bool]
    /// `vms[].maxDowntime`, empty when no VM states one: per VM, the most live migrations a host
    /// may share while the VM's own live migration runs through it (its downtime at the
    /// bandwidth it then gets stays within the limit; `MigrationModel.maximumSharing`), or
    /// `Int32.max` without a limit; 0 when it cannot be live-migrated at all (then pinned).
    package internal(set) var vmShareLimit: [Int32] = []
    /// Its host failed: restarted (not migrated) wherever it goes.
    package internal(set) var vmNeedsRestart: [Bool]
    /// Its primary host failed and its secondary was promoted in place.
    package internal(set) var vmPromoted: [Bool]
    /// Its guest failed (`vms[].state`, HA on): restarted on its own host in wave 1, and
    /// pinned there for the plan.
    package internal(set) var vmGuestRestart: [Bool]
    /// 0 (highest) ... 4 (lowest).
    package let vmPriority: [UInt8]
    /// Each VM's live migration estimate at the cluster's full bandwidth, copying
    /// `migration.memory`, else its memory demand, else 0 MiB.
    package let vmMigration: [MigrationEstimate]
    /// Index into `allowedSets`, or -1 when every receiving host is allowed by hard rules.
    @usableFromInline package internal(set) var vmAllowedSet: [Int32]
    /// The distinct host sets hard vmHost rules allow (`must`: the listed hosts, `mustNot`: all
    /// others; intersected per VM), in order of first use by VM index; with HA off
    /// (`Snapshot.haDisabled`) the VMs of failed hosts get the empty set: they stay down.
    @usableFromInline package internal(set) var allowedSets: [HostBitSet]
    /// Storage (`vms[].datastores`), empty when no VM names datastores: per VM, the index into
    /// `allowedSets` of the hosts that see all its datastores (-1: no datastores), and of where
    /// it may be restarted or placed (those hosts and its hard rules). `vmAllowedSet` is the
    /// latter, except for a running VM under `cluster.migration.sharedNothing`, which may also
    /// live-migrate to any host with a datastore, copying its disks.
    package internal(set) var vmVisibleSet: [Int32] = []
    package internal(set) var vmStrictSet: [Int32] = []
    /// Required affinity group of each VM (-1 for none); groups list their active members.
    package let vmGroup: [Int32]
    /// Each group's active members by VM index; rules that share a VM form one group.
    package let groups: [[Int32]]
    /// Required anti-affinity rules as VM lists, and the rules each VM belongs to.
    package let antiAffinity: [[Int32]]
    /// Per VM, the indices into `antiAffinity` of the rules it belongs to. Only rules with two or
    /// more active members are listed.
    package let vmAntiAffinity: [[Int32]]
    /// Soft rules, each with its index in `snapshot.rules`.
    package let softRules: [SoftRule]
    /// Soft rules each VM belongs to (indices into `softRules`).
    package let vmSoftRules: [[Int32]]
    /// HA admission control: the total demand of active VMs (secondaries included) may not
    /// exceed `admissionLimit` per resource. Nil when HA admission control is off.
    package internal(set) var admissionLimit: [Int64]?
    /// The HA master after the plan, and whether it had to be elected.
    package internal(set) var haMaster: String?
    /// Whether `haMaster` was elected (the snapshot's master missing or not connected); false with
    /// HA off.
    package internal(set) var haElected: Bool
    /// The hosts HA restarts VMs on when the cluster is partitioned (`cluster.ha.partitions`): the
    /// HA master's partition (`restartHosts(_:hostIndex:master:)`); nil for no restriction.
    package internal(set) var restartHosts: HostBitSet?

    /// A soft rule with at least one active member: an affinity or anti-affinity rule not required,
    /// or a `should` or `shouldNot` vmHost rule.
    package struct SoftRule: Sendable {
        /// The rule's kind, a vmHost rule by its policy.
        package enum Kind: Sendable { case affinity, antiAffinity, should, shouldNot }
        /// Index of the rule in `snapshot.rules`.
        package var ruleIndex: Int
        /// What the rule asks for.
        package var kind: Kind
        /// Its active members by VM index, in rule order.
        package var vms: [Int32]
        /// The listed hosts of a `should` or `shouldNot` rule; nil for affinity and anti-affinity.
        package var hosts: HostBitSet?
    }

    /// Placeable limit of host `h` in resource `r`, milli-units (capacity x maxUtilization). O(1).
    @inlinable @_spi(Benchmarks) public func limit(_ h: Int, _ r: Int) -> Int64 { hostLimit[r * hostCount + h] }
    /// Demand of VM `v` in resource `r`, milli-units. O(1).
    @inlinable @_spi(Benchmarks) public func demand(_ v: Int, _ r: Int) -> Int64 { vmDemand[v * resourceCount + r] }

    /// Whether hard vmHost rules allow VM `v` on host `h` (ignores capacity and state).
    @inlinable package func allows(_ v: Int, _ h: Int) -> Bool {
        let set = vmAllowedSet[v]
        return set < 0 || allowedSets[Int(set)].contains(h)
    }

    /// Whether VM `v`'s FT secondary may go to host `h`: the host sees all the VM's datastores
    /// (the secondary becomes the primary there on a failover). Rules do not bind a secondary. O(1).
    package func allowsSecondary(_ v: Int, _ h: Int) -> Bool {
        vmVisibleSet.isEmpty || vmVisibleSet[v] < 0 || allowedSets[Int(vmVisibleSet[v])].contains(h)
    }

    /// Compiles a snapshot that validation accepted (`Snapshot.read`): references are looked up,
    /// not checked again, and an unknown one is skipped. O((V + H) x R + rule members + distinct
    /// hard vmHost rule lists x H / 64 + H log H x R for admission control).
    @_spi(Benchmarks) public init(_ snapshot: Snapshot) {
        self.snapshot = snapshot
        resourceCount = snapshot.resources.count
        hostCount = snapshot.hosts.count
        vmCount = snapshot.vms.count
        goal = snapshot.cluster.goal
        lambda = MigrationCost.lambda(goal: goal, threshold: snapshot.cluster.migrationThreshold)
        var hostIndex: [String: Int] = [:]
        hostIndex.reserveCapacity(snapshot.hosts.count)
        for (h, host) in snapshot.hosts.enumerated() { hostIndex[host.id] = h }
        var vmIndex: [String: Int] = [:]
        vmIndex.reserveCapacity(snapshot.vms.count)
        for v in snapshot.vms.indices { vmIndex[snapshot.vms[v].id] = v }
        self.hostIndex = hostIndex
        self.vmIndex = vmIndex

        (hostLimit, hostCapacity) = Problem.hostLimits(snapshot)
        // An isolated host that powers its VMs off counts as failed (`effectiveHostStates`).
        let states = snapshot.effectiveHostStates
        hostState = states
        hostReceives = states.map { $0 == .connected || $0 == .standby }

        let start = Problem.vmStart(snapshot, hostIndex: hostIndex, states: states)
        vmDemand = start.demand
        vmInitialHost = start.initial
        vmInitialSecondary = start.secondary
        vmNeedsRestart = start.needsRestart
        vmPromoted = start.promoted
        vmGuestRestart = start.guestRestart
        vmMigration = start.migration
        // By index: iterating the VMs would copy each one (and retain all its fields).
        let vms = snapshot.vms
        vmIsFT = vms.indices.map { vms[$0].ft != nil && vms[$0].powerState == .on }
        vmActive = vms.indices.map { vms[$0].powerState == .on }
        vmPinned = vms.indices.map { v in
            vms[v].powerState == .off || (vms[v].automation == .disabled && start.initial[v] >= 0) || start.guestRestart[v]
                // An isolated host (`leaveOn`) cannot be reached to move its VMs: they stay.
                || (start.initial[v] >= 0 && states[Int(start.initial[v])] == .isolated)
        }
        vmPriority = vms.indices.map { UInt8(vms[$0].priority.rank) }

        (vmAllowedSet, allowedSets) = Problem.allowedHostSets(snapshot, hostIndex: hostIndex, vmIndex: vmIndex)
        let hard = Problem.hardRuleGroups(snapshot, vmIndex: vmIndex, active: vmActive)
        vmGroup = hard.vmGroup
        groups = hard.groups
        antiAffinity = hard.antiAffinity
        vmAntiAffinity = hard.vmAntiAffinity
        (softRules, vmSoftRules) = Problem.softRuleLists(snapshot, hostIndex: hostIndex, vmIndex: vmIndex, active: vmActive)

        admissionLimit = Problem.admissionLimit(snapshot, hostLimit: hostLimit, hostState: states)
        (haMaster, haElected) = Problem.electMaster(snapshot)
        restartHosts = Problem.restartHosts(snapshot, hostIndex: hostIndex, master: haMaster)
        applyStorage()
        restrictRestartsToMasterPartition()
        keepFailedVMsDown()
        applyDowntimeLimits()
    }

    /// `vms[].maxDowntime` as a hard constraint: `vmShareLimit` for every VM that states it, and
    /// a running VM whose live migration exceeds it even with the bandwidth to itself is pinned
    /// where it runs (every solver and the MIP keep pinned VMs in place). O(V), plus
    /// O(maxConcurrentPerHost x rounds) per VM with a limit.
    mutating func applyDowntimeLimits() {
        let vms = snapshot.vms
        guard vms.indices.contains(where: { vms[$0].maxDowntime != nil }) else { return }
        let settings = snapshot.cluster.migration
        vmShareLimit = [Int32](repeating: Int32.max, count: vmCount)
        for v in 0..<vmCount {
            guard let limit = vms[v].maxDowntime else { continue }
            let memory = vms[v].migration?.memory ?? vms[v].demand["memory"] ?? 0
            let sharing = MigrationModel.maximumSharing(memory: memory, dirtyRate: vms[v].migration?.dirtyRate ?? 0,
                                                        bandwidth: settings.bandwidth, maxDowntime: limit,
                                                        limit: settings.maxConcurrentPerHost)
            vmShareLimit[v] = Int32(sharing)
            if sharing == 0 && vmActive[v] && vmInitialHost[v] >= 0 { vmPinned[v] = true }
        }
    }

    /// Why VM `v` cannot be live-migrated at all (its `maxDowntime`), or nil. O(1).
    package func liveMigrationRefused(_ v: Int) -> String? {
        guard !vmShareLimit.isEmpty, vmShareLimit[v] == 0, let limit = snapshot.vms[v].maxDowntime else { return nil }
        return "its live migration's estimated downtime of \(JSONWriter.number((vmMigration[v].downtime * 1000).rounded() / 1000)) s exceeds its maxDowntime of \(JSONWriter.number(limit)) s"
    }

    /// With HA off (`Snapshot.haDisabled`) nothing restarts the VMs of a failed host, and HA
    /// never restarts a VM whose `restartPriority` is `disabled`: each is allowed on no host, so
    /// every solver leaves it unplaced and the plan reports it down. O(V + H / 64).
    mutating func keepFailedVMsDown() {
        var empty = allowedSets.firstIndex { set in set.words.allSatisfy { $0 == 0 } }.map { Int32($0) }
        for v in 0..<vmCount where vmActive[v] && vmNeedsRestart[v] && isKeptDown(v) {
            if empty == nil {
                empty = Int32(allowedSets.count)
                allowedSets.append(HostBitSet(count: hostCount, filled: false))
            }
            vmAllowedSet[v] = empty!
        }
    }

    /// Whether VM `v` is down for good in this plan: it needs a restart, and HA is off or its
    /// restart priority is `disabled`.
    package func isKeptDown(_ v: Int) -> Bool {
        vmNeedsRestart[v] && (snapshot.haDisabled || snapshot.vms[v].effectiveRestartPriority == .disabled)
    }

    /// The restart class of VM `v` (0 `highest` ... 4 `lowest`) when it is restarted because
    /// its host failed; -1 otherwise (not restarted, or a failed guest). Restarts go in waves by
    /// class, each class after the previous one.
    package func restartClass(_ v: Int) -> Int {
        guard vmNeedsRestart[v], let host = snapshot.vms[v].host.flatMap({ hostIndex[$0] }), hostState[host] == .failed else { return -1 }
        return snapshot.vms[v].effectiveRestartPriority.rank ?? -1
    }

    /// Admission control (the aggregate check of SPEC section 2): total active demand <= total
    /// limit of connected hosts minus the k largest, per resource; nil when HA admission
    /// control is off.
    static func admissionLimit(_ snapshot: Snapshot, hostLimit: [Int64], hostState: [HostState]) -> [Int64]? {
        guard let failures = AdmissionReserve.failures(snapshot) else { return nil }
        let hostCount = hostState.count
        return snapshot.resources.indices.map { r in
            let limits = (0..<hostCount).filter { hostState[$0] == .connected }.map { hostLimit[r * hostCount + $0] }
            return AdmissionReserve.reserve(limits: limits, failures: failures)
        }
    }

    /// HA master: keep a connected master, else elect (most datastores, ties to the lexically
    /// greatest id). Returns the master and whether it had to be elected.
    static func electMaster(_ snapshot: Snapshot) -> (String?, Bool) {
        guard let ha = snapshot.cluster.ha, ha.enabled else { return (snapshot.cluster.ha?.master, false) }
        if let master = ha.master, let host = snapshot.hosts.first(where: { $0.id == master }), host.state == .connected {
            return (master, false)
        }
        let winner = snapshot.hosts.filter { $0.state == .connected }.max { a, b in
            let da = Set(a.datastores).count, db = Set(b.datastores).count
            return da != db ? da < db : a.id < b.id
        }
        return (winner?.id, winner != nil)
    }

    /// The same problem after `host` fails: its VMs need a restart (or, for FT VMs whose
    /// secondary survives, a promotion), secondaries on it are lost, and admission control
    /// and the HA master follow. O(V + H x R log H) with no recompilation, so a sweep over
    /// every host failure costs one compile.
    package func failing(_ host: Int) -> Problem {
        var next = self
        next.snapshot.hosts[host].state = .failed
        next.hostState[host] = .failed
        next.hostReceives[host] = false
        let failed = Int32(host)
        for v in 0..<vmCount where vmActive[v] {
            if vmInitialSecondary[v] == failed { next.vmInitialSecondary[v] = -1 }
            guard vmInitialHost[v] == failed else { continue }
            if vmGuestRestart[v] {
                next.vmGuestRestart[v] = false
                next.vmPinned[v] = snapshot.vms[v].automation == .disabled || (!vmShareLimit.isEmpty && vmShareLimit[v] == 0)
            }
            if vmIsFT[v] && next.vmInitialSecondary[v] >= 0 {
                next.vmInitialHost[v] = next.vmInitialSecondary[v]
                next.vmInitialSecondary[v] = -1
                next.vmPromoted[v] = true
            } else {
                // Restarted, also when it was running on a promoted secondary: no promotion left.
                next.vmInitialHost[v] = -1
                next.vmNeedsRestart[v] = true
                next.vmPromoted[v] = false
                next.vmPinned[v] = false
            }
        }
        next.admissionLimit = Problem.admissionLimit(next.snapshot, hostLimit: hostLimit, hostState: next.hostState)
        (next.haMaster, next.haElected) = Problem.electMaster(next.snapshot)
        next.restartHosts = Problem.restartHosts(next.snapshot, hostIndex: hostIndex, master: next.haMaster)
        // HA restarts never copy disks.
        if !vmStrictSet.isEmpty {
            for v in 0..<vmCount where next.vmNeedsRestart[v] { next.vmAllowedSet[v] = vmStrictSet[v] }
        }
        next.restrictRestartsToMasterPartition()
        next.keepFailedVMsDown()
        return next
    }

    /// Whether VM `v` must leave its initial host (or be placed) whatever the goal: it is
    /// new, needs a restart, sits on a host that cannot keep it, or breaks a hard rule there.
    package func isMandatory(_ v: Int) -> Bool {
        guard vmActive[v], !vmPinned[v] else { return false }
        let h = Int(vmInitialHost[v])
        if h < 0 { return true }
        if hostState[h] != .connected || !allows(v, h) { return true }
        if vmIsFT[v] && vmInitialSecondary[v] < 0 { return true }
        return false
    }
}
