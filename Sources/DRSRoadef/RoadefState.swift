/// An assignment with everything needed to change it one process at a time and know at once
/// what that costs and whether a hard constraint broke: usage per machine and resource (and
/// what moved-away processes still hold of transient resources), processes per service and
/// machine, location and neighborhood, moved processes per service, and the objective.
///
/// `move(_:to:)` costs O(R + B + D) where D is the number of services that depend on, or that
/// are depended on by, the process's service; `holdsAround` checks only what a move changed.
struct RoadefState {
    let instance: RoadefInstance
    let original: [Int]
    private(set) var assignment: [Int]
    /// Machine x resource: usage of the processes assigned there.
    private(set) var usage: [Int]
    /// Machine x resource: requirements of transient resources of processes that left the machine.
    private var leaving: [Int]
    /// (service, machine) -> processes of the service on the machine (absent: 0).
    private var onMachine: [Int: Int32] = [:]
    /// Service x location and service x neighborhood: processes there.
    private var inLocation: [Int32]
    private var inNeighborhood: [Int32]
    /// Per service: distinct locations in use, and processes away from their original machine.
    private var locations: [Int]
    private var movedInService: [Int]
    /// Services by number of moved processes, and the largest such number.
    private var servicesWithMoved: [Int]
    private var largestMoved = 0
    /// Services that depend on each service.
    let dependents: [[Int]]
    let locationCount: Int
    let neighborhoodCount: Int
    /// Load and balance cost of each machine, and the five terms' running sums (unweighted
    /// process and machine move costs).
    private var machineCost: [Int]
    private(set) var machineTermSum = 0
    private(set) var processMoveSum = 0
    private(set) var machineMoveSum = 0

    init(_ instance: RoadefInstance, original: [Int], assignment: [Int]) {
        self.instance = instance
        self.original = original
        self.assignment = original
        let resources = instance.resourceCount, machines = instance.machineCount
        usage = Array(repeating: 0, count: machines * resources)
        leaving = usage
        locationCount = (instance.location.max() ?? 0) + 1
        neighborhoodCount = (instance.neighborhood.max() ?? 0) + 1
        inLocation = Array(repeating: 0, count: instance.serviceCount * locationCount)
        inNeighborhood = Array(repeating: 0, count: instance.serviceCount * neighborhoodCount)
        locations = Array(repeating: 0, count: instance.serviceCount)
        movedInService = locations
        servicesWithMoved = Array(repeating: 0, count: instance.processCount + 1)
        servicesWithMoved[0] = instance.serviceCount
        var dependents = Array(repeating: [Int](), count: instance.serviceCount)
        for (s, list) in instance.dependencies.enumerated() { for other in list { dependents[other].append(s) } }
        self.dependents = dependents
        machineCost = Array(repeating: 0, count: machines)
        for p in 0..<instance.processCount { place(p, on: original[p]) }
        for m in 0..<machines {
            machineCost[m] = cost(of: m)
            machineTermSum += machineCost[m]
        }
        for p in 0..<instance.processCount where assignment[p] != original[p] { move(p, to: assignment[p]) }
    }

    /// The official objective of the current assignment.
    var total: Int {
        machineTermSum + instance.processMoveWeight * processMoveSum + instance.serviceMoveWeight * largestMoved
            + instance.machineMoveWeight * machineMoveSum
    }

    /// Load and balance cost of machine `m` at its current usage.
    private func cost(of m: Int) -> Int {
        let resources = instance.resourceCount
        var cost = 0
        for r in 0..<resources {
            cost += instance.loadCostWeight[r] * max(0, usage[m * resources + r] - instance.safetyCapacity(m, r))
        }
        for balance in instance.balances {
            let first = instance.capacity(m, balance.first) - usage[m * resources + balance.first]
            let second = instance.capacity(m, balance.second) - usage[m * resources + balance.second]
            cost += balance.weight * max(0, balance.target * first - second)
        }
        return cost
    }

