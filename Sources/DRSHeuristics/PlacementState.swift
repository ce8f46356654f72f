import DRSModel

/// A mutable placement with the bookkeeping that makes feasibility checks O(R + rules of the VM):
/// per-host loads, per-rule host counts for anti-affinity and soft rules.
public struct PlacementState: Sendable {
    public let problem: Problem
    public var placement: [Int32]
    public var secondaries: [Int32]
    /// Load in milli-units, resource-major: `load[r * hostCount + h]`.
    public var load: [Int64]
    /// Active entities (primaries and secondaries) per host.
    public var residents: [Int32]
    /// Per hard anti-affinity rule: host -> members there.
    var antiCount: [[Int32: Int32]]
    /// Per soft rule: host -> members there.
    var softCount: [[Int32: Int32]]
    /// Total demand of active placed VMs (secondaries included), per resource.
    public var admitted: [Int64]

    public init(problem: Problem) {
        self.problem = problem
        placement = [Int32](repeating: -1, count: problem.vmCount)
        secondaries = [Int32](repeating: -1, count: problem.vmCount)
        load = [Int64](repeating: 0, count: problem.hostCount * problem.resourceCount)
        residents = [Int32](repeating: 0, count: problem.hostCount)
        antiCount = [[Int32: Int32]](repeating: [:], count: problem.antiAffinity.count)
        softCount = [[Int32: Int32]](repeating: [:], count: problem.softRules.count)
        admitted = [Int64](repeating: 0, count: problem.resourceCount)
    }

