import Testing
@_spi(Benchmarks) import DRSModel
@testable @_spi(Benchmarks) import DRSHeuristics
import DRSTestSupport

/// The exact two-resource first-fit index against a linear scan, and the fit tree's
/// `firstFitting` (descent first, index when the descent gives up) against the same scan.
struct PairFitIndexTests {
    /// Brute force: the smallest available index whose demands fit the room.
    static func scan(_ demand: [Int64], _ available: [Bool], _ room: [Int64]) -> Int? {
        available.indices.first { k in available[k] && demand[k * 2] <= room[0] && demand[k * 2 + 1] <= room[1] }
    }

    @Test("the pair index and firstFitting give the linear scan's answer through random availability changes",
          arguments: [1, 2, 3, 7, 64, 100, 513, 3000])
    func matchesLinearScan(count: Int) {
        var random = SplitMix64(seed: UInt64(count) * 7919)
        // Shapes that defeat per-resource minima: small in one resource, large in the other.
        var demand = [Int64](repeating: 0, count: count * 2)
        for k in 0..<count {
            let small = Int64(random.next() % 20), large = Int64(50 + random.next() % 50)
            if random.next() % 2 == 0 { (demand[k * 2], demand[k * 2 + 1]) = (small, large) }
            else { (demand[k * 2], demand[k * 2 + 1]) = (large, small) }
            if random.next() % 5 == 0 { demand[k * 2] = demand[k * 2 + 1] }  // ties
        }
        var index = PairFitIndex(demand: demand, count: count)
        var tree = ItemFitTree(demand: demand, count: count, resources: 2)
        #expect(tree.hasPairs)
        var available = [Bool](repeating: true, count: count)
        for step in 0..<(4 * count + 50) {
            let room: [Int64] = [Int64(random.next() % 110), Int64(random.next() % 110)]
            let expected = Self.scan(demand, available, room)
            #expect(index.first(room0: room[0], room1: room[1]) == expected, "count \(count) step \(step) room \(room)")
            #expect(tree.firstFitting(room) == expected, "count \(count) step \(step) room \(room)")
            let k = Int(random.next() % UInt64(count))
            available[k].toggle()
            index.set(k, available: available[k])
            tree.set(k, available: available[k])
        }
    }
}
