@_spi(Benchmarks) import DRSModel

/// Large-neighbourhood search for `consolidate` with exact repair: it closes hosts that local
/// search leaves open by re-packing a few hosts at a time, exactly.
///
/// Free VMs are the ones whose host the score does not care about beyond capacity and hard
/// rules: active, placed, not FT, not pinned, no affinity group, no soft rule, and not running
/// on a host that receives VMs (new VMs, and VMs that must leave their host whatever happens),
/// so moving them costs no migration second. A host is closable when every VM on it is free.
///
/// An attempt closes one host: the closable host with the least free load among a seeded
/// tournament of 3 gives its VMs to a pool, and steps follow until the pool is empty (one active
/// host fewer: the attempt succeeds) or `attemptSteps` steps in a row leave it no lighter (the
/// plan before the attempt is restored). One step: 1 to 3 partners (active hosts, by tournament
/// on room left) lift their free VMs; a depth-first search assigns the lifted VMs and the pool
/// again, heaviest first, each to a partner (best fit first; interchangeable empty partners
/// tried once) or to the pool, maximising the weight on the partners (weight: the squared
/// normalised demand, so that large VMs are placed and small ones wait), within `nodeLimit`
/// nodes. Within the limit the repair is exact: no assignment of those VMs to those hosts puts
/// more weight on them. A repair at least as heavy as before is kept (equal ones too, to move
/// along plateaus). Hard constraints hold throughout (`PlacementState.canPlace`: capacity,
/// vmHost rules, anti-affinity, host states); moves keep the total demand, so HA admission
/// control does not change; no host is opened.
///
/// Stops at the deadline, when the active hosts meet `goalBound`, or once `stallWork` nodes
/// passed since a host was last closed. Deterministic for a seed unless the deadline stops it.
package struct NeighbourhoodSearch {
    /// What the search reached.
    package struct Outcome: Sendable {
        /// Host of every VM's primary (unchanged for VMs that are not free).
        package var placement: [Int32]
        /// Active hosts at the start and at the end.
        package var startHosts: Int
        package var activeHosts: Int
        /// Steps and attempts taken, search nodes visited.
        package var steps = 0
        package var attempts = 0
        package var nodes = 0
        /// Whether the deadline stopped the search.
        package var deadlineReached = false
    }

    /// Nodes one repair may visit.
    package static let nodeLimit = 2_000
    /// Steps in a row that leave the pool no lighter after which an attempt gives up.
    package static let attemptSteps = 300
    /// Nodes since the last closed host after which the search stops.
    package static let stallWork = 10_000_000

    let problem: Problem
    var state: PlacementState
    /// Whether each VM is free (see the type).
    let free: [Bool]
    /// Normalised size of each VM (its demand over the average receiving limit, summed over
    /// resources) and its weight (the size squared).
    let size: [Double]
    let weight: [Double]
    /// Free VMs per host, and the count of other residents (not free, or secondaries).
    var members: [[Int32]]
    let fixed: [Int32]
    /// Free VMs taken off their host by the current attempt.
    var pool: [Int] = []
    var random: SplitMix64
    var nodes = 0

    /// Whether the search can change anything in `problem`: goal `consolidate` and at least
    /// one VM that could be free. O(V).
    package static func applies(_ problem: Problem) -> Bool {
        problem.goal == .consolidate && (0..<problem.vmCount).contains { isFree(problem, $0) }
    }

    static func isFree(_ problem: Problem, _ v: Int) -> Bool {
        guard problem.vmActive[v], !problem.vmIsFT[v], !problem.vmPinned[v], problem.vmGroup[v] < 0,
              problem.vmSoftRules[v].isEmpty else { return false }
        let initial = Int(problem.vmInitialHost[v])
        return initial < 0 || !problem.hostReceives[initial]
    }

    /// Improves `placement` (its `secondaries` stay) until `deadline`; see the type.
    /// `stop`, when given, is asked between steps (another part proved the optimum): true ends
    /// the search as the deadline would.
    package static func improve(_ problem: Problem, placement: [Int32], secondaries: [Int32], goalBound: Int,
                               seed: UInt64, deadline: ContinuousClock.Instant,
                               stop: (@Sendable () -> Bool)? = nil) -> Outcome {
        var search = NeighbourhoodSearch(problem, placement: placement, secondaries: secondaries, seed: seed)
        var hosts = search.activeHosts()
        var outcome = Outcome(placement: placement, startHosts: hosts, activeHosts: hosts)
        var since = 0
        while hosts > goalBound && search.nodes - since < stallWork {
            outcome.attempts += 1
            let result = search.attempt(deadline: deadline, stop: stop, steps: &outcome.steps)
            if result == .closed {
                hosts -= 1
                outcome.placement = search.state.placement
                since = search.nodes
                continue
            }
            if result != .nothingToDo { search.restore(outcome.placement) }
            if result == .timeUp { outcome.deadlineReached = true }
            if result != .failed { break }
        }
        outcome.activeHosts = hosts
        outcome.nodes = search.nodes
        return outcome
    }

    init(_ problem: Problem, placement: [Int32], secondaries: [Int32], seed: UInt64) {
        self.problem = problem
        let H = problem.hostCount, R = problem.resourceCount
        var state = PlacementState(problem: problem)
        for v in 0..<problem.vmCount {
            if placement[v] >= 0 { state.assign(v, to: Int(placement[v])) }
            if secondaries[v] >= 0 { state.assignSecondary(v, to: Int(secondaries[v])) }
        }
        self.state = state
        let free = (0..<problem.vmCount).map { placement[$0] >= 0 && Self.isFree(problem, $0) }
        self.free = free
        let receiving = (0..<H).filter { problem.hostReceives[$0] }
        let normalizer = (0..<R).map { r -> Double in
            let total = receiving.reduce(0.0) { $0 + Double(problem.limit($1, r)) }
            return total > 0 ? Double(receiving.count) / total : 0
        }
        let size = (0..<problem.vmCount).map { v in (0..<R).reduce(0.0) { $0 + Double(problem.demand(v, $1)) * normalizer[$1] } }
        self.size = size
        weight = size.map { $0 * $0 }
        var members = [[Int32]](repeating: [], count: H)
        for v in 0..<problem.vmCount where free[v] { members[Int(placement[v])].append(Int32(v)) }
        fixed = (0..<H).map { state.residents[$0] - Int32(members[$0].count) }
        self.members = members
        random = SplitMix64(seed: seed ^ 0x4C4E_5352_6570_6163)
    }

    func activeHosts() -> Int { state.residents.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }

    func freeLoad(_ h: Int) -> Double { members[h].reduce(0.0) { $0 + size[Int($1)] } }

    /// Normalised room left on host h (summed over resources).
    func room(_ h: Int) -> Double {
        let H = problem.hostCount
        var total = 0.0
        for r in 0..<problem.resourceCount {
            let limit = problem.limit(h, r)
            guard limit > 0 else { continue }
            total += Double(max(0, limit - state.load[r * H + h])) / Double(limit)
        }
        return total
    }

    /// Puts every free VM back where `placement` has it; the pool empties.
    mutating func restore(_ placement: [Int32]) {
        for v in 0..<problem.vmCount where free[v] && state.placement[v] != placement[v] {
            if state.placement[v] >= 0 { state.unassign(v) }
        }
        for v in 0..<problem.vmCount where free[v] && state.placement[v] < 0 { state.assign(v, to: Int(placement[v])) }
        members = members.map { _ in [] }
        for v in 0..<problem.vmCount where free[v] { members[Int(placement[v])].append(Int32(v)) }
        pool = []
    }

    enum AttemptResult { case closed, failed, timeUp, nothingToDo }

    /// One attempt to close a host (see the type).
    mutating func attempt(deadline: ContinuousClock.Instant, stop: (@Sendable () -> Bool)?, steps: inout Int) -> AttemptResult {
        let H = problem.hostCount
        let closable = (0..<H).filter { fixed[$0] == 0 && !members[$0].isEmpty && problem.hostReceives[$0] }
        guard !closable.isEmpty, activeHosts() >= 2 else { return .nothingToDo }
        let e = closable[Self.tournament(closable.map { -freeLoad($0) }, rounds: 3, &random)]
        for v in members[e] { state.unassign(Int(v)); pool.append(Int(v)) }
        members[e] = []
        var stall = 0
        while !pool.isEmpty {
            if stall >= Self.attemptSteps { return .failed }
            if ContinuousClock.now >= deadline || stop?() == true { return .timeUp }
            steps += 1
            stall = step(partners: 1 + random.below(3)) ? 0 : stall + 1
        }
        return .closed
    }

    /// One step with `count` partners; returns whether the pool got lighter.
    mutating func step(partners count: Int) -> Bool {
        var others = (0..<problem.hostCount).filter { state.residents[$0] > 0 && problem.hostReceives[$0] }
        var rooms = others.map { room($0) }
        var partners: [Int] = []
        while partners.count < count && !others.isEmpty {
            let pick = Self.tournament(rooms, rounds: 2, &random)
            partners.append(others.remove(at: pick))
            rooms.remove(at: pick)
        }
        let lifted = partners.flatMap { members[$0] }.map { Int($0) }
        let before = lifted.map { Int(state.placement[$0]) }
        let current = lifted.reduce(0.0) { $0 + weight[$1] }
        for v in lifted { state.unassign(v) }
        let items = (pool + lifted).sorted { weight[$0] != weight[$1] ? weight[$0] > weight[$1] : $0 < $1 }
        var repair = Repair(weight: weight, pool: items, partners: partners, target: current - 1e-12)
        repair.run(&state)
        nodes += repair.nodes
        let chosen = repair.best ?? zip(lifted, before).map { ($0, $1) }
        for h in partners { members[h] = [] }
        var placed = Set<Int>()
        for (v, h) in chosen {
            state.assign(v, to: h)
            members[h].append(Int32(v))
            placed.insert(v)
        }
        pool = items.filter { !placed.contains($0) }
        return repair.best != nil && repair.target > current + 1e-12
    }

    /// The index of the largest key among `rounds` seeded draws (the lower index on ties).
    static func tournament(_ keys: [Double], rounds: Int, _ random: inout SplitMix64) -> Int {
        var best = Int(random.below(keys.count))
        for _ in 1..<rounds {
            let other = Int(random.below(keys.count))
            if keys[other] > keys[best] || (keys[other] == keys[best] && other < best) { best = other }
        }
        return best
    }
}

