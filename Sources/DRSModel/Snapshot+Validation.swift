/// Integer arithmetic for fits-or-not decisions: every solver, the MIP and the checker compare
/// quantities in milli-units, so they always agree.
///
/// A validated snapshot's quantities are at most 1e15 milli-units and its per-resource totals
/// at most 1e18 (`InputLimits`), so sums of them fit an Int64. The conversions clamp to
/// +-`maximum` so that a snapshot built in code, unvalidated, cannot trap the conversion.
public enum Units {
    /// Milli-units per snapshot unit.
    public static let scale: Double = 1000

    /// The largest magnitude a conversion returns: the total limit in milli-units (1e18).
    public static let maximum: Int64 = 1_000_000_000_000_000_000

    /// A demand in milli-units, rounded to the nearest.
    @inlinable
    public static func demand(_ value: Double) -> Int64 { clamped((value * scale).rounded()) }

    /// The placeable limit of a capacity under a utilization cap, rounded down (with a tolerance
    /// of 10^-3 milli-units for binary noise such as 40000 x 0.9).
    @inlinable
    public static func limit(capacity: Double, maxUtilization: Double) -> Int64 {
        clamped((capacity * maxUtilization * scale + 1e-3).rounded(.down))
    }

    /// `value` as an Int64 within +-`maximum` (NaN as 0).
    @inlinable
    public static func clamped(_ value: Double) -> Int64 {
        guard !value.isNaN else { return 0 }
        return Int64(min(max(value, -Double(maximum)), Double(maximum)))
    }

    /// `a + b`, held at Int64's bounds instead of trapping.
    @inlinable
    public static func sum(_ a: Int64, _ b: Int64) -> Int64 {
        let (result, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : result
    }
}

extension Snapshot {
    /// The utilization cap of a resource (default 1.0).
    public func maxUtilization(of resource: String) -> Double {
        cluster.maxUtilization[resource] ?? 1.0
    }

    /// The placeable limit of a host in milli-units, per resource in `resources` order.
    public func limits(of host: ClusterHost) -> [Int64] {
        resources.map { Units.limit(capacity: host.capacity[$0] ?? 0, maxUtilization: maxUtilization(of: $0)) }
    }

    /// A VM's demand in milli-units, per resource in `resources` order.
    public func demands(of vm: VirtualMachine) -> [Int64] {
        resources.map { Units.demand(vm.demand[$0] ?? 0) }
    }

