@_spi(Benchmarks) import DRSModel

/// The `consolidate` improvement shared by `greedy` and `local-search`, in two phases.
///
/// 1. `repack`: the VMs that did not run before the plan (new VMs, restarts), free of rules
///    but capacity, vmHost and anti-affinity, are taken off and re-placed host by host, each
///    host taking the subset that leaves it the least slack (bin completion); the result is
///    kept only when it has fewer active hosts. These moves cost no migration.
/// 2. Host emptying: running hosts, least filled first, are emptied by re-inserting their VMs
///    and FT secondaries on the other running hosts.
///
/// One attempt on host h takes everything off h into a pool and h receives nothing more. Then,
/// until the pool is empty or the attempt's step limit is reached:
/// - every pool entity, largest first, goes to the running host where it fits tightest (the
///   smallest dot product of its normalised demand and the host's normalised residual after
///   placement), when one can take it;
/// - otherwise one ejection: a pool entity p goes to a running host t after one or two
///   entities leave t for the pool, chosen so that the pool's weight (sum of squared sizes)
///   drops the most, tightest fit next. Because every ejection lowers that weight, an attempt
///   never cycles; a chain of ejections moves large entities into hosts and small ones out,
///   where they fit the gaps left elsewhere.
/// An attempt that empties the pool is kept when its migration cost pays for the host it
/// frees (`MigrationCost.priority(goal: .consolidate, benefit: 1, seconds:) <= threshold`,
/// seconds counted against the snapshot's placement, so a VM returning home refunds its move);
/// otherwise every change of the attempt is undone. Passes over the hosts repeat while one
/// empties a host (at most `maximumPasses`), ties broken by a seeded shuffle, until
/// `workLimit` candidate evaluations; a pass ends early after `failureWork` evaluations spent
/// on attempts in a row that empty nothing.
///
/// Hard constraints hold after every step: capacity under maxUtilization, vmHost rules, host
/// states, anti-affinity and FT separation through `PlacementState.canPlace` and
/// `canPlaceSecondary`; HA admission control does not change since moves keep the total demand.
/// Pinned VMs and required affinity groups never move (a host holding one is not emptied); a
/// VM with soft rules goes only where it adds no soft violation and is never ejected, so soft
/// violations never grow. In phase 2 only running hosts receive: no empty or standby host is
/// opened.
///
/// Cost: `repack` O(hosts x nodes x VMs x R) with at most 4096 nodes per host (fewer for many
/// VMs); one insertion O(H x R); one ejection O(pool x H x (k^2 + R)) for k entities per host;
/// an attempt at most `20 + 4 x pool` steps. Deterministic for a seed unless the deadline stops
/// it first (on the generated suites up to 2,000 VMs it ends well within a 10 s limit).
struct HostEmptying {
    let problem: Problem
    var state: PlacementState
    var movePriority: [UInt8]
    var random: SplitMix64
    let deadline: ContinuousClock.Instant
    let clock = ContinuousClock()
    let threshold: Int
    /// Per resource: 1 / average limit of receiving hosts (0 when that average is 0).
    let normalizer: [Double]
    /// Entities held per host; an entity is `v << 1`, plus 1 for the FT secondary of v.
    var members: [[Int32]]
    /// Position of each entity in its host's list (-1 when not placed).
    var slot: [Int32]
    /// Hosts emptied, or being emptied: they receive nothing.
    var closed: [Bool]
    /// Changes of the current attempt: entity, host it left (-1: pool), host it went to (-1: pool).
    var journal: [(entity: Int32, from: Int32, to: Int32)] = []
    /// Migration seconds of the placed entities against the snapshot's placement.
    var seconds = 0.0
    /// Normalised size of each VM (see `size`).
    let sizes: [Double]
    /// Hosts emptied so far.
    var emptied = 0
    /// Candidate evaluations so far (insertions and ejection sets looked at); the passes stop
    /// at `workLimit`, so that the result does not depend on the machine's speed.
    var work = 0
    static let maximumPasses = 3
    static let workLimit = 40_000_000
    /// A pass ends once attempts in a row that empty nothing have cost this many candidate
    /// evaluations (hosts come least filled first, so the fuller ones left are less likely
    /// still): a few hundred attempts on small clusters, a few on 10^4 hosts.
    static let failureWork = 4_000_000
    /// VMs x R above which `repack` fills each host by its first descent alone. With two
    /// resources each query is exact (`PairFitIndex`); otherwise a query of the fit tree looks
    /// at most at `largeRepackVisits` nodes in VM order before it takes the fitting VM largest
    /// in the first resource instead.
    static let largeRepack = 125_000
    static let largeRepackVisits = 4000

