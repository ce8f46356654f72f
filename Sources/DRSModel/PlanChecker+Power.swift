extension PlanChecker.Replay {
    /// Host power (`cluster.power.bootSeconds`): while a host boots after its `powerOn` step no
    /// step lands on it, so with a boot time above 0 a step onto a host powered on in the same
    /// wave is refused; and `standby` steps come last: no other step follows a standby step's
    /// wave. O(steps).
    mutating func checkPowerOrder(_ plan: Plan) {
        if snapshot.bootSeconds > 0 {
            var poweredOn: [String: Int] = [:]
            for step in plan.steps where step.kind == .powerOn { if let host = step.host { poweredOn[host] = step.wave } }
            if !poweredOn.isEmpty {
                for step in plan.steps where [.place, .restart, .migrate].contains(step.kind) {
                    guard let to = step.to, poweredOn[to] == step.wave else { continue }
                    let subject = (step.vm ?? "?") + (step.secondary == true ? "'s secondary" : "")
                    fail(step.wave, "\(step.kind.rawValue) of \(subject) onto \(to), which is powered on in the same wave: it boots for \(JSONWriter.number(snapshot.bootSeconds)) s (cluster.power.bootSeconds), so steps land on it from the next wave on")
                }
            }
        }
        let lastOther = plan.steps.filter { $0.kind != .standby }.map(\.wave).max() ?? 0
        for step in plan.steps where step.kind == .standby && step.wave <= lastOther {
            fail(step.wave, "standby of host \(step.host ?? "?") in wave \(step.wave), but other steps run in wave \(lastOther): standby steps come last")
        }
    }

    /// `vms[].maxDowntime`: a live migration of the VM (not a cold one, not its FT secondary)
    /// whose estimated downtime, at the cluster's bandwidth shared among the live migrations of
    /// its busier host in that wave, exceeds the limit is refused. O(steps + rounds per limited
    /// migration).
    mutating func checkDowntimes(_ plan: Plan) {
        guard snapshot.vms.contains(where: { $0.maxDowntime != nil }) else { return }
        let sharing = MigrationModel.sharing(of: plan.steps)
        let bandwidth = snapshot.cluster.migration.bandwidth
        for (index, step) in plan.steps.enumerated() where sharing[index] > 0 && step.secondary != true {
            guard let v = step.vm.flatMap({ vmIndex[$0] }), let limit = snapshot.vms[v].maxDowntime else { continue }
            var vm: VirtualMachine { snapshot.vms[v] }
            let memory = vm.migration?.memory ?? vm.demand["memory"] ?? 0
            let share = bandwidth / Double(sharing[index])
            let downtime = MigrationModel.estimate(memory: memory, dirtyRate: vm.migration?.dirtyRate ?? 0, bandwidth: share).downtime
            if downtime > limit {
                fail(step.wave, "migrate of \(vm.id) from \(step.from!) to \(step.to!): its estimated downtime of \(JSONWriter.number((downtime * 1000).rounded() / 1000)) s at \(JSONWriter.number((share * 1000).rounded() / 1000)) MiB/s (\(sharing[index]) live migration(s) share a host) exceeds its maxDowntime of \(JSONWriter.number(limit)) s")
            }
        }
    }
}
