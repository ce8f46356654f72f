import Testing
import Foundation
import OpenDRS
import DRSTestSupport

/// Golden output of the command line: the help text and the text format of the founding
/// scenario. Set OPENDRS_UPDATE_GOLDEN=1 to rewrite the files after an intended change.
@Suite struct GoldenTests {
    static let folder = Fixtures.root.appendingPathComponent("Tests/CLITests/Golden")

    func compare(_ name: String, _ actual: String) throws {
        let file = Self.folder.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["OPENDRS_UPDATE_GOLDEN"] != nil {
            try actual.write(to: file, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        if actual != expected {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
            Issue.record("\(name) differs from line \(line + 1): got \"\(line < a.count ? a[line] : "<end>")\", expected \"\(line < e.count ? e[line] : "<end>")\"")
        }
    }

    @Test func helpText() throws {
        let result = try Fixtures.drs(["--help"])
        #expect(result.code == 0)
        try compare("help.txt", result.out)
    }

    @Test func failoverOfHostAAsText() throws {
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        let result = try Fixtures.drs(["failover", path, "--fail", "A", "--solver", "greedy", "--format", "text"])
        #expect(result.code == 0, "\(result.err)")
        try compare("failover-seed-A.txt", result.out)
    }

    @Test func readmeWalkthroughMatchesTheGoldenSteps() throws {
        let readme = try String(contentsOf: Fixtures.root.appendingPathComponent("README.md"), encoding: .utf8)
        let golden = try String(contentsOf: Self.folder.appendingPathComponent("failover-seed-A.txt"), encoding: .utf8)
        let haKinds = ["elect", "promote", "restart", "place"]
        for line in golden.split(separator: "\n") where line.hasPrefix("1     ") && haKinds.contains(where: { line.contains("  \($0)  ") }) {
            #expect(readme.contains(line), "README's walkthrough lacks: \(line)")
        }
    }
}
