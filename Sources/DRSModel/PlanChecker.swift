/// One broken guarantee found by the checker: where (wave, or the final state) and what.
public struct CheckViolation: Sendable, Equatable, CustomStringConvertible {
    /// The wave in which it happens; nil for the final state or the plan as a whole.
    public var wave: Int?
    public var message: String
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
    public static func check(_ snapshot: Snapshot, _ plan: Plan, requireRepaired: Bool) -> [CheckViolation] {
        check(snapshot, plan, standard: requireRepaired ? .repaired : .subset)
    }

    /// Checks with a prepared context: for many plans of snapshots that differ only in host
    /// states (a failover sweep), the id indices are built once.
    public static func check(_ snapshot: Snapshot, _ plan: Plan, context: Context, standard: Standard = .plan) -> [CheckViolation] {
        precondition(context.hostCount == snapshot.hosts.count && context.vmCount == snapshot.vms.count,
                     "the context belongs to another snapshot")
        var replay = Replay(snapshot: snapshot, context: context)
        replay.standard = standard
        return replay.run(plan)
    }

    /// Checks, and lists the snapshot's own problems that the final state keeps (tolerated as
    /// no worse), one line each: what a plan reports because no move it found fixed them.
    public static func review(_ snapshot: Snapshot, _ plan: Plan, context: Context? = nil,
                              standard: Standard = .plan) -> (violations: [CheckViolation], kept: [String]) {
        var replay = Replay(snapshot: snapshot, context: context ?? Context(snapshot))
        replay.standard = standard
        let violations = replay.run(plan)
        return (violations, replay.kept.sorted())
    }

    /// What the checker derives from a snapshot's ids, demands, capacities and rules.
    public struct Context: Sendable {
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

        public init(_ snapshot: Snapshot) {
            var hostIndex: [String: Int] = [:]
            for (h, host) in snapshot.hosts.enumerated() where hostIndex[host.id] == nil { hostIndex[host.id] = h }
            var vmIndex: [String: Int] = [:]
            for (v, vm) in snapshot.vms.enumerated() where vmIndex[vm.id] == nil { vmIndex[vm.id] = v }
            self.hostIndex = hostIndex
            self.vmIndex = vmIndex
            limits = snapshot.hosts.flatMap { snapshot.limits(of: $0) }
            demands = snapshot.vms.flatMap { snapshot.demands(of: $0) }
            var rulesOf = [[Int]](repeating: [], count: snapshot.vms.count)
            for (index, rule) in snapshot.rules.enumerated() where rule.isHard {
                for vm in rule.vms { if let v = vmIndex[vm] { rulesOf[v].append(index) } }
            }
            hardRulesOf = rulesOf
            hostOf = snapshot.vms.map { vm in vm.host.flatMap { hostIndex[$0] }.map { Int32($0) } ?? -1 }
            secondaryHostOf = snapshot.vms.map { vm in vm.ft?.secondaryHost.flatMap { hostIndex[$0] }.map { Int32($0) } ?? -1 }
            hostCount = snapshot.hosts.count
            vmCount = snapshot.vms.count
        }
    }
}

