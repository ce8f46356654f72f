@_spi(Benchmarks) import DRSModel

extension HostEmptying {
    // MARK: Repairing unplaced VMs (level 1 of the score)

    /// Active primaries without a host that a repair may place: not pinned, not in a required
    /// affinity group, highest priority first, then largest first.
    func unplaced() -> [Int] {
        let list = (0..<problem.vmCount).filter { v in
            problem.vmActive[v] && state.placement[v] < 0 && !problem.vmPinned[v] && problem.vmGroup[v] < 0
        }
        return list.sorted { a, b in
            problem.vmPriority[a] != problem.vmPriority[b] ? problem.vmPriority[a] < problem.vmPriority[b]
                : (sizes[a] != sizes[b] ? sizes[a] > sizes[b] : a < b)
        }
    }

    /// Unplaced VMs per priority class, highest first (the score's level 1).
    func unplacedByPriority() -> [Int] {
        var counts = [Int](repeating: 0, count: 5)
        for v in 0..<problem.vmCount where problem.vmActive[v] && state.placement[v] < 0 {
            counts[min(4, Int(problem.vmPriority[v]))] += 1
        }
        return counts
    }

    /// Whether emptying h would leave it empty while one of the `waiting` unplaced VMs (each
    /// admitted by HA admission control) could run there: allowed by its rules and within h's
    /// limits on its own. O(waiting x R).
    func blocksEmptying(_ h: Int, _ waiting: [Int]) -> Bool {
        guard problem.hostReceives[h] else { return false }
        for v in waiting where problem.allows(v, h) {
            if (0..<problem.resourceCount).allSatisfy({ problem.demand(v, $0) <= problem.limit(h, $0) }) { return true }
        }
        return false
    }

    /// Places what it can of the unplaced VMs, before anything else is improved:
    /// 1. `repack` (when `repackAlways`, or when an unplaced VM is repackable): the VMs not
    ///    running yet, the unplaced ones among them, are re-placed host by host, running hosts
    ///    first, then empty and standby hosts; kept when fewer VMs stay unplaced (by priority),
    ///    or as many and fewer hosts are active. When a large repack's tree queries gave up
    ///    early (`largeRepackVisits`) and left such VMs unplaced, it is run again with full
    ///    queries.
    /// 2. Each VM still unplaced, highest priority first: inserted where it fits tightest on any
    ///    receiving host (running hosts first, then empty connected hosts, then standby hosts),
    ///    or after one smaller VM of a running host moves to a host where it fits directly
    ///    (`oneEjection`), or by a chain of ejections on running hosts (see `attempt`, within
    ///    `workLimit`) that ends with every ejected VM placed again; otherwise every change is
    ///    undone. HA admission control is
    ///    checked for the VM before it is tried; the ejected VMs were admitted and stay so.
    /// Migrations made to place a VM are mandatory (priority 1): level 1 of the score comes
    /// before any migration cost. Stops at the deadline. Returns the VMs placed.
    @discardableResult
    mutating func repair(repackAlways: Bool) -> Int {
        let before = unplaced()
        if repackAlways || before.contains(where: { repackable(Int32($0 << 1)) }) {
            repack()
            // A fill whose tree queries gave up early may leave VMs a full search places.
            if !repackQueriesExact && unplaced().contains(where: { repackable(Int32($0 << 1)) }) && clock.now < deadline {
                repack(visits: .max)
            }
        }
        var placed = before.count - unplaced().count
        let list = unplaced()
        guard !list.isEmpty else { return placed }
        opensEmpty = true
        defer { opensEmpty = false }
        let receiving = (0..<problem.hostCount).filter { problem.hostReceives[$0] }
        var fitIndex: ResidualIndex?
        func rank(_ h: Int) -> Int {
            state.residents[h] > 0 ? 0 : (problem.hostState[h] == .connected ? 1 : 2)
        }
        for (index, v) in list.enumerated() {
            if index & 15 == 0 && clock.now >= deadline { deadlineReached = true; break }
            guard state.placement[v] < 0, state.admits([v], secondaries: problem.vmIsFT[v] ? [v] : []) else { continue }
            let entity = Int32(v << 1)
            journal.removeAll(keepingCapacity: true)
            // Direct insertion: running hosts, then empty connected hosts, then standby hosts.
            // A soft violation is accepted when nothing else takes it (level 1 before level 2).
            var best: (soft: Int, rank: Int, score: Double, host: Int)?
            work += receiving.count
            for t in receiving where state.canPlace([v], on: t) {
                let candidate = (state.softDelta(v, on: t), rank(t), tightness(entity, t), t)
                if best == nil || (candidate.0, candidate.1) < (best!.soft, best!.rank)
                    || ((candidate.0, candidate.1) == (best!.soft, best!.rank) && candidate.2 < best!.score) {
                    best = candidate
                }
            }
            if let best {
                attach(entity, to: best.host)
                if fitIndex != nil { refresh(&fitIndex!, best.host) }
                recordRepair()
                placed += 1
                continue
            }
            // One ejection: a smaller VM leaves a running host for one where it fits directly.
            if fitIndex == nil { fitIndex = hostIndex() }
            if oneEjection(v, &fitIndex!) {
                recordRepair()
                placed += 1
                continue
            }
            journal.removeAll(keepingCapacity: true)
            // Ejection chain on running hosts, within the work limit.
            if work >= Self.workLimit { continue }
            var targets = receiving.filter { state.residents[$0] > 0 }
            random.shuffle(&targets)
            var pool = [entity]
            var steps = 0
            let limit = 40
            while !pool.isEmpty && steps < limit {
                steps += 1
                if steps & 7 == 0 && clock.now >= deadline { deadlineReached = true; break }
                if !eject(&pool, targets: targets, base: seconds, budget: .infinity) { break }
                insertDirect(&pool, targets: receiving, base: seconds, budget: .infinity)
            }
            if pool.isEmpty {
                recordRepair()
                placed += 1
            } else {
                rollback(to: 0)
            }
            fitIndex = nil
        }
        return placed
    }

