/// The hot loops of the constructive heuristics, over hosts in struct-of-arrays lanes.
///
/// Layout contract (shared by every kernel here): `residual[r * laneCount + p]` is the residual
/// capacity, in milli-units, of the host at lane position `p` in resource `r`; `laneCount` is a
/// multiple of `ResidualKernel.width`, and padding lanes hold `ResidualKernel.closed` so they
/// never fit. A block is `width` consecutive lanes. Each SIMD kernel has a plain scalar twin
/// with the same contract and the same result, bit for bit (scores use the same Float
/// operations in the same order; the tests hold the two equal on random data).
///
/// Residuals and demands must lie below 2^50 milli-units (1.1 x 10^12 snapshot units) and
/// residuals at or above `closed`. Fit tests are exact (Int64, or Float where the order is
/// certain, see `bestLane`); scores are Float.
///
/// Unsafe code stays in this file: pointers exist only inside `withUnsafeBufferPointer`
/// closures, and every block access is checked by `assert` against the buffer bounds.
@_spi(Benchmarks) public enum ResidualKernel {
    /// Lanes per block (hosts scanned at once).
    public static let width = 8
    /// Residual of a lane that can take nothing (padding, or a host that receives no VMs).
    /// -2^50: below any residual, and exactly a Float.
    public static let closed: Int64 = -(1 << 50)

    /// One block of residuals (milli-units).
    public typealias Lanes = SIMD8<Int64>
    /// One block of the Float mirror, scales, bonuses or scores.
    public typealias ScoreLanes = SIMD8<Float>
    /// One block of lane positions (the scored scan needs laneCount <= Int32.max).
    public typealias Positions = SIMD8<Int32>

    /// How `bestLane` combines the per-resource terms t_r = coefficient[r] x (scale[r][p] x
    /// (Float(residual[r][p]) - Float(demand[r]))): their sum (a dot product) or their minimum.
    public enum Combine: Sendable { case sum, minimum }

    // MARK: Fit mask

    /// Bit i set when lane `block * width + i` has residual >= demand in every resource.
    /// O(R) vector operations.
    @inlinable
    public static func fitMask(_ residual: UnsafeBufferPointer<Int64>, laneCount: Int, block: Int,
                               demand: UnsafeBufferPointer<Int64>) -> UInt8 {
        let base = block * width
        assert(base + width <= laneCount && demand.count * laneCount <= residual.count)
        let raw = UnsafeRawPointer(residual.baseAddress!)
        var fits = SIMDMask<Lanes>(repeating: true)
        for r in 0..<demand.count {
            let lanes = raw.loadUnaligned(fromByteOffset: (r * laneCount + base) * 8, as: Lanes.self)
            fits = fits .& (lanes .>= Lanes(repeating: demand[r]))
        }
        return bits(fits)
    }

    /// Scalar twin of `fitMask`.
    public static func fitMaskScalar(_ residual: [Int64], laneCount: Int, block: Int, demand: [Int64]) -> UInt8 {
        var mask: UInt8 = 0
        for i in 0..<width {
            let p = block * width + i
            var fits = true
            for r in 0..<demand.count where residual[r * laneCount + p] < demand[r] {
                fits = false
                break
            }
            if fits { mask |= 1 << UInt8(i) }
        }
        return mask
    }

    @inlinable
    static func bits(_ mask: SIMDMask<Lanes>) -> UInt8 {
        let weights = Lanes(1, 2, 4, 8, 16, 32, 64, 128)
        return UInt8(truncatingIfNeeded: Lanes(repeating: 0).replacing(with: weights, where: mask).wrappedSum())
    }

    // MARK: Block maximum

    /// The largest residual of resource `r` over the lanes of `block`. O(1) vector operations.
    @inlinable
    public static func blockMax(_ residual: UnsafeBufferPointer<Int64>, laneCount: Int, block: Int, resource r: Int) -> Int64 {
        let offset = r * laneCount + block * width
        assert(offset + width <= residual.count)
        let raw = UnsafeRawPointer(residual.baseAddress!)
        return raw.loadUnaligned(fromByteOffset: offset * 8, as: Lanes.self).max()
    }

