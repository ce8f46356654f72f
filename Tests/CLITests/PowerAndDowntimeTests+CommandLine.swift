import Testing
import Foundation
@_spi(Benchmarks) import OpenDRS
import DRSTestSupport

/// Boot time and migration risk through the command line: the bundled example's text report
/// shows the boot wave, the downtime column and the non-converging migration; hostile values
/// exit 2 with their place.
@Suite struct PowerAndDowntimeCommandLineTests {
    static let example = Fixtures.root.appendingPathComponent("Datasets/examples/power-and-downtime.json").path

    @Test("the example's text report shows the boot wave, downtimes, the warning and the VM kept in place")
    func textReport() throws {
        let result = try Fixtures.drs(["plan", Self.example, "--format", "text"])
        #expect(result.code == 0, "\(result.err)")
        let out = result.out
        #expect(out.contains("wave  kind     vm/host  from  to  sec    down"), "\(out)")
        #expect(out.contains("1     powerOn  s1       -     -   120.0  -"), "\(out)")
        #expect(out.contains("hosts powered on boot for 120.0 s (cluster.power.bootSeconds)"), "\(out)")
        #expect(out.contains("wave seconds: 1: 120.0"), "\(out)")
        #expect(out.contains("Warnings (live migrations that do not converge):"), "\(out)")
        #expect(out.contains("hot-1 h2 -> s1 does not converge: it dirties 1400.0 MiB/s"), "\(out)")
        #expect(out.contains("trader is not live-migrated: its live migration's estimated downtime of"), "\(out)")
        let json = try Fixtures.drs(["plan", Self.example])
        let plan = try Plan.read(json: Array(json.out.utf8))
        for step in plan.steps where step.vm == "db-1" || step.vm == "db-2" { #expect((step.downtime ?? .infinity) <= 0.5) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-power-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try json.out.write(to: file, atomically: true, encoding: .utf8)
        #expect(try Fixtures.drs(["check", Self.example, file.path]).code == 0)
    }

    @Test("hostile boot times and downtime limits exit 2 naming the field", arguments: [
        (#""power": {"bootSeconds": -5}"#, "", "cluster.power.bootSeconds"),
        (#""power": {"bootSeconds": 1e300}"#, "", "cluster.power.bootSeconds"),
        ("", #", "maxDowntime": 1e300"#, "vms[0].maxDowntime"),
        ("", #", "maxDowntime": -1"#, "vms[0].maxDowntime"),
    ])
    func hostile(_ cluster: String, _ vm: String, _ path: String) throws {
        let text = """
            {"schemaVersion": 1, "resources": ["cpu", "memory"], "cluster": {\(cluster)},
             "hosts": [{"id": "h1", "capacity": {"cpu": 100, "memory": 100}}],
             "vms": [{"id": "v1", "host": "h1", "demand": {"cpu": 10, "memory": 10}\(vm)}], "rules": []}
            """
        let result = try Fixtures.drs(["plan", "-"], stdin: text)
        #expect(result.code == 2)
        #expect(result.err.contains(path), "\(result.err)")
    }
}
