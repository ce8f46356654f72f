@_spi(Benchmarks) import DRSModel

/// Constructive placement heuristics with the semantics of `GreedySolver`'s placement phase:
/// running VMs stay where they may; only mandatory items move (new VMs, restarts, VMs on hosts
/// that cannot keep them or that break hard rules), highest priority class first and, within a
/// class, by decreasing size; an affinity group is one item; anti-affinity, vmHost rules and FT
/// separation act as masks; admission control holds for new VMs; no running VM is evicted.
/// With an empty (initial-placement) snapshot and goal `consolidate` these are vector bin
/// packing heuristics.
///
/// - `ffd-l2`, `ffd-sum`, `ffd-max`: first fit decreasing, sizes being the L2 norm, the sum
///   weighted by the average demand, or the largest component of the demand normalised by
///   the average host limit. First fit follows the lane order: hosts running VMs, then empty
///   connected hosts, then standby hosts. O(items log items + items x R log H) typical.
/// - `dot-product`: best fit by the dot product of the normalised demand and the residual
///   capacity after placement: smallest on an open host for `consolidate` (tightest, aligned
///   fit; an empty host only when no open host fits), largest for `balance`. O(items x H x R / 8).
/// - `least-loaded`: the host whose smallest remaining fraction of capacity after placement
///   is largest (standby hosts last). O(items x H x R / 8).
///
/// Items with soft rules, and any item the vector scan cannot settle, take an exact O(H)
/// scan that ranks hosts by added soft violations first. What the rule leaves unplaced is then
/// repaired (`HostEmptying.repairUnplaced`: repack of the VMs not running yet, insertion and
/// ejection chains), within the time limit.
public struct ConstructiveSolver: PlacementSolver {
    /// The placement rule; its raw value is the solver's id (see the list above).
    public enum Rule: String, Sendable, CaseIterable {
        case ffdL2 = "ffd-l2"
        case ffdSum = "ffd-sum"
        case ffdMax = "ffd-max"
        case dotProduct = "dot-product"
        case leastLoaded = "least-loaded"

        var isFirstFit: Bool { self == .ffdL2 || self == .ffdSum || self == .ffdMax }
    }

    /// The rule this solver runs.
    public let rule: Rule
    /// The rule's raw value, e.g. `ffd-l2`.
    public var id: String { rule.rawValue }

    /// A solver that places by `rule`.
    public init(_ rule: Rule) { self.rule = rule }

    /// Places the mandatory items by the rule, then repairs what is left unplaced within
    /// `options.timeLimit`; `options.seed` seeds the repair. Never throws.
    public func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
        let clock = ContinuousClock()
        let start = clock.now
        var run = ConstructiveRun(problem: problem, rule: rule)
        run.placePending()
        // Level 1 of the score first: what the rule left unplaced is repaired (repack, ejection chains).
        let repaired = HostEmptying.repairUnplaced(problem, state: run.state, movePriority: run.movePriority, reasons: run.reasons,
                                                   seed: options.seed, deadline: options.deadline(from: start))
        var result = SolverResult(status: .feasible, placement: repaired.state.placement, secondaries: repaired.state.secondaries,
                                  movePriority: repaired.movePriority, reasons: repaired.reasons)
        result.deadlineReached = repaired.deadlineReached
        result.seconds = (clock.now - start).seconds
        return result
    }
}

/// One run of a constructive heuristic; `LocalSearchSolver` continues from its state.
struct ConstructiveRun {
    let problem: Problem
    let rule: ConstructiveSolver.Rule
    var state: PlacementState
    var movePriority: [UInt8]
    var reasons: [Int: String] = [:]
    var pending: [[Int]]
    var pendingSecondaries: [Int]
    var index: ResidualIndex
    /// Per lane (resource-major, like the residuals): the factor of each score term.
    var scale: [Float]
    /// Per lane: compared before the score (keeps empty and standby hosts for last).
    var bonus: [Float]
    /// Per resource: 1 / average limit of receiving hosts (0 when that average is 0).
    let normalizer: [Double]
    /// Per small allowed-host set (a hard vmHost restriction to at most 1/16 of the hosts):
    /// its hosts' lane positions, ascending. A VM restricted to one is scanned over those
    /// hosts only; the choice is the one a scan of every host makes, as every other host
    /// fails `canPlace`.
    var restrictedLanes: [Int32: [Int32]] = [:]

