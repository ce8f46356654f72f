/// One broken guarantee found by the checker: where (wave, or the final state) and what.
public struct CheckViolation: Sendable, Equatable, CustomStringConvertible {
    /// The wave in which it happens; nil for the final state or the plan as a whole.
    public var wave: Int?
    /// What is broken, in words.
    public var message: String
    /// The message, after `wave N: ` when it has a wave.
    public var description: String { wave.map { "wave \($0): \(message)" } ?? message }
}

/// The independent checker (`drs check`). It replays the steps wave by wave from the snapshot
/// alone and verifies every hard constraint at every moment: during a wave a migrating VM
/// counts on both its source and its destination; no host takes part in more than
/// `maxConcurrentPerHost` live migrations at once; the steps end in the stated placement.
///
/// It shares no code with the solvers: only the snapshot types and the milli-unit rounding
/// (`Units`) that defines what fits. A problem the snapshot already had (an overloaded host, a
/// broken rule, an FT secondary on a host that cannot keep it, HA admission control already
/// short) is tolerated while the plan does not make it worse, at every wave and, under the
/// `plan` standard, in the final state too, which is how a plan keeps what no move can fix; a VM
/// may not stay on a host entering maintenance (or in standby, or failed) at the end.
///
/// "No worse", per problem: a host over capacity carries at most what it carried; a required
/// anti-affinity rule has at most as many members together on a host as before; a VM that
/// breaks a must/mustNot rule may stop, during the waves, on any host that breaks no rule it
/// kept, and ends on a host that satisfies the rule or on the one it started from (an FT VM
/// promoted after a failure starts from its secondary's host); HA admission control, checked
/// whenever hosts change (standby, powerOn) and at the end, is short by at most what the
/// snapshot was short.
///
/// Cost: O(V x R + H x R + rule members) for the final state, plus, per wave, O(steps x
/// (R + members of the moving VMs' rules)): a wave can only change what its moves touch; a
/// wave that changes host states adds O(V x R + H log H x R).
public enum PlanChecker {
    /// What the final state must satisfy beyond "no worse than the snapshot".
    public enum Standard: Sendable {
        /// Every problem the snapshot had is gone (nothing tolerated at the end).
        case repaired
        /// A printed plan: the snapshot's problems may remain, no worse, except that no VM
        /// stays on a host that is not connected (maintenance must be emptied).
        case plan
        /// A subset of a plan, such as its applied steps when the rest is only recommended:
        /// anything the snapshot had may remain, no worse.
        case subset
    }

    /// Checks a plan under a standard (`plan` for `drs check`).
    public static func check(_ snapshot: Snapshot, _ plan: Plan, standard: Standard = .plan) -> [CheckViolation] {
        var replay = Replay(snapshot: snapshot, context: Context(snapshot))
        replay.standard = standard
        return replay.run(plan)
    }

    /// Checks with `requireRepaired` true as `repaired`, false as `subset`.
    package static func check(_ snapshot: Snapshot, _ plan: Plan, requireRepaired: Bool) -> [CheckViolation] {
        check(snapshot, plan, standard: requireRepaired ? .repaired : .subset)
    }

    /// Checks with a prepared context: for many plans of snapshots that differ only in host
    /// states (a failover sweep), the id indices are built once.
    package static func check(_ snapshot: Snapshot, _ plan: Plan, context: Context, standard: Standard = .plan) -> [CheckViolation] {
        precondition(context.hostCount == snapshot.hosts.count && context.vmCount == snapshot.vms.count,
                     "the context belongs to another snapshot")
        var replay = Replay(snapshot: snapshot, context: context)
        replay.standard = standard
        return replay.run(plan)
    }

    /// Checks, and lists the snapshot's own problems that the final state keeps (tolerated as
    /// no worse), one line each: what a plan reports because no move it found fixed them.
    package static func review(_ snapshot: Snapshot, _ plan: Plan, context: Context? = nil,
                              standard: Standard = .plan) -> (violations: [CheckViolation], kept: [String]) {
        var replay = Replay(snapshot: snapshot, context: context ?? Context(snapshot))
        replay.standard = standard
        let violations = replay.run(plan)
        return (violations, replay.kept.sorted())
    }

