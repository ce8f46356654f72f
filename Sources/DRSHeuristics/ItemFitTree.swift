/// Items in a fixed order (largest first, say) with their demands, in a segment tree holding,
/// per node and resource, the smallest demand among the node's available items. `first`
/// finds the first available item at or after a position whose demand fits a residual in
/// every resource, descending only into nodes whose minima all fit: O(R log n) when the minima
/// prune well, O(n x R) at worst (minima of different items). A second tree, over the items
/// ordered by their first resource, holds the smallest second resource of the available items:
/// whether any available item fits the first two resources is answered exactly in O(log n),
/// so a query that finds nothing (the end of every host's fill) costs that, not a descent
/// into every node whose minima fit. `set` is O(R log n).
struct ItemFitTree {
    let count: Int
    let resources: Int
    /// Leaves: a power of two at least `count`.
    let leaves: Int
    /// `demand[k * resources + r]`.
    let demand: [Int64]
    /// `minimum[node * resources + r]`, node 1 the root; unavailable items count as `.max`.
    var minimum: [Int64]
    /// Item demands of the first resource, ascending, and each item's position among them.
    let firstSorted: [Int64]
    let position: [Int32]
    /// The item at each position of that order.
    let byFirst: [Int32]
    /// `second[leaves + p]`: second-resource demand of the item at position p when available
    /// (`.max` otherwise); inner nodes the minimum of their children. Empty when R < 2.
    var second: [Int64]
    /// With two resources (and up to `PairFitIndex.itemLimit` items): the exact first-fit index.
    var pairs: PairFitIndex?

    init(demand: [Int64], count: Int, resources: Int) {
        self.count = count
        self.resources = resources
        self.demand = demand
        var leaves = 1
        while leaves < max(1, count) { leaves *= 2 }
        self.leaves = leaves
        let R = resources
        var minimum = [Int64](repeating: .max, count: 2 * leaves * R)
        for k in 0..<count { for r in 0..<R { minimum[(leaves + k) * R + r] = demand[k * R + r] } }
        if leaves > 1 {
            for node in stride(from: leaves - 1, through: 1, by: -1) {
                for r in 0..<R { minimum[node * R + r] = min(minimum[2 * node * R + r], minimum[(2 * node + 1) * R + r]) }
            }
        }
        self.minimum = minimum
        if R >= 2 {
            let order = (0..<count).sorted { demand[$0 * R] != demand[$1 * R] ? demand[$0 * R] < demand[$1 * R] : $0 < $1 }
            var position = [Int32](repeating: 0, count: count)
            for (p, k) in order.enumerated() { position[k] = Int32(p) }
            firstSorted = order.map { demand[$0 * R] }
            self.position = position
            byFirst = order.map { Int32($0) }
            var second = [Int64](repeating: .max, count: 2 * leaves)
            for (p, k) in order.enumerated() { second[leaves + p] = demand[k * R + 1] }
            if leaves > 1 { for node in stride(from: leaves - 1, through: 1, by: -1) { second[node] = min(second[2 * node], second[2 * node + 1]) } }
            self.second = second
            pairs = R == 2 && count <= PairFitIndex.itemLimit ? PairFitIndex(demand: demand, count: count, order: byFirst) : nil
        } else {
            firstSorted = []
            position = []
            byFirst = []
            second = []
        }
    }