    /// Adds process `p` to machine `m`'s counts (not to the cost).
    private mutating func place(_ p: Int, on m: Int) {
        let s = instance.service[p], resources = instance.resourceCount
        for r in 0..<resources { usage[m * resources + r] += instance.requirement(p, r) }
        onMachine[s * instance.machineCount + m, default: 0] += 1
        let l = s * locationCount + instance.location[m]
        if inLocation[l] == 0 { locations[s] += 1 }
        inLocation[l] += 1
        inNeighborhood[s * neighborhoodCount + instance.neighborhood[m]] += 1
    }

    /// Removes process `p` from machine `m`'s counts.
    private mutating func remove(_ p: Int, from m: Int) {
        let s = instance.service[p], resources = instance.resourceCount
        for r in 0..<resources { usage[m * resources + r] -= instance.requirement(p, r) }
        let key = s * instance.machineCount + m
        if onMachine[key] == 1 { onMachine[key] = nil } else { onMachine[key, default: 0] -= 1 }
        let l = s * locationCount + instance.location[m]
        inLocation[l] -= 1
        if inLocation[l] == 0 { locations[s] -= 1 }
        inNeighborhood[s * neighborhoodCount + instance.neighborhood[m]] -= 1
    }

    /// Moves process `p` to machine `to`, keeping every count and the cost current; checks nothing.
    mutating func move(_ p: Int, to: Int) {
        let from = assignment[p], home = original[p], s = instance.service[p]
        guard from != to else { return }
        machineTermSum -= machineCost[from] + machineCost[to]
        remove(p, from: from)
        place(p, on: to)
        assignment[p] = to
        let resources = instance.resourceCount
        if from == home || to == home {
            for r in 0..<resources where instance.transient[r] {
                leaving[home * resources + r] += (from == home ? 1 : -1) * instance.requirement(p, r)
            }
            let change = from == home ? 1 : -1
            processMoveSum += change * instance.processMoveCost[p]
            let before = movedInService[s]
            movedInService[s] += change
            servicesWithMoved[before] -= 1
            servicesWithMoved[before + change] += 1
            if before + change > largestMoved { largestMoved = before + change }
            while largestMoved > 0, servicesWithMoved[largestMoved] == 0 { largestMoved -= 1 }
        }
        machineMoveSum += instance.machineMoveCost(home, to) - instance.machineMoveCost(home, from)
        machineCost[from] = cost(of: from)
        machineCost[to] = cost(of: to)
        machineTermSum += machineCost[from] + machineCost[to]
    }

    /// Whether machine `m` holds its capacities, counting transient resources of processes that
    /// left it.
    func fits(_ m: Int) -> Bool {
        let resources = instance.resourceCount
        for r in 0..<resources {
            let used = usage[m * resources + r] + leaving[m * resources + r]
            if used > instance.capacity(m, r) { return false }
        }
        return true
    }

    /// Whether service `s` is on no machine twice, over enough locations, and its dependencies
    /// hold in the neighborhoods of machines `a` and `b` (the only ones a move changed).
    func serviceHolds(_ s: Int, machines a: Int, _ b: Int) -> Bool {
        if (onMachine[s * instance.machineCount + a] ?? 0) > 1 || (onMachine[s * instance.machineCount + b] ?? 0) > 1 { return false }
        if locations[s] < instance.spreadMin[s] { return false }
        let first = instance.neighborhood[a], second = instance.neighborhood[b]
        return dependenciesHold(s, in: first) && (first == second || dependenciesHold(s, in: second))
    }

    /// Whether, in neighborhood `n`, service `s` has what it depends on and leaves nothing that
    /// depends on it without it.
    private func dependenciesHold(_ s: Int, in n: Int) -> Bool {
        if inNeighborhood[s * neighborhoodCount + n] > 0 {
            for other in instance.dependencies[s] where inNeighborhood[other * neighborhoodCount + n] == 0 { return false }
        } else {
            for dependent in dependents[s] where inNeighborhood[dependent * neighborhoodCount + n] > 0 { return false }
        }
        return true
    }
}
