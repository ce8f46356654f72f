@_spi(Benchmarks) import DRSModel

/// `balance` for new VMs as set partitioning over host patterns: the proof for the problems
/// `BalanceSearch` cannot finish, and for clusters of several host types.
///
/// Hosts fall into types (same capacities and limits). A plan is a partition of the items into
/// patterns, H(t) of them (the empty pattern allowed) for the hosts of each type t, and its
/// imbalance squared is the sum of its patterns' costs
/// c(t,S) = sum over r of weight(t,r) x (L(S,r) - T(t,r))^2, with weight(t,r) =
/// 1 / (H x R x C(t,r)^2) and T(t,r) = u*(r) x C(t,r) (capacities C in milli-units). The LP
///
///     min sum c(p) x(p)   s.t.   every item covered once,  sum over p of type t of x(p) = H(t),  x >= 0
///
/// is solved by column generation. Its bound is far above the assignment model's, whose
/// fractional plans balance perfectly. For any duals (pi, mu) and the least reduced cost
/// rc*(t) = min over patterns p of type t of c(p) - pi(p) - mu(t), every partition costs at least
/// LB = sum pi + sum over t of H(t) (mu(t) + rc*(t)) (a Lagrangian bound, valid at every iteration
/// and equal to the LP optimum at convergence). A partition costing at most the incumbent's value
/// U uses only patterns of type t whose reduced cost is at most U - LB + rc*(t), so once the LP
/// has converged those patterns are enumerated and an exact cover search over them
/// (`coverSearch`) finds the optimum of the whole problem.
///
/// Roles: this file holds the model (host types, patterns and their costs, the master LP) and
/// the proof's course; `BalancePricer` prices and enumerates patterns, `BalanceCoverSearch`
/// solves the set-partitioning problem over a set of patterns, and the local search over
/// partitions (`polish`, `perturb`) improves the incumbent.
struct BalancePatterns {
    struct Outcome {
        /// A plan better than the incumbent, when one was found.
        var placement: [Int32]?
        /// Imbalance squared of the best plan (the incumbent's when `placement` is nil).
        var value: Double
        /// Proven lower bound on the imbalance squared (0 when nothing was proven).
        var bound: Double
        /// Whether `value` is proven optimal (see `closes`).
        var proven: Bool
        /// Patterns enumerated for the final cover search (0 when it was not reached).
        var enumerated = 0
        /// The best Lagrangian bound of column generation (imbalance squared), before the search.
        var lagrangian = 0.0
        /// The best plan as patterns (one per host).
        var partition: [Pattern] = []
    }

    /// A pattern: the items on one host of a type.
    struct Pattern: Hashable {
        var type: Int
        var items: [Int]
    }

    /// Hosts with the same capacities and limits.
    struct HostType {
        var hosts: [Int]
        var limit: [Int64]
        /// 1 / (H x R x capacity(r)^2), capacities in milli-units.
        var weight: [Double]
        /// u*(r) x capacity(r): the load of a perfectly balanced host of this type.
        var target: [Double]
    }

    /// Relative tolerance on the imbalance squared of the IPs' gap and of the enumeration's
    /// threshold (well inside the exact solver's `balanceGap`).
    static let tolerance = 1e-9

    /// Whether a bound proves a value (both imbalance squared) optimal in the exact solver's
    /// sense: within `tolerance` relatively, or within `MIPModel.coneTolerance` in the imbalance
    /// itself.
    static func closes(bound: Double, value: Double) -> Bool {
        bound >= value * (1 - tolerance) || value.squareRoot() - max(0, bound).squareRoot() <= MIPModel.coneTolerance
    }
    /// Patterns beyond which the enumeration gives up (the cover search over them would not
    /// finish in time).
    static let enumerationLimit = 400_000
    /// Items beyond which the search is not tried (its scratch space grows with the square).
    static let itemLimit = 256
    /// Hosts beyond which the local search re-splits pairs only (there are H^3 / 6 triples).
    static let tripleHosts = 48

    /// Whether the incumbent is improved (local search over partitions, the cover search over the
    /// generated patterns) before the enumeration; off only in tests, so that the enumeration
    /// alone has to find the optimum.
    var improvesIncumbent = true