    static let emptyPenalty = -1e9
    static let standbyPenalty = -2e9

    init(problem: Problem, rule: ConstructiveSolver.Rule) {
        self.problem = problem
        self.rule = rule
        var greedy = GreedyRun(problem: problem)
        greedy.removeMandatory()
        state = greedy.state
        movePriority = greedy.movePriority
        pending = greedy.pending
        pendingSecondaries = greedy.pendingSecondaries
        let R = problem.resourceCount, H = problem.hostCount
        let receiving = (0..<H).filter { problem.hostReceives[$0] }
        var normalizer = [Double](repeating: 0, count: R)
        for r in 0..<R {
            let total = receiving.reduce(0.0) { $0 + Double(problem.limit($1, r)) }
            normalizer[r] = total > 0 ? Double(receiving.count) / total : 0
        }
        self.normalizer = normalizer
        let state = self.state
        let order = receiving.filter { problem.hostState[$0] == .connected && state.residents[$0] > 0 }
            + receiving.filter { problem.hostState[$0] == .connected && state.residents[$0] == 0 }
            + receiving.filter { problem.hostState[$0] != .connected }
        index = ResidualIndex(problem: problem, order: order, normalizer: normalizer,
                              residualOf: { h, r in problem.limit(h, r) - state.load[r * H + h] },
                              open: { problem.hostReceives[$0] })
        let L = index.laneCount
        for set in Int32(0)..<Int32(problem.allowedSets.count) {
            let words = problem.allowedSets[Int(set)].words
            guard words.reduce(0, { $0 + $1.nonzeroBitCount }) * 16 <= H else { continue }
            var lanes: [Int32] = []
            for (w, word) in words.enumerated() {
                var bits = word
                while bits != 0 {
                    let h = w * 64 + bits.trailingZeroBitCount
                    bits &= bits - 1
                    if h < H && index.hostPosition[h] >= 0 { lanes.append(index.hostPosition[h]) }
                }
            }
            restrictedLanes[set] = lanes.sorted()
        }
        scale = [Float](repeating: 0, count: R * L)
        bonus = [Float](repeating: 0, count: L)
        for h in 0..<H {
            let p = Int(index.hostPosition[h])
            for r in 0..<R {
                if rule == .leastLoaded {
                    let capacity = problem.hostCapacity[r * H + h]
                    scale[r * L + p] = capacity > 0 ? Float(1 / (capacity * Units.scale)) : 0
                } else {
                    scale[r * L + p] = Float(normalizer[r])
                }
            }
            bonus[p] = bonusValue(h)
        }
    }

    /// Bonus of host `h`: 0, or a penalty that ranks it after every host with a larger one.
    func bonusValue(_ h: Int) -> Float {
        guard state.residents[h] == 0 else { return 0 }
        if problem.hostState[h] == .standby { return Float(Self.standbyPenalty) }
        return problem.goal == .consolidate ? Float(Self.emptyPenalty) : 0
    }

    /// Brings the lanes, tree and bonus of host `h` up to date with `state`. O(R log H).
    mutating func touch(_ h: Int) {
        if problem.hostReceives[h] {
            let H = problem.hostCount
            for r in 0..<problem.resourceCount { index.setResidual(h, r, problem.limit(h, r) - state.load[r * H + h]) }
        }
        index.refresh(h)
        bonus[Int(index.hostPosition[h])] = bonusValue(h)
    }

    func totalDemand(_ members: [Int]) -> [Int64] {
        var demand = [Int64](repeating: 0, count: problem.resourceCount)
        for v in members { for r in 0..<problem.resourceCount { demand[r] += problem.demand(v, r) } }
        return demand
    }

    /// The score coefficients for a demand (see `ResidualKernel.bestLane`).
    func coefficients(_ demand: [Int64]) -> [Float] {
        if rule == .leastLoaded { return [Float](repeating: 1, count: demand.count) }
        let sign: Double = problem.goal == .consolidate ? -1 : 1
        return demand.indices.map { Float(sign * Double(demand[$0]) * normalizer[$0]) }
    }

