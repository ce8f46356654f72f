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
/// it better than the start. Equal seeds give equal results when the time limit is not reached.
public struct LocalSearchSolver: PlacementSolver {
    public let id = "local-search"

    public init() {}

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
            var search = LocalSearch(run: run, seed: options.seed, deadline: deadline)
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
    var accepted = 0

    init(run: ConstructiveRun, seed: UInt64, deadline: ContinuousClock.Instant) {
        self.run = run
        random = SplitMix64(seed: seed)
        self.deadline = deadline
        threshold = run.problem.snapshot.cluster.migrationThreshold
    }

    var problem: Problem { run.problem }

    /// Migration seconds added by moving `v` from `source` to `target` (negative when it returns).
    func secondsDelta(_ v: Int, from source: Int, to target: Int) -> Double {
        let initial = Int(problem.vmInitialHost[v])
        if initial == target { return -problem.vmMigration[v].seconds }
        if initial == source { return problem.vmMigration[v].seconds }
        return 0
    }

    func priority(benefit: Double, seconds: Double) -> Int {
        seconds <= 0 ? 2 : MigrationCost.priority(goal: problem.goal, benefit: benefit, seconds: seconds)
    }

    mutating func record(_ v: Int, to target: Int, priority: Int) {
        if Int(problem.vmInitialHost[v]) == target {
            run.movePriority[v] = 0
        } else if run.movePriority[v] != 1 {
            run.movePriority[v] = UInt8(priority)
        }
    }

    // MARK: Balance

