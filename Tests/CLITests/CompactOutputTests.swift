import Foundation
import Testing
@_spi(Benchmarks) import OpenDRS
import DRSTestSupport
import DRSBench

/// `--format summary` and `--top N`: short answers for big plans that still say what matters.
@Suite struct CompactOutputTests {
    /// A cluster with enough to do for a long plan: a fleet to place (`catalog`), or a running
    /// cluster rebalanced at the most aggressive threshold, whose moves have every priority.
    static func busySnapshot(_ snapshotClass: SnapshotClass) throws -> (path: String, snapshot: Snapshot) {
        let options = GeneratorOptions(snapshotClass: snapshotClass, hosts: 30, vms: 300, seed: 5)
        var snapshot = Generator.generate(options).snapshot
        snapshot.cluster.migrationThreshold = 5
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("compact-\(UUID().uuidString).json").path
        try Data(JSONWriter.write(snapshot.json).utf8).write(to: URL(fileURLWithPath: path))
        return (path, snapshot)
    }

    static func object(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test("--format summary counts the plan's steps by kind and gives the score before and after")
    func summary() throws {
        let (path, snapshot) = try Self.busySnapshot(.catalog)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let full = try Fixtures.drs(["plan", path, "--solver", "ffd-l2"])
        let short = try Fixtures.drs(["plan", path, "--solver", "ffd-l2", "--format", "summary"])
        #expect(full.code == 0 && short.code == 0, "\(short.err)")
        let plan = try Self.object(full.out)
        let summary = try Self.object(short.out)
        guard case let .array(steps)? = plan["steps"], case let .array(unplaced)? = plan["unplaced"] else {
            Issue.record("no steps in the plan")
            return
        }
        #expect(steps.count > 20, "the plan should be long enough to summarise")
        #expect(short.out.utf8.count < 2048 && short.out.split(separator: "\n").count < 40)
        let counts = summary["stepCounts"]
        #expect(counts?["total"] == .number(Double(steps.count)))
        #expect(counts?["applied"] == .number(Double(steps.filter { $0["applied"] == .bool(true) }.count)))
        for kind in Step.Kind.allCases {
            let expected = steps.filter { $0["kind"] == .string(kind.rawValue) }.count
            #expect(counts?[kind.rawValue] == .number(Double(expected)), "\(kind)")
        }
        #expect(summary["unplacedCount"] == .number(Double(unplaced.count)))
        for key in ["status", "solver", "automation", "waves", "estimatedSeconds", "objective", "haMaster"] {
            #expect(summary[key] == plan[key], "\(key)")
        }
        let problem = Problem(snapshot)
        let before = Score.evaluate(problem, placement: problem.vmInitialHost, secondaries: problem.vmInitialSecondary)
        #expect(summary["objectiveBefore"] == before.json)
        #expect(summary["objectiveBefore"] != summary["objective"], "the plan changes the score")
    }

    @Test("--top N lists the N most important steps and hosts, in plan order, and says how many were left out")
    func top() throws {
        let (path, snapshot) = try Self.busySnapshot(.rebalance)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let plan = try Planner.checkedPlan(snapshot, solver: SolverKind.greedy.solver(for: snapshot))
        #expect(Set(plan.steps.map(\.priority)).count >= 3, "steps of several priorities")
        #expect(plan.steps.count > 20)
        let text = TextReport.render(snapshot, plan, top: 5)
        #expect(text.contains("  ... \(plan.steps.count - 5) more steps left out (--top 5)"))
        #expect(text.contains("  ... \(snapshot.hosts.count - 5) more hosts left out"))
        // The rows shown are the five of lowest priority number (earliest first among equals),
        // in plan order.
        let expected = plan.steps.indices.sorted { (plan.steps[$0].priority, $0) < (plan.steps[$1].priority, $1) }.prefix(5).sorted()
        let rows = text.split(separator: "\n").filter { line in Step.Kind.allCases.contains { line.contains("  \($0.rawValue)  ") } }
        #expect(rows.count == 5, "\(rows)")
        for (row, index) in zip(rows, expected) {
            let step = plan.steps[index]
            #expect(row.hasPrefix("\(step.wave) ") && row.contains(" \(step.vm ?? step.host ?? "?") "), "\(row) vs \(step.label)")
        }
        // Without --top nothing is left out, and the report is much longer.
        let whole = TextReport.render(snapshot, plan)
        #expect(!whole.contains("left out"))
        #expect(whole.split(separator: "\n").count > text.split(separator: "\n").count + plan.steps.count - 5)
        // The command line gives the same report.
        let cli = try Fixtures.drs(["plan", path, "--solver", "greedy", "--format", "text", "--top", "5"])
        #expect(cli.code == 0 && cli.out.contains("more steps left out (--top 5"), "\(cli.err)")
    }

    @Test("--top is refused with json and summary output, and below 0")
    func topNeedsText() throws {
        let path = Fixtures.root.appendingPathComponent("Datasets/examples").appendingPathComponent(Fixtures.exampleNames[0]).path
        for arguments in [["--top", "3"], ["--top", "3", "--format", "summary"], ["--top", "-1", "--format", "text"]] {
            let result = try Fixtures.drs(["plan", path] + arguments)
            #expect(result.code == 2 && result.err.contains("--top"), "\(arguments): \(result.err)")
        }
    }
}
