extension Problem {
    /// Each VM's demand, migration estimate and where it starts once the HA events are
    /// applied (see `vmStart`), VM-indexed like the snapshot.
    struct VMStart {
        var demand: [Int64]
        var initial: [Int32]
        var secondary: [Int32]
        var needsRestart: [Bool]
        var promoted: [Bool]
        var guestRestart: [Bool]
        var migration: [MigrationEstimate]
    }

    /// Placeable limits (milli-units) and raw capacities of the hosts, resource-major.
    static func hostLimits(_ snapshot: Snapshot) -> (limit: [Int64], capacity: [Double]) {
        let hostCount = snapshot.hosts.count
        var hostLimit = [Int64](repeating: 0, count: snapshot.resources.count * hostCount)
        var hostCapacity = [Double](repeating: 0, count: snapshot.resources.count * hostCount)
        for (h, host) in snapshot.hosts.enumerated() {
            for (r, resource) in snapshot.resources.enumerated() {
                let capacity = host.capacity[resource] ?? 0
                hostCapacity[r * hostCount + h] = capacity
                hostLimit[r * hostCount + h] = Units.limit(capacity: capacity, maxUtilization: snapshot.maxUtilization(of: resource))
            }
        }
        return (hostLimit, hostCapacity)
    }

    /// Demands, migration estimates and starting hosts: a VM whose host failed needs a restart,
    /// or, when it is FT-protected and its secondary survives, runs on as its secondary
    /// (promoted); secondaries on failed hosts are gone. Powered-off VMs keep their host. A VM
    /// whose guest failed restarts where it runs, or needs a restart elsewhere when its host
    /// is entering maintenance (HA on).
    static func vmStart(_ snapshot: Snapshot, hostIndex: [String: Int], states: [HostState]) -> VMStart {
        let resourceCount = snapshot.resources.count
        let vmCount = snapshot.vms.count
        var start = VMStart(demand: [Int64](repeating: 0, count: resourceCount * vmCount),
                            initial: [Int32](repeating: -1, count: vmCount), secondary: [Int32](repeating: -1, count: vmCount),
                            needsRestart: [Bool](repeating: false, count: vmCount), promoted: [Bool](repeating: false, count: vmCount),
                            guestRestart: [Bool](repeating: false, count: vmCount), migration: [])
        start.migration.reserveCapacity(vmCount)
        let bandwidth = snapshot.cluster.migration.bandwidth
        for v in snapshot.vms.indices {
            // Fields read in place: a copy of the VM would retain every one of them.
            var vm: VirtualMachine { snapshot.vms[v] }
            for (r, resource) in snapshot.resources.enumerated() {
                start.demand[v * resourceCount + r] = Units.demand(vm.demand[resource] ?? 0)
            }
            let memory = vm.migration?.memory ?? vm.demand["memory"] ?? 0
            start.migration.append(MigrationModel.estimate(memory: memory, dirtyRate: vm.migration?.dirtyRate ?? 0, bandwidth: bandwidth))
            let host = vm.host.flatMap { hostIndex[$0] }
            let secondaryHost = vm.ft?.secondaryHost.flatMap { hostIndex[$0] }
            let secondaryAlive = secondaryHost.map { states[$0] != .failed } ?? false
            guard vm.powerState == .on else {
                start.initial[v] = Int32(host ?? -1)
                continue
            }
            if let host, states[host] == .failed {
                if vm.ft != nil, secondaryAlive, let secondaryHost {
                    start.initial[v] = Int32(secondaryHost)
                    start.promoted[v] = true
                } else {
                    start.needsRestart[v] = true
                }
            } else if let host {
                // A failed guest restarts on its host (VM monitoring), or, when the host is
                // entering maintenance, on the host the plan picks. HA off, or restart priority
                // disabled: nothing restarts it.
                // An isolated host (`leaveOn`) is out of the master's reach: nothing restarts it.
                let guestFailed = vm.state == .guestFailed && !snapshot.haDisabled && vm.effectiveRestartPriority != .disabled
                    && states[host] != .isolated
                if guestFailed && states[host] == .maintenance {
                    start.needsRestart[v] = true
                } else {
                    start.initial[v] = Int32(host)
                    start.guestRestart[v] = guestFailed
                }
                if secondaryAlive, let secondaryHost { start.secondary[v] = Int32(secondaryHost) }
            } else if secondaryAlive, let secondaryHost {
                start.secondary[v] = Int32(secondaryHost)
            }
        }
        return start
    }

