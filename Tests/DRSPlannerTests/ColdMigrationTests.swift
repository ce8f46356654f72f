import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// Cold migration: powered-off VMs leave a host entering maintenance, or one their must rules
/// forbid, by `migrate` steps with `cold: true`.
@Suite struct ColdMigrationTests {
    static var maintenance: Snapshot {
        var s = Snapshot()
        s.cluster.migration.maxConcurrentPerHost = 1
        s.hosts = [Fixtures.host("m", state: .maintenance), Fixtures.host("full"), Fixtures.host("other")]
        s.vms = [Fixtures.vm("off1", on: "m", cpu: 90, memory: 90), Fixtures.vm("off2", on: "m", cpu: 90, memory: 90),
                 Fixtures.vm("busy", on: "full", cpu: 95, memory: 95), Fixtures.vm("live", on: "m", cpu: 5, memory: 5)]
        s.vms[0].powerState = .off
        s.vms[1].powerState = .off
        return s
    }

    @Test("powered-off VMs leave a host entering maintenance cold, within the concurrency limit, with every solver",
          arguments: SolverCatalog.names)
    func coldMovesOffMaintenance(_ solverName: String) throws {
        let s = Self.maintenance
        let solver = try SolverCatalog.solver(named: solverName, for: s)
        let plan = try Planner.checkedPlan(s, solver: solver, options: SolveOptions(timeLimit: 5))
        #expect(PlanChecker.check(s, plan).isEmpty)
        let cold = plan.steps.filter { $0.cold == true }
        #expect(Set(cold.compactMap(\.vm)) == ["off1", "off2"], "\(solverName): \(plan.steps)")
        // They use no capacity: "full" could take them, but the least loaded host comes first.
        #expect(cold.allSatisfy { $0.kind == .migrate && $0.from == "m" && $0.priority == 1 && $0.seconds == 1 })
        // One migration per host at a time: the three moves off m take three waves.
        let waves = plan.steps.filter { $0.kind == .migrate }.map(\.wave)
        #expect(Set(waves).count == waves.count, "\(solverName): \(plan.steps)")
        #expect(plan.placement["off1"] == nil)
        let next = try Planner.applied(s, plan: plan)
        #expect(next.vms.filter { $0.powerState == .off }.allSatisfy { $0.host != "m" })
    }

    @Test("a must rule moves a powered-off VM; automation disabled keeps it; partial automation only recommends")
    func coldRulesAndAutomation() throws {
        var s = Self.maintenance
        s.hosts[0].state = .connected
        s.rules = [Rule(id: "lic", kind: .vmHost, vms: ["off1"], hosts: ["other"], policy: .must)]
        s.vms[1].automation = .disabled
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        let cold = try #require(plan.steps.first { $0.cold == true })
        #expect(cold.vm == "off1" && cold.to == "other" && cold.reason.contains("lic"))
        #expect(!plan.steps.contains { $0.vm == "off2" })
        var partial = s
        partial.cluster.automation = .partial
        let recommended = try Planner.checkedPlan(partial, solver: GreedySolver())
        #expect(recommended.steps.first { $0.cold == true }?.applied == false)
    }

    @Test("the checker refuses a powered-off VM left on a maintenance host, a cold move that breaks a rule or is not cold, and a cold move of a running VM")
    func coldCheckerMutations() throws {
        let s = Self.maintenance
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        func refusals(_ plan: Plan, _ snapshot: Snapshot? = nil) -> [String] { PlanChecker.check(snapshot ?? s, plan).map(\.description) }
        var left = plan
        left.steps.removeAll { $0.vm == "off2" }
        #expect(refusals(left).contains { $0.contains("powered-off VM off2 stays registered on m") })
        var notCold = plan
        let index = try #require(notCold.steps.firstIndex { $0.vm == "off1" })
        notCold.steps[index].cold = nil
        #expect(refusals(notCold).contains { $0.contains("which is powered off") })
        var ruled = s
        ruled.rules = [Rule(id: "never", kind: .vmHost, vms: ["off1"], hosts: [plan.steps[index].to!], policy: .mustNot)]
        #expect(refusals(plan, ruled).contains { $0.contains("mustNot rule never broken: cold migrate of off1") })
        var running = plan
        let live = try #require(running.steps.firstIndex { $0.vm == "live" })
        running.steps[live].cold = true
        #expect(refusals(running).contains { $0.contains("cold migrate of live, which is powered on") })
    }

    /// A powered-off FT VM on a host entering maintenance, whose secondary is registered on the
    /// emptiest other host: the cold move must go elsewhere (primary and secondary never share
    /// a host, registered or running).
    static var ftOff: Snapshot {
        var s = Snapshot()
        s.hosts = [Fixtures.host("m", state: .maintenance), Fixtures.host("empty"), Fixtures.host("busy")]
        s.vms = [Fixtures.vm("off", on: "m", cpu: 10, memory: 10), Fixtures.vm("load", on: "busy", cpu: 60, memory: 60)]
        s.vms[0].powerState = .off
        s.vms[0].ft = FaultTolerance(secondaryHost: "empty")
        return s
    }

    @Test("a powered-off FT VM never moves cold onto its secondary's host, with every solver; the checker refuses it",
          arguments: SolverCatalog.names)
    func coldAvoidsTheSecondary(_ solverName: String) throws {
        let s = Self.ftOff
        let plan = try Planner.checkedPlan(s, solver: try SolverCatalog.solver(named: solverName, for: s), options: SolveOptions(timeLimit: 5))
        let cold = try #require(plan.steps.first { $0.cold == true }, "\(solverName): \(plan.steps)")
        #expect(cold.vm == "off" && cold.to == "busy", "\(solverName): \(plan.steps)")
        let next = try Planner.applied(s, plan: plan)
        #expect(next.vms[0].host == "busy" && next.vms[0].ft?.secondaryHost == "empty")
        var onto = plan
        let index = try #require(onto.steps.firstIndex { $0.cold == true })
        onto.steps[index].to = "empty"
        #expect(PlanChecker.check(s, onto).map(\.description).contains { $0.contains("where its FT secondary is registered") })
        // With the secondary's host the only other connected host, the VM stays, and says why.
        var only = s
        only.hosts[2].state = .failed
        only.vms[1].host = "empty"
        let kept = try Planner.checkedPlan(only, solver: GreedySolver())
        #expect(!kept.steps.contains { $0.cold == true })
        #expect(kept.notes.contains { $0.contains("its FT secondary's host excluded") }, "\(kept.notes)")
    }

    @Test("cold steps are read back from plan JSON and shown as such in the text report")
    func coldRoundTrip() throws {
        let s = Self.maintenance
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        let again = try Plan.read(json: Array(JSONWriter.write(plan.json).utf8))
        #expect(again.steps.filter { $0.cold == true }.count == 2)
        #expect(TextReport.render(s, plan).contains("off1 (cold)"))
    }
}