    /// Whether `repack` may place VM v: active, not running before the plan, not pinned, no
    /// affinity group, no soft rule, no FT secondary.
    static func repackable(_ problem: Problem, _ v: Int) -> Bool {
        problem.vmActive[v] && problem.vmInitialHost[v] < 0 && !problem.vmPinned[v]
            && problem.vmGroup[v] < 0 && problem.vmSoftRules[v].isEmpty && !problem.vmIsFT[v]
    }

    /// A large initial placement that `repack` packs from scratch: goal consolidate, every
    /// active VM repackable, VMs x R above `largeRepack`.
    static func packsFromScratch(_ problem: Problem) -> Bool {
        problem.goal == .consolidate && problem.vmCount * problem.resourceCount > largeRepack
            && (0..<problem.vmCount).allSatisfy { !problem.vmActive[$0] || repackable(problem, $0) }
    }
    /// While repairing unplaced VMs: empty connected and standby hosts may receive too.
    var opensEmpty = false
    /// Whether a loop stopped because the deadline passed.
    var deadlineReached = false
    /// Whether the last `repack` answered every fit query exactly (no query gave up early).
    var repackQueriesExact = false

    init(problem: Problem, state: PlacementState, movePriority: [UInt8], seed: UInt64, deadline: ContinuousClock.Instant) {
        self.problem = problem
        self.state = state
        self.movePriority = movePriority
        random = SplitMix64(seed: seed ^ 0x486F_7374_456D_7074)
        self.deadline = deadline
        threshold = problem.snapshot.cluster.migrationThreshold
        let R = problem.resourceCount, H = problem.hostCount
        let receiving = (0..<H).filter { problem.hostReceives[$0] }
        let normalizer = (0..<R).map { r in
            let total = receiving.reduce(0.0) { $0 + Double(problem.limit($1, r)) }
            return total > 0 ? Double(receiving.count) / total : 0
        }
        self.normalizer = normalizer
        sizes = (0..<problem.vmCount).map { v in
            var total = 0.0
            for r in 0..<R { total += Double(problem.demand(v, r)) * normalizer[r] }
            return total
        }
        members = [[Int32]](repeating: [], count: H)
        slot = [Int32](repeating: -1, count: 2 * problem.vmCount)
        closed = [Bool](repeating: false, count: H)
        for v in 0..<problem.vmCount {
            for entity in [Int32(v << 1), Int32(v << 1 | 1)] {
                let h = host(of: entity)
                guard h >= 0 else { continue }
                slot[Int(entity)] = Int32(members[h].count)
                members[h].append(entity)
                seconds += cost(entity, on: h)
            }
        }
    }

    // MARK: Entities

    func vm(_ entity: Int32) -> Int { Int(entity >> 1) }
    func isSecondary(_ entity: Int32) -> Bool { entity & 1 == 1 }

    func host(of entity: Int32) -> Int {
        Int(isSecondary(entity) ? state.secondaries[vm(entity)] : state.placement[vm(entity)])
    }

    func initialHost(of entity: Int32) -> Int {
        Int(isSecondary(entity) ? problem.vmInitialSecondary[vm(entity)] : problem.vmInitialHost[vm(entity)])
    }

    /// Migration seconds of the entity when it runs on `h` (0 at its snapshot host, or when it
    /// was not running: new VMs, restarts, secondaries to create).
    func cost(_ entity: Int32, on h: Int) -> Double {
        if !problem.vmVisibleSet.isEmpty && !isSecondary(entity) { return problem.moveSeconds(vm(entity), on: h) }
        let initial = initialHost(of: entity)
        return initial >= 0 && initial != h ? problem.vmMigration[vm(entity)].seconds : 0
    }

    /// Demand normalised by the average host limit, summed over resources.
    func size(_ entity: Int32) -> Double { sizes[vm(entity)] }

    func weight(_ entity: Int32) -> Double { let s = size(entity); return s * s }