    let problem: Problem
    let types: [HostType]
    let itemVMs: [[Int32]]
    let n: Int
    let R: Int
    /// Demand, item-major (R per item).
    let demand: [Int64]
    let conflicts: [[Int]]
    /// Per type and item: sum over r of weight(t,r) x demand(r)^2 (see `BalancePricer.square`).
    let square: [[Double]]

    /// The columns generated so far, and their set for deduplication.
    private var patterns: [Pattern] = []
    private var seen: Set<Pattern> = []
    /// Pricing and enumeration, with the duals and the deadline they work under.
    private var pricer: BalancePricer

    /// Nil unless the goal is `balance`, the incumbent places everything, there is no soft rule
    /// and no standby host, every active VM is new and free (`FreeItems`), and every connected
    /// host receives VMs and has capacity in every resource.
    init?(_ problem: Problem, incumbentPlacesEverything: Bool) {
        guard let (free, connected) = FreeItems.forBalance(problem, incumbentPlacesEverything: incumbentPlacesEverything,
                                                           itemLimit: Self.itemLimit) else { return nil }
        let R = problem.resourceCount, H = problem.hostCount
        let capacity = { (h: Int, r: Int) in problem.hostCapacity[r * H + h] * Units.scale }
        guard connected.allSatisfy({ h in (0..<R).allSatisfy { capacity(h, $0) > 0 } }) else { return nil }
        let total = (0..<R).map { r in Double(free.items.reduce(Int64(0)) { $0 + $1.demand[r] }) }
        let totalCapacity = (0..<R).map { r in connected.reduce(0.0) { $0 + capacity($1, r) } }
        var types: [HostType] = []
        var key: [[Double]] = []
        for h in connected {
            let signature = (0..<R).map { capacity(h, $0) } + (0..<R).map { Double(problem.limit(h, $0)) }
            if let t = key.firstIndex(of: signature) {
                types[t].hosts.append(h)
                continue
            }
            key.append(signature)
            types.append(HostType(hosts: [h], limit: (0..<R).map { problem.limit(h, $0) },
                                  weight: (0..<R).map { 1 / (Double(connected.count * R) * capacity(h, $0) * capacity(h, $0)) },
                                  target: (0..<R).map { total[$0] / totalCapacity[$0] * capacity(h, $0) }))
        }
        self.problem = problem
        self.types = types
        itemVMs = free.items.map(\.vms)
        n = free.items.count
        self.R = R
        let demand = free.items.flatMap(\.demand)
        self.demand = demand
        conflicts = free.conflicts.map { $0.sorted() }
        let square = types.map { type in
            (0..<free.items.count).map { i in
                (0..<R).reduce(0.0) { $0 + type.weight[$1] * Double(demand[i * R + $1]) * Double(demand[i * R + $1]) }
            }
        }
        self.square = square
        let order = square[0].indices.sorted { square[0][$0] != square[0][$1] ? square[0][$0] > square[0][$1] : $0 < $1 }
        pricer = BalancePricer(types: types, n: n, R: R, demand: demand, conflicts: conflicts, order: order, square: square)
    }

    /// Cost of a pattern: its host's share of the imbalance squared.
    func cost(_ pattern: Pattern) -> Double {
        let type = types[pattern.type]
        var total = 0.0
        for r in 0..<R {
            let d = Double(pattern.items.reduce(Int64(0)) { $0 + demand[$1 * R + r] }) - type.target[r]
            total += type.weight[r] * d * d
        }
        return total
    }

    /// Whether a pattern fits its host type's limits and breaks no anti-affinity rule.
    func isPattern(_ pattern: Pattern) -> Bool {
        let limit = types[pattern.type].limit
        for r in 0..<R where pattern.items.reduce(Int64(0), { $0 + demand[$1 * R + r] }) > limit[r] { return false }
        let members = Set(pattern.items)
        return !pattern.items.contains { i in conflicts[i].contains { members.contains($0) } }
    }

    private mutating func add(_ pattern: Pattern) -> Bool {
        let sorted = Pattern(type: pattern.type, items: pattern.items.sorted())
        guard seen.insert(sorted).inserted else { return false }
        patterns.append(sorted)
        return true
    }

