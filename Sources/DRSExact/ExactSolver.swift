import DRSModel
import DRSHeuristics

/// Errors of the exact solver that mean it could not run (as opposed to finding no plan).
public enum ExactSolverError: Error, CustomStringConvertible {
    case notAvailable(String)
    public var description: String {
        switch self {
        case let .notAvailable(message): return message
        }
    }
}

/// Exact MIP solver over GLPK for the SPEC section 2 score.
///
/// Before the MIP, exact searches take the cases where they are the whole score (and
/// stronger): `PatternSolver` (set covering over host patterns by column generation) for
/// `consolidate` of new VMs on identical hosts; for `balance` of new VMs, `BalanceSearch`
/// (branch and bound over assignments, identical hosts, up to 24 items, a tenth of the time) and
/// then `BalancePatterns` (set partitioning over host patterns, one or several host types). A
/// completed search is a proof; an incomplete one hands its best plan to the MIP as an incumbent
/// candidate, and its bound stands.
///
/// The lexicographic objective is solved in two stages (not one weighted sum, so that the
/// migration-cost scale, up to lambda = 10^6 per second at threshold 1, never mixes with the
/// penalty weights):
/// 1. minimise the weighted penalty sum of unplaced VMs by priority, unprotected FT VMs by
///    priority and soft violations, with integer weights where each level outweighs the largest
///    possible sum of all levels below it (`PlacementFormulation.levelWeights`), so the weighted
///    sum orders placements exactly lexicographically. Skipped when the greedy incumbent has no
///    penalty at all (0 is a proven minimum);
/// 2. with the weighted penalty held at the stage-1 value, minimise the level-3 cost: active
///    hosts (`consolidate`) or the balance term below, plus lambda x migration seconds.
///
/// `balance`: u*(r) is fixed from the placed set of the incumbent (exact when everything is
/// placed). The imbalance sqrt(mean (u - u*)^2) = ||u - u*||_2 / sqrt(n) is a norm of an affine
/// function of the assignment, so imbalance + lambda x migration seconds is convex: a column z
/// holds it through the cone z >= ||d|| / sqrt(n), enforced by gradient cuts that the backend
/// adds lazily wherever an LP or integer point has z more than `MIPModel.coneTolerance` below
/// the norm. The MIP optimum is then the true optimum within that tolerance plus the relative
/// gap `balanceGap`, and its bound is a proven bound. Every result is re-scored with
/// `Score.evaluate`, and the greedy plan is returned instead whenever it scores better.
///
/// Status `optimal` means proven: exactly for `consolidate`; for `balance` within
/// `MIPModel.coneTolerance` + `balanceGap` x cost, migration cost included, when everything is
/// placed and no host is on standby (otherwise u* or the counted hosts may differ between
/// plans, and the result is `feasible`).
///
/// `bound` is a proven lower bound on the goal term over all placements optimal at levels 1-2:
/// for `consolidate` the larger of a combinatorial bound and the stage-2 MIP bound (the latter
/// when no move has migration cost); for `balance` the larger of the set-partitioning bound
/// (when `BalancePatterns` applies) and the stage-2 bound when the model is exact (as above) and
/// no move has migration cost; otherwise nil.
///
/// Limits: one deadline covers every phase. The heuristic start runs its extra heuristics only
/// within `heuristicShare` of the time limit; the assignment model's size is estimated from counts
/// (`PlacementFormulation.estimate`) before anything is built, and a model that could not be
/// solved in the time left (`workPerSecond`) or would pass `memoryLimit` is not built
/// (`termination` `modelTooLarge`; the best plan so far stands); the pattern and balance searches
/// stay within their item limits and watch the deadline in their loops. The time limit covers the
/// solve: reading the snapshot, ordering the waves, checking and writing the plan come on top,
/// linear in the input (the same as for every solver; about 1 s for 40,000 VMs on 2,000 hosts on
/// the development machine).
public struct ExactSolver: PlacementSolver {
    public let id = "exact-glpk"
    /// `auto` uses the exact solver when active VMs x hosts is at most this. Measured (GLPK 5.0,
    /// 2 cores, 10 s limit, random clusters with 3/4 running VMs, an anti-affinity and a soft
    /// rule): `consolidate` proves optimality in 0.01-0.35 s at 16 x 10 and 0.06-3.6 s at
    /// 20 x 12, and no longer within 10 s at 24 x 12. `balance` proves 15 of the 16 balance
    /// snapshots of Datasets/suite-small (up to 16 hosts x 64 VMs) within 10 s
    /// (results/exact-vs-cpsat.md); when it cannot prove optimality it returns its best plan at
    /// the time limit, never worse than the greedy's.
    public static let autoLimit = 200

