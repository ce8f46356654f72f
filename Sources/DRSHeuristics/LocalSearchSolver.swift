@_spi(Benchmarks) import DRSModel

/// Local search on the SPEC score, from the current placement completed by a constructive
/// heuristic (`least-loaded` for `balance` unless the mandatory items x hosts exceed 2 x 10^8,
/// `ffd-l2` otherwise).
///
/// - `balance`: seeded random moves (a VM from a heavily loaded host to a lightly loaded one,
///   each picked by a tournament of 3) and swaps (two VMs exchange hosts), evaluated
///   incrementally in O(R + rules of the VMs), between two rounds of steepest descent over
///   single moves from the 3 most loaded hosts.
/// - `consolidate`: `HostEmptying`: VMs not running yet are repacked host by host, then hosts
///   are emptied lightest first, their VMs and FT secondaries going to other running hosts
///   (best fit by dot product, with ejection chains), or the host is left as it was.
///
/// A change is accepted only when its benefit beats its migration cost at the cluster's
/// threshold (`MigrationCost.priority(...) <= migrationThreshold`), and soft violations never
/// grow. Threshold 1 allows no optional move. Stops at the time limit, after
/// max(200, 20 x hosts) consecutive rejected tries (balance), or after the passes of
/// `HostEmptying` (consolidate). On instances large enough to fill a window of work
/// (`LocalSearch.stallWindow` candidate evaluations in steepest descent, `stallTries` random
/// tries), a balance phase also stops when its last window lowered the imbalance by less than
/// 1% of itself: there one move changes it by a few parts per million, and the search would
/// spend minutes for what it could still gain. The result is returned only if the one score function rates
/// it better than the start. Equal seeds give equal results when the time limit is not reached,
/// for any `SolveOptions.threads`: steepest descent may evaluate its candidate moves on that
/// many threads (when VMs x hosts of a step reaches `parallelThreshold`) and picks the same move.
public struct LocalSearchSolver: PlacementSolver {
    /// The plan's `solver` id and `--solver` name.
    public let id = "local-search"
    /// Candidate VMs x hosts of one steepest-descent step from which the step is split over
    /// `SolveOptions.threads` threads; below it a step is too short to pay for the hand-off.
    public let parallelThreshold: Int

    /// Default `parallelThreshold`: steps smaller than this stay on one thread.
    public static let defaultParallelThreshold = 50_000

    /// A solver that splits steps of `parallelThreshold` VMs x hosts or more over threads.
    public init(parallelThreshold: Int = LocalSearchSolver.defaultParallelThreshold) {
        self.parallelThreshold = parallelThreshold
    }

    /// The constructive start, then repair of unplaced VMs, soft rules and the goal (the last two
    /// only when the threshold allows optional moves) within `options.timeLimit`; returns the
    /// start unless the search scores better. Never throws.
    public func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = options.deadline(from: start)
        // least-loaded scans every host per item; above ~2 x 10^8 item-host pairs first fit
        // (O(log H) per item) keeps the start fast and local search evens the load.
        let mandatory = (0..<problem.vmCount).reduce(0) { $0 + (problem.isMandatory($1) ? 1 : 0) }
        let scan = mandatory * problem.hostCount <= 200_000_000
        var run = ConstructiveRun(problem: problem, rule: problem.goal == .balance && scan ? .leastLoaded : .ffdL2)
        // A large initial placement to consolidate is packed host by host by the repair's
        // repack from an empty cluster; first fit would be thrown away.
        let fromScratch = problem.snapshot.cluster.migrationThreshold > 1 && HostEmptying.packsFromScratch(problem)
        if fromScratch { run.pending = [] } else { run.placePending() }
        let initial = run.result()
        var result = initial
        var search = LocalSearch(run: run, seed: options.seed, deadline: deadline,
                                 threads: max(1, options.threads), parallelThreshold: parallelThreshold)
        // The score's levels in order: unplaced VMs, soft violations, then the goal term.
        search.repairUnplaced()
        let optional = problem.snapshot.cluster.migrationThreshold > 1
        if optional { search.repairSoft() }
        if optional {
            if problem.goal == .balance { search.improveBalance() } else { search.improveConsolidation() }
        }
        let improved = search.run.result()
        let before = Score.evaluate(problem, placement: initial.placement, secondaries: initial.secondaries)
        let after = Score.evaluate(problem, placement: improved.placement, secondaries: improved.secondaries)
        if after.isBetter(than: before) { result = improved }
        result.nodes = search.accepted
        result.deadlineReached = search.deadlineReached || clock.now >= deadline
        result.seconds = (clock.now - start).seconds
        return result
    }
}

/// Per host, the VMs (primaries or secondaries) it holds, with O(1) insert and remove.
struct HostMembers {
    var lists: [[Int32]]
    var slot: [Int32]

