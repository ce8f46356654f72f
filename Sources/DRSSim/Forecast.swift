/// How a policy predicts a VM's CPU utilization for the next interval from its history (newest
/// first), so that it plans for the interval ahead rather than the one just past.
public enum Forecast: Sendable, Equatable, CustomStringConvertible {
    /// The latest value.
    case last
    /// The largest of the last `window` values.
    case movingMax(window: Int)
    /// Least squares over the last `window` values, one step ahead (never below 0).
    case localRegression(window: Int)
    /// The `quantile` (0...1) of the last `window` values, nearest rank.
    case percentile(quantile: Double, window: Int)

    /// The forecast named `last`, `maxN`, `lrN` or `pQ-N` (e.g. `max6`, `lr10`, `p90-12`); nil
    /// for anything else.
    public init?(name: String) {
        let text = name.lowercased()
        func window(_ suffix: Substring) -> Int? { Int(suffix).flatMap { (1...30).contains($0) ? $0 : nil } }
        if text == "last" {
            self = .last
        } else if text.hasPrefix("max"), let count = window(text.dropFirst(3)) {
            self = .movingMax(window: count)
        } else if text.hasPrefix("lr"), let count = window(text.dropFirst(2)), count >= 3 {
            self = .localRegression(window: count)
        } else if text.hasPrefix("p") {
            let parts = text.dropFirst().split(separator: "-")
            guard parts.count == 2, let quantile = Double(parts[0]), (1...100).contains(quantile), let count = window(parts[1]) else { return nil }
            self = .percentile(quantile: quantile / 100, window: count)
        } else {
            return nil
        }
    }

    /// The name `init(name:)` reads back.
    public var description: String {
        switch self {
        case .last: return "last"
        case let .movingMax(window): return "max\(window)"
        case let .localRegression(window): return "lr\(window)"
        case let .percentile(quantile, window): return "p\(Int((quantile * 100).rounded()))-\(window)"
        }
    }

    /// The predicted utilization for `history` (newest first); 0 for an empty history.
    public func predict(_ history: ArraySlice<Double>) -> Double {
        guard let latest = history.first else { return 0 }
        switch self {
        case .last:
            return latest
        case let .movingMax(window):
            return history.prefix(window).max() ?? latest
        case let .localRegression(window):
            let recent = Array(history.prefix(window))
            guard recent.count >= 3 else { return recent.max() ?? latest }
            return max(0, LocalRegression.forecast(newestFirst: recent, ahead: 1))
        case let .percentile(quantile, window):
            let sorted = history.prefix(window).sorted()
            let rank = Int((quantile * Double(sorted.count)).rounded(.up)) - 1
            return sorted[min(max(rank, 0), sorted.count - 1)]
        }
    }
}
