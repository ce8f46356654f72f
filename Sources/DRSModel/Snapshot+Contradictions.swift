/// Allowed hosts per VM from hard must / mustNot rules, and which rules shaped them. Only VMs
/// named by hard vmHost rules have a restricted host set. VMs named by the same rules share one
/// shape: the hosts every `must` rule lists and no `mustNot` rule lists (`only`), or, with no
/// `must` rule, every host but those the `mustNot` rules list (`allBut`). Sets of indices, never
/// a mask of every host per VM.
private struct HostRestrictions {
    enum Allowed {
        case only(Set<Int>)
        case allBut(Set<Int>)

        func contains(_ h: Int) -> Bool {
            switch self {
            case .only(let hosts): return hosts.contains(h)
            case .allBut(let hosts): return !hosts.contains(h)
            }
        }

        func isEmpty(hostCount: Int) -> Bool {
            switch self {
            case .only(let hosts): return hosts.isEmpty
            case .allBut(let hosts): return hosts.count >= hostCount
            }
        }
    }

    var shapedBy: [Int: [Int]] = [:]
    var shapeOf: [Int: Int] = [:]
    var shapes: [Allowed] = []

    func allowed(_ v: Int, _ h: Int) -> Bool {
        guard let shape = shapeOf[v] else { return true }
        return shapes[shape].contains(h)
    }

    /// The finite allowed set of `v`, when a `must` rule bounds it.
    func only(_ v: Int) -> Set<Int>? {
        guard let shape = shapeOf[v], case .only(let hosts) = shapes[shape] else { return nil }
        return hosts
    }
}

/// Required affinity groups: each VM's union-find root (VMs of one group share it) and, for a
/// member of a hard affinity rule, the last such rule naming it.
private struct AffinityGroups {
    var root: [Int]
    var groupRule: [Int: Int]
}

extension Snapshot {
    /// Hard rules that no placement can satisfy together. Runs on a snapshot whose every
    /// reference resolves (`vmIndex` and `hostIndex` hold every id the rules name).
    func contradictions(vmIndex: [String: Int], hostIndex: [String: Int], into issues: inout IssueList) {
        let restrictions = hostRestrictions(vmIndex: vmIndex, hostIndex: hostIndex, into: &issues)
        let affinity = affinityGroups(vmIndex: vmIndex)
        antiAffinityContradictions(vmIndex: vmIndex, affinity, into: &issues)
        affinityGroupContradictions(affinity, restrictions, hostIndex: hostIndex, into: &issues)
        // Pinned VMs sitting where a hard vmHost rule forbids.
        for v in restrictions.shapedBy.keys.sorted() where vms[v].automation == .disabled && vms[v].powerState == .on {
            if let host = vms[v].host, let h = hostIndex[host], !restrictions.allowed(v, h) {
                issues.add("rules[\(restrictions.shapedBy[v]!.last!)]", "cannot hold: VM \(DisplayText.quoted(vms[v].id)) has automation disabled and sits on host \(DisplayText.quoted(host)), which the rule forbids")
            }
        }
    }

    /// The allowed hosts of each VM named by hard vmHost rules; reports VMs left no allowed
    /// host. O(sum over rules of members + hosts listed, plus, per distinct rule list, the
    /// hosts its rules list).
    private func hostRestrictions(vmIndex: [String: Int], hostIndex: [String: Int], into issues: inout IssueList) -> HostRestrictions {
        var restrictions = HostRestrictions()
        var listed: [Int: Set<Int>] = [:]
        for (index, rule) in rules.enumerated() where rule.kind == .vmHost && rule.isHard {
            listed[index] = Set((rule.hosts ?? []).map { hostIndex[$0]! })
            for vm in rule.vms { restrictions.shapedBy[vmIndex[vm]!, default: []].append(index) }
        }
        var shapeIndex: [[Int]: Int] = [:]
        for v in restrictions.shapedBy.keys.sorted() {
            let ruleList = restrictions.shapedBy[v]!
            if let known = shapeIndex[ruleList] { restrictions.shapeOf[v] = known; continue }
            let musts = ruleList.filter { rules[$0].policy == .must }.map { listed[$0]! }
            let mustNots = ruleList.filter { rules[$0].policy != .must }.map { listed[$0]! }
            let shape: HostRestrictions.Allowed
            if let smallest = musts.min(by: { $0.count < $1.count }) {
                shape = .only(smallest.filter { h in musts.allSatisfy { $0.contains(h) } && !mustNots.contains { $0.contains(h) } })
            } else {
                shape = .allBut(mustNots.reduce(into: Set<Int>()) { $0.formUnion($1) })
            }
            shapeIndex[ruleList] = restrictions.shapes.count
            restrictions.shapeOf[v] = restrictions.shapes.count
            restrictions.shapes.append(shape)
        }
        for v in restrictions.shapedBy.keys.sorted() where restrictions.shapes[restrictions.shapeOf[v]!].isEmpty(hostCount: hosts.count) {
            let shapedBy = restrictions.shapedBy[v]!
            let names = Snapshot.shortList(shapedBy.map { "rules[\($0)] (\(DisplayText.escaped(rules[$0].id)))" })
            issues.add("rules[\(shapedBy.last!)]", "contradicts itself or \(names): VM \(DisplayText.quoted(vms[v].id)) is left no allowed host")
        }
        return restrictions
    }