    /// Checks references, duplicates, VMs that fit no host and contradictory hard rules, on
    /// what the structural reading produced (`structural`: its issues; `sources`: the input
    /// index of each element read). Duplicate and reference checks always run; the fit check
    /// runs when the resources and hosts read cleanly, skipping VMs with issues of their own;
    /// the contradiction checks run when everything read cleanly and every reference resolves.
    func semanticIssues(structural: IssueList = IssueList(), sources: ElementSources? = nil) -> IssueList {
        var issues = IssueList(limit: max(0, structural.limit - structural.count))
        func fail(_ path: @autoclosure () -> String, _ message: @autoclosure () -> String) { issues.add(path(), message()) }
        let hostSource = sources?.hosts ?? Array(hosts.indices)
        let vmSource = sources?.vms ?? Array(vms.indices)
        let ruleSource = sources?.rules ?? Array(rules.indices)
        var referencesResolve = true

        var hostIndex: [String: Int] = [:]
        for (index, host) in hosts.enumerated() {
            if let first = hostIndex[host.id] {
                fail("hosts[\(hostSource[index])].id", "duplicate host id \(DisplayText.quoted(host.id)) (first at hosts[\(hostSource[first])])")
            } else {
                hostIndex[host.id] = index
            }
        }
        var hostSuggester: NameSuggester?
        func unknownHost(_ path: @autoclosure () -> String, _ id: String) {
            referencesResolve = false
            fail(path(), {
                if hostSuggester == nil { hostSuggester = NameSuggester(hosts.map(\.id)) }
                let hint = hostSuggester!.suggestion(for: id).map { "; did you mean \(DisplayText.quoted($0))?" } ?? ""
                return "unknown host \(DisplayText.quoted(id))\(hint)"
            }())
        }
        var vmIndex: [String: Int] = [:]
        for (index, vm) in vms.enumerated() {
            let path = "vms[\(vmSource[index])]"
            if let first = vmIndex[vm.id] {
                fail("\(path).id", "duplicate VM id \(DisplayText.quoted(vm.id)) (first at vms[\(vmSource[first])])")
            } else {
                vmIndex[vm.id] = index
            }
            if let host = vm.host, hostIndex[host] == nil { unknownHost("\(path).host", host) }
            if let secondary = vm.ft?.secondaryHost {
                if hostIndex[secondary] == nil {
                    unknownHost("\(path).ft.secondaryHost", secondary)
                } else if secondary == vm.host {
                    fail("\(path).ft.secondaryHost", "must differ from the primary's host \(DisplayText.quoted(secondary)): FT primary and secondary never share a host")
                }
            }
        }
        if let master = cluster.ha?.master, hostIndex[master] == nil { unknownHost("cluster.ha.master", master) }
        let hostsClean = structural.omitted == 0 && !structural.any(under: ["resources", "hosts"])
        if hostsClean, let ha = cluster.ha, ha.enabled, ha.hostFailuresToTolerate > 0 {
            // Counted over every host, whatever its state: a snapshot valid before a failure
            // stays valid with the host marked failed, so `drs check` can judge the failover.
            if ha.hostFailuresToTolerate >= hosts.count {
                fail("cluster.ha.hostFailuresToTolerate", "must be less than the number of hosts (\(hosts.count)), got \(ha.hostFailuresToTolerate)")
            }
        }
        var vmSuggester: NameSuggester?
        var ruleIndex: [String: Int] = [:]
        for (index, rule) in rules.enumerated() {
            let path = "rules[\(ruleSource[index])]"
            if let first = ruleIndex[rule.id] {
                fail("\(path).id", "duplicate rule id \(DisplayText.quoted(rule.id)) (first at rules[\(ruleSource[first])])")
            } else {
                ruleIndex[rule.id] = index
            }
            var seen = Set<String>()
            for (position, vm) in rule.vms.enumerated() {
                if vmIndex[vm] == nil {
                    referencesResolve = false
                    fail("\(path).vms[\(position)]", {
                        if vmSuggester == nil { vmSuggester = NameSuggester(vms.map(\.id)) }
                        let hint = vmSuggester!.suggestion(for: vm).map { "; did you mean \(DisplayText.quoted($0))?" } ?? ""
                        return "unknown VM \(DisplayText.quoted(vm))\(hint)"
                    }())
                }
                if !seen.insert(vm).inserted { fail("\(path).vms[\(position)]", "VM \(DisplayText.quoted(vm)) is listed twice") }
            }
            for (position, host) in (rule.hosts ?? []).enumerated() where hostIndex[host] == nil {
                unknownHost("\(path).hosts[\(position)]", host)
            }
        }
        guard hostsClean else { return issues }

        // A VM that fits no host at all (capacity alone, any host state: a VM that only a failed
        // host could hold is left unplaced by the planner, not refused as input). A VM fits
        // some host exactly when it fits one of the non-dominated limit vectors (the skyline),
        // so each VM is compared with the skyline only: O(V x skyline + H x distinct shapes).
        // An FT VM needs two hosts: those few are counted against every host.
        let candidateLimits = hosts.map { self.limits(of: $0) }
        let skyline = Snapshot.skyline(candidateLimits)
        func fits(_ demand: [Int64], _ limit: [Int64]) -> Bool {
            for r in demand.indices where demand[r] > limit[r] { return false }
            return true
        }
        var vmsWithIssues = Set<Int>()
        for issue in structural.issues where issue.path.hasPrefix("vms[") {
            if let number = Int(issue.path.dropFirst(4).prefix { $0.isNumber }) { vmsWithIssues.insert(number) }
        }
        for (index, vm) in vms.enumerated() where vm.powerState == .on && !vmsWithIssues.contains(vmSource[index]) {
            let demand = demands(of: vm)
            let needed = vm.ft == nil ? 1 : 2
            let fitsSomewhere = skyline.contains { fits(demand, $0) }
            let fitting = needed == 1 ? (fitsSomewhere ? 1 : 0) : candidateLimits.lazy.filter { fits(demand, $0) }.count
            guard fitting < needed else { continue }
            var worst = ""
            for (r, resource) in resources.enumerated() {
                let largest = candidateLimits.map { $0[r] }.max() ?? 0
                if demand[r] > largest {
                    let name = DisplayText.escaped(resource)
                    worst = ": needs \(name) \(JSONWriter.number(vm.demand[resource] ?? 0)) but the largest placeable \(name) is \(JSONWriter.number(Double(largest) / Units.scale))"
                    break
                }
            }
            if needed == 2 && fitting == 1 && worst.isEmpty {
                fail("vms[\(vmSource[index])].demand", "fits only one host, but Fault Tolerance needs two (primary and secondary)")
            } else {
                fail("vms[\(vmSource[index])].demand", "fits no host at all\(worst)")
            }
        }

        // Every element was read (so indices are the input's) and every reference resolves.
        guard structural.isEmpty, referencesResolve else { return issues }
        contradictions(vmIndex: vmIndex, hostIndex: hostIndex, into: &issues)
        return issues
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

    /// Hard rules that no placement can satisfy together.
    private func contradictions(vmIndex: [String: Int], hostIndex: [String: Int], into issues: inout IssueList) {
        func fail(_ path: @autoclosure () -> String, _ message: @autoclosure () -> String) { issues.add(path(), message()) }
        let hostCount = hosts.count
        // Rules contradict each other whatever the hosts' states (every host counts).
        let usable = hostCount
        let hostLimits = hosts.map { limits(of: $0) }

        // Allowed hosts per VM from must / mustNot rules, and which rules shaped them.
        // Only VMs named by hard vmHost rules have a restricted host set.
        var restricted: [Int: [Bool]] = [:]
        var shapedBy: [Int: [Int]] = [:]
        for (index, rule) in rules.enumerated() where rule.kind == .vmHost && rule.isHard {
            var listed = [Bool](repeating: false, count: hostCount)
            for host in rule.hosts ?? [] { listed[hostIndex[host]!] = true }
            for vm in rule.vms {
                let v = vmIndex[vm]!
                shapedBy[v, default: []].append(index)
                var mask = restricted[v] ?? [Bool](repeating: true, count: hostCount)
                for h in 0..<hostCount { mask[h] = mask[h] && (rule.policy == .must ? listed[h] : !listed[h]) }
                restricted[v] = mask
            }
        }
        func allowed(_ v: Int, _ h: Int) -> Bool { restricted[v]?[h] ?? true }
        for v in shapedBy.keys.sorted() where !restricted[v]!.contains(true) {
            let names = Snapshot.shortList(shapedBy[v]!.map { "rules[\($0)] (\(DisplayText.escaped(rules[$0].id)))" })
            fail("rules[\(shapedBy[v]!.last!)]", "contradicts itself or \(names): VM \(DisplayText.quoted(vms[v].id)) is left no allowed host")
        }

        // Required affinity groups (union-find).
        var parent = Array(vms.indices)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        var groupRule = [Int: Int]()
        for (index, rule) in rules.enumerated() where rule.kind == .affinity && rule.isHard {
            let members = rule.vms.map { vmIndex[$0]! }
            for member in members.dropFirst() {
                let a = find(members[0]), b = find(member)
                if a != b { parent[b] = a }
            }
            for member in members { groupRule[member] = index }
        }
        for (index, rule) in rules.enumerated() where rule.kind == .antiAffinity && rule.isHard {
            let members = rule.vms.map { vmIndex[$0]! }
            var byGroup: [Int: Int] = [:]
            for member in members {
                if let other = byGroup[find(member)], let affinity = groupRule[member] {
                    fail("rules[\(index)]", "contradicts rules[\(affinity)] (\(DisplayText.escaped(rules[affinity].id))): VMs \(DisplayText.quoted(vms[other].id)) and \(DisplayText.quoted(vms[member].id)) must share a host (affinity) and must not (antiAffinity)")
                    break
                }
                byGroup[find(member)] = member
            }
            let powered = members.filter { vms[$0].powerState == .on }.count
            if powered > usable {
                fail("rules[\(index)]", "needs \(powered) different hosts for its powered-on VMs, but the cluster has only \(usable) hosts")
            }
            // Two pinned VMs of the rule already sharing a host.
            var pinnedAt: [String: Int] = [:]
            for member in members where vms[member].automation == .disabled && vms[member].powerState == .on {
                guard let host = vms[member].host else { continue }
                if let other = pinnedAt[host] {
                    fail("rules[\(index)]", "cannot hold: VMs \(DisplayText.quoted(vms[other].id)) and \(DisplayText.quoted(vms[member].id)) both have automation disabled and share host \(DisplayText.quoted(host))")
                }
                pinnedAt[host] = member
            }
        }
        // Each affinity group: a common allowed host that holds the whole group, pinned members agree.
        var groups: [Int: [Int]] = [:]
        for v in vms.indices where groupRule[v] != nil && vms[v].powerState == .on { groups[find(v), default: []].append(v) }
        for (_, members) in groups.sorted(by: { $0.key < $1.key }) where members.count > 1 {
            let ruleIndex = groupRule[members[0]]!
            var total = [Int64](repeating: 0, count: resources.count)
            for member in members {
                for (r, amount) in demands(of: vms[member]).enumerated() { total[r] = Units.sum(total[r], amount) }
            }
            let pinnedHosts = Set(members.compactMap { vms[$0].automation == .disabled ? vms[$0].host : nil })
            if pinnedHosts.count > 1 {
                fail("rules[\(ruleIndex)]", "cannot hold: its VMs with automation disabled sit on different hosts (\(Snapshot.shortList(pinnedHosts.sorted().map { DisplayText.quoted($0) })))")
                continue
            }
            var anyHost = false
            var anyFit = false
            for (h, host) in hosts.enumerated() where members.allSatisfy({ allowed($0, h) }) {
                if let pinned = pinnedHosts.first, pinned != host.id { continue }
                anyHost = true
                if zip(total, hostLimits[h]).allSatisfy({ $0 <= $1 }) { anyFit = true; break }
            }
            if !anyHost {
                fail("rules[\(ruleIndex)]", "contradicts the vmHost rules of its VMs: no host is allowed for all of \(Snapshot.shortList(members.map { DisplayText.quoted(vms[$0].id) }))")
            } else if !anyFit {
                fail("rules[\(ruleIndex)]", "cannot hold: the affinity group \(Snapshot.shortList(members.map { DisplayText.quoted(vms[$0].id) })) together fits no allowed host")
            }
        }
        // Pinned VMs sitting where a hard vmHost rule forbids.
        for v in shapedBy.keys.sorted() where vms[v].automation == .disabled && vms[v].powerState == .on {
            if let host = vms[v].host, let h = hostIndex[host], !allowed(v, h) {
                fail("rules[\(shapedBy[v]!.last!)]", "cannot hold: VM \(DisplayText.quoted(vms[v].id)) has automation disabled and sits on host \(DisplayText.quoted(host)), which the rule forbids")
            }
        }
    }

    /// At most `limit` items joined with commas, then how many more there are.
    static func shortList(_ items: [String], limit: Int = 5) -> String {
        let shown = items.prefix(limit).joined(separator: ", ")
        return items.count > limit ? "\(shown) and \(items.count - limit) more" : shown
    }
}