    /// May leave its host during an ejection.
    func ejectable(_ entity: Int32) -> Bool {
        let v = vm(entity)
        if isSecondary(entity) { return true }
        return !problem.vmPinned[v] && problem.vmGroup[v] < 0 && problem.vmSoftRules[v].isEmpty
    }

    /// Whether the unplaced entity may go to the running host `t` now, capacity included.
    func canTake(_ entity: Int32, _ t: Int) -> Bool {
        guard !closed[t], state.residents[t] > 0 || opensEmpty else { return false }
        let v = vm(entity)
        if isSecondary(entity) { return state.canPlaceSecondary(v, on: t) }
        return state.canPlace([v], on: t) && state.softDelta(v, on: t) <= 0
    }

    /// Whether the rules (not capacity) let the unplaced entity go to `t`, as things are on t.
    func rulesAllow(_ entity: Int32, _ t: Int) -> Bool {
        guard !closed[t], state.residents[t] > 0, problem.hostReceives[t] else { return false }
        let v = vm(entity)
        if isSecondary(entity) { return state.placement[v] != Int32(t) }
        guard problem.allows(v, t), state.secondaries[v] != Int32(t) else { return false }
        for rule in problem.vmAntiAffinity[v] where (state.antiCount[Int(rule)][Int32(t)] ?? 0) > 0 { return false }
        return state.softDelta(v, on: t) <= 0
    }

    mutating func detach(_ entity: Int32, log: Bool = true) {
        let h = host(of: entity), v = vm(entity)
        if isSecondary(entity) { state.unassignSecondary(v) } else { state.unassign(v) }
        let i = Int(slot[Int(entity)])
        let last = members[h].removeLast()
        if last != entity {
            members[h][i] = last
            slot[Int(last)] = Int32(i)
        }
        slot[Int(entity)] = -1
        seconds -= cost(entity, on: h)
        if log { journal.append((entity, Int32(h), -1)) }
    }

    mutating func attach(_ entity: Int32, to h: Int, log: Bool = true) {
        let v = vm(entity)
        if isSecondary(entity) { state.assignSecondary(v, to: h) } else { state.assign(v, to: h) }
        slot[Int(entity)] = Int32(members[h].count)
        members[h].append(entity)
        seconds += cost(entity, on: h)
        if log { journal.append((entity, -1, Int32(h))) }
    }

    /// Undoes the journal back to `mark`.
    mutating func rollback(to mark: Int) {
        while journal.count > mark {
            let change = journal.removeLast()
            if change.to >= 0 { detach(change.entity, log: false) }
            if change.from >= 0 { attach(change.entity, to: Int(change.from), log: false) }
        }
    }

    /// Residual of host t in resource r, milli-units.
    func residual(_ t: Int, _ r: Int) -> Int64 { problem.limit(t, r) - state.load[r * problem.hostCount + t] }

    /// Tightness after adding `entity` to t and removing `removed` (lower is tighter): the dot
    /// product of the normalised demand and the normalised residual after the change.
    func tightness(_ entity: Int32, _ t: Int, removed: [Int32] = []) -> Double {
        var total = 0.0
        let v = vm(entity)
        for r in 0..<problem.resourceCount {
            var after = residual(t, r) - problem.demand(v, r)
            for e in removed { after += problem.demand(vm(e), r) }
            total += Double(problem.demand(v, r)) * Double(after) * normalizer[r] * normalizer[r]
        }
        return total
    }

    /// The most migration seconds one emptied host may cost at the cluster's threshold.
    var secondsAllowed: Double {
        let lambda = MigrationCost.lambda(goal: .consolidate, threshold: threshold)
        return lambda > 0 ? 1 / lambda : .infinity
    }

    // MARK: Driving

    /// Repairs unplaced VMs first (`repair`), then runs passes over the running hosts until one
    /// empties nothing, the pass limit or the deadline. A host is never emptied while an
    /// unplaced VM would fit on it once empty (`blocksEmptying`). Returns the number of hosts
    /// emptied.
    @discardableResult
    mutating func run() -> Int {
        repair(repackAlways: problem.goal == .consolidate)
        return emptyHosts()
    }

