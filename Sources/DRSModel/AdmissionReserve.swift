/// HA admission control's aggregate rule (SPEC section 2), in one place for the model, the
/// heuristics and the planner (the checker keeps its own, on purpose): per resource, the demand
/// that runs (an FT VM twice) must fit in the total limit of the hosts that are on minus the
/// `hostFailuresToTolerate` largest of them. `reserve(limits:failures:)` is the rule; an
/// instance answers it for a set of hosts that loses hosts one at a time: O(R x H log H) to set
/// up, O(R x (k + hosts removed)) per question.
package struct AdmissionReserve: Sendable {
    /// Host failures to tolerate; 0 when HA admission control is off (the rule always holds).
    package let failures: Int
    var demand: [Int64] = []
    var limits: [[Int64]] = []
    var sortedHosts: [[Int]] = []
    var total: [Int64] = []
    var removed = Set<Int>()

    /// The reserve of hosts with these limits (one resource): their total minus the `failures`
    /// largest. Saturating: validated input keeps these sums below 2e18 (`InputLimits`).
    /// O(H log H).
    package static func reserve(limits: [Int64], failures: Int) -> Int64 {
        limits.sorted(by: >).dropFirst(failures).reduce(Int64(0), Units.sum)
    }

    /// Failures to tolerate when HA admission control is on (enabled, at least one), else nil.
    package static func failures(_ snapshot: Snapshot) -> Int? {
        guard let ha = snapshot.cluster.ha, ha.enabled, ha.hostFailuresToTolerate > 0 else { return nil }
        return ha.hostFailuresToTolerate
    }

    /// The rule for the VMs at `primaries` and `secondaries` (host per VM, -1 for none) on
    /// `hosts`; with HA admission control off it always holds.
    package init(_ problem: Problem, primaries: [Int32], secondaries: [Int32], hosts: Set<Int>) {
        failures = Self.failures(problem.snapshot) ?? 0
        guard failures > 0 else { return }
        for r in 0..<problem.resourceCount {
            var sum: Int64 = 0
            for v in 0..<problem.vmCount where problem.vmActive[v] {
                if primaries[v] >= 0 { sum += problem.demand(v, r) }
                if secondaries[v] >= 0 { sum += problem.demand(v, r) }
            }
            demand.append(sum)
            let row = (0..<problem.hostCount).map { hosts.contains($0) ? problem.limit($0, r) : 0 }
            limits.append(row)
            sortedHosts.append(hosts.sorted { row[$0] > row[$1] })
            total.append(row.reduce(0, +))
        }
    }

    /// Whether the reserve still covers `failures` host failures once `host` (when given)
    /// leaves too.
    package func holds(without host: Int? = nil) -> Bool {
        guard failures > 0 else { return true }
        for r in demand.indices {
            var reserve = total[r] - (host.map { limits[r][$0] } ?? 0)
            var taken = 0
            for candidate in sortedHosts[r] where taken < failures {
                if candidate == host || removed.contains(candidate) { continue }
                reserve -= limits[r][candidate]
                taken += 1
            }
            if demand[r] > reserve { return false }
        }
        return true
    }

    /// `host` leaves the set for good.
    package mutating func remove(_ host: Int) {
        guard failures > 0 else { return }
        for r in demand.indices { total[r] -= limits[r][host] }
        removed.insert(host)
    }
}
