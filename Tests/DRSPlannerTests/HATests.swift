import Testing
import Foundation
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSBench
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// HA restarts, FT promotion and re-protection, admission control, maintenance and power.
@Suite struct HATests {
    @Test func foundingScenarioHostAFails() throws {
        var snapshot = try Fixtures.example("seed-figure-1.json")
        snapshot.hosts[0].state = .failed
        let plan = try Planner.checkedPlan(snapshot, solver: GreedySolver())
        #expect(PlanChecker.check(snapshot, plan).isEmpty)
        let elect = try #require(plan.steps.first { $0.kind == .elect })
        #expect(elect.host == "B" && elect.wave == 1 && elect.applied)
        #expect(plan.haMaster == "B")
        let promote = try #require(plan.steps.first { $0.kind == .promote })
        #expect(promote.vm == "A1" && promote.from == "A" && promote.to == "C" && promote.seconds == 0)
        let restarted = plan.steps.filter { $0.kind == .restart }
        #expect(Set(restarted.compactMap(\.vm)) == ["A2", "A3"])
        #expect(restarted.allSatisfy { $0.to != "A" && $0.from == "A" && $0.applied })
        let secondary = try #require(plan.steps.first { $0.vm == "A1" && $0.secondary == true })
        #expect(secondary.kind == .place)
        #expect(secondary.to != "C" && secondary.to != "A")
        #expect(plan.placement["A1"] == "C")
        #expect(plan.secondaries["A1"] == secondary.to)
        #expect(plan.unplaced.isEmpty)
    }

    @Test("Planner.failoverPlan plans the snapshot with the hosts failed; an unknown host is refused by name")
    func failoverEntry() throws {
        let snapshot = try Fixtures.example("seed-figure-1.json")
        let plan = try Planner.failoverPlan(snapshot, failing: ["A"], solver: GreedySolver())
        var failed = snapshot
        failed.hosts[0].state = .failed
        #expect(try Planner.failed(snapshot, ["A"]).hosts.map(\.state) == failed.hosts.map(\.state))
        #expect(PlanChecker.check(failed, plan).isEmpty)
        #expect(plan.steps.contains { $0.kind == .promote && $0.vm == "A1" })
        #expect(plan.placement.values.allSatisfy { $0 != "A" })
        #expect(throws: UnknownHost.self) { try Planner.failoverPlan(snapshot, failing: ["nope"], solver: GreedySolver()) }
    }

    @Test func haStepsApplyEvenInManualMode() throws {
        var snapshot = try Fixtures.example("seed-figure-1.json")
        snapshot.cluster.automation = .manual
        snapshot.hosts[0].state = .failed
        let plan = try Planner.checkedPlan(snapshot, solver: GreedySolver())
        for step in plan.steps {
            let ha = [Step.Kind.restart, .promote, .elect].contains(step.kind)
            #expect(step.applied == ha, "\(step.kind) \(step.vm ?? step.host ?? "")")
        }
    }

    @Test func restartOrderFollowsPriorityWhenCapacityIsShort() throws {
        var s = Snapshot()
        s.hosts = [Fixtures.host("down", state: .failed), Fixtures.host("up")]
        s.vms = [Fixtures.vm("low", on: "down", cpu: 60, memory: 10, priority: .low),
                 Fixtures.vm("high", on: "down", cpu: 60, memory: 10, priority: .high),
                 Fixtures.vm("resident", on: "up", cpu: 30, memory: 10, priority: .lowest)]
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        #expect(plan.placement["high"] == "up")
        #expect(plan.unplaced == ["low"])
        #expect(plan.reasons["low"]?.contains("room") == true)
        #expect(plan.placement["resident"] == "up", "a running VM is never evicted for a restart")
    }

    @Test func secondaryHostFailureReprotectsOnAThirdHost() throws {
        var s = Snapshot()
        s.hosts = [Fixtures.host("p"), Fixtures.host("s", state: .failed), Fixtures.host("t")]
        s.vms = [Fixtures.vm("ft", on: "p", cpu: 40, memory: 40)]
        s.vms[0].ft = FaultTolerance(secondaryHost: "s")
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        #expect(plan.placement["ft"] == "p")
        #expect(plan.secondaries["ft"] == "t")
        #expect(!plan.steps.contains { $0.kind == .promote })
    }