    var combine: ResidualKernel.Combine { rule == .leastLoaded ? .minimum : .sum }

    /// Bonus and score of host `h` for `demand` (the formula of `ResidualKernel.bestLane`, for
    /// the exact scan).
    func score(_ h: Int, _ demand: [Int64], _ coefficient: [Float]) -> (bonus: Float, score: Float) {
        let L = index.laneCount, p = Int(index.hostPosition[h])
        var combined: Float = 0
        for r in 0..<demand.count {
            let term = coefficient[r] * (scale[r * L + p] * (Float(index.residual[r * L + p]) - Float(demand[r])))
            if r == 0 { combined = term } else if combine == .sum { combined = combined + term } else if term < combined { combined = term }
        }
        return (bonus[p], combined)
    }

    /// Size of an item under the rule, from its normalised demand; `average` is the mean
    /// normalised demand per resource (for `ffd-sum`).
    func size(_ demand: [Int64], average: [Double]) -> Double {
        var total = 0.0
        for r in 0..<demand.count {
            let x = Double(demand[r]) * normalizer[r]
            switch rule {
            case .ffdSum: total += average[r] * x
            case .ffdMax: total = max(total, x)
            default: total += x * x
            }
        }
        return rule == .ffdSum || rule == .ffdMax ? total : total.squareRoot()
    }

    // MARK: Placement

    /// Places the pending items, then the pending FT secondaries.
    mutating func placePending() {
        let R = problem.resourceCount
        let count = pending.count
        // Item demands, flat: demands[i * R + r].
        var demands = [Int64](repeating: 0, count: count * R)
        var priorities = [UInt64](repeating: 4, count: count)
        var average = [Double](repeating: 0, count: R)
        for i in 0..<count {
            for v in pending[i] {
                priorities[i] = min(priorities[i], UInt64(problem.vmPriority[v]))
                for r in 0..<R { demands[i * R + r] += problem.demand(v, r) }
            }
            for r in 0..<R { average[r] += Double(demands[i * R + r]) * normalizer[r] }
        }
        if count > 0 { for r in 0..<R { average[r] /= Double(count) } }
        var demand = [Int64](repeating: 0, count: R)
        var sizes = [Double](repeating: 0, count: count)
        for i in 0..<count {
            for r in 0..<R { demand[r] = demands[i * R + r] }
            sizes[i] = size(demand, average: average)
        }
        // Key: priority class, then size decreasing (quantised to 32 bits), then item index.
        let largest = max(sizes.max() ?? 1, 1e-300)
        var keys = [(UInt64, Int32)](repeating: (0, 0), count: count)
        for i in 0..<count {
            let quantised = min(UInt64((sizes[i] / largest * Double(UInt32.max)).rounded()), UInt64(UInt32.max))
            keys[i] = ((priorities[i] << 32) | (UInt64(UInt32.max) - quantised), Int32(i))
        }
        keys.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var ledger = AdmissionLedger(problem: problem, pending: pending, pendingSecondaries: pendingSecondaries)
        for (_, i) in keys {
            let members = pending[Int(i)]
            if !ledger.admits(members, state: state) {
                for v in members { reasons[v] = "admission control: placing it would leave too little spare capacity to restart the VMs of \(problem.snapshot.cluster.ha?.hostFailuresToTolerate ?? 0) failed host(s)" }
                continue
            }
            for r in 0..<R { demand[r] = demands[Int(i) * R + r] }
            if let h = host(for: members, demand: demand) {
                for v in members { state.assign(v, to: h) }
                ledger.placed(members)
                touch(h)
            } else {
                let reason = state.unplacedReason(members)
                for v in members { reasons[v] = reason }
                ledger.notPlaced(members)
            }
        }
        pending = []
        if GreedyRun.settlePrimaries(&state, reasons: &reasons) {
            for h in 0..<problem.hostCount { touch(h) }
        }
        let order = pendingSecondaries.sorted { problem.vmPriority[$0] != problem.vmPriority[$1] ? problem.vmPriority[$0] < problem.vmPriority[$1] : $0 < $1 }
        for v in order where state.placement[v] >= 0 {
            if let h = secondaryHost(for: v) {
                state.assignSecondary(v, to: h)
                touch(h)
            } else {
                reasons[v] = problem.unprotectedReason(v)
            }
        }
        pendingSecondaries = []
        if GreedyRun.settleSecondaries(&state, reasons: &reasons) {
            for h in 0..<problem.hostCount { touch(h) }
        }
    }