    /// What the checker derives from a snapshot's ids, demands, capacities and rules.
    package struct Context: Sendable {
        let hostIndex: [String: Int]
        let vmIndex: [String: Int]
        let limits: [Int64]
        let demands: [Int64]
        let hardRulesOf: [[Int]]
        /// Host index of each VM's `host` and `ft.secondaryHost` (-1 when none).
        let hostOf: [Int32]
        let secondaryHostOf: [Int32]
        let hostCount: Int
        let vmCount: Int

        /// The context of `snapshot`; build once to check many plans of it. O((V + H) x R + rule members).
        package init(_ snapshot: Snapshot) {
            var hostIndex: [String: Int] = [:]
            hostIndex.reserveCapacity(snapshot.hosts.count)
            for (h, host) in snapshot.hosts.enumerated() where hostIndex[host.id] == nil { hostIndex[host.id] = h }
            // The first VM of an id wins; one hash per VM, no VM copied.
            let vmIndex = [String: Int](snapshot.vms.indices.lazy.map { (snapshot.vms[$0].id, $0) }, uniquingKeysWith: { first, _ in first })
            self.hostIndex = hostIndex
            self.vmIndex = vmIndex
            let R = snapshot.resources.count
            let caps = snapshot.resources.map { snapshot.maxUtilization(of: $0) }
            limits = [Int64](unsafeUninitializedCapacity: snapshot.hosts.count * R) { buffer, count in
                for (h, host) in snapshot.hosts.enumerated() {
                    for (r, resource) in snapshot.resources.enumerated() {
                        buffer[h * R + r] = Units.limit(capacity: host.capacity[resource] ?? 0, maxUtilization: caps[r])
                    }
                }
                count = snapshot.hosts.count * R
            }
            demands = [Int64](unsafeUninitializedCapacity: snapshot.vms.count * R) { buffer, count in
                for v in snapshot.vms.indices {
                    for (r, resource) in snapshot.resources.enumerated() { buffer[v * R + r] = Units.demand(snapshot.vms[v].demand[resource] ?? 0) }
                }
                count = snapshot.vms.count * R
            }
            var rulesOf = [[Int]](repeating: [], count: snapshot.vms.count)
            for (index, rule) in snapshot.rules.enumerated() where rule.isHard {
                for vm in rule.vms { if let v = vmIndex[vm] { rulesOf[v].append(index) } }
            }
            hardRulesOf = rulesOf
            hostOf = snapshot.vms.indices.map { v in snapshot.vms[v].host.flatMap { hostIndex[$0] }.map { Int32($0) } ?? -1 }
            secondaryHostOf = snapshot.vms.indices.map { v in snapshot.vms[v].ft?.secondaryHost.flatMap { hostIndex[$0] }.map { Int32($0) } ?? -1 }
            hostCount = snapshot.hosts.count
            vmCount = snapshot.vms.count
        }
    }
}

extension PlanChecker {
    /// One run of the checker over a snapshot and a plan: the settled state between waves (host
    /// states, where each VM and secondary runs, the load per host) and what the snapshot already
    /// had, against which "no worse" is measured; collects violations and kept problems.
    struct Replay {
        let snapshot: Snapshot
        let R: Int
        let hostIndex: [String: Int]
        let vmIndex: [String: Int]
        /// Placeable limits and demands, milli-units: `limits[h * R + r]`, `demands[v * R + r]`.
        let limits: [Int64]
        let demands: [Int64]
        var state: [HostState]
        /// Each host's state before the plan as HA sees it (`Snapshot.effectiveHostStates`: an
        /// isolated host whose isolation response powers its VMs off is `failed`).
        let initialState: [HostState]
        /// The hosts HA may restart VMs on (the HA master's partition, `cluster.ha.partitions`);
        /// nil when unrestricted.
        var restartHosts: Set<Int>?
        /// The partitions (`cluster.ha.partitions`, the unlisted hosts last) and each host's, built
        /// at the first elect step outside the master's partition.
        var partitionHosts: [[Int]] = []
        var partitionOf: [Int] = []
        /// Where each VM's primary and FT secondary run between waves (-1: not running).
        var primary: [Int32]
        var secondary: [Int32]
        let initialPrimary: [Int32]
        let initialSecondary: [Int32]
        /// Settled load between waves, and the load before the plan: `load[h * R + r]`.
        var load: [Int64]
        let initialLoad: [Int64]
        /// Hard rules each VM belongs to.
        let hardRulesOf: [[Int]]
        var violations: [CheckViolation] = []
        /// VMs whose failed guest (`vms[].state`) a restart step brought back.
        var guestRestarted = Set<Int>()
        /// Storage: the datastores each VM's disks are on now (VMs that name some), and the
        /// datastores each host sees; empty when no VM names datastores.
        var disksOf: [Int: [String]] = [:]
        var hostSees: [Set<String>] = []
        /// The host each VM is registered on (`vms[].host`; cold migrations move the powered-off ones).
        var registeredAt: [Int32]
        /// The host each FT VM's secondary is registered on (`ft.secondaryHost`), running or not:
        /// a cold migration never puts a powered-off primary there.
        let secondaryRegisteredAt: [Int32]
        /// Scratch for `checkCapacity`: what arrives per host and resource, and on which hosts
        /// (all zero / false between moments).
        var arrivals: [Int64] = []
        var arrived: [Bool] = []
        /// Problems of the snapshot the final state keeps, tolerated as no worse.
        var kept: [String] = []
        var master: String?
        /// What the final state must satisfy (see `PlanChecker.Standard`).
        var standard = PlanChecker.Standard.plan
        /// Where each VM's primary runs once HA has acted: its host, or for an FT VM whose host
        /// failed, its surviving secondary's host (the promotion is forced). Tolerance is measured
        /// from here.
        let basePrimary: [Int32]
        /// Per hard vmHost rule (by index), whether each member breaks it at its base host.
        let brokenAtStart: [Int: Set<Int>]
        /// HA admission control: per resource, how far the snapshot's demand (every VM with a host,
        /// running or to be restarted, and the secondary of each such FT VM, running or to be
        /// created, or already running) exceeds the reserve of its connected hosts, or 0; nil when
        /// admission control is off.
        let admissionSlack: [Int64]?

