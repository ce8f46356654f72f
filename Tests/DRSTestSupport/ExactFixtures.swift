@_spi(Benchmarks) import DRSModel

/// Snapshots shared by the exact solver's tests (DRSExactTests) and its command-line tests
/// (CLITests).
extension Fixtures {
    /// Small hostile clusters for comparing the exact solver with greedy: hosts on standby or in
    /// maintenance that still run VMs, FT pairs, hard and soft rules, HA admission control, new and
    /// disabled VMs, thresholds 1-5, and (`tight`) more VMs than the hosts hold comfortably.
    package static func hostileSnapshot(seed: UInt64, tight: Bool) -> Snapshot {
        var random = SplitMix64(seed: seed &* 7919 &+ (tight ? 1 : 0))
        func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        func chance(_ percent: Int) -> Bool { below(100) < percent }
        let hostCount = tight ? 4 : 5, vmCount = tight ? 9 : 5
        var hosts: [ClusterHost] = []
        for h in 0..<hostCount {
            let states: [HostState] = [.connected, .connected, .connected, .connected, .connected, .connected, .maintenance, .standby]
            hosts.append(ClusterHost(id: "h\(h)", capacity: ["cpu": Double([100, 120, 80][below(3)]), "memory": Double([100, 128, 64][below(3)])],
                                     state: states[below(states.count)]))
        }
        if !hosts.contains(where: { $0.state == .connected }) { hosts[0].state = .connected }
        var vms: [VirtualMachine] = []
        for v in 0..<vmCount {
            let host: String? = chance(80) ? "h\(below(hostCount))" : nil
            var vm = VirtualMachine(id: "v\(v)", host: host, demand: ["cpu": Double(5 + 5 * below(8)), "memory": Double(5 + 5 * below(8))],
                                    priority: [Priority.high, .medium, .low][below(3)])
            vm.migration = VMMigration(memory: Double(1000 + 500 * below(10)), dirtyRate: Double(below(100)))
            if let host, chance(20) {
                let others = hosts.map(\.id).filter { $0 != host }
                vm.ft = FaultTolerance(secondaryHost: chance(70) ? others[below(others.count)] : nil)
            }
            if host != nil && chance(10) { vm.automation = .disabled }
            vms.append(vm)
        }
        func two() -> [String] {
            let a = below(vmCount)
            return ["v\(a)", "v\((a + 1 + below(vmCount - 1)) % vmCount)"]
        }
        var rules: [Rule] = []
        if chance(50) { rules.append(Rule(id: "anti", kind: .antiAffinity, vms: two(), required: true)) }
        if chance(30) { rules.append(Rule(id: "aff", kind: .affinity, vms: two(), required: chance(50))) }
        if chance(30) {
            let policy = [VMHostPolicy.must, .mustNot, .should, .shouldNot][below(4)]
            let a = below(hostCount)
            rules.append(Rule(id: "host", kind: .vmHost, vms: ["v\(below(vmCount))"], hosts: ["h\(a)", "h\((a + 1) % hostCount)"], policy: policy))
        }
        var cluster = Cluster(goal: chance(50) ? .balance : .consolidate, migrationThreshold: 1 + below(5))
        if chance(30) { cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 1, master: nil) }
        return Snapshot(resources: ["cpu", "memory"], cluster: cluster, hosts: hosts, vms: vms, rules: rules)
    }

    /// The snapshot as read back from its JSON, or nil when it is not valid input.
    package static func validated(_ snapshot: Snapshot) -> Snapshot? {
        try? Snapshot.read(json: JSONWriter.write(snapshot.json))
    }

    /// A balance cluster whose greedy start the exact solver cannot prove optimal at once (running
    /// VMs, so no pattern search): every GLPK phase runs.
    package static func runningBalanceSnapshot() -> Snapshot {
        var snapshot = Snapshot(resources: ["cpu", "memory"], cluster: Cluster(goal: .balance, migrationThreshold: 5),
                                hosts: [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("h3")], vms: [], rules: [])
        let loads: [(String, Double, Double)] = [("h1", 30, 20), ("h1", 25, 15), ("h1", 20, 30), ("h2", 10, 10), ("h1", 15, 5), ("h3", 5, 25)]
        for (k, load) in loads.enumerated() {
            var vm = Fixtures.vm("v\(k)", on: load.0, cpu: load.1, memory: load.2)
            vm.migration = VMMigration(memory: 512, dirtyRate: 0)
            snapshot.vms.append(vm)
        }
        return snapshot
    }
}
