import Testing
import Foundation
import OpenDRS
import DRSTestSupport

/// The README's "embed it in your scheduler" example, compiled and run here; the test also
/// holds the README to this exact text so the two cannot drift apart.
@Suite struct ReadmeTests {
    // README-EXAMPLE-BEGIN
    func embedExample(snapshotJSON: String) throws -> [Step] {
        // 1. Read and validate the snapshot your scheduler exported.
        let snapshot = try Snapshot.read(json: snapshotJSON)
        // 2. Plan with a solver; every plan returned has passed the independent checker.
        let plan = try Planner.checkedPlan(snapshot, solver: GreedySolver(),
                                           options: SolveOptions(timeLimit: 5))
        // 3. Carry out the steps wave by wave; `applied` says what runs by itself.
        for wave in Set(plan.steps.map(\.wave)).sorted() {
            for step in plan.steps where step.wave == wave && step.applied {
                print("wave \(wave): \(step.kind.rawValue) \(step.vm ?? step.host ?? "") -> \(step.to ?? "")")
            }
        }
        return plan.steps
    }
    // README-EXAMPLE-END

    @Test func exampleRunsOnTheSeedCluster() throws {
        let text = try String(contentsOf: Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json"), encoding: .utf8)
        let steps = try embedExample(snapshotJSON: text)
        #expect(!steps.isEmpty)
        #expect(steps.allSatisfy { $0.wave >= 1 })
    }

    @Test func readmeShowsThisExactExample() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let begin = source.range(of: "    // README-EXAMPLE-BEGIN\n")!.upperBound
        let end = source.range(of: "    // README-EXAMPLE-END")!.lowerBound
        let body = source[begin..<end].split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("    ") ? String(line.dropFirst(4)) : String(line)
        }.joined(separator: "\n")
        let readme = try String(contentsOf: Fixtures.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(body.trimmingCharacters(in: .newlines)), "README.md must show the example exactly as tested")
    }

    @Test func readmeQuickStartHasTwoCommandsThatExist() throws {
        let readme = try String(contentsOf: Fixtures.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("bash scripts/run-example.sh"))
        #expect(readme.contains("bash scripts/test.sh"))
        for script in ["scripts/run-example.sh", "scripts/test.sh", "scripts/ensure-deps.sh"] {
            #expect(FileManager.default.fileExists(atPath: Fixtures.root.appendingPathComponent(script).path))
        }
        let ci = try String(contentsOf: Fixtures.root.appendingPathComponent(".ci/run"), encoding: .utf8)
        #expect(ci.contains("bash scripts/test.sh"))
    }
}
