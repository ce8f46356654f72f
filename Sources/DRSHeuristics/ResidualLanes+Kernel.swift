/// The hot loops of the constructive heuristics, over hosts in struct-of-arrays lanes.
///
/// Layout contract (shared by every kernel here): `residual[r * laneCount + p]` is the residual
/// capacity, in milli-units, of the host at lane position `p` in resource `r`; `laneCount` is a
/// multiple of `ResidualKernel.width`, and padding lanes hold `ResidualKernel.closed` so they
/// never fit. A block is `width` consecutive lanes. Each SIMD kernel has a plain scalar twin
/// with the same contract and the same result, bit for bit (scores use the same Double
/// operations in the same order; the tests hold the two equal on random data).
///
/// Residuals and demands must lie below 2^50 milli-units (1.1 x 10^12 snapshot units) and
/// residuals above `closed`: then residual - demand is exact as a Double (see `exactDouble`),
/// which the scored scan uses for both its fit test and its score.
///
/// Unsafe code stays in this file: pointers exist only inside `withUnsafeBufferPointer`
/// closures, and every block access is checked by `assert` against the buffer bounds.
public enum ResidualKernel {
    /// Lanes per block (hosts scanned at once).
    public static let width = 8
    /// Residual of a lane that can take nothing (padding, or a host that receives no VMs).
    /// -2^50: below any residual and, minus any demand below 2^50, still inside the exact
    /// range of `exactDouble`.
    public static let closed: Int64 = -(1 << 50)

    public typealias Lanes = SIMD8<Int64>
    public typealias ScoreLanes = SIMD8<Double>

    /// How `score` combines the per-resource terms t_r = coefficient[r] x (scale[r][p] x
    /// Double(residual[r][p] - demand[r])): their sum (a dot product) or their minimum.
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

    // MARK: Scored scan

    /// Int64 lanes to Double, exactly for values in -2^51 ..< 2^51 (any residual or demand a
    /// snapshot can hold: 2^51 milli-units is 2.2 x 10^12 units); other lanes get unspecified
    /// values. Adds 2^52 + 2^51 as an integer, reinterprets the bits and subtracts it again,
    /// which vectorises where a direct conversion does not (no 64-bit integer to double
    /// instruction below AVX-512).
    @inlinable
    static func exactDouble(_ lanes: Lanes) -> ScoreLanes {
        let magic: Int64 = 0x4338_0000_0000_0000
        return unsafeBitCast(lanes &+ Lanes(repeating: magic), to: ScoreLanes.self) - ScoreLanes(repeating: 6_755_399_441_055_744)
    }

    /// The best fitting lane of `block` by score (largest; the first lane among equals) and its
    /// score, or nil when no lane fits. Score of lane p: bonus[p] + combine over r of
    /// coefficient[r] x (scale[r * laneCount + p] x Double(residual[r * laneCount + p] - demand[r])).
    @inlinable
    public static func bestInBlock(_ residual: UnsafeBufferPointer<Int64>, scale: UnsafeBufferPointer<Double>,
                                   bonus: UnsafeBufferPointer<Double>, laneCount: Int, block: Int,
                                   demand: UnsafeBufferPointer<Int64>, coefficient: UnsafeBufferPointer<Double>,
                                   combine: Combine) -> (lane: Int, score: Double)? {
        let base = block * width
        let R = demand.count
        assert(base + width <= laneCount && R * laneCount <= residual.count && R * laneCount <= scale.count)
        let raw = UnsafeRawPointer(residual.baseAddress!)
        let rawScale = UnsafeRawPointer(scale.baseAddress!)
        var fits = SIMDMask<Lanes>(repeating: true)
        var combined = ScoreLanes(repeating: 0)
        for r in 0..<R {
            let lanes = raw.loadUnaligned(fromByteOffset: (r * laneCount + base) * 8, as: Lanes.self)
            let d = Lanes(repeating: demand[r])
            fits = fits .& (lanes .>= d)
            let factor = rawScale.loadUnaligned(fromByteOffset: (r * laneCount + base) * 8, as: ScoreLanes.self)
            let term = ScoreLanes(repeating: coefficient[r]) * (factor * exactDouble(lanes &- d))
            if r == 0 {
                combined = term
            } else {
                combined = combine == .sum ? combined + term : combined.replacing(with: term, where: term .< combined)
            }
        }
        if !any(fits) { return nil }
        let bonusLanes = UnsafeRawPointer(bonus.baseAddress!).loadUnaligned(fromByteOffset: base * 8, as: ScoreLanes.self)
        let score = (bonusLanes + combined).replacing(with: -.infinity, where: .!fits)
        let best = score.max()
        for i in 0..<width where fits[i] && score[i] == best { return (i, best) }
        return nil
    }

