extension PlanChecker.Replay {
    /// The final state: every constraint (`checkMoment` whole), admission control, the
    /// placement, secondaries, unplaced list and HA master the plan states, and VMs with
    /// automation disabled left where they were.
    mutating func checkFinal(_ plan: Plan) {
        checkMoment(Moment(), wave: nil, whole: true, tolerant: standard != .repaired)
        checkAdmission(wave: nil, when: "at the end of the plan", strict: standard == .repaired)

        // Listed unplaced VMs by index (ids that name no VM are not the snapshot's concern here).
        var listed = [Bool](repeating: false, count: snapshot.vms.count)
        for id in plan.unplaced { if let v = vmIndex[id] { listed[v] = true } }
        var statedVMs = 0
        for v in snapshot.vms.indices where snapshot.vms[v].powerState == .on {
            var vm: VirtualMachine { snapshot.vms[v] }
            let stated = plan.placement[vm.id]
            if stated != nil { statedVMs += 1 }
            let reached = primary[v] >= 0 ? hostName(primary[v]) : nil
            if stated != reached {
                fail(nil, "the steps leave \(vm.id) \(reached.map { "on \($0)" } ?? "unplaced"), but the plan's placement says \(stated ?? "nothing")")
            }
            if reached == nil && !listed[v] {
                fail(nil, "\(vm.id) ends unplaced but is not listed in unplaced")
            }
            if let reached, listed[v] {
                fail(nil, "\(vm.id) is listed in unplaced but ends on \(reached)")
            }
            if vm.ft != nil {
                let secondaryAt = secondary[v] >= 0 ? hostName(secondary[v]) : nil
                if plan.secondaries[vm.id] != secondaryAt {
                    fail(nil, "the steps leave \(vm.id)'s secondary \(secondaryAt.map { "on \($0)" } ?? "nowhere"), but the plan's secondaries say \(plan.secondaries[vm.id] ?? "nothing")")
                }
            }
            if vm.state == .guestFailed, standard != .subset, snapshot.cluster.ha?.enabled != false, !guestRestarted.contains(v),
               (vm.restartPriority ?? RestartPriority(vm.priority)) != .disabled,
               let host = vm.host.flatMap({ hostIndex[$0] }), initialState[host] != .failed, initialState[host] != .isolated {
                fail(nil, "the guest of \(vm.id) failed, but no step restarts it (HA restarts a failed guest at every automation level)")
            }
            if vm.automation == .disabled, let host = vm.host, let reached, reached != host,
               let original = hostIndex[host], initialState[original] != .failed {
                fail(nil, "\(vm.id) has automation disabled but ends on \(reached) instead of \(host)")
            }
        }
        // Every key named a powered-on VM when the counts agree; otherwise list the others.
        let distinctIDs = vmIndex.count == snapshot.vms.count
        let others = distinctIDs && plan.placement.count == statedVMs ? []
            : plan.placement.keys.filter({ vmIndex[$0] == nil || snapshot.vms[vmIndex[$0]!].powerState == .off }).sorted()
        for id in others {
            fail(nil, "the placement names \(id), which is \(vmIndex[id] == nil ? "not a VM of the snapshot" : "powered off")")
        }

        // HA master: a failed or missing master must be replaced by the election winner.
        guard let ha = snapshot.cluster.ha, ha.enabled else { return }
        let masterState = ha.master.flatMap { hostIndex[$0] }.map { state[$0] }
        if masterState != .connected {
            // The election runs when the master is lost, among the hosts connected then (a
            // standby host the plan powers on later is not yet a candidate) that stay connected.
            let winner = snapshot.hosts.indices.filter { snapshot.hosts[$0].state == .connected && state[$0] == .connected }.map { snapshot.hosts[$0] }.max { a, b in
                let da = Set(a.datastores).count, db = Set(b.datastores).count
                return da != db ? da < db : a.id < b.id
            }
            if let winner, master != winner.id || plan.haMaster != winner.id {
                fail(nil, "HA master must be \(winner.id) (most datastores, ties to the greatest id), but the plan has \(plan.haMaster ?? "none")")
            }
        }
    }
}
