import DRSModel

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

    // MARK: Repairing unplaced VMs (level 1 of the score)

    /// Active primaries without a host that a repair may place: not pinned, not in a required
    /// affinity group, highest priority first, then largest first.
    func unplaced() -> [Int] {
        let list = (0..<problem.vmCount).filter { v in
            problem.vmActive[v] && state.placement[v] < 0 && !problem.vmPinned[v] && problem.vmGroup[v] < 0
        }
        return list.sorted { a, b in
            problem.vmPriority[a] != problem.vmPriority[b] ? problem.vmPriority[a] < problem.vmPriority[b]
                : (sizes[a] != sizes[b] ? sizes[a] > sizes[b] : a < b)
        }
    }

    /// Unplaced VMs per priority class, highest first (the score's level 1).
    func unplacedByPriority() -> [Int] {
        var counts = [Int](repeating: 0, count: 5)
        for v in 0..<problem.vmCount where problem.vmActive[v] && state.placement[v] < 0 {
            counts[min(4, Int(problem.vmPriority[v]))] += 1
        }
        return counts
    }

    /// Whether emptying h would leave it empty while one of the `waiting` unplaced VMs (each
    /// admitted by HA admission control) could run there: allowed by its rules and within h's
    /// limits on its own. O(waiting x R).
    func blocksEmptying(_ h: Int, _ waiting: [Int]) -> Bool {
        guard problem.hostReceives[h] else { return false }
        for v in waiting where problem.allows(v, h) {
            if (0..<problem.resourceCount).allSatisfy({ problem.demand(v, $0) <= problem.limit(h, $0) }) { return true }
        }
        return false
    }

    /// Places what it can of the unplaced VMs, before anything else is improved:
    /// 1. `repack` (when `repackAlways`, or when an unplaced VM is repackable): the VMs not
    ///    running yet, the unplaced ones among them, are re-placed host by host, running hosts
    ///    first, then empty and standby hosts; kept when fewer VMs stay unplaced (by priority),
    ///    or as many and fewer hosts are active. When a large repack's tree queries gave up
    ///    early (`largeRepackVisits`) and left such VMs unplaced, it is run again with full
    ///    queries.
    /// 2. Each VM still unplaced, highest priority first: inserted where it fits tightest on any
    ///    receiving host (running hosts first, then empty connected hosts, then standby hosts),
    ///    or after one smaller VM of a running host moves to a host where it fits directly
    ///    (`oneEjection`), or by a chain of ejections on running hosts (see `attempt`, within
    ///    `workLimit`) that ends with every ejected VM placed again; otherwise every change is
    ///    undone. HA admission control is
    ///    checked for the VM before it is tried; the ejected VMs were admitted and stay so.
    /// Migrations made to place a VM are mandatory (priority 1): level 1 of the score comes
    /// before any migration cost. Stops at the deadline. Returns the VMs placed.
    @discardableResult
    mutating func repair(repackAlways: Bool) -> Int {
        let before = unplaced()
        if repackAlways || before.contains(where: { repackable(Int32($0 << 1)) }) {
            repack()
            // A fill whose tree queries gave up early may leave VMs a full search places.
            if !repackQueriesExact && unplaced().contains(where: { repackable(Int32($0 << 1)) }) && clock.now < deadline {
                repack(visits: .max)
            }
        }
        var placed = before.count - unplaced().count
        let list = unplaced()
        guard !list.isEmpty else { return placed }
        opensEmpty = true
        defer { opensEmpty = false }
        let receiving = (0..<problem.hostCount).filter { problem.hostReceives[$0] }
        var fitIndex: ResidualIndex?
        func rank(_ h: Int) -> Int {
            state.residents[h] > 0 ? 0 : (problem.hostState[h] == .connected ? 1 : 2)
        }
        for (index, v) in list.enumerated() {
            if index & 15 == 0 && clock.now >= deadline { deadlineReached = true; break }
            guard state.placement[v] < 0, state.admits([v], secondaries: problem.vmIsFT[v] ? [v] : []) else { continue }
            let entity = Int32(v << 1)
            journal.removeAll(keepingCapacity: true)
            // Direct insertion: running hosts, then empty connected hosts, then standby hosts.
            // A soft violation is accepted when nothing else takes it (level 1 before level 2).
            var best: (soft: Int, rank: Int, score: Double, host: Int)?
            work += receiving.count
            for t in receiving where state.canPlace([v], on: t) {
                let candidate = (state.softDelta(v, on: t), rank(t), tightness(entity, t), t)
                if best == nil || (candidate.0, candidate.1) < (best!.soft, best!.rank)
                    || ((candidate.0, candidate.1) == (best!.soft, best!.rank) && candidate.2 < best!.score) {
                    best = candidate
                }
            }
            if let best {
                attach(entity, to: best.host)
                if fitIndex != nil { refresh(&fitIndex!, best.host) }
                recordRepair()
                placed += 1
                continue
            }
            // One ejection: a smaller VM leaves a running host for one where it fits directly.
            if fitIndex == nil { fitIndex = hostIndex() }
            if oneEjection(v, &fitIndex!) {
                recordRepair()
                placed += 1
                continue
            }
            journal.removeAll(keepingCapacity: true)
            // Ejection chain on running hosts, within the work limit.
            if work >= Self.workLimit { continue }
            var targets = receiving.filter { state.residents[$0] > 0 }
            random.shuffle(&targets)
            var pool = [entity]
            var steps = 0
            let limit = 40
            while !pool.isEmpty && steps < limit {
                steps += 1
                if steps & 7 == 0 && clock.now >= deadline { deadlineReached = true; break }
                if !eject(&pool, targets: targets, base: seconds, budget: .infinity) { break }
                insertDirect(&pool, targets: receiving, base: seconds, budget: .infinity)
            }
            if pool.isEmpty {
                recordRepair()
                placed += 1
            } else {
                rollback(to: 0)
            }
            fitIndex = nil
        }
        return placed
    }

    /// A first-fit index over the receiving hosts as loaded now (running hosts first).
    func hostIndex() -> ResidualIndex {
        let problem = self.problem, state = self.state, H = problem.hostCount
        let receiving = (0..<H).filter { problem.hostReceives[$0] }
        let order = receiving.filter { state.residents[$0] > 0 } + receiving.filter { state.residents[$0] == 0 }
        return ResidualIndex(problem: problem, order: order, normalizer: normalizer,
                             residualOf: { h, r in problem.limit(h, r) - state.load[r * H + h] },
                             open: { problem.hostReceives[$0] })
    }

    mutating func refresh(_ index: inout ResidualIndex, _ h: Int) {
        for r in 0..<problem.resourceCount { index.setResidual(h, r, residual(h, r)) }
        index.refresh(h)
    }

    /// Places the unplaced VM v on a running host t after one smaller ejectable VM of t moves
    /// to a host where it fits directly (first fit over `index`, kept up to date). O(VMs on
    /// running hosts x R) for the scan, plus O(R log H) per candidate.
    mutating func oneEjection(_ v: Int, _ index: inout ResidualIndex) -> Bool {
        let R = problem.resourceCount, H = problem.hostCount
        let entity = Int32(v << 1)
        let wp = weight(entity)
        var need = [Int64](repeating: 0, count: R)
        for t in 0..<H where state.residents[t] > 0 && !closed[t] && rulesAllow(entity, t) {
            for r in 0..<R { need[r] = problem.demand(v, r) - residual(t, r) }
            work += members[t].count
            for a in members[t] where !isSecondary(a) && ejectable(a) && weight(a) < wp {
                let av = vm(a)
                var enough = true
                for r in 0..<R where problem.demand(av, r) < need[r] { enough = false; break }
                guard enough else { continue }
                let mark = journal.count
                detach(a)
                guard canTake(entity, t) else { rollback(to: mark); continue }
                attach(entity, to: t)
                let demand = (0..<R).map { problem.demand(av, $0) }
                if let u = index.firstFit(demand, accept: { $0 != t && canTake(a, $0) }) {
                    attach(a, to: u)
                    refresh(&index, t)
                    refresh(&index, u)
                    return true
                }
                rollback(to: mark)
            }
        }
        return false
    }

    /// `reasons` without the VMs that are placed now (and protected, for FT VMs).
    static func settled(_ reasons: [Int: String], _ state: PlacementState) -> [Int: String] {
        reasons.filter { v, _ in state.placement[v] < 0 || (state.problem.vmIsFT[v] && state.secondaries[v] < 0) }
    }

    /// Repairs the unplaced VMs of a finished constructive run (`repair` without the repack of
    /// VMs that are all placed): returns the new state, move priorities and reasons, and
    /// whether the deadline stopped it. O(V) when nothing is unplaced.
    static func repairUnplaced(_ problem: Problem, state: PlacementState, movePriority: [UInt8], reasons: [Int: String],
                               seed: UInt64, deadline: ContinuousClock.Instant)
        -> (state: PlacementState, movePriority: [UInt8], reasons: [Int: String], deadlineReached: Bool) {
        guard (0..<problem.vmCount).contains(where: { problem.vmActive[$0] && state.placement[$0] < 0 }) else {
            return (state, movePriority, reasons, false)
        }
        var emptying = HostEmptying(problem: problem, state: state, movePriority: movePriority, seed: seed, deadline: deadline)
        emptying.repair(repackAlways: false)
        return (emptying.state, emptying.movePriority, settled(reasons, emptying.state), emptying.deadlineReached)
    }

    /// Grades the moves of a repair: a VM back at its snapshot host needs no step; every other
    /// move is mandatory (it makes room for, or places, a VM that would stay unplaced).
    mutating func recordRepair() {
        for change in journal where change.to >= 0 {
            let v = vm(change.entity)
            if isSecondary(change.entity) {
                movePriority[v] = 1
            } else {
                movePriority[v] = Int(state.placement[v]) == Int(problem.vmInitialHost[v]) ? 0 : 1
            }
        }
        journal.removeAll(keepingCapacity: true)
    }

    // MARK: Repacking VMs that have not run yet

    /// Whether the entity is a primary that may be re-placed at no cost and with no rule but
    /// capacity, vmHost and anti-affinity masks at stake: not running before the plan (new, or
    /// restarting), not pinned, no affinity group, no soft rule, no FT secondary.
    func repackable(_ entity: Int32) -> Bool {
        !isSecondary(entity) && Self.repackable(problem, vm(entity))
    }

    /// Re-places every repackable VM, and every unplaced one that would be repackable, host by
    /// host, keeping the result only when fewer VMs stay unplaced (by priority, an unplaced VM
    /// taken only within HA admission control), or as many and it has fewer active hosts.
    /// Hosts are filled in order: running hosts
    /// that keep other VMs (fullest first), then empty connected hosts (largest first), then
    /// standby hosts. Each host takes the subset of the remaining VMs that leaves it the least
    /// normalised slack, found by a depth-first search that always takes the largest VM that
    /// fits (bin completion), visits larger VMs first and stops at an exact fill or after
    /// `nodesPerHost` nodes; its first leaf is the first-fit-decreasing choice, so it never
    /// fills a host less than that. O(hosts x nodesPerHost x R log VMs) when the fit tree prunes
    /// well (`ItemFitTree`), O(hosts x nodesPerHost x VMs x R) at worst.
    /// Returns whether it was kept.
    @discardableResult
    mutating func repack(visits: Int = largeRepackVisits) -> Bool {
        let problem = self.problem, normalizer = self.normalizer
        let H = problem.hostCount, R = problem.resourceCount
        var items: [Int32] = []
        for h in 0..<H { for entity in members[h] where repackable(entity) { items.append(entity) } }
        let waiting = (0..<problem.vmCount).filter { state.placement[$0] < 0 && repackable(Int32($0 << 1)) }
            .map { Int32($0 << 1) }
        guard items.count + waiting.count > 1 else { return false }
        let activeBefore = (0..<H).filter { state.residents[$0] > 0 }.count
        let unplacedBefore = unplacedByPriority()
        // HA admission control: what the unplaced VMs may add, per resource (nil: no limit).
        var headroom: [Int64]? = problem.admissionLimit.map { limit in (0..<R).map { limit[$0] - state.admitted[$0] } }
        let wasWaiting = Set(waiting)
        items += waiting
        journal.removeAll(keepingCapacity: true)
        for entity in items where slot[Int(entity)] >= 0 { detach(entity) }
        let norms = items.map { entity -> Double in
            var square = 0.0
            for r in 0..<R { let x = Double(problem.demand(Int(entity >> 1), r)) * normalizer[r]; square += x * x }
            return square.squareRoot()
        }
        let sortedIndices = items.indices.sorted { norms[$0] != norms[$1] ? norms[$0] > norms[$1] : items[$0] < items[$1] }
        let sorted = sortedIndices.map { items[$0] }
        let n = sorted.count
        var demand = [Int64](repeating: 0, count: n * R)
        for k in 0..<n { for r in 0..<R { demand[k * R + r] = problem.demand(vm(sorted[k]), r) } }
        var tree = ItemFitTree(demand: demand, count: n, resources: R)
        repackQueriesExact = visits == .max || tree.hasPairs || n * R <= Self.largeRepack
        var remaining = n
        func capacityKey(_ h: Int) -> Double {
            var total = 0.0
            for r in 0..<R { total += Double(problem.limit(h, r)) * normalizer[r] }
            return total
        }
        let running = (0..<H).filter { problem.hostReceives[$0] && state.residents[$0] > 0 }
            .map { ($0, fill($0)) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
        let empty = (0..<H).filter { problem.hostState[$0] == .connected && state.residents[$0] == 0 }
            .map { ($0, capacityKey($0)) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
        let standby = (0..<H).filter { problem.hostState[$0] == .standby && state.residents[$0] == 0 }
        // Up to 8 x 10^6 / (VMs x R) nodes per host (64 to 4096); above 125,000 VMs x R, the
        // first descent alone (the host-by-host first-fit-decreasing fill).
        let budget = 8_000_000 / max(1, n * R)
        let nodesPerHost = n * R > Self.largeRepack ? 1 : min(4096, budget)
        // Unplaced VMs HA admission control cannot take are left out.
        if headroom != nil {
            for k in 0..<n where wasWaiting.contains(sorted[k]) {
                if (0..<R).allSatisfy({ demand[k * R + $0] <= headroom![$0] }) {
                    for r in 0..<R { headroom![r] -= demand[k * R + r] }
                } else {
                    tree.set(k, available: false)
                    remaining -= 1
                }
            }
        }
        for t in running + empty + standby where remaining > 0 {
            if clock.now >= deadline { deadlineReached = true; break }
            let chosen = bestSubset(for: t, sorted: sorted, demand: demand, tree: &tree, nodeLimit: nodesPerHost,
                                    visits: nodesPerHost == 1 ? visits : .max)
            for k in chosen {
                attach(sorted[k], to: t)
                tree.set(k, available: false)
                remaining -= 1
            }
        }
        let activeAfter = (0..<H).filter { state.residents[$0] > 0 }.count
        let unplacedAfter = unplacedByPriority()
        let better = unplacedAfter != unplacedBefore ? unplacedAfter.lexicographicallyPrecedes(unplacedBefore)
            : activeAfter < activeBefore
        if better {
            record(priority: 2)
            return true
        }
        rollback(to: 0)
        return false
    }

    /// The subset of the available sorted VMs that leaves host t the least normalised slack
    /// (see `repack`); indices into `sorted`. Candidates come from `tree` (the first available
    /// VM at or after a position that fits the room left), so a node costs O(R log n) when
    /// the tree's minima prune well, not a scan of the VMs.
    mutating func bestSubset(for t: Int, sorted: [Int32], demand: [Int64], tree: inout ItemFitTree, nodeLimit: Int,
                             visits: Int) -> [Int] {
        let R = problem.resourceCount
        var room = (0..<R).map { residual(t, $0) }
        func slack() -> Double {
            var total = 0.0
            for r in 0..<R { total += Double(room[r]) * normalizer[r] }
            return total
        }
        // With one node per host the search is the first descent alone, where every available
        // VM before k no longer fits: the exact index then answers directly, and a VM the rules
        // keep off t is set aside until t is done.
        let direct = nodeLimit == 1 && tree.hasPairs
        var masked: [Int] = []
        defer { for k in masked { tree.set(k, available: true) } }
        /// The first available VM at or after k that fits the room and the rules of t.
        func nextFit(_ k: Int) -> Int? {
            if direct {
                while let found = tree.firstFitting(room) {
                    if state.canPlace([vm(sorted[found])], on: t) { return found }
                    tree.set(found, available: false)
                    masked.append(found)
                }
                return nil
            }
            var k = k
            while let found = tree.first(from: k, room: room, visits: visits) {
                if state.canPlace([vm(sorted[found])], on: t) { return found }
                k = found + 1
            }
            return nil
        }
        if direct {
            // The first descent alone: take the first VM that fits until none does. The VMs stay
            // unavailable in the tree (the caller places them, and setting them again is free).
            var chosen: [Int] = []
            while let k = nextFit(0) {
                for r in 0..<R { room[r] -= demand[k * R + r] }
                state.assign(vm(sorted[k]), to: t)
                tree.set(k, available: false)
                chosen.append(k)
            }
            for k in chosen { state.unassign(vm(sorted[k])) }
            return chosen
        }
        // Bin completion: the largest VM that fits is always taken.
        guard let first = nextFit(0) else { return [] }
        var best: (slack: Double, set: [Int]) = (.infinity, [])
        var current: [Int] = []
        var nodes = 0
        var exact = false
        // The first descent (the first-fit-decreasing fill) always completes.
        var leafReached = false
        func take(_ k: Int) {
            for r in 0..<R { room[r] -= demand[k * R + r] }
            state.assign(vm(sorted[k]), to: t)
            tree.set(k, available: false)
            current.append(k)
        }
        func release(_ k: Int) {
            for r in 0..<R { room[r] += demand[k * R + r] }
            state.unassign(vm(sorted[k]))
            tree.set(k, available: true)
            current.removeLast()
        }
        func search(_ start: Int) {
            nodes += 1
            let value = slack()
            if value < best.slack - 1e-12 { best = (value, current) }
            if room.allSatisfy({ $0 == 0 }) { exact = true; return }
            var previous = -1
            var k = start
            while (nodes < nodeLimit || !leafReached) && !exact, let found = nextFit(k) {
                k = found + 1
                // Equal demands give equal subtrees: try one of them.
                if previous >= 0 && (0..<R).allSatisfy({ demand[found * R + $0] == demand[previous * R + $0] }) { continue }
                previous = found
                take(found)
                search(found + 1)
                release(found)
            }
            leafReached = true
        }
        take(first)
        search(first + 1)
        release(first)
        return best.set
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
