/// Integer arithmetic for fits-or-not decisions: every solver, the MIP and the checker compare
/// quantities in milli-units, so they always agree.
public enum Units {
    /// Milli-units per snapshot unit.
    public static let scale: Double = 1000

    /// A demand in milli-units, rounded to the nearest.
    @inlinable
    public static func demand(_ value: Double) -> Int64 { Int64((value * scale).rounded()) }

    /// The placeable limit of a capacity under a utilization cap, rounded down (with a tolerance
    /// of 10^-3 milli-units for binary noise such as 40000 x 0.9).
    @inlinable
    public static func limit(capacity: Double, maxUtilization: Double) -> Int64 {
        Int64((capacity * maxUtilization * scale + 1e-3).rounded(.down))
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

    /// Checks references, duplicates, VMs that fit no host and contradictory hard rules; the
    /// structural checks have already passed.
    func semanticIssues() -> [InputIssue] {
        var issues: [InputIssue] = []
        func fail(_ path: String, _ message: String) { issues.append(InputIssue(path: path, message: message)) }

        var hostIndex: [String: Int] = [:]
        for (index, host) in hosts.enumerated() {
            if let first = hostIndex[host.id] {
                fail("hosts[\(index)].id", "duplicate host id \"\(host.id)\" (first at hosts[\(first)])")
            } else {
                hostIndex[host.id] = index
            }
        }
        let hostIds = hosts.map(\.id)
        func unknownHost(_ path: String, _ id: String) {
            let hint = nearest(id, among: hostIds).map { "; did you mean \"\($0)\"?" } ?? ""
            fail(path, "unknown host \"\(id)\"\(hint)")
        }
        var vmIndex: [String: Int] = [:]
        for (index, vm) in vms.enumerated() {
            if let first = vmIndex[vm.id] {
                fail("vms[\(index)].id", "duplicate VM id \"\(vm.id)\" (first at vms[\(first)])")
            } else {
                vmIndex[vm.id] = index
            }
            if let host = vm.host, hostIndex[host] == nil { unknownHost("vms[\(index)].host", host) }
            if let secondary = vm.ft?.secondaryHost {
                if hostIndex[secondary] == nil {
                    unknownHost("vms[\(index)].ft.secondaryHost", secondary)
                } else if secondary == vm.host {
                    fail("vms[\(index)].ft.secondaryHost", "must differ from the primary's host \"\(secondary)\": FT primary and secondary never share a host")
                }
            }
        }
        if let master = cluster.ha?.master, hostIndex[master] == nil { unknownHost("cluster.ha.master", master) }
        if let ha = cluster.ha, ha.enabled, ha.hostFailuresToTolerate > 0 {
            let usable = hosts.filter { $0.state != .failed }.count
            if ha.hostFailuresToTolerate >= usable {
                fail("cluster.ha.hostFailuresToTolerate", "must be less than the number of hosts that are not failed (\(usable)), got \(ha.hostFailuresToTolerate)")
            }
        }
        let vmIds = vms.map(\.id)
        var ruleIndex: [String: Int] = [:]
        for (index, rule) in rules.enumerated() {
            if let first = ruleIndex[rule.id] {
                fail("rules[\(index)].id", "duplicate rule id \"\(rule.id)\" (first at rules[\(first)])")
            } else {
                ruleIndex[rule.id] = index
            }
            var seen = Set<String>()
            for (position, vm) in rule.vms.enumerated() {
                if vmIndex[vm] == nil {
                    let hint = nearest(vm, among: vmIds).map { "; did you mean \"\($0)\"?" } ?? ""
                    fail("rules[\(index)].vms[\(position)]", "unknown VM \"\(vm)\"\(hint)")
                }
                if !seen.insert(vm).inserted { fail("rules[\(index)].vms[\(position)]", "VM \"\(vm)\" is listed twice") }
            }
            for (position, host) in (rule.hosts ?? []).enumerated() where hostIndex[host] == nil {
                unknownHost("rules[\(index)].hosts[\(position)]", host)
            }
        }
        if !issues.isEmpty { return issues }

        // A VM that fits no host at all (capacity alone, any host state but failed). A VM fits
        // some host exactly when it fits one of the non-dominated limit vectors (the skyline),
        // so each VM is compared with the skyline only: O(V x skyline + H x distinct shapes).
        // An FT VM needs two hosts: those few are counted against every host.
        let candidateLimits = hosts.filter { $0.state != .failed }.map { self.limits(of: $0) }
        let skyline = Snapshot.skyline(candidateLimits)
        func fits(_ demand: [Int64], _ limit: [Int64]) -> Bool {
            for r in demand.indices where demand[r] > limit[r] { return false }
            return true
        }
        for (index, vm) in vms.enumerated() where vm.powerState == .on {
            let demand = demands(of: vm)
            let needed = vm.ft == nil ? 1 : 2
            let fitsSomewhere = skyline.contains { fits(demand, $0) }
            let fitting = needed == 1 ? (fitsSomewhere ? 1 : 0) : candidateLimits.lazy.filter { fits(demand, $0) }.count
            guard fitting < needed else { continue }
            var worst = ""
            for (r, resource) in resources.enumerated() {
                let largest = candidateLimits.map { $0[r] }.max() ?? 0
                if demand[r] > largest {
                    worst = ": needs \(resource) \(JSONWriter.number(vm.demand[resource] ?? 0)) but the largest placeable \(resource) is \(JSONWriter.number(Double(largest) / Units.scale))"
                    break
                }
            }
            if needed == 2 && fitting == 1 && worst.isEmpty {
                fail("vms[\(index)].demand", "fits only one host, but Fault Tolerance needs two (primary and secondary)")
            } else {
                fail("vms[\(index)].demand", "fits no host at all\(worst)")
            }
        }

        issues.append(contentsOf: contradictions(vmIndex: vmIndex, hostIndex: hostIndex))
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
    private func contradictions(vmIndex: [String: Int], hostIndex: [String: Int]) -> [InputIssue] {
        var issues: [InputIssue] = []
        func fail(_ path: String, _ message: String) { issues.append(InputIssue(path: path, message: message)) }
        let hostCount = hosts.count
        let usable = hosts.filter { $0.state != .failed }.count
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
            let names = shapedBy[v]!.map { "rules[\($0)] (\(rules[$0].id))" }.joined(separator: ", ")
            fail("rules[\(shapedBy[v]!.last!)]", "contradicts itself or \(names): VM \"\(vms[v].id)\" is left no allowed host")
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
                    fail("rules[\(index)]", "contradicts rules[\(affinity)] (\(rules[affinity].id)): VMs \"\(vms[other].id)\" and \"\(vms[member].id)\" must share a host (affinity) and must not (antiAffinity)")
                    break
                }
                byGroup[find(member)] = member
            }
            let powered = members.filter { vms[$0].powerState == .on }.count
            if powered > usable {
                fail("rules[\(index)]", "needs \(powered) different hosts for its powered-on VMs, but only \(usable) hosts are not failed")
            }
            // Two pinned VMs of the rule already sharing a host.
            var pinnedAt: [String: Int] = [:]
            for member in members where vms[member].automation == .disabled && vms[member].powerState == .on {
                guard let host = vms[member].host else { continue }
                if let other = pinnedAt[host] {
                    fail("rules[\(index)]", "cannot hold: VMs \"\(vms[other].id)\" and \"\(vms[member].id)\" both have automation disabled and share host \"\(host)\"")
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
                for (r, amount) in demands(of: vms[member]).enumerated() { total[r] += amount }
            }
            let pinnedHosts = Set(members.compactMap { vms[$0].automation == .disabled ? vms[$0].host : nil })
            if pinnedHosts.count > 1 {
                fail("rules[\(ruleIndex)]", "cannot hold: its VMs with automation disabled sit on different hosts (\(pinnedHosts.sorted().joined(separator: ", ")))")
                continue
            }
            var anyHost = false
            var anyFit = false
            for (h, host) in hosts.enumerated() where host.state != .failed && members.allSatisfy({ allowed($0, h) }) {
                if let pinned = pinnedHosts.first, pinned != host.id { continue }
                anyHost = true
                if zip(total, hostLimits[h]).allSatisfy({ $0 <= $1 }) { anyFit = true; break }
            }
            if !anyHost {
                fail("rules[\(ruleIndex)]", "contradicts the vmHost rules of its VMs: no host is allowed for all of \(members.map { "\"\(vms[$0].id)\"" }.joined(separator: ", "))")
            } else if !anyFit {
                fail("rules[\(ruleIndex)]", "cannot hold: the affinity group \(members.map { "\"\(vms[$0].id)\"" }.joined(separator: ", ")) together fits no allowed host")
            }
        }
        // Pinned VMs sitting where a hard vmHost rule forbids.
        for v in shapedBy.keys.sorted() where vms[v].automation == .disabled && vms[v].powerState == .on {
            if let host = vms[v].host, let h = hostIndex[host], !allowed(v, h) {
                fail("rules[\(shapedBy[v]!.last!)]", "cannot hold: VM \"\(vms[v].id)\" has automation disabled and sits on host \"\(host)\", which the rule forbids")
            }
        }
        return issues
    }
}
