@_spi(Benchmarks) import DRSModel

extension ExactSolver {
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
        var grading = MoveGrading(problem: problem, placement: placement, secondaries: secondaries)
        var priorities = [UInt8](repeating: 0, count: problem.vmCount)
        var optional: [Int] = []
        for v in 0..<problem.vmCount {
            let (primary, secondary) = grading.moves(v)
            guard primary || secondary else { continue }
            if problem.isMandatory(v) || grading.threshold <= 1 || greedy.movePriority[v] == 1 { priorities[v] = 1 } else { optional.append(v) }
        }
        guard !optional.isEmpty else { return priorities }
        grading.measureTarget()
        switch problem.goal {
        case .balance: grading.gradeBalance(optional, &priorities)
        case .consolidate: grading.gradeConsolidate(optional, &priorities)
        }
        return priorities
    }

    /// Why each active VM the plan leaves unplaced or unprotected is so.
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

/// The grading of a target's optional moves for `ExactSolver.movePriorities`, from the target's
/// loads (`measureTarget`).
struct MoveGrading {
    let problem: Problem
    let placement: [Int32]
    let secondaries: [Int32]
    let threshold: Int
    /// Loads of the target, per host and resource (milli-units), and the VMs and secondaries on
    /// each host.
    var load: [Int64] = []
    var residents: [Int] = []
    /// The target's graded soft-rule violations.
    var softViolations = 0
    /// The target with one VM's primary put back while it is graded (else the target).
    var reverted: [Int32]

    init(problem: Problem, placement: [Int32], secondaries: [Int32]) {
        self.problem = problem
        self.placement = placement
        self.secondaries = secondaries
        threshold = problem.snapshot.cluster.migrationThreshold
        reverted = placement
    }

    /// Whether the target moves VM `v`'s primary and its FT secondary.
    func moves(_ v: Int) -> (primary: Bool, secondary: Bool) {
        guard problem.vmActive[v], placement[v] >= 0 else { return (false, false) }
        let primary = placement[v] != problem.vmInitialHost[v]
        let secondary = problem.vmIsFT[v] && secondaries[v] >= 0 && secondaries[v] != problem.vmInitialSecondary[v]
        return (primary, secondary)
    }

    /// The priority of a move of this benefit and these migration seconds, within 2 ...
    /// threshold.
    func grade(benefit: Double, seconds: Double) -> UInt8 {
        let priority = seconds <= 0 ? 2 : MigrationCost.priority(goal: problem.goal, benefit: benefit, seconds: seconds)
        return UInt8(max(2, min(priority, threshold)))
    }

    /// Migration seconds of VM `v`'s moves.
    func seconds(_ v: Int) -> Double {
        let (primary, secondary) = moves(v)
        return (primary && problem.vmInitialHost[v] >= 0 ? problem.vmMigration[v].seconds : 0)
            + (secondary && problem.vmInitialSecondary[v] >= 0 ? problem.vmMigration[v].seconds : 0)
    }