    /// The incumbent as a partition (one pattern per host, empty ones included), or nil when it
    /// leaves an item off the hosts of the search.
    private func partition(_ placement: [Int32]) -> [Pattern]? {
        var position = [Int: Int]()
        var parts: [Pattern] = []
        for (t, type) in types.enumerated() {
            for h in type.hosts {
                position[h] = parts.count
                parts.append(Pattern(type: t, items: []))
            }
        }
        for i in 0..<n {
            guard let k = position[Int(placement[Int(itemVMs[i][0])])] else { return nil }
            parts[k].items.append(i)
        }
        return parts
    }

    /// The master LP: a row per item (= 1) and per host type (= its hosts).
    private func partitionModel(_ columns: [Pattern], scale: Double) -> MIPModel {
        var model = MIPModel()
        var rows = [[(Int, Double)]](repeating: [], count: n)
        var count = [[(Int, Double)]](repeating: [], count: types.count)
        for pattern in columns {
            let hosts = Double(types[pattern.type].hosts.count)
            // x <= 1 follows from the item rows; as a bound it would let a column sit at it with
            // a negative reduced cost, and the duals would price nothing out.
            let column = model.addColumn(upper: hosts, integer: false, cost: scale * cost(pattern))
            for i in pattern.items { rows[i].append((column, 1)) }
            count[pattern.type].append((column, 1))
        }
        for row in rows { model.addRow(row, lower: 1, upper: 1) }
        for (t, row) in count.enumerated() {
            model.addRow(row, lower: Double(types[t].hosts.count), upper: Double(types[t].hosts.count))
        }
        return model
    }

    // MARK: Master

    /// The LP over `patterns`, costs scaled by `scale`: the item duals and the host-type duals
    /// (unscaled).
    private func master(scale: Double, timeLimit: Double) -> (pi: [Double], mu: [Double])? {
        let model = partitionModel(patterns, scale: scale)
        guard let solution = GLPKBackend.solveLP(model, timeLimit: timeLimit) else { return nil }
        return (solution.duals.prefix(n).map { $0 / scale }, solution.duals.suffix(types.count).map { $0 / scale })
    }

    // MARK: Solve

    /// Column generation from the incumbent's patterns, then (after convergence) the cover search
    /// over the generated patterns for a better incumbent, and over the enumerated patterns for the
    /// proof, until `deadline`.
    mutating func solve(incumbent placement: [Int32], deadline: ContinuousClock.Instant) -> Outcome {
        var outcome = prove(incumbent: placement, deadline: deadline)
        // Time left without a proof goes to the plan: kicks and local search.
        if !outcome.proven, improvesIncumbent, !outcome.partition.isEmpty, ContinuousClock.now < deadline {
            var parts = outcome.partition
            perturb(&parts, until: deadline)
            improve(&outcome, parts)
        }
        return outcome
    }

    /// The duals of the best Lagrangian bound, with each type's least reduced cost under them.
    struct Duals {
        var pi: [Double]
        var mu: [Double]
        var least: [Double]
        /// The Lagrangian bound (imbalance squared).
        var value: Double
    }

    /// The proof: local search on the incumbent, column generation (`generateColumns`), a better
    /// incumbent from the generated patterns (`improveOverColumns`), then the cover search over
    /// the enumerated patterns (`enumerateAndCover`), each step only while no bound has closed
    /// the gap.
    private mutating func prove(incumbent placement: [Int32], deadline: ContinuousClock.Instant) -> Outcome {
        pricer.deadline = deadline
        pricer.stopped = false
        guard let given = partition(placement) else { return Outcome(placement: nil, value: .infinity, bound: 0, proven: false) }
        var outcome = Outcome(placement: nil, value: given.reduce(0.0) { $0 + cost($1) }, bound: 0, proven: false)
        outcome.partition = given
        // Local search first (a tenth of the time at most): the better the incumbent, the fewer
        // patterns the enumeration lists.
        if improvesIncumbent {
            var parts = given
            polish(&parts, until: ContinuousClock.now.advanced(by: .seconds((deadline - ContinuousClock.now).seconds * 0.1)))
            improve(&outcome, parts)
        }
        let upper = outcome.value
        guard upper > 0 else {
            outcome.proven = true
            return outcome
        }
        pricer.prepare()
        seedColumns(outcome.partition)
        let generation = generateColumns(upper: upper, deadline: deadline, outcome: &outcome)
        guard !outcome.proven else { return outcome }
        improveOverColumns(&outcome, duals: generation.best, converged: generation.converged, deadline: deadline)
        if Self.closes(bound: outcome.bound, value: outcome.value) {
            outcome.proven = true
            return outcome
        }
        guard generation.converged, let duals = generation.best else { return outcome }
        enumerateAndCover(&outcome, duals: duals, deadline: deadline)
        return outcome
    }