    /// Scalar twin of `bestInBlock`.
    public static func bestInBlockScalar(_ residual: [Int64], scale: [Double], bonus: [Double], laneCount: Int, block: Int,
                                         demand: [Int64], coefficient: [Double], combine: Combine) -> (lane: Int, score: Double)? {
        var best: (lane: Int, score: Double)?
        for i in 0..<width {
            let p = block * width + i
            var fits = true
            var combined = 0.0
            for r in 0..<demand.count {
                let available = residual[r * laneCount + p]
                if available < demand[r] { fits = false }
                let term = coefficient[r] * (scale[r * laneCount + p] * Double(available &- demand[r]))
                if r == 0 { combined = term } else if combine == .sum { combined = combined + term } else if term < combined { combined = term }
            }
            guard fits else { continue }
            let score = bonus[p] + combined
            if best == nil || score > best!.score { best = (i, score) }
        }
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

    /// The best fitting lane by score over `blocks` (first lane among equals), with the SIMD
    /// kernel: each vector lane keeps its own running best (score and position), so no
    /// horizontal reduction happens until the end. O(|blocks| x R) vector operations.
    @inlinable
    public static func bestLane(_ residual: UnsafeBufferPointer<Int64>, scale: UnsafeBufferPointer<Double>,
                                bonus: UnsafeBufferPointer<Double>, laneCount: Int, blocks: Range<Int>,
                                demand: UnsafeBufferPointer<Int64>, coefficient: UnsafeBufferPointer<Double>,
                                combine: Combine) -> (lane: Int, score: Double)? {
        let R = demand.count
        assert(blocks.upperBound * width <= laneCount && R * laneCount <= residual.count && R * laneCount <= scale.count)
        let raw = UnsafeRawPointer(residual.baseAddress!)
        let rawScale = UnsafeRawPointer(scale.baseAddress!)
        let rawBonus = UnsafeRawPointer(bonus.baseAddress!)
        var bestScore = ScoreLanes(repeating: -.infinity)
        var bestPosition = Lanes(repeating: -1)
        var position = Lanes(0, 1, 2, 3, 4, 5, 6, 7) &+ Lanes(repeating: Int64(blocks.lowerBound * width))
        let step = Lanes(repeating: Int64(width))
        for block in blocks {
            let base = block * width
            var fits = SIMDMask<Lanes>(repeating: true)
            var combined = ScoreLanes(repeating: 0)
            for r in 0..<R {
                let lanes = raw.loadUnaligned(fromByteOffset: (r * laneCount + base) * 8, as: Lanes.self)
                let d = Lanes(repeating: demand[r])
                // Fit tested on the exact Double difference: one packed compare on every x86-64.
                let difference = exactDouble(lanes &- d)
                fits = fits .& (difference .>= 0)
                let factor = rawScale.loadUnaligned(fromByteOffset: (r * laneCount + base) * 8, as: ScoreLanes.self)
                let term = ScoreLanes(repeating: coefficient[r]) * (factor * difference)
                if r == 0 {
                    combined = term
                } else {
                    combined = combine == .sum ? combined + term : combined.replacing(with: term, where: term .< combined)
                }
            }
            let score = rawBonus.loadUnaligned(fromByteOffset: base * 8, as: ScoreLanes.self) + combined
            let better = fits .& (score .> bestScore)
            bestScore.replace(with: score, where: better)
            bestPosition.replace(with: position, where: better)
            position &+= step
        }
        let top = bestScore.max()
        guard top > -.infinity else { return nil }
        var lane = Int.max
        for i in 0..<width where bestPosition[i] >= 0 && bestScore[i] == top { lane = min(lane, Int(bestPosition[i])) }
        return (lane, top)
    }

    /// `bestLane` over all blocks of array-held lanes.
    public static func bestLane(_ residual: [Int64], scale: [Double], bonus: [Double], laneCount: Int,
                                demand: [Int64], coefficient: [Double], combine: Combine) -> (lane: Int, score: Double)? {
        residual.withUnsafeBufferPointer { lanes in
            scale.withUnsafeBufferPointer { s in
                bonus.withUnsafeBufferPointer { b in
                    demand.withUnsafeBufferPointer { d in
                        coefficient.withUnsafeBufferPointer { c in
                            bestLane(lanes, scale: s, bonus: b, laneCount: laneCount, blocks: 0..<(laneCount / width),
                                     demand: d, coefficient: c, combine: combine)
                        }
                    }
                }
            }
        }
    }

    /// Scalar twin of `bestLane`.
    public static func bestLaneScalar(_ residual: [Int64], scale: [Double], bonus: [Double], laneCount: Int,
                                      demand: [Int64], coefficient: [Double], combine: Combine) -> (lane: Int, score: Double)? {
        var best: (lane: Int, score: Double)?
        for block in 0..<(laneCount / width) {
            if let found = bestInBlockScalar(residual, scale: scale, bonus: bonus, laneCount: laneCount, block: block,
                                             demand: demand, coefficient: coefficient, combine: combine),
               best == nil || found.score > best!.score {
                best = (block * width + found.lane, found.score)
            }
        }
        return best
    }
}
