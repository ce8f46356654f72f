import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// Host boot time (`cluster.power.bootSeconds`): a step lands on a powered-on host only in a
/// wave after its powerOn step, which takes the boot time; standby steps come last. Migration
/// risk (`vms[].maxDowntime`): a live migration whose estimated downtime, at the bandwidth it
/// gets in its wave, exceeds the limit is never planned, in any solver, and the checker refuses
/// it; the objective's migration seconds are the timed steps'.
@Suite struct PowerAndDowntimeTests: CatalogPlanning {
    /// h1 enters maintenance with three VMs; h2 has room for one; s1 (standby) must come back.
    static var evacuation: Snapshot {
        var s = Snapshot()
        s.cluster.power = PowerSettings(bootSeconds: 200)
        s.hosts = [Fixtures.host("h1", state: .maintenance), Fixtures.host("h2"), Fixtures.host("s1", state: .standby)]
        s.vms = [Fixtures.vm("a", on: "h1", cpu: 40, memory: 40), Fixtures.vm("b", on: "h1", cpu: 40, memory: 40),
                 Fixtures.vm("c", on: "h1", cpu: 40, memory: 40), Fixtures.vm("d", on: "h2", cpu: 50, memory: 50)]
        return s
    }

    /// The wave of each host's powerOn step.
    static func powerOnWaves(_ plan: Plan) -> [String: Int] {
        Dictionary(plan.steps.filter { $0.kind == .powerOn }.map { ($0.host!, $0.wave) }, uniquingKeysWith: min)
    }