    /// Takes `parts` as the best plan when it costs less than the best so far.
    private func improve(_ outcome: inout Outcome, _ parts: [Pattern]) {
        let value = parts.reduce(0.0) { $0 + cost($1) }
        if value < outcome.value {
            outcome.value = value
            outcome.placement = self.placement(parts)
            outcome.partition = parts
        }
    }

    /// The first columns: every type's empty pattern, each item alone where it fits, and the
    /// patterns of `start`.
    private mutating func seedColumns(_ start: [Pattern]) {
        for t in types.indices {
            _ = add(Pattern(type: t, items: []))
            for i in 0..<n where isPattern(Pattern(type: t, items: [i])) { _ = add(Pattern(type: t, items: [i])) }
        }
        for part in start { _ = add(part) }
    }

    /// Column generation until the LP converges, the Lagrangian bound closes the gap to `upper`
    /// (the incumbent's value; `outcome.proven`), or half the time to `deadline` is gone (so
    /// that the restricted search after it still turns its patterns into a plan). Raises
    /// `outcome.bound` to the best Lagrangian bound; returns the duals of that bound and whether
    /// the LP converged.
    private mutating func generateColumns(upper: Double, deadline: ContinuousClock.Instant, outcome: inout Outcome)
        -> (best: Duals?, converged: Bool) {
        let H = Double(types.reduce(0) { $0 + $1.hosts.count })
        // Scaled so that an average host costs 1: GLPK's tolerances are absolute.
        let scale = H / upper
        var bestDuals: Duals?
        var converged = false
        pricer.deadline = ContinuousClock.now.advanced(by: .seconds((deadline - ContinuousClock.now).seconds * 0.5))
        while ContinuousClock.now < pricer.deadline {
            let left = (pricer.deadline - ContinuousClock.now).seconds
            guard left > 0.01, let lp = master(scale: scale, timeLimit: left) else { break }
            pricer.pi = lp.pi
            pricer.mu = lp.mu
            // Greedy patterns of negative reduced cost enter without the exact pricing.
            let threshold = -1e-7 * upper / H
            var quick: [[(value: Double, pattern: [Int])]] = []
            var added = false
            for t in types.indices {
                quick.append(pricer.greedyPrice(type: t))
                for column in quick[t] where column.value < threshold {
                    if add(Pattern(type: t, items: column.pattern)) { added = true }
                }
            }
            if added { continue }
            guard let least = priceExactly(quick, added: &added) else { break }
            let lagrangian = lp.pi.reduce(0, +) + types.indices.reduce(0.0) { $0 + Double(types[$1].hosts.count) * (lp.mu[$1] + least[$1]) }
            if lagrangian > bestDuals?.value ?? -.infinity {
                outcome.bound = max(outcome.bound, lagrangian)
                outcome.lagrangian = lagrangian
                bestDuals = Duals(pi: lp.pi, mu: lp.mu, least: least, value: lagrangian)
            }
            if Self.closes(bound: outcome.bound, value: upper) {
                outcome.proven = true
                break
            }
            // Converged within GLPK's reduced-cost tolerance (1e-7 of an average host's cost), or
            // the least reduced costs belong to patterns already in the LP (the rest is GLPK's
            // rounding). The bound and the enumeration below hold for any duals; only their
            // strength depends on this.
            if least.allSatisfy({ $0 >= threshold }) || !added {
                converged = true
                break
            }
        }
        pricer.stopped = false
        pricer.deadline = deadline
        return (bestDuals, converged)
    }

