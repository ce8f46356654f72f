import DRSModel

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
/// `HostEmptying` (consolidate). The result is returned only if the one score function rates
/// it better than the start. Equal seeds give equal results when the time limit is not reached,
/// for any `SolveOptions.threads`: steepest descent may evaluate its candidate moves on that
/// many threads (when VMs x hosts of a step reaches `parallelThreshold`) and picks the same move.
public struct LocalSearchSolver: PlacementSolver {
    public let id = "local-search"
    /// Candidate VMs x hosts of one steepest-descent step from which the step is split over
    /// `SolveOptions.threads` threads; below it a step is too short to pay for the hand-off.
    public let parallelThreshold: Int

    /// Default `parallelThreshold`: steps smaller than this stay on one thread.
    public static let defaultParallelThreshold = 50_000

    public init(parallelThreshold: Int = LocalSearchSolver.defaultParallelThreshold) {
        self.parallelThreshold = parallelThreshold
    }

    public func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: .milliseconds(Int64(max(0, options.timeLimit) * 1000)))
        // least-loaded scans every host per item; above ~2 x 10^8 item-host pairs first fit
        // (O(log H) per item) keeps the start fast and local search evens the load.
        let mandatory = (0..<problem.vmCount).reduce(0) { $0 + (problem.isMandatory($1) ? 1 : 0) }
        let scan = mandatory * problem.hostCount <= 200_000_000
        var run = ConstructiveRun(problem: problem, rule: problem.goal == .balance && scan ? .leastLoaded : .ffdL2)
        run.placePending()
        let initial = run.result()
        var result = initial
        if problem.snapshot.cluster.migrationThreshold > 1 {
            var search = LocalSearch(run: run, seed: options.seed, deadline: deadline,
                                     threads: max(1, options.threads), parallelThreshold: parallelThreshold)
            if problem.goal == .balance { search.improveBalance() } else { search.improveConsolidation() }
            let improved = search.run.result()
            let before = Score.evaluate(problem, placement: initial.placement, secondaries: initial.secondaries)
            let after = Score.evaluate(problem, placement: improved.placement, secondaries: improved.secondaries)
            if after.isBetter(than: before) { result = improved }
            result.nodes = search.accepted
        }
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
    var random: SplitMix64
    let deadline: ContinuousClock.Instant
    let threshold: Int
    /// Threads a steepest-descent step may use, and the step size from which it does.
    let threads: Int
    let parallelThreshold: Int
    var accepted = 0

    init(run: ConstructiveRun, seed: UInt64, deadline: ContinuousClock.Instant, threads: Int = 1,
         parallelThreshold: Int = LocalSearchSolver.defaultParallelThreshold) {
        self.run = run
        random = SplitMix64(seed: seed)
        self.deadline = deadline
        threshold = run.problem.snapshot.cluster.migrationThreshold
        self.threads = threads
        self.parallelThreshold = parallelThreshold
    }

    var problem: Problem { run.problem }

    /// Migration seconds added by moving `v` from `source` to `target` (negative when it returns).
    func secondsDelta(_ v: Int, from source: Int, to target: Int) -> Double {
        Self.secondsDelta(problem, v, from: source, to: target)
    }

    static func secondsDelta(_ problem: Problem, _ v: Int, from source: Int, to target: Int) -> Double {
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

    // MARK: Consolidate

    /// Empties running hosts whose VMs fit elsewhere (`HostEmptying`), then brings the
    /// residual index up to date.
    mutating func improveConsolidation() {
        var emptying = HostEmptying(problem: problem, state: run.state, movePriority: run.movePriority,
                                    seed: random.next(), deadline: deadline)
        accepted += emptying.run()
        run.state = emptying.state
        run.movePriority = emptying.movePriority
        for h in 0..<problem.hostCount { run.touch(h) }
    }
}