    /// The target's loads, residents and soft violations. O(V x R + rules).
    mutating func measureTarget() {
        let H = problem.hostCount, R = problem.resourceCount
        load = [Int64](repeating: 0, count: H * R)
        residents = [Int](repeating: 0, count: H)
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            for h in [placement[v], problem.vmIsFT[v] ? secondaries[v] : -1] where h >= 0 {
                residents[Int(h)] += 1
                for r in 0..<R { load[r * H + Int(h)] += problem.demand(v, r) }
            }
        }
        softViolations = Score.softViolations(problem, placement: placement)
    }

    /// Whether putting VM `v`'s primary back where it runs would add soft violations (a move a
    /// soft rule wants). O(rules).
    mutating func softRuleWants(_ v: Int) -> Bool {
        reverted[v] = problem.vmInitialHost[v]
        let softWorse = Score.softViolations(problem, placement: reverted) > softViolations
        reverted[v] = placement[v]
        return softWorse
    }

    /// The balance metric of the target as `Score.evaluate` computes it: the counted hosts, the
    /// mean utilisation per resource (unchanged by moving a VM between two counted hosts), and
    /// the number and sum of the squared deviations.
    struct BalanceMetric {
        var counted: [Bool]
        var mean: [Double]
        var terms = 0
        var sumSquares = 0.0
    }

    /// The target's `BalanceMetric`. O(H x R).
    func balanceMetric() -> BalanceMetric {
        let H = problem.hostCount, R = problem.resourceCount
        let counted = (0..<H).map { problem.hostState[$0] == .connected || (problem.hostState[$0] == .standby && residents[$0] > 0) }
        var metric = BalanceMetric(counted: counted, mean: [Double](repeating: 0, count: R))
        for r in 0..<R {
            var totalLoad = 0.0, totalCapacity = 0.0
            for h in 0..<H where counted[h] {
                totalLoad += Double(load[r * H + h]) / Units.scale
                totalCapacity += problem.hostCapacity[r * H + h]
            }
            guard totalCapacity > 0 else { continue }
            metric.mean[r] = totalLoad / totalCapacity
            for h in 0..<H where counted[h] && problem.hostCapacity[r * H + h] > 0 {
                let d = Double(load[r * H + h]) / Units.scale / problem.hostCapacity[r * H + h] - metric.mean[r]
                metric.sumSquares += d * d
                metric.terms += 1
            }
        }
        return metric
    }

    /// `balance`: each optional move graded by the imbalance it removes, that of the target with
    /// the VM back where it runs minus the target's; the threshold when a host it changes is not
    /// counted, 2 when a soft rule wants it.
    mutating func gradeBalance(_ optional: [Int], _ priorities: inout [UInt8]) {
        let metric = balanceMetric()
        guard metric.terms > 0 else { return }
        let imbalance = (metric.sumSquares / Double(metric.terms)).squareRoot()
        for v in optional {
            guard let delta = revertedDelta(v, metric) else {
                priorities[v] = UInt8(max(2, threshold))
                continue
            }
            let without = (max(0, metric.sumSquares + delta) / Double(metric.terms)).squareRoot()
            if moves(v).primary && !problem.vmSoftRules[v].isEmpty && softRuleWants(v) {
                priorities[v] = 2
                continue
            }
            priorities[v] = grade(benefit: without - imbalance, seconds: seconds(v))
        }
    }

    /// The change of the sum of squared deviations when VM `v`'s moves are undone (its primary
    /// from its target back to where it runs, and the same for its secondary); nil when it has
    /// no such move or one of its hosts is not counted. Two hosts change: O(R).
    func revertedDelta(_ v: Int, _ metric: BalanceMetric) -> Double? {
        let H = problem.hostCount, R = problem.resourceCount
        var changes: [(from: Int, to: Int)] = []
        let (primary, secondary) = moves(v)
        if primary && problem.vmInitialHost[v] >= 0 { changes.append((Int(placement[v]), Int(problem.vmInitialHost[v]))) }
        if secondary && problem.vmInitialSecondary[v] >= 0 { changes.append((Int(secondaries[v]), Int(problem.vmInitialSecondary[v]))) }
        guard !changes.isEmpty, changes.allSatisfy({ metric.counted[$0.from] && metric.counted[$0.to] }) else { return nil }
        func term(_ h: Int, _ r: Int, _ amount: Int64) -> Double {
            let capacity = problem.hostCapacity[r * H + h]
            guard metric.counted[h], capacity > 0 else { return 0 }
            let d = Double(amount) / Units.scale / capacity - metric.mean[r]
            return d * d
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
        return delta
    }

    /// `consolidate`: a move off a host the target empties is worth 1 host over the seconds of
    /// every move off that host (as `HostEmptying` grades an emptied host); any other the
    /// threshold; 2 when a soft rule wants it.
    mutating func gradeConsolidate(_ optional: [Int], _ priorities: inout [UInt8]) {
        var secondsOff = [Double](repeating: 0, count: problem.hostCount)
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
            if primary && !problem.vmSoftRules[v].isEmpty && softRuleWants(v) {
                priorities[v] = 2
                continue
            }
            var best = UInt8(max(2, threshold))
            for h in sources where residents[h] == 0 {
                best = min(best, grade(benefit: 1, seconds: secondsOff[h]))
            }
            priorities[v] = best
        }
    }
}
