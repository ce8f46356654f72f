import Dispatch
@_spi(Benchmarks) import DRSModel

/// `portfolio`: runs several heuristics at once (`DispatchQueue.concurrentPerform`, one
/// member per iteration, as many at a time as there are cores), scores each result with
/// `Score.evaluate` and returns the best by `Objective.isBetter`; among equals, the first in
/// `members` order wins. Each member is deterministic for a seed (local search while it stays
/// within its time share), so the portfolio is too, whatever the thread timing.
///
/// Members, in tie-break order: `local-search` (with `localSearchShare` of the time limit),
/// `bin-centric`, `ffd-l2`, and, when the mandatory items x hosts are at most
/// `scanLimit` (the O(items x H) scans), `dot-product` and `least-loaded`.
/// Time: the slowest member, about max(local-search share, constructive runs) on
/// min(cores, members) cores; memory: one placement state per member running.
public struct PortfolioSolver: PlacementSolver {
    /// The plan's `solver` id and `--solver` name.
    public let id = "portfolio"
    /// Share of the time limit given to local search.
    package static let localSearchShare = 0.5
    /// Mandatory items x hosts above which the full-scan heuristics are left out.
    package static let scanLimit = 200_000_000

    /// The solver; it has no settings.
    public init() {}

    /// The members run for `problem`, in tie-break order.
    package static func members(for problem: Problem) -> [any PlacementSolver] {
        let mandatory = (0..<problem.vmCount).reduce(0) { $0 + (problem.isMandatory($1) ? 1 : 0) }
        var members: [any PlacementSolver] = [LocalSearchSolver(), BinCentricSolver(), ConstructiveSolver(.ffdL2)]
        if mandatory * problem.hostCount <= scanLimit {
            members += [ConstructiveSolver(.dotProduct), ConstructiveSolver(.leastLoaded)]
        }
        return members
    }

    /// The options a member runs with: local search gets its share of the time limit.
    package static func options(for member: any PlacementSolver, _ options: SolveOptions) -> SolveOptions {
        var options = options
        if member.id == "local-search" { options.timeLimit = max(0, options.timeLimit) * localSearchShare }
        return options
    }

    /// Runs `members(for:)` at once and returns the best result (`nodes` summed, `deadlineReached`
    /// if any member reached it). Throws the first member's error only when every member failed.
    public func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
        let clock = ContinuousClock()
        let start = clock.now
        let members = Self.members(for: problem)
        let slots = ConcurrentSlots<Result<(SolverResult, Objective), any Error>>(count: members.count)
        DispatchQueue.concurrentPerform(iterations: members.count) { i in
            let member = members[i]
            let outcome = Result { try member.solve(problem, options: Self.options(for: member, options)) }
                .map { ($0, Score.evaluate(problem, placement: $0.placement, secondaries: $0.secondaries)) }
            slots.store(outcome, at: i)
        }
        var best: (result: SolverResult, objective: Objective)?
        var firstError: (any Error)?
        var nodes = 0
        var deadlineReached = false
        for outcome in slots.values() {
            switch outcome {
            case .success(let scored):
                nodes += scored.0.nodes
                deadlineReached = deadlineReached || scored.0.deadlineReached
                if best == nil || scored.1.isBetter(than: best!.objective) { best = scored }
            case .failure(let error):
                if firstError == nil { firstError = error }
            }
        }
        guard var result = best?.result else { throw firstError! }
        result.nodes = nodes
        result.deadlineReached = deadlineReached
        result.seconds = (clock.now - start).seconds
        return result
    }
}
