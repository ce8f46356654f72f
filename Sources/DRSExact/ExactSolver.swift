@_spi(Benchmarks) import DRSModel
import DRSHeuristics

/// Errors of the exact solver that mean it could not run (as opposed to finding no plan).
public enum ExactSolverError: Error, CustomStringConvertible {
    case notAvailable(String)
    /// The message of the error.
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
/// Each method (the combinatorial bound of `consolidate` included) is an `ExactStrategy`;
/// `search` runs them in turn (`strategies`) after the heuristic start.
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
    /// The plan's `solver` id; `SolverKind` calls it `exact`.
    public let id = "exact-glpk"
    /// The size (active VMs x hosts) up to which the exact solver settles a snapshot within
    /// seconds: the planner's fallbacks and conservative plans scale from it (`auto` has its own
    /// limits, `AutoSolver` in DRSPlanner). Measured (GLPK 5.0,
    /// 2 cores, 10 s limit, random clusters with 3/4 running VMs, an anti-affinity and a soft
    /// rule): `consolidate` proves optimality in 0.01-0.35 s at 16 x 10 and 0.06-3.6 s at
    /// 20 x 12, and no longer within 10 s at 24 x 12. `balance` proves 15 of the 16 balance
    /// snapshots of Datasets/suite-small (up to 16 hosts x 64 VMs) within 10 s
    /// (results/exact-vs-cpsat.md); when it cannot prove optimality it returns its best plan at
    /// the time limit, never worse than the greedy's.
    package static let autoLimit = 200

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
    package static let memoryLimit = 1 << 30

    /// The size estimate bounds the model from above (rows by up to about a fifth on clusters
    /// with many rules and FT pairs), so it is held to this multiple of the work budget; the
    /// model as built is then held to the budget itself.
    static let estimateSlack = 1.5

    /// Share of the time limit the heuristic start may take (see `heuristicStart`).
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
    package var targetCheck: (@Sendable (Problem, SolverResult) -> Objective?)?

    /// A plan to start from besides the heuristics (`auto` passes its best plan so far). With
    /// one, local search is not run again for the incumbent.
    package var incumbent: SolverResult?

    /// An exact solver; `usesPatterns` false runs the assignment model alone. No `targetCheck`.
    public init(usesPatterns: Bool = true) { self.usesPatterns = usesPatterns }

    /// Lower bounds on the active hosts and on the migration seconds of every plan that places
    /// every active VM and FT secondary (`activeHostBound`). O(V log V x R + H x R + rules).
    package static func consolidationBound(_ problem: Problem) -> (hosts: Int, seconds: Double) {
        activeHostBound(problem, everything: true)
    }

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

    /// The strategies of the search, in the order they run (see `ExactStrategy`): the
    /// combinatorial bound, the pattern cover, the assignment search, set partitioning and the
    /// assignment MIP.
    static func strategies() -> [any ExactStrategy] {
        [CombinatorialBoundStrategy(), PatternCoverStrategy(), AssignmentSearchStrategy(), SetPartitioningStrategy(),
         AssignmentMIPStrategy()]
    }

    /// The heuristic start (see `heuristicStart`).
    struct HeuristicStart {
        /// The best plan of the baseline and every heuristic ("greedy" in `search`), and its score.
        var best: SolverResult
        var score: Objective
        /// The greedy baseline's own plan.
        var baseline: SolverResult
        /// Whether a heuristic was cut short by its time limit or left out for time.
        var timeCut: Bool
    }

    /// How the search went so far, for its result.
    struct SearchRecord {
        /// When the search began.
        let began: ContinuousClock.Instant
        /// Branch-and-bound nodes of the MIP stages.
        var nodes = 0
        /// A phase was not started because its model would not fit the time or memory left.
        var skipped = false
        /// A phase was stopped or left out because its share of the time ran out: the result
        /// then depends on the machine's speed and is reported as `feasibleTimeLimit`.
        var timeCut = false
    }

    /// The search: the heuristic start, then the strategies in turn, each from the bound and
    /// best plan of those before, until one proves its plan optimal (else the best plan found
    /// stands). Also returns the heuristic plans it started from, best first (the best of all
    /// heuristics, then the greedy baseline's when that is another plan).
    private func search(_ problem: Problem, options: SolveOptions) throws -> (result: SolverResult, starts: [SolverResult]) {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: .milliseconds(Int64(max(0.05, options.timeLimit) * 1000)))
        let heuristics = try Self.heuristicStart(problem, options: options, since: start, incumbent: incumbent)
        let greedyScore = heuristics.score
        var record = SearchRecord(began: start, timeCut: heuristics.timeCut)
        func finish(_ plan: (placement: [Int32], secondaries: [Int32])?, status: Plan.Status, bound: Double?)
            -> (result: SolverResult, starts: [SolverResult]) {
            self.finish(problem, plan, status: status, bound: bound, heuristics: heuristics, record: record, options: options)
        }

