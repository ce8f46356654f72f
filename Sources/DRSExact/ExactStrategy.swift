import DRSModel

/// One method of `ExactSolver`'s search. The search runs its strategies in a fixed order
/// (`ExactSolver.strategies`); each says whether it applies to the search so far, runs to its
/// deadline, and returns what it found. A proof ends the search; otherwise its plan and bound
/// stand for the strategies after it.
protocol ExactStrategy {
    /// Share of the time left that the strategy may take; nil: all of it, up to the search's
    /// deadline.
    var timeShare: Double? { get }
    /// Whether the strategy applies to the search in `state`. It may build its model here: a
    /// strategy whose model cannot be built does not apply.
    mutating func applies(to state: ExactSearchState) -> Bool
    /// Runs until `deadline` (only after `applies` said yes).
    mutating func run(_ state: ExactSearchState, deadline: ContinuousClock.Instant) -> ExactFinding
}

/// What the strategies of one search share: the problem, the heuristic start, and the bound
/// and plan of the strategies that ran before.
struct ExactSearchState {
    let problem: Problem
    /// The best heuristic plan (the incumbent; "greedy" in `ExactSolver`), and its score.
    let greedy: SolverResult
    let greedyScore: Objective
    /// Whether the greedy plan places every active VM and protects every FT VM.
    let everythingPlaced: Bool
    /// Whether the greedy plan has no penalty at all (`everythingPlaced`, no soft violation).
    let noPenalty: Bool
    /// Whether the pattern and assignment searches may run (`ExactSolver.usesPatterns`).
    let usesPatterns: Bool
    /// The search's deadline.
    let deadline: ContinuousClock.Instant
    /// Proven lower bound on the goal term so far.
    var goalBound: Double?
    /// The best plan a strategy found so far (primaries, secondaries); nil: the greedy plan.
    var best: (placement: [Int32], secondaries: [Int32])?

    /// Seconds left until the deadline (at least 0.05).
    func remaining() -> Double { max(0.05, (deadline - ContinuousClock.now).seconds) }
}

/// What a strategy found.
struct ExactFinding {
    /// The plan the strategy leaves as the best so far.
    enum BestPlan {
        /// The best plan so far stands.
        case unchanged
        /// The greedy plan: better than what the strategy found.
        case greedy
        /// A plan the strategy found: primaries and FT secondaries.
        case found(placement: [Int32], secondaries: [Int32])
    }
    var plan = BestPlan.unchanged
    /// The proven bound on the goal term after the strategy (replaces the search's), when it
    /// has one.
    var bound: Double?
    /// Whether the best plan (after `plan`) is proven optimal: the search ends.
    var proven = false
    /// Whether the clock cut the strategy short (the result then depends on the machine's speed).
    var timeCut = false
    /// Whether the strategy's model was not built because it would not fit the time or memory
    /// left.
    var skipped = false
    /// Branch-and-bound nodes the strategy explored.
    var nodes = 0
}

/// `consolidate`: the combinatorial bound (`ExactSolver.activeHostBound`); it proves the greedy
/// plan optimal when the plan has no penalty and meets it.
struct CombinatorialBoundStrategy: ExactStrategy {
    var timeShare: Double? { nil }

    func applies(to state: ExactSearchState) -> Bool { state.problem.goal == .consolidate }

    func run(_ state: ExactSearchState, deadline: ContinuousClock.Instant) -> ExactFinding {
        let bound = ExactSolver.activeHostBound(state.problem, everything: state.everythingPlaced)
        var finding = ExactFinding(bound: Double(bound.hosts))
        finding.proven = state.noPenalty && state.greedyScore.activeHosts <= bound.hosts
            && state.greedyScore.migrationSeconds <= bound.seconds + 1e-9
        return finding
    }
}

