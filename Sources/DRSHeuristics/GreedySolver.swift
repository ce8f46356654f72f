@_spi(Benchmarks) import DRSModel

/// A simple, correct baseline: keeps what may stay, places what must move (highest priority
/// first, largest first; affinity groups as one item), then improves the SPEC score with
/// single moves (`balance`) or host emptying (`consolidate`, `HostEmptying`) that pay for their
/// migration cost at the cluster's migration threshold.
///
/// Complexity: O(items x hosts x R) for placement; each improvement pass O(moves x hosts x R).
public struct GreedySolver: PlacementSolver {
    /// The plan's `solver` id and `--solver` name.
    public let id = "greedy"
    /// False: only the mandatory steps (what must move, moved), whatever the threshold.
    public let improves: Bool

    /// A greedy solver; `improves` false plans only the mandatory steps.
    public init(improves: Bool = true) {
        self.improves = improves
    }

    /// Places the mandatory items (the scan gets 40% of `options.timeLimit`, then first fit),
    /// repairs what is left unplaced, then improves the goal when `improves` and the migration
    /// threshold is above 1, all within the time limit. Never throws.
    public func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
        let clock = ContinuousClock()
        let start = clock.now
        var run = GreedyRun(problem: problem)
        run.removeMandatory()
        // The O(items x hosts) scan gets 40% of the time limit; what is left then goes by first fit.
        run.placeRemoved(until: options.deadline(from: start, fraction: 0.4))
        let deadline = options.deadline(from: start)
        // Level 1 of the score first: unplaced VMs are repaired before the goal is improved.
        let repaired = HostEmptying.repairUnplaced(problem, state: run.state, movePriority: run.movePriority, reasons: run.reasons,
                                                   seed: options.seed, deadline: deadline)
        (run.state, run.movePriority, run.reasons) = (repaired.state, repaired.movePriority, repaired.reasons)
        var deadlineReached = run.deadlineReached || repaired.deadlineReached
        if improves && problem.snapshot.cluster.migrationThreshold > 1 {
            if problem.goal == .balance {
                run.improveBalance(until: deadline)
            } else {
                run.improveConsolidation(until: deadline, seed: options.seed)
            }
        }
        deadlineReached = deadlineReached || run.deadlineReached || clock.now >= deadline
        var result = SolverResult(status: .feasible, placement: run.state.placement, secondaries: run.state.secondaries,
                                  movePriority: run.movePriority, reasons: run.reasons)
        result.deadlineReached = deadlineReached
        result.seconds = (clock.now - start).seconds
        return result
    }
}

extension Duration {
    /// The duration in seconds as a Double.
    package var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

struct GreedyRun {
    let problem: Problem
    var state: PlacementState
    var movePriority: [UInt8]
    var reasons: [Int: String] = [:]
    /// Items (a VM, or a required affinity group) waiting for a host.
    var pending: [[Int]] = []
    var pendingSecondaries: [Int] = []
    /// Whether a phase stopped, or fell back to first fit, because its deadline passed.
    var deadlineReached = false

    /// Average capacity of a host per resource (for `size`).
    let averageCapacity: [Double]

    init(problem: Problem) {
        self.problem = problem
        state = PlacementState.initial(problem)
        movePriority = [UInt8](repeating: 0, count: problem.vmCount)
        averageCapacity = (0..<problem.resourceCount).map { r in
            var capacity = 0.0
            for h in 0..<problem.hostCount { capacity += problem.hostCapacity[r * problem.hostCount + h] }
            return capacity / Double(max(1, problem.hostCount))
        }
    }

    /// The item a VM belongs to: its affinity group's active members, or itself.
    func item(of v: Int) -> [Int] {
        let g = problem.vmGroup[v]
        return g < 0 ? [v] : problem.groups[Int(g)].map { Int($0) }
    }