        guard problem.vmActive.contains(true) else {
            return finish(nil, status: .optimal, bound: problem.goal == .balance ? nil : 0)
        }
        let everythingPlaced = greedyScore.unplaced == 0 && greedyScore.unprotectedByPriority.allSatisfy { $0 == 0 }
        var state = ExactSearchState(problem: problem, greedy: heuristics.best, greedyScore: greedyScore,
                                     everythingPlaced: everythingPlaced, noPenalty: everythingPlaced && greedyScore.softViolations == 0,
                                     usesPatterns: usesPatterns, deadline: deadline)
        for var strategy in Self.strategies() {
            guard strategy.applies(to: state) else { continue }
            let phaseDeadline = strategy.timeShare.map { clock.now.advanced(by: .seconds(state.remaining() * $0)) } ?? deadline
            let finding = strategy.run(state, deadline: phaseDeadline)
            record.nodes += finding.nodes
            if finding.timeCut { record.timeCut = true }
            if finding.skipped { record.skipped = true }
            if let bound = finding.bound { state.goalBound = bound }
            switch finding.plan {
            case .unchanged: break
            case .greedy: state.best = nil
            case let .found(placement, secondaries): state.best = (placement, secondaries)
            }
            if finding.proven { return finish(state.best, status: .optimal, bound: state.goalBound) }
        }
        return finish(state.best, status: .feasible, bound: state.goalBound)
    }

    /// The incumbent: the best plan of the baseline and every heuristic, so that the exact
    /// result is never worse than any of them. The baseline gets a tenth of the time limit (at
    /// most 1 s), every other heuristic a fortieth (at most 0.5 s); a given `incumbent` stands
    /// for local search.
    private static func heuristicStart(_ problem: Problem, options: SolveOptions, since start: ContinuousClock.Instant,
                                       incumbent: SolverResult?) throws -> HeuristicStart {
        let clock = ContinuousClock()
        var heuristicOptions = options
        // On a problem as small as `auto` gives the exact solver, every heuristic runs to its
        // end whatever the clock says (milliseconds each): a proven optimum must not depend on
        // how loaded the machine was when the incumbent was built.
        let small = problem.vmActive.filter { $0 }.count * problem.hostCount <= Self.autoLimit
        heuristicOptions.timeLimit = small ? max(1, options.timeLimit) : min(1, options.timeLimit / 10)
        var greedy = try GreedySolver().solve(problem, options: heuristicOptions)
        var timeCut = greedy.deadlineReached
        var greedyScore = Score.evaluate(problem, placement: greedy.placement, secondaries: greedy.secondaries)
        let baseline = greedy
        if let incumbent, withinLimits(problem, incumbent.placement, incumbent.secondaries) {
            let score = Score.evaluate(problem, placement: incumbent.placement, secondaries: incumbent.secondaries)
            if score.isBetter(than: greedyScore) { (greedy, greedyScore) = (incumbent, score) }
        }
        if !small { heuristicOptions.timeLimit = min(0.5, options.timeLimit / 40) }
        // A heuristic's construction does not watch the clock: the next one starts only while one
        // as slow as the slowest so far still ends within `heuristicShare` of the time limit.
        var slowest = (clock.now - start).seconds
        for solver in Self.incumbentHeuristics where incumbent == nil || solver.id != "local-search" {
            if !small && (clock.now - start).seconds + slowest > Self.heuristicShare * options.timeLimit {
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
        return HeuristicStart(best: greedy, score: greedyScore, baseline: baseline, timeCut: timeCut)
    }

    /// The search's result for `plan` (nil: the heuristic start's best plan, with its move
    /// priorities and reasons), its bound capped at the plan's own goal term, and its
    /// termination; with the heuristic plans it started from.
    private func finish(_ problem: Problem, _ plan: (placement: [Int32], secondaries: [Int32])?, status: Plan.Status,
                        bound: Double?, heuristics: HeuristicStart, record: SearchRecord,
                        options: SolveOptions) -> (result: SolverResult, starts: [SolverResult]) {
        let greedy = heuristics.best, baseline = heuristics.baseline
        let (placement, secondaries) = plan ?? (greedy.placement, greedy.secondaries)
        let fromGreedy = plan == nil
        var result = SolverResult(status: status, placement: placement, secondaries: secondaries, bound: bound,
                                  movePriority: fromGreedy ? greedy.movePriority : movePriorities(problem, placement, secondaries, greedy: greedy),
                                  reasons: fromGreedy ? greedy.reasons : reasons(problem, placement, secondaries, proven: status == .optimal))
        if let bound {
            let objective = Score.evaluate(problem, placement: placement, secondaries: secondaries)
            let goal = problem.goal == .balance ? objective.imbalance : Double(objective.activeHosts)
            result.bound = min(bound, goal)
        }
        result.nodes = record.nodes
        result.seconds = (ContinuousClock.now - record.began).seconds
        if status == .optimal {
            result.termination = .optimal
        } else if record.skipped {
            result.termination = .modelTooLarge
        } else {
            result.termination = record.timeCut || result.seconds >= 0.9 * options.timeLimit ? .feasibleTimeLimit : .unproven
        }
        let differs = baseline.placement != greedy.placement || baseline.secondaries != greedy.secondaries
        return (result, differs ? [greedy, baseline] : [greedy])
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
}
