/// The pricing problem of `PatternSolver`: a multi-resource 0/1 knapsack with conflicts (and
/// optionally a minimum load per resource), maximising total value, by depth-first branch and
/// bound. Items are tried by value per unit of normalised size; a node is cut when its value
/// plus the smallest of the per-resource fractional knapsack bounds over the undecided items
/// cannot beat the best, or when the undecided items cannot reach the minimum load.
struct PatternKnapsack {
    let capacity: [Int64]
    let fill: [Int64]?
    let demands: [[Int64]]
    let values: [Double]
    let conflicts: [[Int]]
    /// Stops after this many nodes (then the root bound is the answer's upper bound).
    var nodeLimit = 400_000

    private var order: [Int] = []
    /// Per resource, the positions in `order` sorted by value per unit of that resource.
    private var resourceOrder: [[Int]] = []
    /// remainingDemand[k * R + r]: demand in r of order[k...].
    private var remainingDemand: [Int64] = []
    private var load: [Int64] = []
    private var chosen: [Int] = []
    private var blocked: [Int] = []
    /// Scratch of `bound`: whether order[position] can still join.
    private var open: [Bool] = []
    /// demands, flat: item i, resource r at i x R + r.
    private var flatDemand: [Int64] = []
    private var bestValue = -Double.infinity
    private(set) var best: [Int]?
    private var nodes = 0
    private var stopped = false

    init(capacity: [Int64], fill: [Int64]?, demands: [[Int64]], values: [Double], conflicts: [[Int]]) {
        self.capacity = capacity
        self.fill = fill
        self.demands = demands
        self.values = values
        self.conflicts = conflicts
    }

    private func size(_ i: Int) -> Double {
        capacity.indices.reduce(0.0) { $0 + Double(demands[i][$1]) / Double(max(1, capacity[$1])) }
    }

    /// Searches; `best` holds item indices of the best admissible set (nil when none).
    mutating func run(deadline: ContinuousClock.Instant) -> (best: [Int]?, finished: Bool, rootBound: Double) {
        let n = values.count, R = capacity.count
        order = (0..<n).sorted { a, b in
            let ra = values[a] / max(1e-12, size(a)), rb = values[b] / max(1e-12, size(b))
            return ra != rb ? ra > rb : a < b
        }
        resourceOrder = (0..<R).map { r in
            (0..<n).sorted { a, b in
                let da = demands[order[a]][r], db = demands[order[b]][r]
                let ra = da == 0 ? Double.infinity : values[order[a]] / Double(da)
                let rb = db == 0 ? Double.infinity : values[order[b]] / Double(db)
                return ra != rb ? ra > rb : a < b
            }
        }
        remainingDemand = [Int64](repeating: 0, count: (n + 1) * R)
        for k in stride(from: n - 1, through: 0, by: -1) {
            for r in 0..<R { remainingDemand[k * R + r] = remainingDemand[(k + 1) * R + r] + demands[order[k]][r] }
        }
        load = [Int64](repeating: 0, count: R)
        blocked = [Int](repeating: 0, count: n)
        open = [Bool](repeating: false, count: n)
        flatDemand = demands.flatMap { $0 }
        chosen = []
        let rootBound = bound(from: 0)
        search(0, value: 0, deadline: deadline)
        return (best, !stopped, rootBound)
    }

    /// The smallest over resources of the fractional knapsack bound over order[k...] (items
    /// that still fit and conflict with nothing chosen). O(n x R).
    private mutating func bound(from k: Int) -> Double {
        let R = capacity.count
        // Which undecided items can still join, once per node.
        for position in k..<order.count {
            let i = order[position]
            var ok = blocked[i] == 0
            if ok {
                for r in 0..<R where load[r] + flatDemand[i * R + r] > capacity[r] { ok = false; break }
            }
            open[position] = ok
        }
        var smallest = Double.infinity
        for r in 0..<R {
            var room = Double(capacity[r] - load[r])
            var total = 0.0
            for position in resourceOrder[r] where position >= k && open[position] {
                let i = order[position]
                let d = Double(flatDemand[i * R + r])
                if d <= room {
                    total += values[i]
                    room -= d
                } else {
                    total += values[i] * room / d
                    break
                }
            }
            smallest = min(smallest, total)
        }
        return smallest
    }

    private func fits(_ i: Int) -> Bool {
        let R = capacity.count
        for r in 0..<R where load[r] + flatDemand[i * R + r] > capacity[r] { return false }
        return true
    }

    private mutating func search(_ k: Int, value: Double, deadline: ContinuousClock.Instant) {
        let R = capacity.count
        let full = fill.map { fill in (0..<R).allSatisfy { load[$0] >= fill[$0] } } ?? true
        if full && value > bestValue + 1e-12 {
            bestValue = value
            best = chosen.sorted()
        }
        guard k < order.count, !stopped else { return }
        if let fill, (0..<R).contains(where: { load[$0] + remainingDemand[k * R + $0] < fill[$0] }) { return }
        if value + bound(from: k) <= bestValue + 1e-12 { return }
        nodes += 1
        if nodes >= nodeLimit || (nodes & 1023 == 0 && ContinuousClock.now >= deadline) {
            stopped = true
            return
        }
        let i = order[k]
        if blocked[i] == 0 && fits(i) {
            for r in 0..<R { load[r] += flatDemand[i * R + r] }
            for j in conflicts[i] { blocked[j] += 1 }
            chosen.append(i)
            search(k + 1, value: value + values[i], deadline: deadline)
            chosen.removeLast()
            for j in conflicts[i] { blocked[j] -= 1 }
            for r in 0..<R { load[r] -= flatDemand[i * R + r] }
        }
        search(k + 1, value: value, deadline: deadline)
    }
}
