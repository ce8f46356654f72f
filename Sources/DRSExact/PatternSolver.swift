import DRSModel

/// `consolidate` on identical hosts as set covering over host patterns: a pattern is a set of
/// items (VMs, or required-affinity groups as one item) that fits one host in every resource
/// and holds no two members of a hard anti-affinity rule. The fewest active hosts is
///
///     min sum_p x_p  subject to  sum_{p containing i} x_p >= 1 for every item i,  x_p integer,
///
/// and its LP relaxation (the Gilmore-Gomory bound) is far stronger than the assignment
/// model's: on perfectly packable instances, where the assignment MIP finds neither the packing
/// nor a bound above the continuous one, this one finds the packing by diving.
///
/// Column generation: the restricted master LP over the patterns found so far gives duals
/// pi_i; the pricing problem, a multi-resource knapsack with conflicts solved exactly by GLPK,
/// finds the pattern of largest sum of pi_i. While that sum exceeds 1 the pattern enters;
/// otherwise the master LP value is the relaxation's optimum. At every iteration
/// z_LP / max(1, largest sum) is a proven lower bound (Farley), so the bound holds even when
/// time runs out before the relaxation converges. Integer solutions come from the master IP
/// over the generated patterns and from a depth-first dive that fixes the pattern with the
/// largest LP value, re-prices the rest, and backtracks when the rest's bound rules a target
/// out.
///
/// It applies only where the pattern model is the whole SPEC score (`applicable`): every
/// active VM is new (no migration cost), no FT, no pinned or host-ruled VM, no soft rule, all
/// hosts that receive VMs have the same limits, and the greedy plan placed everything (so the
/// only term left is the number of active hosts).
struct PatternSolver {
    struct Item {
        var vms: [Int32]
        var demand: [Int64]
    }

    struct Outcome {
        /// Host of every VM (-1 for inactive ones), when a packing with fewer hosts than the
        /// incumbent's was found.
        var placement: [Int32]?
        /// Hosts the best packing uses (the incumbent's when nothing better was found).
        var hosts: Int
        /// Proven lower bound on the number of active hosts.
        var bound: Int
        var patterns: Int
        var iterations: Int
        var proven: Bool { hosts <= bound }
    }

    let problem: Problem
    let items: [Item]
    /// Per resource, the limit of every receiving host.
    let capacity: [Int64]
    /// Receiving hosts in index order; pattern k of a solution goes to `hosts[k]`.
    let hosts: [Int]
    /// `conflicts[i]`: items that may not share a host with item i.
    let conflicts: [Set<Int>]

    /// Every pattern generated so far, as sorted item lists, and their set for deduplication.
    private(set) var patterns: [[Int]] = []
    private var known: Set<[Int]> = []
    private(set) var iterations = 0

    /// The pattern model of `problem`, or nil when it is not the whole score (see the type).
    init?(_ problem: Problem, greedyPlacedEverything: Bool) {
        guard problem.goal == .consolidate, greedyPlacedEverything, problem.softRules.isEmpty else { return nil }
        let V = problem.vmCount, R = problem.resourceCount
        for v in 0..<V where problem.vmActive[v] {
            if problem.vmInitialHost[v] >= 0 || problem.vmInitialSecondary[v] >= 0 || problem.vmIsFT[v]
                || problem.vmPinned[v] || problem.vmAllowedSet[v] >= 0 { return nil }
        }
        let receiving = (0..<problem.hostCount).filter { problem.hostReceives[$0] }
        guard let first = receiving.first else { return nil }
        let capacity = (0..<R).map { problem.limit(first, $0) }
        guard receiving.allSatisfy({ h in (0..<R).allSatisfy { problem.limit(h, $0) == capacity[$0] } }) else { return nil }

        var items: [Item] = []
        var itemOf = [Int](repeating: -1, count: V)
        for v in 0..<V where problem.vmActive[v] && itemOf[v] < 0 {
            let members = problem.vmGroup[v] >= 0 ? problem.groups[Int(problem.vmGroup[v])] : [Int32(v)]
            var demand = [Int64](repeating: 0, count: R)
            for member in members {
                itemOf[Int(member)] = items.count
                for r in 0..<R { demand[r] += problem.demand(Int(member), r) }
            }
            guard (0..<R).allSatisfy({ demand[$0] <= capacity[$0] }) else { return nil }
            items.append(Item(vms: members, demand: demand))
        }
        guard !items.isEmpty else { return nil }
        var conflicts = [Set<Int>](repeating: [], count: items.count)
        for rule in problem.antiAffinity {
            let members = Set(rule.map { itemOf[Int($0)] })
            guard members.count == rule.count else { return nil }  // two members in one group
            for a in members { conflicts[a].formUnion(members.subtracting([a])) }
        }
        self.problem = problem
        self.items = items
        self.capacity = capacity
        self.hosts = receiving
        self.conflicts = conflicts
    }

    // MARK: Patterns