    /// The state holding every VM and secondary where it runs before the plan.
    public static func initial(_ problem: Problem) -> PlacementState {
        var state = PlacementState(problem: problem)
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            if problem.vmInitialHost[v] >= 0 { state.assign(v, to: Int(problem.vmInitialHost[v])) }
            if problem.vmInitialSecondary[v] >= 0 { state.assignSecondary(v, to: Int(problem.vmInitialSecondary[v])) }
        }
        return state
    }

    public mutating func assign(_ v: Int, to h: Int) {
        precondition(placement[v] < 0)
        placement[v] = Int32(h)
        add(v, h, sign: 1)
        for rule in problem.vmAntiAffinity[v] { antiCount[Int(rule)][Int32(h), default: 0] += 1 }
        for rule in problem.vmSoftRules[v] { softCount[Int(rule)][Int32(h), default: 0] += 1 }
    }

    public mutating func unassign(_ v: Int) {
        let h = Int(placement[v])
        precondition(h >= 0)
        placement[v] = -1
        add(v, h, sign: -1)
        for rule in problem.vmAntiAffinity[v] { antiCount[Int(rule)][Int32(h), default: 0] -= 1 }
        for rule in problem.vmSoftRules[v] { softCount[Int(rule)][Int32(h), default: 0] -= 1 }
    }

    public mutating func assignSecondary(_ v: Int, to h: Int) {
        precondition(secondaries[v] < 0)
        secondaries[v] = Int32(h)
        add(v, h, sign: 1)
    }

    public mutating func unassignSecondary(_ v: Int) {
        let h = Int(secondaries[v])
        precondition(h >= 0)
        secondaries[v] = -1
        add(v, h, sign: -1)
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
    public func fits(_ members: [Int], on h: Int) -> Bool {
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
    public func canPlace(_ members: [Int], on h: Int) -> Bool {
        guard problem.hostReceives[h] else { return false }
        for v in members {
            if !problem.allows(v, h) || secondaries[v] == Int32(h) { return false }
            for rule in problem.vmAntiAffinity[v] where (antiCount[Int(rule)][Int32(h)] ?? 0) > 0 { return false }
        }
        if members.count > 1 {
            // Two members of one anti-affinity rule cannot go together.
            var seen = Set<Int32>()
            for v in members { for rule in problem.vmAntiAffinity[v] where !seen.insert(rule).inserted { return false } }
        }
        return fits(members, on: h)
    }

    /// Whether the unplaced secondary of `v` may go to host `h`.
    public func canPlaceSecondary(_ v: Int, on h: Int) -> Bool {
        problem.hostReceives[h] && placement[v] != Int32(h) && fits([v], on: h)
    }

    /// Soft-rule violations added by putting the unplaced `v` on `h`; with `source`, as if `v`,
    /// placed on `source` now, were unplaced first (its own count there left out).
    public func softDelta(_ v: Int, on h: Int, leaving source: Int = -1) -> Int {
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
    public func utilization(_ h: Int, _ r: Int) -> Double {
        let capacity = problem.hostCapacity[r * problem.hostCount + h]
        return capacity > 0 ? Double(load[r * problem.hostCount + h]) / Units.scale / capacity : 0
    }

    /// Whether admitting `members` keeps HA admission control.
    public func admits(_ members: [Int], secondaries extra: [Int] = [], reserved: [Int64]? = nil) -> Bool {
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
    public func unplacedReason(_ members: [Int]) -> String {
        let receiving = (0..<problem.hostCount).filter { problem.hostReceives[$0] }
        if receiving.isEmpty { return "no host can receive VMs (all failed, in maintenance or unusable)" }
        let allowed = receiving.filter { h in members.allSatisfy { problem.allows($0, h) } }
        if allowed.isEmpty { return "no receiving host is allowed by its must/mustNot rules" }
        if !allowed.contains(where: { fits(members, on: $0) }) {
            return "no allowed host has room for it\(members.count > 1 ? " (with its affinity group)" : "")"
        }
        return "every host with room already runs a VM of one of its anti-affinity rules, or its FT secondary"
    }

    /// Hosts that can take the unplaced primaries `members` now, best first for the goal:
    /// fewest soft violations, then least loaded after placement (`balance`) or tightest fit
    /// on an open host (`consolidate`).
    public func rankedHosts(for members: [Int]) -> [Int] {
        let H = problem.hostCount
        var keyed: [(soft: Int, measure: Double, host: Int)] = []
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
            keyed.append((members.reduce(0) { $0 + softDelta($1, on: h) }, measure, h))
        }
        keyed.sort { ($0.soft, $0.measure, $0.host) < ($1.soft, $1.measure, $1.host) }
        return keyed.map(\.host)
    }
}

/// HA admission control while placing pending items: a new VM is admitted only when everything
/// that will run fits the reserve, so the demand of running VMs that are still waiting to be
/// re-placed (they are never evicted) and of secondaries still to be created is counted before
/// it, not after. One ledger serves every placement heuristic.
public struct AdmissionLedger: Sendable {
    let problem: Problem
    /// Pending demand that will be placed whatever happens to new VMs, per resource.
    var reserved: [Int64]

    public init(problem: Problem, pending: [[Int]], pendingSecondaries: [Int]) {
        self.problem = problem
        reserved = [Int64](repeating: 0, count: problem.resourceCount)
        for members in pending where !members.contains(where: isNew) { add(members) }
        add(pendingSecondaries.filter { !isNew($0) })
    }

    /// A VM placed for the first time (not a restart).
    public func isNew(_ v: Int) -> Bool { problem.vmInitialHost[v] < 0 && !problem.vmNeedsRestart[v] }

    private mutating func add(_ vms: [Int], sign: Int64 = 1) {
        for v in vms { for r in 0..<problem.resourceCount { reserved[r] += sign * problem.demand(v, r) } }
    }

    /// Whether the item may be placed now: always for running VMs and restarts; for new VMs
    /// (and their secondaries) only within the reserve. Call in placement order, once per item;
    /// follow with `placed` when it was placed.
    public mutating func admits(_ members: [Int], state: PlacementState) -> Bool {
        guard members.contains(where: isNew) else {
            add(members, sign: -1)
            return true
        }
        return state.admits(members, secondaries: members.filter { problem.vmIsFT[$0] }, reserved: reserved)
    }

    /// Records a placed item: a new FT VM's secondary, placed later, is already admitted.
    public mutating func placed(_ members: [Int]) {
        guard members.contains(where: isNew) else { return }
        add(members.filter { problem.vmIsFT[$0] })
    }
}
