import Testing
import Foundation
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSBench
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// The applied steps of a plan are a plan on their own (what `--apply` carries out), and the
/// answers around them (infeasible, unknown, the failover sweep) are consistent.
@Suite struct AppliedSubsetTests {
    let makeRoom = FixedSolver(target: ["a": "h2", "n": "h1"])

    /// The plan passes the checker whole and as its applied subset, and `--apply` works.
    func expectBothHold(_ s: Snapshot, _ plan: Plan, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(PlanChecker.check(s, plan).isEmpty, "\(PlanChecker.check(s, plan))", sourceLocation: sourceLocation)
        #expect(PlanChecker.checkApplied(s, plan).isEmpty, "\(PlanChecker.checkApplied(s, plan))", sourceLocation: sourceLocation)
        #expect(throws: Never.self, sourceLocation: sourceLocation) { _ = try Planner.applied(s, plan: plan) }
    }

    @Test("partial: a placement that needs a recommended migration is only recommended, and says which")
    func partialPlacementWaitsForRecommendedMigration() throws {
        let s = Fixtures.roomMadeByAMigration(.partial)
        let plan = try Planner.checkedPlan(s, solver: makeRoom)
        let migrate = try #require(plan.steps.first { $0.vm == "a" })
        let place = try #require(plan.steps.first { $0.vm == "n" })
        #expect(migrate.kind == .migrate && !migrate.applied)
        #expect(place.kind == .place && !place.applied)
        #expect(place.waitsFor == [migrate.label])
        #expect(place.reason.contains("recommended only"))
        // The whole plan still reaches the target; only the applied part is smaller.
        #expect(plan.placement["n"] == "h1")
        expectBothHold(s, plan)
        let next = try Planner.applied(s, plan: plan)
        #expect(next.vms.first { $0.id == "n" }?.host == nil)
    }

    @Test("full automation applies the migration and the placement that needs it")
    func fullAppliesBoth() throws {
        let s = Fixtures.roomMadeByAMigration(.full)
        let plan = try Planner.checkedPlan(s, solver: makeRoom)
        #expect(plan.steps.allSatisfy { $0.applied })
        #expect(plan.steps.allSatisfy { $0.waitsFor == nil })
        expectBothHold(s, plan)
    }

    @Test("per-VM overrides: a step that needs a step its own VM's level only recommends is recommended")
    func perVMOverrides() throws {
        // The migrating VM is manual, disabled-free cluster level full: the placement waits.
        for level in [VMAutomation.manual, .partial] {
            var s = Fixtures.roomMadeByAMigration(.full)
            s.vms[0].automation = level
            let plan = try Planner.checkedPlan(s, solver: makeRoom)
            #expect(plan.steps.first { $0.vm == "a" }?.applied == false)
            #expect(plan.steps.first { $0.vm == "n" }?.applied == false, "\(level)")
            expectBothHold(s, plan)
        }
        // A manual cluster with a full-automation new VM: its placement still needs the move.
        var s = Fixtures.roomMadeByAMigration(.manual)
        s.vms[2].automation = .full
        let plan = try Planner.checkedPlan(s, solver: makeRoom)
        #expect(plan.steps.first { $0.vm == "n" }?.applied == false)
        expectBothHold(s, plan)
        // A full-automation migrating VM in a partial cluster: both are applied.
        s = Fixtures.roomMadeByAMigration(.partial)
        s.vms[0].automation = .full
        let both = try Planner.checkedPlan(s, solver: makeRoom)
        #expect(both.steps.allSatisfy { $0.applied })
        expectBothHold(s, both)
        // A disabled VM is never moved: the new VM goes where there is room already, or waits.
        s = Fixtures.roomMadeByAMigration(.full)
        s.vms[0].automation = .disabled
        let pinned = try Planner.checkedPlan(s, solver: GreedySolver())
        #expect(!pinned.steps.contains { $0.vm == "a" })
        expectBothHold(s, pinned)
    }