    /// Relative MIP gap accepted for `balance` in stage 2 (the objective is continuous; GLPK
    /// would otherwise chase digits below the cone tolerance).
    static let balanceGap = 1e-7

    /// Row x column products of a model GLPK gets through per second (see `solve`): a model
    /// whose product passes this times the seconds left is not built. Measured on the
    /// development machine: about 10^7 per second of wall time; 4 x 10^6 leaves room for the
    /// branch and cut after the LP.
    static let workPerSecond = 4e6

    /// Largest estimated memory of the assignment model, in bytes (`PlacementFormulation.Size`:
    /// the model, its stage copies and GLPK's copy): 1 GiB. Beyond it the model is not built.
    public static let memoryLimit = 1 << 30

    /// The size estimate bounds the model from above (rows by up to about a fifth on clusters
    /// with many rules and FT pairs), so it is held to this multiple of the work budget; the
    /// model as built is then held to the budget itself.
    static let estimateSlack = 1.5

    /// Share of the time limit the heuristic start may take (see `search`).
    static let heuristicShare = 0.3

    /// Whether the searches over patterns and assignments (`PatternSolver` for `consolidate`,
    /// `BalanceSearch` and `BalancePatterns` for `balance`) run before the assignment model; off
    /// only to measure the assignment model alone.
    public var usesPatterns: Bool

    /// Heuristics run for the incumbent besides the greedy baseline (the portfolio's members and
    /// every constructive rule).
    static var incumbentHeuristics: [any PlacementSolver] {
        [LocalSearchSolver(), BinCentricSolver()] + ConstructiveSolver.Rule.allCases.map { ConstructiveSolver($0) }
    }

    /// The planner's check of a target: the objective of the plan it makes of `result` when that
    /// plan passes the checker, nil when it does not (see `solve`). Set by `DRSPlanner`, which
    /// this module cannot import.
    public var targetCheck: (@Sendable (Problem, SolverResult) -> Objective?)?

    public init(usesPatterns: Bool = true) { self.usesPatterns = usesPatterns }