/// The exact repair of one neighbourhood: a depth-first search over the lifted VMs and the pool
/// (heaviest first), each to a partner or to the pool, maximising the weight on the partners.
struct Repair {
    let weight: [Double]
    let pool: [Int]
    let partners: [Int]
    /// The weight to beat; raised to each better assignment found.
    var target: Double
    /// Best assignment found (VM, partner; VMs left out go to the pool), nil while none beats
    /// the first `target`.
    var best: [(Int, Int)]?
    var nodes = 0
    private var path: [(Int, Int)] = []
    private var suffix: [Double]

    init(weight: [Double], pool: [Int], partners: [Int], target: Double) {
        self.weight = weight
        self.pool = pool
        self.partners = partners
        self.target = target
        suffix = [Double](repeating: 0, count: pool.count + 1)
        for i in stride(from: pool.count - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + weight[pool[i]] }
    }

    /// Searches from `state`, in which every VM of the pool is unplaced; leaves `state` as it
    /// found it.
    mutating func run(_ state: inout PlacementState) { descend(0, placed: 0, &state) }

    /// Whether hosts a and b are interchangeable for VM v now: both empty, same limits, v
    /// allowed on both.
    private func interchangeable(_ a: Int, _ b: Int, for v: Int, _ state: PlacementState) -> Bool {
        let problem = state.problem
        guard state.residents[a] == 0, state.residents[b] == 0, problem.allows(v, a) == problem.allows(v, b) else { return false }
        return (0..<problem.resourceCount).allSatisfy { problem.limit(a, $0) == problem.limit(b, $0) }
    }