    /// Exact pricing of every type under the pricer's duals, starting from the best greedy
    /// pattern of the type (`quick`): adds the least-reduced-cost pattern and up to 300 more of
    /// negative reduced cost (`added` when one was new). Returns each type's least reduced cost,
    /// nil when the deadline stopped the search.
    private mutating func priceExactly(_ quick: [[(value: Double, pattern: [Int])]], added: inout Bool) -> [Double]? {
        var least: [Double] = []
        for t in types.indices {
            guard let priced = pricer.price(type: t, extra: 300, start: quick[t].first) else { return nil }
            least.append(priced.value)
            if add(Pattern(type: t, items: priced.pattern)) { added = true }
            for pattern in priced.more where add(Pattern(type: t, items: pattern)) { added = true }
        }
        return least
    }

    /// Kicks and local search (a fifth of the time left at most, and 10 kicks per host
    /// without a better plan), then the cover search over the patterns generated so far,
    /// which often finds a much better plan: the smaller the gap, the fewer patterns the
    /// enumeration has to list. Without convergence there is no proof to make: the restricted
    /// search and the local search after it get all the time. (Its reduced costs are under the
    /// best duals, or the last ones; any duals keep the search exact over its columns. Without
    /// any LP solved there are no duals, and no search.)
    private mutating func improveOverColumns(_ outcome: inout Outcome, duals: Duals?, converged: Bool,
                                             deadline: ContinuousClock.Instant) {
        if improvesIncumbent {
            var parts = outcome.partition
            perturb(&parts, until: ContinuousClock.now.advanced(by: .seconds((deadline - ContinuousClock.now).seconds * 0.2)),
                    stall: 10 * parts.count)
            improve(&outcome, parts)
        }
        let share = (deadline - ContinuousClock.now).seconds / (converged ? 3 : 1)
        if let duals { (pricer.pi, pricer.mu) = (duals.pi, duals.mu) }
        if improvesIncumbent, share > 0.01, pricer.pi.count == n, pricer.mu.count == types.count {
            let restricted = coverSearch(patterns, pi: pricer.pi, mu: pricer.mu, incumbentValue: outcome.value,
                                         deadline: ContinuousClock.now.advanced(by: .seconds(share * 0.7)))
            if let parts = restricted.parts { improve(&outcome, parts) }
            var parts = outcome.partition
            polish(&parts, until: ContinuousClock.now.advanced(by: .seconds(share * 0.3)))
            improve(&outcome, parts)
        }
    }

    /// The proof's last step: every pattern of type t of a plan costing at most the incumbent's
    /// value has reduced cost at most value - LB + rc*(t) under `duals`; those are enumerated
    /// (unless there are more than `enumerationLimit`) and the cover search over them finds the
    /// optimum, which proves the best plan.
    private mutating func enumerateAndCover(_ outcome: inout Outcome, duals: Duals, deadline: ContinuousClock.Instant) {
        pricer.pi = duals.pi
        pricer.mu = duals.mu
        var candidates: [Pattern] = []
        for t in types.indices {
            let threshold = outcome.value - duals.value + duals.least[t] + Self.tolerance * outcome.value
            guard let listed = pricer.enumerate(type: t, threshold: threshold), candidates.count + listed.count <= Self.enumerationLimit else {
                return
            }
            candidates += listed.map { Pattern(type: t, items: $0) }
        }
        outcome.enumerated = candidates.count
        let search = coverSearch(candidates, pi: duals.pi, mu: duals.mu, incumbentValue: outcome.value, deadline: deadline)
        if let parts = search.parts { improve(&outcome, parts) }
        if search.complete {
            outcome.proven = true
            outcome.bound = max(outcome.bound, outcome.value * (1 - Self.tolerance))
        }
    }

    /// The plan of a partition: the patterns of each type on that type's hosts.
    private func placement(_ parts: [Pattern]) -> [Int32] {
        var placement = [Int32](repeating: -1, count: problem.vmCount)
        var next = [Int](repeating: 0, count: types.count)
        for part in parts {
            let host = types[part.type].hosts[next[part.type]]
            next[part.type] += 1
            for i in part.items {
                for v in itemVMs[i] { placement[Int(v)] = Int32(host) }
            }
        }
        return placement
    }
}