    /// Whether `pattern` fits one host and holds no conflict.
    func isPattern(_ pattern: [Int]) -> Bool {
        for r in capacity.indices {
            var total: Int64 = 0
            for i in pattern { total += items[i].demand[r] }
            if total > capacity[r] { return false }
        }
        for (k, i) in pattern.enumerated() where pattern[(k + 1)...].contains(where: { conflicts[i].contains($0) }) {
            return false
        }
        return true
    }

    @discardableResult
    private mutating func add(_ pattern: [Int]) -> Bool {
        let sorted = pattern.sorted()
        guard !sorted.isEmpty, !known.contains(sorted) else { return false }
        assert(isPattern(sorted))
        known.insert(sorted)
        patterns.append(sorted)
        return true
    }

    /// Adds the patterns of a placement (one per used host) and every single item.
    mutating func seed(with placement: [Int32]) {
        var byHost: [Int32: [Int]] = [:]
        for (i, item) in items.enumerated() {
            let h = placement[Int(item.vms[0])]
            if h >= 0 { byHost[h, default: []].append(i) }
        }
        for h in byHost.keys.sorted() {
            let pattern = byHost[h]!
            if isPattern(pattern) { add(pattern) }
        }
        for i in items.indices { add([i]) }
    }

    // MARK: Master and pricing

    /// The restricted master LP over the patterns that lie inside `remaining`'s items
    /// (projected onto them): its value, the pattern values and the item duals.
    private func master(_ remaining: [Int], columns: [[Int]], timeLimit: Double)
        -> (value: Double, x: [Double], duals: [Double])? {
        var model = MIPModel()
        var rowOf = [Int](repeating: -1, count: items.count)
        for (k, i) in remaining.enumerated() { rowOf[i] = k }
        var rows = [[(Int, Double)]](repeating: [], count: remaining.count)
        for pattern in columns {
            let column = model.addColumn(upper: Double(items.count), integer: false, cost: 1)
            for i in pattern where rowOf[i] >= 0 { rows[rowOf[i]].append((column, 1)) }
        }
        for row in rows { model.addRow(row, lower: 1) }
        guard let solution = GLPKBackend.solveLP(model, timeLimit: timeLimit) else { return nil }
        return (solution.objective, solution.values, solution.duals)
    }

    /// The pattern over `remaining` of largest total dual, exactly (GLPK), and an upper bound on
    /// that total (equal to it when proven); nil when the time ran out without an answer.
    private func price(_ remaining: [Int], duals: [Double], timeLimit: Double) -> (pattern: [Int], value: Double, upper: Double)? {
        let candidates = remaining.indices.filter { duals[$0] > 1e-9 }
        guard !candidates.isEmpty else { return ([], 0, 0) }
        var model = MIPModel()
        let columns = candidates.map { k in model.addColumn(cost: -duals[k]) }
        for r in capacity.indices {
            model.addRow(candidates.indices.map { (columns[$0], Double(items[remaining[candidates[$0]]].demand[r])) },
                         upper: Double(capacity[r]))
        }
        for a in candidates.indices {
            for b in candidates.indices where b > a && conflicts[remaining[candidates[a]]].contains(remaining[candidates[b]]) {
                model.addRow([(columns[a], 1), (columns[b], 1)], upper: 1)
            }
        }
        let outcome = GLPKBackend.solve(model, timeLimit: timeLimit, incumbent: nil)
        guard let values = outcome.values, let objective = outcome.objective else { return nil }
        let upper = outcome.status == .optimal ? -objective : -(outcome.bound ?? -.infinity)
        guard upper.isFinite else { return nil }
        var chosen = candidates.indices.filter { values[columns[$0]] > 0.5 }
        // GLPK's tolerances may let a pattern exceed a limit by a few milli-units: drop the items
        // of least dual until it fits exactly.
        while !isPattern(chosen.map { remaining[candidates[$0]] }), let weakest = chosen.min(by: { duals[candidates[$0]] < duals[candidates[$1]] }) {
            chosen.removeAll { $0 == weakest }
        }
        var pattern = chosen.map { remaining[candidates[$0]] }
        // Fill the rest of the host with items of no dual value: a fuller pattern is as cheap and
        // gives the integer master more ways to cover.
        for i in remaining where !pattern.contains(i) && isPattern(pattern + [i]) { pattern.append(i) }
        let value = chosen.reduce(0.0) { $0 + duals[candidates[$1]] }
        return (pattern, value, max(upper, -objective))
    }

