import Testing
import Foundation
@_spi(Benchmarks) import OpenDRS
import DRSTestSupport

/// `drs check` on the checker's mutation fixture (the mutations themselves are in DRSModelTests).
@Suite struct CheckerTests {
    var snapshot: Snapshot { Fixtures.checkerSnapshot }
    var validPlan: Plan { Fixtures.checkerPlan }

    @Test func commandLineRejectsABrokenPlan() throws {
        var plan = validPlan
        plan.placement["v1"] = "h2"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-check-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let snapshotPath = folder.appendingPathComponent("s.json").path
        let planPath = folder.appendingPathComponent("p.json").path
        try JSONWriter.write(snapshot.json).write(toFile: snapshotPath, atomically: true, encoding: .utf8)
        try JSONWriter.write(plan.json).write(toFile: planPath, atomically: true, encoding: .utf8)
        let bad = try Fixtures.drs(["check", snapshotPath, planPath])
        #expect(bad.code == 1)
        #expect(bad.err.contains("plan REJECTED"))
        #expect(bad.err.contains("the steps leave v1 on h3, but the plan's placement says h2"))
        try JSONWriter.write(validPlan.json).write(toFile: planPath, atomically: true, encoding: .utf8)
        let good = try Fixtures.drs(["check", snapshotPath, planPath])
        #expect(good.code == 0, "\(good.err)")
    }
}
