@_spi(Benchmarks) import OpenDRS

/// Struct-of-arrays host lanes for the residual kernels, in the layout `ResidualKernel`
/// documents: `residual[r * laneCount + p]` in milli-units, its Float `mirror`, `scale` and `bonus` per lane, and a
/// ring of demand vectors that the benchmarks cycle through so no scan repeats its input.
/// The SIMD kernels and their scalar twins read exactly these arrays.
struct LaneFixture: Sendable {
    static let laneCount = 1024
    static let resourceCount = 4
    static let demandCount = 64

    let residual: [Int64]
    let mirror: [Float]
    let scale: [Float]
    let bonus: [Float]
    let coefficient: [Float]
    /// `demandCount` vectors of `resourceCount` milli-unit demands.
    let demands: [[Int64]]

    /// 1,024 hosts x 4 resources. Residuals are uniform in 0 ..< 2^30 milli-units; each demand
    /// resource is uniform in 0 ..< 2^29, so a lane fits one resource with probability 3/4 and
    /// all four with about 0.32: every scan has fitting and non-fitting lanes in each block.
    init(seed: UInt64 = 0x0D25_0001) {
        var random = SplitMix64(seed: seed)
        let lanes = Self.laneCount, resources = Self.resourceCount
        var residual = [Int64](repeating: 0, count: lanes * resources)
        var scale = [Float](repeating: 0, count: lanes * resources)
        for r in 0..<resources {
            for p in 0..<lanes {
                residual[r * lanes + p] = Int64(random.below(1 << 30))
                // 1 / capacity, capacities between 2^30 and 2^31 milli-units.
                scale[r * lanes + p] = Float(1 / random.uniform(0x1p30, 0x1p31))
            }
        }
        self.residual = residual
        mirror = residual.map { Float($0) }
        self.scale = scale
        // Bonuses rank before scores (see `ResidualKernel.bestLane`): a quarter of the lanes get a penalty.
        bonus = (0..<lanes).map { _ in random.chance(0.25) ? -1e9 : 0 }
        coefficient = [1, 0.5, 0.25, 0.25]
        demands = (0..<Self.demandCount).map { _ in (0..<resources).map { _ in Int64(random.below(1 << 29)) } }
    }

    static let shared = LaneFixture()
}