    /// Column generation over `remaining` until the master LP is optimal, the Farley bound
    /// meets `stopAt` hosts, or `deadline`. Returns the proven lower bound on hosts for
    /// `remaining` (0 when nothing is proven) and the final master solution.
    private mutating func relax(_ remaining: [Int], stopAt: Int, deadline: ContinuousClock.Instant)
        -> (bound: Int, value: Double, x: [Double], columns: [[Int]])? {
        let inside = Set(remaining)
        var columns: [[Int]] = []
        var seen: Set<[Int]> = []
        for pattern in patterns {
            let projected = pattern.filter { inside.contains($0) }
            if !projected.isEmpty && seen.insert(projected).inserted { columns.append(projected) }
        }
        var bound = 0
        while true {
            let left = (deadline - ContinuousClock.now).seconds
            guard left > 0.01, let lp = master(remaining, columns: columns, timeLimit: left) else { return nil }
            iterations += 1
            guard let priced = price(remaining, duals: lp.duals, timeLimit: (deadline - ContinuousClock.now).seconds) else {
                return bound > 0 ? (bound, lp.value, lp.x, columns) : nil
            }
            // Farley: every cover costs at least z_LP / (largest dual total of a pattern).
            let farley = lp.value / max(1, priced.upper)
            bound = max(bound, Int((farley - 1e-6).rounded(.up)))
            let converged = priced.value <= 1 + 1e-9
            if converged || bound >= Int((lp.value - 1e-6).rounded(.up)) || bound >= stopAt {
                return (bound, lp.value, lp.x, columns)
            }
            add(priced.pattern)
            if seen.insert(priced.pattern.sorted()).inserted { columns.append(priced.pattern.sorted()) } else {
                return (bound, lp.value, lp.x, columns)  // no progress possible (numerical)
            }
        }
    }

    // MARK: Integer solutions

    /// The master IP over the generated patterns: a cover with fewest patterns, or nil.
    private func masterIP(incumbentHosts: Int, timeLimit: Double) -> [[Int]]? {
        var model = MIPModel()
        var rows = [[(Int, Double)]](repeating: [], count: items.count)
        for pattern in patterns {
            let column = model.addColumn(cost: 1)
            for i in pattern { rows[i].append((column, 1)) }
        }
        for row in rows { model.addRow(row, lower: 1) }
        model.addRow(patterns.indices.map { ($0, 1.0) }, upper: Double(incumbentHosts - 1))
        let outcome = GLPKBackend.solve(model, timeLimit: timeLimit, incumbent: nil)
        guard let values = outcome.values else { return nil }
        return patterns.indices.filter { values[$0] > 0.5 }.map { patterns[$0] }
    }

    /// Depth-first dive: fix the pattern of largest LP value over the remaining items, re-price,
    /// and go on until all are covered with at most `target` patterns; backtracks (trying the
    /// next candidates) when the rest's proven bound exceeds what is left of `target`.
    private mutating func dive(_ remaining: [Int], target: Int, deadline: ContinuousClock.Instant, depth: Int) -> [[Int]]? {
        if remaining.isEmpty { return [] }
        guard target > 0, ContinuousClock.now < deadline else { return nil }
        guard let relaxation = relax(remaining, stopAt: target + 1, deadline: deadline), relaxation.bound <= target else {
            return nil
        }
        let order = relaxation.columns.indices
            .filter { relaxation.x[$0] > 1e-6 }
            .sorted { relaxation.x[$0] != relaxation.x[$1] ? relaxation.x[$0] > relaxation.x[$1] : $0 < $1 }
        for index in order.prefix(depth < 2 ? 3 : 2) {
            let chosen = relaxation.columns[index]
            let taken = Set(chosen)
            if let rest = dive(remaining.filter { !taken.contains($0) }, target: target - 1, deadline: deadline, depth: depth + 1) {
                return [chosen] + rest
            }
            if ContinuousClock.now >= deadline { return nil }
        }
        return nil
    }

    /// Searches a packing with fewer hosts than `incumbentHosts` until `deadline`, seeded with
    /// `incumbent`'s patterns.
    mutating func solve(incumbent: [Int32], incumbentHosts: Int, lowerBound: Int, deadline: ContinuousClock.Instant) -> Outcome {
        seed(with: incumbent)
        let all = Array(items.indices)
        var bound = lowerBound
        var best: [[Int]]?
        var bestHosts = incumbentHosts
        func outcome() -> Outcome {
            Outcome(placement: best.map(placement), hosts: bestHosts, bound: bound, patterns: patterns.count, iterations: iterations)
        }
        guard bound < bestHosts else { return outcome() }
        if let root = relax(all, stopAt: bestHosts, deadline: deadline) { bound = max(bound, root.bound) }
        guard bound < bestHosts else { return outcome() }
        let share = max(0.01, (deadline - ContinuousClock.now).seconds / 4)
        if let cover = masterIP(incumbentHosts: bestHosts, timeLimit: share), cover.count < bestHosts {
            best = cover
            bestHosts = cover.count
        }
        // Dive for ever smaller targets, from the bound up, while time lasts.
        while bound < bestHosts && ContinuousClock.now < deadline {
            guard let cover = dive(all, target: bestHosts - 1, deadline: deadline, depth: 0) else { break }
            best = cover
            bestHosts = cover.count
        }
        return outcome()
    }

    /// Host of every VM for a cover: pattern k on `hosts[k]`; an item in several patterns stays
    /// in the first.
    func placement(_ cover: [[Int]]) -> [Int32] {
        precondition(cover.count <= hosts.count, "more patterns than hosts")
        var placement = [Int32](repeating: -1, count: problem.vmCount)
        var placed = [Bool](repeating: false, count: items.count)
        for (k, pattern) in cover.enumerated() {
            for i in pattern where !placed[i] {
                placed[i] = true
                for v in items[i].vms { placement[Int(v)] = Int32(hosts[k]) }
            }
        }
        precondition(!placed.contains(false), "a cover that misses an item")
        return placement
    }
}
