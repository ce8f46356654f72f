@_spi(Benchmarks) import DRSModel
import DRSHeuristics

/// Builds a complete plan from a snapshot: solve for a target, order it into waves, add the HA
/// and power steps, set `applied` by automation level, time every step, and score the result
/// with the one score function. The caller runs the checker before printing.
public enum Planner {
    /// Compiles the snapshot (`Problem`) and plans it. The plan is not checked: see `checkedPlan`.
    @_spi(Benchmarks) public static func plan(_ snapshot: Snapshot, solver: any PlacementSolver, options: SolveOptions = SolveOptions()) throws -> Plan {
        try plan(Problem(snapshot), solver: solver, options: options)
    }

    /// Plans an already compiled problem (for example `Problem.failing(_:)` in a sweep).
    package static func plan(_ problem: Problem, solver: any PlacementSolver, options: SolveOptions = SolveOptions()) throws -> Plan {
        let clock = ContinuousClock()
        let start = clock.now
        var result = try solver.solve(problem, options: options)
        var planned = problem
        var reserve: [Int] = []
        if let (hosts, widened) = standbyReserve(problem, result) {
            var rest = options
            rest.timeLimit = max(options.timeLimit * 0.1, options.timeLimit - (clock.now - start).seconds)
            let again = try solver.solve(widened, options: rest)
            if unplacedByPriority(widened, again).lexicographicallyPrecedes(unplacedByPriority(problem, result)) {
                result = again
                planned = widened
                reserve = hosts
            }
        }
        StageClock.lap("solve")
        var plan = build(planned, result: result, solverID: solver.id, reserveHosts: reserve)
        StageClock.lap("build")
        plan.seconds = (clock.now - start).seconds
        return plan
    }

    /// Unplaced active VMs per priority rank, highest priority first (level 1 of the score).
    static func unplacedByPriority(_ problem: Problem, _ result: SolverResult) -> [Int] {
        var counts = [Int](repeating: 0, count: Priority.allCases.count)
        for v in 0..<problem.vmCount where problem.vmActive[v] && result.placement[v] < 0 { counts[Int(problem.vmPriority[v])] += 1 }
        return counts
    }

