@_spi(Benchmarks) import DRSModel

extension HostEmptying {
    // MARK: Repacking VMs that have not run yet

    /// Whether the entity is a primary that may be re-placed at no cost and with no rule but
    /// capacity, vmHost and anti-affinity masks at stake: not running before the plan (new, or
    /// restarting), not pinned, no affinity group, no soft rule, no FT secondary.
    func repackable(_ entity: Int32) -> Bool {
        !isSecondary(entity) && Self.repackable(problem, vm(entity))
    }

    /// Re-places every repackable VM, and every unplaced one that would be repackable, host by
    /// host, keeping the result only when fewer VMs stay unplaced (by priority, an unplaced VM
    /// taken only within HA admission control), or as many and it has fewer active hosts.
    /// Hosts are filled in order: running hosts
    /// that keep other VMs (fullest first), then empty connected hosts (largest first), then
    /// standby hosts. Each host takes the subset of the remaining VMs that leaves it the least
    /// normalised slack, found by a depth-first search that always takes the largest VM that
    /// fits (bin completion), visits larger VMs first and stops at an exact fill or after
    /// `nodesPerHost` nodes; its first leaf is the first-fit-decreasing choice, so it never
    /// fills a host less than that. O(hosts x nodesPerHost x R log VMs) when the fit tree prunes
    /// well (`ItemFitTree`), O(hosts x nodesPerHost x VMs x R) at worst.
    /// Returns whether it was kept.
    @discardableResult
    mutating func repack(visits: Int = largeRepackVisits) -> Bool {
        let problem = self.problem, normalizer = self.normalizer
        let H = problem.hostCount, R = problem.resourceCount
        var items: [Int32] = []
        for h in 0..<H { for entity in members[h] where repackable(entity) { items.append(entity) } }
        let waiting = (0..<problem.vmCount).filter { state.placement[$0] < 0 && repackable(Int32($0 << 1)) }
            .map { Int32($0 << 1) }
        guard items.count + waiting.count > 1 else { return false }
        let activeBefore = (0..<H).filter { state.residents[$0] > 0 }.count
        let unplacedBefore = unplacedByPriority()
        // HA admission control: what the unplaced VMs may add, per resource (nil: no limit).
        var headroom: [Int64]? = problem.admissionLimit.map { limit in (0..<R).map { limit[$0] - state.admitted[$0] } }
        let wasWaiting = Set(waiting)
        items += waiting
        journal.removeAll(keepingCapacity: true)
        for entity in items where slot[Int(entity)] >= 0 { detach(entity) }
        let norms = items.map { entity -> Double in
            var square = 0.0
            for r in 0..<R { let x = Double(problem.demand(Int(entity >> 1), r)) * normalizer[r]; square += x * x }
            return square.squareRoot()
        }
        let sortedIndices = items.indices.sorted { norms[$0] != norms[$1] ? norms[$0] > norms[$1] : items[$0] < items[$1] }
        let sorted = sortedIndices.map { items[$0] }
        let n = sorted.count
        var demand = [Int64](repeating: 0, count: n * R)
        for k in 0..<n { for r in 0..<R { demand[k * R + r] = problem.demand(vm(sorted[k]), r) } }
        var tree = ItemFitTree(demand: demand, count: n, resources: R)
        repackQueriesExact = visits == .max || tree.hasPairs || n * R <= Self.largeRepack
        var remaining = n
        func capacityKey(_ h: Int) -> Double {
            var total = 0.0
            for r in 0..<R { total += Double(problem.limit(h, r)) * normalizer[r] }
            return total
        }
        let running = (0..<H).filter { problem.hostReceives[$0] && state.residents[$0] > 0 }
            .map { ($0, fill($0)) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
        let empty = (0..<H).filter { problem.hostState[$0] == .connected && state.residents[$0] == 0 }
            .map { ($0, capacityKey($0)) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
        let standby = (0..<H).filter { problem.hostState[$0] == .standby && state.residents[$0] == 0 }
        // Up to 8 x 10^6 / (VMs x R) nodes per host (64 to 4096); above 125,000 VMs x R, the
        // first descent alone (the host-by-host first-fit-decreasing fill).
        let budget = 8_000_000 / max(1, n * R)
        let nodesPerHost = n * R > Self.largeRepack ? 1 : min(4096, budget)
        // Unplaced VMs HA admission control cannot take are left out.
        if headroom != nil {
            for k in 0..<n where wasWaiting.contains(sorted[k]) {
                if (0..<R).allSatisfy({ demand[k * R + $0] <= headroom![$0] }) {
                    for r in 0..<R { headroom![r] -= demand[k * R + r] }
                } else {
                    tree.set(k, available: false)
                    remaining -= 1
                }
            }
        }
        for t in running + empty + standby where remaining > 0 {
            if clock.now >= deadline { deadlineReached = true; break }
            let chosen = bestSubset(for: t, sorted: sorted, demand: demand, tree: &tree, nodeLimit: nodesPerHost,
                                    visits: nodesPerHost == 1 ? visits : .max)
            for k in chosen {
                attach(sorted[k], to: t)
                tree.set(k, available: false)
                remaining -= 1
            }
        }
        let activeAfter = (0..<H).filter { state.residents[$0] > 0 }.count
        let unplacedAfter = unplacedByPriority()
        let better = unplacedAfter != unplacedBefore ? unplacedAfter.lexicographicallyPrecedes(unplacedBefore)
            : activeAfter < activeBefore
        if better {
            record(priority: 2)
            return true
        }
        rollback(to: 0)
        return false
    }

    /// `bestSubset` with one node per host, which is the first descent alone: every available
    /// VM before the last one taken no longer fits, so the exact index (`PairFitIndex`) gives
    /// the next VM directly; one the rules keep off t is set aside until t is done. The VMs
    /// taken stay unavailable in the tree (the caller places them; setting them again is free).
    /// O(taken x log² n).
    mutating func firstDescent(for t: Int, sorted: [Int32], demand: [Int64], tree: inout ItemFitTree) -> [Int] {
        let R = problem.resourceCount
        var room = (0..<R).map { residual(t, $0) }
        var masked: [Int] = []
        var chosen: [Int] = []
        while let k = tree.firstFitting(room) {
            guard state.canPlace([vm(sorted[k])], on: t) else {
                tree.set(k, available: false)
                masked.append(k)
                continue
            }
            for r in 0..<R { room[r] -= demand[k * R + r] }
            state.assign(vm(sorted[k]), to: t)
            tree.set(k, available: false)
            chosen.append(k)
        }
        for k in masked { tree.set(k, available: true) }
        for k in chosen { state.unassign(vm(sorted[k])) }
        return chosen
    }

    /// The subset of the available sorted VMs that leaves host t the least normalised slack
    /// (see `repack`); indices into `sorted`. Candidates come from `tree` (the first available
    /// VM at or after a position that fits the room left), so a node costs O(R log n) when
    /// the tree's minima prune well, not a scan of the VMs.
    mutating func bestSubset(for t: Int, sorted: [Int32], demand: [Int64], tree: inout ItemFitTree, nodeLimit: Int,
                             visits: Int) -> [Int] {
        if nodeLimit == 1 && tree.hasPairs { return firstDescent(for: t, sorted: sorted, demand: demand, tree: &tree) }
        let R = problem.resourceCount
        var room = (0..<R).map { residual(t, $0) }
        func slack() -> Double {
            var total = 0.0
            for r in 0..<R { total += Double(room[r]) * normalizer[r] }
            return total
        }
        /// The first available VM at or after k that fits the room and the rules of t.
        func nextFit(_ k: Int) -> Int? {
            var k = k
            while let found = tree.first(from: k, room: room, visits: visits) {
                if state.canPlace([vm(sorted[found])], on: t) { return found }
                k = found + 1
            }
            return nil
        }
        // Bin completion: the largest VM that fits is always taken.
        guard let first = nextFit(0) else { return [] }
        var best: (slack: Double, set: [Int]) = (.infinity, [])
        var current: [Int] = []
        var nodes = 0
        var exact = false
        // The first descent (the first-fit-decreasing fill) always completes.
        var leafReached = false
        func take(_ k: Int) {
            for r in 0..<R { room[r] -= demand[k * R + r] }
            state.assign(vm(sorted[k]), to: t)
            tree.set(k, available: false)
            current.append(k)
        }
        func release(_ k: Int) {
            for r in 0..<R { room[r] += demand[k * R + r] }
            state.unassign(vm(sorted[k]))
            tree.set(k, available: true)
            current.removeLast()
        }
        func search(_ start: Int) {
            nodes += 1
            let value = slack()
            if value < best.slack - 1e-12 { best = (value, current) }
            if room.allSatisfy({ $0 == 0 }) { exact = true; return }
            var previous = -1
            var k = start
            while (nodes < nodeLimit || !leafReached) && !exact, let found = nextFit(k) {
                k = found + 1
                // Equal demands give equal subtrees: try one of them.
                if previous >= 0 && (0..<R).allSatisfy({ demand[found * R + $0] == demand[previous * R + $0] }) { continue }
                previous = found
                take(found)
                search(found + 1)
                release(found)
            }
            leafReached = true
        }
        take(first)
        search(first + 1)
        release(first)
        return best.set
    }
}
