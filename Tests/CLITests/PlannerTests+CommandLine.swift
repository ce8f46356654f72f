import Testing
import Foundation
@_spi(Benchmarks) import OpenDRS
import DRSTestSupport

/// `drs plan`, `check` and `--apply` on the examples (the planner's own tests are in
/// DRSPlannerTests).
@Suite struct PlannerTests {
    @Test func commandLinePlanIsAcceptedByCheck() throws {
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        let planned = try Fixtures.drs(["plan", path])
        #expect(planned.code == 0, "\(planned.err)")
        let planFile = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-plan-\(getpid()).json")
        try planned.out.write(to: planFile, atomically: true, encoding: .utf8)
        let checked = try Fixtures.drs(["check", path, planFile.path])
        #expect(checked.code == 0, "\(checked.err)")
        #expect(checked.out.hasPrefix("plan OK"))
        // The same snapshot through standard input gives the same placement.
        let piped = try Fixtures.drs(["plan", "-"], stdin: try String(contentsOfFile: path, encoding: .utf8))
        let a = try Plan.read(json: Array(planned.out.utf8)), b = try Plan.read(json: Array(piped.out.utf8))
        #expect(a.placement == b.placement)
    }

    @Test func textFormatShowsStepsAndBars() throws {
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        let result = try Fixtures.drs(["plan", path, "--format", "text"])
        #expect(result.code == 0)
        #expect(result.out.contains("wave  kind"))
        #expect(result.out.contains("Host utilization (before -> after):"))
        #expect(result.out.contains("cpu    ["))
    }

    @Test func applyWritesTheNextSnapshotAndReplanningIsQuiet() throws {
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        let next = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-next-\(getpid()).json").path
        let result = try Fixtures.drs(["plan", path, "--solver", "greedy", "--apply", next])
        #expect(result.code == 0, "\(result.err)")
        let applied = try Snapshot.read(json: Array(try Data(contentsOf: URL(fileURLWithPath: next))))
        let again = try Planner.checkedPlan(applied, solver: GreedySolver())
        #expect(again.steps.filter { $0.kind == .migrate }.isEmpty, "\(again.steps)")
    }

    @Test func applyNeverOverwritesTheInput() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-apply-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let input = folder.appendingPathComponent("in.json").path
        let original = try String(contentsOfFile: Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path, encoding: .utf8)
        try original.write(toFile: input, atomically: true, encoding: .utf8)
        let result = try Fixtures.drs(["plan", input, "--apply", input])
        #expect(result.code == 2)
        #expect(result.err.contains("never overwritten"))
        #expect(try String(contentsOfFile: input, encoding: .utf8) == original)
    }
}
