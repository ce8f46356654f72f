@_spi(Benchmarks) import DRSModel
import DRSHeuristics
import DRSExact

/// `auto`: an anytime portfolio that spends the time limit on the strongest method that applies
/// and returns the best plan by the one score (`Score.evaluate`, `Objective.isBetter`), with the
/// best bound any part found.
///
/// - Up to `ExactSolver.autoLimit` (200) active VMs x hosts: the exact solver (`ExactSolver.checked`)
///   with the whole limit, as `auto` always gave it there: it proves most such snapshots in
///   milliseconds, and on these sizes its heuristics ignore the clock, so a proof does not depend
///   on the machine's load. Without a proof, the neighbourhood search below uses what time is left.
/// - Above, in turn:
///   1. local search (`LocalSearchSolver`, the whole limit; it stops on its own, usually long
///      before): a plan within milliseconds at any size;
///   2. `consolidate`: the combinatorial bound (`ExactSolver.consolidationBound`); a plan with no
///      penalty that meets it is optimal and the search ends;
///   3. up to `exactLimit` active VMs x hosts, the exact solver started from the plan so far:
///      `exactShare` of the time left when the neighbourhood search can follow, all of it
///      otherwise. A proof ends the search; its bound stands either way;
///   4. `consolidate` with free VMs (new ones, or ones that must leave their host): the
///      large-neighbourhood search with exact repair (`NeighbourhoodSearch`) until the limit, or
///      until the plan meets the bound.
/// - Above `anytimeLimit` active VMs x hosts, `SolverKind.auto` is local search alone.
///
/// Deterministic for a seed whenever it ends before the limit (a proof, the bound met, or every
/// part done); a plan the clock shaped says `termination: feasibleTimeLimit`. results/auto.md
/// has the measurements behind the limits and shares.
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

    /// The parts in turn, as the type describes; throws only when its first part does.
    public func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
        var run = AutoRun(problem: problem, options: options)
        let active = problem.vmActive.reduce(0) { $0 + ($1 ? 1 : 0) }
        if active * problem.hostCount <= ExactSolver.autoLimit {
            // Small: the exact solver first, with the whole limit, as `auto` always gave it. It
            // proves most of these in milliseconds, with heuristics that ignore the clock, so a
            // proof does not depend on the machine's load.
            let found = try ExactSolver.checked().solve(problem, options: options)
            run.adopt(found)
            if found.status == .optimal { run.proven = true; return run.finish() }
            run.cut = found.termination == .feasibleTimeLimit
        } else {
            run.adopt(try LocalSearchSolver().solve(problem, options: options))
            run.cut = run.best.deadlineReached
            guard !run.cut, problem.vmActive.contains(true) else { return run.finish() }
            if problem.goal == .consolidate {
                run.bound = Double(ExactSolver.consolidationBound(problem).hosts)
                if run.meetsBound() { run.proven = true; return run.finish() }
            }
            if active * problem.hostCount <= Self.exactLimit && run.exact() { return run.finish() }
        }
        run.neighbourhoods()
        run.proven = run.meetsBound()
        return run.finish()
    }
}

/// One run of `AutoSolver`: the best plan so far, its score and the best bound.
struct AutoRun {
    let problem: Problem
    let options: SolveOptions
    let clock = ContinuousClock()
    let began: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
    var best = SolverResult(status: .unknown, placement: [], secondaries: [], movePriority: [])
    var score = Objective()
    /// Proven lower bound on the goal term, when some part found one.
    var bound: Double?
    var proven = false
    /// Whether the clock cut a part short.
    var cut = false
    /// Lower bound on the migration seconds of every plan that places everything (`consolidate`).
    let seconds: Double

    init(problem: Problem, options: SolveOptions) {
        self.problem = problem
        self.options = options
        began = clock.now
        deadline = options.deadline(from: began)
        seconds = problem.goal == .consolidate ? ExactSolver.consolidationBound(problem).seconds : 0
    }

    /// Takes `result` as the best plan, with its bound.
    mutating func adopt(_ result: SolverResult) {
        best = result
        score = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
        if let found = result.bound { bound = max(bound ?? found, found) }
    }

    /// `consolidate`: whether the plan has no penalty, meets the bound on active hosts and needs
    /// no more migration seconds than any plan must: then no plan scores better.
    func meetsBound() -> Bool {
        guard problem.goal == .consolidate, let bound else { return false }
        return score.unplaced == 0 && score.unprotectedByPriority.allSatisfy { $0 == 0 } && score.softViolations == 0
            && Double(score.activeHosts) <= bound && score.migrationSeconds <= seconds + 1e-9
    }

    /// The exact solver from the best plan, with `AutoSolver.exactShare` of the time left when the
    /// neighbourhood search can follow (all of it otherwise). Returns whether it proved its plan
    /// optimal (then the best plan).
    mutating func exact() -> Bool {
        let follows = NeighbourhoodSearch.applies(problem)
        var solver = ExactSolver.checked()
        solver.incumbent = best
        var budget = options
        budget.timeLimit = (deadline - clock.now).seconds * (follows ? AutoSolver.exactShare : 1)
        guard budget.timeLimit > 0.01, let found = try? solver.solve(problem, options: budget) else { return false }
        let foundScore = Score.evaluate(problem, placement: found.placement, secondaries: found.secondaries)
        if let exactBound = found.bound { bound = max(bound ?? exactBound, exactBound) }
        if found.status == .optimal && !score.isBetter(than: foundScore) {
            (best, score, proven) = (found, foundScore, true)
            return true
        }
        if foundScore.isBetter(than: score) { (best, score) = (found, foundScore) }
        cut = cut || (found.termination == .feasibleTimeLimit && !follows)
        return false
    }

    /// `consolidate`: the neighbourhood search from the best plan until the deadline or the bound.
    mutating func neighbourhoods() {
        guard NeighbourhoodSearch.applies(problem), let goalBound = bound, Double(score.activeHosts) > goalBound,
              clock.now < deadline else { return }
        let outcome = NeighbourhoodSearch.improve(problem, placement: best.placement, secondaries: best.secondaries,
                                                  goalBound: Int(goalBound), seed: options.seed, deadline: deadline)
        let found = Score.evaluate(problem, placement: outcome.placement, secondaries: best.secondaries)
        if found.isBetter(than: score) {
            best.placement = outcome.placement
            score = found
        }
        cut = cut || outcome.deadlineReached
    }

    /// The best plan with the best bound (capped at its own goal term), status and termination.
    func finish() -> SolverResult {
        var result = best
        result.bound = bound.map { min($0, problem.goal == .balance ? score.imbalance : Double(score.activeHosts)) }
        result.status = proven ? .optimal : (best.status == .optimal ? .feasible : best.status)
        result.termination = proven ? .optimal : (cut ? .feasibleTimeLimit : best.termination)
        result.deadlineReached = cut
        result.seconds = (clock.now - began).seconds
        return result
    }
}