    @Test("an HA restart that needs room made by a recommended migration waits for it")
    func restartWaitsForRecommendedMigration() throws {
        var s = Fixtures.roomMadeByAMigration(.partial)
        s.vms.removeLast()
        s.hosts.append(Fixtures.host("dead", state: .failed))
        s.vms.append(Fixtures.vm("d", on: "dead", cpu: 60, memory: 10, priority: .highest))
        let plan = try Planner.checkedPlan(s, solver: FixedSolver(target: ["a": "h2", "d": "h1"]))
        let restart = try #require(plan.steps.first { $0.vm == "d" })
        #expect(restart.kind == .restart)
        #expect(restart.applied == false)
        #expect(restart.waitsFor?.first?.hasPrefix("migrate a h1->h2") == true)
        expectBothHold(s, plan)
        // Under full automation the restart runs, after the migration.
        s.cluster.automation = .full
        let full = try Planner.checkedPlan(s, solver: FixedSolver(target: ["a": "h2", "d": "h1"]))
        #expect(full.steps.allSatisfy { $0.applied })
        expectBothHold(s, full)
    }

    @Test("FT re-protection that needs room made by a recommended migration waits for it")
    func ftReprotectionWaitsForRecommendedMigration() throws {
        var s = Snapshot()
        s.cluster.automation = .partial
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2"), ClusterHost(id: "h3", capacity: ["cpu": 100, "memory": 20]),
                   Fixtures.host("dead", state: .failed)]
        var f = Fixtures.vm("f", on: "h1", cpu: 50, memory: 50)
        f.ft = FaultTolerance(secondaryHost: "dead")
        s.vms = [f, Fixtures.vm("x", on: "h2", cpu: 60, memory: 10)]
        let plan = try Planner.checkedPlan(s, solver: FixedSolver(target: ["x": "h3"], secondaries: ["f": "h2"]))
        let secondary = try #require(plan.steps.first { $0.vm == "f" && $0.secondary == true })
        #expect(secondary.applied == false)
        #expect(secondary.waitsFor?.first?.hasPrefix("migrate x h2->h3") == true)
        expectBothHold(s, plan)
    }

    @Test("a standby step waits for the recommended migrations that empty its host")
    func standbyWaitsForRecommendedEvacuation() throws {
        var s = Snapshot()
        s.cluster.goal = .consolidate
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2")]
        var a = Fixtures.vm("a", on: "h1", cpu: 10, memory: 10)
        a.automation = .manual
        s.vms = [a, Fixtures.vm("b", on: "h2", cpu: 10, memory: 10)]
        let plan = try Planner.checkedPlan(s, solver: FixedSolver(target: ["a": "h2"]))
        let standby = try #require(plan.steps.first { $0.kind == .standby })
        #expect(standby.host == "h1")
        #expect(standby.applied == false)
        #expect(standby.waitsFor?.first?.hasPrefix("migrate a h1->h2") == true)
        expectBothHold(s, plan)
    }

    @Test("a required affinity group moves together in the applied subset or not at all")
    func affinityGroupMovesTogetherOrWaits() throws {
        var s = Snapshot()
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2")]
        var x = Fixtures.vm("x", on: "h1", cpu: 20, memory: 10)
        x.automation = .manual
        s.vms = [x, Fixtures.vm("y", on: "h1", cpu: 20, memory: 10)]
        s.rules = [Rule(id: "pair", kind: .affinity, vms: ["x", "y"], required: true)]
        let plan = try Planner.checkedPlan(s, solver: FixedSolver(target: ["x": "h2", "y": "h2"]))
        #expect(plan.steps.count == 2, "\(plan.dropped) \(plan.json)")
        #expect(plan.steps.allSatisfy { !$0.applied })
        #expect(plan.steps.first { $0.vm == "y" }?.waitsFor?.first?.hasPrefix("migrate x h1->h2") == true)
        expectBothHold(s, plan)
    }

    @Test("a powerOn runs only when an applied step needs the host")
    func powerOnFollowsItsAppliedSteps() throws {
        var s = Snapshot()
        s.hosts = [Fixtures.host("on"), Fixtures.host("sleeping", state: .standby)]
        var b = Fixtures.vm("b", on: nil, cpu: 50, memory: 10)
        b.automation = .manual
        s.vms = [Fixtures.vm("a", on: "on", cpu: 70, memory: 10), b]
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        let powerOn = try #require(plan.steps.first { $0.kind == .powerOn })
        #expect(powerOn.applied == false)
        expectBothHold(s, plan)
        s.vms[1].automation = nil
        let applied = try Planner.checkedPlan(s, solver: GreedySolver())
        #expect(applied.steps.first { $0.kind == .powerOn }?.applied == true)
        expectBothHold(s, applied)
    }

    /// Random small clusters with mixed automation levels, failed and maintenance hosts and
    /// rules: whatever the solver, a checked plan's applied subset holds alone.
    static func mixedCluster(seed: UInt64) -> Snapshot {
        var s = PlannerPropertyTests.cluster(seed: seed)
        var rng = SeededGenerator(seed: seed &* 31 &+ 7)
        s.cluster.automation = AutomationLevel.allCases.randomElement(using: &rng)!
        s.cluster.migrationThreshold = max(s.cluster.migrationThreshold, 2)
        if Bool.random(using: &rng) { s.cluster.goal = .consolidate }
        for v in s.vms.indices where Int.random(in: 0..<3, using: &rng) == 0 {
            s.vms[v].automation = [VMAutomation.manual, .partial, .full, .disabled].randomElement(using: &rng)!
        }
        // A required affinity pair already together, and a must rule a VM already keeps.
        let together = Dictionary(grouping: s.vms.filter { $0.host != nil }, by: { $0.host! }).values.first { $0.count >= 2 }
        if let pair = together, Bool.random(using: &rng) {
            s.rules.append(Rule(id: "pair", kind: .affinity, vms: [pair[0].id, pair[1].id], required: true))
        }
        if let kept = s.vms.first(where: { $0.host != nil }), Bool.random(using: &rng) {
            let other = s.hosts.map(\.id).filter { $0 != kept.host }.randomElement(using: &rng)!
            s.rules.append(Rule(id: "lic", kind: .vmHost, vms: [kept.id], hosts: [kept.host!, other], policy: .must))
        }
        if s.hosts.count > 3, Bool.random(using: &rng) { s.hosts[s.hosts.count - 1].state = .maintenance }
        if s.hosts.count > 4, Bool.random(using: &rng) { s.hosts[s.hosts.count - 2].state = .standby; for v in s.vms.indices where s.vms[v].host == s.hosts[s.hosts.count - 2].id { s.vms[v].host = nil } }
        return s
    }

    @Test("the applied steps alone satisfy every hard constraint at every wave (random clusters, every solver)")
    func appliedSubsetHoldsOnRandomClusters() throws {
        var checked = 0, demoted = 0
        for seed in UInt64(0)..<80 {
            let s = Self.mixedCluster(seed: seed)
            guard (try? Snapshot.read(json: JSONWriter.write(s.json))) != nil else { continue }
            for name in ["greedy", "local-search", "bin-centric", "ffd-l2", "exact"] {
                let solver = try SolverCatalog.solver(named: name, for: s)
                guard let plan = try? Planner.checkedPlan(s, solver: solver, options: SolveOptions(timeLimit: 2)) else { continue }
                checked += 1
                demoted += plan.steps.filter { $0.waitsFor != nil }.count
                #expect(PlanChecker.checkApplied(s, plan).isEmpty, "seed \(seed) \(name): \(PlanChecker.checkApplied(s, plan))")
                #expect(throws: Never.self) { _ = try Planner.applied(s, plan: plan) }
            }
        }
        #expect(checked > 100)
        print("applied-subset property: \(checked) plans, \(demoted) steps kept as recommendations")
    }

    // MARK: Consistency of answers

    @Test("the text report never says the cluster is where it should be while a VM is unplaced")
    func noStepsTextNamesUnplaced() throws {
        var s = Snapshot()
        s.hosts = [Fixtures.host("h1")]
        s.vms = [Fixtures.vm("big", on: nil, cpu: 90, memory: 10), Fixtures.vm("a", on: "h1", cpu: 50, memory: 10)]
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        #expect(plan.steps.isEmpty && plan.unplaced == ["big"])
        let text = TextReport.render(s, plan)
        #expect(!text.contains("already where it should be"))
        #expect(text.contains("1 VM(s) stay unplaced: big"))
    }

    @Test("failover --all keeps to --time-limit as the budget of the whole sweep")
    func failoverSweepKeepsToItsBudget() throws {
        // 400 hosts: each failure takes a few milliseconds, the whole sweep far more than 0.05 s.
        var s = Snapshot()
        s.hosts = (0..<400).map { Fixtures.host("h\($0)", cpu: 1000, memory: 1000) }
        s.vms = (0..<2000).map { Fixtures.vm("v\($0)", on: "h\($0 % 400)", cpu: 100, memory: 100) }
        let clock = ContinuousClock()
        let start = clock.now
        let sweep = FailoverSweep.sweep(s, solver: GreedySolver(), options: SolveOptions(timeLimit: 0.05))
        let elapsed = (clock.now - start) / .seconds(1)
        #expect(sweep.timeLimitPerFailure < 0.05)
        #expect(sweep.reports.count + sweep.skipped.count == 400)
        #expect(!sweep.skipped.isEmpty, "planned \(sweep.reports.count) in \(elapsed) s")
        #expect(!sweep.absorbed && sweep.status == "incomplete")
        // The budget plus the failures already running (one per core) when it ran out.
        #expect(elapsed < 2, "\(elapsed) s")
        // With a budget that covers it, every failure is planned.
        s.hosts.removeLast(390)
        s.vms = s.vms.filter { vm in s.hosts.contains { $0.id == vm.host } }
        let full = FailoverSweep.sweep(s, solver: GreedySolver(), options: SolveOptions(timeLimit: 60))
        #expect(full.skipped.isEmpty && full.absorbed, "\(full.skipped) \(full.failing.map(\.host))")
    }

    // MARK: Infeasible means proven

    static let disagreeing = ["heuristics-disagree-36.json", "heuristics-disagree-46.json", "heuristics-disagree-61.json"]

    @Test("infeasible means proven: where one solver finds a plan, no solver answers infeasible", arguments: disagreeing)
    func solversAgreeWhereAPlanExists(name: String) throws {
        // Random small snapshots (maintenance, failed and standby hosts, rules, HA) on which the
        // heuristics used to answer infeasible while another solver succeeded.
        let data = try Data(contentsOf: Fixtures.root.appendingPathComponent("Datasets/regressions/\(name)"))
        let s = try Snapshot.read(json: Array(data))
        for solverName in SolverCatalog.names where solverName != "exact-assignment" {
            let solver = try SolverCatalog.solver(named: solverName, for: s)
            let plan = try Planner.checkedPlan(s, solver: solver, options: SolveOptions(timeLimit: 5))
            #expect(plan.status != .infeasible && plan.status != .unknown)
            #expect(PlanChecker.check(s, plan).isEmpty, "\(solverName)")
            #expect(PlanChecker.checkApplied(s, plan).isEmpty, "\(solverName)")
        }
    }

    @Test("a fallback plan says which solver failed and which one made it")
    func fallbackIsNamed() throws {
        struct Stubborn: PlacementSolver {
            let id = "stubborn"
            func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
                // Leaves every VM where it is: a host entering maintenance keeps its VMs.
                SolverResult(status: .feasible, placement: problem.vmInitialHost, secondaries: problem.vmInitialSecondary,
                             movePriority: [UInt8](repeating: 0, count: problem.vmCount))
            }
        }
        var s = Snapshot()
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("m", state: .maintenance)]
        s.vms = [Fixtures.vm("a", on: "m", cpu: 30, memory: 10), Fixtures.vm("b", on: "h1", cpu: 30, memory: 10)]
        let plan = try Planner.checkedPlan(s, solver: Stubborn())
        #expect(plan.solver == "greedy")
        #expect(plan.notes.contains { $0.contains("stubborn") && $0.contains("greedy") }, "\(plan.notes)")
        #expect(plan.placement["a"] != "m")
        #expect(PlanChecker.check(s, plan).isEmpty)
    }

    // MARK: Standby hosts and the HA reserve; placing again after the waves

    @Test("a standby host is powered on to hold the HA reserve when a VM would otherwise stay unplaced")
    func standbyHostHoldsTheReserve() throws {
        var s = Snapshot()
        s.cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 1, master: "h1")
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("spare", state: .standby)]
        s.vms = [Fixtures.vm("a", on: "h1", cpu: 60, memory: 10), Fixtures.vm("b", on: "h2", cpu: 30, memory: 10),
                 Fixtures.vm("n", on: nil, cpu: 30, memory: 10, priority: .highest)]
        // Over h1 and h2 the reserve is 100 < 120; with the spare host on it is 200.
        for name in ["greedy", "local-search", "bin-centric", "exact"] {
            let plan = try Planner.checkedPlan(s, solver: try SolverCatalog.solver(named: name, for: s))
            #expect(plan.unplaced.isEmpty, "\(name): \(plan.reasons)")
            let powerOn = try #require(plan.steps.first { $0.kind == .powerOn }, "\(name)")
            #expect(powerOn.host == "spare" && powerOn.applied)
            #expect(PlanChecker.check(s, plan).isEmpty, "\(name)")
            #expect(PlanChecker.checkApplied(s, plan).isEmpty, "\(name)")
        }
        // A new VM that is only recommended needs no reserve yet: the host stays in standby
        // under --apply, and the applied subset holds.
        s.vms[2].automation = .manual
        let manual = try Planner.checkedPlan(s, solver: GreedySolver())
        #expect(manual.steps.first { $0.kind == .powerOn }?.applied == false)
        #expect(manual.steps.first { $0.vm == "n" }?.applied == false)
        #expect(PlanChecker.checkApplied(s, manual).isEmpty)
        s.vms[2].automation = nil
        // Without a standby host the VM stays unplaced for admission control, as before.
        s.hosts.removeLast()
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        #expect(plan.unplaced == ["n"])
        #expect(plan.reasons["n"]?.contains("admission control") == true)
    }

    @Test("admission control counts a standby host the plan powers on to place a VM")
    func admissionCountsAHostThePlanPowersOn() throws {
        var s = Snapshot()
        s.cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 1, master: "h1")
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("spare", state: .standby)]
        // The new VM fits only on the spare host; over h1 and h2 alone the reserve (100) cannot
        // cover 180, over all three (200) it can.
        s.vms = [Fixtures.vm("a", on: "h1", cpu: 70, memory: 10), Fixtures.vm("c", on: "h2", cpu: 70, memory: 10),
                 Fixtures.vm("b", on: nil, cpu: 40, memory: 10)]
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        #expect(plan.placement["b"] == "spare", "\(plan.reasons)")
        #expect(plan.steps.filter { $0.kind == .powerOn }.map(\.host) == ["spare"])
        #expect(PlanChecker.check(s, plan).isEmpty)
        #expect(PlanChecker.checkApplied(s, plan).isEmpty)
    }

    @Test("VMs left unplaced by dropped moves are placed again on the state the waves reach")
    func unplacedAfterDroppedMovesArePlacedAgain() throws {
        var s = Snapshot()
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2"), ClusterHost(id: "small", capacity: ["cpu": 50, "memory": 100])]
        s.vms = [Fixtures.vm("a", on: "h1", cpu: 60, memory: 10), Fixtures.vm("b", on: "h2", cpu: 90, memory: 10),
                 Fixtures.vm("n", on: nil, cpu: 45, memory: 10)]
        // The target swaps nothing feasible: a cannot reach h2, so n never gets room on h1.
        let plan = try Planner.checkedPlan(s, solver: FixedSolver(target: ["a": "h2", "n": "h1"]))
        #expect(plan.dropped.contains { $0.vm == "a" })
        #expect(plan.placement["n"] == "small", "\(plan.unplaced) \(plan.reasons)")
        #expect(plan.steps.first { $0.vm == "n" }?.reason.contains("placed after the other steps") == true)
        #expect(plan.unplaced.isEmpty)
        #expect(PlanChecker.check(s, plan).isEmpty)
        #expect(plan.status == .feasible)
    }
}