    /// Takes the item out to be placed again; a running member that finds no other host
    /// returns to its own (`PlacementState.lift`, `settlePrimaries`).
    mutating func lift(_ members: [Int]) {
        for v in members where state.placement[v] >= 0 { state.lift(v) }
        for v in members { movePriority[v] = 1 }
        pending.append(members)
    }

    /// Takes out every VM (or group) that cannot stay: new, restarting, on a host that cannot
    /// keep it, breaking a hard rule, or on an overloaded host; and every secondary that must
    /// be (re)created or moved.
    mutating func removeMandatory() {
        var lifted = [Bool](repeating: false, count: problem.vmCount)
        func liftItem(_ v: Int) {
            // `item(of:)` written out: a method call on the captured run would copy it.
            let g = problem.vmGroup[v]
            let members = g < 0 ? [v] : problem.groups[Int(g)].map { Int($0) }
            if members.contains(where: { lifted[$0] || problem.vmPinned[$0] }) { return }
            for m in members { lifted[m] = true }
            lift(members)
        }
        for v in 0..<problem.vmCount where problem.vmActive[v] && !problem.vmPinned[v] {
            let h = Int(problem.vmInitialHost[v])
            if h < 0 || problem.hostState[h] != .connected || !problem.allows(v, h) { liftItem(v) }
        }
        // Split affinity groups are re-placed whole (towards a pinned member's host if any).
        for group in problem.groups {
            let hosts = Set(group.map { state.placement[Int($0)] }.filter { $0 >= 0 })
            if hosts.count > 1, let first = group.first { liftItem(Int(first)) }
        }
        // Anti-affinity broken where the VMs run: keep one per host.
        for rule in problem.antiAffinity {
            var seen = Set<Int32>()
            for v in rule.map({ Int($0) }) where state.placement[v] >= 0 {
                if !seen.insert(state.placement[v]).inserted { liftItem(v) }
            }
        }
        // Overloaded hosts: lift the largest movable VMs until the host fits. The VMs of each
        // host, listed once (VMs only leave hosts here, so a host's list holds every VM still
        // on it, in increasing order): O(V + H x R) plus the sorts, not O(V) per host.
        let H = problem.hostCount, R = problem.resourceCount
        func over(_ h: Int) -> Bool { (0..<R).contains { state.load[$0 * H + h] > problem.limit(h, $0) } }
        var residents: [[Int]]?
        for h in 0..<H where over(h) {
            if residents == nil {
                var lists = [[Int]](repeating: [], count: H)
                for v in 0..<problem.vmCount where state.placement[v] >= 0 { lists[Int(state.placement[v])].append(v) }
                residents = lists
            }
            let here = residents![h].filter { state.placement[$0] == Int32(h) && !problem.vmPinned[$0] }
                .sorted { size($0) > size($1) }
            for v in here where over(h) { liftItem(v) }
        }
        // Secondaries: to create, on a host that cannot keep them, beside their primary, or
        // on a host still over capacity once the lifted VMs are counted out.
        for v in 0..<problem.vmCount where problem.vmIsFT[v] {
            let s = Int(state.secondaries[v])
            if s < 0 {
                pendingSecondaries.append(v)
            } else if problem.hostState[s] != .connected || problem.vmInitialHost[v] == Int32(s) || over(s) {
                state.liftSecondary(v)
                pendingSecondaries.append(v)
            }
        }
    }

    /// Ends the placement of lifted items (`PlacementState.settleLiftedPrimaries`): a running
    /// VM that found no other host stays where it runs, with no reason to be unplaced; a new or
    /// restarting VM that had to make way for it is unplaced, saying why.
    mutating func settlePrimaries() {
        Self.settlePrimaries(&state, reasons: &reasons)
    }

    /// The same for lifted secondaries: one with no other host stays where it runs.
    mutating func settleSecondaries() {
        Self.settleSecondaries(&state, reasons: &reasons)
    }

