@_spi(Benchmarks) import DRSModel

/// The assignment model (`PlacementFormulation`) in GLPK's two stages (see `ExactSolver`):
/// stage 1 minimises the weighted penalty (skipped when the greedy plan has none), stage 2 the
/// level-3 cost with the penalty held, from the best feasible candidate of the greedy plan, the
/// stage-1 plan and the best plan so far. The model's size is checked against the time and
/// memory left before it is built and once more as built (`skipped` when it does not fit).
/// It always applies and runs to the search's deadline.
struct AssignmentMIPStrategy: ExactStrategy {
    var timeShare: Double? { nil }

    func applies(to state: ExactSearchState) -> Bool { true }

    /// Stage 1's result: the weighted penalty it reached (the cap of stage 2), whether that is
    /// proven minimal, and its plan.
    struct StageOne {
        var penaltyCap = 0.0
        var proven = true
        var plan: (placement: [Int32], secondaries: [Int32])?
    }

    func run(_ state: ExactSearchState, deadline: ContinuousClock.Instant) -> ExactFinding {
        let problem = state.problem, greedy = state.greedy
        var finding = ExactFinding()
        guard Self.estimateFits(state, deadline: deadline) else {
            finding.skipped = true
            return finding
        }
        var formulation = PlacementFormulation(problem: problem, incumbent: (greedy.placement, greedy.secondaries))
        var targetIsExact = state.everythingPlaced
        let greedyValues = formulation.values(placement: greedy.placement, secondaries: greedy.secondaries)
        // The greedy plan is a fallback only when it satisfies every hard constraint of the model
        // (it may, for example, break admission control with a secondary placed after the check).
        let greedyIsValid = greedyValues.map { formulation.model.isFeasible($0) } ?? false

        // The same budget on the model as built (the estimate counts rows from their largest
        // number; this is the model GLPK gets).
        let size = formulation.size
        if size.work > ExactSolver.workPerSecond * state.remaining() || size.bytes > ExactSolver.memoryLimit {
            finding.skipped = true
            return finding
        }

        // Stage 1: penalties (without the balance cone: the imbalance plays no part here).
        var weights = formulation.levelWeights()
        guard (weights.max() ?? 0) < 0x1p52 else { return finding }
        var stageOne = StageOne()
        if !(state.noPenalty && greedyValues != nil) {
            guard let solved = Self.stageOne(formulation, weights: weights, incumbent: greedyValues, state: state, finding: &finding) else {
                return finding
            }
            stageOne = solved
        }
        // Balance: re-centre u* on the placed set of the stage-1 solution.
        if problem.goal == .balance, let plan = stageOne.plan, !state.everythingPlaced {
            let score = Score.evaluate(problem, placement: plan.placement, secondaries: plan.secondaries)
            formulation = PlacementFormulation(problem: problem, incumbent: plan)
            targetIsExact = score.unplaced == 0 && score.unprotectedByPriority.allSatisfy { $0 == 0 }
            weights = formulation.levelWeights()
            guard (weights.max() ?? 0) < 0x1p52 else { return finding }
        }

        // Stage 2: level-3 cost with the penalty held.
        let model = Self.stageTwoModel(formulation, weights: weights, penaltyCap: stageOne.penaltyCap)
        let incumbent = Self.candidates(formulation, state: state, stageOne: stageOne.plan)
            .filter { model.isFeasible($0) }.min { model.objective($0) < model.objective($1) }
        let outcome = GLPKBackend.solve(model, timeLimit: state.remaining(), incumbent: incumbent,
                                        relativeGap: problem.goal == .balance ? ExactSolver.balanceGap : 0)
        finding.nodes += outcome.nodes
        if outcome.status == .feasible || outcome.status == .noSolution { finding.timeCut = true }
        let foundPlacement = outcome.values.map { formulation.placement(from: $0) }
        guard let found = foundPlacement, ExactSolver.withinLimits(problem, found.placement, found.secondaries) else {
            return finding
        }
        let score = Score.evaluate(problem, placement: found.placement, secondaries: found.secondaries)

        // The model is exactly the SPEC score when it is `consolidate`, or `balance` with u* and
        // the counted hosts those of every plan optimal at levels 1-2: everything placed (so
        // u* is the same for all of them) and no standby host (counted only when used).
        let cleanFinal = score.unplaced == 0 && score.unprotectedByPriority.allSatisfy { $0 == 0 }
        let modelIsExact = problem.goal == .consolidate
            || (cleanFinal && targetIsExact && !problem.hostState.contains(.standby))
        finding.proven = stageOne.proven && outcome.status == .optimal && modelIsExact

        // Proven bound on the goal term (the stage-2 bound is on goal + migration cost).
        if stageOne.proven, !formulation.hasMigrationCost, modelIsExact, let stageTwoBound = outcome.bound {
            if problem.goal == .consolidate {
                finding.bound = max(state.goalBound ?? 0, (stageTwoBound - 1e-6).rounded(.up))
            } else {
                finding.bound = max(state.goalBound ?? 0, stageTwoBound - MIPModel.coneTolerance)
            }
        }
        // Within the cone tolerance and gap of a proven optimum, a better greedy plan is one too.
        finding.plan = greedyIsValid && state.greedyScore.isBetter(than: score)
            ? .greedy : .found(placement: found.placement, secondaries: found.secondaries)
        return finding
    }

