import Foundation
@_spi(Benchmarks) import DRSModel
import DRSHeuristics
import DRSExact
import DRSPlanner

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
/// With `threads` >= 2, steps 3 and 4 run side by side (`sideBySide`): the exact solver with all
/// the time left, the neighbourhood search from local search's plan; a proof by the exact
/// solver stops the neighbourhood search.
///
/// Deterministic for a seed and thread count whenever it proves the optimum or ends before the
/// limit: a part the clock cut never seeds a later one (the neighbourhood search starts from the
/// best plan no clock shaped), its plan only competes at the end, and a plan that meets the bound
/// is taken over an equal one the clock shaped. Where the clock shaped the plan returned,
/// `termination` is `feasibleTimeLimit`. One exception is inherited: above
/// `ExactSolver.autoLimit` the exact solver's heuristic start watches the clock, so a proof of
/// its can, under load, be another optimal plan. results/auto.md has the measurements behind the limits
/// and shares.
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
            if found.termination == .feasibleTimeLimit || found.termination == .modelTooLarge { run.cut = true; return run.finish() }
        } else {
            run.adopt(try LocalSearchSolver().solve(problem, options: options))
            run.cut = run.best.deadlineReached
            if problem.goal == .consolidate {
                run.bound = max(run.bound ?? 0, Double(ExactSolver.consolidationBound(problem).hosts))
                // A plan the clock cut may meet it too, but another run may find another plan:
                // it is not called proven.
                if !run.cut && run.meetsBound(run.score) { run.proven = true; return run.finish() }
            }
            guard !run.cut, problem.vmActive.contains(true) else { return run.finish() }
            let exact = active * problem.hostCount <= Self.exactLimit
            if exact && options.threads >= 2 && NeighbourhoodSearch.applies(problem) {
                run.sideBySide()
                return run.finish()
            }
            if exact && run.exact() { return run.finish() }
        }
        run.neighbourhoods()
        return run.finish()
    }
}

/// One run of `AutoSolver`: the best plan no clock shaped, the best one the clock shaped, and
/// the best bound.
struct AutoRun {
    let problem: Problem
    let options: SolveOptions
    let clock = ContinuousClock()
    let began: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
    /// The best plan that does not depend on the clock, and its score.
    var best = SolverResult(status: .unknown, placement: [], secondaries: [], movePriority: [])
    var score = Objective()
    /// The best plan of a part the clock cut, when it beats `best`.
    var shaped: (result: SolverResult, score: Objective)?
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

    /// Takes `result` (the first part's) as the best plan, with its bound.
    mutating func adopt(_ result: SolverResult) {
        best = result
        score = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
        if let found = result.bound { bound = max(bound ?? found, found) }
    }

    /// `consolidate`: whether `score` has no penalty, meets the bound on active hosts and needs no
    /// more migration seconds than any plan must: then no plan scores better.
    func meetsBound(_ score: Objective) -> Bool {
        guard problem.goal == .consolidate, let bound else { return false }
        return score.unplaced == 0 && score.unprotectedByPriority.allSatisfy { $0 == 0 } && score.softViolations == 0
            && Double(score.activeHosts) <= bound && score.migrationSeconds <= seconds + 1e-9
    }

    /// Folds in a result of the exact solver: a proof that is not worse than the best plan ends
    /// the run; otherwise a plan the clock cut is kept aside, one it did not may seed what follows.
    /// Returns whether it proved the optimum.
    mutating func take(exact found: SolverResult) -> Bool {
        let foundScore = Score.evaluate(problem, placement: found.placement, secondaries: found.secondaries)
        if let exactBound = found.bound { bound = max(bound ?? exactBound, exactBound) }
        if found.status == .optimal && !score.isBetter(than: foundScore) {
            (best, score, proven, shaped) = (found, foundScore, true, nil)
            return true
        }
        if found.termination == .feasibleTimeLimit || found.termination == .modelTooLarge {
            cut = true
            if foundScore.isBetter(than: shaped?.score ?? score) { shaped = (found, foundScore) }
        } else if foundScore.isBetter(than: score) {
            (best, score) = (found, foundScore)
        }
        return false
    }