    /// Hard vmHost rules as one bit set per distinct combination: each VM's index into the
    /// sets (-1 when no hard vmHost rule names it), and the sets in order of first use.
    static func allowedHostSets(_ snapshot: Snapshot, hostIndex: [String: Int], vmIndex: [String: Int]) -> ([Int32], [HostBitSet]) {
        let hostCount = snapshot.hosts.count
        var allowedSet = [Int32](repeating: -1, count: snapshot.vms.count)
        var sets: [HostBitSet] = []
        var setIndex: [HostBitSet: Int32] = [:]
        // The hard vmHost rules naming each VM; VMs named by the same rules share one mask,
        // built once (O(rules x H / 64) per distinct list, not per VM).
        var rulesOf: [Int: [Int]] = [:]
        for (index, rule) in snapshot.rules.enumerated() where rule.kind == .vmHost && rule.isHard {
            for vm in rule.vms { if let v = vmIndex[vm] { rulesOf[v, default: []].append(index) } }
        }
        var listIndex: [[Int]: Int32] = [:]
        for (v, list) in rulesOf.sorted(by: { $0.key < $1.key }) {
            if let known = listIndex[list] { allowedSet[v] = known; continue }
            var mask = HostBitSet(count: hostCount, filled: true)
            for index in list {
                let rule = snapshot.rules[index]
                var ruleMask = HostBitSet(count: hostCount, filled: rule.policy == .mustNot)
                for host in rule.hosts ?? [] {
                    guard let h = hostIndex[host] else { continue }
                    if rule.policy == .mustNot { ruleMask.remove(h) } else { ruleMask.insert(h) }
                }
                mask.formIntersection(ruleMask)
            }
            let set: Int32
            if let existing = setIndex[mask] {
                set = existing
            } else {
                set = Int32(sets.count)
                setIndex[mask] = set
                sets.append(mask)
            }
            listIndex[list] = set
            allowedSet[v] = set
        }
        return (allowedSet, sets)
    }

    /// Required affinity groups (union-find over the active members of hard affinity rules,
    /// numbered by their first VM) and required anti-affinity rules with two or more active
    /// members, in rule order.
    static func hardRuleGroups(_ snapshot: Snapshot, vmIndex: [String: Int], active: [Bool])
        -> (vmGroup: [Int32], groups: [[Int32]], antiAffinity: [[Int32]], vmAntiAffinity: [[Int32]]) {
        let vmCount = snapshot.vms.count
        var parent = Array(0..<vmCount)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        var inGroup = [Bool](repeating: false, count: vmCount)
        var anti: [[Int32]] = []
        var vmAnti = [[Int32]](repeating: [], count: vmCount)
        for rule in snapshot.rules where rule.isHard {
            let members = rule.vms.compactMap { vmIndex[$0] }.filter { active[$0] }
            switch rule.kind {
            case .affinity:
                for member in members {
                    inGroup[member] = true
                    let a = find(members[0]), b = find(member)
                    if a != b { parent[b] = a }
                }
            case .antiAffinity:
                if members.count > 1 {
                    for member in members { vmAnti[member].append(Int32(anti.count)) }
                    anti.append(members.map { Int32($0) })
                }
            case .vmHost: break
            }
        }
        var groupOfRoot: [Int: Int32] = [:]
        var groups: [[Int32]] = []
        var vmGroup = [Int32](repeating: -1, count: vmCount)
        for v in 0..<vmCount where inGroup[v] {
            let root = find(v)
            if groupOfRoot[root] == nil {
                groupOfRoot[root] = Int32(groups.count)
                groups.append([])
            }
            let g = groupOfRoot[root]!
            vmGroup[v] = g
            groups[Int(g)].append(Int32(v))
        }
        return (vmGroup, groups, anti, vmAnti)
    }

    /// Soft rules with at least one active member, in rule order, and the soft rules of each VM.
    static func softRuleLists(_ snapshot: Snapshot, hostIndex: [String: Int], vmIndex: [String: Int],
                              active: [Bool]) -> ([SoftRule], [[Int32]]) {
        let hostCount = snapshot.hosts.count
        var soft: [SoftRule] = []
        var vmSoft = [[Int32]](repeating: [], count: snapshot.vms.count)
        for (ruleIndex, rule) in snapshot.rules.enumerated() where !rule.isHard {
            let members = rule.vms.compactMap { vmIndex[$0] }.filter { active[$0] }
            let kind: SoftRule.Kind
            var hosts: HostBitSet?
            switch rule.kind {
            case .affinity: kind = .affinity
            case .antiAffinity: kind = .antiAffinity
            case .vmHost:
                kind = rule.policy == .should ? .should : .shouldNot
                var set = HostBitSet(count: hostCount, filled: false)
                for host in rule.hosts ?? [] { if let h = hostIndex[host] { set.insert(h) } }
                hosts = set
            }
            if members.isEmpty { continue }
            for member in members { vmSoft[member].append(Int32(soft.count)) }
            soft.append(SoftRule(ruleIndex: ruleIndex, kind: kind, vms: members.map { Int32($0) }, hosts: hosts))
        }
        return (soft, vmSoft)
    }
}
