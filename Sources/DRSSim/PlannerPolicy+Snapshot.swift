import DRSModel

extension PlannerPolicy {
    /// The simulated cluster as a snapshot for the planner: host `h<i>` is world host i, VM
    /// `v<j>` world VM j with demand `demands[j]` (and its memory when the world constrains
    /// memory); a VM still migrating is shown on its target and pinned (automation disabled).
    /// Hosts: the pool (see the type's summary), most efficient first.
    func snapshot(_ state: SimulationState, demands: [Double]) -> Snapshot {
        let world = state.world
        let pool = self.pool(state, demands: demands)
        let resources = world.memoryConstrained ? ["cpu", "memory"] : ["cpu"]
        let hosts = pool.map { index in
            ClusterHost(id: "h\(index)", capacity: ["cpu": world.hosts[index].totalMips, "memory": world.hosts[index].memory])
        }
        var vms: [VirtualMachine] = []
        vms.reserveCapacity(world.vms.count)
        for (index, vm) in world.vms.enumerated() where state.alive[index] {
            var host: String?
            var automation: VMAutomation?
            if state.vmHost[index] >= 0 { host = "h\(state.vmHost[index])" }
            if state.inMigration[index], let target = state.migratingIn.indices.last(where: { state.migratingIn[$0].contains(Int32(index)) }) {
                host = "h\(target)"
                automation = .disabled
            }
            vms.append(VirtualMachine(id: "v\(index)", host: host, demand: ["cpu": demands[index], "memory": vm.memory],
                                      migration: VMMigration(memory: vm.memory, dirtyRate: 0), automation: automation))
        }
        let bandwidth: Double
        switch world.migrationTime {
        case .cloudSim: bandwidth = (world.hosts.first?.bandwidth ?? 16_000) / 16_000
        case let .copy(rate): bandwidth = rate
        }
        let cluster = Cluster(name: world.name, goal: options.goal, automation: .full, migrationThreshold: options.threshold,
                              maxUtilization: ["cpu": options.headroom], migration: MigrationSettings(bandwidth: bandwidth))
        return Snapshot(resources: resources, cluster: cluster, hosts: hosts, vms: vms, rules: coreRules(world, pool: pool, vms: vms))
    }

    /// Every active host, then inactive hosts by efficiency until the pool's capacity (within
    /// the headroom) is `spare` times the forecast demand; the result ordered by efficiency.
    func pool(_ state: SimulationState, demands: [Double]) -> [Int] {
        let world = state.world
        let demand = world.vms.indices.reduce(0.0) { $0 + (state.alive[$1] ? demands[$1] : 0) }
        func efficiency(_ host: Int) -> Double { world.hosts[host].power.watts[10] / max(world.hosts[host].totalMips, 1e-9) }
        let byEfficiency = world.hosts.indices.sorted { (efficiency($0), $0) < (efficiency($1), $1) }
        var chosen = Array(repeating: false, count: world.hosts.count)
        var capacity = 0.0
        for host in world.hosts.indices where !state.hostVMs[host].isEmpty {
            chosen[host] = true
            capacity += world.hosts[host].totalMips * options.headroom
        }
        for host in byEfficiency where !chosen[host] && capacity < max(options.spare, 1) * demand {
            chosen[host] = true
            capacity += world.hosts[host].totalMips * options.headroom
        }
        return byEfficiency.filter { chosen[$0] }
    }

    /// Hard rules keeping each VM off the pool hosts whose core is smaller than the VM (one rule
    /// per VM size), so that no VM lands where it cannot get its demand.
    func coreRules(_ world: SimulationWorld, pool: [Int], vms: [VirtualMachine]) -> [Rule] {
        var bySize: [Double: [String]] = [:]
        for vm in vms {
            guard let index = Self.index(vm.id) else { continue }
            bySize[world.vms[index].mips, default: []].append(vm.id)
        }
        var rules: [Rule] = []
        for (size, members) in bySize.sorted(by: { $0.key < $1.key }) {
            let small = pool.filter { world.hosts[$0].coreMips < size }.map { "h\($0)" }
            if small.isEmpty || small.count == pool.count { continue }
            rules.append(Rule(id: "core-\(Int(size))", kind: .vmHost, vms: members, hosts: small, policy: .mustNot))
        }
        return rules
    }
}
