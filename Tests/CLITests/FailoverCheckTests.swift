import Foundation
@_spi(Benchmarks) import OpenDRS
import DRSTestSupport
import Testing

/// `drs failover` plans the snapshot with hosts marked failed; that snapshot must itself be
/// valid input, so `drs check` can judge the failover plan (SPEC section 4).
@Suite("a failover can always be checked")
struct FailoverCheckTests {
    private static let cases: [(name: String, text: String, fail: String)] = [
        ("the only host fails", """
            {"schemaVersion": 1, "hosts": [{"id": "h1", "capacity": {"cpu": 10, "memory": 10}}],
             "vms": [{"id": "v2", "demand": {"cpu": 1, "memory": 1}}]}
            """, "h1"),
        ("an FT VM loses one of its two hosts", """
            {"schemaVersion": 1, "hosts": [{"id": "h1", "capacity": {"cpu": 10, "memory": 10}},
                                           {"id": "h2", "capacity": {"cpu": 10, "memory": 10}}],
             "vms": [{"id": "ft", "host": "h1", "demand": {"cpu": 1, "memory": 1}, "ft": {"secondaryHost": "h2"}}]}
            """, "h2"),
        ("HA tolerates one failure of two hosts", """
            {"schemaVersion": 1, "cluster": {"ha": {"enabled": true, "hostFailuresToTolerate": 1}},
             "hosts": [{"id": "h1", "capacity": {"cpu": 10, "memory": 10}}, {"id": "h2", "capacity": {"cpu": 10, "memory": 10}}],
             "vms": [{"id": "v", "host": "h1", "demand": {"cpu": 1, "memory": 1}}]}
            """, "h1"),
    ]

    @Test("the snapshot with the failed hosts marked is valid, and the failover plan passes drs check",
          arguments: 0..<cases.count)
    func failoverSnapshotIsValidAndChecks(index: Int) throws {
        let (name, text, host) = Self.cases[index]
        let plan = try Fixtures.drs(["failover", "-", "--fail", host, "--solver", "greedy"], stdin: text)
        #expect(plan.code == 0, "\(name): \(plan.err)")
        var snapshot = try Snapshot.read(json: text)
        snapshot.hosts[snapshot.hosts.firstIndex { $0.id == host }!].state = .failed
        let marked = JSONWriter.write(snapshot.json)
        #expect(Fixtures.issues(marked).isEmpty, "\(name): \(Fixtures.issues(marked))")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-failcheck-\(getpid())-\(index)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(marked.utf8).write(to: folder.appendingPathComponent("snap.json"))
        try Data(plan.out.utf8).write(to: folder.appendingPathComponent("plan.json"))
        let check = try Fixtures.drs(["check", folder.appendingPathComponent("snap.json").path, folder.appendingPathComponent("plan.json").path])
        #expect(check.code == 0, "\(name): \(check.out) \(check.err)")
    }
}

@Suite("drs check output")
struct CheckOutputTests {
    @Test("drs check lists at most 50 violations of each part, then counts the rest")
    func checkOutputIsCapped() throws {
        // 80 VMs all placed on a host that does not exist: 80 violations at least.
        var vms: [String] = []
        var placement: [String] = []
        for k in 0..<80 {
            vms.append("{\"id\": \"v\(k)\", \"host\": \"h1\", \"demand\": {\"cpu\": 1, \"memory\": 1}}")
            placement.append("\"v\(k)\": \"h1\"")
        }
        let snapshot = Fixtures.json(vms: "[" + vms.joined(separator: ",") + "]")
        var steps: [String] = []
        for k in 0..<80 {
            steps.append("{\"wave\": 1, \"kind\": \"migrate\", \"vm\": \"v\(k)\", \"from\": \"h1\", \"to\": \"nowhere\", \"seconds\": 1, \"priority\": 1, \"applied\": true, \"reason\": \"x\"}")
        }
        let plan = "{\"schemaVersion\": 1, \"status\": \"feasible\", \"placement\": {" + placement.joined(separator: ",") + "}, \"secondaries\": {}, \"unplaced\": [], \"steps\": [" + steps.joined(separator: ",") + "]}"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-checkcap-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(snapshot.utf8).write(to: folder.appendingPathComponent("s.json"))
        try Data(plan.utf8).write(to: folder.appendingPathComponent("p.json"))
        let result = try Fixtures.drs(["check", folder.appendingPathComponent("s.json").path, folder.appendingPathComponent("p.json").path])
        #expect(result.code == 1, "\(result.err)")
        #expect(result.err.contains("more violation(s)"), "\(result.err.prefix(500))")
        let listedLines = result.err.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.contains("more violation(s)") }
        #expect(listedLines.count <= 100, "\(listedLines.count) lines listed")
    }
}