    /// `settlePrimaries` for any placement heuristic's state and reasons; returns whether any
    /// lifted VM went back (loads changed beyond what the heuristic placed).
    @discardableResult
    static func settlePrimaries(_ state: inout PlacementState, reasons: inout [Int: String]) -> Bool {
        let lifted = state.liftedPrimary
        let unplaced = state.settleLiftedPrimaries()
        return noteSettled(lifted: lifted, now: state.placement, unplaced: unplaced, reasons: &reasons)
    }

    @discardableResult
    static func settleSecondaries(_ state: inout PlacementState, reasons: inout [Int: String]) -> Bool {
        let lifted = state.liftedSecondary
        let unplaced = state.settleLiftedSecondaries()
        return noteSettled(lifted: lifted, now: state.secondaries, unplaced: unplaced, reasons: &reasons)
    }

    /// Reasons after settling lifted VMs (primaries or secondaries): one back where it was lifted
    /// from needs none; one that found no room gets the reason. Whether any went back.
    private static func noteSettled<Unplaced: Sequence>(lifted: [Int32], now: [Int32], unplaced: Unplaced,
                                                        reasons: inout [Int: String]) -> Bool where Unplaced.Element == Int {
        var returned = false
        for v in lifted.indices where lifted[v] >= 0 && now[v] == lifted[v] {
            reasons[v] = nil
            returned = true
        }
        for v in unplaced {
            reasons[v] = "no room left: a running VM that no other host can take stays on the host this placement chose"
        }
        return returned
    }

    /// Demand relative to the cluster's average host capacity, summed over resources.
    func size(_ v: Int) -> Double {
        var total = 0.0
        for r in 0..<problem.resourceCount where averageCapacity[r] > 0 {
            total += Double(problem.demand(v, r)) / Units.scale / averageCapacity[r]
        }
        return total
    }

    /// Places pending items highest priority first, then largest first; then secondaries.
    /// Each item scans every host (`bestHost`); once `deadline` has passed, the items and
    /// secondaries left go by first fit over a residual index (O(R log H) each) instead.
    mutating func placeRemoved(until deadline: ContinuousClock.Instant? = nil) {
        let clock = ContinuousClock()
        var fallback: ResidualIndex?
        func checkClock(_ position: Int) {
            guard fallback == nil, let deadline, position & 15 == 0, clock.now >= deadline else { return }
            deadlineReached = true
            fallback = firstFitIndex()
        }
        func place(_ members: [Int], secondary: Bool) -> Int? {
            guard var index = fallback else {
                return secondary ? bestSecondaryHost(for: members[0]) : bestHost(for: members)
            }
            var demand = [Int64](repeating: 0, count: problem.resourceCount)
            for v in members { for r in 0..<problem.resourceCount { demand[r] += problem.demand(v, r) } }
            let found = index.firstFit(demand) { secondary ? state.canPlaceSecondary(members[0], on: $0) : state.canPlace(members, on: $0) }
            if let found {
                let H = problem.hostCount
                for r in 0..<problem.resourceCount {
                    index.setResidual(found, r, problem.limit(found, r) - state.load[r * H + found] - demand[r])
                }
                index.refresh(found)
            }
            fallback = index
            return found
        }
        let sizes = pending.map { $0.reduce(0.0) { $0 + size($1) } }
        let order = pending.indices.sorted { a, b in
            let pa = pending[a].map { problem.vmPriority[$0] }.min()!, pb = pending[b].map { problem.vmPriority[$0] }.min()!
            return pa != pb ? pa < pb : (sizes[a] != sizes[b] ? sizes[a] > sizes[b] : a < b)
        }
        var ledger = AdmissionLedger(problem: problem, pending: pending, pendingSecondaries: pendingSecondaries)
        for (position, index) in order.enumerated() {
            checkClock(position)
            let members = pending[index]
            if !ledger.admits(members, state: state) {
                for v in members { reasons[v] = "admission control: placing it would leave too little spare capacity to restart the VMs of \(problem.snapshot.cluster.ha?.hostFailuresToTolerate ?? 0) failed host(s)" }
                continue
            }
            if let h = place(members, secondary: false) {
                for v in members { state.assign(v, to: h) }
                ledger.placed(members)
            } else {
                for v in members { reasons[v] = state.unplacedReason(members) }
                ledger.notPlaced(members)
            }
        }
        pending = []
        settlePrimaries()
        let secondaryOrder = pendingSecondaries.sorted { problem.vmPriority[$0] != problem.vmPriority[$1] ? problem.vmPriority[$0] < problem.vmPriority[$1] : $0 < $1 }
        for (position, v) in secondaryOrder.enumerated() where state.placement[v] >= 0 {
            checkClock(position)
            if let host = place([v], secondary: true) {
                state.assignSecondary(v, to: host)
            } else {
                reasons[v] = problem.unprotectedReason(v)
            }
        }
        pendingSecondaries = []
        settleSecondaries()
    }

