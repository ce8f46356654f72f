import DRSModel

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
/// Pricing and enumeration are one depth-first search over subsets (items largest first, each
/// subset reached once), cut by two bounds that hold for every pattern of a subtree: convexity at
/// the node (adding items T to loads L costs at least
/// c(L) + sum over i in T of (grad c(L) . w(i) + sum_r weight(r) w(i,r)^2 - pi(i))) and a tangent
/// plane fitted to the duals (`prepareTangent`).
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

    private let problem: Problem
    private let types: [HostType]
    private let itemVMs: [[Int32]]
    private let n: Int
    private let R: Int
    /// Demand, item-major (R per item).
    private let demand: [Int64]
    private let conflicts: [[Int]]
    /// Items largest first: the search's order.
    private let order: [Int]
    /// Per type and item: sum over r of weight(t,r) x demand(r)^2 (the least a pattern's cost
    /// rises by beyond the gradient when the item joins).
    private let square: [[Double]]

    private var patterns: [Pattern] = []
    private var seen: Set<Pattern> = []

    // Search state (for the host type chosen by `select`).
    private var pi: [Double] = []
    private var mu: [Double] = []
    private var chosen: [Int] = []
    private var inPattern: [Bool] = []
    private var load: [Int64] = []
    private var gradient: [Double] = []
    /// Per depth: the tangent b of the node on the path (index 0: the root's from
    /// `prepareTangent`), the items' terms under it and their suffix sums; scratch for one node.
    private var planeB: [Double] = []
    private var nodeTerm: [Double] = []
    private var nodeSuffix: [Double] = []
    private var trialB: [Double] = []
    private var trialSlope: [Double] = []
    private var drift: [Double] = []
    private var slope: [Double] = []
    private var suffix: [Double] = []
    private var enumerating = false
    private var cut = 0.0
    private var best = 0.0
    private var bestPattern: [Int] = []
    private var found: [[Int]] = []
    private var extraLimit = 0
    private var nodes = 0
    private var stopped = false
    private var deadline = ContinuousClock.now

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
        order = square[0].indices.sorted { square[0][$0] != square[0][$1] ? square[0][$0] > square[0][$1] : $0 < $1 }
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

    // MARK: Subset search

    /// The host type the search works on, with its dual and its per-item squares.
    private mutating func select(_ type: Int) {
        weight = types[type].weight
        target = types[type].target
        limit = types[type].limit
        typeDual = mu[type]
        itemSquare = square[type]
    }
    private var weight: [Double] = []
    private var target: [Double] = []
    private var limit: [Int64] = []
    private var typeDual = 0.0
    private var itemSquare: [Double] = []

    /// Least reduced cost over all patterns (of the selected type) under `pi`, `mu`, with up to `extra` more patterns
    /// of negative reduced cost met on the way; nil when the deadline stopped the search.
    private mutating func price(type: Int, extra: Int, start: (value: Double, pattern: [Int])?) -> (value: Double, pattern: [Int], more: [[Int]])? {
        select(type)
        enumerating = false
        best = start?.value ?? .infinity
        bestPattern = start?.pattern ?? []
        found = []
        cut = .infinity
        extraLimit = extra
        prepareTangent()
        explore(from: 0, piSum: 0, depth: 0)
        if stopped { return nil }
        return (best, bestPattern, found)
    }

    /// Greedy pricing (of the selected type): from the empty pattern and from each item alone,
    /// add the item that lowers the reduced cost most until none does. Returns the distinct
    /// patterns reached, least reduced cost first. Much cheaper than `price`, which is needed
    /// only once these find nothing (to prove convergence and for the bound).
    private func greedyPrice() -> [(value: Double, pattern: [Int])] {
        var results: [(value: Double, pattern: [Int])] = []
        var reached: Set<[Int]> = []
        var load = [Int64](repeating: 0, count: R)
        var member = [Bool](repeating: false, count: n)
        func change(_ i: Int) -> Double {
            var delta = -pi[i]
            for r in 0..<R {
                let before = Double(load[r]) - target[r], after = before + Double(demand[i * R + r])
                delta += weight[r] * (after * after - before * before)
            }
            return delta
        }
        func fits(_ i: Int) -> Bool {
            !member[i] && (0..<R).allSatisfy { load[$0] + demand[i * R + $0] <= limit[$0] } && !conflicts[i].contains { member[$0] }
        }
        for seed in -1..<n {
            if seed & 15 == 15 && ContinuousClock.now >= deadline { break }
            for r in 0..<R { load[r] = 0 }
            for i in 0..<n { member[i] = false }
            var pattern: [Int] = []
            var value = -typeDual
            for r in 0..<R { value += weight[r] * target[r] * target[r] }
            func join(_ i: Int, _ delta: Double) {
                member[i] = true
                pattern.append(i)
                for r in 0..<R { load[r] += demand[i * R + r] }
                value += delta
            }
            if seed >= 0 {
                guard fits(seed) else { continue }
                join(seed, change(seed))
            }
            while true {
                var bestItem = -1, bestDelta = 0.0
                for i in 0..<n where fits(i) {
                    let delta = change(i)
                    if delta < bestDelta { (bestItem, bestDelta) = (i, delta) }
                }
                guard bestItem >= 0 else { break }
                join(bestItem, bestDelta)
            }
            if reached.insert(pattern.sorted()).inserted { results.append((value, pattern.sorted())) }
        }
        return results.sorted { $0.value < $1.value }
    }

    /// Every pattern whose reduced cost is at most `threshold`; nil when there are more than
    /// `enumerationLimit` or the deadline stopped the search.
    private mutating func enumerate(type: Int, threshold: Double) -> [[Int]]? {
        select(type)
        enumerating = true
        found = []
        cut = threshold
        prepareTangent()
        explore(from: 0, piSum: 0, depth: 0)
        if stopped || found.count > Self.enumerationLimit { return nil }
        return found
    }

    /// Chooses the tangent plane of the second bound. For any b, weight(r) x e^2 >=
    /// weight(r) x (2 e b(r) - b(r)^2), so with a(r) = 2 weight(r) b(r) a pattern S costs at least
    /// kappa + a . L(S), kappa = -sum_r weight(r) (2 T(r) b(r) + b(r)^2): linear in the items,
    /// item i adding a . w(i) - pi(i) to the reduced cost, whatever else is in the pattern.
    /// The best b makes those terms small: a is fitted to the duals by least squares
    /// (pi(i) ~ a . w(i)), then scaled to the best bound on the empty pattern's subtree.
    private mutating func prepareTangent() {
        func bound(_ a: [Double]) -> (kappa: Double, terms: [Double], root: Double) {
            var kappa = 0.0
            for r in 0..<R {
                let b = a[r] / (2 * weight[r])
                kappa -= weight[r] * (2 * target[r] * b + b * b)
            }
            let terms = (0..<n).map { i in (0..<R).reduce(-pi[i]) { $0 + a[$1] * Double(demand[i * R + $1]) } }
            return (kappa, terms, terms.reduce(kappa - typeDual) { $0 + min(0, $1) })
        }
        // Normal equations of the fit, solved by Gaussian elimination with partial pivoting.
        var matrix = [Double](repeating: 0, count: R * (R + 1))
        for i in 0..<n {
            for r in 0..<R {
                let w = Double(demand[i * R + r])
                for q in 0..<R { matrix[r * (R + 1) + q] += w * Double(demand[i * R + q]) }
                matrix[r * (R + 1) + R] += w * pi[i]
            }
        }
        var fitted: [Double]? = [Double](repeating: 0, count: R)
        for column in 0..<R {
            let pivot = (column..<R).max { abs(matrix[$0 * (R + 1) + column]) < abs(matrix[$1 * (R + 1) + column]) }!
            guard abs(matrix[pivot * (R + 1) + column]) > 1e-300 else { fitted = nil; break }
            for q in 0...R { matrix.swapAt(column * (R + 1) + q, pivot * (R + 1) + q) }
            for row in 0..<R where row != column {
                let factor = matrix[row * (R + 1) + column] / matrix[column * (R + 1) + column]
                for q in 0...R { matrix[row * (R + 1) + q] -= factor * matrix[column * (R + 1) + q] }
            }
        }
        if fitted != nil { for r in 0..<R { fitted![r] = matrix[r * (R + 1) + R] / matrix[r * (R + 1) + r] } }
        var chosen = bound([Double](repeating: 0, count: R))
        chosen.root = chosen.root.isFinite ? chosen.root : -.infinity
        var slope = [Double](repeating: 0, count: R)
        if let fitted, fitted.allSatisfy(\.isFinite) {
            for factor in [0.8, 0.9, 0.95, 1, 1.05, 1.1, 1.25] {
                let a = fitted.map { $0 * factor }
                let candidate = bound(a)
                if candidate.root > chosen.root { (chosen, slope) = (candidate, a) }
            }
        }
        tangentSlope = slope
        for r in 0..<R { planeB[r] = slope[r] / (2 * weight[r]) }
        tangentKappa = chosen.kappa
        tangentSuffix = [Double](repeating: 0, count: n + 1)
        tangentTerm = [Double](repeating: 0, count: n)
        for p in stride(from: n - 1, through: 0, by: -1) {
            tangentTerm[p] = chosen.terms[order[p]]
            tangentSuffix[p] = tangentSuffix[p + 1] + min(0, tangentTerm[p])
        }
    }
    private var tangentSlope: [Double] = []
    private var tangentKappa = 0.0
    /// Per position in `order`: the item's term, and the sum of the negative terms from there on.
    private var tangentTerm: [Double] = []
    private var tangentSuffix: [Double] = []

    private mutating func explore(from k: Int, piSum: Double, depth: Int) {
        if stopped { return }
        nodes += 1
        if nodes & 255 == 0 && ContinuousClock.now >= deadline {
            stopped = true
            return
        }
        var base = -piSum - typeDual
        let slopeOffset = depth * R
        for r in 0..<R {
            let d = Double(load[r]) - target[r]
            base += weight[r] * d * d
            slope[slopeOffset + r] = 2 * weight[r] * d
        }
        if enumerating {
            if base <= cut {
                found.append(chosen.sorted())
                if found.count > Self.enumerationLimit {
                    stopped = true
                    return
                }
            }
        } else {
            if base < best {
                best = base
                bestPattern = chosen
            }
            if base < -1e-12 && found.count < extraLimit { found.append(chosen.sorted()) }
        }
        // A subtree is cut when its bound exceeds the threshold (enumeration) or cannot beat the
        // best pattern so far (pricing).
        func cuts(_ bound: Double) -> Bool { enumerating ? bound > cut : bound >= best }
        var plane = tangentKappa - piSum - typeDual
        for r in 0..<R { plane += tangentSlope[r] * Double(load[r]) }
        if cuts(plane + tangentSuffix[k]) { return }
        // The convexity bound of every item that can still join, and its suffix sums over the
        // order (only negative terms lower the bound).
        let offset = depth * (n + 1)
        var total = 0.0
        suffix[offset + n] = 0
        var p = n - 1
        while p >= k {
            let i = order[p]
            var g = Double.infinity
            if fits(i) {
                g = itemSquare[i] - pi[i]
                for r in 0..<R { g += slope[slopeOffset + r] * Double(demand[i * R + r]) }
                total += min(0, g)
            }
            gradient[offset + p] = g
            suffix[offset + p] = total
            p -= 1
        }
        // This node's tangent plane: from the parent's b, two damped steps towards the deviation
        // the plane's attractive items would reach (where the bound is largest); any b gives a
        // valid bound, and the best one is kept for the children.
        let parentB = depth * R, ownB = (depth + 1) * R
        var nodePlane = -Double.infinity
        for r in 0..<R { trialB[r] = planeB[parentB + r] }
        for _ in 0..<3 {
            var value = -piSum - typeDual
            for r in 0..<R {
                value += weight[r] * (2 * (Double(load[r]) - target[r]) * trialB[r] - trialB[r] * trialB[r])
                drift[r] = 0
                trialSlope[r] = 2 * weight[r] * trialB[r]
            }
            for p in k..<n where gradient[offset + p] < .infinity {
                let i = order[p]
                var term = -pi[i]
                for r in 0..<R { term += trialSlope[r] * Double(demand[i * R + r]) }
                if term < 0 {
                    value += term
                    for r in 0..<R { drift[r] += Double(demand[i * R + r]) }
                }
            }
            if value > nodePlane {
                nodePlane = value
                for r in 0..<R { planeB[ownB + r] = trialB[r] }
            }
            for r in 0..<R { trialB[r] = 0.5 * trialB[r] + 0.5 * (Double(load[r]) - target[r] + drift[r]) }
        }
        if cuts(nodePlane) { return }
        var planeBase = -piSum - typeDual
        for r in 0..<R {
            let b = planeB[ownB + r]
            planeBase += weight[r] * (2 * (Double(load[r]) - target[r]) * b - b * b)
            trialSlope[r] = 2 * weight[r] * b
        }
        total = 0
        nodeSuffix[offset + n] = 0
        p = n - 1
        while p >= k {
            var term = Double.infinity
            if gradient[offset + p] < .infinity {
                let i = order[p]
                term = -pi[i]
                for r in 0..<R { term += trialSlope[r] * Double(demand[i * R + r]) }
                total += min(0, term)
            }
            nodeTerm[offset + p] = term
            nodeSuffix[offset + p] = total
            p -= 1
        }
        for p in k..<n {
            // The suffix sums rise with p: no later item can do better either.
            if cuts(base + suffix[offset + p]) || cuts(plane + tangentSuffix[p]) || cuts(planeBase + nodeSuffix[offset + p]) { break }
            if cuts(base + gradient[offset + p] + suffix[offset + p + 1])
                || cuts(plane + tangentTerm[p] + tangentSuffix[p + 1])
                || cuts(planeBase + nodeTerm[offset + p] + nodeSuffix[offset + p + 1]) { continue }
            let i = order[p]
            for r in 0..<R { load[r] += demand[i * R + r] }
            chosen.append(i)
            inPattern[i] = true
            explore(from: p + 1, piSum: piSum + pi[i], depth: depth + 1)
            inPattern[i] = false
            chosen.removeLast()
            for r in 0..<R { load[r] -= demand[i * R + r] }
            if stopped { return }
        }
    }

    private func fits(_ i: Int) -> Bool {
        for r in 0..<R where load[r] + demand[i * R + r] > limit[r] { return false }
        for j in conflicts[i] where inPattern[j] { return false }
        return true
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
            let value = parts.reduce(0.0) { $0 + cost($1) }
            if value < outcome.value {
                outcome.value = value
                outcome.placement = self.placement(parts)
                outcome.partition = parts
            }
        }
        return outcome
    }

    private mutating func prove(incumbent placement: [Int32], deadline: ContinuousClock.Instant) -> Outcome {
        self.deadline = deadline
        stopped = false
        guard let given = partition(placement) else { return Outcome(placement: nil, value: .infinity, bound: 0, proven: false) }
        var outcome = Outcome(placement: nil, value: given.reduce(0.0) { $0 + cost($1) }, bound: 0, proven: false)
        outcome.partition = given
        var incumbent: [Pattern] { outcome.partition }
        func improve(_ parts: [Pattern]) {
            let value = parts.reduce(0.0) { $0 + cost($1) }
            if value < outcome.value {
                outcome.value = value
                outcome.placement = self.placement(parts)
                outcome.partition = parts
            }
        }
        // Local search first (a tenth of the time at most): the better the incumbent, the fewer
        // patterns the enumeration lists.
        if improvesIncumbent {
            var parts = given
            polish(&parts, until: ContinuousClock.now.advanced(by: .seconds((deadline - ContinuousClock.now).seconds * 0.1)))
            improve(parts)
        }
        let start = incumbent
        let upper = outcome.value
        guard upper > 0 else {
            outcome.proven = true
            return outcome
        }
        let H = Double(types.reduce(0) { $0 + $1.hosts.count })
        // Scaled so that an average host costs 1: GLPK's tolerances are absolute.
        let scale = H / upper
        chosen = []
        inPattern = [Bool](repeating: false, count: n)
        load = [Int64](repeating: 0, count: R)
        gradient = [Double](repeating: 0, count: (n + 1) * (n + 1))
        suffix = [Double](repeating: 0, count: (n + 1) * (n + 1))
        slope = [Double](repeating: 0, count: (n + 1) * R)
        planeB = [Double](repeating: 0, count: (n + 2) * R)
        nodeTerm = [Double](repeating: 0, count: (n + 1) * (n + 1))
        nodeSuffix = [Double](repeating: 0, count: (n + 1) * (n + 1))
        trialB = [Double](repeating: 0, count: R)
        trialSlope = [Double](repeating: 0, count: R)
        drift = [Double](repeating: 0, count: R)
        for t in types.indices {
            _ = add(Pattern(type: t, items: []))
            for i in 0..<n where isPattern(Pattern(type: t, items: [i])) { _ = add(Pattern(type: t, items: [i])) }
        }
        for part in start { _ = add(part) }

        // The duals of the best Lagrangian bound, with each type's least reduced cost under them.
        var bestDuals: (pi: [Double], mu: [Double], least: [Double], value: Double)?
        var converged = false
        // Column generation stops at half the time, so that the restricted search below still turns
        // its patterns into a plan.
        let full = deadline
        self.deadline = ContinuousClock.now.advanced(by: .seconds((full - ContinuousClock.now).seconds * 0.5))
        while ContinuousClock.now < self.deadline {
            let left = (self.deadline - ContinuousClock.now).seconds
            guard left > 0.01, let lp = master(scale: scale, timeLimit: left) else { break }
            pi = lp.pi
            mu = lp.mu
            // Greedy patterns of negative reduced cost enter without the exact pricing.
            let threshold = -1e-7 * upper / H
            var quick: [[(value: Double, pattern: [Int])]] = []
            var added = false
            for t in types.indices {
                select(t)
                quick.append(greedyPrice())
                for column in quick[t] where column.value < threshold {
                    if add(Pattern(type: t, items: column.pattern)) { added = true }
                }
            }
            if added { continue }
            var least: [Double] = []
            for t in types.indices {
                guard let priced = price(type: t, extra: 300, start: quick[t].first) else { break }
                least.append(priced.value)
                if add(Pattern(type: t, items: priced.pattern)) { added = true }
                for pattern in priced.more where add(Pattern(type: t, items: pattern)) { added = true }
            }
            guard least.count == types.count else { break }
            let lagrangian = pi.reduce(0, +) + types.indices.reduce(0.0) { $0 + Double(types[$1].hosts.count) * (mu[$1] + least[$1]) }
            if lagrangian > bestDuals?.value ?? -.infinity {
                outcome.bound = max(outcome.bound, lagrangian)
                outcome.lagrangian = lagrangian
                bestDuals = (pi, mu, least, lagrangian)
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
        stopped = false
        self.deadline = full
        guard !outcome.proven else { return outcome }

        // Kicks and local search (a fifth of the time left at most, and 10 kicks per host
        // without a better plan), then the cover search over the patterns generated so far,
        // which often finds a much better plan: the smaller the gap, the fewer patterns the
        // enumeration has to list.
        if improvesIncumbent {
            var parts = incumbent
            perturb(&parts, until: ContinuousClock.now.advanced(by: .seconds((deadline - ContinuousClock.now).seconds * 0.2)),
                    stall: 10 * parts.count)
            improve(parts)
        }
        // Without convergence there is no proof to make: the restricted search and the local
        // search after it get all the time. (Its reduced costs are under the best duals, or the
        // last ones; any duals keep the search exact over its columns.)
        let share = (deadline - ContinuousClock.now).seconds / (converged ? 3 : 1)
        if let duals = bestDuals { (pi, mu) = (duals.pi, duals.mu) }
        // (Without any LP solved there are no duals, and no search.)
        if improvesIncumbent, share > 0.01, pi.count == n, mu.count == types.count {
            let restricted = coverSearch(patterns, incumbentValue: outcome.value,
                                         deadline: ContinuousClock.now.advanced(by: .seconds(share * 0.7)))
            if let parts = restricted.parts { improve(parts) }
            var parts = incumbent
            polish(&parts, until: ContinuousClock.now.advanced(by: .seconds(share * 0.3)))
            improve(parts)
        }
        if Self.closes(bound: outcome.bound, value: outcome.value) {
            outcome.proven = true
            return outcome
        }
        guard converged, let duals = bestDuals else { return outcome }

        // Every pattern of type t of a plan costing at most the incumbent's value has reduced
        // cost at most value - LB + rc*(t).
        pi = duals.pi
        mu = duals.mu
        var candidates: [Pattern] = []
        for t in types.indices {
            let threshold = outcome.value - duals.value + duals.least[t] + Self.tolerance * outcome.value
            guard let listed = enumerate(type: t, threshold: threshold), candidates.count + listed.count <= Self.enumerationLimit else {
                return outcome
            }
            candidates += listed.map { Pattern(type: t, items: $0) }
        }
        outcome.enumerated = candidates.count
        let search = coverSearch(candidates, incumbentValue: outcome.value, deadline: deadline)
        if let parts = search.parts { improve(parts) }
        if search.complete {
            outcome.proven = true
            outcome.bound = max(outcome.bound, outcome.value * (1 - Self.tolerance))
        }
        return outcome
    }

    /// The set-partitioning problem over `columns` (with reduced costs under the current duals)
    /// by depth-first exact cover. A plan costs sum pi + sum over t of H(t) mu(t) plus the
    /// reduced costs of its H patterns, and each host not yet given a pattern adds at least the
    /// least reduced cost of its type. The search branches on the uncovered item with the fewest
    /// columns, cheapest columns first, and cuts at the best plan so far (at first the
    /// incumbent's value). Returns a better plan, if one was found, and whether the search
    /// completed (then the best plan, found or the incumbent, is optimal over `columns`).
    /// GLPK's IP over the 13,000 to 21,000 columns of uniform h16-v64 in Datasets/suite-small did
    /// not finish in three runs with 20 to 27 s left; this search finished with 13,354 of them in
    /// 2 s.
    private func coverSearch(_ columns: [Pattern], incumbentValue: Double, deadline: ContinuousClock.Instant)
        -> (parts: [Pattern]?, complete: Bool) {
        let words = (n + 63) / 64
        let base = pi.reduce(0, +) + types.indices.reduce(0.0) { $0 + Double(types[$1].hosts.count) * mu[$1] }
        let nonEmpty = columns.filter { !$0.items.isEmpty }
        let reduced = nonEmpty.map { pattern in cost(pattern) - pattern.items.reduce(0.0) { $0 + pi[$1] } - mu[pattern.type] }
        let emptyReduced = types.indices.map { cost(Pattern(type: $0, items: [])) - mu[$0] }
        var masks = [UInt64](repeating: 0, count: nonEmpty.count * words)
        var byItem = [[Int]](repeating: [], count: n)
        for (c, pattern) in nonEmpty.enumerated() {
            for i in pattern.items {
                masks[c * words + i / 64] |= UInt64(1) << UInt64(i % 64)
                byItem[i].append(c)
            }
        }
        for i in 0..<n { byItem[i].sort { reduced[$0] < reduced[$1] } }
        let listLength = byItem.map(\.count)
        let itemOrder = (0..<n).sorted { (a: Int, b: Int) -> Bool in listLength[a] != listLength[b] ? listLength[a] < listLength[b] : a < b }
        // The least reduced cost of each type over these columns and the empty pattern.
        var least = emptyReduced
        for (c, pattern) in nonEmpty.enumerated() { least[pattern.type] = min(least[pattern.type], reduced[c]) }
        let minLeast = least.min() ?? 0
        // Every column's reduced cost shared equally among its items: covering the items left
        // costs at least the sum of their least shares, and the hosts left empty at least
        // min(0, least empty reduced cost) each.
        var share = [Double](repeating: .infinity, count: n)
        for (c, pattern) in nonEmpty.enumerated() {
            for i in pattern.items { share[i] = min(share[i], reduced[c] / Double(pattern.items.count)) }
        }
        var shareLeft = share.reduce(0, +)
        let emptyFloor = min(0, emptyReduced.min() ?? 0)
        var covered = [UInt64](repeating: 0, count: words)
        func isCovered(_ i: Int) -> Bool { covered[i / 64] & (UInt64(1) << UInt64(i % 64)) != 0 }
        var used = [Int](repeating: 0, count: types.count)
        var chosen: [Int] = []
        var best = incumbentValue - base - Self.tolerance * incumbentValue
        var bestChosen: [Int]?
        var nodes = 0
        var stopped = false
        var hostsLeft = types.reduce(0) { $0 + $1.hosts.count }

        func search(_ accumulated: Double) {
            nodes += 1
            if nodes & 1023 == 0 && ContinuousClock.now >= deadline { stopped = true }
            if stopped { return }
            guard let item = itemOrder.first(where: { !isCovered($0) }) else {
                let total = accumulated + types.indices.reduce(0.0) { $0 + Double(types[$1].hosts.count - used[$1]) * emptyReduced[$1] }
                if total < best { (best, bestChosen) = (total, chosen) }
                return
            }
            guard hostsLeft > 0, accumulated + shareLeft + Double(hostsLeft) * emptyFloor < best else { return }
            for c in byItem[item] {
                // Columns come cheapest first: once even the cheapest completion cannot beat the
                // best, no later column can.
                if accumulated + reduced[c] + Double(hostsLeft - 1) * minLeast >= best { break }
                let t = nonEmpty[c].type
                guard used[t] < types[t].hosts.count else { continue }
                var clash = false
                for w in 0..<words where masks[c * words + w] & covered[w] != 0 { clash = true; break }
                if clash { continue }
                var rest = accumulated + reduced[c]
                for u in types.indices {
                    let open = types[u].hosts.count - used[u] - (u == t ? 1 : 0)
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
        search(0)
        guard let bestChosen else { return (nil, !stopped) }
        var parts = bestChosen.map { nonEmpty[$0] }
        for t in types.indices {
            let count = parts.filter { $0.type == t }.count
            parts += Array(repeating: Pattern(type: t, items: []), count: types[t].hosts.count - count)
        }
        // Checked before it counts: a partition of every item into patterns that fit.
        guard parts.allSatisfy(isPattern), parts.flatMap(\.items).sorted() == Array(0..<n) else { return (nil, false) }
        return (parts, !stopped)
    }

    // MARK: Local search

    /// Local search over partitions: the items of two hosts re-split in the best way, over every
    /// pair of hosts until no pair improves, then the same for random triples, until `deadline`.
    /// With `focus`, only the pairs and triples that hold one of those hosts.
    private func polish(_ parts: inout [Pattern], until deadline: ContinuousClock.Instant, focus: Set<Int>? = nil) {
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
    private func perturb(_ parts: inout [Pattern], until deadline: ContinuousClock.Instant, stall: Int = .max) {
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
