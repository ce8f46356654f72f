import DRSModel
import DRSHeuristics
import DRSExact

/// `auto`: an anytime portfolio that spends the time limit on the strongest method that applies
/// and returns the best plan by the one score (`Score.evaluate`, `Objective.isBetter`), with the
/// best bound any part found.
///
/// 1. Local search (`LocalSearchSolver`, the whole limit; it stops on its own, usually long
///    before): a plan within milliseconds at any size. Above `anytimeLimit` active VMs x hosts
///    `SolverKind.auto` is local search alone.
/// 2. `consolidate`: the combinatorial bound (`ExactSolver.consolidationBound`); a plan that
///    meets it is optimal and the search ends.
/// 3. Up to `exactLimit` active VMs x hosts, the exact solver (`ExactSolver.checked`, started
///    from the plan so far): `exactShare` of the time left when the neighbourhood search can
///    follow, all of it otherwise. A proof ends the search; its bound stands either way.
/// 4. `consolidate` with free VMs (new ones, or ones that must leave their host): the
///    large-neighbourhood search with exact repair (`NeighbourhoodSearch`) until the limit, or
///    until the plan meets the bound.
///
/// Deterministic for a seed whenever it ends before the limit (proof, bound met, or every part
/// done); a plan the clock shaped says `termination: feasibleTimeLimit`. See results/auto.md for
/// the measurements that set the limits and shares.
public struct AutoSolver: PlacementSolver {
    /// The plan's `solver` id.
    public let id = "auto"
    /// Active VMs x hosts above which `auto` is local search alone (`SolverKind.auto`).
    package static let anytimeLimit = 50_000_000
    /// Active VMs x hosts up to which the exact solver runs.
    package static let exactLimit = 20_000
    /// Share of the time left that the exact solver gets when the neighbourhood search follows.
    package static let exactShare = 0.5

    /// The solver; it has no settings.
    public init() {}

    /// The parts in turn, as the type describes; never throws unless local search does.
    public func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
        let clock = ContinuousClock()
        let began = clock.now
        let deadline = options.deadline(from: began)
        var best = try LocalSearchSolver().solve(problem, options: options)
        var score = Score.evaluate(problem, placement: best.placement, secondaries: best.secondaries)
        var cut = best.deadlineReached
        var bound: Double?
        var proven = false
        func finish() -> SolverResult {
            var result = best
            result.bound = bound.map { min($0, problem.goal == .balance ? score.imbalance : Double(score.activeHosts)) }
            result.status = proven ? .optimal : .feasible
            result.termination = proven ? .optimal : (cut ? .feasibleTimeLimit : nil)
            result.deadlineReached = cut
            result.seconds = (clock.now - began).seconds
            return result
        }
        guard !cut, problem.vmActive.contains(true) else { return finish() }
        // consolidate: a plan with no penalty that meets the bound on active hosts and needs no
        // more migration seconds than any plan must is optimal.
        let seconds = problem.goal == .consolidate ? ExactSolver.consolidationBound(problem).seconds : 0
        func meetsBound() -> Bool {
            guard problem.goal == .consolidate, let bound else { return false }
            return score.unplaced == 0 && score.unprotectedByPriority.allSatisfy { $0 == 0 } && score.softViolations == 0
                && Double(score.activeHosts) <= bound && score.migrationSeconds <= seconds + 1e-9
        }
        if problem.goal == .consolidate {
            bound = Double(ExactSolver.consolidationBound(problem).hosts)
            proven = meetsBound()
            if proven { return finish() }
        }
        let neighbourhoods = NeighbourhoodSearch.applies(problem)
        let active = problem.vmActive.reduce(0) { $0 + ($1 ? 1 : 0) }
        if active * problem.hostCount <= Self.exactLimit {
            var exact = ExactSolver.checked()
            exact.incumbent = best
            var budget = options
            budget.timeLimit = (deadline - clock.now).seconds * (neighbourhoods ? Self.exactShare : 1)
            if budget.timeLimit > 0.01, let found = try? exact.solve(problem, options: budget) {
                let foundScore = Score.evaluate(problem, placement: found.placement, secondaries: found.secondaries)
                if let exactBound = found.bound { bound = max(bound ?? exactBound, exactBound) }
                if found.status == .optimal && !score.isBetter(than: foundScore) {
                    (best, score, proven) = (found, foundScore, true)
                    return finish()
                }
                if foundScore.isBetter(than: score) { (best, score) = (found, foundScore) }
                cut = cut || (found.termination == .feasibleTimeLimit && !neighbourhoods)
            }
        }
        if neighbourhoods, let goalBound = bound, Double(score.activeHosts) > goalBound, clock.now < deadline {
            let outcome = NeighbourhoodSearch.improve(problem, placement: best.placement, secondaries: best.secondaries,
                                                      goalBound: Int(goalBound), seed: options.seed, deadline: deadline)
            let found = Score.evaluate(problem, placement: outcome.placement, secondaries: best.secondaries)
            if found.isBetter(than: score) {
                best.placement = outcome.placement
                score = found
            }
            cut = cut || outcome.deadlineReached
        }
        proven = meetsBound()
        return finish()
    }
}
