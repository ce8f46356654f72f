/// The official objective of a reassignment, term by term, each already multiplied by its
/// weight, so that `total` is their plain sum (the number the challenge ranks by).
public struct RoadefCost: Sendable, Equatable, CustomStringConvertible {
    /// Sum over resources of weight x sum over machines of usage above the safety capacity.
    public var load = 0
    /// Sum over balance objectives of weight x sum over machines of
    /// max(0, target x available(r1) - available(r2)), available = capacity - usage.
    public var balance = 0
    /// Process move weight x the move costs of the processes that left their original machine.
    public var processMove = 0
    /// Service move weight x the largest number of moved processes in one service.
    public var serviceMove = 0
    /// Machine move weight x the sum of move costs from each original machine to the new one.
    public var machineMove = 0

    public init() {}

    /// The objective: the sum of the five weighted terms.
    public var total: Int { load + balance + processMove + serviceMove + machineMove }

    /// `total` and each term, one line.
    public var description: String {
        "total \(total) (load \(load), balance \(balance), process move \(processMove), service move \(serviceMove), machine move \(machineMove))"
    }
}

/// A hard constraint of the challenge that an assignment breaks, with the numbers that show it.
public enum RoadefViolation: Sendable, Equatable, CustomStringConvertible {
    /// Usage of a resource on a machine above its capacity.
    case capacity(machine: Int, resource: Int, usage: Int, capacity: Int)
    /// Usage of a transient resource, counting the processes that moved away from the machine,
    /// above its capacity (while the plain usage fits).
    case transient(machine: Int, resource: Int, usage: Int, capacity: Int)
    /// Two or more processes of one service on one machine.
    case conflict(service: Int, machine: Int, processes: [Int])
    /// A service over fewer distinct locations than its spreadMin.
    case spread(service: Int, locations: Int, minimum: Int)
    /// A process of a service whose machine's neighborhood holds no process of a service it
    /// depends on.
    case dependency(service: Int, dependsOn: Int, process: Int, neighborhood: Int)

    /// The constraint's name: capacity, transient, conflict, spread or dependency.
    public var kind: String {
        switch self {
        case .capacity: return "capacity"
        case .transient: return "transient"
        case .conflict: return "conflict"
        case .spread: return "spread"
        case .dependency: return "dependency"
        }
    }

    /// What is broken, in a sentence.
    public var description: String {
        switch self {
        case let .capacity(m, r, usage, capacity):
            return "capacity: machine \(m) uses \(usage) of resource \(r), capacity \(capacity)"
        case let .transient(m, r, usage, capacity):
            return "transient: machine \(m) uses \(usage) of transient resource \(r) counting the processes that left it, capacity \(capacity)"
        case let .conflict(s, m, processes):
            return "conflict: processes \(processes.map(String.init).joined(separator: ", ")) of service \(s) are all on machine \(m)"
        case let .spread(s, locations, minimum):
            return "spread: service \(s) is in \(locations) location(s), spreadMin \(minimum)"
        case let .dependency(s, other, p, n):
            return "dependency: process \(p) of service \(s) is in neighborhood \(n), which holds no process of service \(other)"
        }
    }
}

/// The cost of an assignment and every hard constraint it breaks.
public struct RoadefEvaluation: Sendable, Equatable {
    public var cost: RoadefCost
    public var violations: [RoadefViolation]
    /// True when no hard constraint is broken.
    public var isFeasible: Bool { violations.isEmpty }
}

/// The challenge's cost and constraints, computed from scratch: O(P x R + M x R x B + S).
/// Written for clarity; the readers guarantee that no sum overflows (`worstCaseCost`).
public enum RoadefEvaluator {
    /// Evaluates `assignment` (machine of each process) against the `original` one.
    /// - Precondition: both have one machine in range per process.
    public static func evaluate(_ instance: RoadefInstance, original: [Int], assignment: [Int]) -> RoadefEvaluation {
        precondition(original.count == instance.processCount && assignment.count == instance.processCount,
                     "an assignment needs one machine per process")
        let resources = instance.resourceCount
        let machines = instance.machineCount
        var usage = Array(repeating: 0, count: machines * resources)
        var leaving = Array(repeating: 0, count: machines * resources)
        for p in 0..<instance.processCount {
            let to = assignment[p], from = original[p]
            precondition((0..<machines).contains(to) && (0..<machines).contains(from), "machine index out of range")
            for r in 0..<resources {
                usage[to * resources + r] += instance.requirement(p, r)
                if from != to, instance.transient[r] { leaving[from * resources + r] += instance.requirement(p, r) }
            }
        }
        var cost = RoadefCost()
        var violations: [RoadefViolation] = []
        for m in 0..<machines {
            for r in 0..<resources {
                let used = usage[m * resources + r], capacity = instance.capacity(m, r)
                if used > capacity {
                    violations.append(.capacity(machine: m, resource: r, usage: used, capacity: capacity))
                } else if used + leaving[m * resources + r] > capacity {
                    violations.append(.transient(machine: m, resource: r, usage: used + leaving[m * resources + r], capacity: capacity))
                }
                cost.load += instance.loadCostWeight[r] * max(0, used - instance.safetyCapacity(m, r))
            }
            for balance in instance.balances {
                let first = instance.capacity(m, balance.first) - usage[m * resources + balance.first]
                let second = instance.capacity(m, balance.second) - usage[m * resources + balance.second]
                cost.balance += balance.weight * max(0, balance.target * first - second)
            }
        }
        cost.processMove = instance.processMoveWeight * moved(original, assignment).reduce(0) { $0 + instance.processMoveCost[$1] }
        var movedInService = Array(repeating: 0, count: instance.serviceCount)
        var machineMove = 0
        for p in moved(original, assignment) {
            movedInService[instance.service[p]] += 1
            machineMove += instance.machineMoveCost(original[p], assignment[p])
        }
        cost.serviceMove = instance.serviceMoveWeight * (movedInService.max() ?? 0)
        cost.machineMove = instance.machineMoveWeight * machineMove
        violations += serviceViolations(instance, assignment: assignment)
        return RoadefEvaluation(cost: cost, violations: violations)
    }

    /// The processes whose machine changed.
    private static func moved(_ original: [Int], _ assignment: [Int]) -> [Int] {
        (0..<assignment.count).filter { original[$0] != assignment[$0] }
    }

    /// Conflict, spread and dependency violations, service by service.
    private static func serviceViolations(_ instance: RoadefInstance, assignment: [Int]) -> [RoadefViolation] {
        var violations: [RoadefViolation] = []
        let byService = instance.processesByService
        var neighborhoods: [Set<Int>] = []
        for (s, processes) in byService.enumerated() {
            var onMachine: [Int: [Int]] = [:]
            for p in processes { onMachine[assignment[p], default: []].append(p) }
            for (m, list) in onMachine.sorted(by: { $0.key < $1.key }) where list.count > 1 {
                violations.append(.conflict(service: s, machine: m, processes: list))
            }
            let locations = Set(processes.map { instance.location[assignment[$0]] }).count
            if locations < instance.spreadMin[s] {
                violations.append(.spread(service: s, locations: locations, minimum: instance.spreadMin[s]))
            }
            neighborhoods.append(Set(processes.map { instance.neighborhood[assignment[$0]] }))
        }
        for (s, processes) in byService.enumerated() {
            for other in instance.dependencies[s] {
                for p in processes where !neighborhoods[other].contains(instance.neighborhood[assignment[p]]) {
                    violations.append(.dependency(service: s, dependsOn: other, process: p, neighborhood: instance.neighborhood[assignment[p]]))
                }
            }
        }
        return violations
    }
}
