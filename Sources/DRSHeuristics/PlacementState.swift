@_spi(Benchmarks) import DRSModel

/// A mutable placement with the bookkeeping that makes feasibility checks O(R + rules of the VM):
/// per-host loads, per-rule host counts for anti-affinity and soft rules.
package struct PlacementState: Sendable {
    /// The problem placed; indices below are its VM and host indices.
    package let problem: Problem
    /// Host of each VM's primary, -1 when unplaced. Change it through `assign` and `unassign`
    /// so the counts stay in step.
    package var placement: [Int32]
    /// Host of each VM's FT secondary, -1 when none. Change it through `assignSecondary` and
    /// `unassignSecondary`.
    package var secondaries: [Int32]
    /// Load in milli-units, resource-major: `load[r * hostCount + h]`.
    package var load: [Int64]
    /// Active entities (primaries and secondaries) per host.
    package var residents: [Int32]
    /// Per hard anti-affinity rule: host -> members there.
    var antiCount: [[Int32: Int32]]
    /// Per soft rule: host -> members there.
    var softCount: [[Int32: Int32]]
    /// Total demand of active placed VMs (secondaries included), per resource.
    package var admitted: [Int64]
    /// Running VMs and secondaries lifted off their host to be placed again (`lift`): the host
    /// they left (-1: none). A lifted one that finds no other host goes back (`settleLifted…`),
    /// and whatever this placement put on that host in the meantime makes way, so that a plan
    /// never leaves a problem of the snapshot worse than it was.
    package private(set) var liftedPrimary: [Int32]
    /// The same for lifted secondaries (`liftSecondary`): the host each left, -1: none.
    package private(set) var liftedSecondary: [Int32]

    /// An empty placement: nothing placed, every count zero. O(V + H x R + rules).
    package init(problem: Problem) {
        self.problem = problem
        placement = [Int32](repeating: -1, count: problem.vmCount)
        secondaries = [Int32](repeating: -1, count: problem.vmCount)
        load = [Int64](repeating: 0, count: problem.hostCount * problem.resourceCount)
        residents = [Int32](repeating: 0, count: problem.hostCount)
        antiCount = [[Int32: Int32]](repeating: [:], count: problem.antiAffinity.count)
        softCount = [[Int32: Int32]](repeating: [:], count: problem.softRules.count)
        admitted = [Int64](repeating: 0, count: problem.resourceCount)
        liftedPrimary = [Int32](repeating: -1, count: problem.vmCount)
        liftedSecondary = liftedPrimary
    }

    /// The state holding every VM and secondary where it runs before the plan.
    package static func initial(_ problem: Problem) -> PlacementState {
        var state = PlacementState(problem: problem)
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            if problem.vmInitialHost[v] >= 0 { state.assign(v, to: Int(problem.vmInitialHost[v])) }
            if problem.vmInitialSecondary[v] >= 0 { state.assignSecondary(v, to: Int(problem.vmInitialSecondary[v])) }
        }
        return state
    }

    /// Places the primary of `v` (unplaced) on host `h` and updates loads, residents, admitted
    /// demand and rule counts. No feasibility check. O(R + rules of v).
    package mutating func assign(_ v: Int, to h: Int) {
        precondition(placement[v] < 0)
        placement[v] = Int32(h)
        add(v, h, sign: 1)
        for rule in problem.vmAntiAffinity[v] { antiCount[Int(rule)][Int32(h), default: 0] += 1 }
        for rule in problem.vmSoftRules[v] { softCount[Int(rule)][Int32(h), default: 0] += 1 }
    }

    /// Takes the placed primary of `v` off its host; the inverse of `assign`. O(R + rules of v).
    package mutating func unassign(_ v: Int) {
        let h = Int(placement[v])
        precondition(h >= 0)
        placement[v] = -1
        add(v, h, sign: -1)
        for rule in problem.vmAntiAffinity[v] { antiCount[Int(rule)][Int32(h), default: 0] -= 1 }
        for rule in problem.vmSoftRules[v] { softCount[Int(rule)][Int32(h), default: 0] -= 1 }
    }

    /// Places the secondary of `v` (none placed) on host `h` and updates loads, residents and
    /// admitted demand. No feasibility check. O(R).
    package mutating func assignSecondary(_ v: Int, to h: Int) {
        precondition(secondaries[v] < 0)
        secondaries[v] = Int32(h)
        add(v, h, sign: 1)
    }

    /// Takes the placed secondary of `v` off its host; the inverse of `assignSecondary`. O(R).
    package mutating func unassignSecondary(_ v: Int) {
        let h = Int(secondaries[v])
        precondition(h >= 0)
        secondaries[v] = -1
        add(v, h, sign: -1)
    }

    /// Lifts the placed primary of `v` off its host to place it again.
    package mutating func lift(_ v: Int) {
        let h = placement[v]
        precondition(h >= 0 && liftedPrimary[v] < 0)
        unassign(v)
        liftedPrimary[v] = h
    }

    /// Lifts the placed secondary of `v` off its host to place it again; until settled, the
    /// primary may not go to that host (the secondary may have to return there).
    package mutating func liftSecondary(_ v: Int) {
        let h = secondaries[v]
        precondition(h >= 0 && liftedSecondary[v] < 0)
        unassignSecondary(v)
        liftedSecondary[v] = h
    }

    /// Ends the placement of lifted primaries: one that found no host returns where it runs
    /// (it is never evicted), and VMs placed by this round on that host make way until the
    /// host is no worse than in the snapshot; a moved VM that makes way returns to its own
    /// host, a new or restarting one is left unplaced. Returns the VMs left unplaced so.
    /// O(lifted) when every lifted VM found a host.
    package mutating func settleLiftedPrimaries() -> [Int] {
        var check: [Int] = []
        for v in liftedPrimary.indices where liftedPrimary[v] >= 0 {
            let h = Int(liftedPrimary[v])
            liftedPrimary[v] = -1
            if placement[v] < 0 {
                assign(v, to: h)
                check.append(h)
            }
        }
        return makeWay(check)
    }

    /// The same for lifted secondaries: one with no other host returns where it runs.
    package mutating func settleLiftedSecondaries() -> [Int] {
        var check: [Int] = []
        for v in liftedSecondary.indices where liftedSecondary[v] >= 0 {
            let h = Int(liftedSecondary[v])
            liftedSecondary[v] = -1
            if secondaries[v] < 0 && placement[v] != Int32(h) && problem.vmActive[v] {
                assignSecondary(v, to: h)
                check.append(h)
            }
        }
        return makeWay(check)
    }

    /// Evicts what this round placed on the hosts of `worklist` until each is no worse than at
    /// the start: within its starting load where over capacity, no more members of a required
    /// anti-affinity rule together than at the start (one is always fine), no FT pair together.
    /// Secondaries make way first, then the lowest priority. O(V x R) to set up when the
    /// worklist is not empty, then O(residents x (R + rules)) per host examined.
    mutating func makeWay(_ worklist: [Int]) -> [Int] {
        guard !worklist.isEmpty else { return [] }
        let H = problem.hostCount, R = problem.resourceCount
        var startLoad = [Int64](repeating: 0, count: H * R)
        var startAnti = [[Int32: Int32]](repeating: [:], count: problem.antiAffinity.count)
        var here = [Int: [(v: Int, secondary: Bool)]]()
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            for h in [problem.vmInitialHost[v], problem.vmInitialSecondary[v]] where h >= 0 {
                for r in 0..<R { startLoad[r * H + Int(h)] += problem.demand(v, r) }
            }
            if problem.vmInitialHost[v] >= 0 {
                for rule in problem.vmAntiAffinity[v] { startAnti[Int(rule)][problem.vmInitialHost[v], default: 0] += 1 }
            }
            if placement[v] >= 0 { here[Int(placement[v]), default: []].append((v, false)) }
            if secondaries[v] >= 0 { here[Int(secondaries[v]), default: []].append((v, true)) }
        }
        func isWorse(_ h: Int) -> Bool {
            for r in 0..<R where load[r * H + h] > problem.limit(h, r) && load[r * H + h] > startLoad[r * H + h] { return true }
            for (v, secondary) in here[h] ?? [] where !secondary {
                if secondaries[v] == Int32(h) { return true }
                for rule in problem.vmAntiAffinity[v] {
                    let count = antiCount[Int(rule)][Int32(h)] ?? 0
                    if count > 1 && count > startAnti[Int(rule)][Int32(h)] ?? 0 { return true }
                }
            }
            return false
        }
        var pending = worklist
        var unplaced: [Int] = []
        while let h = pending.popLast() {
            while isWorse(h) {
                // Movable: what this round placed here.
                let candidates = (here[h] ?? []).filter { entry in
                    entry.secondary ? problem.vmInitialSecondary[entry.v] != Int32(h)
                        : problem.vmInitialHost[entry.v] != Int32(h) && !problem.vmPinned[entry.v]
                }
                guard let victim = candidates.max(by: { a, b in
                    if a.secondary != b.secondary { return !a.secondary }
                    let pa = problem.vmPriority[a.v], pb = problem.vmPriority[b.v]
                    return pa != pb ? pa < pb : a.v < b.v
                }) else { break }
                let v = victim.v
                if victim.secondary {
                    unassignSecondary(v)
                    here[h]!.removeAll { $0.v == v && $0.secondary }
                    let home = Int(problem.vmInitialSecondary[v])
                    if home >= 0 && placement[v] != Int32(home) {
                        assignSecondary(v, to: home)
                        here[home, default: []].append((v, true))
                        pending.append(home)
                    }
                    continue
                }
                let group = problem.vmGroup[v]
                let members = group < 0 ? [v] : problem.groups[Int(group)].map { Int($0) }.filter { placement[$0] >= 0 }
                for m in members {
                    here[Int(placement[m])]!.removeAll { $0.v == m && !$0.secondary }
                    unassign(m)
                }
                for m in members {
                    let home = Int(problem.vmInitialHost[m])
                    if home >= 0 {
                        assign(m, to: home)
                        here[home, default: []].append((m, false))
                        pending.append(home)
                    } else {
                        unplaced.append(m)
                        if secondaries[m] >= 0 {
                            here[Int(secondaries[m])]!.removeAll { $0.v == m && $0.secondary }
                            unassignSecondary(m)
                        }
                    }
                }
            }
        }
        return unplaced
    }

    private mutating func add(_ v: Int, _ h: Int, sign: Int64) {
        let H = problem.hostCount
        for r in 0..<problem.resourceCount {
            let amount = problem.demand(v, r) * sign
            load[r * H + h] += amount
            admitted[r] += amount
        }
        residents[h] += Int32(sign)
    }

    /// Whether the VMs `members` (moved together, none placed now) fit on host `h` by capacity.
    package func fits(_ members: [Int], on h: Int) -> Bool {
        let H = problem.hostCount
        for r in 0..<problem.resourceCount {
            var total = load[r * H + h]
            for v in members { total += problem.demand(v, r) }
            if total > problem.limit(h, r) { return false }
        }
        return true
    }

    /// Whether the unplaced primaries `members` may all go to host `h`: host state, hard
    /// vmHost rules, capacity, anti-affinity, FT separation.
    package func canPlace(_ members: [Int], on h: Int) -> Bool {
        guard problem.hostReceives[h] else { return false }
        for v in members {
            if !problem.allows(v, h) || secondaries[v] == Int32(h) || liftedSecondary[v] == Int32(h) { return false }
            for rule in problem.vmAntiAffinity[v] where (antiCount[Int(rule)][Int32(h)] ?? 0) > 0 { return false }
        }
        if members.count > 1 {
            // Two members of one anti-affinity rule cannot go together.
            var seen = Set<Int32>()
            for v in members { for rule in problem.vmAntiAffinity[v] where !seen.insert(rule).inserted { return false } }
        }
        return fits(members, on: h)
    }

    /// Whether the unplaced secondary of `v` may go to host `h`: host state, storage, FT
    /// separation, capacity.
    package func canPlaceSecondary(_ v: Int, on h: Int) -> Bool {
        problem.hostReceives[h] && problem.allowsSecondary(v, h) && placement[v] != Int32(h) && fits([v], on: h)
    }

    /// Soft-rule violations added by putting the unplaced `v` on `h`; with `source`, as if `v`,
    /// placed on `source` now, were unplaced first (its own count there left out).
    package func softDelta(_ v: Int, on h: Int, leaving source: Int = -1) -> Int {
        let from = Int32(source), to = Int32(h)
        var delta = 0
        for ruleIndex in problem.vmSoftRules[v] {
            let rule = problem.softRules[Int(ruleIndex)]
            let counts = softCount[Int(ruleIndex)]
            let here = Int(counts[to] ?? 0) - (to == from ? 1 : 0)
            switch rule.kind {
            case .affinity:
                let placedElsewhere = counts.contains { $0.key != to && $0.value - ($0.key == from ? 1 : 0) > 0 }
                if here == 0 && placedElsewhere { delta += 1 }
            case .antiAffinity:
                delta += here > 0 ? 1 : 0
            case .should:
                delta += rule.hosts!.contains(h) ? 0 : 1
            case .shouldNot:
                delta += rule.hosts!.contains(h) ? 1 : 0
            }
        }
        return delta
    }

    /// Utilization of host h in resource r.
    @inlinable
    package func utilization(_ h: Int, _ r: Int) -> Double {
        let capacity = problem.hostCapacity[r * problem.hostCount + h]
        return capacity > 0 ? Double(load[r * problem.hostCount + h]) / Units.scale / capacity : 0
    }

    /// Whether admitting `members` keeps HA admission control.
    package func admits(_ members: [Int], secondaries extra: [Int] = [], reserved: [Int64]? = nil) -> Bool {
        guard let limit = problem.admissionLimit else { return true }
        for r in 0..<problem.resourceCount {
            var total = admitted[r] + (reserved?[r] ?? 0)
            for v in members + extra { total += problem.demand(v, r) }
            if total > limit[r] { return false }
        }
        return true
    }
}

