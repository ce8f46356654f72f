@_spi(Benchmarks) import DRSModel
import DRSHeuristics

extension Planner {
    /// Why the FT secondary of `v` must be placed or moved whatever the threshold (priority 1),
    /// or nil when its move is optional: it is to be created, its host cannot keep it (entering
    /// maintenance, standby), it shares its primary's host, its host is over capacity, or the
    /// primary moves onto its host.
    static func mandatorySecondaryReason(_ problem: Problem, _ v: Int, result: SolverResult, overloaded: [Bool]) -> String? {
        let initial = Int(problem.vmInitialSecondary[v])
        if initial < 0 {
            return problem.vmPromoted[v] ? "FT re-protection: new secondary after the promotion" : "FT protection: new secondary"
        }
        let host = hostID(problem, initial)
        switch problem.hostState[initial] {
        case .maintenance: return "host \(host) is entering maintenance mode"
        case .standby: return "host \(host) is in standby"
        case .failed: return downReason(problem, initial)
        case .isolated: return "host \(host) is isolated: FT keeps the secondary on a managed host"
        case .connected: break
        }
        if problem.vmInitialHost[v] == Int32(initial) { return "FT: primary and secondary share host \(host)" }
        if overloaded[initial] { return "fixes an overload: host \(host) is over its capacity limit" }
        if result.placement[v] == Int32(initial) { return "FT: the primary moves onto the secondary's host" }
        return nil
    }
}

extension Planner {
    /// A plan the checker accepted, with the problems of the snapshot that its final state
    /// keeps (no move found fixes them) listed in `notes`; such a plan is at best `feasible`.
    static func noted(_ plan: Plan, kept: [String]) -> Plan {
        guard !kept.isEmpty else { return plan }
        var plan = plan
        plan.notes += kept.map { "kept from the snapshot, no move found fixes it: " + $0 }
        if plan.status == .optimal { plan.status = .feasible }
        return plan
    }

    /// When the checker refuses a solver's plan: the first more conservative plan it accepts,
    /// marked `feasible` and saying so in `notes`: the greedy plan, then greedy's mandatory
    /// steps alone, then each constructive heuristic's (mandatory steps in its own order), the
    /// exact solver's on a small snapshot, then the plan that moves nothing (HA promotions and elections only). Nil when the
    /// checker refuses all of them, which leaves a VM that cannot leave a host entering
    /// maintenance as the cause. Each candidate costs one constructive pass and one check.
    static func conservativePlan(_ problem: Problem, rejected: Plan, solverID: String, violations: [CheckViolation],
                                 options: SolveOptions, context: PlanChecker.Context) -> Plan? {
        let clock = ContinuousClock()
        let start = clock.now
        var candidates: [(name: String, solver: any PlacementSolver)] = []
        if solverID != "greedy" { candidates.append(("greedy", GreedySolver())) }
        candidates.append(("mandatory-steps-only greedy", GreedySolver(improves: false)))
        // The constructive heuristics place only what must move, each in its own order: one
        // may empty a host that the others leave blocked.
        for rule in ConstructiveSolver.Rule.allCases where rule.rawValue != solverID {
            candidates.append((rule.rawValue, ConstructiveSolver(rule)))
        }
        if solverID != "bin-centric" { candidates.append(("bin-centric", BinCentricSolver())) }
        // On a small snapshot the exact solver settles what the heuristics could not (a host
        // that only a rearrangement empties), so that infeasible is not a heuristic's guess.
        let active = problem.vmActive.filter { $0 }.count
        if let exact = ExactFallback.source, !solverID.hasPrefix("exact") && active * problem.hostCount <= exact.autoLimit {
            candidates.append(("exact", exact.solver()))
        }
        candidates.append(("no-move", NoMoveSolver()))
        let first = violations.first.map(\.description) ?? "?"
        for candidate in candidates {
            guard let result = try? candidate.solver.solve(problem, options: options) else { continue }
            var plan = build(problem, result: result, solverID: candidate.solver.id)
            let review = PlanChecker.review(problem.snapshot, plan, context: context)
            guard review.violations.isEmpty, appliedSubsetViolations(problem.snapshot, plan, context: context).isEmpty else { continue }
            plan.status = .feasible
            plan.bound = nil
            plan.gap = nil
            plan.seconds = rejected.seconds + (clock.now - start).seconds
            plan.notes.append("the \(solverID) plan failed the checker (\(first)\(violations.count > 1 ? ", and \(violations.count - 1) more" : "")); this is the \(candidate.name) plan instead")
            return noted(plan, kept: review.kept)
        }
        return nil
    }
}

/// The most conservative target: every running VM and secondary stays where it is; nothing is
/// placed or restarted. What remains of a plan then is HA's own response (promotions, the
/// election), which the input forces.
package struct NoMoveSolver: PlacementSolver {
    /// The plan's `solver` id.
    package let id = "no-move"

    /// The solver; it has no settings.
    package init() {}

    /// Every active VM and secondary where it runs; active VMs without a host (new, or waiting
    /// for a restart) stay unplaced with a reason. Status `feasible`; never throws. O(V).
    package func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
        var reasons: [Int: String] = [:]
        let placement = (0..<problem.vmCount).map { v -> Int32 in
            guard problem.vmActive[v] else { return -1 }
            if problem.vmInitialHost[v] < 0 { reasons[v] = "not placed: the conservative plan that moves nothing" }
            return problem.vmInitialHost[v]
        }
        return SolverResult(status: .feasible, placement: placement, secondaries: problem.vmInitialSecondary,
                            movePriority: [UInt8](repeating: 0, count: problem.vmCount), reasons: reasons)
    }
}
