@_spi(Benchmarks) import DRSModel

/// `bin-centric`: a constructive heuristic that goes host by host instead of item by item,
/// with the placement semantics of `ConstructiveSolver`: running VMs stay where they may; only
/// mandatory items move (`GreedyRun.removeMandatory`); an affinity group is one item;
/// anti-affinity, vmHost rules and FT separation act as masks (`PlacementState.canPlace`);
/// admission control holds for new VMs (`AdmissionLedger`); no running VM is evicted.
///
/// Priority classes are placed one after the other, highest first. Within a class, hosts are
/// opened in order (connected hosts running VMs, then empty connected hosts, then standby
/// hosts, each group by index) and the open host is filled with the largest remaining item
/// (L2 norm of the demand normalised by the average host limit) that it can take, until it
/// can take none; then the next host. A higher class never waits for a lower one, and an item
/// is left unplaced only when no host could take it when that host was filled (residuals
/// only shrink, so none can take it afterwards). Items with soft rules are placed first in
/// their class, each on the first host (in the same order) among those adding the fewest soft
/// violations. FT secondaries follow, highest priority first, by first fit in the same order.
/// It packs: with goal `balance` it is a valid but consolidating start. What is left unplaced
/// is then repaired (`HostEmptying.repairUnplaced`), within the time limit.
///
/// Complexity: O(items x (log items + R)) to sort and index, then per opened host one pass
/// over the remaining items of the class from the first whose norm is at most the host's
/// residual norm (binary search), stopped as soon as a per-resource suffix minimum of the
/// demands no longer fits: O(items x hosts-opened x R) in the worst case, much less when the
/// hosts fill up. Items with soft rules: O(H x (R + rules)) each; secondaries O(R log H) each.
public struct BinCentricSolver: PlacementSolver {
    /// The plan's `solver` id and `--solver` name.
    public let id = "bin-centric"

    /// The solver; it has no settings.
    public init() {}

    /// Fills host by host (60% of `options.timeLimit`), then repairs what is left unplaced
    /// within the rest; `options.seed` seeds the repair. Never throws.
    public func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
        let clock = ContinuousClock()
        let start = clock.now
        var run = BinCentricRun(problem: problem)
        // The host-by-host fill gets 60% of the time limit; what it has not reached by then is
        // left to the repair below, which places by best fit within the rest of the limit.
        run.placePending(until: options.deadline(from: start, fraction: 0.6))
        // Level 1 of the score first: what the fill left unplaced is repaired.
        let repaired = HostEmptying.repairUnplaced(problem, state: run.greedy.state, movePriority: run.greedy.movePriority,
                                                   reasons: run.greedy.reasons, seed: options.seed,
                                                   deadline: options.deadline(from: start))
        var result = SolverResult(status: .feasible, placement: repaired.state.placement, secondaries: repaired.state.secondaries,
                                  movePriority: repaired.movePriority, reasons: repaired.reasons)
        result.deadlineReached = run.deadlineReached || repaired.deadlineReached
        result.seconds = (clock.now - start).seconds
        return result
    }
}

/// One run of `BinCentricSolver`, on top of the state left by `GreedyRun.removeMandatory`.
struct BinCentricRun {
    let problem: Problem
    var greedy: GreedyRun
    /// Per resource: 1 / average limit of receiving hosts (0 when that average is 0).
    let normalizer: [Double]
    /// Receiving hosts in opening order.
    let order: [Int]

    init(problem: Problem) {
        self.problem = problem
        greedy = GreedyRun(problem: problem)
        greedy.removeMandatory()
        let R = problem.resourceCount, H = problem.hostCount
        let receiving = (0..<H).filter { problem.hostReceives[$0] }
        var normalizer = [Double](repeating: 0, count: R)
        for r in 0..<R {
            let total = receiving.reduce(0.0) { $0 + Double(problem.limit($1, r)) }
            normalizer[r] = total > 0 ? Double(receiving.count) / total : 0
        }
        self.normalizer = normalizer
        let residents = greedy.state.residents
        order = receiving.filter { problem.hostState[$0] == .connected && residents[$0] > 0 }
            + receiving.filter { problem.hostState[$0] == .connected && residents[$0] == 0 }
            + receiving.filter { problem.hostState[$0] != .connected }
    }

    static let deadlineReason = "the time limit ran out before a host was found for it"

    static func admissionReason(_ problem: Problem) -> String {
        "admission control: placing it would leave too little spare capacity to restart the VMs of \(problem.snapshot.cluster.ha?.hostFailuresToTolerate ?? 0) failed host(s)"
    }

    /// Places the pending items class by class, then the pending FT secondaries.
    /// Whether the fill stopped at its deadline before reaching every host.
    var deadlineReached = false

    /// Fills the hosts in `order`, each with the largest remaining items that fit, until
    /// `deadline` (checked every 16 hosts). O(H x scanned items) at worst.
    mutating func placePending(until deadline: ContinuousClock.Instant) {
        let R = problem.resourceCount
        let pending = greedy.pending
        var ledger = AdmissionLedger(problem: problem, pending: pending, pendingSecondaries: greedy.pendingSecondaries)
        var demands = [Int64](repeating: 0, count: pending.count * R)
        var sizes = [Double](repeating: 0, count: pending.count)
        var classes = [[Int]](repeating: [], count: 5)
        for (i, members) in pending.enumerated() {
            var priority = 4
            for v in members {
                priority = min(priority, Int(problem.vmPriority[v]))
                for r in 0..<R { demands[i * R + r] += problem.demand(v, r) }
            }
            var square = 0.0
            for r in 0..<R {
                let x = Double(demands[i * R + r]) * normalizer[r]
                square += x * x
            }
            sizes[i] = square.squareRoot()
            classes[min(max(priority, 0), 4)].append(i)
        }
        for items in classes where !items.isEmpty {
            placeClass(items, demands: demands, sizes: sizes, ledger: &ledger, until: deadline)
        }
        greedy.pending = []
        greedy.settlePrimaries()
        placeSecondaries()
    }

