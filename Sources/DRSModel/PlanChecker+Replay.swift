extension PlanChecker.Replay {
    /// What the VM steps of a wave do: where the moving VMs are during it (`moment`), how many
    /// live migrations each host takes part in, which VMs (and secondaries: `v * 2 + 1`) have
    /// a step already, and the hosts VMs move onto.
    struct WaveMoves {
        var moment = Moment()
        var migrationsPerHost: [Int: Int] = [:]
        var touched = Set<Int>()
        var arriving = Set<Int>()
    }

    /// Replays one wave: host steps and promotions at its start, then the VM steps (checked
    /// one by one and together, as a moment), then everything lands and the standby steps take
    /// their hosts out; admission control is checked when hosts changed.
    mutating func replayWave(_ wave: Int, _ steps: [Step]) {
        let maxConcurrent = snapshot.cluster.migration.maxConcurrentPerHost
        // Host steps and promotions take effect at the start of the wave.
        let goingToStandby = applyHostSteps(wave, steps)

        var moves = WaveMoves()
        for step in steps where [.place, .restart, .migrate].contains(step.kind) {
            recordMove(step, wave, into: &moves)
        }
        for (h, count) in moves.migrationsPerHost where count > maxConcurrent {
            fail(wave, "host \(hostName(Int32(h))) takes part in \(count) live migrations at once, more than maxConcurrentPerHost \(maxConcurrent)")
        }
        checkMoment(moves.moment, wave: wave, whole: false, tolerant: true)

        // End of the wave: everything lands.
        for (v, hosts) in moves.moment.primary { primary[v] = hosts.last!; settle(v, hosts) }
        for (v, hosts) in moves.moment.secondary { secondary[v] = hosts.last!; settle(v, hosts) }
        enterStandby(goingToStandby, wave: wave, arriving: moves.arriving)
        let hostSteps = steps.filter { $0.kind == .standby || $0.kind == .powerOn }.compactMap(\.host)
        if !hostSteps.isEmpty {
            checkAdmission(wave: wave, when: "after the power steps of \(hostSteps.sorted().joined(separator: ", "))", strict: false)
        }
    }

    /// Applies the wave's powerOn, elect and promote steps in order and returns the hosts of
    /// its standby steps, which leave once the wave has landed.
    mutating func applyHostSteps(_ wave: Int, _ steps: [Step]) -> [Int] {
        var goingToStandby: [Int] = []
        for step in steps {
            switch step.kind {
            case .powerOn:
                powerOn(step, wave)
            case .standby:
                guard let h = step.host.flatMap({ hostIndex[$0] }) else { fail(wave, "standby names unknown host \(step.host ?? "(none)")"); continue }
                goingToStandby.append(h)
            case .elect:
                elect(step, wave)
            case .promote:
                promote(step, wave)
            default: break
            }
        }
        return goingToStandby
    }

    /// A powerOn step: a standby host becomes connected.
    mutating func powerOn(_ step: Step, _ wave: Int) {
        guard let h = step.host.flatMap({ hostIndex[$0] }) else { fail(wave, "powerOn names unknown host \(step.host ?? "(none)")"); return }
        if state[h] != .standby { fail(wave, "powerOn of host \(step.host!), which is \(state[h].rawValue), not standby") }
        state[h] = .connected
    }

    /// An elect step: a connected host becomes the HA master.
    mutating func elect(_ step: Step, _ wave: Int) {
        guard let h = step.host.flatMap({ hostIndex[$0] }) else { fail(wave, "elect names unknown host \(step.host ?? "(none)")"); return }
        if state[h] != .connected { fail(wave, "elect makes \(step.host!) HA master, but it is \(state[h].rawValue)") }
        if electPartitionMaster(step, wave, h) { return }
        master = step.host
    }

    /// A promote step: an FT VM whose primary is gone runs on as its secondary.
    mutating func promote(_ step: Step, _ wave: Int) {
        guard let v = step.vm.flatMap({ vmIndex[$0] }) else { fail(wave, "promote names unknown VM \(step.vm ?? "(none)")"); return }
        let vm = step.vm!
        guard snapshot.vms[v].ft != nil else { fail(wave, "promote of \(vm), which has no FT secondary"); return }
        if primary[v] >= 0 { fail(wave, "promote of \(vm), whose primary is still running on \(hostName(primary[v]))") }
        guard secondary[v] >= 0 else { fail(wave, "promote of \(vm), which has no running secondary"); return }
        if let to = step.to, to != hostName(secondary[v]) { fail(wave, "promote of \(vm) to \(to), but its secondary runs on \(hostName(secondary[v]))") }
        primary[v] = secondary[v]
        secondary[v] = -1
    }

    /// A place, restart or migrate step: checks it against the settled state and records where
    /// the VM (or its secondary) is during the wave: source and destination while migrating,
    /// the destination alone when placed or restarted.
    mutating func recordMove(_ step: Step, _ wave: Int, into moves: inout WaveMoves) {
        guard let v = step.vm.flatMap({ vmIndex[$0] }) else {
            fail(wave, "\(step.kind.rawValue) names unknown VM \(step.vm ?? "(none)")")
            return
        }
        // The VM's fields are read in place (not the whole VM copied), its names only for messages.
        var vm: String { snapshot.vms[v].id }
        let isSecondary = step.secondary == true
        var label: String { isSecondary ? "\(vm)'s secondary" : vm }
        if step.cold == true {
            recordColdMove(step, wave, v, into: &moves)
            return
        }
        if snapshot.vms[v].powerState == .off { fail(wave, "\(step.kind.rawValue) of \(vm), which is powered off (a cold migration says \"cold\": true)") }
        if isSecondary && snapshot.vms[v].ft == nil { fail(wave, "\(step.kind.rawValue) of a secondary for \(vm), which is not FT-protected") }
        if !moves.touched.insert(v * 2 + (isSecondary ? 1 : 0)).inserted { fail(wave, "\(label) has more than one step in this wave") }
        guard let to = step.to.flatMap({ hostIndex[$0] }) else { fail(wave, "\(step.kind.rawValue) of \(label) to unknown host \(step.to ?? "(none)")"); return }
        if state[to] != .connected { fail(wave, "\(step.kind.rawValue) of \(label) to host \(step.to!), which is \(state[to].rawValue)") }
        moves.arriving.insert(to)
        let current = isSecondary ? secondary[v] : primary[v]
        let destination = Int32(to)
        let hosts: [Int32]
        switch step.kind {
        case .restart where !isSecondary && snapshot.vms[v].state == .guestFailed && current >= 0:
            guard let moved = guestRestart(step, wave, v, from: current, to: destination) else { return }
            hosts = moved
        case .migrate:
            guard current >= 0 else { fail(wave, "migrate of \(label), which is not running"); return }
            if step.from != hostName(current) { fail(wave, "migrate of \(label) from \(step.from ?? "(none)"), but it runs on \(hostName(current))") }
            if current == destination { fail(wave, "migrate of \(label) from \(hostName(current)) to the same host") }
            if !isSecondary && snapshot.vms[v].automation == .disabled { fail(wave, "migrate of \(vm), whose automation is disabled") }
            if !isSecondary && state[Int(current)] == .isolated {
                fail(wave, "migrate of \(vm) from \(hostName(current)), which is isolated: its VMs stay (isolationResponse leaveOn)")
            }
            moves.migrationsPerHost[Int(current), default: 0] += 1
            moves.migrationsPerHost[to, default: 0] += 1
            hosts = [current, destination]
        case .restart:
            if current >= 0 {
                let isolated = state[Int(current)] == .isolated ? " (its host is isolated and the isolation response is leaveOn: its VMs keep running)" : ""
                fail(wave, "restart of \(label), which is already running on \(hostName(current))\(isolated)")
            }
            if !isSecondary, let original = snapshot.vms[v].host.flatMap({ hostIndex[$0] }), initialState[original] != .failed {
                fail(wave, "restart of \(vm), whose host \(snapshot.vms[v].host!) has not failed")
            }
            checkHAOn(step, wave, v, to: to)
            hosts = [destination]
        default:
            if current >= 0 { fail(wave, "place of \(label), which is already running on \(hostName(current))") }
            if !isSecondary, let original = snapshot.vms[v].host.flatMap({ hostIndex[$0] }), initialState[original] != .failed {
                fail(wave, "place of \(vm), which already has host \(snapshot.vms[v].host!) (use migrate)")
            }
            checkHAOn(step, wave, v, to: to)
            hosts = [destination]
        }
        if isSecondary { checkSecondaryStorage(step, wave, v, to: to) } else { checkStorage(step, wave, v, to: to) }
        if isSecondary { moves.moment.secondary[v] = hosts } else { moves.moment.primary[v] = hosts }
    }

    /// Storage for an FT secondary: it goes only to a host that sees all the VM's datastores
    /// (it becomes the primary there on a failover), and it never copies disks. O(datastores).
    mutating func checkSecondaryStorage(_ step: Step, _ wave: Int, _ v: Int, to h: Int) {
        let subject = "\(step.kind.rawValue) of \(vmName(v))'s secondary"
        if let datastore = step.datastore { fail(wave, "\(subject) names datastore \(datastore), but a secondary never copies disks") }
        guard let disks = disksOf[v], let missing = disks.first(where: { !hostSees[h].contains($0) }) else { return }
        fail(wave, "\(subject) to \(hostName(Int32(h))), which does not see datastore \(missing): a secondary runs only where the VM's disks are (it becomes the primary there)")
    }

    /// Storage: a VM goes only to a host that sees all its datastores, unless the step is a
    /// shared-nothing live migration (`cluster.migration.sharedNothing`) naming a datastore of
    /// that host, where its disks are from then on. HA restarts and placements never copy.
    mutating func checkStorage(_ step: Step, _ wave: Int, _ v: Int, to h: Int) {
        guard let disks = disksOf[v] else {
            if let datastore = step.datastore { fail(wave, "\(step.kind.rawValue) of \(vmName(v)) names datastore \(datastore), but the VM names no datastores to copy") }
            return
        }
        let host = hostName(Int32(h))
        guard let missing = disks.first(where: { !hostSees[h].contains($0) }) else {
            if step.datastore != nil { fail(wave, "\(step.kind.rawValue) of \(vmName(v)) names datastore \(step.datastore!), but \(host) sees its disks: nothing to copy") }
            return
        }
        let prefix = "\(step.kind.rawValue) of \(vmName(v)) to \(host), which does not see datastore \(missing)"
        guard step.kind == .migrate else {
            fail(wave, prefix + (step.kind == .restart ? ": HA restarts never copy disks" : ": a VM is placed only where its disks are"))
            return
        }
        if snapshot.vms[v].ft != nil {
            fail(wave, prefix + ": an FT-protected VM does not copy its disks (its secondary runs where they are)")
            return
        }
        guard snapshot.cluster.migration.sharedNothing == true else {
            fail(wave, prefix + ": copying the disks (a shared-nothing migration) needs cluster.migration.sharedNothing")
            return
        }
        guard let target = step.datastore, hostSees[h].contains(target) else {
            fail(wave, prefix + ": a shared-nothing migration names a datastore of \(host) in datastore, got \(step.datastore ?? "none")")
            return
        }
        disksOf[v] = [target]
    }

    /// A restart of a VM whose guest failed (`vms[].state`) while it runs on `from`: on the
    /// same host it moves nothing (nil); elsewhere only when that host is not connected (a
    /// failed guest restarts where it runs), and the VM then counts on both hosts during the
    /// wave. Once per VM, and never with HA off.
    mutating func guestRestart(_ step: Step, _ wave: Int, _ v: Int, from: Int32, to: Int32) -> [Int32]? {
        let vm = vmName(v)
        if snapshot.cluster.ha?.enabled == false {
            fail(wave, "restart of \(vm), whose guest failed, but HA is disabled (cluster.ha.enabled is false): nothing restarts it")
        }
        if snapshot.vms[v].effectiveRestartPriority == .disabled {
            fail(wave, "restart of \(vm), whose restartPriority is disabled: HA never restarts it")
        }
        if !guestRestarted.insert(v).inserted { fail(wave, "restart of \(vm), whose failed guest was already restarted") }
        if step.from != hostName(from) { fail(wave, "restart of \(vm) from \(step.from ?? "(none)"), but it runs on \(hostName(from))") }
        if state[Int(from)] == .isolated { fail(wave, "restart of \(vm) on \(hostName(from)), which is isolated: no HA master reaches it") }
        guard to != from else { return nil }
        checkRestartPartition(step, wave, v, to: Int(to))
        if state[Int(from)] == .connected {
            fail(wave, "restart of \(vm) on \(hostName(to)): a failed guest restarts on its own host \(hostName(from)) while that host is connected")
        }
        return [from, to]
    }

    /// With HA off (`cluster.ha.enabled: false`) nothing brings back a VM whose host failed, and
    /// HA never restarts a VM whose `restartPriority` is `disabled`.
    mutating func checkHAOn(_ step: Step, _ wave: Int, _ v: Int, to: Int) {
        // The VM's fields read in place: most placements are of new VMs, which return at once.
        var machine: VirtualMachine { snapshot.vms[v] }
        guard step.secondary != true, let original = machine.host.flatMap({ hostIndex[$0] }),
              initialState[original] == .failed else { return }
        checkRestartPartition(step, wave, v, to: to)
        if snapshot.cluster.ha?.enabled == false {
            fail(wave, "\(step.kind.rawValue) of \(machine.id), whose host \(machine.host!) failed, but HA is disabled (cluster.ha.enabled is false): nothing restarts it")
        } else if (machine.restartPriority ?? RestartPriority(machine.priority)) == .disabled {
            fail(wave, "\(step.kind.rawValue) of \(machine.id), whose host \(machine.host!) failed, but its restartPriority is disabled: HA never restarts it")
        }
    }

    /// Puts the hosts of the wave's standby steps into standby once the wave has landed,
    /// reporting those that still hold a VM or that VMs moved onto during the wave.
    mutating func enterStandby(_ goingToStandby: [Int], wave: Int, arriving: Set<Int>) {
        // Hosts that still hold a VM once the wave has landed: O(V) once, names only for those.
        var occupied = Set<Int32>()
        if !goingToStandby.isEmpty {
            for v in snapshot.vms.indices {
                if primary[v] >= 0 { occupied.insert(primary[v]) }
                if secondary[v] >= 0 { occupied.insert(secondary[v]) }
            }
        }
        for h in goingToStandby {
            let residents = occupied.contains(Int32(h)) ? residentNames(of: Int32(h), Moment()) : ""
            if !residents.isEmpty {
                fail(wave, "standby of host \(hostName(Int32(h))), which still runs \(residents)")
            }
            if arriving.contains(h) { fail(wave, "standby of host \(hostName(Int32(h))) while VMs move onto it") }
            state[h] = .standby
        }
    }
}
