import Testing
import Foundation
@_spi(Benchmarks) import OpenDRS
import DRSTestSupport

/// Applied subsets, infeasible and unknown answers and the failover sweep through the command
/// line (the planner's side is in DRSPlannerTests).
@Suite struct AppliedSubsetTests {
    let makeRoom = FixedSolver(target: ["a": "h2", "n": "h1"])

    @Test("drs plan --apply under partial automation succeeds and drs check verifies both parts")
    func commandLineApplyAndCheck() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-applied-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var s = Fixtures.roomMadeByAMigration(.partial)
        s.vms[2].priority = .highest
        let input = folder.appendingPathComponent("in.json").path
        try JSONWriter.write(s.json).write(toFile: input, atomically: true, encoding: .utf8)
        for solver in ["greedy", "local-search", "exact", "bin-centric"] {
            let next = folder.appendingPathComponent("next-\(solver).json").path
            let result = try Fixtures.drs(["plan", input, "--solver", solver, "--apply", next])
            #expect(result.code == 0, "\(solver): \(result.err)")
            let planFile = folder.appendingPathComponent("plan-\(solver).json").path
            try result.out.write(toFile: planFile, atomically: true, encoding: .utf8)
            let checked = try Fixtures.drs(["check", input, planFile])
            #expect(checked.code == 0, "\(solver): \(checked.err)")
            #expect(checked.out.contains("applied subset OK"))
        }
        // A plan whose applied placement needs the recommended migration is rejected, and the
        // checker says it is the applied subset that fails.
        var plan = try Planner.checkedPlan(s, solver: makeRoom)
        for index in plan.steps.indices where plan.steps[index].vm == "n" { plan.steps[index].applied = true }
        let broken = folder.appendingPathComponent("broken.json").path
        try JSONWriter.write(plan.json).write(toFile: broken, atomically: true, encoding: .utf8)
        let rejected = try Fixtures.drs(["check", input, broken])
        #expect(rejected.code == 1)
        #expect(rejected.err.contains("its applied subset failed"), "\(rejected.err)")
        #expect(rejected.err.contains("whole plan OK"))
    }

    @Test("an infeasible answer applies nothing")
    func infeasibleAppliesNothing() throws {
        var s = try Fixtures.example("seed-figure-1.json")
        s.cluster.ha = nil
        do {
            _ = try Planner.evacuationPlan(s, hosts: ["C", "D"], solver: GreedySolver())
            Issue.record("expected a refusal")
        } catch let PlanningError.infeasible(_, plan) {
            #expect(plan.status == .infeasible)
            #expect(plan.steps.allSatisfy { !$0.applied })
        }
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        let refused = try Fixtures.drs(["evacuate", path, "--host", "C", "D"])
        #expect(refused.code == 3)
        let printed = try Plan.read(json: Array(refused.out.utf8))
        #expect(printed.status == .infeasible)
        #expect(printed.steps.allSatisfy { !$0.applied })
    }

    @Test("failover --all writes one JSON object with a report per host, and exits 3 when a failure leaves VMs down")
    func failoverSweepJSONAndExitCode() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-sweep-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        let ok = try Fixtures.drs(["failover", path, "--all", "--format", "json"])
        #expect(ok.code == 0, "\(ok.err)")
        let root = try JSONParser.parse(Array(ok.out.utf8))
        #expect(root["status"] == .string("ok"))
        guard case let .array(hosts) = root["hosts"] else { Issue.record("no hosts array"); return }
        #expect(hosts.compactMap { $0["host"] }.map { "\($0)" }.count == 4)
        #expect(hosts.allSatisfy { $0["status"] == .string("ok") })
        // Two full hosts: either failure leaves VMs down.
        var s = Snapshot()
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2")]
        s.vms = [Fixtures.vm("a", on: "h1", cpu: 80, memory: 10), Fixtures.vm("b", on: "h2", cpu: 80, memory: 10)]
        let tight = folder.appendingPathComponent("tight.json").path
        try JSONWriter.write(s.json).write(toFile: tight, atomically: true, encoding: .utf8)
        let down = try Fixtures.drs(["failover", tight, "--all", "--format", "json"])
        #expect(down.code == 3, "\(down.err)")
        let report = try JSONParser.parse(Array(down.out.utf8))
        #expect(report["status"] == .string("vmsDown"))
        #expect(report["hostsWithVMsDown"] == .number(2))
        let text = try Fixtures.drs(["failover", tight, "--all", "--format", "text"])
        #expect(text.code == 3)
        #expect(text.out.contains("h1: 1 could not be restarted"))
    }

    @Test("infeasible means proven: an evacuation no solver manages but nothing proves impossible is unknown (exit 3, status unknown)")
    func unprovenFailureIsUnknown() throws {
        // Three VMs of 60 for two hosts of 100: the aggregate fits (180 <= 200), no host takes two.
        var s = Snapshot()
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("m", state: .maintenance)]
        s.vms = [Fixtures.vm("x", on: "h1", cpu: 60, memory: 10), Fixtures.vm("y", on: "h2", cpu: 60, memory: 10),
                 Fixtures.vm("p", on: "m", cpu: 60, memory: 10)]
        #expect(Planner.provenInfeasibility(Problem(s)) == nil)
        do {
            _ = try Planner.checkedPlan(s, solver: GreedySolver())
            Issue.record("expected no plan")
        } catch let failure as NoPlanFound {
            #expect(failure.plan.status == .unknown)
            #expect(failure.plan.steps.allSatisfy { !$0.applied })
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-unknown-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let input = folder.appendingPathComponent("three.json").path
        try JSONWriter.write(s.json).write(toFile: input, atomically: true, encoding: .utf8)
        for solver in ["greedy", "local-search", "exact"] {
            let result = try Fixtures.drs(["plan", input, "--solver", solver])
            // No plan: exit 3 like infeasible, the JSON answer says unknown and applies nothing.
            #expect(result.code == 3, "\(solver): \(result.err)")
            #expect(result.err.contains("status unknown"))
            let answer = try Plan.read(json: Array(result.out.utf8))
            #expect(answer.status == .unknown, "\(solver)")
            #expect(answer.steps.allSatisfy { !$0.applied }, "\(solver)")
        }
        // One more VM of 60 and the aggregate no longer fits: proven, exit 3.
        s.vms.append(Fixtures.vm("q", on: "m", cpu: 60, memory: 10))
        #expect(Planner.provenInfeasibility(Problem(s))?.hasPrefix("proven:") == true)
        #expect(throws: PlanningError.self) { _ = try Planner.checkedPlan(s, solver: GreedySolver()) }
    }
}
