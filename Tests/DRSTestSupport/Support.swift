import Foundation
@_spi(Benchmarks) import DRSModel

/// Shared test helpers of every test target: paths, small snapshot builders, a seeded RNG, and
/// a runner for the built `drs` binary.
package enum Fixtures {
    package static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    package static func example(_ name: String) throws -> Snapshot {
        let data = try Data(contentsOf: root.appendingPathComponent("Datasets/examples/\(name)"))
        return try Snapshot.read(json: Array(data))
    }

    package static var exampleNames: [String] {
        let folder = root.appendingPathComponent("Datasets/examples")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
    }

    /// A minimal valid snapshot as JSON text, with `patch` applied to its object tree.
    package static func json(hosts: String = """
        [{"id": "h1", "capacity": {"cpu": 100, "memory": 100}}, {"id": "h2", "capacity": {"cpu": 100, "memory": 100}}]
        """, vms: String = """
        [{"id": "v1", "host": "h1", "demand": {"cpu": 10, "memory": 10}}]
        """, rules: String = "[]", cluster: String = "{}") -> String {
        """
        {"schemaVersion": 1, "resources": ["cpu", "memory"], "cluster": \(cluster),
         "hosts": \(hosts), "vms": \(vms), "rules": \(rules)}
        """
    }

    /// The issues a snapshot text produces (empty when valid).
    package static func issues(_ text: String) -> [InputIssue] {
        do {
            _ = try Snapshot.read(json: text)
            return []
        } catch {
            return error.issues
        }
    }

    /// `count` hosts with ids `esx-host-NNNN`, `vmCount` VMs each on an unknown `esx-hots-NNNN`.
    package static func typoSnapshot(hosts count: Int, vms vmCount: Int) -> String {
        let hosts = (0..<count).map { #"{"id": "esx-host-\#(String(format: "%04d", $0))", "capacity": {"cpu": 1000, "memory": 1000}}"# }
        let vms = (0..<vmCount).map { #"{"id": "vm-\#($0)", "host": "esx-hots-\#(String(format: "%04d", $0 % count))", "demand": {"cpu": 1}}"# }
        return Fixtures.json(hosts: "[" + hosts.joined(separator: ",") + "]", vms: "[" + vms.joined(separator: ",") + "]")
    }

    package static func host(_ id: String, cpu: Double = 100, memory: Double = 100, state: HostState = .connected) -> ClusterHost {
        ClusterHost(id: id, capacity: ["cpu": cpu, "memory": memory], state: state)
    }

    package static func vm(_ id: String, on host: String?, cpu: Double, memory: Double, priority: Priority = .medium) -> VirtualMachine {
        VirtualMachine(id: id, host: host, demand: ["cpu": cpu, "memory": memory], priority: priority)
    }

    /// The one score (`Score.evaluate`) of a plan's final placement: migration seconds at full
    /// bandwidth, as the solvers price them (a plan's objective times them in its waves).
    package static func score(_ snapshot: Snapshot, _ plan: Plan) -> Objective {
        let problem = Problem(snapshot)
        func index(_ host: String?) -> Int32 { host.flatMap { problem.hostIndex[$0] }.map(Int32.init) ?? -1 }
        return Score.evaluate(problem, placement: snapshot.vms.map { index(plan.placement[$0.id]) },
                              secondaries: snapshot.vms.map { index(plan.secondaries[$0.id]) })
    }

    /// Path of the built `drs` executable, next to the test bundle.
    package static var drsBinary: URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("drs")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/drs")
    }

    /// Runs `drs` with arguments and optional standard input; returns exit code and outputs.
    package static func drs(_ arguments: [String], stdin: String? = nil) throws -> (code: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = drsBinary
        process.arguments = arguments
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        try process.run()
        if let stdin { inPipe.fileHandleForWriting.write(stdin.data(using: .utf8)!) }
        try inPipe.fileHandleForWriting.close()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}

/// Seeded tests draw from the library's SplitMix64.
package typealias SeededGenerator = SplitMix64