    mutating func improveBalance() {
        let problem = self.problem
        let H = problem.hostCount, R = problem.resourceCount
        let counted = (0..<H).filter { problem.hostState[$0] == .connected }
        guard counted.count > 1 else { return }
        var mean = [Double](repeating: 0, count: R)
        var terms = 0
        for r in 0..<R {
            var loadTotal = 0.0, capacityTotal = 0.0
            for h in counted {
                loadTotal += Double(run.state.load[r * H + h]) / Units.scale
                capacityTotal += problem.hostCapacity[r * H + h]
                if problem.hostCapacity[r * H + h] > 0 { terms += 1 }
            }
            mean[r] = capacityTotal > 0 ? loadTotal / capacityTotal : 0
        }
        guard terms > 0 else { return }
        let T = Double(terms)
        /// Sum of squared deviations of host h with `delta` (milli-units, per resource, of VM
        /// `add` minus VM `remove`) applied.
        func deviation(_ h: Int, add: Int = -1, remove: Int = -1) -> Double {
            var total = 0.0
            for r in 0..<R {
                let capacity = problem.hostCapacity[r * H + h]
                guard capacity > 0 else { continue }
                var load = run.state.load[r * H + h]
                if add >= 0 { load += problem.demand(add, r) }
                if remove >= 0 { load -= problem.demand(remove, r) }
                let d = Double(load) / Units.scale / capacity - mean[r]
                total += d * d
            }
            return total
        }
        func signedLoad(_ h: Int) -> Double {
            var total = 0.0
            for r in 0..<R { total += run.state.utilization(h, r) - mean[r] }
            return total
        }
        func fits(_ h: Int, add: Int, remove: Int = -1) -> Bool {
            for r in 0..<R {
                var load = run.state.load[r * H + h] + problem.demand(add, r)
                if remove >= 0 { load -= problem.demand(remove, r) }
                if load > problem.limit(h, r) { return false }
            }
            return true
        }
        func movable(_ v: Int) -> Bool { !problem.vmPinned[v] && problem.vmGroup[v] < 0 }
        var sum = counted.reduce(0.0) { $0 + deviation($1) }
        var members = HostMembers(hostCount: H, hosts: run.state.placement)
        let clock = ContinuousClock()
        /// Steepest descent: the best single move from the 3 most loaded hosts to any counted
        /// host, until none pays for itself. O(VMs on 3 hosts x H x R) per step.
        func steepest() {
            var steps = 0
            while steps < 4 * problem.vmCount + 100 && clock.now < deadline {
                steps += 1
                let sources = counted.map { ($0, signedLoad($0)) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(3).map(\.0)
                let before = (max(0, sum) / T).squareRoot()
                var best: (gain: Double, v: Int, source: Int, target: Int, priority: Int)?
                for source in sources {
                    for member in members.lists[source] {
                        let v = Int(member)
                        guard movable(v) else { continue }
                        let sourceDeviation = deviation(source, remove: v) - deviation(source)
                        run.state.unassign(v)
                        let stay = run.state.softDelta(v, on: source)
                        defer { run.state.assign(v, to: source) }
                        for target in counted where target != source && fits(target, add: v) && problem.allows(v, target)
                            && run.state.secondaries[v] != Int32(target) {
                            let newSum = sum + sourceDeviation - deviation(target) + deviation(target, add: v)
                            let benefit = before - (max(0, newSum) / T).squareRoot()
                            guard benefit > 1e-12 else { continue }
                            let seconds = secondsDelta(v, from: source, to: target)
                            let p = priority(benefit: benefit, seconds: seconds)
                            let gain = benefit - problem.lambda * seconds
                            guard p <= threshold, gain > 1e-12, best == nil || gain > best!.gain,
                                  run.state.canPlace([v], on: target), run.state.softDelta(v, on: target) <= stay else { continue }
                            if best == nil || gain > best!.gain { best = (gain, v, source, target, p) }
                        }
                    }
                }
                guard let move = best else { break }
                let old = deviation(move.source) + deviation(move.target)
                run.state.unassign(move.v)
                if run.state.canPlace([move.v], on: move.target) {
                    run.state.assign(move.v, to: move.target)
                    sum += deviation(move.source) + deviation(move.target) - old
                    members.move(move.v, from: move.source, to: move.target)
                    record(move.v, to: move.target, priority: move.priority)
                    accepted += 1
                } else {
                    // Cannot happen (the move was checked); stop rather than loop.
                    run.state.assign(move.v, to: move.source)
                    break
                }
            }
        }
        steepest()
        let maximumFailures = max(200, 20 * counted.count)
        let maximumIterations = 50 * problem.vmCount + 1000
        var failures = 0
        var iteration = 0
        while failures < maximumFailures && iteration < maximumIterations {
            if iteration & 63 == 0 && clock.now >= deadline { break }
            iteration += 1
            failures += 1
            var source = counted[random.below(counted.count)]
            var target = counted[random.below(counted.count)]
            for _ in 0..<2 {
                let s = counted[random.below(counted.count)]
                if signedLoad(s) > signedLoad(source) { source = s }
                let t = counted[random.below(counted.count)]
                if signedLoad(t) < signedLoad(target) { target = t }
            }
            guard source != target, !members.lists[source].isEmpty else { continue }
            let v = Int(members.lists[source][random.below(members.lists[source].count)])
            guard movable(v) else { continue }
            let before = (max(0, sum) / T).squareRoot()

            // Move v: source -> target.
            if fits(target, add: v) && problem.allows(v, target) && run.state.secondaries[v] != Int32(target) {
                let newSum = sum - deviation(source) - deviation(target) + deviation(source, remove: v) + deviation(target, add: v)
                let benefit = before - (max(0, newSum) / T).squareRoot()
                let seconds = secondsDelta(v, from: source, to: target)
                let p = priority(benefit: benefit, seconds: seconds)
                if benefit > 1e-12 && p <= threshold && benefit - problem.lambda * seconds > 1e-12 {
                    let old = deviation(source) + deviation(target)
                    run.state.unassign(v)
                    if run.state.canPlace([v], on: target) && run.state.softDelta(v, on: target) <= run.state.softDelta(v, on: source) {
                        run.state.assign(v, to: target)
                        sum += deviation(source) + deviation(target) - old
                        members.move(v, from: source, to: target)
                        record(v, to: target, priority: p)
                        accepted += 1
                        failures = 0
                        continue
                    }
                    run.state.assign(v, to: source)
                }
            }

            // Swap v (source -> target) with w (target -> source).
            guard !members.lists[target].isEmpty else { continue }
            let w = Int(members.lists[target][random.below(members.lists[target].count)])
            guard movable(w), problem.vmSoftRules[v].isEmpty, problem.vmSoftRules[w].isEmpty,
                  fits(target, add: v, remove: w), fits(source, add: w, remove: v),
                  problem.allows(v, target), problem.allows(w, source),
                  run.state.secondaries[v] != Int32(target), run.state.secondaries[w] != Int32(source) else { continue }
            let newSum = sum - deviation(source) - deviation(target)
                + deviation(source, add: w, remove: v) + deviation(target, add: v, remove: w)
            let benefit = before - (max(0, newSum) / T).squareRoot()
            let seconds = secondsDelta(v, from: source, to: target) + secondsDelta(w, from: target, to: source)
            let p = priority(benefit: benefit, seconds: seconds)
            guard benefit > 1e-12 && p <= threshold && benefit - problem.lambda * seconds > 1e-12 else { continue }
            let old = deviation(source) + deviation(target)
            run.state.unassign(v)
            run.state.unassign(w)
            if run.state.canPlace([v], on: target) {
                run.state.assign(v, to: target)
                if run.state.canPlace([w], on: source) {
                    run.state.assign(w, to: source)
                    sum += deviation(source) + deviation(target) - old
                    members.move(v, from: source, to: target)
                    members.move(w, from: target, to: source)
                    record(v, to: target, priority: p)
                    record(w, to: source, priority: p)
                    accepted += 1
                    failures = 0
                    continue
                }
                run.state.unassign(v)
            }
            run.state.assign(v, to: source)
            run.state.assign(w, to: target)
        }

        steepest()
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