    /// Whether the model's size from counts fits the time left: one that cannot be solved in it,
    /// or that would pass `memoryLimit`, is not built (the best plan so far stands). GLPK's LP
    /// work grows with rows x columns and is not interruptible while scaling and presolving.
    /// Rows are at least the items, so the columns counted stop at the budget over that.
    static func estimateFits(_ state: ExactSearchState, deadline: ContinuousClock.Instant) -> Bool {
        let problem = state.problem
        var itemFloor = 0
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            let g = problem.vmGroup[v]
            if g < 0 || problem.groups[Int(g)].first(where: { problem.vmActive[Int($0)] }) == Int32(v) { itemFloor += 1 }
        }
        let workBudget = ExactSolver.workPerSecond * state.remaining()
        let columnLimit = Int(min(ExactSolver.estimateSlack * workBudget / Double(max(1, itemFloor)), 1e12))
        guard let estimate = PlacementFormulation.estimate(problem, columnLimit: columnLimit, deadline: deadline) else { return false }
        return estimate.work <= ExactSolver.estimateSlack * workBudget && estimate.bytes <= ExactSolver.memoryLimit
    }

    /// Stage 1: the weighted penalty sum minimised from the greedy plan's values (`incumbent`),
    /// for half the time left; nil when GLPK found no solution. Adds its nodes and whether the
    /// clock cut it to `finding`.
    static func stageOne(_ formulation: PlacementFormulation, weights: [Double], incumbent: [Double]?,
                         state: ExactSearchState, finding: inout ExactFinding) -> StageOne? {
        var model = formulation.model
        model.clearCosts()
        model.cone = nil
        for (column, weight) in formulation.penaltyTerms(weights) { model.addCost(column, weight) }
        let outcome = GLPKBackend.solve(model, timeLimit: state.remaining() / 2, incumbent: incumbent)
        finding.nodes += outcome.nodes
        if outcome.status == .feasible || outcome.status == .noSolution { finding.timeCut = true }
        guard let values = outcome.values, let objective = outcome.objective else { return nil }
        return StageOne(penaltyCap: objective.rounded(), proven: outcome.status == .optimal, plan: formulation.placement(from: values))
    }

    /// Stage 2's model: the level-3 cost, with the weighted penalty held at most at
    /// `penaltyCap`.
    static func stageTwoModel(_ formulation: PlacementFormulation, weights: [Double], penaltyCap: Double) -> MIPModel {
        var model = formulation.model
        model.clearCosts()
        for (column, cost) in formulation.cost { model.addCost(column, cost) }
        let penalty = formulation.penaltyTerms(weights)
        if !penalty.isEmpty { model.addRow(penalty, upper: penaltyCap + 0.5) }
        return model
    }

    /// Column values of the stage-2 incumbent candidates the model can represent: the greedy
    /// plan, the stage-1 plan and the best plan of the strategies before.
    static func candidates(_ formulation: PlacementFormulation, state: ExactSearchState,
                           stageOne: (placement: [Int32], secondaries: [Int32])?) -> [[Double]] {
        var candidates: [[Double]] = []
        let greedy = state.greedy
        if let values = formulation.values(placement: greedy.placement, secondaries: greedy.secondaries) { candidates.append(values) }
        if let stageOne, let values = formulation.values(placement: stageOne.placement, secondaries: stageOne.secondaries) {
            candidates.append(values)
        }
        if let best = state.best, let values = formulation.values(placement: best.placement, secondaries: best.secondaries) {
            candidates.append(values)
        }
        return candidates
    }
}