    /// Required affinity groups by union-find over the members of hard affinity rules.
    private func affinityGroups(vmIndex: [String: Int]) -> AffinityGroups {
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
        return AffinityGroups(root: vms.indices.map(find), groupRule: groupRule)
    }

    /// Each hard anti-affinity rule: no two members in one affinity group, no more powered-on
    /// members than hosts, no two pinned members already sharing a host.
    private func antiAffinityContradictions(vmIndex: [String: Int], _ affinity: AffinityGroups, into issues: inout IssueList) {
        // Rules contradict each other whatever the hosts' states (every host counts).
        let usable = hosts.count
        for (index, rule) in rules.enumerated() where rule.kind == .antiAffinity && rule.isHard {
            let members = rule.vms.map { vmIndex[$0]! }
            var byGroup: [Int: Int] = [:]
            for member in members {
                if let other = byGroup[affinity.root[member]], let affinityRule = affinity.groupRule[member] {
                    issues.add("rules[\(index)]", "contradicts rules[\(affinityRule)] (\(DisplayText.escaped(rules[affinityRule].id))): VMs \(DisplayText.quoted(vms[other].id)) and \(DisplayText.quoted(vms[member].id)) must share a host (affinity) and must not (antiAffinity)")
                    break
                }
                byGroup[affinity.root[member]] = member
            }
            let powered = members.filter { vms[$0].powerState == .on }.count
            if powered > usable {
                issues.add("rules[\(index)]", "needs \(powered) different hosts for its powered-on VMs, but the cluster has only \(usable) hosts")
            }
            // Two pinned VMs of the rule already sharing a host.
            var pinnedAt: [String: Int] = [:]
            for member in members where vms[member].automation == .disabled && vms[member].powerState == .on {
                guard let host = vms[member].host else { continue }
                if let other = pinnedAt[host] {
                    issues.add("rules[\(index)]", "cannot hold: VMs \(DisplayText.quoted(vms[other].id)) and \(DisplayText.quoted(vms[member].id)) both have automation disabled and share host \(DisplayText.quoted(host))")
                }
                pinnedAt[host] = member
            }
        }
    }

    /// Each affinity group: a common allowed host that holds the whole group, pinned members agree.
    /// O(members x R) per group, plus its candidate hosts: the pinned host, the smallest
    /// finite allowed set of a member, or every host until the first that holds the group
    /// (none when no host's limits could).
    private func affinityGroupContradictions(_ affinity: AffinityGroups, _ restrictions: HostRestrictions, hostIndex: [String: Int], into issues: inout IssueList) {
        let hostLimits = hosts.map { limits(of: $0) }
        let fitCounter = HostFitCounter(hostLimits)
        var groups: [Int: [Int]] = [:]
        for v in vms.indices where affinity.groupRule[v] != nil && vms[v].powerState == .on { groups[affinity.root[v], default: []].append(v) }
        for (_, members) in groups.sorted(by: { $0.key < $1.key }) where members.count > 1 {
            let ruleIndex = affinity.groupRule[members[0]]!
            var total = [Int64](repeating: 0, count: resources.count)
            for member in members {
                for (r, amount) in demands(of: vms[member]).enumerated() { total[r] = Units.sum(total[r], amount) }
            }
            let pinnedHosts = Set(members.compactMap { vms[$0].automation == .disabled ? vms[$0].host : nil })
            if pinnedHosts.count > 1 {
                issues.add("rules[\(ruleIndex)]", "cannot hold: its VMs with automation disabled sit on different hosts (\(Snapshot.shortList(pinnedHosts.sorted().map { DisplayText.quoted($0) })))")
                continue
            }
            let pinned = pinnedHosts.first.map { hostIndex[$0]! }
            let bounded = members.compactMap { restrictions.only($0) }.min { $0.count < $1.count }
            let candidates = pinned.map { [$0] } ?? bounded.map { $0.sorted() }
            // With every host a candidate, a total no host could hold needs no scan for a fit.
            let fitsSomeHost = candidates != nil || fitCounter.fittingHosts(total, upTo: 1) > 0
            var anyHost = false
            var anyFit = false
            /// Whether the scan may stop at host `h`.
            func settles(_ h: Int) -> Bool {
                guard members.allSatisfy({ restrictions.allowed($0, h) }) else { return false }
                anyHost = true
                if !fitsSomeHost { return true }
                anyFit = zip(total, hostLimits[h]).allSatisfy { $0 <= $1 }
                return anyFit
            }
            if let candidates {
                for h in candidates where settles(h) { break }
            } else {
                for h in hosts.indices where settles(h) { break }
            }
            if !anyHost {
                issues.add("rules[\(ruleIndex)]", "contradicts the vmHost rules of its VMs: no host is allowed for all of \(Snapshot.shortList(members.map { DisplayText.quoted(vms[$0].id) }))")
            } else if !anyFit {
                issues.add("rules[\(ruleIndex)]", "cannot hold: the affinity group \(Snapshot.shortList(members.map { DisplayText.quoted(vms[$0].id) })) together fits no allowed host")
            }
        }
    }
}