extension PlacementState {
    /// Why the unplaced primaries `members` fit nowhere now, for the plan's `reasons`.
    package func unplacedReason(_ members: [Int]) -> String {
        // One pass over the hosts, stopped at the first allowed host with room.
        var anyReceiving = false, anyAllowed = false
        for h in 0..<problem.hostCount where problem.hostReceives[h] {
            anyReceiving = true
            guard members.allSatisfy({ problem.allows($0, h) }) else { continue }
            anyAllowed = true
            if fits(members, on: h) {
                return "every host with room already runs a VM of one of its anti-affinity rules, or its FT secondary"
            }
        }
        if !anyReceiving { return "no host can receive VMs (all failed, in maintenance or unusable)" }
        if !anyAllowed { return "no receiving host is allowed by its must/mustNot rules" }
        return "no allowed host has room for it\(members.count > 1 ? " (with its affinity group)" : "")"
    }

    /// Hosts that can take the unplaced primaries `members` now, best first for the goal:
    /// fewest soft violations, then least loaded after placement (`balance`) or tightest fit
    /// on an open host (`consolidate`). With `limit`, only the first `limit` of that order, kept
    /// while scanning: O(H x (R + rules + limit)) instead of a sort of every host.
    package func rankedHosts(for members: [Int], limit: Int = .max) -> [Int] {
        let H = problem.hostCount
        var keyed: [(soft: Int, measure: Double, host: Int)] = []
        func before(_ a: (soft: Int, measure: Double, host: Int), _ b: (soft: Int, measure: Double, host: Int)) -> Bool {
            (a.soft, a.measure, a.host) < (b.soft, b.measure, b.host)
        }
        for h in 0..<H where canPlace(members, on: h) {
            var measure = 0.0
            for r in 0..<problem.resourceCount {
                let limit = problem.limit(h, r)
                guard limit > 0 else { continue }
                var after = load[r * H + h]
                for v in members { after += problem.demand(v, r) }
                let fill = Double(after) / Double(limit)
                measure = problem.goal == .balance ? max(measure, fill) : measure - fill / Double(problem.resourceCount)
            }
            if problem.goal == .consolidate && residents[h] == 0 { measure += 10 }
            if problem.hostState[h] == .standby && residents[h] == 0 { measure += 1000 }
            let entry = (soft: members.reduce(0) { $0 + softDelta($1, on: h) }, measure: measure, host: h)
            guard limit < H else { keyed.append(entry); continue }
            // The best `limit` so far, in order: the entry goes in place or not at all.
            if keyed.count == limit, let last = keyed.last, !before(entry, last) { continue }
            let at = keyed.firstIndex { before(entry, $0) } ?? keyed.count
            keyed.insert(entry, at: at)
            if keyed.count > limit { keyed.removeLast() }
        }
        if limit >= H { keyed.sort(by: before) }
        return keyed.map(\.host)
    }
}

