@_spi(Benchmarks) import DRSModel

/// Residual capacities of all hosts in struct-of-arrays lanes, with a max-tree over blocks so
/// first-fit does not scan every host.
///
/// Hosts sit at lane positions in a fixed preference order (see `init`). Every internal tree
/// node holds, per resource, the largest residual below it. A node "dominates" a demand when
/// each of its per-resource maxima is >= the demand; that is necessary (not sufficient) for a
/// host below it to fit, so `firstFit` descends only into dominating nodes and confirms hosts
/// with the block kernel. Per-resource maxima may come from different hosts, so that descent
/// can backtrack; it gets a budget of `searchBudget` node visits. A second max-tree over the
/// scalar m(h) = min over r of residual(h, r) x normalizer(r) is a sufficient test (a host
/// with m(h) >= max over r of demand(r) x normalizer(r) surely fits) that needs no
/// backtracking; when the budget runs out, the search continues from the first such host.
/// So first fit is exact unless the budget runs out (then it may skip earlier hosts that
/// fit only tightly), and costs O(R log(H / width)) plus the budget per search; an update
/// costs O(R log H).
struct ResidualIndex {
    let resourceCount: Int
    let hostCount: Int
    /// Lanes per resource: hostCount rounded up to a multiple of the kernel width.
    let laneCount: Int
    let blockCount: Int
    /// Number of tree leaves (a power of two >= blockCount); node 1 is the root.
    let leafBase: Int
    /// Host at each lane position (-1 for padding) and the lane position of each host.
    let positionHost: [Int32]
    let hostPosition: [Int32]
    /// `residual[r * laneCount + p]`, milli-units; `ResidualKernel.closed` where nothing fits.
    var residual: [Int64]
    /// Float(residual), lane by lane: what the scored scan reads (see `ResidualKernel.bestLane`).
    var mirror: [Float]
    /// `nodeMax[node * resourceCount + r]`.
    var nodeMax: [Int64]
    /// Per node: the largest m(h) below it (see the type's summary); -infinity when closed.
    var nodeSure: [Double]
    /// Per resource: the factor of the sufficient test (0 ignores the resource).
    let normalizer: [Double]
    /// Node visits the exact descent may spend before the sufficient test takes over.
    static let searchBudget = 96

    /// Lanes in the order `order` (a permutation of a subset of hosts; hosts not listed are
    /// placed after it and are closed). Residuals come from `residualOf(h, r)`; a host for
    /// which `open(h)` is false is closed.
    init(problem: Problem, order: [Int], normalizer: [Double], residualOf: (Int, Int) -> Int64, open: (Int) -> Bool) {
        let R = problem.resourceCount, H = problem.hostCount
        self.normalizer = normalizer
        resourceCount = R
        hostCount = H
        let width = ResidualKernel.width
        laneCount = max(width, (H + width - 1) / width * width)
        blockCount = laneCount / width
        var leaves = 1
        while leaves < blockCount { leaves <<= 1 }
        leafBase = leaves
        var positionHost = [Int32](repeating: -1, count: laneCount)
        var hostPosition = [Int32](repeating: -1, count: H)
        var listed = [Bool](repeating: false, count: H)
        var p = 0
        for h in order where !listed[h] {
            listed[h] = true
            positionHost[p] = Int32(h); hostPosition[h] = Int32(p); p += 1
        }
        for h in 0..<H where !listed[h] {
            positionHost[p] = Int32(h); hostPosition[h] = Int32(p); p += 1
        }
        self.positionHost = positionHost
        self.hostPosition = hostPosition
        var residual = [Int64](repeating: ResidualKernel.closed, count: R * laneCount)
        for h in 0..<H where open(h) {
            let position = Int(hostPosition[h])
            for r in 0..<R { residual[r * laneCount + position] = residualOf(h, r) }
        }
        self.residual = residual
        mirror = residual.map { Float($0) }
        nodeMax = [Int64](repeating: ResidualKernel.closed, count: 2 * leaves * R)
        nodeSure = [Double](repeating: -.infinity, count: 2 * leaves)
        for block in 0..<blockCount { refreshLeaf(block) }
        for node in stride(from: leaves - 1, through: 1, by: -1) {
            for r in 0..<R { nodeMax[node * R + r] = max(nodeMax[2 * node * R + r], nodeMax[(2 * node + 1) * R + r]) }
            nodeSure[node] = max(nodeSure[2 * node], nodeSure[2 * node + 1])
        }
    }

    private mutating func refreshLeaf(_ block: Int) {
        let R = resourceCount, L = laneCount
        let node = leafBase + block
        residual.withUnsafeBufferPointer { lanes in
            for r in 0..<R { nodeMax[node * R + r] = ResidualKernel.blockMax(lanes, laneCount: L, block: block, resource: r) }
        }
        var sure = -Double.infinity
        for p in (block * ResidualKernel.width)..<((block + 1) * ResidualKernel.width) {
            var m = Double.infinity
            for r in 0..<R where normalizer[r] > 0 {
                let value = residual[r * L + p]
                m = value == ResidualKernel.closed ? -.infinity : min(m, Double(value) * normalizer[r])
            }
            if residual[p] == ResidualKernel.closed { m = -.infinity }
            sure = max(sure, m)
        }
        nodeSure[node] = sure
    }