    /// Lower is better: (host-state penalty + goal measure, soft violations).
    func hostKey(_ members: [Int], _ h: Int) -> (Double, Int) {
        let H = problem.hostCount
        let standbyPenalty = problem.hostState[h] == .standby && state.residents[h] == 0 ? 1000.0 : 0
        var measure = 0.0
        if problem.goal == .balance {
            var worst = 0.0
            for r in 0..<problem.resourceCount {
                let capacity = problem.hostCapacity[r * H + h]
                guard capacity > 0 else { continue }
                var after = state.load[r * H + h]
                for v in members { after += problem.demand(v, r) }
                worst = max(worst, Double(after) / Units.scale / capacity)
            }
            measure = worst
        } else {
            // Best fit among open hosts; a closed host costs one whole host.
            var slack = 0.0
            for r in 0..<problem.resourceCount {
                let limit = problem.limit(h, r)
                guard limit > 0 else { continue }
                var after = state.load[r * H + h]
                for v in members { after += problem.demand(v, r) }
                slack += Double(limit - after) / Double(limit)
            }
            measure = (state.residents[h] == 0 ? 10 : 0) + slack / Double(problem.resourceCount)
        }
        let soft = members.reduce(0) { $0 + state.softDelta($1, on: h) }
        return (Double(soft) * 1e6 + standbyPenalty + measure, h)
    }

    func bestSecondaryHost(for v: Int) -> Int? {
        var best: (key: (Double, Int), host: Int)?
        for h in 0..<problem.hostCount where state.canPlaceSecondary(v, on: h) {
            let key = hostKey([v], h)
            if best == nil || key < best!.key { best = (key, h) }
        }
        return best?.host
    }

    /// A first-fit index over the receiving hosts as loaded now: running hosts, then empty
    /// connected hosts, then standby hosts.
    func firstFitIndex() -> ResidualIndex {
        let problem = self.problem, state = self.state
        let H = problem.hostCount, R = problem.resourceCount
        let receiving = (0..<H).filter { problem.hostReceives[$0] }
        let normalizer = (0..<R).map { r -> Double in
            let total = receiving.reduce(0.0) { $0 + Double(problem.limit($1, r)) }
            return total > 0 ? Double(receiving.count) / total : 0
        }
        let order = receiving.filter { problem.hostState[$0] == .connected && state.residents[$0] > 0 }
            + receiving.filter { problem.hostState[$0] == .connected && state.residents[$0] == 0 }
            + receiving.filter { problem.hostState[$0] != .connected }
        return ResidualIndex(problem: problem, order: order, normalizer: normalizer,
                             residualOf: { h, r in problem.limit(h, r) - state.load[r * H + h] },
                             open: { problem.hostReceives[$0] })
    }

    func bestHost(for members: [Int]) -> Int? {
        var best: (key: (Double, Int), host: Int)?
        for h in 0..<problem.hostCount where state.canPlace(members, on: h) {
            let key = hostKey(members, h)
            if best == nil || key < best!.key { best = (key, h) }
        }
        return best?.host
    }


    // MARK: Improvement

