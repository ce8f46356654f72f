/// Builds the simulated world: the published setup from a trace, or a snapshot with a trace.
public enum SimulationSetup {
    /// Beloglazov & Buyya's setup (CCPE 2012, CloudSim 3.0.3's PlanetLab examples): 800 hosts
    /// alternating HP ProLiant ML110 G4 (2 x 1860 MIPS) and G5 (2 x 2660 MIPS), 4096 MB and
    /// 1 Gbit/s each; VMs of one core in four types by MIPS / MB (2500/870, 2000/1740,
    /// 1000/1740, 500/613), 100 Mbit/s, VM i of n getting type floor(i / ceil(n / 4)) in trace
    /// order; 300-second steps at CloudSim's timing (0.1 s after each step boundary); migration
    /// time as CloudSim computes it; memory checked at the initial placement only.
    public static func beloglazov2012(trace: Trace, hosts hostCount: Int = 800, interval: Double = 300) -> SimulationWorld {
        let hostTypes: [(mips: Double, power: PowerModel)] = [(1860, .hpProLiantG4), (2660, .hpProLiantG5)]
        let hosts = (0..<hostCount).map { index in
            let type = hostTypes[index % hostTypes.count]
            return SimulatedHost(id: "host-\(index)", coreMips: type.mips, cores: 2, memory: 4096, bandwidth: 1_000_000,
                                 power: type.power)
        }
        let vmTypes: [(mips: Double, memory: Double)] = [(2500, 870), (2000, 1740), (1000, 1740), (500, 613)]
        let count = trace.vmIDs.count
        let perType = max(1, (count + vmTypes.count - 1) / vmTypes.count)
        let vms = (0..<count).map { index in
            let type = vmTypes[min(index / perType, vmTypes.count - 1)]
            return SimulatedVM(id: trace.vmIDs[index], mips: type.mips, memory: type.memory, bandwidth: 100_000, trace: index)
        }
        return SimulationWorld(name: "beloglazov2012", hosts: hosts, vms: vms, trace: trace, interval: interval,
                               offset: 0.1, migrationTime: .cloudSim, memoryConstrained: false)
    }

    /// The number of trace steps in one day at `interval` seconds (288 at 300 s).
    public static func stepsPerDay(interval: Double) -> Int { Int((86_400 / interval).rounded()) }
}
