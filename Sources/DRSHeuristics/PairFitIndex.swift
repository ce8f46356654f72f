/// The first available item (smallest index in the caller's order) whose two demands fit a
/// room, exactly, in O(log² n): a merge-sort tree over the items ordered by their first demand,
/// where each node keeps its items sorted by the second demand and a min-tree of their indices
/// (an unavailable item counts as `Int32.max`). The items whose first demand fits are a prefix
/// of that order, covered by O(log n) nodes; in each, those whose second demand fits are a
/// prefix of its list, whose smallest index the node's min-tree gives in O(log n).
///
/// `ItemFitTree` answers the same question by descending its per-resource minima, which is
/// fast when they prune and O(n) when a near-full host's room admits the minima of different
/// items everywhere (small in one resource, large in the other), the common case at the end of
/// every host's fill in a tight packing. Two resources only. `set` is O(log² n). Memory: 16
/// bytes per item per level (log2 n + 1 levels), so it is built only up to `itemLimit` items.
struct PairFitIndex {
    static let itemLimit = 1 << 19

    let count: Int
    let leaves: Int
    let levels: Int
    /// `demand[k * 2 + r]`, the caller's order.
    let demand: [Int64]
    /// Item demands of the first resource ascending (ties by index), and each item's place.
    let firstSorted: [Int64]
    let position: [Int32]
    /// Per level (0: leaves), the items of each node's range sorted by (second demand, index),
    /// node after node: the node covering positions [lo, hi) starts at `level * count + lo`.
    var ids: [Int32]
    /// Per node of every level, a min-tree over its list (size twice its length, at twice the
    /// list's offset): leaf i holds `ids[i]` while that item is available, `Int32.max` otherwise.
    var minimum: [Int32]
    /// `slot[level * count + k]`: item k's place in its node's list at that level.
    let slot: [Int32]

    /// `order`: the items by first demand ascending, ties by index (computed here when nil;
    /// `ItemFitTree` passes the order it already has).
    init(demand: [Int64], count: Int, order given: [Int32]? = nil) {
        precondition(count < Int(Int32.max))
        self.count = count
        self.demand = demand
        var leaves = 1, levels = 1
        while leaves < max(1, count) { leaves *= 2; levels += 1 }
        self.leaves = leaves
        self.levels = levels
        let order = given.map { $0.map(Int.init) } ?? (0..<count).sorted { (a: Int, b: Int) -> Bool in
            let x = demand[a * 2], y = demand[b * 2]
            return x != y ? x < y : a < b
        }
        firstSorted = order.map { demand[$0 * 2] }
        var position = [Int32](repeating: 0, count: count)
        for (p, k) in order.enumerated() { position[k] = Int32(p) }
        self.position = position
        // Level 0: one item per leaf; each level up merges pairs of lists by (second, index).
        var ids = [Int32](repeating: 0, count: levels * count)
        for (p, k) in order.enumerated() { ids[p] = Int32(k) }
        func before(_ a: Int32, _ b: Int32) -> Bool {
            let x = demand[Int(a) * 2 + 1], y = demand[Int(b) * 2 + 1]
            return x != y ? x < y : a < b
        }
        var width = 1
        for level in 1..<levels {
            let below = (level - 1) * count, here = level * count
            var lo = 0
            while lo < count {
                let mid = min(lo + width, count), hi = min(lo + 2 * width, count)
                var i = lo, j = mid, out = lo
                while i < mid || j < hi {
                    if j >= hi || (i < mid && before(ids[below + i], ids[below + j])) {
                        ids[here + out] = ids[below + i]; i += 1
                    } else {
                        ids[here + out] = ids[below + j]; j += 1
                    }
                    out += 1
                }
                lo = hi
            }
            width *= 2
        }
        self.ids = ids
        var slot = [Int32](repeating: 0, count: levels * count)
        var span = 1
        for level in 0..<levels {
            for i in 0..<count {
                let k = Int(ids[level * count + i])
                slot[level * count + k] = Int32(i - i / span * span)
            }
            span *= 2
        }
        self.slot = slot
        // Min-trees: node list [offset, offset + length) has its tree at [2 offset, 2 offset + 2 length).
        var minimum = [Int32](repeating: .max, count: 2 * levels * count)
        width = 1
        for level in 0..<levels {
            var lo = 0
            while lo < count {
                let length = min(lo + width, count) - lo, offset = level * count + lo
                let base = 2 * offset
                for i in 0..<length { minimum[base + length + i] = ids[offset + i] }
                var node = length - 1
                while node >= 1 {
                    minimum[base + node] = min(minimum[base + 2 * node], minimum[base + 2 * node + 1])
                    node -= 1
                }
                lo += width
            }
            width *= 2
        }
        self.minimum = minimum
    }

    /// The smallest available item index whose demands are at most `room` (two resources),
    /// or nil. O(log² n).
    func first(room0: Int64, room1: Int64) -> Int? {
        // Positions [0, end) hold the items whose first demand fits.
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if firstSorted[mid] <= room0 { low = mid + 1 } else { high = mid }
        }
        let end = low
        var best = Int32.max
        // Canonical nodes of [0, end): at each level, a node is taken when `end` has that bit.
        var lo = 0
        var level = levels - 1
        var width = leaves
        while level >= 0 && lo < end {
            if lo + width <= end {
                let length = min(lo + width, count) - lo
                if length > 0 { best = min(best, prefixMinimum(level: level, lo: lo, length: length, room1: room1)) }
                lo += width
            }
            level -= 1
            width /= 2
        }
        return best == .max ? nil : Int(best)
    }

    /// The smallest available index among the node's items whose second demand is at most room1.
    private func prefixMinimum(level: Int, lo: Int, length: Int, room1: Int64) -> Int32 {
        let offset = level * count + lo
        // Items of the node with second demand <= room1: a prefix [0, j) of its list.
        var low = 0, high = length
        while low < high {
            let mid = (low + high) / 2
            if demand[Int(ids[offset + mid]) * 2 + 1] <= room1 { low = mid + 1 } else { high = mid }
        }
        let j = low
        guard j > 0 else { return .max }
        let base = 2 * offset
        var result = Int32.max
        var l = length, r = length + j
        while l < r {
            if l & 1 == 1 { result = min(result, minimum[base + l]); l += 1 }
            if r & 1 == 1 { r -= 1; result = min(result, minimum[base + r]) }
            l /= 2
            r /= 2
        }
        return result
    }

    /// Makes item k available to `first`, or not. O(log² n).
    mutating func set(_ k: Int, available: Bool) {
        let p = Int(position[k])
        let value = available ? Int32(k) : Int32.max
        let count = self.count, levels = self.levels
        slot.withUnsafeBufferPointer { slot in
            minimum.withUnsafeMutableBufferPointer { minimum in
                var width = 1
                for level in 0..<levels {
                    let lo = p / width * width
                    let length = min(lo + width, count) - lo
                    let base = 2 * (level * count + lo)
                    var node = length + Int(slot[level * count + k])
                    minimum[base + node] = value
                    node /= 2
                    while node >= 1 {
                        let smaller = min(minimum[base + 2 * node], minimum[base + 2 * node + 1])
                        // Once a node keeps its value, so do the ones above it.
                        if minimum[base + node] == smaller { break }
                        minimum[base + node] = smaller
                        node /= 2
                    }
                    width *= 2
                }
            }
        }
    }
}
