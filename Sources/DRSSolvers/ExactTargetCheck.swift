import DRSModel
import DRSExact
import DRSPlanner

extension ExactSolver {
    /// The exact solver as `drs` runs it: its target is accepted only when the planner can carry
    /// it out, in waves, into a plan the checker accepts (`targetCheck`); otherwise the best
    /// heuristic plan it started from stands. The model holds every hard constraint of the final
    /// state but not the order of the moves, so a target can be optimal and still unreachable
    /// (an FT primary and secondary trading hosts with no third host free, say).
    package static func checked(usesPatterns: Bool = true) -> ExactSolver {
        var solver = ExactSolver(usesPatterns: usesPatterns)
        let id = solver.id
        solver.targetCheck = { problem, result in
            let plan = Planner.build(problem, result: result, solverID: id, timedObjective: false)
            return PlanChecker.check(problem.snapshot, plan).isEmpty ? plan.objective : nil
        }
        return solver
    }
}
