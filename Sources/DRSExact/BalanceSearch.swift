@_spi(Benchmarks) import DRSModel

/// `balance` for new VMs on identical hosts, by depth-first branch and bound over assignments.
///
/// With every host identical and counted, u*(r) is total demand / (hosts x capacity), and the
/// imbalance squared is (1 / (H x R)) x sum over (h, r) of ((L(h,r) - T(r)) / C(r))^2 with T(r)
/// the mean load. Items (VMs, or required-affinity groups as one item) are assigned largest
/// first; an item goes to a host already in use or to the first empty one (empty hosts are
/// interchangeable), and to no two hosts with the same loads. A node is cut when its bound
/// reaches the best plan's value: per resource, the least sum of squares any spreading of the
/// remaining demand can reach, even split fractionally (water-filling the least-loaded hosts),
/// which is exact for the hosts already above the level the rest can reach.
///
/// When the search completes, the best plan is a proven optimum (all VMs placed, no migration
/// cost, so the imbalance is the whole level-3 term). It applies only then (`init` returns nil
/// otherwise): goal `balance`, every active VM new and free (no FT, no pin, no host rule, no soft
/// rule), every connected host receiving VMs with the same limits and capacities, no standby
/// host, and the incumbent placing everything.
struct BalanceSearch {
    typealias Item = FreeItems.Item

    let problem: Problem
    let items: [Item]
    let hosts: [Int]
    let limit: [Int64]
    /// 1 / (H x R x capacity(r)^2) in milli-units: the weight of a squared deviation.
    let weight: [Double]
    /// Mean load per host per resource (milli-units).
    let target: [Double]
    let conflicts: [[Int]]
    let hasConflicts: Bool

    /// Items beyond which the search is not tried: it could not finish, and it recurses once
    /// per item.
    static let itemLimit = 400

    private var order: [Int] = []
    private var load: [Int64] = []
    private var assignment: [Int] = []
    private var remaining: [Int64] = []
    private var bestValue = Double.infinity
    private var best: [Int]?
    private var nodes = 0
    private var stopped = false
    private var deadline = ContinuousClock.now

    init?(_ problem: Problem, incumbentPlacesEverything: Bool) {
        guard let (free, connected) = FreeItems.forBalance(problem, incumbentPlacesEverything: incumbentPlacesEverything,
                                                           itemLimit: Self.itemLimit),
              let first = connected.first else { return nil }
        let R = problem.resourceCount, H = problem.hostCount
        for h in connected {
            for r in 0..<R where problem.limit(h, r) != problem.limit(first, r)
                || problem.hostCapacity[r * H + h] != problem.hostCapacity[r * H + first] { return nil }
        }
        let items = free.items, conflicts = free.conflicts
        self.problem = problem
        self.items = items
        self.hosts = connected
        self.limit = (0..<R).map { problem.limit(first, $0) }
        let capacity = (0..<R).map { problem.hostCapacity[$0 * H + first] * Units.scale }
        // The score skips a resource without capacity; the search would divide by it.
        guard capacity.allSatisfy({ $0 > 0 }) else { return nil }
        self.weight = capacity.map { 1 / (Double(connected.count * R) * $0 * $0) }
        self.target = (0..<R).map { r in Double(items.reduce(Int64(0)) { $0 + $1.demand[r] }) / Double(connected.count) }
        self.conflicts = conflicts.map { $0.sorted() }
        hasConflicts = conflicts.contains { !$0.isEmpty }
    }

    /// Imbalance squared of host loads `load` (host-major, R per host).
    private func value(_ load: [Int64]) -> Double {
        let R = limit.count
        var total = 0.0
        for h in hosts.indices {
            for r in 0..<R {
                let d = Double(load[h * R + r]) - target[r]
                total += weight[r] * d * d
            }
        }
        return total
    }