/// HA admission control while placing pending items: a new VM is admitted only when everything
/// that will run fits the reserve, so the demand of running VMs that are still waiting to be
/// re-placed (they are never evicted) and of secondaries still to be created is counted before
/// it, not after. One ledger serves every placement heuristic.
package struct AdmissionLedger: Sendable {
    let problem: Problem
    /// Pending demand that will be placed whatever happens to new VMs, per resource.
    var reserved: [Int64]

    /// A ledger for one placement round: `pending` are the items to place (VMs moved together),
    /// `pendingSecondaries` the VMs whose secondary is still to place. The demand of those with
    /// no new VM is reserved from the start.
    package init(problem: Problem, pending: [[Int]], pendingSecondaries: [Int]) {
        self.problem = problem
        reserved = [Int64](repeating: 0, count: problem.resourceCount)
        for members in pending where !members.contains(where: isNew) { add(members) }
        add(pendingSecondaries.filter { !isNew($0) })
    }

    /// A VM placed for the first time (not a restart).
    package func isNew(_ v: Int) -> Bool { problem.vmInitialHost[v] < 0 && !problem.vmNeedsRestart[v] }

    private mutating func add(_ vms: [Int], sign: Int64 = 1) {
        for v in vms { for r in 0..<problem.resourceCount { reserved[r] += sign * problem.demand(v, r) } }
    }

    /// Whether the item may be placed now: always for running VMs and restarts; for new VMs
    /// (and their secondaries) only within the reserve. Call in placement order, once per item;
    /// follow with `placed` when it was placed.
    package mutating func admits(_ members: [Int], state: PlacementState) -> Bool {
        guard members.contains(where: isNew) else {
            add(members, sign: -1)
            return true
        }
        return state.admits(members, secondaries: members.filter { problem.vmIsFT[$0] }, reserved: reserved)
    }

    /// Records an item that found no host: a running member stays where it runs (see
    /// `PlacementState.settleLiftedPrimaries`), so its demand stays reserved.
    package mutating func notPlaced(_ members: [Int]) {
        add(members.filter { problem.vmInitialHost[$0] >= 0 })
    }

    /// Records a placed item: a new FT VM's secondary, placed later, is already admitted.
    package mutating func placed(_ members: [Int]) {
        guard members.contains(where: isNew) else { return }
        add(members.filter { problem.vmIsFT[$0] })
    }
}
