@_spi(Benchmarks) import DRSModel

/// The active VMs of a problem in which every one of them is new and free to go to any host
/// (no running VM, no FT, no pin, no host rule), as items: a required-affinity group is one
/// item with its members' total demand, every other VM its own item. Anti-affinity becomes
/// conflicts between items. The exact searches that hold only for such problems start here.
struct FreeItems {
    struct Item {
        var vms: [Int32]
        /// Demand in milli-units per resource.
        var demand: [Int64]
    }

    let items: [Item]
    /// `conflicts[i]`: items that may not share a host with item i.
    let conflicts: [Set<Int>]

    /// What the exact `balance` searches need, or nil: goal `balance`, an incumbent placing
    /// everything, no soft rule and no standby host, every active VM new and free (at most
    /// `itemLimit` items), and every connected host receiving VMs (and only those). Returns the
    /// items and the connected hosts.
    static func forBalance(_ problem: Problem, incumbentPlacesEverything: Bool, itemLimit: Int) -> (free: FreeItems, connected: [Int])? {
        guard problem.goal == .balance, incumbentPlacesEverything, problem.softRules.isEmpty,
              !problem.hostState.contains(.standby) else { return nil }
        let H = problem.hostCount
        guard let free = FreeItems(problem), free.items.count <= itemLimit else { return nil }
        let connected = (0..<H).filter { problem.hostState[$0] == .connected }
        guard !connected.isEmpty, connected.allSatisfy({ problem.hostReceives[$0] }),
              (0..<H).allSatisfy({ !problem.hostReceives[$0] || problem.hostState[$0] == .connected }) else { return nil }
        return (free, connected)
    }

    /// Nil when some active VM is not new and free, when there is none, or when an anti-affinity
    /// rule holds two members of one group (no placement exists then).
    init?(_ problem: Problem) {
        let V = problem.vmCount, R = problem.resourceCount
        for v in 0..<V where problem.vmActive[v] {
            if problem.vmInitialHost[v] >= 0 || problem.vmInitialSecondary[v] >= 0 || problem.vmIsFT[v]
                || problem.vmPinned[v] || problem.vmAllowedSet[v] >= 0 { return nil }
        }
        var items: [Item] = []
        var itemOf = [Int](repeating: -1, count: V)
        for v in 0..<V where problem.vmActive[v] && itemOf[v] < 0 {
            let members = problem.vmGroup[v] >= 0 ? problem.groups[Int(problem.vmGroup[v])] : [Int32(v)]
            var demand = [Int64](repeating: 0, count: R)
            for member in members {
                itemOf[Int(member)] = items.count
                for r in 0..<R { demand[r] += problem.demand(Int(member), r) }
            }
            items.append(Item(vms: members, demand: demand))
        }
        guard !items.isEmpty else { return nil }
        var conflicts = [Set<Int>](repeating: [], count: items.count)
        for rule in problem.antiAffinity {
            let members = Set(rule.map { itemOf[Int($0)] })
            guard members.count == rule.count else { return nil }
            for a in members { conflicts[a].formUnion(members.subtracting([a])) }
        }
        self.items = items
        self.conflicts = conflicts
    }
}