/// `consolidate` on identical hosts with only new VMs: set covering over host patterns (see
/// `PatternSolver`: its bound is the Gilmore-Gomory one, and its dive finds packings the
/// assignment model misses). It gets most of the time; what it finds seeds stage 2 of the MIP.
struct PatternCoverStrategy: ExactStrategy {
    private var solver: PatternSolver?
    var timeShare: Double? { 0.6 }

    mutating func applies(to state: ExactSearchState) -> Bool {
        guard state.usesPatterns, state.noPenalty, state.goalBound != nil else { return false }
        solver = PatternSolver(state.problem, greedyPlacedEverything: state.everythingPlaced)
        return solver != nil
    }

    mutating func run(_ state: ExactSearchState, deadline: ContinuousClock.Instant) -> ExactFinding {
        let bound = Int(state.goalBound!)
        let outcome = solver!.solve(incumbent: state.greedy.placement, incumbentHosts: state.greedyScore.activeHosts,
                                    lowerBound: bound, deadline: deadline)
        var finding = ExactFinding(bound: Double(max(bound, outcome.bound)), proven: outcome.proven)
        if let placement = outcome.placement { finding.plan = .found(placement: placement, secondaries: state.greedy.secondaries) }
        finding.timeCut = !outcome.proven && ContinuousClock.now >= deadline
        return finding
    }
}

/// `balance` of new VMs on identical hosts, up to 24 items: branch and bound over assignments
/// (see `BalanceSearch`), a tenth of the time; when it completes, its best plan is optimal.
struct AssignmentSearchStrategy: ExactStrategy {
    private var search: BalanceSearch?
    var timeShare: Double? { 0.1 }

    mutating func applies(to state: ExactSearchState) -> Bool {
        guard state.usesPatterns, state.problem.goal == .balance, state.noPenalty else { return false }
        // The assignment search finishes up to about 16 items; beyond 24 it only takes time.
        search = BalanceSearch(state.problem, incumbentPlacesEverything: state.everythingPlaced)
        return search.map { $0.items.count <= 24 } ?? false
    }

    mutating func run(_ state: ExactSearchState, deadline: ContinuousClock.Instant) -> ExactFinding {
        let imbalance = state.greedyScore.imbalance
        let outcome = search!.run(incumbent: imbalance * imbalance, deadline: deadline)
        var finding = ExactFinding(proven: outcome.complete, timeCut: !outcome.complete)
        if let placement = outcome.placement { finding.plan = .found(placement: placement, secondaries: state.greedy.secondaries) }
        if outcome.complete { finding.bound = max(0, outcome.imbalance - MIPModel.coneTolerance) }
        return finding
    }
}

/// `balance` of new VMs: set partitioning over host patterns (see `BalancePatterns`), from the
/// best plan so far; it bounds the problem from its LP and searches every partition of the
/// patterns that bound leaves in play.
struct SetPartitioningStrategy: ExactStrategy {
    private var patterns: BalancePatterns?
    var timeShare: Double? { 0.95 }

    mutating func applies(to state: ExactSearchState) -> Bool {
        guard state.usesPatterns, state.problem.goal == .balance, state.noPenalty else { return false }
        patterns = BalancePatterns(state.problem, incumbentPlacesEverything: state.everythingPlaced)
        return patterns != nil
    }

    mutating func run(_ state: ExactSearchState, deadline: ContinuousClock.Instant) -> ExactFinding {
        let partition = patterns!.solve(incumbent: state.best?.placement ?? state.greedy.placement, deadline: deadline)
        var finding = ExactFinding(timeCut: !partition.proven && ContinuousClock.now >= deadline)
        // The plan is checked in integers like every other; one that failed would make the
        // search's value and proof suspect, and the MIP decides instead.
        let secondaries = state.greedy.secondaries
        guard partition.placement.map({ ExactSolver.withinLimits(state.problem, $0, secondaries) }) ?? true else { return finding }
        if let better = partition.placement { finding.plan = .found(placement: better, secondaries: secondaries) }
        finding.bound = max(0, partition.bound.squareRoot() - MIPModel.coneTolerance)
        finding.proven = partition.proven
        return finding
    }
}
