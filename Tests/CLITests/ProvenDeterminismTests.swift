import Foundation
import Testing
import OpenDRS
import DRSBench
import DRSTestSupport

/// A proven optimum is the same plan whatever the time limit and the machine's load: on the
/// small problems `auto` gives the exact solver, the incumbent heuristics run to their end.
@Suite("proven optimum is deterministic")
struct ProvenDeterminismTests {
    /// Harness seed 6149 (8 hosts, 24 VMs at most): evacuating h4 found two different "optimal"
    /// plans when the incumbent's heuristics were cut by the clock.
    @Test("the same optimal evacuation plan at a time limit of 0.01 s and of 2 s")
    func sameOptimumAtAnyTimeLimit() throws {
        let bytes = Generator.generate(GeneratorOptions(snapshotClass: .hostile, hosts: 8, vms: 24, seed: 6149)).bytes
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("drs-proven-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("snapshot.json")
        try Data(bytes).write(to: file)
        var outputs: [String] = []
        for limit in ["0.01", "2"] {
            let run = try Fixtures.drs(["evacuate", file.path, "--host", "h4", "--solver", "auto", "--time-limit", limit, "--seed", "149"])
            #expect(run.code == 0, "\(run.err)")
            #expect(run.out.contains("\"termination\": \"optimal\""))
            outputs.append(run.out.replacingOccurrences(of: #""seconds": [-0-9.e+]+"#, with: "S", options: .regularExpression))
        }
        #expect(outputs[0] == outputs[1])
    }
}
