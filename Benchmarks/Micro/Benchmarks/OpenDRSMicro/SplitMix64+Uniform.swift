@_spi(Benchmarks) import OpenDRS

extension SplitMix64 {
    /// Uniform in lower ..< upper (from the library generator's 53-bit `unit()`).
    mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * unit() }
}
