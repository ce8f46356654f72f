/// Allowed hosts per VM from hard must / mustNot rules, and which rules shaped them. Only VMs
/// named by hard vmHost rules have a restricted host set.
private struct HostRestrictions {
    var restricted: [Int: [Bool]] = [:]
    var shapedBy: [Int: [Int]] = [:]

    func allowed(_ v: Int, _ h: Int) -> Bool { restricted[v]?[h] ?? true }
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
        affinityGroupContradictions(affinity, restrictions, into: &issues)
        // Pinned VMs sitting where a hard vmHost rule forbids.
        for v in restrictions.shapedBy.keys.sorted() where vms[v].automation == .disabled && vms[v].powerState == .on {
            if let host = vms[v].host, let h = hostIndex[host], !restrictions.allowed(v, h) {
                issues.add("rules[\(restrictions.shapedBy[v]!.last!)]", "cannot hold: VM \(DisplayText.quoted(vms[v].id)) has automation disabled and sits on host \(DisplayText.quoted(host)), which the rule forbids")
            }
        }
    }

    /// The allowed hosts of each VM named by hard vmHost rules; reports VMs left no allowed
    /// host.
    private func hostRestrictions(vmIndex: [String: Int], hostIndex: [String: Int], into issues: inout IssueList) -> HostRestrictions {
        let hostCount = hosts.count
        var restrictions = HostRestrictions()
        for (index, rule) in rules.enumerated() where rule.kind == .vmHost && rule.isHard {
            var listed = [Bool](repeating: false, count: hostCount)
            for host in rule.hosts ?? [] { listed[hostIndex[host]!] = true }
            for vm in rule.vms {
                let v = vmIndex[vm]!
                restrictions.shapedBy[v, default: []].append(index)
                var mask = restrictions.restricted[v] ?? [Bool](repeating: true, count: hostCount)
                for h in 0..<hostCount { mask[h] = mask[h] && (rule.policy == .must ? listed[h] : !listed[h]) }
                restrictions.restricted[v] = mask
            }
        }
        for v in restrictions.shapedBy.keys.sorted() where !restrictions.restricted[v]!.contains(true) {
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
    private func affinityGroupContradictions(_ affinity: AffinityGroups, _ restrictions: HostRestrictions, into issues: inout IssueList) {
        let hostLimits = hosts.map { limits(of: $0) }
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
            var anyHost = false
            var anyFit = false
            for (h, host) in hosts.enumerated() where members.allSatisfy({ restrictions.allowed($0, h) }) {
                if let pinned = pinnedHosts.first, pinned != host.id { continue }
                anyHost = true
                if zip(total, hostLimits[h]).allSatisfy({ $0 <= $1 }) { anyFit = true; break }
            }
            if !anyHost {
                issues.add("rules[\(ruleIndex)]", "contradicts the vmHost rules of its VMs: no host is allowed for all of \(Snapshot.shortList(members.map { DisplayText.quoted(vms[$0].id) }))")
            } else if !anyFit {
                issues.add("rules[\(ruleIndex)]", "cannot hold: the affinity group \(Snapshot.shortList(members.map { DisplayText.quoted(vms[$0].id) })) together fits no allowed host")
            }
        }
    }
}
