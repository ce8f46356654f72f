extension PlanChecker.Replay {
    /// A cold migration: a powered-off VM (automation not `disabled`) re-registered from the
    /// host it is registered on to a connected host its hard vmHost rules and storage allow. It
    /// uses no capacity anywhere, but counts as a migration on both hosts for
    /// `maxConcurrentPerHost`. O(rules of the VM + its datastores).
    mutating func recordColdMove(_ step: Step, _ wave: Int, _ v: Int, into moves: inout WaveMoves) {
        let machine = snapshot.vms[v]
        let vm = machine.id
        guard step.kind == .migrate, step.secondary != true else { fail(wave, "\(step.kind.rawValue) of \(vm) says cold, but only a migrate of a primary can be cold"); return }
        guard machine.powerState == .off else { fail(wave, "cold migrate of \(vm), which is powered on (live migrations are not cold)"); return }
        if !moves.touched.insert(v * 2).inserted { fail(wave, "\(vm) has more than one step in this wave") }
        if machine.automation == .disabled { fail(wave, "migrate of \(vm), whose automation is disabled") }
        guard let to = step.to.flatMap({ hostIndex[$0] }) else { fail(wave, "cold migrate of \(vm) to unknown host \(step.to ?? "(none)")"); return }
        if state[to] != .connected { fail(wave, "cold migrate of \(vm) to host \(step.to!), which is \(state[to].rawValue)") }
        let from = registeredAt[v]
        if from < 0 || step.from != hostName(from) {
            fail(wave, "cold migrate of \(vm) from \(step.from ?? "(none)"), but it is registered on \(from >= 0 ? hostName(from) : "no host")")
        }
        if Int32(to) == from { fail(wave, "cold migrate of \(vm) from \(hostName(from)) to the same host") }
        if Int32(to) == secondaryRegisteredAt[v] {
            fail(wave, "cold migrate of \(vm) to host \(step.to!), where its FT secondary is registered: primary and secondary never share a host")
        }
        for index in hardRulesOf[v] where snapshot.rules[index].kind == .vmHost {
            let rule = snapshot.rules[index]
            let listed = (rule.hosts ?? []).contains(step.to!)
            if (rule.policy == .must) != listed {
                fail(wave, "\(rule.policy!.rawValue) rule \(rule.id) broken: cold migrate of \(vm) to host \(step.to!)")
            }
        }
        checkStorage(step, wave, v, to: to)
        if from >= 0 { moves.migrationsPerHost[Int(from), default: 0] += 1 }
        moves.migrationsPerHost[to, default: 0] += 1
        registeredAt[v] = Int32(to)
    }

    /// The final state of the powered-off VMs: none that may move (automation not `disabled`)
    /// stays registered on a host entering maintenance mode while a connected host its hard
    /// vmHost rules and storage allow could take it (under the `plan` and `repaired`
    /// standards); one that no host could take is kept, and listed. O(V + H x rules of the
    /// VMs left there).
    mutating func checkRegistrations() {
        guard standard != .subset else { return }
        for (v, vm) in snapshot.vms.enumerated() where vm.powerState == .off && vm.automation != .disabled {
            let h = registeredAt[v]
            guard h >= 0 && state[Int(h)] == .maintenance else { continue }
            let message = "the powered-off VM \(vm.id) stays registered on \(hostName(h)), which is entering maintenance mode"
            if state.indices.contains(where: { $0 != Int(h) && snapshot.hosts[$0].state == .connected && state[$0] == .connected && coldTargetAllowed(v, $0) }) {
                fail(nil, message + " (a cold migration moves it)")
            } else {
                keep(nil, message + ": no connected host its rules and storage allow" + (secondaryRegisteredAt[v] >= 0 ? " (its FT secondary's host excluded)" : ""))
            }
        }
    }

    /// Whether powered-off VM `v` may be registered on host `h`: not its FT secondary's host,
    /// its hard vmHost rules allow `h`, and `h` sees its datastores (or has one to copy them to,
    /// with sharedNothing).
    func coldTargetAllowed(_ v: Int, _ h: Int) -> Bool {
        if Int32(h) == secondaryRegisteredAt[v] { return false }
        let id = snapshot.hosts[h].id
        for index in hardRulesOf[v] where snapshot.rules[index].kind == .vmHost {
            let rule = snapshot.rules[index]
            if (rule.policy == .must) != (rule.hosts ?? []).contains(id) { return false }
        }
        guard let disks = disksOf[v] else { return true }
        if disks.allSatisfy({ hostSees[h].contains($0) }) { return true }
        return snapshot.cluster.migration.sharedNothing == true && !hostSees[h].isEmpty
    }
}