    /// A host for the unplaced primaries `members` under the rule, or nil when none can take them.
    func host(for members: [Int], demand: [Int64]) -> Int? {
        // A local function, not a closure value: it borrows the run instead of copying it.
        func soft(_ h: Int) -> Int { members.reduce(0) { $0 + state.softDelta($1, on: h) } }
        if let lanes = smallestRestriction(members) {
            return exactScan(demand: demand, soft: soft, can: { state.canPlace(members, on: $0) }, positions: lanes)
        }
        let constrained = members.contains { !problem.vmSoftRules[$0].isEmpty }
        if !constrained {
            if rule.isFirstFit {
                return index.firstFit(demand) { state.canPlace(members, on: $0) }
            }
            if let found = index.best(demand, scale: scale, bonus: bonus, coefficient: coefficients(demand), combine: combine),
               state.canPlace(members, on: found.host) {
                return found.host
            }
        }
        return exactScan(demand: demand, soft: soft, can: { state.canPlace(members, on: $0) })
    }

    /// The smallest listed restriction among the members' allowed-host sets, if any.
    func smallestRestriction(_ members: [Int]) -> [Int32]? {
        var best: [Int32]?
        for v in members {
            let set = problem.vmAllowedSet[v]
            if set >= 0, let lanes = restrictedLanes[set], lanes.count < best?.count ?? Int.max { best = lanes }
        }
        return best
    }

    func secondaryHost(for v: Int) -> Int? {
        let demand = totalDemand([v])
        if rule.isFirstFit {
            return index.firstFit(demand) { state.canPlaceSecondary(v, on: $0) }
        }
        if let found = index.best(demand, scale: scale, bonus: bonus, coefficient: coefficients(demand), combine: combine),
           state.canPlaceSecondary(v, on: found.host) {
            return found.host
        }
        return exactScan(demand: demand, soft: { _ in 0 }, can: { state.canPlaceSecondary(v, on: $0) })
    }

    /// Every host in lane order (or the lane `positions` given, ascending): fewest added soft
    /// violations, then the rule's preference (lane order for first fit, the score otherwise).
    /// O(hosts scanned x (R + rules)).
    func exactScan(demand: [Int64], soft: (Int) -> Int, can: (Int) -> Bool, positions: [Int32]? = nil) -> Int? {
        let coefficient = coefficients(demand)
        var best: (soft: Int, bonus: Float, score: Float, host: Int)?
        /// Considers lane `p`; true when nothing later can beat it (first fit, no soft cost).
        func consider(_ p: Int) -> Bool {
            let h = Int(index.positionHost[p])
            guard h >= 0, can(h) else { return false }
            let violations = soft(h)
            // First fit: every host ranks the same, so the first in lane order wins.
            if rule.isFirstFit && violations == 0 { best = (0, 0, 0, h); return true }
            let value: (bonus: Float, score: Float) = rule.isFirstFit ? (0, 0) : score(h, demand, coefficient)
            if best == nil || violations < best!.soft
                || (violations == best!.soft && (value.bonus > best!.bonus || (value.bonus == best!.bonus && value.score > best!.score))) {
                best = (violations, value.bonus, value.score, h)
            }
            return false
        }
        if let positions {
            for p in positions where consider(Int(p)) { break }
        } else {
            for p in 0..<index.laneCount where consider(p) { break }
        }
        return best?.host
    }


    func result() -> SolverResult {
        SolverResult(status: .feasible, placement: state.placement, secondaries: state.secondaries,
                     movePriority: movePriority, reasons: reasons)
    }
}