    init(hostCount: Int, hosts: [Int32]) {
        lists = [[Int32]](repeating: [], count: hostCount)
        slot = [Int32](repeating: -1, count: hosts.count)
        for (v, h) in hosts.enumerated() where h >= 0 {
            slot[v] = Int32(lists[Int(h)].count)
            lists[Int(h)].append(Int32(v))
        }
    }

    mutating func move(_ v: Int, from: Int, to: Int) {
        let i = Int(slot[v])
        let last = lists[from].removeLast()
        if last != Int32(v) {
            lists[from][i] = last
            slot[Int(last)] = Int32(i)
        }
        slot[v] = Int32(lists[to].count)
        lists[to].append(Int32(v))
    }
}

struct LocalSearch {
    var run: ConstructiveRun
    /// `run.problem`, stored: a computed property would copy the problem at every use.
    let problem: Problem
    var random: SplitMix64
    let deadline: ContinuousClock.Instant
    let threshold: Int
    /// Threads a steepest-descent step may use, and the step size from which it does.
    let threads: Int
    let parallelThreshold: Int
    var accepted = 0
    /// Whether a phase stopped because the deadline passed.
    var deadlineReached = false

    init(run: ConstructiveRun, seed: UInt64, deadline: ContinuousClock.Instant, threads: Int = 1,
         parallelThreshold: Int = LocalSearchSolver.defaultParallelThreshold) {
        self.run = run
        problem = run.problem
        random = SplitMix64(seed: seed)
        self.deadline = deadline
        threshold = run.problem.snapshot.cluster.migrationThreshold
        self.threads = threads
        self.parallelThreshold = parallelThreshold
    }

    /// Migration seconds added by moving `v` from `source` to `target` (negative when it returns).
    func secondsDelta(_ v: Int, from source: Int, to target: Int) -> Double {
        Self.secondsDelta(problem, v, from: source, to: target)
    }

    static func secondsDelta(_ problem: Problem, _ v: Int, from source: Int, to target: Int) -> Double {
        // Storage makes the cost depend on the destination (a shared-nothing copy).
        if !problem.vmVisibleSet.isEmpty { return problem.moveSeconds(v, on: target) - problem.moveSeconds(v, on: source) }
        let initial = Int(problem.vmInitialHost[v])
        if initial == target { return -problem.vmMigration[v].seconds }
        if initial == source { return problem.vmMigration[v].seconds }
        return 0
    }

    func priority(benefit: Double, seconds: Double) -> Int {
        Self.priority(problem, benefit: benefit, seconds: seconds)
    }

    static func priority(_ problem: Problem, benefit: Double, seconds: Double) -> Int {
        seconds <= 0 ? 2 : MigrationCost.priority(goal: problem.goal, benefit: benefit, seconds: seconds)
    }

    mutating func record(_ v: Int, to target: Int, priority: Int) {
        if Int(problem.vmInitialHost[v]) == target {
            run.movePriority[v] = 0
        } else if run.movePriority[v] != 1 {
            run.movePriority[v] = UInt8(priority)
        }
    }

    // MARK: Unplaced VMs (level 1)

    /// Places what it can of the VMs left unplaced (`HostEmptying.repair`: for `consolidate`
    /// the VMs not running yet are repacked host by host in any case), then brings the
    /// residual index up to date. O(V) when nothing is unplaced under `balance`.
    mutating func repairUnplaced() {
        let unplaced = (0..<problem.vmCount).contains { problem.vmActive[$0] && run.state.placement[$0] < 0 }
        guard unplaced || problem.goal == .consolidate else { return }
        var emptying = HostEmptying(problem: problem, state: run.state, movePriority: run.movePriority,
                                    seed: random.next(), deadline: deadline)
        emptying.repair(repackAlways: problem.goal == .consolidate && problem.snapshot.cluster.migrationThreshold > 1)
        deadlineReached = deadlineReached || emptying.deadlineReached
        run.state = emptying.state
        run.movePriority = emptying.movePriority
        run.reasons = HostEmptying.settled(run.reasons, run.state)
        for h in 0..<problem.hostCount { run.touch(h) }
    }

    // MARK: Soft rules (level 2)