    /// The least imbalance squared reachable from the current loads with `remaining` demand
    /// spread fractionally: per resource, raise the least-loaded hosts to a common level.
    private func bound() -> Double {
        let R = limit.count, H = hosts.count
        var total = 0.0
        var loads = [Double](repeating: 0, count: H)
        for r in 0..<R {
            for h in 0..<H { loads[h] = Double(load[h * R + r]) }
            loads.sort()
            var rest = Double(remaining[r])
            var level = loads[0]
            var k = 1
            // Raise hosts 0..<k to the next load while the rest suffices.
            while k < H && rest >= (loads[k] - level) * Double(k) {
                rest -= (loads[k] - level) * Double(k)
                level = loads[k]
                k += 1
            }
            level += rest / Double(k)
            var sum = 0.0
            for h in 0..<H {
                let d = max(loads[h], level) - target[r]
                sum += d * d
            }
            total += weight[r] * sum
        }
        return total
    }

    /// Searches until done or `deadline`, starting from the incumbent's value `incumbent`
    /// (imbalance squared). Returns the best placement found below it, and whether the search
    /// completed (then the best value, found or the incumbent's, is optimal).
    mutating func run(incumbent: Double, deadline: ContinuousClock.Instant) -> (placement: [Int32]?, imbalance: Double, complete: Bool) {
        let R = limit.count, H = hosts.count
        self.deadline = deadline
        func size(_ i: Int) -> Double { (0..<R).reduce(0.0) { $0 + Double(items[i].demand[$1]) * weight[$1].squareRoot() } }
        order = items.indices.sorted { size($0) != size($1) ? size($0) > size($1) : $0 < $1 }
        load = [Int64](repeating: 0, count: H * R)
        assignment = [Int](repeating: -1, count: items.count)
        remaining = (0..<R).map { r in items.reduce(Int64(0)) { $0 + $1.demand[r] } }
        bestValue = incumbent * (1 - 1e-12)
        search(0, used: 0)
        let placement = best.map { chosen -> [Int32] in
            var placement = [Int32](repeating: -1, count: problem.vmCount)
            for (i, item) in items.enumerated() {
                for v in item.vms { placement[Int(v)] = Int32(hosts[chosen[i]]) }
            }
            return placement
        }
        return (placement, (best == nil ? incumbent : bestValue).squareRoot(), !stopped)
    }

    private mutating func search(_ k: Int, used: Int) {
        let R = limit.count, H = hosts.count
        if k == order.count {
            let v = value(load)
            if v < bestValue {
                bestValue = v
                best = assignment
            }
            return
        }
        if stopped { return }
        nodes += 1
        if nodes & 63 == 0 && ContinuousClock.now >= deadline {
            stopped = true
            return
        }
        if bound() >= bestValue { return }
        let i = order[k]
        let demand = items[i].demand
        for r in 0..<R { remaining[r] -= demand[r] }
        defer { for r in 0..<R { remaining[r] += demand[r] } }
        var tried: [[Int64]] = []
        // Least-loaded hosts first: good plans early make the bound cut more.
        var candidates = Array(0..<min(H, used + 1))
        if candidates.count > 1 {
            let pressure = candidates.map { h in (0..<R).reduce(0.0) { $0 + Double(load[h * R + $1]) * weight[$1].squareRoot() } }
            candidates.sort { pressure[$0] != pressure[$1] ? pressure[$0] < pressure[$1] : $0 < $1 }
        }
        for h in candidates {
            guard (0..<R).allSatisfy({ load[h * R + $0] + demand[$0] <= limit[$0] }),
                  !conflicts[i].contains(where: { assignment[$0] == h }) else { continue }
            let key = Array(load[(h * R)..<(h * R + R)])
            // Without anti-affinity, hosts with equal loads lead to the same subtrees.
            if !hasConflicts && tried.contains(key) { continue }
            tried.append(key)
            for r in 0..<R { load[h * R + r] += demand[r] }
            assignment[i] = h
            search(k + 1, used: max(used, h + 1))
            assignment[i] = -1
            for r in 0..<R { load[h * R + r] -= demand[r] }
            if stopped { return }
        }
    }
}
