@_spi(Benchmarks) import DRSModel
import DRSHeuristics
import Dispatch
import Foundation

extension FailoverSweep {
    /// What `drs failover --all` answers: a report per single-host failure planned within the
    /// sweep's time budget, and the hosts whose failure was not planned because it ran out.
    package struct Sweep: Sendable {
        /// The id of the solver that planned each failure.
        package var solver: String
        /// One report per failure planned, in host order.
        package var reports: [HostReport]
        /// Hosts whose failure was not planned: the budget was spent first.
        package var skipped: [String]
        /// The budget of the whole sweep, and the share each failure's solver got, seconds.
        package var timeLimit: Double
        /// Per failure: limit x min(cores, failures) / failures, seconds.
        package var timeLimitPerFailure: Double
        /// Wall time of the whole sweep, seconds.
        package var seconds: Double

        /// Failures that would leave VMs down (or could not be planned at all).
        package var failing: [HostReport] { reports.filter { !$0.lost.isEmpty || $0.error != nil } }
        /// Some single-host failure would leave VMs down: exit 3, so the sweep can gate CI.
        package var vmsDown: Bool { reports.contains { !$0.lost.isEmpty } }
        /// Every connected host's failure was planned and each could be absorbed: exit 0.
        package var absorbed: Bool { skipped.isEmpty && failing.isEmpty }

        /// `ok` (every failure absorbed), `vmsDown` (some failure leaves VMs down) or
        /// `incomplete` (a failure could not be planned, or the budget ran out first).
        package var status: String { vmsDown ? "vmsDown" : absorbed ? "ok" : "incomplete" }

        /// One JSON object with a report per host, in host order.
        package var json: JSONValue {
            func host(_ report: HostReport) -> JSONValue {
                let state = report.error != nil ? "error" : report.lost.isEmpty ? "ok" : "vmsDown"
                var fields: [(key: String, value: JSONValue)] = [
                    ("host", .string(report.host)), ("status", .string(state)),
                    ("restarted", .number(Double(report.restarted))), ("promoted", .number(Double(report.promoted))),
                    ("lost", .array(report.lost.map { .object([("vm", .string($0.vm)), ("reason", .string($0.reason))]) })),
                    ("unprotected", .array(report.unprotected.map { .string($0) })),
                ]
                if let error = report.error { fields.append(("error", .string(error))) }
                return .object(fields)
            }
            let rounded = { (value: Double) -> JSONValue in .number((value * 1000).rounded() / 1000) }
            return .object([
                ("schemaVersion", .number(1)),
                ("status", .string(status)),
                ("solver", .string(solver)),
                ("timeLimit", rounded(timeLimit)),
                ("timeLimitPerFailure", rounded(timeLimitPerFailure)),
                ("seconds", rounded(seconds)),
                ("hostsTried", .number(Double(reports.count))),
                ("hostsWithVMsDown", .number(Double(reports.filter { !$0.lost.isEmpty }.count))),
                ("hosts", .array(reports.map(host))),
                ("skipped", .array(skipped.map { .string($0) })),
            ])
        }
    }

    /// Plans every single-host failure within one budget: `options.timeLimit` is the time of the
    /// whole sweep, not of each failure. Failures run on all cores in host order; each failure's
    /// solver gets an equal share of the budget (limit x cores / failures), and a failure not
    /// started before the budget is spent is reported in `skipped` instead of planned. The
    /// sweep ends within the budget plus the time of the failures already running.
    package static func sweep(_ snapshot: Snapshot, solver: any PlacementSolver, options: SolveOptions = SolveOptions()) -> Sweep {
        let clock = ContinuousClock()
        let start = clock.now
        var base = snapshot
        base.cluster.migrationThreshold = 1
        let problem = Problem(base)
        let context = PlanChecker.Context(base)
        let candidates = snapshot.hosts.indices.filter { snapshot.hosts[$0].state == .connected }
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let share = candidates.isEmpty ? options.timeLimit : options.timeLimit * Double(min(cores, candidates.count)) / Double(candidates.count)
        let deadline = start + .milliseconds(Int64(options.timeLimit * 1000))
        let slots = ConcurrentSlots<HostReport>(count: candidates.count)
        DispatchQueue.concurrentPerform(iterations: candidates.count) { position in
            let now = clock.now
            guard now < deadline else { return }
            var limited = options
            limited.timeLimit = max(0.001, min(share, (deadline - now).seconds))
            slots.store(report(problem.failing(candidates[position]), failing: candidates[position], solver: solver,
                               options: limited, context: context), at: position)
        }
        let reports = slots.values()
        let planned = Set(reports.map(\.host))
        let skipped = candidates.map { snapshot.hosts[$0].id }.filter { !planned.contains($0) }
        return Sweep(solver: solver.id, reports: reports, skipped: skipped, timeLimit: options.timeLimit,
                     timeLimitPerFailure: share, seconds: (clock.now - start).seconds)
    }
}
