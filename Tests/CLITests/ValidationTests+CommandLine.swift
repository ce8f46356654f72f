import Testing
import DRSTestSupport

/// Bad input through the command line: exit 2, the place named, nothing printed (the library's
/// validation tests are in DRSModelTests).
@Suite struct ValidationTests {
    @Test func commandLineExitsTwoAndNamesThePlace() throws {
        let bad = Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": -5}}]"#)
        for command in [["validate", "-"], ["plan", "-"], ["failover", "-", "--fail", "h1"]] {
            let result = try Fixtures.drs(command, stdin: bad)
            #expect(result.code == 2, "\(command): exit \(result.code)")
            #expect(result.err.contains("<stdin>: vms[0].demand.cpu: must be a finite number >= 0, got -5"))
            #expect(result.out.isEmpty, "nothing is solved or printed for bad input")
        }
    }

    @Test func missingFileExitsTwo() throws {
        let result = try Fixtures.drs(["validate", "/nonexistent/snapshot.json"])
        #expect(result.code == 2)
        #expect(result.err.contains("/nonexistent/snapshot.json"))
    }
}