        init(snapshot: Snapshot, context: PlanChecker.Context) {
            self.snapshot = snapshot
            R = snapshot.resources.count
            hostIndex = context.hostIndex
            vmIndex = context.vmIndex
            limits = context.limits
            demands = context.demands
            hardRulesOf = context.hardRulesOf
            state = snapshot.effectiveHostStates
            initialState = state
            registeredAt = context.hostOf
            secondaryRegisteredAt = context.secondaryHostOf
            primary = [Int32](repeating: -1, count: snapshot.vms.count)
            secondary = primary
            for v in snapshot.vms.indices where snapshot.vms[v].powerState == .on {
                let h = context.hostOf[v], s = context.secondaryHostOf[v]
                if h >= 0 && state[Int(h)] != .failed { primary[v] = h }
                if s >= 0 && state[Int(s)] != .failed { secondary[v] = s }
            }
            initialPrimary = primary
            initialSecondary = secondary
            var base = primary
            for v in snapshot.vms.indices where snapshot.vms[v].powerState == .on && base[v] < 0 && snapshot.vms[v].ft != nil {
                let h = context.hostOf[v]
                if h >= 0 && state[Int(h)] == .failed { base[v] = secondary[v] }
            }
            basePrimary = base
            var broken: [Int: Set<Int>] = [:]
            for (index, rule) in snapshot.rules.enumerated() where rule.kind == .vmHost && rule.isHard {
                let listed = Set((rule.hosts ?? []).compactMap { context.hostIndex[$0] }.map { Int32($0) })
                for vm in rule.vms {
                    guard let v = context.vmIndex[vm], base[v] >= 0 else { continue }
                    if (rule.policy == .must) != listed.contains(base[v]) { broken[index, default: []].insert(v) }
                }
            }
            brokenAtStart = broken
            var load = [Int64](repeating: 0, count: snapshot.hosts.count * R)
            for v in snapshot.vms.indices {
                for h in [primary[v], secondary[v]] where h >= 0 {
                    for r in 0..<R { load[Int(h) * R + r] += demands[v * R + r] }
                }
            }
            initialLoad = load
            self.load = load
            if let ha = snapshot.cluster.ha, ha.enabled, ha.hostFailuresToTolerate > 0 {
                var demand = [Int64](repeating: 0, count: R)
                for v in snapshot.vms.indices where snapshot.vms[v].powerState == .on {
                    let hosted = context.hostOf[v] >= 0
                    let copies: Int64 = (hosted ? 1 : 0) + (snapshot.vms[v].ft != nil && (hosted || secondary[v] >= 0) ? 1 : 0)
                    for r in 0..<R { demand[r] += copies * context.demands[v * R + r] }
                }
                let reserve = Replay.reserve(limits: context.limits, state: state, R: R, failures: ha.hostFailuresToTolerate)
                admissionSlack = (0..<R).map { max(0, demand[$0] - reserve[$0]) }
            } else {
                admissionSlack = nil
            }
            master = snapshot.cluster.ha?.master
            restartHosts = Replay.masterPartition(snapshot, hostIndex: context.hostIndex, state: state)
            for (v, vm) in snapshot.vms.enumerated() {
                if let disks = vm.datastores, !disks.isEmpty { disksOf[v] = disks }
            }
            if !disksOf.isEmpty { hostSees = snapshot.hosts.map { Set($0.datastores) } }
        }
    }
}

extension PlanChecker.Replay {
    mutating func fail(_ wave: Int?, _ message: String) {
        violations.append(CheckViolation(wave: wave, message: message))
    }

    /// Records a problem of the snapshot that the final state keeps (no worse).
    mutating func keep(_ wave: Int?, _ message: String) {
        if wave == nil { kept.append(message) }
    }

    func number(_ milli: Int64) -> String { JSONWriter.number(Double(milli) / Units.scale) }
    func hostName(_ h: Int32) -> String { snapshot.hosts[Int(h)].id }
    func vmName(_ v: Int) -> String { snapshot.vms[v].id }

