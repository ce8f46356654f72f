import DRSModel
import DRSHeuristics
import DRSExact

/// Why planning stopped without a plan to print.
public enum PlanningError: Error, CustomStringConvertible {
    /// The solver's plan broke a hard constraint; it is never printed as a success.
    case checkFailed([CheckViolation])
    /// The hard constraints cannot all hold (for example a host that cannot be emptied).
    case infeasible(String, Plan)
    case unknownSolver(String)

    public var description: String {
        switch self {
        case let .checkFailed(violations):
            return "internal error: the plan failed the checker:\n" + violations.map { "  \($0)" }.joined(separator: "\n")
        case let .infeasible(message, _): return message
        case let .unknownSolver(name):
            return "--solver: unknown solver \"\(name)\"; known: \(SolverCatalog.names.joined(separator: ", "))"
        }
    }
}

extension Planner {
    /// Plans and checks: returns a plan only when the independent checker accepts it, listing
    /// in `notes` what it keeps of the snapshot's own problems. When the checker refuses the
    /// solver's plan, a more conservative plan it accepts is returned instead, saying so
    /// (`conservativePlan`); when none is accepted, a VM left on a host entering maintenance
    /// is the cause, reported as infeasible with the blocking VMs named.
    public static func checkedPlan(_ snapshot: Snapshot, solver: any PlacementSolver,
                                   options: SolveOptions = SolveOptions()) throws -> Plan {
        try checkedPlan(Problem(snapshot), solver: solver, options: options)
    }

    /// Plans and checks an already compiled problem; `context` reuses the checker's indices
    /// across snapshots that differ only in host states.
    public static func checkedPlan(_ problem: Problem, solver: any PlacementSolver, options: SolveOptions = SolveOptions(),
                                   context: PlanChecker.Context? = nil) throws -> Plan {
        let snapshot = problem.snapshot
        let context = context ?? PlanChecker.Context(snapshot)
        var plan = try plan(problem, solver: solver, options: options)
        let review = PlanChecker.review(snapshot, plan, context: context)
        if review.violations.isEmpty { return noted(plan, kept: review.kept) }
        let violations = review.violations
        // A plan the checker refuses is never printed: a more conservative one is, saying so.
        if let fallback = conservativePlan(problem, rejected: plan, solverID: solver.id, violations: violations,
                                           options: options, context: context) {
            return fallback
        }
        // Constraints the input broke that the plan could not repair are infeasibility, not bugs.
        if !plan.dropped.isEmpty && violations.allSatisfy({ $0.wave == nil }) {
            plan.status = .infeasible
            let moves = plan.dropped.prefix(10).map { "  \($0.vm) -> \($0.to): \($0.reason)" }.joined(separator: "\n")
            let broken = violations.prefix(10).map { "  \($0)" }.joined(separator: "\n")
            throw PlanningError.infeasible("no feasible order of waves reaches a state that satisfies every hard constraint; dropped moves:\n\(moves)\nstill broken at the end:\n\(broken)", plan)
        }
        let blocking = blockingVMs(snapshot, plan)
        if !blocking.isEmpty {
            plan.status = .infeasible
            let lines = blocking.map { "  \($0.vm): \($0.why)" }.joined(separator: "\n")
            throw PlanningError.infeasible("cannot reach a state that satisfies every hard constraint; blocking VMs:\n\(lines)", plan)
        }
        throw PlanningError.checkFailed(violations)
    }

    /// VMs the plan leaves on hosts that cannot keep them, with the reason.
    public static func blockingVMs(_ snapshot: Snapshot, _ plan: Plan) -> [(vm: String, why: String)] {
        let states = Dictionary(snapshot.hosts.map { ($0.id, $0.state) }, uniquingKeysWith: { a, _ in a })
        var result: [(String, String)] = []
        for vm in snapshot.vms where vm.powerState == .on {
            guard let host = plan.placement[vm.id], let state = states[host], state != .connected else { continue }
            if vm.automation == .disabled {
                result.append((vm.id, "automation is disabled, so it cannot leave \(host) (\(state.rawValue))"))
            } else {
                let why = plan.reasons[vm.id] ?? "no other host can take it within capacity and the hard rules"
                result.append((vm.id, "stays on \(host) (\(state.rawValue)): \(why)"))
            }
        }
        return result
    }