    @Test("every solver: steps land on a powered-on host only after it booted; the boot is timed", arguments: SolverCatalog.names)
    func bootBeforeLanding(_ solverName: String) throws {
        let s = Self.evacuation
        let plan = try Self.plan(s, solverName)
        let on = Self.powerOnWaves(plan)
        let bootWave = try #require(on["s1"], "\(solverName): s1 is needed")
        for step in plan.steps where step.to == "s1" { #expect(step.wave > bootWave, "\(solverName): \(step)") }
        let powerOn = try #require(plan.steps.first { $0.kind == .powerOn })
        #expect(powerOn.seconds == 200)
        #expect(plan.waveSeconds[bootWave - 1] >= 200)
        #expect(abs(plan.estimatedSeconds - plan.waveSeconds.reduce(0, +)) < 1e-9)
        #expect(plan.estimatedSeconds >= 200)
    }

    @Test("a boot time of 0 lets the first step share its host's powerOn wave, which takes no time")
    func zeroBoot() throws {
        var s = Self.evacuation
        s.cluster.power = PowerSettings(bootSeconds: 0)
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        let bootWave = try #require(Self.powerOnWaves(plan)["s1"])
        #expect(plan.steps.contains { $0.to == "s1" && $0.wave == bootWave })
        #expect(plan.steps.first { $0.kind == .powerOn }?.seconds == 0)
        // The default boot time is 300 s and moves the steps onto s1 to a later wave.
        s.cluster.power = nil
        let slow = try Planner.checkedPlan(s, solver: GreedySolver())
        #expect(slow.steps.first { $0.kind == .powerOn }?.seconds == 300)
        let slowWave = try #require(Self.powerOnWaves(slow)["s1"])
        #expect(slow.steps.filter { $0.to == "s1" }.allSatisfy { $0.wave > slowWave })
        #expect(slow.estimatedSeconds >= 300 && plan.estimatedSeconds < 300)
    }

    @Test("wave 1's steps onto other hosts stay in wave 1 when a boot splits it")
    func splitKeepsOtherSteps() throws {
        let plan = try Planner.checkedPlan(Self.evacuation, solver: GreedySolver())
        // h2 takes one VM at once; the two others wait for s1.
        #expect(plan.steps.contains { $0.kind == .migrate && $0.to == "h2" && $0.wave == 1 })
        #expect(Self.powerOnWaves(plan)["s1"] == 1)
        #expect(plan.steps.filter { $0.to == "s1" }.count == 2)
    }

    @Test("the checker refuses a step onto a host powered on in the same wave, and a standby step that is not last")
    func checkerPowerOrder() throws {
        let s = Self.evacuation
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        var early = plan
        let landing = try #require(early.steps.firstIndex { $0.to == "s1" })
        let bootWave = try #require(Self.powerOnWaves(plan)["s1"])
        early.steps[landing].wave = bootWave
        early.steps.sort { $0.wave < $1.wave }
        #expect(Self.refusals(s, early).contains { $0.contains("which is powered on in the same wave") })
        var instant = s
        instant.cluster.power = PowerSettings(bootSeconds: 0)
        #expect(!Self.refusals(instant, early).contains { $0.contains("powered on in the same wave") })

        // Consolidation: the standby wave is last; a standby step before other steps is refused.
        var c = Snapshot()
        c.cluster.goal = .consolidate
        c.hosts = [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("h3")]
        c.vms = [Fixtures.vm("a", on: "h1", cpu: 30, memory: 30), Fixtures.vm("b", on: "h2", cpu: 30, memory: 30),
                 Fixtures.vm("x", on: "h3", cpu: 10, memory: 10)]
        let consolidated = try Planner.checkedPlan(c, solver: GreedySolver())
        let standby = try #require(consolidated.steps.firstIndex { $0.kind == .standby })
        #expect(consolidated.steps[standby].wave == consolidated.steps.map(\.wave).max())
        var wrong = consolidated
        wrong.steps.append(Step(wave: wrong.steps[standby].wave + 1, kind: .elect, host: "h1", priority: 1, applied: true, reason: "late"))
        #expect(Self.refusals(c, wrong).contains { $0.contains("standby steps come last") })
    }

    /// Two database VMs on a host entering maintenance: at 400 MiB/s of dirtying, their downtime
    /// stays within 0.5 s only while at most two live migrations share a host (1250 / 3 MiB/s
    /// does not converge fast enough); four more VMs leave with them.
    static var databases: Snapshot {
        var s = Snapshot()
        s.cluster.migration = MigrationSettings(bandwidth: 1250, maxConcurrentPerHost: 4)
        s.hosts = [Fixtures.host("h1", cpu: 1000, memory: 1_000_000, state: .maintenance), Fixtures.host("h2", cpu: 1000, memory: 1_000_000),
                   Fixtures.host("h3", cpu: 1000, memory: 1_000_000)]
        s.vms = (1...6).map { Fixtures.vm("v\($0)", on: "h1", cpu: 10, memory: 16384) }
        for v in 0..<2 {
            s.vms[v].migration = VMMigration(memory: 32768, dirtyRate: 400)
            s.vms[v].maxDowntime = 0.5
        }
        return s
    }

    @Test("the maxDowntime sharing limit at 400 MiB/s dirtying and 1250 MiB/s: two migrations per host, not three")
    func sharingLimit() {
        let two = MigrationModel.estimate(memory: 32768, dirtyRate: 400, bandwidth: 1250 / 2).downtime
        let three = MigrationModel.estimate(memory: 32768, dirtyRate: 400, bandwidth: 1250 / 3).downtime
        #expect(two <= 0.5 && three > 0.5)
        #expect(MigrationModel.maximumSharing(memory: 32768, dirtyRate: 400, bandwidth: 1250, maxDowntime: 0.5, limit: 4) == 2)
        #expect(MigrationModel.maximumSharing(memory: 32768, dirtyRate: 2000, bandwidth: 1250, maxDowntime: 1, limit: 8) == 0)
        #expect(MigrationModel.maximumSharing(memory: 32768, dirtyRate: 0, bandwidth: 1250, maxDowntime: 0, limit: 8) == 8)
    }

    @Test("a required affinity group whose moving together would break a member's maxDowntime is dropped up front, with the reason; two members still move")
    func affinityGroupOverTheSharingLimitIsDropped() throws {
        func snapshot(members: Int) -> Snapshot {
            var s = Snapshot()
            s.cluster.migration = MigrationSettings(bandwidth: 1250, maxConcurrentPerHost: 8)
            s.hosts = [Fixtures.host("h1", cpu: 1000, memory: 1_000_000), Fixtures.host("h2", cpu: 1000, memory: 1_000_000)]
            s.vms = (1...members).map { Fixtures.vm("db\($0)", on: "h1", cpu: 10, memory: 32768) }
            for v in s.vms.indices {
                s.vms[v].migration = VMMigration(memory: 32768, dirtyRate: 400)
                s.vms[v].maxDowntime = 0.5  // at most two live migrations through a host at once
            }
            s.rules = [Rule(id: "together", kind: .affinity, vms: s.vms.map(\.id), required: true)]
            return s
        }
        let three = snapshot(members: 3)
        let target = Dictionary(uniqueKeysWithValues: three.vms.map { ($0.id, "h2") })
        let dropped = try Planner.checkedPlan(three, solver: FixedSolver(target: target))
        #expect(dropped.steps.isEmpty, "\(dropped.steps)")
        #expect(Set(dropped.dropped.map(\.vm)) == ["db1", "db2", "db3"])
        #expect(dropped.dropped.allSatisfy { $0.reason.contains("its required affinity group moves in one wave") }, "\(dropped.dropped)")
        #expect(dropped.placement.values.allSatisfy { $0 == "h1" })
        #expect(PlanChecker.check(three, dropped).isEmpty)
        let two = snapshot(members: 2)
        let moved = try Planner.checkedPlan(two, solver: FixedSolver(target: ["db1": "h2", "db2": "h2"]))
        #expect(moved.dropped.isEmpty, "\(moved.dropped)")
        #expect(moved.placement == ["db1": "h2", "db2": "h2"])
        #expect(Set(moved.steps.map(\.wave)) == [1], "the group moves in one wave: \(moved.steps)")
    }

    @Test("every solver: each limited VM's live migration keeps its downtime in its wave", arguments: SolverCatalog.names)
    func downtimeInWaves(_ solverName: String) throws {
        let s = Self.databases
        let plan = try Self.plan(s, solverName)
        let sharing = MigrationModel.sharing(of: plan.steps)
        for (index, step) in plan.steps.enumerated() where step.vm == "v1" || step.vm == "v2" {
            #expect(step.kind == .migrate)
            #expect(sharing[index] <= 2, "\(solverName): \(step)")
            #expect((step.downtime ?? .infinity) <= 0.5, "\(solverName): \(step)")
        }
        // Without the limits the same evacuation runs them alongside more migrations.
        var free = s
        for v in 0..<2 { free.vms[v].maxDowntime = nil }
        let unlimited = try Planner.checkedPlan(free, solver: GreedySolver())
        #expect(unlimited.steps.contains { ($0.vm == "v1" || $0.vm == "v2") && ($0.downtime ?? 0) > 0.5 })
    }

    @Test("the checker refuses a live migration that exceeds maxDowntime at the bandwidth of its wave")
    func checkerDowntime() throws {
        // Four migrations leave h1 at once: v1 gets 1250 / 4 MiB/s. Refused with the limit, not without.
        var four = Self.databases
        four.vms[0].maxDowntime = 0.5
        let all = Plan(status: .feasible, solver: "hand", automation: .full, objective: Objective(), seconds: 0,
                       placement: ["v1": "h2", "v2": "h3", "v3": "h2", "v4": "h3", "v5": "h1", "v6": "h1"], secondaries: [:], unplaced: [],
                       reasons: [:], haMaster: nil,
                       steps: (1...4).map { Step(wave: 1, kind: .migrate, vm: "v\($0)", from: "h1", to: $0 % 2 == 1 ? "h2" : "h3", priority: 1, applied: true, reason: "test") })
        #expect(Self.refusals(four, all).contains { $0.contains("migrate of v1 from h1 to h2") && $0.contains("maxDowntime") })
        four.vms[0].maxDowntime = nil
        four.vms[1].maxDowntime = nil
        #expect(!Self.refusals(four, all).contains { $0.contains("maxDowntime") })
    }

    /// A VM that dirties faster than the whole bandwidth cannot be live-migrated within 1 s.
    static var pinned: Snapshot {
        var s = Snapshot()
        s.cluster.migrationThreshold = 5
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2")]
        s.vms = [Fixtures.vm("hot", on: "h1", cpu: 50, memory: 50), Fixtures.vm("b", on: "h1", cpu: 40, memory: 40)]
        s.vms[0].migration = VMMigration(memory: 32768, dirtyRate: 2000)
        s.vms[0].maxDowntime = 1
        return s
    }

    @Test("every solver and the exact model keep a VM whose every live migration exceeds maxDowntime where it runs", arguments: SolverCatalog.names)
    func notACandidate(_ solverName: String) throws {
        let s = Self.pinned
        #expect(Problem(s).vmPinned[0])
        let plan = try Self.plan(s, solverName)
        #expect(plan.placement["hot"] == "h1", "\(solverName)")
        #expect(!plan.steps.contains { $0.vm == "hot" })
        #expect(plan.notes.contains { $0.contains("hot is not live-migrated") && $0.contains("maxDowntime of 1 s") })
        // Without the limit, balancing moves one of them off h1.
        var free = s
        free.vms[0].maxDowntime = nil
        #expect(!Problem(free).vmPinned[0])
    }

    @Test("a VM that cannot leave a host entering maintenance within its maxDowntime: proven infeasible, with the reason")
    func maintenanceBlocked() throws {
        var s = Self.pinned
        s.hosts[0].state = .maintenance
        let why = try #require(Planner.provenInfeasibility(Problem(s)))
        #expect(why.contains("hot must leave h1") && why.contains("maxDowntime"))
        // The checker refuses a hand-made plan that migrates it anyway.
        let plan = Plan(status: .feasible, solver: "hand", automation: .full, objective: Objective(), seconds: 0,
                        placement: ["hot": "h2", "b": "h2"], secondaries: [:], unplaced: [], reasons: [:], haMaster: nil,
                        steps: [Step(wave: 1, kind: .migrate, vm: "hot", from: "h1", to: "h2", priority: 1, applied: true, reason: "test"),
                                Step(wave: 2, kind: .migrate, vm: "b", from: "h1", to: "h2", priority: 1, applied: true, reason: "test")])
        #expect(Self.refusals(s, plan).contains { $0.contains("migrate of hot") && $0.contains("exceeds its maxDowntime of 1 s") })
    }

    @Test("the objective's migration seconds are the sum of the timed live migration steps, on every example")
    func migrationSecondsMatchSteps() throws {
        for name in Fixtures.exampleNames {
            let s = try Fixtures.example(name)
            let plan = try Planner.checkedPlan(s, solver: GreedySolver())
            let timed = plan.steps.filter { $0.kind == .migrate && $0.cold != true }.reduce(0.0) { $0 + $1.seconds }
            #expect(abs(plan.objective.migrationSeconds - timed) < 1e-6, "\(name)")
        }
    }

    @Test("partial and per-VM automation, tight capacity and an overloaded start keep both rules in the whole plan and the applied subset")
    func automationAndBrokenInput() throws {
        var s = Self.databases
        s.hosts.append(Fixtures.host("s1", cpu: 1000, memory: 1_000_000, state: .standby))
        s.hosts[1].capacity = ["cpu": 1000, "memory": 40000]
        s.hosts[2].capacity = ["cpu": 1000, "memory": 20000]
        s.vms.append(Fixtures.vm("big", on: "h3", cpu: 10, memory: 30000))
        for automation in [AutomationLevel.full, .partial, .manual] {
            s.cluster.automation = automation
            s.vms[2].automation = .manual
            let plan = try Planner.checkedPlan(s, solver: GreedySolver())
            #expect(PlanChecker.check(s, plan).isEmpty, "\(automation)")
            let on = Self.powerOnWaves(plan)
            for step in plan.steps { if let to = step.to, let wave = on[to] { #expect(step.wave > wave, "\(automation): \(step)") } }
            for step in plan.steps where (step.vm == "v1" || step.vm == "v2") && step.kind == .migrate {
                #expect((step.downtime ?? .infinity) <= 0.5, "\(automation): \(step)")
            }
            _ = try Planner.applied(s, plan: plan)
        }
    }
}
