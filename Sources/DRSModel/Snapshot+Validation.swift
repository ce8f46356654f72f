/// Integer arithmetic for fits-or-not decisions: every solver, the MIP and the checker compare
/// quantities in milli-units, so they always agree.
///
/// A validated snapshot's quantities are at most 1e15 milli-units and its per-resource totals
/// at most 1e18 (`InputLimits`), so sums of them fit an Int64. The conversions clamp to
/// +-`maximum` so that a snapshot built in code, unvalidated, cannot trap the conversion.
@usableFromInline package enum Units {
    /// Milli-units per snapshot unit.
    @usableFromInline package static let scale: Double = 1000

    /// The largest magnitude a conversion returns: the total limit in milli-units (1e18).
    @usableFromInline package static let maximum: Int64 = 1_000_000_000_000_000_000

    /// A demand in milli-units, rounded to the nearest.
    @inlinable
    package static func demand(_ value: Double) -> Int64 { clamped((value * scale).rounded()) }

    /// The placeable limit of a capacity under a utilization cap, rounded down (with a tolerance
    /// of 10^-3 milli-units for binary noise such as 40000 x 0.9).
    @inlinable
    package static func limit(capacity: Double, maxUtilization: Double) -> Int64 {
        clamped((capacity * maxUtilization * scale + 1e-3).rounded(.down))
    }

    /// `value` as an Int64 within +-`maximum` (NaN as 0).
    @inlinable
    package static func clamped(_ value: Double) -> Int64 {
        guard !value.isNaN else { return 0 }
        return Int64(min(max(value, -Double(maximum)), Double(maximum)))
    }

    /// `a + b`, held at Int64's bounds instead of trapping.
    @inlinable
    package static func sum(_ a: Int64, _ b: Int64) -> Int64 {
        let (result, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : result
    }
}

extension Snapshot {
    /// The utilization cap of a resource (default 1.0).
    package func maxUtilization(of resource: String) -> Double {
        cluster.maxUtilization[resource] ?? 1.0
    }

    /// The placeable limit of a host in milli-units, per resource in `resources` order.
    package func limits(of host: ClusterHost) -> [Int64] {
        resources.map { Units.limit(capacity: host.capacity[$0] ?? 0, maxUtilization: maxUtilization(of: $0)) }
    }

    /// A VM's demand in milli-units, per resource in `resources` order.
    package func demands(of vm: VirtualMachine) -> [Int64] {
        resources.map { Units.demand(vm.demand[$0] ?? 0) }
    }

    /// Checks references, duplicates, VMs that fit no host and contradictory hard rules, on
    /// what the structural reading produced (`structural`: its issues; `sources`: the input
    /// index of each element read). Duplicate and reference checks always run; the fit check
    /// runs when the resources and hosts read cleanly, skipping VMs with issues of their own;
    /// the contradiction checks run when everything read cleanly and every reference resolves.
    func semanticIssues(structural: IssueList = IssueList(), sources: ElementSources? = nil) -> IssueList {
        var references = ReferenceCheck(self, sources: sources, limit: max(0, structural.limit - structural.count))
        references.checkHosts()
        references.checkVMs()
        if let master = cluster.ha?.master, references.hostIndex[master] == nil { references.unknownHost("cluster.ha.master", master) }
        let hostsClean = structural.omitted == 0 && !structural.any(under: ["resources", "hosts"])
        if hostsClean, let ha = cluster.ha, ha.enabled, ha.hostFailuresToTolerate > 0 {
            // Counted over every host, whatever its state: a snapshot valid before a failure
            // stays valid with the host marked failed, so `drs check` can judge the failover.
            if ha.hostFailuresToTolerate >= hosts.count {
                references.fail("cluster.ha.hostFailuresToTolerate", "must be less than the number of hosts (\(hosts.count)), got \(ha.hostFailuresToTolerate)")
            }
        }
        references.checkRules()
        references.checkPartitions()
        var issues = references.issues
        guard hostsClean else { return issues }
        fitIssues(structural: structural, vmSource: references.vmSource, into: &issues)

        // Every element was read (so indices are the input's) and every reference resolves.
        guard structural.isEmpty, references.referencesResolve else { return issues }
        contradictions(vmIndex: references.vmIndex, hostIndex: references.hostIndex, into: &issues)
        return issues
    }

    /// VMs that fit no host at all (capacity alone, any host state: a VM that only a failed
    /// host could hold is left unplaced by the planner, not refused as input), skipping VMs
    /// with structural issues of their own. A VM fits some host exactly when it fits one of
    /// the non-dominated limit vectors (the skyline), so each VM is compared with the skyline
    /// only. An FT VM needs two hosts: `HostFitCounter` answers "at least two?" from the
    /// skyline and a second skyline. O(H log H + V x skyline x R).
    func fitIssues(structural: IssueList, vmSource: [Int], into issues: inout IssueList) {
        let candidateLimits = hosts.map { self.limits(of: $0) }
        let counter = HostFitCounter(candidateLimits)
        let largest = resources.indices.map { r in candidateLimits.lazy.map { $0[r] }.max() ?? 0 }
        var vmsWithIssues = Set<Int>()
        for issue in structural.issues where issue.path.hasPrefix("vms[") {
            if let number = Int(issue.path.dropFirst(4).prefix { $0.isNumber }) { vmsWithIssues.insert(number) }
        }
        for index in vms.indices where vms[index].powerState == .on && !vmsWithIssues.contains(vmSource[index]) {
            var vm: VirtualMachine { vms[index] }
            let demand = demands(of: vm)
            let needed = vm.ft == nil ? 1 : 2
            let fitting = counter.fittingHosts(demand, upTo: needed)
            guard fitting < needed else { continue }
            var worst = ""
            for (r, resource) in resources.enumerated() where demand[r] > largest[r] {
                let name = DisplayText.escaped(resource)
                worst = ": needs \(name) \(JSONWriter.number(vm.demand[resource] ?? 0)) but the largest placeable \(name) is \(JSONWriter.number(Double(largest[r]) / Units.scale))"
                break
            }
            if needed == 2 && fitting == 1 && worst.isEmpty {
                issues.add("vms[\(vmSource[index])].demand", "fits only one host, but Fault Tolerance needs two (primary and secondary)")
            } else {
                issues.add("vms[\(vmSource[index])].demand", "fits no host at all\(worst)")
            }
        }
    }

    /// The limit vectors no other vector dominates (duplicates removed). O(n x skyline x R).
    static func skyline(_ vectors: [[Int64]]) -> [[Int64]] {
        var front: [[Int64]] = []
        for vector in Set(vectors).sorted(by: { $0.reduce(0, +) > $1.reduce(0, +) }) {
            let dominated = front.contains { other in zip(vector, other).allSatisfy { $0 <= $1 } }
            if !dominated { front.append(vector) }
        }
        return front
    }

    /// At most `limit` items joined with commas, then how many more there are.
    static func shortList(_ items: [String], limit: Int = 5) -> String {
        let shown = items.prefix(limit).joined(separator: ", ")
        return items.count > limit ? "\(shown) and \(items.count - limit) more" : shown
    }
}

/// How many hosts (0, 1 or "2 or more") can hold a demand vector, without a scan of the hosts
/// per question. The skyline holds the non-dominated limit vectors with their multiplicities;
/// the second skyline is the skyline of the hosts left when one copy of each skyline vector
/// is taken out. A demand fits two hosts exactly when it fits a skyline vector held by two
/// hosts, two distinct skyline vectors, or one skyline vector and one of the second skyline.
/// Building: O(H log H + H x skyline x R); a question: O((skyline + second skyline) x R).
struct HostFitCounter {
    private let skyline: [(limits: [Int64], count: Int)]
    private let second: [[Int64]]

    init(_ limits: [[Int64]]) {
        var multiplicity: [[Int64]: Int] = [:]
        for vector in limits { multiplicity[vector, default: 0] += 1 }
        let front = Snapshot.skyline(Array(multiplicity.keys))
        skyline = front.map { ($0, multiplicity[$0]!) }
        var rest = multiplicity
        for vector in front {
            if rest[vector] == 1 { rest[vector] = nil } else { rest[vector]! -= 1 }
        }
        second = Snapshot.skyline(Array(rest.keys))
    }

    private static func fits(_ demand: [Int64], _ limit: [Int64]) -> Bool {
        for r in demand.indices where demand[r] > limit[r] { return false }
        return true
    }

    /// The number of hosts that hold `demand`, counted up to `cap` (1 or 2).
    func fittingHosts(_ demand: [Int64], upTo cap: Int) -> Int {
        var found = 0
        for entry in skyline where HostFitCounter.fits(demand, entry.limits) {
            found += entry.count
            if found >= cap { return cap }
        }
        guard found > 0 else { return 0 }
        return second.contains { HostFitCounter.fits(demand, $0) } ? min(cap, found + 1) : found
    }
}