    /// Scalar twin of `blockMax`.
    public static func blockMaxScalar(_ residual: [Int64], laneCount: Int, block: Int, resource r: Int) -> Int64 {
        var best = Int64.min
        for i in 0..<width { best = max(best, residual[r * laneCount + block * width + i]) }
        return best
    }

    // MARK: Whole scans (used by tests and the benchmark to compare the twins)

    /// Lanes that fit `demand`, over all blocks, with the SIMD kernel. O(laneCount x R / width).
    public static func countFitting(_ residual: [Int64], laneCount: Int, demand: [Int64]) -> Int {
        residual.withUnsafeBufferPointer { lanes in
            demand.withUnsafeBufferPointer { d in
                var count = 0
                for block in 0..<(laneCount / width) {
                    count += fitMask(lanes, laneCount: laneCount, block: block, demand: d).nonzeroBitCount
                }
                return count
            }
        }
    }

    /// Scalar twin of `countFitting`.
    public static func countFittingScalar(_ residual: [Int64], laneCount: Int, demand: [Int64]) -> Int {
        var count = 0
        for block in 0..<(laneCount / width) {
            count += fitMaskScalar(residual, laneCount: laneCount, block: block, demand: demand).nonzeroBitCount
        }
        return count
    }

    // MARK: Scored scan

    /// The best fitting lane by score over `blocks`, with the SIMD kernel; nil when no lane fits.
    ///
    /// Score of lane p, all in Float and in this order: the terms
    /// t_r = coefficient[r] x (scale[r * laneCount + p] x (Float(residual) - Float(demand[r])))
    /// combined over r = 0, 1, ... by `combine`. Lanes compare by `bonus[p]` first, then by the
    /// combined score (larger wins), then by position (first wins); the result's score is
    /// Double(bonus[p]) + Double(combined). The fit test is exact: `mirror` holds Float(residual)
    /// of every lane (round to nearest), and since rounding is monotone a lane whose Float
    /// differences are all positive surely fits and one with a negative difference surely
    /// does not; a block with a lane whose smallest difference is 0 takes the exact Int64 test
    /// (`fitMask`). Scores and bonuses must be finite.
    ///
    /// Each vector lane keeps its own running best (bonus, score, position), so no horizontal
    /// reduction happens until the end. 32-bit lanes put four hosts in an SSE or NEON register.
    /// O(|blocks| x R) vector operations.
    @inlinable
    public static func bestLane(_ residual: UnsafeBufferPointer<Int64>, mirror: UnsafeBufferPointer<Float>,
                                scale: UnsafeBufferPointer<Float>, bonus: UnsafeBufferPointer<Float>,
                                laneCount: Int, blocks: Range<Int>, demand: UnsafeBufferPointer<Int64>,
                                coefficient: UnsafeBufferPointer<Float>, combine: Combine) -> (lane: Int, score: Double)? {
        let R = demand.count
        assert(laneCount <= Int(Int32.max) && blocks.upperBound * width <= laneCount && R * laneCount <= residual.count && R * laneCount <= mirror.count
               && R * laneCount <= scale.count && laneCount <= bonus.count && R <= coefficient.count)
        let rawMirror = UnsafeRawPointer(mirror.baseAddress!)
        let rawScale = UnsafeRawPointer(scale.baseAddress!)
        let rawBonus = UnsafeRawPointer(bonus.baseAddress!)
        var bestBonus = ScoreLanes(repeating: -.infinity)
        var bestScore = ScoreLanes(repeating: -.infinity)
        var bestPosition = Positions(repeating: -1)
        var position = Positions(0, 1, 2, 3, 4, 5, 6, 7) &+ Positions(repeating: Int32(blocks.lowerBound * width))
        let step = Positions(repeating: Int32(width))
        for block in blocks {
            let base = block * width
            var slack = ScoreLanes(repeating: .infinity)
            var combined = ScoreLanes(repeating: 0)
            for r in 0..<R {
                let offset = (r * laneCount + base) * 4
                let difference = rawMirror.loadUnaligned(fromByteOffset: offset, as: ScoreLanes.self)
                    - ScoreLanes(repeating: Float(demand[r]))
                slack.replace(with: difference, where: difference .< slack)
                let factor = rawScale.loadUnaligned(fromByteOffset: offset, as: ScoreLanes.self)
                let term = ScoreLanes(repeating: coefficient[r]) * (factor * difference)
                if r == 0 {
                    combined = term
                } else if combine == .sum {
                    combined = combined + term
                } else {
                    combined.replace(with: term, where: term .< combined)
                }
            }
            var fits = slack .>= 0
            if any(slack .== 0) {
                // A Float difference of 0 leaves the exact order open: settle the block on Int64 lanes.
                let exact = Positions(repeating: Int32(fitMask(residual, laneCount: laneCount, block: block, demand: demand)))
                fits = fits .& ((exact & Positions(1, 2, 4, 8, 16, 32, 64, 128)) .!= 0)
            }
            let tier = rawBonus.loadUnaligned(fromByteOffset: base * 4, as: ScoreLanes.self)
            let better = fits .& ((tier .> bestBonus) .| ((tier .== bestBonus) .& (combined .> bestScore)))
            bestBonus.replace(with: tier, where: better)
            bestScore.replace(with: combined, where: better)
            bestPosition.replace(with: position, where: better)
            position &+= step
        }
        var found = -1
        for i in 0..<width where bestPosition[i] >= 0 {
            if found < 0 || bestBonus[i] > bestBonus[found]
                || (bestBonus[i] == bestBonus[found] && (bestScore[i] > bestScore[found]
                    || (bestScore[i] == bestScore[found] && bestPosition[i] < bestPosition[found]))) {
                found = i
            }
        }
        guard found >= 0 else { return nil }
        return (Int(bestPosition[found]), Double(bestBonus[found]) + Double(bestScore[found]))
    }