    /// Solves, then (with `targetCheck`) keeps the result only when the planner can carry it out
    /// into a plan at least as good as the heuristic start's: the model holds the final state,
    /// not the order of the moves. `termination` says why the search stopped; a GLPK failure is
    /// `backendError` (the best plan found before it stands, never `optimal`).
    public func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
        let failuresBefore = GLPKBackend.failures
        let clock = ContinuousClock()
        let began = clock.now
        var (result, starts) = try search(problem, options: options)
        if GLPKBackend.failures != failuresBefore && result.status != .optimal { result.termination = .backendError }
        // A result that is the only start is what a heuristic would have answered: nothing to
        // fall back to.
        let onlyStart = starts.count == 1 && starts[0].placement == result.placement && starts[0].secondaries == result.secondaries
        guard let targetCheck, !onlyStart else { return result }
        let objective = targetCheck(problem, result)
        // A start the model could not take (it keeps a problem of the snapshot that the model
        // forbids, an overload say) may still be the better plan by the one score: the starts
        // are always compared, each at the cost of one plan build and one check.
        for var start in starts where start.placement != result.placement || start.secondaries != result.secondaries {
            guard let startObjective = targetCheck(problem, start) else { continue }
            if let objective, !startObjective.isBetter(than: objective) { return result }
            start.status = .feasible
            // A search the clock cut stays reported so: its outcome, hence this choice, depends on
            // the machine's speed.
            start.termination = result.termination == .feasibleTimeLimit ? .feasibleTimeLimit
                : (objective == nil ? .targetUnreachable : .unproven)
            start.bound = result.bound.map { bound in
                min(bound, problem.goal == .balance ? startObjective.imbalance : Double(startObjective.activeHosts))
            }
            start.nodes = result.nodes
            start.seconds = (clock.now - began).seconds
            return start
        }
        return result
    }

    /// The search; also returns the heuristic plans it started from, best first (the best of all
    /// heuristics, then the greedy baseline's when that is another plan).
    private func search(_ problem: Problem, options: SolveOptions) throws -> (result: SolverResult, starts: [SolverResult]) {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: .milliseconds(Int64(max(0.05, options.timeLimit) * 1000)))
        func remaining() -> Double { max(0.05, (deadline - clock.now).seconds) }
        /// A phase was not started because its model would not fit the time or memory left.
        var skipped = false
        /// A phase was stopped or left out because its share of the time ran out (below): the
        /// result then depends on the machine's speed and is reported as `feasibleTimeLimit`.

        // The incumbent ("greedy" below): the best plan of the baseline and every heuristic, so
        // that the exact result is never worse than any of them.
        var heuristicOptions = options
        heuristicOptions.timeLimit = min(1, options.timeLimit / 10)
        var greedy = try GreedySolver().solve(problem, options: heuristicOptions)
        var timeCut = greedy.deadlineReached
        var greedyScore = Score.evaluate(problem, placement: greedy.placement, secondaries: greedy.secondaries)
        let baseline = greedy
        heuristicOptions.timeLimit = min(0.5, options.timeLimit / 40)
        // A heuristic's construction does not watch the clock: the next one starts only while one
        // as slow as the slowest so far still ends within `heuristicShare` of the time limit.
        var slowest = (clock.now - start).seconds
        for solver in Self.incumbentHeuristics {
            if (clock.now - start).seconds + slowest > Self.heuristicShare * options.timeLimit {
                timeCut = true
                break
            }
            let began = clock.now
            let outcome = try? solver.solve(problem, options: heuristicOptions)
            slowest = max(slowest, (clock.now - began).seconds)
            if outcome?.deadlineReached == true { timeCut = true }
            guard let result = outcome, Self.withinLimits(problem, result.placement, result.secondaries) else { continue }
            let score = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
            if score.isBetter(than: greedyScore) { (greedy, greedyScore) = (result, score) }
        }
        var nodes = 0

        func finish(_ placement: [Int32], _ secondaries: [Int32], status: Plan.Status, bound: Double?,
                    fromGreedy: Bool) -> (result: SolverResult, starts: [SolverResult]) {
            var result = SolverResult(status: status, placement: placement, secondaries: secondaries, bound: bound,
                                      movePriority: fromGreedy ? greedy.movePriority : movePriorities(problem, placement, secondaries, greedy: greedy),
                                      reasons: fromGreedy ? greedy.reasons : reasons(problem, placement, secondaries, proven: status == .optimal))
            if let bound {
                let objective = Score.evaluate(problem, placement: placement, secondaries: secondaries)
                let goal = problem.goal == .balance ? objective.imbalance : Double(objective.activeHosts)
                result.bound = min(bound, goal)
            }
            result.nodes = nodes
            result.seconds = (clock.now - start).seconds
            if status == .optimal {
                result.termination = .optimal
            } else if skipped {
                result.termination = .modelTooLarge
            } else {
                result.termination = timeCut || result.seconds >= 0.9 * options.timeLimit ? .feasibleTimeLimit : .unproven
            }
            let differs = baseline.placement != greedy.placement || baseline.secondaries != greedy.secondaries
            return (result, differs ? [greedy, baseline] : [greedy])
        }
        func greedyResult(bound: Double? = nil) -> (result: SolverResult, starts: [SolverResult]) {
            finish(greedy.placement, greedy.secondaries, status: .feasible, bound: bound, fromGreedy: true)
        }

        guard problem.vmActive.contains(true) else {
            return finish(greedy.placement, greedy.secondaries, status: .optimal, bound: problem.goal == .balance ? nil : 0, fromGreedy: true)
        }
        let everythingPlaced = greedyScore.unplaced == 0 && greedyScore.unprotectedByPriority.allSatisfy { $0 == 0 }
        let noPenalty = everythingPlaced && greedyScore.softViolations == 0

        // Consolidate: a combinatorial bound first; stop at once when the greedy meets it.
        var goalBound: Double?
        if problem.goal == .consolidate {
            let bound = Self.activeHostBound(problem, everything: everythingPlaced)
            goalBound = Double(bound.hosts)
            if noPenalty && greedyScore.activeHosts <= bound.hosts && greedyScore.migrationSeconds <= bound.seconds + 1e-9 {
                return finish(greedy.placement, greedy.secondaries, status: .optimal, bound: goalBound, fromGreedy: true)
            }
        }

        // Consolidate on identical hosts with only new VMs: the pattern model first (see
        // `PatternSolver`: its bound is the Gilmore-Gomory one, and its dive finds packings the
        // assignment model misses). It gets most of the time; what it finds seeds stage 2.
        // (`alternativePlacement`: the best plan of the pattern model or the balance search.)
        var alternativePlacement: [Int32]?
        /// The best plan found before the MIP, for when the MIP cannot run or finds nothing.
        func bestBeforeMIP() -> (result: SolverResult, starts: [SolverResult]) {
            guard let alternativePlacement else { return greedyResult(bound: goalBound) }
            return finish(alternativePlacement, greedy.secondaries, status: .feasible, bound: goalBound, fromGreedy: false)
        }
        if usesPatterns, noPenalty, let bound = goalBound,
           var patterns = PatternSolver(problem, greedyPlacedEverything: everythingPlaced) {
            let phaseDeadline = clock.now.advanced(by: .seconds(remaining() * 0.6))
            let outcome = patterns.solve(incumbent: greedy.placement, incumbentHosts: greedyScore.activeHosts,
                                         lowerBound: Int(bound), deadline: phaseDeadline)
            goalBound = Double(max(Int(bound), outcome.bound))
            alternativePlacement = outcome.placement
            if !outcome.proven && clock.now >= phaseDeadline { timeCut = true }
            if outcome.proven {
                return finish(outcome.placement ?? greedy.placement, greedy.secondaries, status: .optimal, bound: goalBound,
                              fromGreedy: outcome.placement == nil)
            }
        }

        // Balance of new VMs: on identical hosts the assignment search first (see `BalanceSearch`);
        // when it completes, its best plan is optimal. Otherwise (and on several host types) set
        // partitioning over host patterns (see `BalancePatterns`) bounds the problem from its LP
        // and searches every partition of the patterns that bound leaves in play.
        if usesPatterns, problem.goal == .balance, noPenalty {
            var incumbent = greedy.placement
            // The assignment search finishes up to about 16 items; beyond 24 it only takes time.
            if var search = BalanceSearch(problem, incumbentPlacesEverything: everythingPlaced), search.items.count <= 24 {
                let imbalance = greedyScore.imbalance
                let outcome = search.run(incumbent: imbalance * imbalance, deadline: clock.now.advanced(by: .seconds(remaining() * 0.1)))
                alternativePlacement = outcome.placement
                if !outcome.complete { timeCut = true }
                if outcome.complete {
                    return finish(outcome.placement ?? greedy.placement, greedy.secondaries, status: .optimal,
                                  bound: max(0, outcome.imbalance - MIPModel.coneTolerance), fromGreedy: outcome.placement == nil)
                }
                incumbent = outcome.placement ?? incumbent
            }
            if var patterns = BalancePatterns(problem, incumbentPlacesEverything: everythingPlaced) {
                let phaseDeadline = clock.now.advanced(by: .seconds(remaining() * 0.95))
                let partition = patterns.solve(incumbent: incumbent, deadline: phaseDeadline)
                if !partition.proven && clock.now >= phaseDeadline { timeCut = true }
                // The plan is checked in integers like every other; one that failed would make the
                // search's value and proof suspect, and the MIP decides instead.
                let valid = partition.placement.map { Self.withinLimits(problem, $0, greedy.secondaries) } ?? true
                if valid, let better = partition.placement { alternativePlacement = better }
                if valid { goalBound = max(0, partition.bound.squareRoot() - MIPModel.coneTolerance) }
                if valid && partition.proven {
                    return finish(alternativePlacement ?? greedy.placement, greedy.secondaries, status: .optimal,
                                  bound: goalBound, fromGreedy: alternativePlacement == nil)
                }
            }
        }

        // The model's size from counts first: one that cannot be solved in the time left, or that
        // would pass `memoryLimit`, is not built (the best plan so far stands). GLPK's LP work
        // grows with rows x columns and is not interruptible while scaling and presolving.
        // Rows are at least the items, so the columns counted stop at the budget over that.
        var itemFloor = 0
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            let g = problem.vmGroup[v]
            if g < 0 || problem.groups[Int(g)].first(where: { problem.vmActive[Int($0)] }) == Int32(v) { itemFloor += 1 }
        }
        let workBudget = Self.workPerSecond * remaining()
        let columnLimit = Int(min(Self.estimateSlack * workBudget / Double(max(1, itemFloor)), 1e12))
        guard let estimate = PlacementFormulation.estimate(problem, columnLimit: columnLimit, deadline: deadline),
              estimate.work <= Self.estimateSlack * workBudget, estimate.bytes <= Self.memoryLimit else {
            skipped = true
            return bestBeforeMIP()
        }
        var formulation = PlacementFormulation(problem: problem, incumbent: (greedy.placement, greedy.secondaries))
        var targetIsExact = everythingPlaced
        let greedyValues = formulation.values(placement: greedy.placement, secondaries: greedy.secondaries)
        // The greedy plan is a fallback only when it satisfies every hard constraint of the model
        // (it may, for example, break admission control with a secondary placed after the check).
        let greedyIsValid = greedyValues.map { formulation.model.isFeasible($0) } ?? false

        // The same budget on the model as built (the estimate counts rows from their largest
        // number; this is the model GLPK gets).
        let size = formulation.size
        if size.work > Self.workPerSecond * remaining() || size.bytes > Self.memoryLimit {
            skipped = true
            return bestBeforeMIP()
        }

        // Stage 1: penalties (without the balance cone: the imbalance plays no part here).
        var weights = formulation.levelWeights()
        guard (weights.max() ?? 0) < 0x1p52 else { return bestBeforeMIP() }
        var penaltyCap = 0.0
        var stageOneProven = true
        var stageOnePlacement: (placement: [Int32], secondaries: [Int32])?
        if !(noPenalty && greedyValues != nil) {
            var model = formulation.model
            model.clearCosts()
            model.cone = nil
            for (column, weight) in formulation.penaltyTerms(weights) { model.addCost(column, weight) }
            let outcome = GLPKBackend.solve(model, timeLimit: remaining() / 2, incumbent: greedyValues)
            nodes += outcome.nodes
            if outcome.status == .feasible || outcome.status == .noSolution { timeCut = true }
            guard let values = outcome.values, let objective = outcome.objective else { return bestBeforeMIP() }
            penaltyCap = objective.rounded()
            stageOneProven = outcome.status == .optimal
            stageOnePlacement = formulation.placement(from: values)
        }
        // Balance: re-centre u* on the placed set of the stage-1 solution.
        if problem.goal == .balance, let stageOne = stageOnePlacement, !everythingPlaced {
            let score = Score.evaluate(problem, placement: stageOne.placement, secondaries: stageOne.secondaries)
            formulation = PlacementFormulation(problem: problem, incumbent: stageOne)
            targetIsExact = score.unplaced == 0 && score.unprotectedByPriority.allSatisfy { $0 == 0 }
            weights = formulation.levelWeights()
            guard (weights.max() ?? 0) < 0x1p52 else { return bestBeforeMIP() }
        }

        // Stage 2: level-3 cost with the penalty held.
        var model = formulation.model
        model.clearCosts()
        for (column, cost) in formulation.cost { model.addCost(column, cost) }
        let penalty = formulation.penaltyTerms(weights)
        if !penalty.isEmpty { model.addRow(penalty, upper: penaltyCap + 0.5) }
        var candidates: [[Double]] = []
        if let values = formulation.values(placement: greedy.placement, secondaries: greedy.secondaries) { candidates.append(values) }
        if let stageOne = stageOnePlacement, let values = formulation.values(placement: stageOne.placement, secondaries: stageOne.secondaries) {
            candidates.append(values)
        }
        if let alternativePlacement, let values = formulation.values(placement: alternativePlacement, secondaries: greedy.secondaries) {
            candidates.append(values)
        }
        let incumbent = candidates.filter { model.isFeasible($0) }.min { model.objective($0) < model.objective($1) }
        let outcome = GLPKBackend.solve(model, timeLimit: remaining(), incumbent: incumbent,
                                        relativeGap: problem.goal == .balance ? Self.balanceGap : 0)
        nodes += outcome.nodes
        if outcome.status == .feasible || outcome.status == .noSolution { timeCut = true }
        let foundPlacement = outcome.values.map { formulation.placement(from: $0) }
        guard let found = foundPlacement, Self.withinLimits(problem, found.placement, found.secondaries) else {
            return bestBeforeMIP()
        }
        let score = Score.evaluate(problem, placement: found.placement, secondaries: found.secondaries)

        // The model is exactly the SPEC score when it is `consolidate`, or `balance` with u* and
        // the counted hosts those of every plan optimal at levels 1-2: everything placed (so
        // u* is the same for all of them) and no standby host (counted only when used).
        let cleanFinal = score.unplaced == 0 && score.unprotectedByPriority.allSatisfy { $0 == 0 }
        let modelIsExact = problem.goal == .consolidate
            || (cleanFinal && targetIsExact && !problem.hostState.contains(.standby))
        let proven = stageOneProven && outcome.status == .optimal && modelIsExact

        // Proven bound on the goal term (the stage-2 bound is on goal + migration cost).
        if stageOneProven, !formulation.hasMigrationCost, modelIsExact, let stageTwoBound = outcome.bound {
            if problem.goal == .consolidate {
                goalBound = max(goalBound ?? 0, (stageTwoBound - 1e-6).rounded(.up))
            } else {
                goalBound = max(goalBound ?? 0, stageTwoBound - MIPModel.coneTolerance)
            }
        }
        if greedyIsValid && greedyScore.isBetter(than: score) {
            // Within the cone tolerance and gap of a proven optimum, the greedy plan is one too.
            return finish(greedy.placement, greedy.secondaries, status: proven ? .optimal : .feasible, bound: goalBound, fromGreedy: true)
        }
        return finish(found.placement, found.secondaries, status: proven ? .optimal : .feasible, bound: goalBound, fromGreedy: false)
    }

    /// Whether every host stays within its limits under `placement` and `secondaries`, in exact
    /// integer milli-units (beyond what unmovable VMs already put there). GLPK works in floating point with tolerances, so a MIP solution
    /// may exceed a limit by a few milli-units; such a solution is not used.
    static func withinLimits(_ problem: Problem, _ placement: [Int32], _ secondaries: [Int32]) -> Bool {
        let H = problem.hostCount, R = problem.resourceCount
        var load = [Int64](repeating: 0, count: H * R)
        var pinned = [Int64](repeating: 0, count: H * R)
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            for h in [placement[v], problem.vmIsFT[v] ? secondaries[v] : -1] where h >= 0 {
                for r in 0..<R {
                    load[r * H + Int(h)] += problem.demand(v, r)
                    if problem.vmPinned[v] { pinned[r * H + Int(h)] += problem.demand(v, r) }
                }
            }
        }
        // A host that VMs which cannot move already overload stays as overloaded as they make it.
        return (0..<H).allSatisfy { h in
            (0..<R).allSatisfy { r in load[r * H + h] <= max(problem.limit(h, r), pinned[r * H + h]) }
        }
    }

    /// A lower bound on active hosts and on migration seconds of every placement that places the
    /// VMs it must (all of them, secondaries included, when `everything`): per resource the
    /// total demand over the largest host limit, rounded up; the largest hard anti-affinity
    /// rule; 2 with an FT pair; the distinct hosts of pinned VMs; Martello and Toth's L2 per
    /// resource (with the largest limit as every host's). O(V log V x R + H x R + rules).
    static func activeHostBound(_ problem: Problem, everything: Bool) -> (hosts: Int, seconds: Double) {
        let V = problem.vmCount, H = problem.hostCount, R = problem.resourceCount
        var forced = [Bool](repeating: false, count: V)
        for v in 0..<V where problem.vmActive[v] {
            let h = Int(problem.vmInitialHost[v])
            forced[v] = everything || problem.vmPinned[v] || (h >= 0 && problem.hostState[h] == .connected && problem.allows(v, h))
        }
        for group in problem.groups where group.contains(where: { forced[Int($0)] }) {
            for v in group { forced[Int(v)] = true }
        }
        var hosts = forced.contains(true) ? 1 : 0
        var seconds = 0.0
        for r in 0..<R {
            var largest: Int64 = 0
            for h in 0..<H where problem.hostReceives[h] { largest = max(largest, problem.limit(h, r)) }
            var sizes: [Int64] = []
            var pinnedLoad: [Int: Int64] = [:]
            for v in 0..<V where forced[v] {
                if problem.vmPinned[v] {
                    let h = Int(problem.vmInitialHost[v])
                    largest = max(largest, problem.limit(h, r))
                    pinnedLoad[h, default: 0] += problem.demand(v, r)
                } else {
                    sizes.append(problem.demand(v, r))
                }
                if everything && problem.vmIsFT[v] { sizes.append(problem.demand(v, r)) }
            }
            guard largest > 0 else { continue }
            // The pinned VMs of a host are one item, of at most a host's worth: they may overload
            // their host, which then holds no more of this resource.
            for h in pinnedLoad.keys.sorted() { sizes.append(min(pinnedLoad[h]!, largest)) }
            let total = sizes.reduce(0, +)
            hosts = max(hosts, Int((total + largest - 1) / largest), Self.martelloTothL2(sizes, capacity: largest))
        }
        for rule in problem.antiAffinity where rule.allSatisfy({ forced[Int($0)] }) { hosts = max(hosts, rule.count) }
        if everything && problem.vmIsFT.contains(true) { hosts = max(hosts, 2) }
        hosts = max(hosts, Set((0..<V).filter { problem.vmActive[$0] && problem.vmPinned[$0] }.map { problem.vmInitialHost[$0] }).count)
        for v in 0..<V where forced[v] && !problem.vmPinned[v] {
            let h = Int(problem.vmInitialHost[v])
            if h >= 0 && !(problem.hostReceives[h] && problem.allows(v, h)) { seconds += problem.vmMigration[v].seconds }
            let s = Int(problem.vmInitialSecondary[v])
            if everything && problem.vmIsFT[v] && s >= 0 && !problem.hostReceives[s] { seconds += problem.vmMigration[v].seconds }
        }
        return (hosts, seconds)
    }

    /// Martello and Toth's L2 lower bound on the bins of capacity `capacity` that hold `sizes`
    /// (each at most `capacity`): for every threshold a <= capacity / 2, the items above
    /// capacity - a each need their own bin, so do those above capacity / 2, and the items of
    /// size a ... capacity / 2 need whatever the latter bins leave over. O(n log n): sorted
    /// sizes, prefix sums and a binary search per threshold.
    static func martelloTothL2(_ sizes: [Int64], capacity: Int64) -> Int {
        guard capacity > 0, !sizes.isEmpty else { return 0 }
        let sorted = sizes.sorted()
        let n = sorted.count
        var prefix = [Int64](repeating: 0, count: n + 1)
        for (i, size) in sorted.enumerated() { prefix[i + 1] = prefix[i] + size }
        /// The first index whose size is above `value` (or at least `value` when `inclusive`).
        func boundary(_ value: Int64, inclusive: Bool = false) -> Int {
            var low = 0, high = n
            while low < high {
                let middle = (low + high) / 2
                if inclusive ? sorted[middle] < value : sorted[middle] <= value { low = middle + 1 } else { high = middle }
            }
            return low
        }
        let half = capacity / 2  // size > half  <=>  2 x size > capacity (integers)
        let aboveHalf = boundary(half)
        var thresholds: [Int64] = [0]
        for i in 0..<aboveHalf where sorted[i] > 0 && sorted[i] != thresholds.last! { thresholds.append(sorted[i]) }
        var best = 0
        for a in thresholds {
            let bigStart = boundary(capacity - a)  // above capacity - a: a host each
            let medium = bigStart - aboveHalf      // above half, at most capacity - a
            let spare = Int64(medium) * capacity - (prefix[bigStart] - prefix[aboveHalf])
            let smallTotal = prefix[aboveHalf] - prefix[boundary(a, inclusive: true)]  // a ... half
            let overflow = smallTotal - spare
            let extra = overflow > 0 ? Int((overflow + capacity - 1) / capacity) : 0
            best = max(best, (n - bigStart) + medium + extra)
        }
        return best
    }

    /// Recommendation priority of each VM's move (primary or FT secondary): 1 when mandatory,
    /// when the greedy also had to move the VM to repair the input, or at threshold 1 (no move is
    /// optional there). Every other move is graded as local search grades its moves, by
    /// `MigrationCost.priority` of its own benefit over its migration seconds (2 when it takes
    /// no migration time):
    /// - `balance`: the imbalance the move removes, that of the target with the VM back where it
    ///   runs minus the target's (two hosts change: O(R) per move);
    /// - `consolidate`: 1 host for a move off a host the target empties, over the seconds of
    ///   every move off that host (as `HostEmptying` grades an emptied host); 0 otherwise.
    /// A move that a soft rule wants graded on is 2. A move whose own benefit does not pay for it
    /// at the threshold (it pays together with others) gets the threshold.
    /// O(V x R + H x R).
    func movePriorities(_ problem: Problem, _ placement: [Int32], _ secondaries: [Int32], greedy: SolverResult) -> [UInt8] {
        let threshold = problem.snapshot.cluster.migrationThreshold
        let V = problem.vmCount, H = problem.hostCount, R = problem.resourceCount
        var priorities = [UInt8](repeating: 0, count: V)
        func moves(_ v: Int) -> (primary: Bool, secondary: Bool) {
            guard problem.vmActive[v], placement[v] >= 0 else { return (false, false) }
            let primary = placement[v] != problem.vmInitialHost[v]
            let secondary = problem.vmIsFT[v] && secondaries[v] >= 0 && secondaries[v] != problem.vmInitialSecondary[v]
            return (primary, secondary)
        }
        var optional: [Int] = []
        for v in 0..<V {
            let (primary, secondary) = moves(v)
            guard primary || secondary else { continue }
            if problem.isMandatory(v) || threshold <= 1 || greedy.movePriority[v] == 1 { priorities[v] = 1 } else { optional.append(v) }
        }
        guard !optional.isEmpty else { return priorities }
        func grade(benefit: Double, seconds: Double) -> UInt8 {
            let priority = seconds <= 0 ? 2 : MigrationCost.priority(goal: problem.goal, benefit: benefit, seconds: seconds)
            return UInt8(max(2, min(priority, threshold)))
        }
        func seconds(_ v: Int) -> Double {
            let (primary, secondary) = moves(v)
            return (primary && problem.vmInitialHost[v] >= 0 ? problem.vmMigration[v].seconds : 0)
                + (secondary && problem.vmInitialSecondary[v] >= 0 ? problem.vmMigration[v].seconds : 0)
        }
        // Loads of the target, per host and resource (milli-units).
        var load = [Int64](repeating: 0, count: H * R)
        var residents = [Int](repeating: 0, count: H)
        for v in 0..<V where problem.vmActive[v] {
            for h in [placement[v], problem.vmIsFT[v] ? secondaries[v] : -1] where h >= 0 {
                residents[Int(h)] += 1
                for r in 0..<R { load[r * H + Int(h)] += problem.demand(v, r) }
            }
        }
        let softViolations = Score.softViolations(problem, placement: placement)
        var reverted = placement

        switch problem.goal {
        case .balance:
            // Counted hosts as `Score.evaluate` counts them; the mean per resource is unchanged
            // by moving a VM between two counted hosts.
            let counted = (0..<H).map { problem.hostState[$0] == .connected || (problem.hostState[$0] == .standby && residents[$0] > 0) }
            var mean = [Double](repeating: 0, count: R)
            var terms = 0
            var sumSquares = 0.0
            for r in 0..<R {
                var totalLoad = 0.0, totalCapacity = 0.0
                for h in 0..<H where counted[h] {
                    totalLoad += Double(load[r * H + h]) / Units.scale
                    totalCapacity += problem.hostCapacity[r * H + h]
                }
                guard totalCapacity > 0 else { continue }
                mean[r] = totalLoad / totalCapacity
                for h in 0..<H where counted[h] && problem.hostCapacity[r * H + h] > 0 {
                    let d = Double(load[r * H + h]) / Units.scale / problem.hostCapacity[r * H + h] - mean[r]
                    sumSquares += d * d
                    terms += 1
                }
            }
            guard terms > 0 else { break }
            let imbalance = (sumSquares / Double(terms)).squareRoot()
            func term(_ h: Int, _ r: Int, _ amount: Int64) -> Double {
                let capacity = problem.hostCapacity[r * H + h]
                guard counted[h], capacity > 0 else { return 0 }
                let d = Double(amount) / Units.scale / capacity - mean[r]
                return d * d
            }
            for v in optional {
                // The VM's own hosts: primary from its target back to where it runs, and the same
                // for its secondary.
                var changes: [(from: Int, to: Int)] = []
                let (primary, secondary) = moves(v)
                if primary && problem.vmInitialHost[v] >= 0 { changes.append((Int(placement[v]), Int(problem.vmInitialHost[v]))) }
                if secondary && problem.vmInitialSecondary[v] >= 0 { changes.append((Int(secondaries[v]), Int(problem.vmInitialSecondary[v]))) }
                guard !changes.isEmpty, changes.allSatisfy({ counted[$0.from] && counted[$0.to] }) else {
                    priorities[v] = UInt8(max(2, threshold))
                    continue
                }
                var delta = 0.0
                var changed: [Int: Int64] = [:]
                for change in changes {
                    for r in 0..<R {
                        changed[r * H + change.from, default: load[r * H + change.from]] -= problem.demand(v, r)
                        changed[r * H + change.to, default: load[r * H + change.to]] += problem.demand(v, r)
                    }
                }
                for index in changed.keys.sorted() {
                    let h = index % H, r = index / H
                    delta += term(h, r, changed[index]!) - term(h, r, load[index])
                }
                let without = (max(0, sumSquares + delta) / Double(terms)).squareRoot()
                if primary && !problem.vmSoftRules[v].isEmpty {
                    reverted[v] = problem.vmInitialHost[v]
                    let softWorse = Score.softViolations(problem, placement: reverted) > softViolations
                    reverted[v] = placement[v]
                    if softWorse { priorities[v] = 2; continue }
                }
                priorities[v] = grade(benefit: without - imbalance, seconds: seconds(v))
            }
        case .consolidate:
            var secondsOff = [Double](repeating: 0, count: H)
            for v in optional {
                let (primary, secondary) = moves(v)
                if primary && problem.vmInitialHost[v] >= 0 { secondsOff[Int(problem.vmInitialHost[v])] += problem.vmMigration[v].seconds }
                if secondary && problem.vmInitialSecondary[v] >= 0 { secondsOff[Int(problem.vmInitialSecondary[v])] += problem.vmMigration[v].seconds }
            }
            for v in optional {
                let (primary, secondary) = moves(v)
                var sources: [Int] = []
                if primary && problem.vmInitialHost[v] >= 0 { sources.append(Int(problem.vmInitialHost[v])) }
                if secondary && problem.vmInitialSecondary[v] >= 0 { sources.append(Int(problem.vmInitialSecondary[v])) }
                if primary && !problem.vmSoftRules[v].isEmpty {
                    reverted[v] = problem.vmInitialHost[v]
                    let softWorse = Score.softViolations(problem, placement: reverted) > softViolations
                    reverted[v] = placement[v]
                    if softWorse { priorities[v] = 2; continue }
                }
                var best = UInt8(max(2, threshold))
                for h in sources where residents[h] == 0 {
                    best = min(best, grade(benefit: 1, seconds: secondsOff[h]))
                }
                priorities[v] = best
            }
        }
        return priorities
    }

    func reasons(_ problem: Problem, _ placement: [Int32], _ secondaries: [Int32], proven: Bool) -> [Int: String] {
        var reasons: [Int: String] = [:]
        let qualifier = proven ? " (proven by the exact solver)" : ""
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            if placement[v] < 0 {
                reasons[v] = "no placement fits it within capacity, the hard rules and admission control without evicting a running VM or a higher-priority one\(qualifier)"
            } else if problem.vmIsFT[v] && secondaries[v] < 0 {
                reasons[v] = "unprotected: no host other than the primary's has room for its FT secondary\(qualifier)"
            }
        }
        return reasons
    }
}