    /// Places one priority class: soft-constrained items first, then host by host.
    mutating func placeClass(_ items: [Int], demands: [Int64], sizes: [Double], ledger: inout AdmissionLedger,
                             until deadline: ContinuousClock.Instant) {
        let clock = ContinuousClock()
        let R = problem.resourceCount, H = problem.hostCount
        let pending = greedy.pending
        let constrained = items.filter { pending[$0].contains { !problem.vmSoftRules[$0].isEmpty } }
        for i in constrained {
            let members = pending[i]
            var best: (soft: Int, host: Int)?
            for h in order where greedy.state.canPlace(members, on: h) {
                let soft = members.reduce(0) { $0 + greedy.state.softDelta($1, on: h) }
                if best == nil || soft < best!.soft { best = (soft, h) }
                if soft == 0 { break }
            }
            guard let best else {
                release(members, ledger: &ledger)
                continue
            }
            if !ledger.admits(members, state: greedy.state) {
                for v in members { greedy.reasons[v] = Self.admissionReason(problem) }
                continue
            }
            for v in members { greedy.state.assign(v, to: best.host) }
            ledger.placed(members)
        }

        // The others, largest first (index breaks ties), in a fit tree: per host, the first
        // available item that fits the residual is found in O(R log n) when the tree prunes.
        let sorted = items.filter { i in !pending[i].contains { !problem.vmSoftRules[$0].isEmpty } }
            .sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        let count = sorted.count
        guard count > 0 else { return }
        var sortedDemands = [Int64](repeating: 0, count: count * R)
        for k in 0..<count { for r in 0..<R { sortedDemands[k * R + r] = demands[sorted[k] * R + r] } }
        var tree = ItemFitTree(demand: sortedDemands, count: count, resources: R)
        var available = [Bool](repeating: true, count: count)
        var remaining = count
        var residual = [Int64](repeating: 0, count: R)
        for h in order where remaining > 0 {
            if clock.now >= deadline {
                deadlineReached = true
                break
            }
            for r in 0..<R { residual[r] = problem.limit(h, r) - greedy.state.load[r * H + h] }
            // The next candidate is the first available item that fits; one the rules keep off
            // this host is set aside until the host is full (the residual only shrinks, so an
            // item passed over never fits this host later).
            var masked: [Int] = []
            defer { for k in masked { tree.set(k, available: true) } }
            while let k = tree.firstFitting(residual) {
                let members = pending[sorted[k]]
                guard greedy.state.canPlace(members, on: h) else {
                    tree.set(k, available: false)
                    masked.append(k)
                    continue
                }
                tree.set(k, available: false)
                available[k] = false
                remaining -= 1
                if ledger.admits(members, state: greedy.state) {
                    for v in members { greedy.state.assign(v, to: h) }
                    ledger.placed(members)
                    for r in 0..<R { residual[r] -= sortedDemands[k * R + r] }
                } else {
                    for v in members { greedy.reasons[v] = Self.admissionReason(problem) }
                }
            }
        }
        // What is left fits nowhere (or was not reached before the deadline).
        for k in 0..<count where available[k] {
            release(pending[sorted[k]], ledger: &ledger)
        }
    }

    /// Records an item no host can take: its reason, and (for a running VM) the reserve the
    /// ledger held for it is released, as the item-by-item heuristics do at its turn.
    mutating func release(_ members: [Int], ledger: inout AdmissionLedger) {
        if ledger.admits(members, state: greedy.state) {
            let reason = deadlineReached ? Self.deadlineReason : greedy.state.unplacedReason(members)
            for v in members { greedy.reasons[v] = reason }
            ledger.notPlaced(members)
        } else {
            for v in members { greedy.reasons[v] = Self.admissionReason(problem) }
        }
    }

    /// FT secondaries, highest priority first, by first fit in opening order.
    mutating func placeSecondaries() {
        let problem = self.problem
        let H = problem.hostCount
        let state = greedy.state
        var index = ResidualIndex(problem: problem, order: order, normalizer: normalizer,
                                  residualOf: { h, r in problem.limit(h, r) - state.load[r * H + h] },
                                  open: { problem.hostReceives[$0] })
        let secondaryOrder = greedy.pendingSecondaries.sorted {
            problem.vmPriority[$0] != problem.vmPriority[$1] ? problem.vmPriority[$0] < problem.vmPriority[$1] : $0 < $1
        }
        for v in secondaryOrder where greedy.state.placement[v] >= 0 {
            let demand = (0..<problem.resourceCount).map { problem.demand(v, $0) }
            if let h = index.firstFit(demand, accept: { greedy.state.canPlaceSecondary(v, on: $0) }) {
                greedy.state.assignSecondary(v, to: h)
                for r in 0..<problem.resourceCount { index.setResidual(h, r, problem.limit(h, r) - greedy.state.load[r * H + h]) }
                index.refresh(h)
            } else {
                greedy.reasons[v] = problem.unprotectedReason(v)
            }
        }
        greedy.pendingSecondaries = []
        greedy.settleSecondaries()
    }
}