    /// HA admission control over the hosts that will be on (SPEC section 2): when the solver
    /// leaves a new VM unplaced, the standby hosts it uses and, largest first, as many more as
    /// the aggregate reserve needs to cover every active VM count as connected. Returns those
    /// hosts and the problem with them connected (the plan powers them on in wave 1), or nil
    /// when nothing would change. O(V x R + H x standby hosts x R).
    static func standbyReserve(_ problem: Problem, _ result: SolverResult) -> ([Int], Problem)? {
        guard let ha = problem.snapshot.cluster.ha, ha.enabled, ha.hostFailuresToTolerate > 0, problem.admissionLimit != nil else { return nil }
        let standby = (0..<problem.hostCount).filter { problem.hostState[$0] == .standby }
        guard !standby.isEmpty else { return nil }
        let newUnplaced = (0..<problem.vmCount).contains { v in
            problem.vmActive[v] && problem.vmInitialHost[v] < 0 && !problem.vmNeedsRestart[v] && result.placement[v] < 0
        }
        var chosen = Set(standby.filter { h in
            result.placement.contains(Int32(h)) || result.secondaries.contains(Int32(h))
        })
        // Admission control only holds back new VMs: with none unplaced there is nothing to gain.
        guard newUnplaced else { return nil }
        let R = problem.resourceCount
        var demand = [Int64](repeating: 0, count: R)
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            let copies: Int64 = problem.vmIsFT[v] ? 2 : 1
            for r in 0..<R { demand[r] += copies * problem.demand(v, r) }
        }
        func covered() -> Bool {
            (0..<R).allSatisfy { r in
                let limits = (0..<problem.hostCount).filter { problem.hostState[$0] == .connected || chosen.contains($0) }
                    .map { problem.limit($0, r) }
                return demand[r] <= AdmissionReserve.reserve(limits: limits, failures: ha.hostFailuresToTolerate)
            }
        }
        let size = { (h: Int) -> Double in (0..<R).reduce(0.0) { $0 + Double(problem.limit(h, $1)) } }
        for h in standby.sorted(by: { size($0) > size($1) }) where !chosen.contains(h) && !covered() { chosen.insert(h) }
        guard !chosen.isEmpty else { return nil }
        var snapshot = problem.snapshot
        for h in chosen { snapshot.hosts[h].state = .connected }
        return (chosen.sorted(), Problem(snapshot))
    }

    static func hostID(_ problem: Problem, _ h: Int) -> String { problem.snapshot.hosts[h].id }

    /// Why the VMs of host `h` are down: it failed, or it is isolated and its isolation response
    /// (`powerOff`, `shutdown`) powers them off.
    static func downReason(_ problem: Problem, _ h: Int) -> String {
        let host = problem.snapshot.hosts[h]
        guard host.state == .isolated else { return "host \(host.id) failed" }
        return "host \(host.id) is isolated (isolationResponse \(problem.snapshot.isolationResponse.rawValue))"
    }

    /// The seconds a restart of VM `v` waits for its host's isolation response before it
    /// starts (`IsolationResponse.extraSeconds`); 0 unless its host is isolated and powers its
    /// VMs off.
    static func responseSeconds(_ problem: Problem, _ v: Int) -> Double {
        guard let h = problem.snapshot.vms[v].host.flatMap({ problem.hostIndex[$0] }),
              problem.snapshot.hosts[h].state == .isolated, problem.hostState[h] == .failed else { return 0 }
        return problem.snapshot.isolationResponse.extraSeconds
    }

    /// Why VM v must move off its initial host, or nil when the move is optional. O(1) with
    /// `rules` built once per plan.
    static func mandatoryReason(_ problem: Problem, _ v: Int, rules: InitialRuleState) -> String? {
        let vm = problem.snapshot.vms[v]
        let i = Int(problem.vmInitialHost[v])
        if i < 0 {
            if problem.vmNeedsRestart[v] {
                if let host = vm.host, let h = problem.hostIndex[host], problem.hostState[h] == .maintenance {
                    return "the guest OS of \(vm.id) failed and its host \(host) is entering maintenance mode: HA restarts it here"
                }
                return "\(vm.host.flatMap { problem.hostIndex[$0] }.map { downReason(problem, $0) } ?? "host ? failed"): HA restart"
            }
            return "initial placement of a new VM"
        }
        switch problem.hostState[i] {
        case .maintenance: return "host \(hostID(problem, i)) is entering maintenance mode"
        case .standby: return "host \(hostID(problem, i)) is in standby"
        case .failed: return downReason(problem, i)
        case .isolated: return "host \(hostID(problem, i)) is isolated"
        case .connected: break
        }
        if !problem.allows(v, i) {
            return "fixes rule \(rules.name(.vmHost, v)): \(vm.id) may not run on \(hostID(problem, i))"
        }
        return nil
    }

    /// The hard constraint VM `v` breaks where it runs before the plan, if any: a hard
    /// anti-affinity partner on its host, its required affinity group split, or its host over
    /// capacity. Moving it away is mandatory (priority 1). O(anti-affinity rules of v).
    static func initialViolation(_ problem: Problem, _ v: Int, overloaded: [Bool], rules: InitialRuleState) -> String? {
        let h = problem.vmInitialHost[v]
        guard h >= 0 else { return nil }
        let host = hostID(problem, Int(h))
        for rule in problem.vmAntiAffinity[v] where rules.crowded[Int(rule)].contains(h) {
            return "fixes rule \(rules.name(.antiAffinity, v)): anti-affinity broken on \(host)"
        }
        let group = problem.vmGroup[v]
        if group >= 0, rules.split[Int(group)] {
            return "fixes rule \(rules.name(.affinity, v)): affinity group split across hosts"
        }
        if overloaded[Int(h)] { return "fixes an overload: host \(host) is over its capacity limit" }
        return nil
    }

    /// The soft rule a move repairs, for its reason: a should / shouldNot rule that holds at
    /// the target and not at the source.
    static func softRepair(_ problem: Problem, _ v: Int, from: Int, to: Int) -> String? {
        for index in problem.vmSoftRules[v] {
            let rule = problem.softRules[Int(index)]
            guard let hosts = rule.hosts, from >= 0 else { continue }
            let repaired = rule.kind == .should ? !hosts.contains(from) && hosts.contains(to)
                : rule.kind == .shouldNot && hosts.contains(from) && !hosts.contains(to)
            if repaired { return "fixes soft rule \(problem.snapshot.rules[rule.ruleIndex].id) on \(hostID(problem, from))" }
        }
        return nil
    }

    static func order(_ kind: Step.Kind) -> Int {
        switch kind {
        case .powerOn: return 0
        case .elect: return 1
        case .promote: return 2
        case .restart: return 3
        case .place: return 4
        case .migrate: return 5
        case .standby: return 6
        }
    }

    /// SPEC section 3: HA steps always run; otherwise the VM's automation (or the cluster's)
    /// decides: manual applies nothing, partial applies placements only, full applies all.
    static func isApplied(_ step: Step, problem: Problem) -> Bool {
        let snapshot = problem.snapshot
        switch step.kind {
        case .restart, .promote, .elect: return true
        case .standby, .powerOn: return snapshot.cluster.automation == .full
        case .place, .migrate:
            let level = step.vm.flatMap { problem.vmIndex[$0] }
                .map { snapshot.vms[$0].effectiveAutomation(cluster: snapshot.cluster.automation) } ?? .full
            switch level {
            case .disabled, .manual: return false
            case .partial: return step.kind == .place
            case .full: return true
            }
        }
    }
}