    mutating func run(_ plan: Plan) -> [CheckViolation] {
        let threshold = snapshot.cluster.migrationThreshold
        var previousWave = 0
        for (index, step) in plan.steps.enumerated() {
            if step.wave < previousWave { fail(step.wave, "steps[\(index)] is out of order: wave \(step.wave) after wave \(previousWave)") }
            previousWave = max(previousWave, step.wave)
            if step.priority < 1 || step.priority > max(1, threshold) {
                fail(step.wave, "steps[\(index)] has priority \(step.priority), outside 1...\(threshold) (the migration threshold)")
            }
        }
        let waves = Dictionary(grouping: plan.steps, by: \.wave)
        for wave in waves.keys.sorted() { replayWave(wave, waves[wave]!) }
        checkRestartOrder(plan)
        checkPowerOrder(plan)
        checkDowntimes(plan)
        checkRegistrations()
        checkFinal(plan)
        // Deterministic order: by wave (the final state last), then by text.
        return violations.sorted { ($0.wave ?? Int.max, $0.message) < ($1.wave ?? Int.max, $1.message) }
    }

    /// Hosts occupied during a wave by the VMs that move in it (source and destination while
    /// migrating; the destination alone when placed or restarted); every other VM is where
    /// the settled state has it. Empty for the final state.
    struct Moment {
        var primary: [Int: [Int32]] = [:]
        var secondary: [Int: [Int32]] = [:]
    }

    func primaryHosts(_ v: Int, _ moment: Moment) -> [Int32]? {
        moment.primary[v] ?? (primary[v] >= 0 ? [primary[v]] : nil)
    }

    func secondaryHosts(_ v: Int, _ moment: Moment) -> [Int32]? {
        moment.secondary[v] ?? (secondary[v] >= 0 ? [secondary[v]] : nil)
    }

    /// Per resource: the total limit of the connected hosts minus the `failures` largest (the
    /// aggregate reserve of SPEC section 2). O(H log H x R).
    static func reserve(limits: [Int64], state: [HostState], R: Int, failures: Int) -> [Int64] {
        (0..<R).map { r in
            let connected = state.indices.filter { state[$0] == .connected }.map { limits[$0 * R + r] }.sorted(by: >)
            return connected.reduce(0, +) - connected.prefix(failures).reduce(0, +)
        }
    }

    /// HA admission control in the settled state: the running demand (primaries and
    /// secondaries) exceeds the reserve of the connected hosts by at most `admissionSlack`
    /// (nothing, under the `repaired` standard at the end). `when` names the moment.
    mutating func checkAdmission(wave: Int?, when: String, strict: Bool) {
        guard let slack = admissionSlack, let ha = snapshot.cluster.ha else { return }
        var demand = [Int64](repeating: 0, count: R)
        for v in snapshot.vms.indices {
            if primary[v] >= 0 { for r in 0..<R { demand[r] += demands[v * R + r] } }
            if secondary[v] >= 0 { for r in 0..<R { demand[r] += demands[v * R + r] } }
        }
        let reserve = Self.reserve(limits: limits, state: state, R: R, failures: ha.hostFailuresToTolerate)
        for (r, resource) in snapshot.resources.enumerated() where demand[r] > reserve[r] {
            let already = slack[r] > 0 ? " (the snapshot was already \(number(slack[r])) short)" : ""
            let message = "admission control broken in \(resource): running demand \(number(demand[r])) > \(number(reserve[r])) that survives \(ha.hostFailuresToTolerate) host failure(s) \(when)\(already)"
            if !strict && demand[r] - reserve[r] <= slack[r] { keep(wave, message) } else { fail(wave, message) }
        }
    }

    /// Moves a VM's demand from the first to the last host of `hosts` in the settled load.
    /// Saturating: a plan that places a running VM again (reported) adds its demand again, and
    /// may do so in any number of waves.
    mutating func settle(_ v: Int, _ hosts: [Int32]) {
        for r in 0..<R {
            if hosts.count == 2 { load[Int(hosts[0]) * R + r] = Units.sum(load[Int(hosts[0]) * R + r], -demands[v * R + r]) }
            load[Int(hosts.last!) * R + r] = Units.sum(load[Int(hosts.last!) * R + r], demands[v * R + r])
        }
    }

    /// Every VM (and secondary) on host `h` at the moment, sorted, for messages. O(V).
    func residentNames(of h: Int32, _ moment: Moment) -> String {
        var names: [String] = []
        for v in snapshot.vms.indices {
            if primaryHosts(v, moment)?.contains(h) == true { names.append(vmName(v)) }
            if secondaryHosts(v, moment)?.contains(h) == true { names.append("\(vmName(v)) (secondary)") }
        }
        return names.sorted().joined(separator: ", ")
    }
}
