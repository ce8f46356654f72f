import DRSModel

/// `drs failover --all`: every single-host failure, planned for real (HA restarts, FT
/// promotion and re-protection, no rebalancing), reporting host by host what could not be
/// restarted. The honest check that the aggregate admission-control reserve cannot give.
public enum FailoverSweep {
    public struct HostReport: Sendable {
        public var host: String
        /// VMs restarted elsewhere and FT VMs promoted.
        public var restarted: Int
        public var promoted: Int
        /// VMs left down, with the reason.
        public var lost: [(vm: String, reason: String)]
        /// FT VMs left without a secondary.
        public var unprotected: [String]
        /// Set when planning this failure failed outright.
        public var error: String?
    }

    /// Plans the failure of each connected host in turn. Each plan is checked by the
    /// independent checker. Cost: one planning per host.
    public static func run(_ snapshot: Snapshot, solver: any PlacementSolver, options: SolveOptions = SolveOptions()) -> [HostReport] {
        var reports: [HostReport] = []
        for (index, host) in snapshot.hosts.enumerated() where host.state == .connected {
            var failed = snapshot
            failed.hosts[index].state = .failed
            // Only the HA response: mandatory steps.
            failed.cluster.migrationThreshold = 1
            var report = HostReport(host: host.id, restarted: 0, promoted: 0, lost: [], unprotected: [])
            do {
                let plan = try Planner.checkedPlan(failed, solver: solver, options: options)
                report.restarted = plan.steps.filter { $0.kind == .restart }.count
                report.promoted = plan.steps.filter { $0.kind == .promote }.count
                report.lost = plan.unplaced.map { ($0, plan.reasons[$0] ?? "no room") }
                report.unprotected = failed.vms.filter { $0.ft != nil && $0.powerState == .on && plan.placement[$0.id] != nil && plan.secondaries[$0.id] == nil }.map(\.id)
            } catch {
                report.error = "\(error)"
            }
            reports.append(report)
        }
        return reports
    }
}
