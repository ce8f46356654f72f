import Testing
import Foundation
import OpenDRS
import DRSTestSupport

/// The DocC catalog's getting-started article (Sources/OpenDRS/OpenDRS.docc): its code blocks,
/// in order, are the body of `gettingStarted`, compiled and run here; the test holds the
/// article to this text.
@Suite struct DocCArticleTests {
    func gettingStarted(snapshotJSON: String) throws -> (Plan, [CheckViolation]) {
        // ARTICLE-BEGIN
        let snapshot = try Snapshot.read(json: snapshotJSON)
        // ARTICLE-BLOCK
        let solver = SolverKind.auto.solver(for: snapshot)
        let plan = try Planner.checkedPlan(snapshot, solver: solver, options: SolveOptions(timeLimit: 5))
        // ARTICLE-BLOCK
        for wave in Set(plan.steps.map(\.wave)).sorted() {
            for step in plan.steps where step.wave == wave && step.applied {
                print("wave \(wave): \(step.kind.rawValue) \(step.vm ?? step.host ?? "") -> \(step.to ?? "")")
            }
        }
        // ARTICLE-BLOCK
        let violations = PlanChecker.check(snapshot, plan)
        // ARTICLE-END
        return (plan, violations)
    }

    @Test func articleCodeRunsOnTheSeedCluster() throws {
        let text = try String(contentsOf: Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json"), encoding: .utf8)
        let (plan, violations) = try gettingStarted(snapshotJSON: text)
        #expect(!plan.steps.isEmpty)
        #expect(violations.isEmpty)
    }

    @Test func articleShowsExactlyTheseBlocks() throws {
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let begin = source.range(of: "        // ARTICLE-BEGIN\n")!.upperBound
        let end = source.range(of: "        // ARTICLE-END")!.lowerBound
        let tested = source[begin..<end].components(separatedBy: "        // ARTICLE-BLOCK\n").map { block in
            block.split(separator: "\n").map { String($0.dropFirst(8)) }.joined(separator: "\n")
        }
        let article = try String(contentsOf: Fixtures.root.appendingPathComponent("Sources/OpenDRS/OpenDRS.docc/GettingStarted.md"),
                                 encoding: .utf8)
        let shown = article.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "\n```")[0] }
        #expect(shown == tested, "the article's swift blocks must be the tested code, in order")
    }
}