    /// A first-fit index over the receiving hosts as loaded now (running hosts first).
    func hostIndex() -> ResidualIndex {
        let problem = self.problem, state = self.state, H = problem.hostCount
        let receiving = (0..<H).filter { problem.hostReceives[$0] }
        let order = receiving.filter { state.residents[$0] > 0 } + receiving.filter { state.residents[$0] == 0 }
        return ResidualIndex(problem: problem, order: order, normalizer: normalizer,
                             residualOf: { h, r in problem.limit(h, r) - state.load[r * H + h] },
                             open: { problem.hostReceives[$0] })
    }

    mutating func refresh(_ index: inout ResidualIndex, _ h: Int) {
        for r in 0..<problem.resourceCount { index.setResidual(h, r, residual(h, r)) }
        index.refresh(h)
    }

    /// Places the unplaced VM v on a running host t after one smaller ejectable VM of t moves
    /// to a host where it fits directly (first fit over `index`, kept up to date). O(VMs on
    /// running hosts x R) for the scan, plus O(R log H) per candidate.
    mutating func oneEjection(_ v: Int, _ index: inout ResidualIndex) -> Bool {
        let R = problem.resourceCount, H = problem.hostCount
        let entity = Int32(v << 1)
        let wp = weight(entity)
        var need = [Int64](repeating: 0, count: R)
        for t in 0..<H where state.residents[t] > 0 && !closed[t] && rulesAllow(entity, t) {
            for r in 0..<R { need[r] = problem.demand(v, r) - residual(t, r) }
            work += members[t].count
            for a in members[t] where !isSecondary(a) && ejectable(a) && weight(a) < wp {
                let av = vm(a)
                var enough = true
                for r in 0..<R where problem.demand(av, r) < need[r] { enough = false; break }
                guard enough else { continue }
                let mark = journal.count
                detach(a)
                guard canTake(entity, t) else { rollback(to: mark); continue }
                attach(entity, to: t)
                let demand = (0..<R).map { problem.demand(av, $0) }
                if let u = index.firstFit(demand, accept: { $0 != t && canTake(a, $0) }) {
                    attach(a, to: u)
                    refresh(&index, t)
                    refresh(&index, u)
                    return true
                }
                rollback(to: mark)
            }
        }
        return false
    }

    /// `reasons` without the VMs that are placed now (and protected, for FT VMs).
    static func settled(_ reasons: [Int: String], _ state: PlacementState) -> [Int: String] {
        reasons.filter { v, _ in state.placement[v] < 0 || (state.problem.vmIsFT[v] && state.secondaries[v] < 0) }
    }

    /// Repairs the unplaced VMs of a finished constructive run (`repair` without the repack of
    /// VMs that are all placed): returns the new state, move priorities and reasons, and
    /// whether the deadline stopped it. O(V) when nothing is unplaced.
    static func repairUnplaced(_ problem: Problem, state: PlacementState, movePriority: [UInt8], reasons: [Int: String],
                               seed: UInt64, deadline: ContinuousClock.Instant)
        -> (state: PlacementState, movePriority: [UInt8], reasons: [Int: String], deadlineReached: Bool) {
        guard (0..<problem.vmCount).contains(where: { problem.vmActive[$0] && state.placement[$0] < 0 }) else {
            return (state, movePriority, reasons, false)
        }
        var emptying = HostEmptying(problem: problem, state: state, movePriority: movePriority, seed: seed, deadline: deadline)
        emptying.repair(repackAlways: false)
        return (emptying.state, emptying.movePriority, settled(reasons, emptying.state), emptying.deadlineReached)
    }

    /// Grades the moves of a repair: a VM back at its snapshot host needs no step; every other
    /// move is mandatory (it makes room for, or places, a VM that would stay unplaced).
    mutating func recordRepair() {
        for change in journal where change.to >= 0 {
            let v = vm(change.entity)
            if isSecondary(change.entity) {
                movePriority[v] = 1
            } else {
                movePriority[v] = Int(state.placement[v]) == Int(problem.vmInitialHost[v]) ? 0 : 1
            }
        }
        journal.removeAll(keepingCapacity: true)
    }
}
