import DRSModel
import DRSHeuristics

extension Planner {
    /// Why the FT secondary of `v` must be placed or moved whatever the threshold (priority 1),
    /// or nil when its move is optional: it is to be created, its host cannot keep it (entering
    /// maintenance, standby), it shares its primary's host, its host is over capacity, or the
    /// primary moves onto its host.
    static func mandatorySecondaryReason(_ problem: Problem, _ v: Int, result: SolverResult, overloaded: [Bool]) -> String? {
        let initial = Int(problem.vmInitialSecondary[v])
        if initial < 0 {
            return problem.vmPromoted[v] ? "FT re-protection: new secondary after the promotion" : "FT protection: new secondary"
        }
        let host = hostID(problem, initial)
        switch problem.hostState[initial] {
        case .maintenance: return "host \(host) is entering maintenance mode"
        case .standby: return "host \(host) is in standby"
        case .failed: return "host \(host) failed"
        case .connected: break
        }
        if problem.vmInitialHost[v] == Int32(initial) { return "FT: primary and secondary share host \(host)" }
        if overloaded[initial] { return "fixes an overload: host \(host) is over its capacity limit" }
        if result.placement[v] == Int32(initial) { return "FT: the primary moves onto the secondary's host" }
        return nil
    }
}