    /// Room left on h after v, normalised (smaller: tighter fit).
    private func slack(_ h: Int, after v: Int, _ state: PlacementState) -> Double {
        let problem = state.problem, H = problem.hostCount
        var total = 0.0
        for r in 0..<problem.resourceCount {
            let limit = problem.limit(h, r)
            guard limit > 0 else { continue }
            total += Double(limit - state.load[r * H + h] - problem.demand(v, r)) / Double(limit)
        }
        return total
    }

    private mutating func descend(_ i: Int, placed: Double, _ state: inout PlacementState) {
        nodes += 1
        if i == pool.count {
            if placed > target { target = placed; best = path }
            return
        }
        if placed + suffix[i] <= target || nodes >= NeighbourhoodSearch.nodeLimit { return }
        let v = pool[i]
        var hosts: [(slack: Double, host: Int)] = []
        for h in partners where state.canPlace([v], on: h) {
            if hosts.contains(where: { interchangeable($0.host, h, for: v, state) }) { continue }
            hosts.append((slack(h, after: v, state), h))
        }
        hosts.sort { $0.slack != $1.slack ? $0.slack < $1.slack : $0.host < $1.host }
        for (_, h) in hosts {
            state.assign(v, to: h)
            path.append((v, h))
            descend(i + 1, placed: placed + weight[v], &state)
            path.removeLast()
            state.unassign(v)
            if nodes >= NeighbourhoodSearch.nodeLimit || target >= placed + suffix[i] { return }
        }
        descend(i + 1, placed: placed, &state)
    }
}
