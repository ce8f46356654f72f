import Foundation
import OpenDRS
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
