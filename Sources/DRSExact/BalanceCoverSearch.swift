extension BalancePatterns {
    /// The set-partitioning problem over `columns` (with reduced costs under the duals `pi`,
    /// `mu`) by depth-first exact cover (`BalanceCoverSearch`). Returns a better plan, if one was
    /// found, and whether the search completed (then the best plan, found or the incumbent, is
    /// optimal over `columns`).
    /// GLPK's IP over the 13,000 to 21,000 columns of uniform h16-v64 in Datasets/suite-small did
    /// not finish in three runs with 20 to 27 s left; this search finished with 13,354 of them in
    /// 2 s.
    func coverSearch(_ columns: [Pattern], pi: [Double], mu: [Double], incumbentValue: Double, deadline: ContinuousClock.Instant)
        -> (parts: [Pattern]?, complete: Bool) {
        var search = BalanceCoverSearch(columns, pi: pi, mu: mu, costs: self, incumbentValue: incumbentValue, deadline: deadline)
        search.search(0)
        guard let bestChosen = search.bestChosen else { return (nil, !search.stopped) }
        var parts = bestChosen.map { search.nonEmpty[$0] }
        for t in types.indices {
            let count = parts.filter { $0.type == t }.count
            parts += Array(repeating: Pattern(type: t, items: []), count: types[t].hosts.count - count)
        }
        // Checked before it counts: a partition of every item into patterns that fit.
        guard parts.allSatisfy(isPattern), parts.flatMap(\.items).sorted() == Array(0..<n) else { return (nil, false) }
        return (parts, !search.stopped)
    }
}

/// Depth-first exact cover over the non-empty columns of a set-partitioning problem of
/// `BalancePatterns`. A plan costs sum pi + sum over t of H(t) mu(t) plus the reduced costs of
/// its H patterns, and each host not yet given a pattern adds at least the least reduced cost
/// of its type. The search branches on the uncovered item with the fewest columns, cheapest
/// columns first, and cuts at the best plan so far (at first the incumbent's value). Items are
/// bit sets of `words` 64-bit words.
struct BalanceCoverSearch {
    typealias Pattern = BalancePatterns.Pattern

    let n: Int
    let words: Int
    /// Hosts of each type.
    let hostCount: [Int]
    /// The columns with items, their reduced costs and item masks (`words` per column).
    let nonEmpty: [Pattern]
    let reduced: [Double]
    let masks: [UInt64]
    /// Reduced cost of each type's empty pattern.
    let emptyReduced: [Double]
    /// Per item, its columns cheapest first; the items by how few columns they have.
    let byItem: [[Int]]
    let itemOrder: [Int]
    /// The least reduced cost of each type over these columns and the empty pattern, and the
    /// least of those.
    let least: [Double]
    let minLeast: Double
    /// Every column's reduced cost shared equally among its items: covering the items left
    /// costs at least the sum of their least shares, and the hosts left empty at least
    /// `emptyFloor` (min(0, least empty reduced cost)) each.
    let share: [Double]
    let emptyFloor: Double
    let deadline: ContinuousClock.Instant

    var shareLeft: Double
    var covered: [UInt64]
    var used: [Int]
    var chosen: [Int] = []
    /// The best reduced-cost total so far (at first the incumbent's, less the tolerance) and
    /// its columns, when a plan beat the incumbent.
    var best: Double
    var bestChosen: [Int]?
    var nodes = 0
    var stopped = false
    var hostsLeft: Int

