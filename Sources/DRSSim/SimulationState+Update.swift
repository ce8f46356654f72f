extension SimulationState {
    /// Recomputes what host `host` gives each of its VMs, as CloudSim's time-shared,
    /// oversubscribable VM scheduler does: a VM core asks for at most one host core (capped);
    /// a VM migrating in costs the target 10% of it; when the asks (taken in list order) pass
    /// the capacity, every VM gets its ask scaled by capacity / total asks, rounded down. A VM
    /// migrating out gets 90% of its share (the migration's degradation) but the host still
    /// counts its full share. Sets the host's allocated, requested and available CPU and each
    /// VM's state entry (except for VMs migrating in, whose entry the source host keeps).
    mutating func allocate(_ host: Int) {
        let capacity = world.hosts[host].totalMips
        let core = world.hosts[host].coreMips
        let list = hostVMs[host]
        let incoming = migratingIn[host]
        var available = capacity
        var required = 0.0
        var oversubscribed = false
        for vm in list {
            let capped = min(requested[Int(vm)], core)
            let need = incoming.contains(vm) ? capped * 0.1 : capped
            required += need
            if !oversubscribed && available >= need {
                available -= need
            } else {
                oversubscribed = true
            }
        }
        let scale = oversubscribed ? capacity / required : 1
        var given = 0.0
        var asked = 0.0
        for vm in list {
            let index = Int(vm)
            let capped = min(requested[index], core)
            let isIncoming = incoming.contains(vm)
            let isOutgoing = !isIncoming && inMigration[index]
            var share: Double
            if isOutgoing {
                share = oversubscribed ? (capped * scale * 0.9).rounded(.down) : capped * 0.9
            } else if isIncoming {
                share = oversubscribed ? (capped * 0.1 * scale).rounded(.down) : capped * 0.1
            } else {
                share = oversubscribed ? (capped * scale).rounded(.down) : capped
            }
            asked += requested[index]
            if isIncoming {
                given += share
            } else {
                allocated[index] = share
                entryMigrating[index] = isOutgoing
                recorded[index] = true
                given += isOutgoing ? share / 0.9 : share
            }
        }
        allocatedMips[host] = given
        requestedMips[host] = asked
        availableMips[host] = oversubscribed ? 0 : available
    }

    /// Sets every placed VM's demand for `time`; on a step, also records it in the VM's history.
    mutating func updateDemands(at time: Double, recordHistory: Bool) {
        for vm in world.vms.indices where alive[vm] && vmHost[vm] >= 0 {
            let utilization = world.utilization(vm, at: time)
            requested[vm] = utilization * world.vms[vm].mips
            if recordHistory { pushHistory(vm, utilization) }
        }
    }

    /// Ends the VMs whose demand is exactly 0 and that are not migrating, as CloudSim 3.0.3 ends
    /// a VM whose cloudlet asks for nothing (it leaves its host and the simulation). Returns how
    /// many ended.
    mutating func endIdleVMs() -> Int {
        var ended = 0
        for vm in world.vms.indices where alive[vm] && vmHost[vm] >= 0 && !inMigration[vm] && requested[vm] == 0 {
            let host = Int(vmHost[vm])
            if let position = hostVMs[host].firstIndex(of: Int32(vm)) { hostVMs[host].remove(at: position) }
            alive[vm] = false
            vmHost[vm] = -1
            ended += 1
        }
        return ended
    }

    /// Adds the interval from the last update to now (`seconds` long) to `metrics`: each host's
    /// and VM's state entry of the last update holds over the whole interval.
    func accountEntries(_ seconds: Double, into metrics: inout SimulationMetrics) {
        for host in world.hosts.indices where allocatedMips[host] > 0 {
            metrics.activeSeconds += seconds
            if allocatedMips[host] < requestedMips[host] { metrics.violationSeconds += seconds }
        }
        for vm in world.vms.indices where recorded[vm] && alive[vm] {
            metrics.requestedMipsSeconds += requested[vm] * seconds
            if allocated[vm] < requested[vm] {
                let missing = (requested[vm] - allocated[vm]) * seconds
                metrics.unmetMipsSeconds += missing
                if entryMigrating[vm] { metrics.migrationShortfall += missing }
            }
        }
    }

    /// Energy of the interval that ends now, `seconds` long, given each host's utilization at
    /// its start (`before`) and now: the mean of the two powers times the interval, nothing for
    /// a host that was off at the start.
    func intervalEnergy(_ seconds: Double, before: [Double]) -> Double {
        var joules = 0.0
        for host in world.hosts.indices where before[host] != 0 {
            let model = world.hosts[host].power
            let start = model.power(at: before[host])
            let end = model.power(at: utilization(host))
            joules += (start + (end - start) / 2) * seconds
        }
        return joules
    }
}