    @Test func ftPrimaryAndSecondaryNeverShareAHost() throws {
        // Random clusters with FT VMs and one failed host: the pair always ends apart.
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<40 {
            var s = Snapshot()
            let hostCount = Int.random(in: 3...5, using: &rng)
            s.hosts = (0..<hostCount).map { Fixtures.host("h\($0)", cpu: 100, memory: 100) }
            s.hosts[Int.random(in: 0..<hostCount, using: &rng)].state = .failed
            let alive = s.hosts.filter { $0.state == .connected }.map(\.id)
            let all = s.hosts.map(\.id)
            for v in 0..<Int.random(in: 1...4, using: &rng) {
                let host = all.randomElement(using: &rng)!
                var vm = Fixtures.vm("v\(v)", on: host, cpu: Double(Int.random(in: 5...20, using: &rng)), memory: 10)
                let secondary = all.filter { $0 != host }.randomElement(using: &rng)!
                vm.ft = FaultTolerance(secondaryHost: secondary)
                s.vms.append(vm)
            }
            _ = alive
            let plan = try Planner.checkedPlan(s, solver: GreedySolver())
            for (vm, secondary) in plan.secondaries { #expect(plan.placement[vm] != secondary) }
        }
    }

    @Test func admissionControlRefusesANewVM() throws {
        var s = Snapshot()
        s.cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 1, master: "h1")
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("h3")]
        // Reserve after one failure: 300 - 100 = 200 cpu; 150 runs already.
        s.vms = [Fixtures.vm("a", on: "h1", cpu: 75, memory: 10), Fixtures.vm("b", on: "h2", cpu: 75, memory: 10),
                 Fixtures.vm("fits", on: nil, cpu: 40, memory: 10, priority: .high),
                 Fixtures.vm("breaks", on: nil, cpu: 40, memory: 10, priority: .low)]
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        #expect(plan.placement["fits"] != nil)
        #expect(plan.unplaced == ["breaks"])
        #expect(plan.reasons["breaks"]?.contains("admission control") == true)
        // Without HA the same VM is placed.
        s.cluster.ha = nil
        #expect(try Planner.checkedPlan(s, solver: GreedySolver()).unplaced.isEmpty)
    }

    @Test func evacuationRefusesNamingPinnedVMs() throws {
        var s = try Fixtures.example("seed-figure-1.json")
        s.vms[7].automation = .disabled   // D1 on D
        #expect(throws: PlanningError.self) {
            _ = try Planner.evacuationPlan(s, hosts: ["D"], solver: GreedySolver())
        }
        do {
            _ = try Planner.evacuationPlan(s, hosts: ["D"], solver: GreedySolver())
        } catch let PlanningError.infeasible(message, _) {
            #expect(message.contains("D1: automation is disabled"))
        }
    }

    @Test func evacuationRefusesWhenRulesBlock() throws {
        var s = try Fixtures.example("seed-figure-1.json")
        // D1 must run on C or D; with both in maintenance it has nowhere to go.
        s.cluster.ha = nil
        do {
            _ = try Planner.evacuationPlan(s, hosts: ["C", "D"], solver: GreedySolver())
            Issue.record("expected a refusal")
        } catch let PlanningError.infeasible(message, _) {
            #expect(message.contains("D1"), "\(message)")
        }
    }

    @Test func evacuationRefusesWhenItBreaksTheFailoverLevel() throws {
        var s = Snapshot()
        s.cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 1, master: "h1")
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("h3")]
        s.vms = [Fixtures.vm("a", on: "h1", cpu: 60, memory: 10), Fixtures.vm("b", on: "h2", cpu: 30, memory: 10)]
        // With h3 gone, 200 - 100 = 100 cpu of reserve < 90? No: 90 <= 100 holds; with h2 and h3 gone it cannot.
        #expect(throws: Never.self) { _ = try Planner.evacuationPlan(s, hosts: ["h3"], solver: GreedySolver()) }
        s.vms.append(Fixtures.vm("c", on: "h3", cpu: 30, memory: 10))
        do {
            _ = try Planner.evacuationPlan(s, hosts: ["h3"], solver: GreedySolver())
            Issue.record("expected a refusal: 120 cpu on two hosts cannot survive one failure")
        } catch let PlanningError.infeasible(message, _) {
            #expect(message.contains("HA admission control"))
        }
    }

    @Test func electionPrefersMostDatastoresThenGreatestId() {
        var s = Snapshot()
        s.cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 0, master: "m")
        s.hosts = [ClusterHost(id: "m", capacity: [:], state: .failed, datastores: ["a", "b", "c", "d"]),
                   ClusterHost(id: "alpha", capacity: [:], datastores: ["a", "b"]),
                   ClusterHost(id: "beta", capacity: [:], datastores: ["a", "b"]),
                   ClusterHost(id: "gamma", capacity: [:], datastores: ["a"])]
        #expect(Problem(s).haMaster == "beta", "a tie goes to the lexically greatest id")
        s.hosts[1].datastores.append("c")
        #expect(Problem(s).haMaster == "alpha", "most datastores wins first")
        s.cluster.ha?.master = "gamma"
        #expect(Problem(s).haMaster == "gamma" && !Problem(s).haElected, "a live master stays")
    }

    @Test func consolidationPutsEmptiedHostsInStandby() throws {
        let s = try Fixtures.example("maintenance.json")
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        let standby = plan.steps.filter { $0.kind == .standby }
        #expect(!standby.isEmpty)
        for step in standby {
            #expect(!plan.placement.values.contains(step.host!))
            #expect(step.wave == plan.steps.map(\.wave).max())
        }
    }

    @Test func standbyHostIsPoweredOnWhenCapacityIsShort() throws {
        var s = Snapshot()
        s.cluster.goal = .consolidate
        s.hosts = [Fixtures.host("on"), Fixtures.host("sleeping", state: .standby)]
        s.vms = [Fixtures.vm("a", on: "on", cpu: 70, memory: 10), Fixtures.vm("b", on: nil, cpu: 50, memory: 10)]
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        let powerOn = try #require(plan.steps.first { $0.kind == .powerOn })
        #expect(powerOn.host == "sleeping")
        let place = try #require(plan.steps.first { $0.vm == "b" })
        #expect(place.to == "sleeping" && place.wave >= powerOn.wave)
    }

    @Test func failingAHostMatchesCompilingTheFailedSnapshot() throws {
        var snapshots = [try Fixtures.example("seed-figure-1.json"), try Fixtures.example("rules-and-priorities.json")]
        snapshots.append(PlannerPropertyTests.cluster(seed: 11))
        for snapshot in snapshots {
            let base = Problem(snapshot)
            for h in snapshot.hosts.indices where snapshot.hosts[h].state == .connected {
                var failed = snapshot
                failed.hosts[h].state = .failed
                let expected = Problem(failed), derived = base.failing(h)
                #expect(derived.vmInitialHost == expected.vmInitialHost)
                #expect(derived.vmInitialSecondary == expected.vmInitialSecondary)
                #expect(derived.vmNeedsRestart == expected.vmNeedsRestart)
                #expect(derived.vmPromoted == expected.vmPromoted)
                #expect(derived.vmPinned == expected.vmPinned)
                #expect(derived.hostState == expected.hostState)
                #expect(derived.hostReceives == expected.hostReceives)
                #expect(derived.admissionLimit == expected.admissionLimit)
                #expect(derived.haMaster == expected.haMaster && derived.haElected == expected.haElected)
                #expect(derived.snapshot == expected.snapshot)
            }
        }
    }

    @Test func sweepAgreesWithPlanningEachFailure() throws {
        let snapshot = try Fixtures.example("seed-figure-1.json")
        let reports = FailoverSweep.run(snapshot, solver: GreedySolver())
        #expect(reports.map(\.host) == ["A", "B", "C", "D"])
        for report in reports {
            var failed = snapshot
            failed.hosts[failed.hosts.firstIndex { $0.id == report.host }!].state = .failed
            failed.cluster.migrationThreshold = 1
            let plan = try Planner.checkedPlan(failed, solver: GreedySolver())
            #expect(report.restarted == plan.steps.filter { $0.kind == .restart }.count)
            #expect(report.lost.map(\.vm) == plan.unplaced)
            #expect(report.error == nil)
        }
    }

    @Test func sweepReportsWhatCannotBeRestarted() {
        var s = Snapshot()
        s.hosts = [Fixtures.host("big", cpu: 200, memory: 200), Fixtures.host("small", cpu: 50, memory: 50)]
        s.vms = [Fixtures.vm("heavy", on: "big", cpu: 150, memory: 10), Fixtures.vm("light", on: "small", cpu: 10, memory: 10)]
        let reports = FailoverSweep.run(s, solver: GreedySolver())
        #expect(reports.first { $0.host == "big" }?.lost.map(\.vm) == ["heavy"])
        #expect(reports.first { $0.host == "small" }?.lost.isEmpty == true)
    }

    @Test(arguments: SolverCatalog.names)
    func admissionCountsRunningVMsStillToBeMoved(solver name: String) throws {
        // Reserve after one failure: 300 - 100 = 200 cpu. "a" must leave the host entering
        // maintenance and will run somewhere; with it, the new VM would need 210.
        var s = Snapshot()
        s.cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 1, master: "h1")
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("h3"), Fixtures.host("m", state: .maintenance)]
        s.vms = [Fixtures.vm("a", on: "m", cpu: 70, memory: 10), Fixtures.vm("b", on: "h1", cpu: 70, memory: 10),
                 Fixtures.vm("new", on: nil, cpu: 70, memory: 10, priority: .highest)]
        let solver = try SolverCatalog.solver(named: name, for: s)
        let plan = try Planner.checkedPlan(s, solver: solver, options: SolveOptions(timeLimit: 2))
        #expect(plan.placement["a"] != nil && plan.placement["a"] != "m")
        #expect(plan.unplaced == ["new"], "\(name): \(plan.placement)")
        #expect(plan.reasons["new"]?.contains("admission control") == true, "\(name): \(plan.reasons)")
    }
}