    /// Positions [0, end) of the first-resource order hold the items whose first resource fits.
    func fittingEnd(_ room: [Int64]) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if firstSorted[mid] <= room[0] { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The available item with the largest first resource among those that fit `room` in
    /// every resource, found in O(log n) on the first two (nil when none, or when the one
    /// found there does not fit a further resource). Needs R >= 2.
    func largestFirstFitting(_ room: [Int64]) -> Int? {
        let end = fittingEnd(room)
        guard end > 0 else { return nil }
        // The rightmost leaf p < end with second[leaves + p] <= room[1].
        func last(_ node: Int, _ lo: Int, _ hi: Int) -> Int? {
            if lo >= end || second[node] > room[1] { return nil }
            if hi - lo == 1 { return lo }
            let mid = (lo + hi) / 2
            return last(2 * node + 1, mid, hi) ?? last(2 * node, lo, mid)
        }
        guard let p = last(1, 0, leaves) else { return nil }
        let k = Int(byFirst[p])
        for r in 2..<resources where demand[k * resources + r] > room[r] { return nil }
        return k
    }

    /// Whether some available item fits `room` in the first two resources. O(log n).
    func anyFitsFirstTwo(_ room: [Int64]) -> Bool {
        let low = fittingEnd(room)
        var lo = leaves, hi = leaves + low
        var best = Int64.max
        while lo < hi {
            if lo & 1 == 1 { best = min(best, second[lo]); lo += 1 }
            if hi & 1 == 1 { hi -= 1; best = min(best, second[hi]) }
            lo /= 2
            hi /= 2
        }
        return best <= room[1]
    }

    /// The smallest available index whose demand fits `room` in every resource, or nil: exact,
    /// O(log² n) with two resources (`PairFitIndex`), otherwise a full `first(from: 0)`.
    /// The minima descent is tried first with a few node visits (it answers most queries of a
    /// host that still has room in a handful); the index when those run out.
    func firstFitting(_ room: [Int64]) -> Int? {
        guard let pairs else { return first(from: 0, room: room) }
        if !anyFitsFirstTwo(room) { return nil }
        var left = Self.cheapVisits
        let found = minimum.withUnsafeBufferPointer { minimum in
            room.withUnsafeBufferPointer { room in search(1, 0, leaves, 0, minimum, room, &left) }
        }
        if let found { return found }
        if left > 0 { return nil }
        return pairs.first(room0: room[0], room1: room[1])
    }

    /// Node visits of the minima descent before `firstFitting` asks the exact index.
    static let cheapVisits = 48

    /// Whether `firstFitting` is the O(log² n) exact index.
    var hasPairs: Bool { pairs != nil }

    /// Makes item k available to `first`, or not.
    mutating func set(_ k: Int, available: Bool) {
        let R = resources
        // Already so: nothing to update (a VM's demand is never .max in every resource).
        if (minimum[(leaves + k) * R] != .max) == available
            && (0..<R).allSatisfy({ minimum[(leaves + k) * R + $0] == (available ? demand[k * R + $0] : .max) }) { return }
        pairs?.set(k, available: available)
        var node = leaves + k
        for r in 0..<R { minimum[node * R + r] = available ? demand[k * R + r] : .max }
        node /= 2
        while node >= 1 {
            for r in 0..<R { minimum[node * R + r] = min(minimum[2 * node * R + r], minimum[(2 * node + 1) * R + r]) }
            node /= 2
        }
        if R >= 2 {
            var node = leaves + Int(position[k])
            second[node] = available ? demand[k * R + 1] : .max
            node /= 2
            while node >= 1 {
                second[node] = min(second[2 * node], second[2 * node + 1])
                node /= 2
            }
        }
    }

    /// The first available item k >= `from` with demand <= `room` in every resource, or nil
    /// when there is none. When `visits` tree nodes were looked at without finding one (a
    /// bound on the cost of a query whose minima do not prune), the answer is instead
    /// `largestFirstFitting`, which may come before `from`: only for callers whose items
    /// before `from` cannot fit (the room has only shrunk since they were passed over).
    func first(from: Int, room: [Int64], visits: Int = .max) -> Int? {
        guard from < count else { return nil }
        if resources >= 2 && !anyFitsFirstTwo(room) { return nil }
        var left = visits
        let found = minimum.withUnsafeBufferPointer { minimum in
            room.withUnsafeBufferPointer { room in search(1, 0, leaves, from, minimum, room, &left) }
        }
        if found == nil && left <= 0 && resources >= 2 { return largestFirstFitting(room) }
        return found
    }

    private func search(_ node: Int, _ lo: Int, _ hi: Int, _ from: Int,
                        _ minimum: UnsafeBufferPointer<Int64>, _ room: UnsafeBufferPointer<Int64>, _ left: inout Int) -> Int? {
        if hi <= from || left <= 0 { return nil }
        left -= 1
        let R = resources
        for r in 0..<R where minimum[node * R + r] > room[r] { return nil }
        if hi - lo == 1 { return lo }
        let mid = (lo + hi) / 2
        return search(2 * node, lo, mid, from, minimum, room, &left) ?? search(2 * node + 1, mid, hi, from, minimum, room, &left)
    }
}
