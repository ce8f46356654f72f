import Testing
@testable import DRSSim

@Suite struct PlannerPolicyTests {
    @Test func everyListedNameIsAPolicy() {
        for name in SimulationPolicies.names { #expect(SimulationPolicies.policy(named: name)?.name == name) }
        #expect(SimulationPolicies.policy(named: SimulationPolicies.defaultName) != nil)
        let custom = SimulationPolicies.policy(named: "drs:goal=balance,threshold=5,headroom=0.9,forecast=lr10,solver=greedy,time=0.2,spare=2")
        let options = (custom as? PlannerPolicy)?.options
        #expect(options?.goal == .balance && options?.threshold == 5 && options?.headroom == 0.9)
        #expect(options?.forecast == .localRegression(window: 10) && options?.solver == .greedy && options?.spare == 2)
        for bad in ["drs:threshold=6", "drs:headroom=0", "drs:forecast=mean", "drs:colour=red", "drs:goal", "lr-mmt", "best"] {
            #expect(SimulationPolicies.policy(named: bad) == nil, "\(bad)")
        }
    }

    @Test func theBestPresetPlansTheSampleWithCheckedPlansAndFewMigrations() throws {
        // Two hours of the committed sample: every VM placed, every step planned (no planner
        // failure), every migration started, and fewer migrations than LR-MMT-1.2 makes.
        let world = try SampleFixtures.sampleWorld()
        var trace = world.trace.prefix(vms: 50, steps: 25)
        trace.sources = world.trace.sources
        let short = SimulationSetup.beloglazov2012(trace: trace, hosts: 40)
        var best: any SimulationPolicy = SimulationPolicies.policy(named: "drs-best")!
        var reference: any SimulationPolicy = ReferencePolicy(detection: .localRegression(safety: 1.2))
        let planned = Simulator(world: short).run(&best).metrics
        let baseline = Simulator(world: short).run(&reference).metrics
        #expect(planned.unplaced == 0 && planned.refusedMigrations == 0)
        #expect((best as? PlannerPolicy)?.failures == 0)
        #expect(planned.steps == 24)
        #expect(planned.migrations < baseline.migrations)
    }

    @Test func thePoolHoldsTheActiveHostsAndTheMostEfficientOthers() throws {
        let world = try SampleFixtures.sampleWorld()
        var state = SimulationState(world: world)
        state.hostVMs[0] = [0]   // a G4 host running a VM
        state.vmHost[0] = 0
        let policy = PlannerPolicy(name: "t", options: PlannerPolicy.Options())
        let demands = world.vms.map { $0.mips * 0.1 }
        let pool = policy.pool(state, demands: demands)
        #expect(pool.contains(0))
        // Everything else the pool holds is a G5 (the more efficient host at full load).
        #expect(pool.filter { $0 != 0 }.allSatisfy { $0 % 2 == 1 })
    }
}