    /// The search's columns and bounds. O(columns x (n + words) + n x columns log columns).
    init(_ columns: [Pattern], pi: [Double], mu: [Double], costs: BalancePatterns, incumbentValue: Double,
         deadline: ContinuousClock.Instant) {
        let types = costs.types
        let n = costs.n
        self.n = n
        self.deadline = deadline
        let words = (n + 63) / 64
        self.words = words
        hostCount = types.map(\.hosts.count)
        let base = pi.reduce(0, +) + types.indices.reduce(0.0) { $0 + Double(types[$1].hosts.count) * mu[$1] }
        let nonEmpty = columns.filter { !$0.items.isEmpty }
        self.nonEmpty = nonEmpty
        let reduced = nonEmpty.map { pattern in costs.cost(pattern) - pattern.items.reduce(0.0) { $0 + pi[$1] } - mu[pattern.type] }
        self.reduced = reduced
        let emptyReduced = types.indices.map { costs.cost(Pattern(type: $0, items: [])) - mu[$0] }
        self.emptyReduced = emptyReduced
        var masks = [UInt64](repeating: 0, count: nonEmpty.count * words)
        var byItem = [[Int]](repeating: [], count: n)
        for (c, pattern) in nonEmpty.enumerated() {
            for i in pattern.items {
                masks[c * words + i / 64] |= UInt64(1) << UInt64(i % 64)
                byItem[i].append(c)
            }
        }
        for i in 0..<n { byItem[i].sort { reduced[$0] < reduced[$1] } }
        self.masks = masks
        self.byItem = byItem
        let listLength = byItem.map(\.count)
        itemOrder = (0..<n).sorted { (a: Int, b: Int) -> Bool in listLength[a] != listLength[b] ? listLength[a] < listLength[b] : a < b }
        var least = emptyReduced
        for (c, pattern) in nonEmpty.enumerated() { least[pattern.type] = min(least[pattern.type], reduced[c]) }
        self.least = least
        minLeast = least.min() ?? 0
        var share = [Double](repeating: .infinity, count: n)
        for (c, pattern) in nonEmpty.enumerated() {
            for i in pattern.items { share[i] = min(share[i], reduced[c] / Double(pattern.items.count)) }
        }
        self.share = share
        shareLeft = share.reduce(0, +)
        emptyFloor = min(0, emptyReduced.min() ?? 0)
        covered = [UInt64](repeating: 0, count: words)
        used = [Int](repeating: 0, count: types.count)
        best = incumbentValue - base - BalancePatterns.tolerance * incumbentValue
        hostsLeft = types.reduce(0) { $0 + $1.hosts.count }
    }

    private func isCovered(_ i: Int) -> Bool { covered[i / 64] & (UInt64(1) << UInt64(i % 64)) != 0 }

    /// The search below the columns `chosen` (reduced costs `accumulated`): a complete cover is
    /// a plan (the hosts left empty take the empty pattern); otherwise every column of the first
    /// uncovered item that fits and that no bound rules out is tried.
    mutating func search(_ accumulated: Double) {
        nodes += 1
        if nodes & 1023 == 0 && ContinuousClock.now >= deadline { stopped = true }
        if stopped { return }
        guard let item = itemOrder.first(where: { !isCovered($0) }) else {
            let total = accumulated + hostCount.indices.reduce(0.0) { $0 + Double(hostCount[$1] - used[$1]) * emptyReduced[$1] }
            if total < best { (best, bestChosen) = (total, chosen) }
            return
        }
        guard hostsLeft > 0, accumulated + shareLeft + Double(hostsLeft) * emptyFloor < best else { return }
        for c in byItem[item] {
            // Columns come cheapest first: once even the cheapest completion cannot beat the
            // best, no later column can.
            if accumulated + reduced[c] + Double(hostsLeft - 1) * minLeast >= best { break }
            let t = nonEmpty[c].type
            guard used[t] < hostCount[t], !clashes(c) else { continue }
            var rest = accumulated + reduced[c]
            for u in hostCount.indices {
                let open = hostCount[u] - used[u] - (u == t ? 1 : 0)
                rest += Double(open) * least[u]
            }
            if rest >= best { continue }
            let taken = nonEmpty[c].items.reduce(0.0) { $0 + share[$1] }
            if accumulated + reduced[c] + shareLeft - taken + Double(hostsLeft - 1) * emptyFloor >= best { continue }
            for w in 0..<words { covered[w] |= masks[c * words + w] }
            used[t] += 1
            hostsLeft -= 1
            shareLeft -= taken
            chosen.append(c)
            search(accumulated + reduced[c])
            chosen.removeLast()
            shareLeft += taken
            hostsLeft += 1
            used[t] -= 1
            for w in 0..<words { covered[w] &= ~masks[c * words + w] }
            if stopped { return }
        }
    }

    /// Whether column `c` holds an item already covered. O(words).
    private func clashes(_ c: Int) -> Bool {
        for w in 0..<words where masks[c * words + w] & covered[w] != 0 { return true }
        return false
    }
}
