import DRSModel
import DRSPlanner

/// The policies `drs simulate --policy` knows by name.
public enum SimulationPolicies {
    /// The policy `drs simulate` runs when none is named: OpenDRS's best on the shared days.
    public static let defaultName = "drs-best"

    /// The named presets, reference policies first.
    public static var names: [String] { ["lr-mmt-1.2", "thr-mmt-0.8"] + presets.map(\.name) }

    /// OpenDRS presets: name and planner options. `drs-consolidate` and `drs-balance` are the
    /// planner's two goals with the defaults (threshold 3, headroom 0.85, each VM planned at
    /// the largest of its last 6 samples); `drs-best` is the best found on the shared days:
    /// consolidate, threshold 3, headroom 0.95, each VM planned at the 80th percentile of its
    /// last 12 samples (an hour).
    public static let presets: [(name: String, options: PlannerPolicy.Options)] = [
        ("drs-best", { var options = PlannerPolicy.Options(); options.headroom = 0.95
                       options.forecast = .percentile(quantile: 0.8, window: 12); return options }()),
        ("drs-consolidate", PlannerPolicy.Options()),
        ("drs-balance", { var options = PlannerPolicy.Options(); options.goal = .balance; return options }()),
    ]

    /// The policy called `name`: a preset, `lr-mmt-S`, `thr-mmt-T`, or
    /// `drs:key=value,...` with keys goal, threshold, headroom, forecast, solver, time, spare
    /// (planner options over the drs-consolidate preset); nil for an unknown name or a bad value.
    public static func policy(named name: String) -> (any SimulationPolicy)? {
        if let reference = ReferencePolicy(name: name) { return reference }
        if let preset = presets.first(where: { $0.name == name }) { return PlannerPolicy(name: name, options: preset.options) }
        guard name.hasPrefix("drs:") else { return nil }
        var options = PlannerPolicy.Options()
        for pair in name.dropFirst(4).split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, options.set(parts[0], parts[1]) else { return nil }
        }
        return PlannerPolicy(name: name, options: options)
    }
}

extension PlannerPolicy.Options {
    /// Sets option `key` from `value`; false for an unknown key or a bad value.
    mutating func set(_ key: String, _ value: String) -> Bool {
        switch key {
        case "goal":
            guard let goal = Goal(rawValue: value) else { return false }
            self.goal = goal
        case "threshold":
            guard let level = Int(value), (1...5).contains(level) else { return false }
            threshold = level
        case "headroom":
            guard let share = Double(value), share > 0, share <= 1 else { return false }
            headroom = share
        case "forecast":
            guard let forecast = Forecast(name: value) else { return false }
            self.forecast = forecast
        case "solver":
            guard let solver = SolverKind(name: value) else { return false }
            self.solver = solver
        case "time":
            guard let seconds = Double(value), seconds > 0, seconds <= 3600 else { return false }
            timeLimit = seconds
        case "spare":
            guard let factor = Double(value), factor >= 1, factor <= 100 else { return false }
            spare = factor
        default:
            return false
        }
        return true
    }
}
