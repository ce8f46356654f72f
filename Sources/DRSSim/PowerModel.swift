/// A host's power draw by CPU utilization: watts at 0%, 10%, ..., 100% (11 values, SPECpower
/// style), linear in between. An empty host is off and draws nothing; that is the simulator's
/// rule, not the model's (`power(at: 0)` is the idle draw of a powered-on host).
public struct PowerModel: Sendable, Equatable {
    /// Watts at 0%, 10%, ..., 100% CPU utilization.
    public var watts: [Double]

    /// A model from 11 values; `nil` unless there are 11 finite values >= 0.
    public init?(watts: [Double]) {
        guard watts.count == 11, watts.allSatisfy({ $0.isFinite && $0 >= 0 }) else { return nil }
        self.watts = watts
    }

    /// HP ProLiant ML110 G4 (Xeon 3040, 2 x 1860 MHz), as CloudSim's power examples use it.
    public static let hpProLiantG4 = PowerModel(watts: [86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117])!
    /// HP ProLiant ML110 G5 (Xeon 3075, 2 x 2660 MHz), as CloudSim's power examples use it.
    public static let hpProLiantG5 = PowerModel(watts: [93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135])!

    /// Watts at `utilization` (0...1; values outside are clamped), interpolated between the two
    /// nearest tenths the way CloudSim's `PowerModelSpecPower` does, so that ties in the
    /// reference policy's power comparisons fall the same way.
    public func power(at utilization: Double) -> Double {
        let u = min(max(utilization, 0), 1)
        if u.truncatingRemainder(dividingBy: 0.1) == 0 { return watts[Int(u * 10)] }
        let lower = Int((u * 10).rounded(.down))
        let upper = Int((u * 10).rounded(.up))
        let delta = (watts[upper] - watts[lower]) / 10
        return watts[lower] + delta * (u - Double(lower) / 10) * 100
    }
}
