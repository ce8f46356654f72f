import Testing
import Foundation
@_spi(Benchmarks) import OpenDRS
import DRSTestSupport

/// `drs plan --solver exact` end to end: deterministic output, and a plan wherever greedy plans
/// (the solver's own reliability tests are in DRSExactTests).
@Suite("Exact solver reliability") struct ExactReliabilityTests {
    @Test("equal input and seed give byte-identical plans from drs plan --solver exact (but for seconds)")
    func exactIsDeterministic() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-determinism-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Consolidate with FT pairs and ties between equal-cost plans, balance with rules,
        // maintenance, and the examples.
        var ftConsolidate = Snapshot(resources: ["cpu", "memory"], cluster: Cluster(goal: .consolidate, migrationThreshold: 5),
                                     hosts: (1...5).map { Fixtures.host("h\($0)") }, vms: [], rules: [])
        for k in 0..<5 {
            var vm = Fixtures.vm("v\(k)", on: "h\(k + 1)", cpu: 20, memory: 20)
            if k < 2 { vm.ft = FaultTolerance(secondaryHost: "h\((k + 2) % 5 + 1)") }
            vm.migration = VMMigration(memory: 256, dirtyRate: 0)
            ftConsolidate.vms.append(vm)
        }
        var snapshots: [(String, Snapshot)] = [("ft-consolidate", ftConsolidate), ("running-balance", Fixtures.runningBalanceSnapshot())]
        for seed in UInt64(0)..<12 {
            if let snapshot = Fixtures.validated(Fixtures.hostileSnapshot(seed: seed, tight: seed % 2 == 1)) { snapshots.append(("hostile-\(seed)", snapshot)) }
        }
        for name in Fixtures.exampleNames { snapshots.append((name, try Fixtures.example(name))) }
        for (name, snapshot) in snapshots {
            let path = folder.appendingPathComponent("\(name).json").path
            try JSONWriter.write(snapshot.json).write(toFile: path, atomically: true, encoding: .utf8)
            var outputs: Set<String> = []
            for _ in 0..<3 {
                let run = try Fixtures.drs(["plan", path, "--solver", "exact", "--time-limit", "30"])
                let stripped = run.out.replacingOccurrences(of: #""seconds": [0-9.e+-]+"#, with: "", options: .regularExpression)
                outputs.insert("\(run.code)\n\(stripped)")
            }
            #expect(outputs.count == 1, "\(name): \(outputs.count) different outputs")
        }
    }

    @Test("drs plan --solver exact plans wherever --solver greedy plans (standby residents, maintenance, HA, tight waves, FT), with a score no worse")
    func exactPlansWhereGreedyPlans() throws {
        let folder = Fixtures.root.appendingPathComponent("Tests/CLITests/ExactCases")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(names.count >= 6)
        for name in names {
            let path = folder.appendingPathComponent(name).path
            let greedy = try Fixtures.drs(["plan", path, "--solver", "greedy", "--time-limit", "5"])
            let exact = try Fixtures.drs(["plan", path, "--solver", "exact", "--time-limit", "10"])
            guard greedy.code == 0 else { continue }
            #expect(exact.code == 0, "\(name): greedy plans, exact exits \(exact.code): \(exact.err)")
            guard exact.code == 0 else { continue }
            // The one score of each plan's placement (migration seconds at full bandwidth, as the
            // solvers price them; the plans' objectives time them in their waves).
            let snapshot = try Snapshot.read(json: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            let greedyObjective = Fixtures.score(snapshot, try Plan.read(json: Array(greedy.out.utf8)))
            let exactObjective = Fixtures.score(snapshot, try Plan.read(json: Array(exact.out.utf8)))
            #expect(!greedyObjective.isBetter(than: exactObjective), "\(name)")
            let check = try Fixtures.drs(["check", path, "-"], stdin: exact.out)
            #expect(check.code == 0, "\(name): \(check.out) \(check.err)")
        }
    }
}