    /// The exact solver, started from the best plan, with `options` but `timeLimit`.
    func runExact(timeLimit: Double) -> SolverResult? {
        var solver = ExactSolver.checked()
        solver.incumbent = best
        var budget = options
        budget.timeLimit = timeLimit
        guard timeLimit > 0.01 else { return nil }
        return try? solver.solve(problem, options: budget)
    }

    /// The exact solver from the best plan, with `AutoSolver.exactShare` of the time left when the
    /// neighbourhood search can follow (all of it otherwise). Returns whether it proved its plan
    /// optimal (then the best plan).
    mutating func exact() -> Bool {
        let share = NeighbourhoodSearch.applies(problem) ? AutoSolver.exactShare : 1
        guard let found = runExact(timeLimit: (deadline - clock.now).seconds * share) else { return false }
        return take(exact: found)
    }

    /// `consolidate`: the neighbourhood search from the best plan until the deadline, the bound
    /// or `stop`.
    func searchNeighbourhoods(stop: (@Sendable () -> Bool)? = nil) -> NeighbourhoodSearch.Outcome? {
        guard NeighbourhoodSearch.applies(problem), let goalBound = bound, Double(score.activeHosts) > goalBound,
              clock.now < deadline else { return nil }
        return NeighbourhoodSearch.improve(problem, placement: best.placement, secondaries: best.secondaries,
                                           goalBound: Int(goalBound), seed: options.seed, deadline: deadline, stop: stop)
    }

    /// Folds in what the neighbourhood search reached.
    mutating func take(neighbourhoods outcome: NeighbourhoodSearch.Outcome?) {
        if let outcome {
            let found = Score.evaluate(problem, placement: outcome.placement, secondaries: best.secondaries)
            if found.isBetter(than: score) {
                best.placement = outcome.placement
                score = found
            }
            cut = cut || outcome.deadlineReached
        }
        proven = meetsBound(score)
    }

    /// The neighbourhood search in turn (see `searchNeighbourhoods`).
    mutating func neighbourhoods() { take(neighbourhoods: searchNeighbourhoods()) }

    /// The exact solver (all the time left) and the neighbourhood search side by side, on two
    /// threads; a proof by the exact solver stops the search.
    mutating func sideBySide() {
        let flag = ProofFlag()
        let exactResult = ConcurrentSlots<SolverResult>(count: 1)
        let searchResult = ConcurrentSlots<NeighbourhoodSearch.Outcome>(count: 1)
        let run = self
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 {
                let found = run.runExact(timeLimit: (run.deadline - run.clock.now).seconds)
                if found?.status == .optimal { flag.set() }
                exactResult.store(found, at: 0)
            } else {
                searchResult.store(run.searchNeighbourhoods(stop: { flag.isSet }), at: 0)
            }
        }
        // The search's placement goes with the secondaries of the plan it started from, so it is
        // folded in first; the exact solver's plan then competes whole.
        take(neighbourhoods: searchResult.values().first)
        if let found = exactResult.values().first, take(exact: found) { return }
        proven = proven || meetsBound(score)
    }

    /// The best plan with the best bound (capped at its own goal term), status and termination: a
    /// plan that meets the bound wins over an equal one the clock shaped.
    func finish() -> SolverResult {
        var result = best, final = score
        if !proven, let shaped, shaped.score.isBetter(than: score) { (result, final) = shaped }
        result.bound = bound.map { min($0, problem.goal == .balance ? final.imbalance : Double(final.activeHosts)) }
        result.status = proven ? .optimal : (result.status == .optimal ? .feasible : result.status)
        result.termination = proven ? .optimal : (cut ? .feasibleTimeLimit : result.termination)
        result.deadlineReached = cut && !proven
        result.seconds = (clock.now - began).seconds
        return result
    }
}

/// Set once when a part proves the optimum; read by the others between steps.
final class ProofFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