    /// The snapshot that results from carrying out only the applied steps, after checking that
    /// those steps alone are safe. Throws `checkFailed` when the applied subset is not.
    public static func applied(_ snapshot: Snapshot, plan: Plan) throws -> Snapshot {
        var next = snapshot
        var appliedPlan = plan
        appliedPlan.steps = plan.steps.filter(\.applied)
        var vmIndex: [String: Int] = [:]
        for (v, vm) in next.vms.enumerated() { vmIndex[vm.id] = v }
        var hostIndex: [String: Int] = [:]
        for (h, host) in next.hosts.enumerated() { hostIndex[host.id] = h }
        for step in appliedPlan.steps {
            switch step.kind {
            case .elect: next.cluster.ha?.master = step.host
            case .standby: if let h = step.host.flatMap({ hostIndex[$0] }) { next.hosts[h].state = .standby }
            case .powerOn: if let h = step.host.flatMap({ hostIndex[$0] }) { next.hosts[h].state = .connected }
            case .promote:
                guard let v = step.vm.flatMap({ vmIndex[$0] }) else { continue }
                next.vms[v].host = step.to
                next.vms[v].ft?.secondaryHost = nil
            case .place, .restart, .migrate:
                guard let v = step.vm.flatMap({ vmIndex[$0] }) else { continue }
                if step.secondary == true { next.vms[v].ft?.secondaryHost = step.to } else { next.vms[v].host = step.to }
            }
        }
        // The applied plan must end where it says and be safe at every wave.
        appliedPlan.placement = [:]
        appliedPlan.secondaries = [:]
        appliedPlan.unplaced = []
        let states = Dictionary(next.hosts.map { ($0.id, $0.state) }, uniquingKeysWith: { a, _ in a })
        for vm in next.vms where vm.powerState == .on {
            if let host = vm.host, states[host] != .failed { appliedPlan.placement[vm.id] = host } else { appliedPlan.unplaced.append(vm.id) }
            if let secondary = vm.ft?.secondaryHost, states[secondary] != .failed { appliedPlan.secondaries[vm.id] = secondary }
        }
        // The applied steps must be safe at every wave; what they leave for the recommended
        // steps (a VM still on a host entering maintenance, a rule the input already broke)
        // may remain, but nothing may be worse than in the snapshot.
        let violations = PlanChecker.check(snapshot, appliedPlan, requireRepaired: false)
        if !violations.isEmpty { throw PlanningError.checkFailed(violations) }
        return next
    }
}

extension Planner {
    /// Plans putting `hosts` into maintenance mode. Refuses (`infeasible`) when the hosts cannot
    /// be emptied (rules, capacity, pinned VMs: the blocking VMs are named) or when emptying
    /// them would break HA admission control (the failover level).
    public static func evacuationPlan(_ snapshot: Snapshot, hosts: [String], solver: any PlacementSolver,
                                      options: SolveOptions = SolveOptions()) throws -> Plan {
        var next = snapshot
        for id in hosts {
            guard let index = next.hosts.firstIndex(where: { $0.id == id }) else {
                throw PlanningError.infeasible("unknown host \(id)", Plan(status: .infeasible, solver: solver.id, automation: snapshot.cluster.automation, objective: Objective(), seconds: 0, placement: [:], secondaries: [:], unplaced: [], reasons: [:], haMaster: nil, steps: []))
            }
            next.hosts[index].state = .maintenance
        }
        let plan: Plan
        do {
            plan = try checkedPlan(next, solver: solver, options: options)
        } catch let PlanningError.infeasible(message, partial) {
            throw PlanningError.infeasible("cannot empty \(hosts.joined(separator: ", ")): " + message, partial)
        }
        if let ha = snapshot.cluster.ha, ha.enabled, ha.hostFailuresToTolerate > 0 {
            let problem = Problem(next)
            var primaries = [Int32](repeating: -1, count: problem.vmCount)
            var secondaries = [Int32](repeating: -1, count: problem.vmCount)
            for (v, vm) in next.vms.enumerated() where vm.powerState == .on {
                primaries[v] = plan.placement[vm.id].flatMap { problem.hostIndex[$0] }.map { Int32($0) } ?? -1
                secondaries[v] = plan.secondaries[vm.id].flatMap { problem.hostIndex[$0] }.map { Int32($0) } ?? -1
            }
            let connected = Set((0..<problem.hostCount).filter { problem.hostState[$0] == .connected })
            if !AdmissionReserve(problem, primaries: primaries, secondaries: secondaries, hosts: connected).holds() {
                var refused = plan
                refused.status = .infeasible
                throw PlanningError.infeasible("putting \(hosts.joined(separator: ", ")) into maintenance would break HA admission control: the remaining connected hosts could not absorb \(ha.hostFailuresToTolerate) host failure(s)", refused)
            }
        }
        return plan
    }
}