    /// Sets the residual of host `h` in resource `r` without refreshing the tree (call `refresh`).
    @inline(__always)
    mutating func setResidual(_ h: Int, _ r: Int, _ value: Int64) {
        let i = r * laneCount + Int(hostPosition[h])
        residual[i] = value
        mirror[i] = Float(value)
    }

    /// Refreshes the tree above host `h`. O(R log H).
    mutating func refresh(_ h: Int) {
        let block = Int(hostPosition[h]) / ResidualKernel.width
        refreshLeaf(block)
        let R = resourceCount
        var node = (leafBase + block) >> 1
        while node >= 1 {
            for r in 0..<R { nodeMax[node * R + r] = max(nodeMax[2 * node * R + r], nodeMax[(2 * node + 1) * R + r]) }
            nodeSure[node] = max(nodeSure[2 * node], nodeSure[2 * node + 1])
            node >>= 1
        }
    }

    /// Closes host `h` (nothing fits) until its residuals are set again.
    mutating func close(_ h: Int) {
        for r in 0..<resourceCount { setResidual(h, r, ResidualKernel.closed) }
        refresh(h)
    }

    @inline(__always)
    private func dominates(_ node: Int, _ demand: UnsafeBufferPointer<Int64>) -> Bool {
        let base = node * resourceCount
        for r in 0..<resourceCount where nodeMax[base + r] < demand[r] { return false }
        return true
    }

    /// The first block >= `from` whose own maxima dominate `demand`; stops (returning nil with
    /// `budget` < 0) once `budget` node visits are spent.
    private func firstBlock(_ node: Int, _ lo: Int, _ hi: Int, from: Int, _ demand: UnsafeBufferPointer<Int64>,
                            budget: inout Int) -> Int? {
        budget -= 1
        if budget < 0 || hi <= from || lo >= blockCount || !dominates(node, demand) { return nil }
        if node >= leafBase { return lo }
        let mid = (lo + hi) / 2
        return firstBlock(2 * node, lo, mid, from: from, demand, budget: &budget)
            ?? firstBlock(2 * node + 1, mid, hi, from: from, demand, budget: &budget)
    }

    /// The first block >= `from` holding a host with m(h) >= `need`. O(log H), no backtracking.
    private func firstSureBlock(_ node: Int, _ lo: Int, _ hi: Int, from: Int, need: Double) -> Int? {
        if hi <= from || lo >= blockCount || nodeSure[node] < need { return nil }
        if node >= leafBase { return lo }
        let mid = (lo + hi) / 2
        return firstSureBlock(2 * node, lo, mid, from: from, need: need) ?? firstSureBlock(2 * node + 1, mid, hi, from: from, need: need)
    }

    /// The first host in lane order whose residual covers `demand` in every resource and that
    /// `accept` accepts; nil when there is none.
    func firstFit(_ demand: [Int64], accept: (Int) -> Bool) -> Int? {
        demand.withUnsafeBufferPointer { d in
            residual.withUnsafeBufferPointer { lanes in
                var need = 0.0
                for r in 0..<resourceCount where normalizer[r] > 0 { need = max(need, Double(d[r]) * normalizer[r]) }
                var from = 0
                // One budget per search, spent on node visits and on blocks that do not fit.
                var budget = Self.searchBudget
                var mode = 0  // 0: exact descent, 1: sufficient test, 2: exhaustive descent
                while true {
                    var found: Int?
                    if mode == 0 {
                        found = firstBlock(1, 0, leafBase, from: from, d, budget: &budget)
                        if found == nil && budget < 0 { mode = 1 }
                    }
                    if mode == 1 {
                        found = firstSureBlock(1, 0, leafBase, from: from, need: need)
                        if found == nil { mode = 2 }
                    }
                    if mode == 2 {
                        var unlimited = Int.max
                        found = firstBlock(1, 0, leafBase, from: from, d, budget: &unlimited)
                    }
                    guard let block = found else { break }
                    var mask = ResidualKernel.fitMask(lanes, laneCount: laneCount, block: block, demand: d)
                    while mask != 0 {
                        let lane = mask.trailingZeroBitCount
                        mask &= mask - 1
                        let h = Int(positionHost[block * ResidualKernel.width + lane])
                        if h >= 0 && accept(h) { return h }
                    }
                    budget -= 4
                    from = block + 1
                }
                return nil
            }
        }
    }

    /// The fitting host with the largest bonus, then the largest score (see
    /// `ResidualKernel.bestLane`), first in lane order among equals. One vector pass over every
    /// block: O(H / width x R).
    func best(_ demand: [Int64], scale: [Float], bonus: [Float], coefficient: [Float],
              combine: ResidualKernel.Combine) -> (host: Int, score: Double)? {
        guard let found = ResidualKernel.bestLane(residual, mirror: mirror, scale: scale, bonus: bonus, laneCount: laneCount,
                                                  demand: demand, coefficient: coefficient, combine: combine) else { return nil }
        return (Int(positionHost[found.lane]), found.score)
    }
}
