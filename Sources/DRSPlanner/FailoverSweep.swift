@_spi(Benchmarks) import DRSModel
import DRSHeuristics
import Dispatch
import Foundation

/// `drs failover --all`: every single-host failure, planned for real (HA restarts, FT
/// promotion and re-protection, no rebalancing), reporting host by host what could not be
/// restarted. The honest check that the aggregate admission-control reserve cannot give.
@_spi(Benchmarks) public enum FailoverSweep {
    /// What the failure of one host does to its VMs.
    public struct HostReport: Sendable {
        /// The id of the failed host.
        public var host: String
        /// VMs restarted elsewhere and FT VMs promoted.
        public var restarted: Int
        /// FT VMs whose secondary was promoted to primary.
        public var promoted: Int
        /// VMs left down, with the reason.
        public var lost: [(vm: String, reason: String)]
        /// FT VMs left without a secondary.
        public var unprotected: [String]
        /// Set when planning this failure failed outright.
        public var error: String?
    }

    /// Plans the failure of each connected host. Each plan is checked by the independent
    /// checker. Failures are independent, so they are planned on all cores; the reports come
    /// back in host order whatever the thread timing.
    public static func run(_ snapshot: Snapshot, solver: any PlacementSolver, options: SolveOptions = SolveOptions()) -> [HostReport] {
        var base = snapshot
        // Only the HA response: mandatory steps.
        base.cluster.migrationThreshold = 1
        let problem = Problem(base)
        let context = PlanChecker.Context(base)
        let candidates = snapshot.hosts.indices.filter { snapshot.hosts[$0].state == .connected }
        let slots = ConcurrentSlots<HostReport>(count: candidates.count)
        DispatchQueue.concurrentPerform(iterations: candidates.count) { position in
            slots.store(report(problem.failing(candidates[position]), failing: candidates[position], solver: solver,
                                     options: options, context: context), at: position)
        }
        return slots.values()
    }

    /// The HA response to one host failure, from the problem with that host failed.
    static func report(_ failed: Problem, failing index: Int, solver: any PlacementSolver, options: SolveOptions,
                       context: PlanChecker.Context) -> HostReport {
        let snapshot = failed.snapshot
        var report = HostReport(host: snapshot.hosts[index].id, restarted: 0, promoted: 0, lost: [], unprotected: [])
        do {
            let plan = try Planner.checkedPlan(failed, solver: solver, options: options, context: context)
            report.restarted = plan.steps.filter { $0.kind == .restart }.count
            report.promoted = plan.steps.filter { $0.kind == .promote }.count
            report.lost = plan.unplaced.map { ($0, plan.reasons[$0] ?? "no room") }
            report.unprotected = snapshot.vms.filter { $0.ft != nil && $0.powerState == .on && plan.placement[$0.id] != nil && plan.secondaries[$0.id] == nil }.map(\.id)
        } catch {
            report.error = "\(error)"
        }
        return report
    }
}
