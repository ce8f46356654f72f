import Testing
import Foundation
@_spi(Benchmarks) import OpenDRS
import DRSTestSupport

/// HA failover, evacuation and the failover sweep through the command line (the planner's side is
/// in DRSPlannerTests).
@Suite struct HATests {
    @Test func foundingScenarioThroughTheCommandLine() throws {
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        let result = try Fixtures.drs(["failover", path, "--fail", "A"])
        #expect(result.code == 0, "\(result.err)")
        let plan = try Plan.read(json: Array(result.out.utf8))
        #expect(plan.haMaster == "B")
        #expect(plan.steps.contains { $0.kind == .promote && $0.vm == "A1" })
    }

    @Test func evacuateCommandEmptiesTheHostOrExitsThree() throws {
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        let ok = try Fixtures.drs(["evacuate", path, "--host", "B"])
        #expect(ok.code == 0, "\(ok.err)")
        let plan = try Plan.read(json: Array(ok.out.utf8))
        #expect(!plan.placement.values.contains("B"))
        #expect(!plan.secondaries.values.contains("B"))
        let refused = try Fixtures.drs(["evacuate", path, "--host", "C", "D"])
        #expect(refused.code == 3)
        #expect(refused.err.contains("refused"))
    }

    @Test func failoverAllReportsHostByHost() throws {
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        let result = try Fixtures.drs(["failover", path, "--all", "--format", "text"])
        #expect(result.code == 0, "\(result.err)")
        for host in ["A", "B", "C", "D"] { #expect(result.out.contains("\(host): ")) }
    }

    @Test("failover --all answers, never with a signal, when an FT VM's primary host has already failed")
    func failoverAllWithAPromotedFTVMThroughTheCommandLine() throws {
        let text = Fixtures.json(hosts: """
            [{"id": "h1", "capacity": {"cpu": 100, "memory": 100}, "state": "failed"},
             {"id": "h2", "capacity": {"cpu": 100, "memory": 100}},
             {"id": "h3", "capacity": {"cpu": 100, "memory": 100}},
             {"id": "h4", "capacity": {"cpu": 100, "memory": 100}}]
            """, vms: """
            [{"id": "ft", "host": "h1", "demand": {"cpu": 30, "memory": 10}, "ft": {"secondaryHost": "h2"}},
             {"id": "other", "host": "h3", "demand": {"cpu": 20, "memory": 10}}]
            """)
        let sweep = try Fixtures.drs(["failover", "-", "--all", "--format", "text"], stdin: text)
        #expect(sweep.code == 0, "\(sweep.err)")
        #expect(sweep.out.contains("h2: ok, 1 restarted, 0 promoted"), "\(sweep.out)")
        let plan = try Fixtures.drs(["failover", "-", "--fail", "h2", "--solver", "greedy"], stdin: text)
        #expect(plan.code == 0, "\(plan.err)")
        #expect(plan.out.contains("\"kind\": \"restart\"") && !plan.out.contains("\"kind\": \"promote\""), "\(plan.out)")
    }
}