    /// The passes of `run` without the repair.
    @discardableResult
    mutating func emptyHosts() -> Int {
        let H = problem.hostCount
        // A large initial placement (nothing runs before the plan) is packed by `repack`'s
        // host-by-host fill; emptying a host costs O(H) per VM there and hardly pays.
        if Self.packsFromScratch(problem) { return 0 }
        let waiting = unplaced().filter { state.admits([$0]) }
        for _ in 0..<Self.maximumPasses {
            var candidates = (0..<H).filter { h in
                !closed[h] && problem.hostReceives[h] && state.residents[h] > 0
                    && !members[h].contains { !isSecondary($0) && (problem.vmPinned[vm($0)] || problem.vmGroup[vm($0)] >= 0) }
            }
            random.shuffle(&candidates)
            let fills = candidates.map { fill($0) }
            let order = candidates.indices.sorted { fills[$0] != fills[$1] ? fills[$0] < fills[$1] : $0 < $1 }.map { candidates[$0] }
            var progress = false
            var failed = 0
            for h in order {
                if clock.now >= deadline { deadlineReached = true; return emptied }
                if work >= Self.workLimit { return emptied }
                if failed >= Self.failureWork { break }
                if blocksEmptying(h, waiting) { continue }
                let before = work
                if state.residents[h] > 0 && attempt(h) {
                    emptied += 1
                    progress = true
                    failed = 0
                } else {
                    failed += work - before
                }
            }
            if !progress { break }
        }
        return emptied
    }

    /// Normalised load of host h, summed over resources.
    func fill(_ h: Int) -> Double {
        var total = 0.0
        for r in 0..<problem.resourceCount where problem.limit(h, r) > 0 {
            total += Double(state.load[r * problem.hostCount + h]) / Double(problem.limit(h, r))
        }
        return total
    }

    /// Tries to empty host h; keeps the result only when it pays for its migrations.
    mutating func attempt(_ h: Int) -> Bool {
        journal.removeAll(keepingCapacity: true)
        let base = seconds
        closed[h] = true
        var targets = (0..<problem.hostCount).filter { !closed[$0] && problem.hostReceives[$0] && state.residents[$0] > 0 }
        random.shuffle(&targets)
        var pool = members[h]
        for entity in pool { detach(entity) }
        let limit = 20 + 4 * pool.count
        var steps = 0
        let budget = secondsAllowed
        while !pool.isEmpty && steps < limit {
            steps += 1
            if (steps & 7 == 0 && clock.now >= deadline) || work >= Self.workLimit { break }
            insertDirect(&pool, targets: targets, base: base, budget: budget)
            if pool.isEmpty || !eject(&pool, targets: targets, base: base, budget: budget) { break }
        }
        let spent = seconds - base
        let priority = spent <= 1e-12 ? 2 : MigrationCost.priority(goal: .consolidate, benefit: 1, seconds: spent)
        if pool.isEmpty && priority <= threshold {
            record(priority: priority)
            return true
        }
        rollback(to: 0)
        closed[h] = false
        return false
    }

    /// Least migration seconds the pool will still add: entities whose snapshot host is closed
    /// cannot go back there.
    func poolFloor(_ pool: [Int32]) -> Double {
        var total = 0.0
        for entity in pool {
            let initial = initialHost(of: entity)
            if initial >= 0 && closed[initial] { total += problem.vmMigration[vm(entity)].seconds }
        }
        return total
    }

