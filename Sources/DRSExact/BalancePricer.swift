/// The pricer of `BalancePatterns`: pricing and enumeration of the patterns of one host type at
/// a time under the duals `pi` (items) and `mu` (host types), as one depth-first search over
/// subsets (items largest first, each subset reached once), cut by two bounds that hold for
/// every pattern of a subtree: convexity at the node (adding items T to loads L costs at least
/// c(L) + sum over i in T of (grad c(L) . w(i) + sum_r weight(r) w(i,r)^2 - pi(i))) and a tangent
/// plane fitted to the duals (`prepareTangent`).
struct BalancePricer {
    let types: [BalancePatterns.HostType]
    let n: Int
    let R: Int
    /// Demand, item-major (R per item).
    let demand: [Int64]
    let conflicts: [[Int]]
    /// Items largest first: the search's order.
    let order: [Int]
    /// Per type and item: sum over r of weight(t,r) x demand(r)^2 (the least a pattern's cost
    /// rises by beyond the gradient when the item joins).
    let square: [[Double]]

    /// Item duals and host-type duals (unscaled) the search prices under.
    var pi: [Double] = []
    var mu: [Double] = []
    /// Nodes visited over every search so far (the deadline is checked every 256).
    var nodes = 0
    /// Set when the deadline or the enumeration limit stopped a search; cleared by the caller.
    var stopped = false
    var deadline = ContinuousClock.now

    // Search state (for the host type chosen by `select`).
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

    private var weight: [Double] = []
    private var target: [Double] = []
    private var limit: [Int64] = []
    private var typeDual = 0.0
    private var itemSquare: [Double] = []

    private var tangentSlope: [Double] = []
    private var tangentKappa = 0.0
    /// Per position in `order`: the item's term, and the sum of the negative terms from there on.
    private var tangentTerm: [Double] = []
    private var tangentSuffix: [Double] = []

    init(types: [BalancePatterns.HostType], n: Int, R: Int, demand: [Int64], conflicts: [[Int]], order: [Int], square: [[Double]]) {
        self.types = types
        self.n = n
        self.R = R
        self.demand = demand
        self.conflicts = conflicts
        self.order = order
        self.square = square
    }

    /// Sizes the search's scratch space: O(n^2) per-depth suffix arrays.
    mutating func prepare() {
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
    }

    /// The host type the search works on, with its dual and its per-item squares.
    private mutating func select(_ type: Int) {
        weight = types[type].weight
        target = types[type].target
        limit = types[type].limit
        typeDual = mu[type]
        itemSquare = square[type]
    }

