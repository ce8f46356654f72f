import Testing
import Foundation
import DRSTestSupport

/// `drs plan --threads` (the local search itself is tested in DRSHeuristicsTests).
@Suite("Local search") struct LocalSearchTests {
    @Test("drs plan --threads: the same plan for 1 and 2 threads; 0 is refused with the flag named")
    func threadsFlag() throws {
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/rules-and-priorities.json").path
        func withoutSeconds(_ text: String) -> String {
            text.split(separator: "\n").filter { !$0.hasPrefix("  \"seconds\"") }.joined(separator: "\n")
        }
        let one = try Fixtures.drs(["plan", path, "--solver", "local-search", "--threads", "1"])
        let two = try Fixtures.drs(["plan", path, "--solver", "local-search", "--threads", "2"])
        #expect(one.code == 0 && two.code == 0)
        #expect(one.out.contains("\"placement\""))
        #expect(withoutSeconds(one.out) == withoutSeconds(two.out))
        let zero = try Fixtures.drs(["plan", path, "--threads", "0"])
        #expect(zero.code != 0 && zero.err.contains("--threads"))
    }
}
