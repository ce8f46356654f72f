import DRSModel

/// Residual capacities of all hosts in struct-of-arrays lanes, with a max-tree over blocks so
/// first-fit does not scan every host.
///
/// Hosts sit at lane positions in a fixed preference order (see `init`). Every internal tree
/// node holds, per resource, the largest residual below it. A node "dominates" a demand when
/// each of its per-resource maxima is >= the demand; that is necessary (not sufficient) for a
/// host below it to fit, so `firstFit` descends only into dominating nodes and confirms hosts
/// with the block kernel. Typical cost O(R log(H / width)) per search (plus the backtracking
/// that multi-dimensional maxima can cause, bounded by O(H / width x R)); update O(R log H).
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
    /// `nodeMax[node * resourceCount + r]`.
    var nodeMax: [Int64]

    /// Lanes in the order `order` (a permutation of a subset of hosts; hosts not listed are
    /// placed after it and are closed). Residuals come from `residualOf(h, r)`; a host for
    /// which `open(h)` is false is closed.
    init(problem: Problem, order: [Int], residualOf: (Int, Int) -> Int64, open: (Int) -> Bool) {
        let R = problem.resourceCount, H = problem.hostCount
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
        nodeMax = [Int64](repeating: ResidualKernel.closed, count: 2 * leaves * R)
        for block in 0..<blockCount { refreshLeaf(block) }
        for node in stride(from: leaves - 1, through: 1, by: -1) {
            for r in 0..<R { nodeMax[node * R + r] = max(nodeMax[2 * node * R + r], nodeMax[(2 * node + 1) * R + r]) }
        }
    }

    private mutating func refreshLeaf(_ block: Int) {
        let R = resourceCount, L = laneCount
        let node = leafBase + block
        residual.withUnsafeBufferPointer { lanes in
            for r in 0..<R { nodeMax[node * R + r] = ResidualKernel.blockMax(lanes, laneCount: L, block: block, resource: r) }
        }
    }

    /// Sets the residual of host `h` in resource `r` without refreshing the tree (call `refresh`).
    @inline(__always)
    mutating func setResidual(_ h: Int, _ r: Int, _ value: Int64) {
        residual[r * laneCount + Int(hostPosition[h])] = value
    }

    /// Refreshes the tree above host `h`. O(R log H).
    mutating func refresh(_ h: Int) {
        let block = Int(hostPosition[h]) / ResidualKernel.width
        refreshLeaf(block)
        let R = resourceCount
        var node = (leafBase + block) >> 1
        while node >= 1 {
            for r in 0..<R { nodeMax[node * R + r] = max(nodeMax[2 * node * R + r], nodeMax[(2 * node + 1) * R + r]) }
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

    /// The first block >= `from` whose own maxima dominate `demand`.
    private func firstBlock(_ node: Int, _ lo: Int, _ hi: Int, from: Int, _ demand: UnsafeBufferPointer<Int64>) -> Int? {
        if hi <= from || lo >= blockCount || !dominates(node, demand) { return nil }
        if node >= leafBase { return lo }
        let mid = (lo + hi) / 2
        return firstBlock(2 * node, lo, mid, from: from, demand) ?? firstBlock(2 * node + 1, mid, hi, from: from, demand)
    }

    /// The first host in lane order whose residual covers `demand` in every resource and that
    /// `accept` accepts; nil when there is none.
    func firstFit(_ demand: [Int64], accept: (Int) -> Bool) -> Int? {
        demand.withUnsafeBufferPointer { d in
            residual.withUnsafeBufferPointer { lanes in
                var from = 0
                while let block = firstBlock(1, 0, leafBase, from: from, d) {
                    var mask = ResidualKernel.fitMask(lanes, laneCount: laneCount, block: block, demand: d)
                    while mask != 0 {
                        let lane = mask.trailingZeroBitCount
                        mask &= mask - 1
                        let h = Int(positionHost[block * ResidualKernel.width + lane])
                        if h >= 0 && accept(h) { return h }
                    }
                    from = block + 1
                }
                return nil
            }
        }
    }

    /// The fitting host with the largest score (see `ResidualKernel.bestInBlock`), first in lane
    /// order among equals; blocks the tree rules out are skipped. O(H / width x R).
    func best(_ demand: [Int64], scale: [Double], bonus: [Double], coefficient: [Double],
              combine: ResidualKernel.Combine) -> (host: Int, score: Double)? {
        demand.withUnsafeBufferPointer { d in
            residual.withUnsafeBufferPointer { lanes in
                scale.withUnsafeBufferPointer { s in
                    bonus.withUnsafeBufferPointer { b in
                        coefficient.withUnsafeBufferPointer { c in
                            var best: (position: Int, score: Double)?
                            for block in 0..<blockCount where dominates(leafBase + block, d) {
                                if let found = ResidualKernel.bestInBlock(lanes, scale: s, bonus: b, laneCount: laneCount, block: block,
                                                                          demand: d, coefficient: c, combine: combine),
                                   best == nil || found.score > best!.score {
                                    best = (block * ResidualKernel.width + found.lane, found.score)
                                }
                            }
                            guard let best else { return nil }
                            return (Int(positionHost[best.position]), best.score)
                        }
                    }
                }
            }
        }
    }
}