    /// Least reduced cost over all patterns of type `type` under `pi`, `mu`, with up to `extra`
    /// more patterns of negative reduced cost met on the way; nil when the deadline stopped the
    /// search.
    mutating func price(type: Int, extra: Int, start: (value: Double, pattern: [Int])?) -> (value: Double, pattern: [Int], more: [[Int]])? {
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

    /// Greedy pricing of type `type`: from the empty pattern and from each item alone, add the
    /// item that lowers the reduced cost most until none does. Returns the distinct patterns
    /// reached, least reduced cost first. Much cheaper than `price`, which is needed only once
    /// these find nothing (to prove convergence and for the bound). O(n^3 x R).
    mutating func greedyPrice(type: Int) -> [(value: Double, pattern: [Int])] {
        select(type)
        return greedyPatterns()
    }

    /// `greedyPrice` for the selected type.
    private func greedyPatterns() -> [(value: Double, pattern: [Int])] {
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

    /// Every pattern of type `type` whose reduced cost is at most `threshold`; nil when there are
    /// more than `BalancePatterns.enumerationLimit` or the deadline stopped the search.
    mutating func enumerate(type: Int, threshold: Double) -> [[Int]]? {
        select(type)
        enumerating = true
        found = []
        cut = threshold
        prepareTangent()
        explore(from: 0, piSum: 0, depth: 0)
        if stopped || found.count > BalancePatterns.enumerationLimit { return nil }
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
        var chosen = bound([Double](repeating: 0, count: R))
        chosen.root = chosen.root.isFinite ? chosen.root : -.infinity
        var slope = [Double](repeating: 0, count: R)
        if let fitted = fittedSlope(), fitted.allSatisfy(\.isFinite) {
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

    /// The least-squares fit a of pi(i) ~ a . w(i): the normal equations, solved by Gaussian
    /// elimination with partial pivoting; nil when they are singular. O(n x R^2 + R^3).
    private func fittedSlope() -> [Double]? {
        var matrix = [Double](repeating: 0, count: R * (R + 1))
        for i in 0..<n {
            for r in 0..<R {
                let w = Double(demand[i * R + r])
                for q in 0..<R { matrix[r * (R + 1) + q] += w * Double(demand[i * R + q]) }
                matrix[r * (R + 1) + R] += w * pi[i]
            }
        }
        for column in 0..<R {
            let pivot = (column..<R).max { abs(matrix[$0 * (R + 1) + column]) < abs(matrix[$1 * (R + 1) + column]) }!
            guard abs(matrix[pivot * (R + 1) + column]) > 1e-300 else { return nil }
            for q in 0...R { matrix.swapAt(column * (R + 1) + q, pivot * (R + 1) + q) }
            for row in 0..<R where row != column {
                let factor = matrix[row * (R + 1) + column] / matrix[column * (R + 1) + column]
                for q in 0...R { matrix[row * (R + 1) + q] -= factor * matrix[column * (R + 1) + q] }
            }
        }
        return (0..<R).map { r in matrix[r * (R + 1) + R] / matrix[r * (R + 1) + r] }
    }

    /// The search from the pattern `chosen` (loads `load`, dual sum `piSum`) over the items from
    /// position `k` of `order` on: records the node, then tries each item that fits and that no
    /// bound rules out.
    private mutating func explore(from k: Int, piSum: Double, depth: Int) {
        if stopped { return }
        nodes += 1
        if nodes & 255 == 0 && ContinuousClock.now >= deadline {
            stopped = true
            return
        }
        let base = visit(piSum: piSum, depth: depth)
        if stopped { return }
        // A subtree is cut when its bound exceeds the threshold (enumeration) or cannot beat the
        // best pattern so far (pricing). (A local function: as a method it would copy `self`.)
        func cuts(_ bound: Double) -> Bool { enumerating ? bound > cut : bound >= best }
        var plane = tangentKappa - piSum - typeDual
        for r in 0..<R { plane += tangentSlope[r] * Double(load[r]) }
        if cuts(plane + tangentSuffix[k]) { return }
        convexityTerms(from: k, depth: depth)
        if cuts(nodeTangent(from: k, piSum: piSum, depth: depth)) { return }
        let planeBase = nodeTerms(from: k, piSum: piSum, depth: depth)
        let offset = depth * (n + 1)
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

    /// The node's own pattern: its reduced cost (returned), the cost's gradient at its loads
    /// (`slope` at `depth`), and the pattern recorded as found (enumeration, stopping past the
    /// limit) or as the best and an extra column (pricing). O(R), plus the copy of a recorded
    /// pattern.
    private mutating func visit(piSum: Double, depth: Int) -> Double {
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
                if found.count > BalancePatterns.enumerationLimit { stopped = true }
            }
        } else {
            if base < best {
                best = base
                bestPattern = chosen
            }
            if base < -1e-12 && found.count < extraLimit { found.append(chosen.sorted()) }
        }
        return base
    }

    /// The convexity bound of every item from position `k` on that can still join (`gradient`
    /// at `depth`, infinity for one that does not fit), and its suffix sums over the order
    /// (`suffix`; only negative terms lower the bound). O((n - k) x R).
    private mutating func convexityTerms(from k: Int, depth: Int) {
        let slopeOffset = depth * R
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
    }

    /// This node's tangent plane: from the parent's b, two damped steps towards the deviation
    /// the plane's attractive items would reach (where the bound is largest); any b gives a
    /// valid bound, and the best one is kept for the children (`planeB` at `depth + 1`).
    /// Returns that bound. O((n - k) x R).
    private mutating func nodeTangent(from k: Int, piSum: Double, depth: Int) -> Double {
        let offset = depth * (n + 1)
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
        return nodePlane
    }

    /// The terms of the items from position `k` on under the node's tangent plane (`nodeTerm`
    /// at `depth`, infinity for one that does not fit) and their suffix sums (`nodeSuffix`);
    /// returns the plane's value at the node. O((n - k) x R).
    private mutating func nodeTerms(from k: Int, piSum: Double, depth: Int) -> Double {
        let offset = depth * (n + 1)
        let ownB = (depth + 1) * R
        var planeBase = -piSum - typeDual
        for r in 0..<R {
            let b = planeB[ownB + r]
            planeBase += weight[r] * (2 * (Double(load[r]) - target[r]) * b - b * b)
            trialSlope[r] = 2 * weight[r] * b
        }
        var total = 0.0
        nodeSuffix[offset + n] = 0
        var p = n - 1
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
        return planeBase
    }

    /// Whether item `i` fits the selected type's limits beside `chosen` and conflicts with none
    /// of it.
    private func fits(_ i: Int) -> Bool {
        for r in 0..<R where load[r] + demand[i * R + r] > limit[r] { return false }
        for j in conflicts[i] where inPattern[j] { return false }
        return true
    }
}
