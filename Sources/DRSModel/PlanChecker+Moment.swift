extension PlanChecker.Replay {
    /// Checks capacity, host states, rules and FT separation for one moment: during a wave,
    /// only what the wave's moves can change (hosts they arrive on, their rules, their FT
    /// pairs), since everything else is as in the settled state already checked (`whole`
    /// false); the final state is checked whole. `tolerant` accepts what the snapshot already
    /// had as long as it is no worse.
    mutating func checkMoment(_ moment: Moment, wave: Int?, whole: Bool, tolerant: Bool) {
        checkCapacity(moment, wave: wave, whole: whole, tolerant: tolerant)
        // Host states: arrivals were checked step by step; in the final state every VM runs
        // on a connected host.
        if whole { checkHostStates(wave: wave, tolerant: tolerant) }
        checkFTSeparation(moment, wave: wave, whole: whole)
        // Hard rules: all of them at the end, those of moving VMs during a wave.
        let ruleIndices: [Int] = whole ? snapshot.rules.indices.filter { snapshot.rules[$0].isHard }
            : Array(Set(moment.primary.keys.flatMap { hardRulesOf[$0] })).sorted()
        for index in ruleIndices {
            let rule = snapshot.rules[index]
            let members = rule.vms.compactMap { vmIndex[$0] }
            let running = members.filter { primaryHosts($0, moment) != nil }
            switch rule.kind {
            case .antiAffinity:
                checkAntiAffinity(index, members: members, running: running, moment, wave: wave, tolerant: tolerant)
            case .affinity:
                checkAffinity(index, members: members, running: running, moment, wave: wave, tolerant: tolerant)
            case .vmHost:
                checkVMHost(index, running: running, moment, wave: wave, tolerant: tolerant)
            }
        }
    }

    /// Capacity: the settled load plus what arrives (sources still count), on every host
    /// (`whole`) or on the hosts VMs arrive on.
    mutating func checkCapacity(_ moment: Moment, wave: Int?, whole: Bool, tolerant: Bool) {
        let resources = snapshot.resources
        // What arrives per host (`arrivals[h * R + r]`, zero again once checked), and the hosts
        // anything arrives on: O(moves x R) per moment, the table allocated once.
        if arrivals.isEmpty {
            arrivals = [Int64](repeating: 0, count: snapshot.hosts.count * R)
            arrived = [Bool](repeating: false, count: snapshot.hosts.count)
        }
        var arrivedOn: [Int32] = []
        for (v, hosts) in moment.primary { arrive(v, on: hosts.last!, &arrivedOn) }
        for (v, hosts) in moment.secondary { arrive(v, on: hosts.last!, &arrivedOn) }
        defer {
            for h in arrivedOn.map(Int.init) {
                arrived[h] = false
                for r in 0..<R { arrivals[h * R + r] = 0 }
            }
        }
        let hostsToCheck: [Int32] = whole ? snapshot.hosts.indices.map { Int32($0) } : arrivedOn.sorted()
        for h in hostsToCheck {
            for r in 0..<R {
                let amount = Units.sum(load[Int(h) * R + r], arrivals[Int(h) * R + r])
                let limit = limits[Int(h) * R + r]
                guard amount > limit else { continue }
                let message = "host \(hostName(h)) over capacity in \(resources[r]): \(number(amount)) > limit \(number(limit)) (holds \(residentNames(of: h, moment)))"
                if tolerant && amount <= initialLoad[Int(h) * R + r] { keep(wave, message); continue }
                fail(wave, message)
            }
        }
    }

    /// Adds VM v's demand to what arrives on host h (for `checkCapacity`).
    mutating func arrive(_ v: Int, on h: Int32, _ arrivedOn: inout [Int32]) {
        let h = Int(h)
        if !arrived[h] { arrived[h] = true; arrivedOn.append(Int32(h)) }
        for r in 0..<R { arrivals[h * R + r] = Units.sum(arrivals[h * R + r], demands[v * R + r]) }
    }

    /// Every VM and secondary runs on a connected host in the settled state. A primary may
    /// stay on such a host only in a subset of a plan; an FT secondary that stays where it was
    /// is tolerated (there is no step that removes a secondary).
    mutating func checkHostStates(wave: Int?, tolerant: Bool) {
        for v in snapshot.vms.indices {
            // A VM stays on an isolated host (isolationResponse leaveOn): nothing can move it.
            let primaryKept = primary[v] == basePrimary[v]
                && ((tolerant && standard == .subset) || (primary[v] >= 0 && state[Int(primary[v])] == .isolated))
            if !primaryKept && primary[v] >= 0 && state[Int(primary[v])] != .connected {
                fail(wave, "VM \(vmName(v)) is on host \(hostName(primary[v])), which is \(state[Int(primary[v])].rawValue)")
            }
            if secondary[v] >= 0 && state[Int(secondary[v])] != .connected {
                let message = "the secondary of \(vmName(v)) is on host \(hostName(secondary[v])), which is \(state[Int(secondary[v])].rawValue)"
                if tolerant && secondary[v] == initialSecondary[v] { keep(wave, message) } else { fail(wave, message) }
            }
        }
    }

    /// FT separation: no host holds both a VM's primary and its secondary, for every FT VM
    /// (`whole`) or for those that move.
    mutating func checkFTSeparation(_ moment: Moment, wave: Int?, whole: Bool) {
        let ftToCheck: [Int] = whole ? snapshot.vms.indices.filter { secondary[$0] >= 0 } : Array(Set(moment.primary.keys).union(moment.secondary.keys))
        for v in ftToCheck {
            guard let secondaryAt = secondaryHosts(v, moment), let primaryAt = primaryHosts(v, moment) else { continue }
            if let shared = secondaryAt.first(where: { primaryAt.contains($0) }) {
                fail(wave, "FT primary and secondary of \(vmName(v)) are both on host \(hostName(shared))")
            }
        }
    }

    /// A required anti-affinity rule (`rules[index]`): no two running members share a host,
    /// or (tolerated) no more share one than at the start.
    mutating func checkAntiAffinity(_ index: Int, members: [Int], running: [Int], _ moment: Moment, wave: Int?, tolerant: Bool) {
        let rule = snapshot.rules[index]
        var byHost: [Int32: [Int]] = [:]
        for v in running { for h in primaryHosts(v, moment)! { byHost[h, default: []].append(v) } }
        for (h, vms) in byHost.sorted(by: { $0.key < $1.key }) where vms.count > 1 {
            let before = members.filter { basePrimary[$0] == h }.count
            let message = "anti-affinity rule \(rule.id) (rules[\(index)]) broken: \(vms.map(vmName).sorted().joined(separator: ", ")) together on host \(hostName(h))"
            if tolerant && vms.count <= before { keep(wave, message); continue }
            fail(wave, message)
        }
    }

    /// A required affinity rule (`rules[index]`): the running members share a host, or
    /// (tolerated) they were already apart at the start.
    mutating func checkAffinity(_ index: Int, members: [Int], running: [Int], _ moment: Moment, wave: Int?, tolerant: Bool) {
        let rule = snapshot.rules[index]
        guard running.count > 1 else { return }
        var common = Set(primaryHosts(running[0], moment)!)
        for v in running.dropFirst() { common.formIntersection(primaryHosts(v, moment)!) }
        if common.isEmpty {
            let initiallyRunning = members.map { basePrimary[$0] }.filter { $0 >= 0 }
            let where_ = running.map { "\(vmName($0)) on \(primaryHosts($0, moment)!.map(hostName).joined(separator: "+"))" }.joined(separator: ", ")
            let message = "affinity rule \(rule.id) (rules[\(index)]) broken: \(where_)"
            if tolerant && Set(initiallyRunning).count > 1 { keep(wave, message); return }
            fail(wave, message)
        }
    }

    /// A must or mustNot rule (`rules[index]`): every running member is on a host the rule
    /// allows.
    mutating func checkVMHost(_ index: Int, running: [Int], _ moment: Moment, wave: Int?, tolerant: Bool) {
        let rule = snapshot.rules[index]
        let listed = Set((rule.hosts ?? []).compactMap { hostIndex[$0] }.map { Int32($0) })
        for v in running {
            for h in primaryHosts(v, moment)! where (rule.policy == .must) != listed.contains(h) {
                // Kept where it started; or, during the waves, a stop of a VM that
                // broke this rule from the start (any host breaks it no worse).
                let message = "\(rule.policy!.rawValue) rule \(rule.id) (rules[\(index)]) broken: \(vmName(v)) on host \(hostName(h))"
                if tolerant && (basePrimary[v] == h || (wave != nil && brokenAtStart[index]?.contains(v) == true)) { keep(wave, message); continue }
                fail(wave, message)
            }
        }
    }
}
