/// The local search of `BalancePatterns` over partitions (one pattern per host): the best
/// re-split of the items of two or three hosts (`polish`) and random kicks around it (`perturb`).
extension BalancePatterns {
    /// Local search over partitions: the items of two hosts re-split in the best way, over every
    /// pair of hosts until no pair improves, then the same for random triples, until `deadline`.
    /// With `focus`, only the pairs and triples that hold one of those hosts.
    func polish(_ parts: inout [Pattern], until deadline: ContinuousClock.Instant, focus: Set<Int>? = nil) {
        guard parts.count >= 2 else { return }
        func inFocus(_ hosts: [Int]) -> Bool { focus.map { f in hosts.contains { f.contains($0) } } ?? true }
        var improved = true
        while improved {
            improved = false
            for a in parts.indices {
                if ContinuousClock.now >= deadline { return }
                for b in (a + 1)..<parts.count where inFocus([a, b]) && resplit([a, b], &parts) { improved = true }
            }
        }
        // Triples (up to `tripleHosts` hosts) in a fixed shuffled order, pass after pass, until a
        // pass improves nothing.
        guard parts.count >= 3, parts.count <= Self.tripleHosts else { return }
        var triples: [[Int]] = []
        for a in parts.indices {
            for b in (a + 1)..<parts.count {
                for c in (b + 1)..<parts.count where inFocus([a, b, c]) { triples.append([a, b, c]) }
            }
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for k in stride(from: triples.count - 1, to: 0, by: -1) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            triples.swapAt(k, Int((state >> 33) % UInt64(k + 1)))
        }
        improved = true
        while improved {
            improved = false
            for triple in triples {
                if ContinuousClock.now >= deadline { return }
                if resplit(triple, &parts) { improved = true }
            }
        }
    }

    /// Iterated local search until `deadline` (or `stall` kicks in a row without a better plan):
    /// move two random items to random other hosts where they fit, polish around the hosts
    /// touched, and keep the result when it is better.
    func perturb(_ parts: inout [Pattern], until deadline: ContinuousClock.Instant, stall: Int = .max) {
        guard parts.count >= 3 else { return }
        var state: UInt64 = 0xD1B5_4A32_D192_ED03
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var value = parts.reduce(0.0) { $0 + cost($1) }
        var failures = 0
        while ContinuousClock.now < deadline && failures < stall {
            failures += 1
            var trial = parts
            var touched: Set<Int> = []
            for _ in 0..<2 {
                let a = next(trial.count)
                guard !trial[a].items.isEmpty else { continue }
                var b = next(trial.count - 1)
                if b >= a { b += 1 }
                let k = next(trial[a].items.count)
                let i = trial[a].items[k]
                let limit = types[trial[b].type].limit
                let fits = (0..<R).allSatisfy { r in
                    trial[b].items.reduce(demand[i * R + r]) { $0 + demand[$1 * R + r] } <= limit[r]
                }
                guard fits, !trial[b].items.contains(where: { conflicts[i].contains($0) }) else { continue }
                trial[a].items.remove(at: k)
                trial[b].items = (trial[b].items + [i]).sorted()
                touched.formUnion([a, b])
            }
            guard !touched.isEmpty else { continue }
            polish(&trial, until: deadline, focus: touched)
            let trialValue = trial.reduce(0.0) { $0 + cost($1) }
            if trialValue < value {
                (parts, value) = (trial, trialValue)
                failures = 0
            }
        }
    }

    /// Re-assigns the items of the patterns at `positions` among those hosts at least cost
    /// (every assignment that keeps limits and anti-affinity, cut when the overshoot above the
    /// targets alone reaches the best); true when it improved. Skipped beyond 200,000 leaves.
    private func resplit(_ positions: [Int], _ parts: inout [Pattern]) -> Bool {
        let items = positions.flatMap { parts[$0].items }.sorted { square[0][$0] > square[0][$1] }
        let k = positions.count
        var leaves = 1.0
        for _ in items { leaves *= Double(k) }
        guard leaves <= 2e5 else { return false }
        let hostType = positions.map { parts[$0].type }
        let before = positions.reduce(0.0) { $0 + cost(parts[$1]) }
        var best = before * (1 - 1e-12)
        var bestSide: [Int]?
        var side = [Int](repeating: -1, count: items.count)
        var count = [Int](repeating: 0, count: k)
        var load = [Int64](repeating: 0, count: k * R)
        // Per item, the positions (in `items`) of the items it may not share a host with.
        let clash = items.map { i in items.indices.filter { conflicts[i].contains(items[$0]) } }
        /// The hosts' cost, or (`above`) only the part above the targets, which loads only raise.
        func value(above: Bool = false) -> Double {
            var total = 0.0
            for h in 0..<k {
                let type = types[hostType[h]]
                for r in 0..<R {
                    let d = Double(load[h * R + r]) - type.target[r]
                    if !above || d > 0 { total += type.weight[r] * d * d }
                }
            }
            return total
        }
        func assign(_ m: Int) {
            if m == items.count {
                let v = value()
                if v < best { (best, bestSide) = (v, side) }
                return
            }
            if value(above: true) >= best { return }
            let i = items[m]
            var triedEmpty: Set<Int> = []
            for h in 0..<k {
                // Empty hosts of one type are interchangeable.
                if count[h] == 0 && !triedEmpty.insert(hostType[h]).inserted { continue }
                guard (0..<R).allSatisfy({ load[h * R + $0] + demand[i * R + $0] <= types[hostType[h]].limit[$0] }),
                      !clash[m].contains(where: { side[$0] == h }) else { continue }
                for r in 0..<R { load[h * R + r] += demand[i * R + r] }
                side[m] = h
                count[h] += 1
                assign(m + 1)
                count[h] -= 1
                side[m] = -1
                for r in 0..<R { load[h * R + r] -= demand[i * R + r] }
            }
        }
        assign(0)
        guard let bestSide else { return false }
        for (h, position) in positions.enumerated() {
            parts[position].items = items.indices.filter { bestSide[$0] == h }.map { items[$0] }.sorted()
        }
        return true
    }
}
