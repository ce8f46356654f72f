import Dispatch
@_spi(Benchmarks) import DRSModel

// Balance goal of local search: steepest descent and seeded random moves and swaps on the
// imbalance term of the score, with the per-host terms cached in a `BalanceLedger`.

extension LocalSearch {
    // MARK: Balance

    func movable(_ v: Int) -> Bool { !problem.vmPinned[v] && problem.vmGroup[v] < 0 }

    /// Candidate VM x host evaluations of steepest descent per window, and random tries per
    /// window, after which a balance phase stops unless the window lowered the imbalance by
    /// `stallGain` of itself. A window is a fraction of a second to a few seconds of work; small
    /// instances do not fill one (steepest descent evaluates at most (4V + 100) x the VMs of 3
    /// hosts x H, random moves try at most 50V + 1000 times), so the rule acts on large ones
    /// only: there one move changes the imbalance by a few parts per million, and a search that
    /// gains less than 1% per window would need minutes to matter.
    static let stallWindow = 100_000_000
    static let stallTries = 4_000_000
    static let stallGain = 1e-2

    /// Whether a window that took the imbalance from `start` to `end` gained too little to go on.
    static func stalled(from start: Double, to end: Double) -> Bool { start - end < stallGain * start }

    /// Seeded random moves and swaps between two rounds of steepest descent.
    mutating func improveBalance() {
        guard var ledger = BalanceLedger(state: run.state) else { return }
        var members = HostMembers(hostCount: problem.hostCount, hosts: run.state.placement)
        steepest(&ledger, &members)
        randomMoves(&ledger, &members)
        steepest(&ledger, &members)
    }

    /// Steepest descent: the best single move from the 3 most loaded hosts to any counted
    /// host, until none pays for itself. O(VMs on 3 hosts x H x R) per step; the hosts are
    /// split into `threads` slices evaluated at once when VMs x hosts reaches
    /// `parallelThreshold`. The move chosen does not depend on the number of slices.
    mutating func steepest(_ ledger: inout BalanceLedger, _ members: inout HostMembers) {
        let problem = self.problem
        let clock = ContinuousClock()
        var steps = 0
        var window = (work: 0, imbalance: ledger.imbalance)
        while steps < 4 * problem.vmCount + 100 && clock.now < deadline {
            if window.work >= Self.stallWindow {
                if Self.stalled(from: window.imbalance, to: ledger.imbalance) { break }
                window = (0, ledger.imbalance)
            }
            steps += 1
            let sources = ledger.mostLoaded(3)
            let before = ledger.imbalance
            var candidates: [MoveCandidate] = []
            for source in sources {
                for member in members.lists[source] {
                    let v = Int(member)
                    guard movable(v) else { continue }
                    let change = ledger.deviation(source, in: run.state, remove: v) - ledger.deviation[source]
                    candidates.append(MoveCandidate(vm: v, source: source, sourceDeviation: change,
                                                    stay: run.state.softDelta(v, on: source, leaving: source)))
                }
            }
            window.work += candidates.count * ledger.counted.count
            guard let choice = bestMove(candidates, ledger: ledger, before: before) else { break }
            let v = candidates[choice.candidate].vm
            let source = candidates[choice.candidate].source
            let target = ledger.counted[choice.position]
            let old = ledger.deviation[source] + ledger.deviation[target]
            run.state.unassign(v)
            guard run.state.canPlace([v], on: target) else {
                // Cannot happen (the move was checked); stop rather than loop.
                run.state.assign(v, to: source)
                break
            }
            run.state.assign(v, to: target)
            ledger.moved(source, target, old: old, in: run.state)
            members.move(v, from: source, to: target)
            record(v, to: target, priority: choice.priority)
            accepted += 1
        }
    }