    mutating func improveBalance(until deadline: ContinuousClock.Instant) {
        let H = problem.hostCount, R = problem.resourceCount
        let counted = (0..<H).filter { problem.hostState[$0] == .connected }
        guard counted.count > 1 else { return }
        var mean = [Double](repeating: 0, count: R)
        for r in 0..<R {
            var loadTotal = 0.0, capacityTotal = 0.0
            for h in counted {
                loadTotal += Double(state.load[r * H + h]) / Units.scale
                capacityTotal += problem.hostCapacity[r * H + h]
            }
            mean[r] = capacityTotal > 0 ? loadTotal / capacityTotal : 0
        }
        let terms = Double(counted.count * R)
        func deviation(_ h: Int) -> Double {
            var total = 0.0
            for r in 0..<R where problem.hostCapacity[r * H + h] > 0 {
                let d = state.utilization(h, r) - mean[r]
                total += d * d
            }
            return total
        }
        var sum = counted.reduce(0.0) { $0 + deviation($1) }
        let threshold = problem.snapshot.cluster.migrationThreshold
        let clock = ContinuousClock()
        var iterations = 0
        let maximumIterations = 4 * problem.vmCount + 100
        while iterations < maximumIterations && clock.now < deadline {
            iterations += 1
            // Hosts above the mean, most loaded first; targets below, least loaded first.
            let signed = counted.map { h -> (Int, Double) in
                var total = 0.0
                for r in 0..<R { total += state.utilization(h, r) - mean[r] }
                return (h, total)
            }
            let sources = signed.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.prefix(3).map(\.0)
            let targets = signed.sorted { $0.1 < $1.1 }.prefix(16).map(\.0)
            var best: (gain: Double, v: Int, to: Int, priority: Int, newSum: Double)?
            let before = (sum / terms).squareRoot()
            for source in sources {
                for v in 0..<problem.vmCount where state.placement[v] == Int32(source) && !problem.vmPinned[v]
                    && problem.vmGroup[v] < 0 && movePriority[v] != 1 {
                    for target in targets where target != source {
                        // Evaluate the move v: source -> target.
                        var newSum = sum - deviation(source) - deviation(target)
                        state.unassign(v)
                        let feasible = state.canPlace([v], on: target) && state.softDelta(v, on: target) <= state.softDelta(v, on: source)
                        if feasible {
                            state.assign(v, to: target)
                            newSum += deviation(source) + deviation(target)
                            state.unassign(v)
                        }
                        state.assign(v, to: source)
                        guard feasible else { continue }
                        let after = (max(0, newSum) / terms).squareRoot()
                        let benefit = before - after
                        guard benefit > 1e-12 else { continue }
                        let seconds = LocalSearch.secondsDelta(problem, v, from: source, to: target)
                        let priority = seconds <= 0 ? 2 : MigrationCost.priority(goal: .balance, benefit: benefit, seconds: seconds)
                        guard priority <= threshold else { continue }
                        let gain = benefit - problem.lambda * seconds
                        if best == nil || gain > best!.gain { best = (gain, v, target, priority, newSum) }
                    }
                }
            }
            guard let move = best else { break }
            state.unassign(move.v)
            state.assign(move.v, to: move.to)
            sum = counted.reduce(0.0) { $0 + deviation($1) }
            movePriority[move.v] = Int(problem.vmInitialHost[move.v]) == move.to ? 0 : UInt8(move.priority)
        }
    }

    /// Empties running hosts whose VMs fit elsewhere (`HostEmptying`).
    mutating func improveConsolidation(until deadline: ContinuousClock.Instant, seed: UInt64) {
        var emptying = HostEmptying(problem: problem, state: state, movePriority: movePriority, seed: seed, deadline: deadline)
        emptying.run()
        state = emptying.state
        movePriority = emptying.movePriority
        reasons = HostEmptying.settled(reasons, state)
        deadlineReached = deadlineReached || emptying.deadlineReached
    }
}