    /// Lowers the soft-rule violations before the goal term is looked at, in both goals:
    /// - a soft affinity rule spread over several hosts: the members on one host move together
    ///   to the host holding the most members (or the next), when they all fit and the total
    ///   of soft violations drops;
    /// - every VM that adds a violation where it runs (anti-affinity partner on its host,
    ///   outside its `should` hosts, on a `shouldNot` host, apart from its affinity group)
    ///   moves to the host where it adds the fewest, when that is strictly fewer: best for the
    ///   goal among those (running hosts by tightest fit for `consolidate`, least loaded for
    ///   `balance`; standby hosts last).
    /// Hard constraints hold after every move (`PlacementState.canPlace`); pinned VMs and
    /// required affinity groups stay. Each accepted change lowers the total, so the passes end;
    /// at most 4 passes, O(violating VMs x H x (R + rules)) each. Moves get priority 2.
    mutating func repairSoft() {
        let problem = self.problem
        guard !problem.softRules.isEmpty else { return }
        let clock = ContinuousClock()
        let H = problem.hostCount
        let receiving = (0..<H).filter { problem.hostReceives[$0] }
        let ruled = (0..<problem.vmCount).filter { problem.vmActive[$0] && !problem.vmSoftRules[$0].isEmpty && movable($0) }
        for _ in 0..<4 {
            var changed = false
            for (index, rule) in problem.softRules.enumerated() where rule.kind == .affinity {
                if clock.now >= deadline { deadlineReached = true; return }
                if gatherAffinity(index) { changed = true }
            }
            for (position, v) in ruled.enumerated() {
                if position & 63 == 0 && clock.now >= deadline { deadlineReached = true; return }
                let source = Int(run.state.placement[v])
                guard source >= 0 else { continue }
                run.state.unassign(v)
                let stay = run.state.softDelta(v, on: source)
                var best: (soft: Int, key: Double, host: Int)?
                if stay > 0 {
                    for t in receiving where t != source && run.state.canPlace([v], on: t) {
                        let soft = run.state.softDelta(v, on: t)
                        guard soft < stay, best == nil || soft <= best!.soft else { continue }
                        let key = goalKey(v, t)
                        if best == nil || soft < best!.soft || key < best!.key { best = (soft, key, t) }
                    }
                }
                if let best {
                    run.state.assign(v, to: best.host)
                    record(v, to: best.host, priority: 2)
                    accepted += 1
                    changed = true
                } else {
                    run.state.assign(v, to: source)
                }
            }
            if !changed { break }
        }
        for h in 0..<H { run.touch(h) }
    }

    /// Lower is better: where the unplaced `v` should go for the goal (standby hosts last;
    /// `consolidate`: running hosts by least slack left, then empty ones; `balance`: the
    /// largest fraction used after the move).
    func goalKey(_ v: Int, _ t: Int) -> Double {
        let state = run.state, H = problem.hostCount
        var key = problem.hostState[t] == .standby && state.residents[t] == 0 ? 1000.0 : 0
        var measure = 0.0
        for r in 0..<problem.resourceCount {
            let limit = problem.limit(t, r)
            guard limit > 0 else { continue }
            let fraction = Double(state.load[r * H + t] + problem.demand(v, r)) / Double(limit)
            measure = problem.goal == .balance ? max(measure, fraction) : measure + (1 - fraction)
        }
        if problem.goal == .consolidate && state.residents[t] == 0 { key += 100 }
        key += measure
        return key
    }

    /// Moves the members of the soft affinity rule `index` that share a host to the host
    /// holding the most members, host by host, when all of them fit there and the total of
    /// soft violations drops. Returns whether anything moved.
    mutating func gatherAffinity(_ index: Int) -> Bool {
        let rule = problem.softRules[index]
        var byHost: [Int: [Int]] = [:]
        for m in rule.vms.map({ Int($0) }) where problem.vmActive[m] && run.state.placement[m] >= 0 {
            byHost[Int(run.state.placement[m]), default: []].append(m)
        }
        guard byHost.count > 1 else { return false }
        let hosts = byHost.keys.sorted { byHost[$0]!.count != byHost[$1]!.count ? byHost[$0]!.count > byHost[$1]!.count : $0 < $1 }
        var moved = false
        for target in hosts.prefix(2) {
            for source in hosts where source != target {
                guard let group = byHost[source], group.allSatisfy({ movable($0) && Int(run.state.placement[$0]) == source }) else { continue }
                var change = 0
                for m in group {
                    change -= run.state.softDelta(m, on: source, leaving: source)
                    run.state.unassign(m)
                }
                var fits = run.state.canPlace(group, on: target)
                if fits {
                    for m in group {
                        change += run.state.softDelta(m, on: target)
                        run.state.assign(m, to: target)
                    }
                    if change >= 0 {
                        for m in group { run.state.unassign(m) }
                        fits = false
                    }
                }
                if fits {
                    for m in group { record(m, to: target, priority: 2) }
                    byHost[target, default: []] += group
                    byHost[source] = nil
                    accepted += 1
                    moved = true
                } else {
                    for m in group { run.state.assign(m, to: source) }
                }
            }
        }
        return moved
    }

    // MARK: Consolidate

    /// Empties running hosts whose VMs fit elsewhere (`HostEmptying`), never one an unplaced
    /// VM would fit on, then brings the residual index up to date.
    mutating func improveConsolidation() {
        var emptying = HostEmptying(problem: problem, state: run.state, movePriority: run.movePriority,
                                    seed: random.next(), deadline: deadline)
        accepted += emptying.emptyHosts()
        deadlineReached = deadlineReached || emptying.deadlineReached
        run.state = emptying.state
        run.movePriority = emptying.movePriority
        for h in 0..<problem.hostCount { run.touch(h) }
    }
}