/// What the move reasons ask of the hard rules before the plan, each part computed on first
/// use, once per plan, in O(rule members): per hard anti-affinity rule of the `Problem`, the
/// initial hosts holding two or more of its members; per required affinity group, whether its
/// members start on different hosts; and per VM the first hard rule of each kind naming it (the
/// name a reason gives).
final class InitialRuleState {
    private let problem: Problem

    init(_ problem: Problem) {
        self.problem = problem
    }

    private(set) lazy var crowded: [Set<Int32>] = problem.antiAffinity.map { members in
        var seen = Set<Int32>(), twice = Set<Int32>()
        for m in members where problem.vmInitialHost[Int(m)] >= 0 {
            let h = problem.vmInitialHost[Int(m)]
            if !seen.insert(h).inserted { twice.insert(h) }
        }
        return twice
    }

    private(set) lazy var split: [Bool] = problem.groups.map { members in
        Set(members.map { problem.vmInitialHost[Int($0)] }.filter { $0 >= 0 }).count > 1
    }

    /// Per rule kind, VM id -> the index of the first hard rule of that kind naming it.
    private lazy var firstRule: [RuleKind: [String: Int]] = {
        var first: [RuleKind: [String: Int]] = [.affinity: [:], .antiAffinity: [:], .vmHost: [:]]
        for kind in RuleKind.allCases {
            var names: [String: Int] = [:]
            for (index, rule) in problem.snapshot.rules.enumerated() where rule.isHard && rule.kind == kind {
                for vm in rule.vms where names[vm] == nil { names[vm] = index }
            }
            first[kind] = names
        }
        return first
    }()

    /// The id of the first hard rule of `kind` naming VM `v`, or "?".
    func name(_ kind: RuleKind, _ v: Int) -> String {
        guard let index = firstRule[kind]?[problem.snapshot.vms[v].id] else { return "?" }
        return problem.snapshot.rules[index].id
    }
}
