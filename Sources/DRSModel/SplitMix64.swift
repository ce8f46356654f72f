/// A small deterministic random number generator (SplitMix64, Steele, Lea and Flood 2014).
///
/// The solvers (seeded local search), the benchmark generators and the tests use it instead of
/// the system generator so that a seed gives the same results on every platform and Swift
/// version: every draw below goes through this type's own arithmetic.
@_spi(Benchmarks) public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose stream is fixed by `seed` (any value, 0 included).
    public init(seed: UInt64) { state = seed }

    /// The next 64 uniformly distributed bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `range` (multiply-shift; bias below 2^-32 for ranges under 2^32).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) &+ 1
        if width == 0 { return Int(bitPattern: UInt(next())) }
        let product = next().multipliedFullWidth(by: width)
        return range.lowerBound + Int(product.high)
    }

    /// A uniform integer in 0..<bound (bound > 0), by multiply-shift (bias < bound / 2^64).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(UInt64(bound).multipliedFullWidth(by: next()).high)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// True with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// An index drawn with probability proportional to `weights` (all >= 0, sum > 0).
    public mutating func pick(weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var target = unit() * total
        for (index, weight) in weights.enumerated() {
            if target < weight { return index }
            target -= weight
        }
        return weights.count - 1
    }

    /// A uniformly chosen element.
    public mutating func element<T>(of values: [T]) -> T { values[int(in: 0...(values.count - 1))] }

    /// Fisher-Yates shuffle in place.
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for index in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(index, int(in: 0...index))
        }
    }

    /// An independent generator for a named sub-stream, so that adding draws to one part of a
    /// generator does not shift the numbers of another.
    public mutating func fork() -> SplitMix64 { SplitMix64(seed: next()) }
}
