extension PlanChecker {
    /// The plan restricted to its applied steps: what `drs plan --apply` carries out. Its
    /// placement, secondaries, unplaced list and HA master are what those steps alone reach
    /// from the snapshot; every other field is the plan's. O(V + steps).
    package static func appliedSubset(of plan: Plan, in snapshot: Snapshot) -> Plan {
        var subset = plan
        subset.steps = plan.steps.filter(\.applied)
        var states: [String: HostState] = [:]
        for (host, state) in zip(snapshot.hosts, snapshot.effectiveHostStates) where states[host.id] == nil { states[host.id] = state }
        var primary: [String: String] = [:]
        var secondary: [String: String] = [:]
        var known = Set<String>()
        var order: [String] = []
        for vm in snapshot.vms where vm.powerState == .on && known.insert(vm.id).inserted {
            order.append(vm.id)
            if let host = vm.host, states[host] != .failed { primary[vm.id] = host }
            if let host = vm.ft?.secondaryHost, states[host] != .failed { secondary[vm.id] = host }
        }
        var master = snapshot.cluster.ha?.master
        let electsHAMaster = PlanChecker.electsHAMaster(snapshot)
        for step in subset.steps {
            switch step.kind {
            case .elect: if electsHAMaster(step.host) { master = step.host }
            case .standby, .powerOn: break
            case .promote:
                guard let vm = step.vm else { continue }
                primary[vm] = step.to ?? secondary[vm]
                secondary[vm] = nil
            case .place, .restart, .migrate:
                guard let vm = step.vm, known.contains(vm) else { continue }
                if step.secondary == true { secondary[vm] = step.to } else { primary[vm] = step.to }
            }
        }
        subset.placement = primary
        subset.secondaries = secondary
        subset.unplaced = order.filter { primary[$0] == nil }
        if snapshot.cluster.ha?.enabled == true { subset.haMaster = master }
        return subset
    }

    /// Checks the applied subset alone, wave by wave: every hard constraint must hold at every
    /// moment of the steps that `--apply` carries out. What the snapshot already broke may
    /// remain at the end (the recommended steps are what would repair it) as long as the
    /// applied steps make nothing worse.
    /// `context`, when given, must be `Context(snapshot)` (built once for both checks).
    package static func checkApplied(_ snapshot: Snapshot, _ plan: Plan, context: Context? = nil) -> [CheckViolation] {
        let subset = appliedSubset(of: plan, in: snapshot)
        guard let context else { return check(snapshot, subset, requireRepaired: false) }
        return check(snapshot, subset, context: context, standard: .subset)
    }
}
