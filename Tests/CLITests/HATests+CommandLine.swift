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

    @Test("failover --vm restarts the failed guests on their own hosts, with or without --fail; an unknown or powered-off VM exits 2")
    func guestFailureThroughTheCommandLine() throws {
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        let result = try Fixtures.drs(["failover", path, "--vm", "B2", "C1", "--format", "json"])
        #expect(result.code == 0, "\(result.err)")
        let plan = try Plan.read(json: Array(result.out.utf8))
        let restarts = plan.steps.filter { $0.kind == .restart }
        #expect(Set(restarts.compactMap(\.vm)) == ["B2", "C1"])
        #expect(restarts.allSatisfy { $0.from == $0.to && $0.wave == 1 && $0.applied && $0.priority == 1 })
        let both = try Fixtures.drs(["failover", path, "--fail", "A", "--vm", "B1", "--format", "text"])
        #expect(both.code == 0, "\(both.err)")
        #expect(both.out.contains("restart  B1        B     B"), "\(both.out)")
        let unknown = try Fixtures.drs(["failover", path, "--vm", "Z9"])
        #expect(unknown.code == 2 && unknown.err.contains("--vm: unknown VM \"Z9\""), "\(unknown.err)")
        let all = try Fixtures.drs(["failover", path, "--all", "--vm", "B1"])
        #expect(all.code == 2)
    }

    @Test("failover --isolate marks hosts isolated (with --isolation-response); unknown, failed or partition-sharing hosts exit 2")
    func isolationThroughTheCommandLine() throws {
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        let leave = try Fixtures.drs(["failover", path, "--isolate", "A", "--format", "json"])
        #expect(leave.code == 0, "\(leave.err)")
        let kept = try Plan.read(json: Array(leave.out.utf8))
        #expect(!kept.steps.contains { $0.kind == .restart || $0.kind == .promote })
        #expect(["A1", "A2", "A3"].allSatisfy { kept.placement[$0] == "A" })
        let off = try Fixtures.drs(["failover", path, "--isolate", "A", "--isolation-response", "shutdown", "--format", "text"])
        #expect(off.code == 0, "\(off.err)")
        #expect(off.out.contains("A [isolated: shutdown]"), "\(off.out)")
        #expect(off.out.contains("promote  A1        A     C"), "\(off.out)")
        #expect(off.out.contains("300.0") && off.out.contains("host A is isolated (isolationResponse shutdown): HA restart"))
        let unknown = try Fixtures.drs(["failover", path, "--isolate", "Z"])
        #expect(unknown.code == 2 && unknown.err.contains("--isolate: unknown host \"Z\""), "\(unknown.err)")
        let both = try Fixtures.drs(["failover", path, "--isolate", "A", "--fail", "A"])
        #expect(both.code == 2 && both.err.contains("both --fail and --isolate"), "\(both.err)")
        let responseAlone = try Fixtures.drs(["failover", path, "--fail", "A", "--isolation-response", "powerOff"])
        #expect(responseAlone.code == 2)
        let badResponse = try Fixtures.drs(["failover", path, "--isolate", "A", "--isolation-response", "reboot"])
        #expect(badResponse.code == 2)
        let partitioned = Fixtures.root.appendingPathComponent("Datasets/examples/isolation-partition.json").path
        let shared = try Fixtures.drs(["failover", partitioned, "--isolate", "B"])
        #expect(shared.code == 2 && shared.err.contains("shares cluster.ha.partitions[0] with other hosts"), "\(shared.err)")
        // A fails: F wins the election (three datastores like B, ties to the greater id), so the
        // restarts move to F's partition.
        let alone = try Fixtures.drs(["failover", partitioned, "--fail", "A", "--format", "text"])
        #expect(alone.code == 0, "\(alone.err)")
        #expect(alone.out.contains("HA partitions: 1 A, B, C (master B) | 2 E, F (master F, restarts VMs) | 3 D"), "\(alone.out)")
    }

    @Test("with HA off, failover restarts nothing and the text report says why each VM stays down")
    func haOffFailoverThroughTheCommandLine() throws {
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/ha-off.json").path
        let result = try Fixtures.drs(["plan", path, "--format", "text"])
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.contains("A1: host A failed and HA is disabled"))
        #expect(result.out.contains("the guest of B1 failed, but HA is disabled"))
        #expect(!result.out.contains("restart "))
        let ft = Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1}, "ft": {"secondaryHost": "h2"}}]"#,
                               cluster: #"{"ha": {"enabled": false}}"#)
        let refused = try Fixtures.drs(["validate", "-"], stdin: ft)
        #expect(refused.code == 2 && refused.err.contains("vms[0].ft: Fault Tolerance needs HA"), "\(refused.err)")
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