    /// Places what fits directly, largest first, each where it fits tightest.
    mutating func insertDirect(_ pool: inout [Int32], targets: [Int], base: Double, budget: Double) {
        let weights = pool.map { weight($0) }
        let order = pool.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : pool[$0] < pool[$1] }.map { pool[$0] }
        var rest: [Int32] = []
        for (index, entity) in order.enumerated() {
            let floor = poolFloor(rest) + poolFloor(Array(order[(index + 1)...]))
            var best: (score: Double, host: Int)?
            work += targets.count
            for t in targets where canTake(entity, t) {
                guard seconds + cost(entity, on: t) + floor - base <= budget else { continue }
                let score = tightness(entity, t)
                if best == nil || score < best!.score { best = (score, t) }
            }
            if let best { attach(entity, to: best.host) } else { rest.append(entity) }
        }
        pool = rest
    }

    /// One ejection (see the type's summary); false when none lowers the pool's weight.
    mutating func eject(_ pool: inout [Int32], targets: [Int], base: Double, budget: Double) -> Bool {
        let R = problem.resourceCount
        let sizes = self.sizes
        let order = pool.sorted { a, b in
            let wa = sizes[Int(a >> 1)], wb = sizes[Int(b >> 1)]
            return wa != wb ? wa > wb : a < b
        }
        var need = [Int64](repeating: 0, count: R)
        var ejectables: [Int: [Int32]] = [:]
        var here: [Int32] = []
        for p in order {
            let wp = weight(p), pv = vm(p)
            var others: [Int32] = []
            for e in pool where e != p { others.append(e) }
            let floor = poolFloor(others)
            var best: (decrease: Double, score: Double, host: Int, out: [Int32])?
            func better(_ candidate: (decrease: Double, score: Double)?) -> Bool {
                guard let candidate else { return false }
                guard let best else { return true }
                return candidate.decrease > best.decrease + 1e-12
                    || (abs(candidate.decrease - best.decrease) <= 1e-12 && candidate.score < best.score)
            }
            for t in targets where rulesAllow(p, t) {
                var direct = true
                for r in 0..<R {
                    need[r] = problem.demand(pv, r) - residual(t, r)
                    if need[r] > 0 { direct = false }
                }
                if direct { continue }
                if ejectables[t] == nil {
                    var list: [Int32] = []
                    for e in members[t] where ejectable(e) { list.append(e) }
                    ejectables[t] = list
                }
                here.removeAll(keepingCapacity: true)
                for e in ejectables[t]! where weight(e) < wp && !(isSecondary(e) && vm(e) == pv) { here.append(e) }
                work += here.count * (here.count + 1) / 2
                for (i, a) in here.enumerated() {
                    let av = vm(a)
                    var single = true
                    for r in 0..<R where problem.demand(av, r) < need[r] { single = false; break }
                    if single {
                        let candidate = evaluate(p, [a], t, floor: floor, base: base, budget: budget)
                        if better(candidate) { best = (candidate!.decrease, candidate!.score, t, [a]) }
                        continue
                    }
                    for b in here[(i + 1)...] {
                        let bv = vm(b)
                        var pair = true
                        for r in 0..<R where problem.demand(av, r) + problem.demand(bv, r) < need[r] { pair = false; break }
                        if pair {
                            let candidate = evaluate(p, [a, b], t, floor: floor, base: base, budget: budget)
                            if better(candidate) { best = (candidate!.decrease, candidate!.score, t, [a, b]) }
                        }
                    }
                }
            }
            guard let move = best else { continue }
            let mark = journal.count
            for e in move.out { detach(e) }
            if canTake(p, move.host) {
                attach(p, to: move.host)
                pool = others + move.out
                return true
            }
            rollback(to: mark)
        }
        return false
    }

    /// The pool-weight decrease and tightness of moving the pool entity p to t while `out`
    /// leaves t, or nil when it does not lower the pool's weight or costs more migration
    /// seconds than the attempt may spend (counting what the pool must still spend).
    func evaluate(_ p: Int32, _ out: [Int32], _ t: Int, floor: Double, base: Double, budget: Double)
        -> (decrease: Double, score: Double)? {
        var decrease = weight(p)
        for e in out { decrease -= weight(e) }
        guard decrease > 1e-12 else { return nil }
        // Seconds: p arrives; each ejected entity leaves t and pays to leave home.
        var projected = seconds + cost(p, on: t) + floor - base
        for e in out {
            let m = problem.vmMigration[vm(e)].seconds
            let home = initialHost(of: e)
            projected += home == t ? m : -cost(e, on: t)
            if home >= 0 && home != t && closed[home] { projected += m }
        }
        guard projected <= budget else { return nil }
        return (decrease, tightness(p, t, removed: out))
    }

    /// Grades the moves of a kept attempt: a VM back at its snapshot host needs no step; any
    /// other optional move gets the attempt's priority (the larger one when moved before).
    mutating func record(priority: Int) {
        var seen = Set<Int32>()
        for change in journal where change.to >= 0 && seen.insert(change.entity).inserted {
            let v = vm(change.entity)
            if isSecondary(change.entity) {
                if movePriority[v] == 0 { movePriority[v] = UInt8(priority) }
            } else if movePriority[v] != 1 {
                if Int(state.placement[v]) == Int(problem.vmInitialHost[v]) {
                    movePriority[v] = 0
                } else {
                    movePriority[v] = max(movePriority[v], UInt8(priority))
                }
            }
        }
        journal.removeAll(keepingCapacity: true)
    }
}