    /// `bestLane` over all blocks of array-held lanes; `mirror` holds Float(residual) lane by lane.
    public static func bestLane(_ residual: [Int64], mirror: [Float], scale: [Float], bonus: [Float], laneCount: Int,
                                demand: [Int64], coefficient: [Float], combine: Combine) -> (lane: Int, score: Double)? {
        residual.withUnsafeBufferPointer { lanes in
            mirror.withUnsafeBufferPointer { m in
                scale.withUnsafeBufferPointer { s in
                    bonus.withUnsafeBufferPointer { b in
                        demand.withUnsafeBufferPointer { d in
                            coefficient.withUnsafeBufferPointer { c in
                                bestLane(lanes, mirror: m, scale: s, bonus: b, laneCount: laneCount,
                                         blocks: 0..<(laneCount / width), demand: d, coefficient: c, combine: combine)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Scalar twin of `bestLane`: one host at a time, the exact fit test on the Int64 residuals,
    /// the same Float operations in the same order for the score.
    public static func bestLaneScalar(_ residual: [Int64], scale: [Float], bonus: [Float], laneCount: Int,
                                      demand: [Int64], coefficient: [Float], combine: Combine) -> (lane: Int, score: Double)? {
        var bestLane = -1
        var bestBonus = -Float.infinity, bestScore = -Float.infinity
        for p in 0..<laneCount {
            var fits = true
            var combined: Float = 0
            for r in 0..<demand.count {
                let available = residual[r * laneCount + p]
                if available < demand[r] { fits = false }
                let term = coefficient[r] * (scale[r * laneCount + p] * (Float(available) - Float(demand[r])))
                if r == 0 { combined = term } else if combine == .sum { combined = combined + term } else if term < combined { combined = term }
            }
            if fits && (bonus[p] > bestBonus || (bonus[p] == bestBonus && combined > bestScore)) {
                bestLane = p
                bestBonus = bonus[p]
                bestScore = combined
            }
        }
        return bestLane < 0 ? nil : (bestLane, Double(bestBonus) + Double(bestScore))
    }
}
