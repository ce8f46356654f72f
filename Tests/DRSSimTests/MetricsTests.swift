import Testing
@testable import DRSSim

/// A policy that runs given migrations at given steps and places nothing.
struct ScriptedPolicy: SimulationPolicy {
    var name = "scripted"
    var script: [Int: [Migration]] = [:]
    func initialPlacement(_ state: SimulationState, vms: [Int]) -> [Migration] { [] }
    func migrations(_ state: SimulationState) -> [[Migration]] { script[state.step].map { [$0] } ?? [] }
}

/// Tiny worlds whose metrics are computed by hand (the arithmetic is in each test's comments).
@Suite struct MetricsTests {
    /// Linear 100 W idle to 200 W at full load.
    static let linear = PowerModel(watts: (0...10).map { 100 + 10 * Double($0) })!

    static func world(hosts: Int, vms: [(mips: Double, memory: Double, host: Int, values: [Double])], interval: Double = 100) -> SimulationWorld {
        let steps = vms[0].values.count
        let trace = Trace(vmIDs: vms.indices.map { "v\($0)" }, steps: steps, cpu: vms.flatMap(\.values), cpuIsFraction: true,
                          sources: vms.indices.map { "v\($0)" })
        let hostList = (0..<hosts).map { SimulatedHost(id: "h\($0)", coreMips: 1000, cores: 1, memory: 0, bandwidth: 0, power: linear) }
        let vmList = vms.enumerated().map { index, vm in
            SimulatedVM(id: "v\(index)", mips: vm.mips, memory: vm.memory, host: vm.host, trace: index)
        }
        return SimulationWorld(name: "tiny", hosts: hostList, vms: vmList, trace: trace, interval: interval,
                               migrationTime: .copy(bandwidth: 100), memoryConstrained: false)
    }

    @Test func oversubscriptionCountsAsViolationAndEnergyIsTrapezoidal() {
        // Updates at 100, 200, 300 (the run ends at 400). At 100 the VMs ask 500 + 200 = 700:
        // u = 0.7. At 200 and 300 they ask 700 + 400 = 1100 > 1000: each gets its ask x 1000/1100
        // rounded down, 636 + 363 = 999, u = 0.999 (199.9 W).
        // Energy: [100, 200] (170 + 199.9) / 2 x 100 = 18,495 J; [200, 300] 199.9 x 100 = 19,990 J.
        // SLATAH: 100 s of 200 active seconds with allocated < requested = 0.5.
        // Unmet demand: (64 + 37) x 100 over (700 + 1100) x 100 = 101 / 1800.
        let world = Self.world(hosts: 1, vms: [(1000, 500, 0, [0.5, 0.5, 0.7, 0.7]), (500, 500, 0, [0.4, 0.4, 0.8, 0.8])])
        var policy: any SimulationPolicy = ScriptedPolicy()
        let metrics = Simulator(world: world).run(&policy).metrics
        #expect(metrics.steps == 3)
        #expect(abs(metrics.energyJoules - (18_495 + 19_990)) < 1e-6)
        #expect(abs(metrics.slatah - 0.5) < 1e-12)
        #expect(metrics.pdm == 0)
        #expect(abs(metrics.unmetDemand - 101.0 / 1800) < 1e-12)
        #expect(metrics.migrations == 0)
    }

    @Test func migrationDegradesTheVMAndLoadsBothHosts() {
        // Both VMs on h0 asking 500 and 200 all day. At the first update (100) v0 migrates to h1:
        // 500 MB at 100 MB/s + 1 s = 6 s. Meanwhile h0 gives v0 90% (450) but counts 500 (u 0.7),
        // h1 gives it 10% (50, u 0.05) while v0 asks 500 there: h1 violates for 6 s.
        // Energy: [100, 106] 170 x 6 + 105 x 6; [106, 200] h0 at 0.2 (120 W) and h1 at 0.5 (150 W)
        // for 94 s. SLATAH: 6 / (6 + 6 + 94 + 94). PDM: 50 x 6 over 700 x 100.
        let world = Self.world(hosts: 2, vms: [(1000, 500, 0, [0.5, 0.5, 0.5]), (500, 500, 0, [0.4, 0.4, 0.4])])
        var policy: any SimulationPolicy = ScriptedPolicy(script: [1: [Migration(vm: 0, host: 1)]])
        let simulator = Simulator(world: world)
        let metrics = simulator.run(&policy).metrics
        #expect(metrics.migrations == 1)
        #expect(abs(metrics.energyJoules - (170 * 6 + 105 * 6 + 120 * 94 + 150 * 94)) < 1e-6)
        #expect(abs(metrics.slatah - 6.0 / 200) < 1e-12)
        #expect(abs(metrics.pdm - 300.0 / 70_000) < 1e-12)
        #expect(abs(metrics.slav - metrics.slatah * metrics.pdm) < 1e-18)
        #expect(simulator.state.vmHost == [1, 0])
    }

    @Test func aVMWhoseDemandFallsToZeroEnds() {
        // v1 asks nothing at the update of 200 (both its samples around it are 0): CloudSim ends
        // it, and h1, left empty, draws nothing afterwards.
        let world = Self.world(hosts: 2, vms: [(1000, 500, 0, [0.5, 0.5, 0.5, 0.5]), (1000, 500, 1, [0.3, 0.3, 0, 0])])
        var policy: any SimulationPolicy = ScriptedPolicy()
        let simulator = Simulator(world: world)
        let metrics = simulator.run(&policy).metrics
        #expect(metrics.ended == 1)
        #expect(simulator.state.alive == [true, false])
        // h0 at 0.5 (150 W) for 200 s; h1 at 0.3 then 0 over [100, 200]: (130 + 100) / 2 x 100.
        #expect(abs(metrics.energyJoules - (150 * 200 + 11_500)) < 1e-6)
    }

    @Test func refusesMigrationsThatCannotStart() {
        let world = Self.world(hosts: 2, vms: [(1000, 500, 0, [0.5, 0.5, 0.5])])
        var policy: any SimulationPolicy = ScriptedPolicy(script: [1: [Migration(vm: 0, host: 0), Migration(vm: 5, host: 1),
                                                                      Migration(vm: 0, host: 9)]])
        let metrics = Simulator(world: world).run(&policy).metrics
        #expect(metrics.migrations == 0)
        #expect(metrics.refusedMigrations == 3)
    }
}
