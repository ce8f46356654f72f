import Testing
@_spi(Benchmarks) import DRSModel
import DRSTestSupport

/// `cluster.power.bootSeconds` and `vms[].maxDowntime`: read by both readers, written back,
/// and refused with their place when negative, not finite, too large or of the wrong type.
@Suite struct PowerAndDowntimeReadingTests {
    @Test("both fields are read, defaulted and written back")
    func readAndWrite() throws {
        let text = Fixtures.json(vms: """
            [{"id": "v1", "host": "h1", "demand": {"cpu": 10, "memory": 10}, "maxDowntime": 0.25}]
            """, cluster: #"{"power": {"bootSeconds": 90}}"#)
        let snapshot = try Snapshot.read(json: text)
        #expect(snapshot.cluster.power?.bootSeconds == 90)
        #expect(snapshot.bootSeconds == 90)
        #expect(snapshot.vms[0].maxDowntime == 0.25)
        #expect(try Snapshot.readThroughTree(json: Array(text.utf8)) == snapshot)
        let again = try Snapshot.read(json: JSONWriter.write(snapshot.json))
        #expect(again == snapshot)
        let plain = try Snapshot.read(json: Fixtures.json())
        #expect(plain.cluster.power == nil && plain.bootSeconds == 300 && plain.vms[0].maxDowntime == nil)
        #expect(try Snapshot.read(json: Fixtures.json(cluster: #"{"power": {}}"#)).bootSeconds == 300)
    }

    @Test("hostile values are refused at their place", arguments: [
        (#"{"power": {"bootSeconds": -1}}"#, "cluster.power.bootSeconds"),
        (#"{"power": {"bootSeconds": 1e300}}"#, "cluster.power.bootSeconds"),
        (#"{"power": {"bootSeconds": "300"}}"#, "cluster.power.bootSeconds"),
        (#"{"power": {"boot": 300}}"#, "cluster.power.boot"),
        (#"{"power": 300}"#, "cluster.power"),
    ])
    func hostileBoot(_ cluster: String, _ path: String) {
        let issues = Fixtures.issues(Fixtures.json(cluster: cluster))
        #expect(issues.contains { $0.path == path }, "\(issues)")
    }

    @Test("hostile maxDowntime values are refused at their place", arguments: ["-0.5", "1e300", "true", "null"])
    func hostileDowntime(_ value: String) {
        let issues = Fixtures.issues(Fixtures.json(vms: """
            [{"id": "v1", "host": "h1", "demand": {"cpu": 10, "memory": 10}, "maxDowntime": \(value)}]
            """))
        #expect(issues.contains { $0.path == "vms[0].maxDowntime" }, "\(issues)")
        #expect(issues.first?.message.contains("finite number") == true, "\(issues)")
    }

    @Test("the largest accepted values plan without overflow: 1e6 s of boot, 1e6 s of downtime")
    func largestAccepted() throws {
        let snapshot = try Snapshot.read(json: Fixtures.json(vms: """
            [{"id": "v1", "host": "h1", "demand": {"cpu": 10, "memory": 10}, "maxDowntime": 1e6, "migration": {"memory": 1e12, "dirtyRate": 1e12}}]
            """, cluster: #"{"power": {"bootSeconds": 1e6}, "migration": {"bandwidth": 0.001}}"#))
        let problem = Problem(snapshot)
        #expect(problem.vmShareLimit.count == 1)
        #expect(problem.vmMigration[0].downtime.isFinite)
    }
}
