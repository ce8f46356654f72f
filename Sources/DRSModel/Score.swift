/// Every term of the SPEC section 2 score, reported separately so that solutions from different
/// solvers compare term by term.
public struct Objective: Sendable, Equatable {
    /// Active VMs left without a host.
    public var unplaced: Int = 0
    /// Unplaced VMs per priority class, highest first (5 entries).
    public var unplacedByPriority: [Int] = [0, 0, 0, 0, 0]
    /// FT VMs left without a secondary, per priority class, highest first.
    public var unprotectedByPriority: [Int] = [0, 0, 0, 0, 0]
    /// Soft-rule violations, graded: affinity counts hosts beyond the first, anti-affinity VMs
    /// beyond one per host, should/shouldNot each VM on the wrong side.
    public var softViolations: Int = 0
    /// Hosts with anything powered on (primary or secondary).
    public var activeHosts: Int = 0
    /// The largest load / capacity over hosts and resources.
    public var peakUtilization: Double = 0
    /// sqrt(mean over (h, r) of (u(h,r) - u*(r))^2) over connected (and used standby) hosts.
    public var imbalance: Double = 0
    /// Estimated seconds of all live migrations.
    public var migrationSeconds: Double = 0
    /// Live migrations (primaries and secondaries that change host).
    public var migrations: Int = 0
    /// Goal term (imbalance or active hosts) + lambda x migration seconds: lexicographic level 3.
    public var cost: Double = 0

    /// The zero objective: nothing unplaced or unprotected, every term 0.
    public init() {}

    /// Lexicographic comparison: unplaced by priority, unprotected by priority, soft violations,
    /// then cost (with a relative tolerance of 1e-9).
    public func isBetter(than other: Objective) -> Bool {
        if unplacedByPriority != other.unplacedByPriority {
            return unplacedByPriority.lexicographicallyPrecedes(other.unplacedByPriority)
        }
        if unprotectedByPriority != other.unprotectedByPriority {
            return unprotectedByPriority.lexicographicallyPrecedes(other.unprotectedByPriority)
        }
        if softViolations != other.softViolations { return softViolations < other.softViolations }
        return cost < other.cost - 1e-9 * max(1, abs(other.cost))
    }
}

/// The one score function (SPEC section 2), used by every solver and every report.
@_spi(Benchmarks) public enum Score {
    /// Scores a placement. `placement[v]` is the host of VM v (-1: unplaced; ignored for
    /// powered-off VMs); `secondaries[v]` the host of its FT secondary (-1: none).
    /// O(V x R + H x R + rule members).
    public static func evaluate(_ problem: Problem, placement: [Int32], secondaries: [Int32]) -> Objective {
        var objective = Objective()
        let H = problem.hostCount, R = problem.resourceCount
        var load = [Int64](repeating: 0, count: H * R)
        var used = [Bool](repeating: false, count: H)
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            let priority = Int(problem.vmPriority[v])
            let h = Int(placement[v])
            if h < 0 {
                objective.unplaced += 1
                objective.unplacedByPriority[priority] += 1
                continue
            }
            used[h] = true
            for r in 0..<R { load[r * H + h] += problem.demand(v, r) }
            let initial = problem.vmInitialHost[v]
            if initial >= 0 && Int(initial) != h {
                objective.migrations += 1
                objective.migrationSeconds += problem.migrationSeconds(v, to: h)
            }
            if problem.vmIsFT[v] {
                let s = Int(secondaries[v])
                if s < 0 {
                    objective.unprotectedByPriority[priority] += 1
                } else {
                    used[s] = true
                    for r in 0..<R { load[r * H + s] += problem.demand(v, r) }
                    let initialSecondary = problem.vmInitialSecondary[v]
                    if initialSecondary >= 0 && Int(initialSecondary) != s {
                        objective.migrations += 1
                        objective.migrationSeconds += problem.vmMigration[v].seconds
                    }
                }
            }
        }
        objective.softViolations = softViolations(problem, placement: placement)
        objective.activeHosts = used.filter { $0 }.count

        // Utilization over connected hosts and standby hosts brought back into use.
        var counted: [Int] = []
        for h in 0..<H where problem.hostState[h] == .connected || (problem.hostState[h] == .standby && used[h]) {
            counted.append(h)
        }
        var sumSquares = 0.0
        var terms = 0
        for r in 0..<R {
            var totalLoad = 0.0, totalCapacity = 0.0
            for h in counted {
                totalLoad += Double(load[r * H + h]) / Units.scale
                totalCapacity += problem.hostCapacity[r * H + h]
            }
            guard totalCapacity > 0 else { continue }
            let mean = totalLoad / totalCapacity
            for h in counted {
                let capacity = problem.hostCapacity[r * H + h]
                guard capacity > 0 else { continue }
                let utilization = Double(load[r * H + h]) / Units.scale / capacity
                objective.peakUtilization = max(objective.peakUtilization, utilization)
                sumSquares += (utilization - mean) * (utilization - mean)
                terms += 1
            }
        }
        objective.imbalance = terms > 0 ? (sumSquares / Double(terms)).squareRoot() : 0
        let goalTerm = problem.goal == .balance ? objective.imbalance : Double(objective.activeHosts)
        objective.cost = goalTerm + problem.lambda * objective.migrationSeconds
        return objective
    }

    /// Graded soft-rule violations (see `Objective.softViolations`).
    package static func softViolations(_ problem: Problem, placement: [Int32]) -> Int {
        var total = 0
        for rule in problem.softRules {
            let hosts = rule.vms.map { placement[Int($0)] }.filter { $0 >= 0 }
            switch rule.kind {
            case .affinity:
                total += max(0, Set(hosts).count - 1)
            case .antiAffinity:
                total += hosts.count - Set(hosts).count
            case .should:
                total += hosts.filter { !rule.hosts!.contains(Int($0)) }.count
            case .shouldNot:
                total += hosts.filter { rule.hosts!.contains(Int($0)) }.count
            }
        }
        return total
    }
}