    /// The best single move of `candidates` to the counted hosts, first in candidate-then-host
    /// order among equal gains: in one slice, or in `threads` slices at once when the work pays.
    func bestMove(_ candidates: [MoveCandidate], ledger: BalanceLedger, before: Double) -> MoveChoice? {
        let hosts = ledger.counted.count
        let slices = threads > 1 && candidates.count * hosts >= parallelThreshold ? min(threads, hosts) : 1
        let state = run.state, threshold = self.threshold
        guard slices > 1 else {
            return MoveChoice.best(candidates, positions: 0..<hosts, state: state, ledger: ledger,
                                   before: before, threshold: threshold)
        }
        let slots = ConcurrentSlots<MoveChoice>(count: slices)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let positions = hosts * slice / slices..<hosts * (slice + 1) / slices
            slots.store(MoveChoice.best(candidates, positions: positions, state: state, ledger: ledger,
                                        before: before, threshold: threshold), at: slice)
        }
        var best: MoveChoice?
        for choice in slots.values() where choice.isPreferred(to: best) { best = choice }
        return best
    }

    /// Seeded random moves (a VM from a heavily loaded host to a lightly loaded one, each
    /// picked by a tournament of 3) and swaps, until max(200, 20 x hosts) tries in a row fail.
    mutating func randomMoves(_ ledger: inout BalanceLedger, _ members: inout HostMembers) {
        let problem = self.problem
        let counted = ledger.counted
        // Per VM, one byte read per try instead of three arrays: 1 = movable, 2 = in no soft rule.
        let traits = (0..<problem.vmCount).map { v in
            UInt8(movable(v) ? 1 : 0) | UInt8(problem.vmSoftRules[v].isEmpty ? 2 : 0)
        }
        let clock = ContinuousClock()
        let maximumFailures = max(200, 20 * counted.count)
        let maximumIterations = 50 * problem.vmCount + 1000
        var failures = 0
        var iteration = 0
        var windowStart = ledger.imbalance
        while failures < maximumFailures && iteration < maximumIterations {
            if iteration & 63 == 0 && clock.now >= deadline { break }
            if iteration > 0 && iteration % Self.stallTries == 0 {
                if Self.stalled(from: windowStart, to: ledger.imbalance) { break }
                windowStart = ledger.imbalance
            }
            iteration += 1
            failures += 1
            var source = counted[random.below(counted.count)]
            var target = counted[random.below(counted.count)]
            for _ in 0..<2 {
                let s = counted[random.below(counted.count)]
                if ledger.signedLoad[s] > ledger.signedLoad[source] { source = s }
                let t = counted[random.below(counted.count)]
                if ledger.signedLoad[t] < ledger.signedLoad[target] { target = t }
            }
            guard source != target, !members.lists[source].isEmpty else { continue }
            let v = Int(members.lists[source][random.below(members.lists[source].count)])
            guard traits[v] & 1 != 0 else { continue }
            let before = ledger.imbalance
            let old = ledger.deviation[source] + ledger.deviation[target]

            // Move v: source -> target.
            if tryMove(v, from: source, to: target, before: before, old: old, &ledger, &members) {
                accepted += 1
                failures = 0
                continue
            }

            // Swap v (source -> target) with w (target -> source).
            guard !members.lists[target].isEmpty else { continue }
            let w = Int(members.lists[target][random.below(members.lists[target].count)])
            guard traits[w] & 1 != 0, traits[v] & 2 != 0, traits[w] & 2 != 0,
                  run.state.fits(target, adding: v, removing: w), run.state.fits(source, adding: w, removing: v),
                  problem.allows(v, target), problem.allows(w, source),
                  run.state.secondaries[v] != Int32(target), run.state.secondaries[w] != Int32(source) else { continue }
            let newSum = ledger.sum - ledger.deviation[source] - ledger.deviation[target]
                + ledger.deviation(source, in: run.state, add: w, remove: v) + ledger.deviation(target, in: run.state, add: v, remove: w)
            let benefit = before - (max(0, newSum) / ledger.terms).squareRoot()
            let seconds = secondsDelta(v, from: source, to: target) + secondsDelta(w, from: target, to: source)
            let p = priority(benefit: benefit, seconds: seconds)
            guard benefit > 1e-12 && p <= threshold && benefit - problem.lambda * seconds > 1e-12 else { continue }
            run.state.unassign(v)
            run.state.unassign(w)
            if run.state.canPlace([v], on: target) {
                run.state.assign(v, to: target)
                if run.state.canPlace([w], on: source) {
                    run.state.assign(w, to: source)
                    ledger.moved(source, target, old: old, in: run.state)
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
    }

    /// Moves v from source to target when that lowers the imbalance by more than its migration
    /// cost, within the threshold, keeping every hard rule and adding no soft violation.
    /// Returns whether it moved.
    mutating func tryMove(_ v: Int, from source: Int, to target: Int, before: Double, old: Double,
                          _ ledger: inout BalanceLedger, _ members: inout HostMembers) -> Bool {
        guard run.state.fits(target, adding: v) && problem.allows(v, target) && run.state.secondaries[v] != Int32(target) else { return false }
        let newSum = ledger.sum - ledger.deviation[source] - ledger.deviation[target]
            + ledger.deviation(source, in: run.state, remove: v) + ledger.deviation(target, in: run.state, add: v)
        let benefit = before - (max(0, newSum) / ledger.terms).squareRoot()
        let seconds = secondsDelta(v, from: source, to: target)
        let p = priority(benefit: benefit, seconds: seconds)
        guard benefit > 1e-12 && p <= threshold && benefit - problem.lambda * seconds > 1e-12 else { return false }
        run.state.unassign(v)
        if run.state.canPlace([v], on: target) && run.state.softDelta(v, on: target) <= run.state.softDelta(v, on: source) {
            run.state.assign(v, to: target)
            ledger.moved(source, target, old: old, in: run.state)
            members.move(v, from: source, to: target)
            record(v, to: target, priority: p)
            return true
        }
        run.state.assign(v, to: source)
        return false
    }
}

/// The imbalance term over the counted (connected) hosts, kept current as VMs move: per
/// resource the mean utilization (fixed: moves keep the totals), per host its squared
/// deviation from the means and its signed load, and the sum of the deviations. Each cached
/// value is computed by the same expression as a fresh one, so results do not depend on
/// when it was cached.
struct BalanceLedger: Sendable {
    let problem: Problem
    /// Connected hosts, increasing.
    let counted: [Int]
    /// Mean utilization per resource over the counted hosts.
    let mean: [Double]
    /// Number of (host, resource) terms with capacity.
    let terms: Double
    /// Sum over counted hosts of `deviation`.
    private(set) var sum: Double
    /// Per host: sum over resources of (utilization - mean)^2; 0 for hosts not counted.
    private(set) var deviation: [Double]
    /// Per host: sum over resources of (utilization - mean); 0 for hosts not counted.
    private(set) var signedLoad: [Double]

    /// Nil when fewer than two hosts are counted or none has capacity.
    init?(state: PlacementState) {
        let problem = state.problem
        let H = problem.hostCount, R = problem.resourceCount
        let counted = (0..<H).filter { problem.hostState[$0] == .connected }
        guard counted.count > 1 else { return nil }
        var mean = [Double](repeating: 0, count: R)
        var terms = 0
        for r in 0..<R {
            var loadTotal = 0.0, capacityTotal = 0.0
            for h in counted {
                loadTotal += Double(state.load[r * H + h]) / Units.scale
                capacityTotal += problem.hostCapacity[r * H + h]
                if problem.hostCapacity[r * H + h] > 0 { terms += 1 }
            }
            mean[r] = capacityTotal > 0 ? loadTotal / capacityTotal : 0
        }
        guard terms > 0 else { return nil }
        self.problem = problem
        self.counted = counted
        self.mean = mean
        self.terms = Double(terms)
        deviation = [Double](repeating: 0, count: H)
        signedLoad = [Double](repeating: 0, count: H)
        sum = 0
        for h in counted {
            deviation[h] = self.deviation(h, in: state)
            signedLoad[h] = self.signedLoad(h, in: state)
            sum += deviation[h]
        }
    }

    /// The imbalance term of the score now: sqrt(sum / terms).
    var imbalance: Double { (max(0, sum) / terms).squareRoot() }

    /// Sum of squared deviations of host `h` in `state` with VM `add` added and VM `remove`
    /// taken off (-1: none). O(R).
    func deviation(_ h: Int, in state: PlacementState, add: Int = -1, remove: Int = -1) -> Double {
        let H = problem.hostCount
        var total = 0.0
        for r in 0..<problem.resourceCount {
            let capacity = problem.hostCapacity[r * H + h]
            guard capacity > 0 else { continue }
            var load = state.load[r * H + h]
            if add >= 0 { load += problem.demand(add, r) }
            if remove >= 0 { load -= problem.demand(remove, r) }
            let d = Double(load) / Units.scale / capacity - mean[r]
            total += d * d
        }
        return total
    }

    func signedLoad(_ h: Int, in state: PlacementState) -> Double {
        var total = 0.0
        for r in 0..<problem.resourceCount { total += state.utilization(h, r) - mean[r] }
        return total
    }

    /// The `counted` hosts with the highest signed load, highest first (lower index first
    /// among equals). O(H x count).
    func mostLoaded(_ count: Int) -> [Int] {
        var top: [Int] = []
        top.reserveCapacity(count + 1)
        for h in counted {
            // `counted` is increasing, so h goes after every host of equal load already kept.
            var i = top.count
            while i > 0 && signedLoad[h] > signedLoad[top[i - 1]] { i -= 1 }
            if i < count {
                top.insert(h, at: i)
                if top.count > count { top.removeLast() }
            }
        }
        return top
    }

    /// Records that VMs moved between `source` and `target` in `state`; `old` is the sum of the
    /// two hosts' deviations before.
    mutating func moved(_ source: Int, _ target: Int, old: Double, in state: PlacementState) {
        for h in [source, target] {
            deviation[h] = deviation(h, in: state)
            signedLoad[h] = signedLoad(h, in: state)
        }
        sum += deviation[source] + deviation[target] - old
    }
}

/// A VM of a source host considered for a single move, with what does not depend on the target.
struct MoveCandidate: Sendable {
    var vm: Int
    var source: Int
    /// Change of the source's deviation when the VM leaves.
    var sourceDeviation: Double
    /// Soft violations the VM has on its source.
    var stay: Int
}

/// A single move found by steepest descent: candidate index, position of the target in
/// `BalanceLedger.counted`, gain (benefit minus migration cost) and recommendation priority.
struct MoveChoice: Sendable {
    var gain: Double
    var candidate: Int
    var position: Int
    var priority: Int

    /// Higher gain first, then earlier in candidate-then-target order: the choice of one scan
    /// over every pair in that order that keeps the first of equal gains.
    func isPreferred(to other: MoveChoice?) -> Bool {
        guard let other else { return true }
        if gain != other.gain { return gain > other.gain }
        return (candidate, position) < (other.candidate, other.position)
    }

    /// The best feasible move of `candidates` to the counted hosts at `positions`: the balance
    /// benefit beats the migration cost at the cluster's threshold, soft violations do not grow,
    /// every hard constraint holds. Reads `state` and `ledger` only. O(candidates x positions x R).
    static func best(_ candidates: [MoveCandidate], positions: Range<Int>, state: PlacementState,
                     ledger: BalanceLedger, before: Double, threshold: Int) -> MoveChoice? {
        let problem = state.problem
        var best: MoveChoice?
        for (i, candidate) in candidates.enumerated() {
            let v = candidate.vm, source = candidate.source
            let secondary = state.secondaries[v]
            let base = ledger.sum + candidate.sourceDeviation
            for position in positions {
                let target = ledger.counted[position]
                guard target != source, state.fits(target, adding: v), problem.allows(v, target),
                      secondary != Int32(target) else { continue }
                let newSum = base - ledger.deviation[target] + ledger.deviation(target, in: state, add: v)
                // A sum that does not fall gives benefit <= 0 (division and square root are
                // monotone), so the square root is taken only for moves that may pass.
                guard newSum < ledger.sum else { continue }
                let benefit = before - (max(0, newSum) / ledger.terms).squareRoot()
                guard benefit > 1e-12 else { continue }
                let seconds = LocalSearch.secondsDelta(problem, v, from: source, to: target)
                let p = LocalSearch.priority(problem, benefit: benefit, seconds: seconds)
                let gain = benefit - problem.lambda * seconds
                guard p <= threshold, gain > 1e-12, best == nil || gain > best!.gain,
                      state.canMove(v, to: target),
                      state.softDelta(v, on: target, leaving: source) <= candidate.stay else { continue }
                best = MoveChoice(gain: gain, candidate: i, position: position, priority: p)
            }
        }
        return best
    }
}

extension PlacementState {
    /// Whether host `h` has room for VM `add` with VM `remove` taken off (-1: none).
    func fits(_ h: Int, adding add: Int, removing remove: Int = -1) -> Bool {
        let H = problem.hostCount
        for r in 0..<problem.resourceCount {
            var load = load[r * H + h] + problem.demand(add, r)
            if remove >= 0 { load -= problem.demand(remove, r) }
            if load > problem.limit(h, r) { return false }
        }
        return true
    }

    /// `canPlace([v], on: h)` for a VM placed on another host now, without unplacing it: the
    /// VM's own load and rule counts are on its host, never on `h`.
    func canMove(_ v: Int, to h: Int) -> Bool {
        guard problem.hostReceives[h], problem.allows(v, h), secondaries[v] != Int32(h), placement[v] != Int32(h) else { return false }
        for rule in problem.vmAntiAffinity[v] where (antiCount[Int(rule)][Int32(h)] ?? 0) > 0 { return false }
        return fits(h, adding: v)
    }
}
