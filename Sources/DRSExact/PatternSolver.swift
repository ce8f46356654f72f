@_spi(Benchmarks) import DRSModel

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
    typealias Item = FreeItems.Item

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

    /// Items beyond which the pattern model is not tried (its master has a row per item, and
    /// the pricing search recurses once per item).
    static let itemLimit = 1000

    /// The pattern model of `problem`, or nil when it is not the whole score (see the type).
    init?(_ problem: Problem, greedyPlacedEverything: Bool) {
        guard problem.goal == .consolidate, greedyPlacedEverything, problem.softRules.isEmpty else { return nil }
        let R = problem.resourceCount
        guard let free = FreeItems(problem), free.items.count <= Self.itemLimit else { return nil }
        // Connected hosts first, so that a packing powers on no standby host it can avoid.
        let receiving = (0..<problem.hostCount).filter { problem.hostReceives[$0] }
            .sorted { (problem.hostState[$0] == .standby ? 1 : 0, $0) < (problem.hostState[$1] == .standby ? 1 : 0, $1) }
        guard let first = receiving.first else { return nil }
        let capacity = (0..<R).map { problem.limit(first, $0) }
        guard receiving.allSatisfy({ h in (0..<R).allSatisfy { problem.limit(h, $0) == capacity[$0] } }) else { return nil }

        let items = free.items, conflicts = free.conflicts
        guard items.allSatisfy({ item in (0..<R).allSatisfy { item.demand[$0] <= capacity[$0] } }) else { return nil }
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

    /// Whether `pattern` loads every resource to at least `fill`.
    func isFull(_ pattern: [Int], _ fill: [Int64]) -> Bool {
        capacity.indices.allSatisfy { r in pattern.reduce(Int64(0)) { $0 + items[$1].demand[r] } >= fill[r] }
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
        // An artificial cover of each item at a cost above any cover of all of them keeps the
        // master feasible while admissible patterns are still missing (dives with a fill
        // requirement); it leaves every dual bound valid (see `relax`).
        for k in rows.indices {
            rows[k].append((model.addColumn(upper: 1, integer: false, cost: Double(items.count + 1)), 1))
        }
        for row in rows { model.addRow(row, lower: 1) }
        guard let solution = GLPKBackend.solveLP(model, timeLimit: timeLimit) else { return nil }
        return (solution.objective, solution.values, solution.duals)
    }

    /// The pattern over `remaining` of largest total dual (meeting `fill` when given), exactly,
    /// by `PatternKnapsack`, with an upper bound on that total (equal to it when the search
    /// finished); nil when it stopped before finding any answer.
    private func price(_ remaining: [Int], duals: [Double], fill: [Int64]?, deadline: ContinuousClock.Instant)
        -> (pattern: [Int], value: Double, upper: Double)? {
        let candidates = fill == nil ? remaining.indices.filter { duals[$0] > 1e-9 } : Array(remaining.indices)
        guard !candidates.isEmpty else { return ([], 0, 0) }
        var search = PatternKnapsack(capacity: capacity, fill: fill,
                                     demands: candidates.map { items[remaining[$0]].demand },
                                     values: candidates.map { duals[$0] },
                                     conflicts: candidates.map { a in
                                         candidates.indices.filter { conflicts[remaining[a]].contains(remaining[candidates[$0]]) }
                                     })
        let result = search.run(deadline: deadline)
        guard let chosen = result.best else {
            // No admissible pattern: proven when the search finished.
            return result.finished ? ([], 0, 0) : nil
        }
        var pattern = chosen.map { remaining[candidates[$0]] }
        let value = chosen.reduce(0.0) { $0 + duals[candidates[$1]] }
        // Fill the rest of the host with items of no dual value: a fuller pattern is as cheap and
        // gives the integer master more ways to cover.
        for i in remaining where !pattern.contains(i) && isPattern(pattern + [i]) { pattern.append(i) }
        return (pattern, value, result.finished ? value : max(value, result.rootBound))
    }

    /// The best of a few greedy fills (items by dual per unit of size, by dual, by size) whose
    /// total dual exceeds 1 (and which meets `fill`), sorted; nil when none does.
    private func greedyPattern(_ remaining: [Int], duals: [Double], fill: [Int64]?) -> [Int]? {
        let positions = Array(remaining.indices)
        func size(_ k: Int) -> Double {
            capacity.indices.reduce(0.0) { $0 + Double(items[remaining[k]].demand[$1]) / Double(max(1, capacity[$1])) }
        }
        let orders = [
            positions.sorted { duals[$0] / max(1e-12, size($0)) > duals[$1] / max(1e-12, size($1)) },
            positions.sorted { duals[$0] != duals[$1] ? duals[$0] > duals[$1] : size($0) > size($1) },
            positions.sorted { size($0) > size($1) },
        ]
        var best: (pattern: [Int], value: Double)?
        for order in orders {
            var load = [Int64](repeating: 0, count: capacity.count)
            var pattern: [Int] = []
            var value = 0.0
            for k in order {
                let i = remaining[k]
                guard capacity.indices.allSatisfy({ load[$0] + items[i].demand[$0] <= capacity[$0] }),
                      !pattern.contains(where: { conflicts[i].contains($0) }) else { continue }
                for r in capacity.indices { load[r] += items[i].demand[r] }
                pattern.append(i)
                value += duals[k]
            }
            if let fill, !capacity.indices.allSatisfy({ load[$0] >= fill[$0] }) { continue }
            if value > 1 + 1e-6 && value > (best?.value ?? 0) { best = (pattern.sorted(), value) }
        }
        return best?.pattern
    }

    /// Column generation over `remaining` until the master LP is optimal, the Farley bound
    /// meets `stopAt` hosts, or `deadline`. Returns the proven lower bound on hosts for
    /// `remaining` (0 when nothing is proven) and the final master solution.
    ///
    /// With `fill`, only patterns that load every resource to at least `fill` take part: a dive
    /// towards `target` hosts has total waste at most target x capacity - demand per resource,
    /// so every host of such a packing is at least that full. The Farley bound stays valid with
    /// the master's artificial columns: the duals, divided by the largest pattern total, are
    /// feasible for the dual of the problem without them.
    private mutating func relax(_ remaining: [Int], stopAt: Int, fill: [Int64]? = nil, deadline: ContinuousClock.Instant)
        -> (bound: Int, value: Double, x: [Double], columns: [[Int]])? {
        let inside = Set(remaining)
        var columns: [[Int]] = []
        var seen: Set<[Int]> = []
        for pattern in patterns {
            let projected = pattern.filter { inside.contains($0) }
            if !projected.isEmpty && (fill == nil || isFull(projected, fill!)) && seen.insert(projected).inserted {
                columns.append(projected)
            }
        }
        var bound = 0
        // The last master solution, with the number of columns it was solved over: what is
        // returned when time runs out (with the bound proven so far).
        var last: (value: Double, x: [Double], count: Int)?
        func stopped() -> (bound: Int, value: Double, x: [Double], columns: [[Int]])? {
            guard bound > 0, let last else { return nil }
            return (bound, last.value, last.x, Array(columns.prefix(last.count)))
        }
        while true {
            let left = (deadline - ContinuousClock.now).seconds
            guard left > 0.01, let lp = master(remaining, columns: columns, timeLimit: left) else { return stopped() }
            iterations += 1
            last = (lp.value, lp.x, columns.count)
            // Duals clamped at 0 (the rows are >= 1, so only rounding makes one negative): every
            // bound below holds for them whether or not the LP was solved exactly.
            let duals = lp.duals.map { max(0, $0) }
            // A greedy pattern of total dual above 1 enters without the exact pricing (which is
            // needed only to prove the bound and convergence).
            if let quick = greedyPattern(remaining, duals: duals, fill: fill), seen.insert(quick).inserted {
                add(quick)
                columns.append(quick)
                continue
            }
            guard let priced = price(remaining, duals: duals, fill: fill, deadline: deadline) else { return stopped() }
            // Farley: the duals divided by the largest dual total of a pattern are feasible for
            // the dual of the covering problem, so every cover costs at least their sum over it.
            let farley = duals.reduce(0, +) / max(1, priced.upper)
            bound = max(bound, Int((farley - 1e-6).rounded(.up)))
            let converged = priced.value <= 1 + 1e-9
            if converged || bound >= Int((lp.value - 1e-6).rounded(.up)) || bound >= stopAt {
                return (bound, lp.value, lp.x, columns)
            }
            if priced.pattern.isEmpty { return (bound, lp.value, lp.x, columns) }  // nothing admissible to add
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
        var fill = [Int64](repeating: 0, count: capacity.count)
        for r in capacity.indices {
            let slack = Int64(target) * capacity[r] - remaining.reduce(Int64(0)) { $0 + items[$1].demand[r] }
            guard slack >= 0 else { return nil }
            fill[r] = capacity[r] - slack
        }
        guard let relaxation = relax(remaining, stopAt: target + 1, fill: fill, deadline: deadline), relaxation.bound <= target else {
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
        // The root relaxation tails off on tight instances: it gets a fifth of the time, and the
        // dive (which reuses its patterns) the rest.
        let rootDeadline = ContinuousClock.now.advanced(by: .seconds((deadline - ContinuousClock.now).seconds / 5))
        if let root = relax(all, stopAt: bestHosts, deadline: rootDeadline) { bound = max(bound, root.bound) }
        guard bound < bestHosts else { return outcome() }
        let share = max(0.01, (deadline - ContinuousClock.now).seconds / 6)
        if let cover = masterIP(incumbentHosts: bestHosts, timeLimit: share), cover.count < bestHosts {
            best = cover
            bestHosts = cover.count
        }
        // Dive towards the bound first: the fewer hosts a target allows, the less waste each may
        // have, so the fill requirement narrows the patterns most there. Each target up to the
        // incumbent's gets an equal share of the time left; the first packing found is the best
        // this search reaches.
        var target = bound
        while target < bestHosts && ContinuousClock.now < deadline {
            let share = (deadline - ContinuousClock.now).seconds / Double(bestHosts - target)
            let slice = min(deadline, ContinuousClock.now.advanced(by: .seconds(share)))
            if let cover = dive(all, target: target, deadline: slice, depth: 0) {
                best = cover
                bestHosts = cover.count
                break
            }
            target += 1
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