private struct Replay {
    let snapshot: Snapshot
    let R: Int
    let hostIndex: [String: Int]
    let vmIndex: [String: Int]
    /// Placeable limits and demands, milli-units: `limits[h * R + r]`, `demands[v * R + r]`.
    let limits: [Int64]
    let demands: [Int64]
    var state: [HostState]
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
        state = snapshot.hosts.map(\.state)
        primary = [Int32](repeating: -1, count: snapshot.vms.count)
        secondary = primary
        for (v, vm) in snapshot.vms.enumerated() where vm.powerState == .on {
            let h = context.hostOf[v], s = context.secondaryHostOf[v]
            if h >= 0 && state[Int(h)] != .failed { primary[v] = h }
            if s >= 0 && state[Int(s)] != .failed { secondary[v] = s }
        }
        initialPrimary = primary
        initialSecondary = secondary
        var base = primary
        for (v, vm) in snapshot.vms.enumerated() where vm.powerState == .on && base[v] < 0 && vm.ft != nil {
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
            for (v, vm) in snapshot.vms.enumerated() where vm.powerState == .on {
                let hosted = context.hostOf[v] >= 0
                let copies: Int64 = (hosted ? 1 : 0) + (vm.ft != nil && (hosted || secondary[v] >= 0) ? 1 : 0)
                for r in 0..<R { demand[r] += copies * context.demands[v * R + r] }
            }
            let reserve = Replay.reserve(limits: context.limits, state: state, R: R, failures: ha.hostFailuresToTolerate)
            admissionSlack = (0..<R).map { max(0, demand[$0] - reserve[$0]) }
        } else {
            admissionSlack = nil
        }
        master = snapshot.cluster.ha?.master
    }

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

    mutating func replayWave(_ wave: Int, _ steps: [Step]) {
        let maxConcurrent = snapshot.cluster.migration.maxConcurrentPerHost
        // Host steps and promotions take effect at the start of the wave.
        var goingToStandby: [Int] = []
        for step in steps {
            switch step.kind {
            case .powerOn:
                guard let h = step.host.flatMap({ hostIndex[$0] }) else { fail(wave, "powerOn names unknown host \(step.host ?? "(none)")"); continue }
                if state[h] != .standby { fail(wave, "powerOn of host \(step.host!), which is \(state[h].rawValue), not standby") }
                state[h] = .connected
            case .standby:
                guard let h = step.host.flatMap({ hostIndex[$0] }) else { fail(wave, "standby names unknown host \(step.host ?? "(none)")"); continue }
                goingToStandby.append(h)
            case .elect:
                guard let h = step.host.flatMap({ hostIndex[$0] }) else { fail(wave, "elect names unknown host \(step.host ?? "(none)")"); continue }
                if state[h] != .connected { fail(wave, "elect makes \(step.host!) HA master, but it is \(state[h].rawValue)") }
                master = step.host
            case .promote:
                guard let v = step.vm.flatMap({ vmIndex[$0] }) else { fail(wave, "promote names unknown VM \(step.vm ?? "(none)")"); continue }
                let vm = step.vm!
                guard snapshot.vms[v].ft != nil else { fail(wave, "promote of \(vm), which has no FT secondary"); continue }
                if primary[v] >= 0 { fail(wave, "promote of \(vm), whose primary is still running on \(hostName(primary[v]))") }
                guard secondary[v] >= 0 else { fail(wave, "promote of \(vm), which has no running secondary"); continue }
                if let to = step.to, to != hostName(secondary[v]) { fail(wave, "promote of \(vm) to \(to), but its secondary runs on \(hostName(secondary[v]))") }
                primary[v] = secondary[v]
                secondary[v] = -1
            default: break
            }
        }

        var moment = Moment()
        var migrationsPerHost: [Int: Int] = [:]
        var touched = Set<Int>()
        var arriving = Set<Int>()
        for step in steps where [.place, .restart, .migrate].contains(step.kind) {
            guard let v = step.vm.flatMap({ vmIndex[$0] }) else {
                fail(wave, "\(step.kind.rawValue) names unknown VM \(step.vm ?? "(none)")")
                continue
            }
            let machine = snapshot.vms[v]
            let vm = machine.id
            let isSecondary = step.secondary == true
            let label = isSecondary ? "\(vm)'s secondary" : vm
            if machine.powerState == .off { fail(wave, "\(step.kind.rawValue) of \(vm), which is powered off") }
            if isSecondary && machine.ft == nil { fail(wave, "\(step.kind.rawValue) of a secondary for \(vm), which is not FT-protected") }
            if !touched.insert(v * 2 + (isSecondary ? 1 : 0)).inserted { fail(wave, "\(label) has more than one step in this wave") }
            guard let to = step.to.flatMap({ hostIndex[$0] }) else { fail(wave, "\(step.kind.rawValue) of \(label) to unknown host \(step.to ?? "(none)")"); continue }
            if state[to] != .connected { fail(wave, "\(step.kind.rawValue) of \(label) to host \(step.to!), which is \(state[to].rawValue)") }
            arriving.insert(to)
            let current = isSecondary ? secondary[v] : primary[v]
            let destination = Int32(to)
            switch step.kind {
            case .migrate:
                guard current >= 0 else { fail(wave, "migrate of \(label), which is not running"); continue }
                if step.from != hostName(current) { fail(wave, "migrate of \(label) from \(step.from ?? "(none)"), but it runs on \(hostName(current))") }
                if current == destination { fail(wave, "migrate of \(label) from \(hostName(current)) to the same host") }
                if !isSecondary && machine.automation == .disabled { fail(wave, "migrate of \(vm), whose automation is disabled") }
                migrationsPerHost[Int(current), default: 0] += 1
                migrationsPerHost[to, default: 0] += 1
                if isSecondary { moment.secondary[v] = [current, destination] } else { moment.primary[v] = [current, destination] }
            case .restart:
                if current >= 0 { fail(wave, "restart of \(label), which is already running on \(hostName(current))") }
                if !isSecondary, let original = machine.host.flatMap({ hostIndex[$0] }), snapshot.hosts[original].state != .failed {
                    fail(wave, "restart of \(vm), whose host \(machine.host!) has not failed")
                }
                if isSecondary { moment.secondary[v] = [destination] } else { moment.primary[v] = [destination] }
            default:
                if current >= 0 { fail(wave, "place of \(label), which is already running on \(hostName(current))") }
                if !isSecondary, let original = machine.host.flatMap({ hostIndex[$0] }), snapshot.hosts[original].state != .failed {
                    fail(wave, "place of \(vm), which already has host \(machine.host!) (use migrate)")
                }
                if isSecondary { moment.secondary[v] = [destination] } else { moment.primary[v] = [destination] }
            }
        }
        for (h, count) in migrationsPerHost where count > maxConcurrent {
            fail(wave, "host \(hostName(Int32(h))) takes part in \(count) live migrations at once, more than maxConcurrentPerHost \(maxConcurrent)")
        }
        checkMoment(moment, wave: wave, whole: false, tolerant: true)

        // End of the wave: everything lands.
        for (v, hosts) in moment.primary { primary[v] = hosts.last!; settle(v, hosts) }
        for (v, hosts) in moment.secondary { secondary[v] = hosts.last!; settle(v, hosts) }
        // Hosts that still hold a VM once the wave has landed: O(V) once, names only for those.
        var occupied = Set<Int32>()
        if !goingToStandby.isEmpty {
            for v in snapshot.vms.indices {
                if primary[v] >= 0 { occupied.insert(primary[v]) }
                if secondary[v] >= 0 { occupied.insert(secondary[v]) }
            }
        }
        for h in goingToStandby {
            let residents = occupied.contains(Int32(h)) ? residentNames(of: Int32(h), Moment()) : ""
            if !residents.isEmpty {
                fail(wave, "standby of host \(hostName(Int32(h))), which still runs \(residents)")
            }
            if arriving.contains(h) { fail(wave, "standby of host \(hostName(Int32(h))) while VMs move onto it") }
            state[h] = .standby
        }
        let hostSteps = steps.filter { $0.kind == .standby || $0.kind == .powerOn }.compactMap(\.host)
        if !hostSteps.isEmpty {
            checkAdmission(wave: wave, when: "after the power steps of \(hostSteps.sorted().joined(separator: ", "))", strict: false)
        }
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
        let reserve = Replay.reserve(limits: limits, state: state, R: R, failures: ha.hostFailuresToTolerate)
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

    /// Checks capacity, host states, rules and FT separation for one moment: during a wave,
    /// only what the wave's moves can change (hosts they arrive on, their rules, their FT
    /// pairs), since everything else is as in the settled state already checked (`whole`
    /// false); the final state is checked whole. `tolerant` accepts what the snapshot already
    /// had as long as it is no worse.
    mutating func checkMoment(_ moment: Moment, wave: Int?, whole: Bool, tolerant: Bool) {
        let resources = snapshot.resources
        // Capacity: the settled load plus what arrives (sources still count).
        var arrivals: [Int32: [Int64]] = [:]
        func arrive(_ v: Int, _ hosts: [Int32]) {
            var amounts = arrivals[hosts.last!] ?? [Int64](repeating: 0, count: R)
            for r in 0..<R { amounts[r] = Units.sum(amounts[r], demands[v * R + r]) }
            arrivals[hosts.last!] = amounts
        }
        for (v, hosts) in moment.primary { arrive(v, hosts) }
        for (v, hosts) in moment.secondary { arrive(v, hosts) }
        let hostsToCheck: [Int32] = whole ? snapshot.hosts.indices.map { Int32($0) } : arrivals.keys.sorted()
        for h in hostsToCheck {
            let extra = arrivals[h]
            for r in 0..<R {
                let amount = Units.sum(load[Int(h) * R + r], extra?[r] ?? 0)
                let limit = limits[Int(h) * R + r]
                guard amount > limit else { continue }
                let message = "host \(hostName(h)) over capacity in \(resources[r]): \(number(amount)) > limit \(number(limit)) (holds \(residentNames(of: h, moment)))"
                if tolerant && amount <= initialLoad[Int(h) * R + r] { keep(wave, message); continue }
                fail(wave, message)
            }
        }
        // Host states: arrivals were checked step by step; in the final state every VM runs
        // on a connected host.
        // A primary may stay on such a host only in a subset of a plan; an FT secondary that
        // stays where it was is tolerated (there is no step that removes a secondary).
        if whole {
            for v in snapshot.vms.indices {
                let primaryKept = tolerant && standard == .subset && primary[v] == basePrimary[v]
                if !primaryKept && primary[v] >= 0 && state[Int(primary[v])] != .connected {
                    fail(wave, "VM \(vmName(v)) is on host \(hostName(primary[v])), which is \(state[Int(primary[v])].rawValue)")
                }
                if secondary[v] >= 0 && state[Int(secondary[v])] != .connected {
                    let message = "the secondary of \(vmName(v)) is on host \(hostName(secondary[v])), which is \(state[Int(secondary[v])].rawValue)"
                    if tolerant && secondary[v] == initialSecondary[v] { keep(wave, message) } else { fail(wave, message) }
                }
            }
        }
        // FT separation.
        let ftToCheck: [Int] = whole ? snapshot.vms.indices.filter { secondary[$0] >= 0 } : Array(Set(moment.primary.keys).union(moment.secondary.keys))
        for v in ftToCheck {
            guard let secondaryAt = secondaryHosts(v, moment), let primaryAt = primaryHosts(v, moment) else { continue }
            if let shared = secondaryAt.first(where: { primaryAt.contains($0) }) {
                fail(wave, "FT primary and secondary of \(vmName(v)) are both on host \(hostName(shared))")
            }
        }
        // Hard rules: all of them at the end, those of moving VMs during a wave.
        let ruleIndices: [Int] = whole ? snapshot.rules.indices.filter { snapshot.rules[$0].isHard }
            : Array(Set(moment.primary.keys.flatMap { hardRulesOf[$0] })).sorted()
        for index in ruleIndices {
            let rule = snapshot.rules[index]
            let members = rule.vms.compactMap { vmIndex[$0] }
            let running = members.filter { primaryHosts($0, moment) != nil }
            switch rule.kind {
            case .antiAffinity:
                var byHost: [Int32: [Int]] = [:]
                for v in running { for h in primaryHosts(v, moment)! { byHost[h, default: []].append(v) } }
                for (h, vms) in byHost.sorted(by: { $0.key < $1.key }) where vms.count > 1 {
                    let before = members.filter { basePrimary[$0] == h }.count
                    let message = "anti-affinity rule \(rule.id) (rules[\(index)]) broken: \(vms.map(vmName).sorted().joined(separator: ", ")) together on host \(hostName(h))"
                    if tolerant && vms.count <= before { keep(wave, message); continue }
                    fail(wave, message)
                }
            case .affinity:
                guard running.count > 1 else { continue }
                var common = Set(primaryHosts(running[0], moment)!)
                for v in running.dropFirst() { common.formIntersection(primaryHosts(v, moment)!) }
                if common.isEmpty {
                    let initiallyRunning = members.map { basePrimary[$0] }.filter { $0 >= 0 }
                    let where_ = running.map { "\(vmName($0)) on \(primaryHosts($0, moment)!.map(hostName).joined(separator: "+"))" }.joined(separator: ", ")
                    let message = "affinity rule \(rule.id) (rules[\(index)]) broken: \(where_)"
                    if tolerant && Set(initiallyRunning).count > 1 { keep(wave, message); continue }
                    fail(wave, message)
                }
            case .vmHost:
                let listed = Set((rule.hosts ?? []).compactMap { hostIndex[$0] }.map { Int32($0) })
                for v in running {
                    for h in primaryHosts(v, moment)! where (rule.policy == .must) != listed.contains(h) {
                        // Kept where it started; or, during the waves, a stop of a VM that
                        // broke this rule from the start (any host breaks it no worse).
                        let message = "\(rule.policy!.rawValue) rule \(rule.id) (rules[\(index)]) broken: \(vmName(v)) on host \(hostName(h))"
                        if tolerant && (basePrimary[v] == h || (wave != nil && brokenAtStart[index]?.contains(v) == true)) { keep(wave, message); continue }
                        fail(wave, message)
                    }
                }
            }
        }
    }

    mutating func checkFinal(_ plan: Plan) {
        checkMoment(Moment(), wave: nil, whole: true, tolerant: standard != .repaired)
        checkAdmission(wave: nil, when: "at the end of the plan", strict: standard == .repaired)

        let listedUnplaced = Set(plan.unplaced)
        for (v, vm) in snapshot.vms.enumerated() where vm.powerState == .on {
            let stated = plan.placement[vm.id]
            let reached = primary[v] >= 0 ? hostName(primary[v]) : nil
            if stated != reached {
                fail(nil, "the steps leave \(vm.id) \(reached.map { "on \($0)" } ?? "unplaced"), but the plan's placement says \(stated ?? "nothing")")
            }
            if reached == nil && !listedUnplaced.contains(vm.id) {
                fail(nil, "\(vm.id) ends unplaced but is not listed in unplaced")
            }
            if let reached, listedUnplaced.contains(vm.id) {
                fail(nil, "\(vm.id) is listed in unplaced but ends on \(reached)")
            }
            if vm.ft != nil {
                let secondaryAt = secondary[v] >= 0 ? hostName(secondary[v]) : nil
                if plan.secondaries[vm.id] != secondaryAt {
                    fail(nil, "the steps leave \(vm.id)'s secondary \(secondaryAt.map { "on \($0)" } ?? "nowhere"), but the plan's secondaries say \(plan.secondaries[vm.id] ?? "nothing")")
                }
            }
            if vm.automation == .disabled, let host = vm.host, let reached, reached != host,
               let original = hostIndex[host], snapshot.hosts[original].state != .failed {
                fail(nil, "\(vm.id) has automation disabled but ends on \(reached) instead of \(host)")
            }
        }
        for id in plan.placement.keys.filter({ vmIndex[$0] == nil || snapshot.vms[vmIndex[$0]!].powerState == .off }).sorted() {
            fail(nil, "the placement names \(id), which is \(vmIndex[id] == nil ? "not a VM of the snapshot" : "powered off")")
        }

        // HA master: a failed or missing master must be replaced by the election winner.
        guard let ha = snapshot.cluster.ha, ha.enabled else { return }
        let masterState = ha.master.flatMap { hostIndex[$0] }.map { state[$0] }
        if masterState != .connected {
            // The election runs when the master is lost, among the hosts connected then (a
            // standby host the plan powers on later is not yet a candidate) that stay connected.
            let winner = snapshot.hosts.indices.filter { snapshot.hosts[$0].state == .connected && state[$0] == .connected }.map { snapshot.hosts[$0] }.max { a, b in
                let da = Set(a.datastores).count, db = Set(b.datastores).count
                return da != db ? da < db : a.id < b.id
            }
            if let winner, master != winner.id || plan.haMaster != winner.id {
                fail(nil, "HA master must be \(winner.id) (most datastores, ties to the greatest id), but the plan has \(plan.haMaster ?? "none")")
            }
        }
    }
}
