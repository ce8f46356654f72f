import Foundation
import Testing
@testable import DRSSim

/// `drs simulate` end to end: bad traces exit 2 naming the file and line; runs print the totals.
@Suite struct SimulateCommandTests {
    static var drsBinary: URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("drs")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return SampleFixtures.root.appendingPathComponent(".build/debug/drs")
    }

    static func drs(_ arguments: [String]) throws -> (code: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = drsBinary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// A fresh folder of PlanetLab files `name -> lines`.
    static func traceFolder(_ files: [String: [String]]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("drs-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, lines) in files {
            try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return folder.path
    }

    static let day = Array(repeating: "10", count: 288)

    @Test func aNonNumericValueIsNamedByFileAndLine() throws {
        var bad = Self.day
        bad[41] = "12%"
        let folder = try Self.traceFolder(["a": Self.day, "b": bad])
        let result = try Self.drs(["simulate", "--setup", "beloglazov2012", "--trace", folder, "--hosts", "4", "--policy", "lr-mmt-1.2"])
        #expect(result.code == 2)
        #expect(result.err.contains("\(folder)/b:42: expected a CPU utilization in percent (a number >= 0), got \"12%\""))
        #expect(result.out.isEmpty)
    }

    @Test func aWrongStepCountIsNamedByFileAndLine() throws {
        let folder = try Self.traceFolder(["a": Self.day, "b": Array(Self.day.prefix(287)), "c": Self.day + ["5"]])
        let result = try Self.drs(["simulate", "--setup", "beloglazov2012", "--trace", folder, "--hosts", "4"])
        #expect(result.code == 2)
        #expect(result.err.contains("\(folder)/b:288: the file ends after 287 values; expected 288"))
        #expect(result.err.contains("\(folder)/c:289: value 289 is beyond the 288 steps expected"))
    }

    @Test func aSnapshotVMWithoutATraceIsMissing() throws {
        let folder = try Self.traceFolder(["v1": Array(Self.day.prefix(12))])
        let snapshot = FileManager.default.temporaryDirectory.appendingPathComponent("drs-sim-\(UUID().uuidString).json")
        let power = "[100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200]"
        try """
            {"schemaVersion": 1, "resources": ["cpu", "memory"],
             "hosts": [{"id": "h1", "capacity": {"cpu": 1000, "memory": 4096}, "power": \(power)}],
             "vms": [{"id": "v1", "host": "h1", "demand": {"cpu": 500, "memory": 512}},
                     {"id": "v2", "host": "h1", "demand": {"cpu": 500, "memory": 512}}]}
            """.write(to: snapshot, atomically: true, encoding: .utf8)
        let result = try Self.drs(["simulate", snapshot.path, "--trace", folder, "--policy", "thr-mmt-0.8"])
        #expect(result.code == 2)
        #expect(result.err.contains("\(folder): missing VM: vms[1] \"v2\" of the snapshot has no trace (expected a file named \"v2\")"))
    }

    @Test func aSnapshotWorldRunsWithEveryPolicyKind() throws {
        let rising = (0..<12).map { String(20 + 5 * $0) }
        let folder = try Self.traceFolder(["v1": rising, "v2": Array(Self.day.prefix(12)), "v3": Array(Self.day.prefix(12))])
        let snapshot = FileManager.default.temporaryDirectory.appendingPathComponent("drs-sim-\(UUID().uuidString).json")
        let power = "[100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200]"
        try """
            {"schemaVersion": 1, "resources": ["cpu", "memory"], "cluster": {"migration": {"bandwidth": 100}},
             "hosts": [{"id": "h1", "capacity": {"cpu": 1000, "memory": 4096}, "power": \(power)},
                       {"id": "h2", "capacity": {"cpu": 1000, "memory": 4096}, "power": \(power)}],
             "vms": [{"id": "v1", "host": "h1", "demand": {"cpu": 800, "memory": 512}},
                     {"id": "v2", "host": "h1", "demand": {"cpu": 500, "memory": 512}},
                     {"id": "v3", "host": "h2", "demand": {"cpu": 500, "memory": 512}}]}
            """.write(to: snapshot, atomically: true, encoding: .utf8)
        #expect(try Self.drs(["validate", snapshot.path]).code == 0)
        for policy in ["lr-mmt-1.2", "thr-mmt-0.8", "drs-consolidate", "drs-balance", "drs:threshold=5,headroom=0.9,forecast=lr6"] {
            let result = try Self.drs(["simulate", snapshot.path, "--trace", folder, "--policy", policy, "--no-progress"])
            #expect(result.code == 0, "\(policy): \(result.err)")
            #expect(result.out.contains("\"steps\": 11"))
        }
    }

    @Test func aHostWithoutAPowerModelCannotBeSimulated() throws {
        let folder = try Self.traceFolder(["v1": Array(Self.day.prefix(12))])
        let snapshot = FileManager.default.temporaryDirectory.appendingPathComponent("drs-sim-\(UUID().uuidString).json")
        try """
            {"schemaVersion": 1, "hosts": [{"id": "h1", "capacity": {"cpu": 1000, "memory": 4096}},
                                            {"id": "h2", "capacity": {"cpu": 1000}, "power": [1, 2, 3]}],
             "vms": [{"id": "v1", "host": "h1", "demand": {"cpu": 500, "memory": 512}}]}
            """.write(to: snapshot, atomically: true, encoding: .utf8)
        let invalid = try Self.drs(["simulate", snapshot.path, "--trace", folder])
        #expect(invalid.code == 2)
        #expect(invalid.err.contains("hosts[1].power: must list 11 power values (watts at 0%, 10%, ..., 100% CPU), got 3"))
    }

    @Test func aCSVTraceDrivesASnapshotInItsOwnUnits() throws {
        var rows = ["vm,time,resource,value"]
        for step in 0..<12 {
            rows.append("v1,\(step * 300),cpu,\(400 + 20 * step)")
            rows.append("v2,\(step * 300),cpu,300")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("drs-sim-\(UUID().uuidString).csv")
        try (rows.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let snapshot = FileManager.default.temporaryDirectory.appendingPathComponent("drs-sim-\(UUID().uuidString).json")
        let power = "[100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200]"
        try """
            {"schemaVersion": 1, "resources": ["cpu", "memory"], "cluster": {"migration": {"bandwidth": 100}},
             "hosts": [{"id": "h1", "capacity": {"cpu": 1000, "memory": 4096}, "power": \(power)},
                       {"id": "h2", "capacity": {"cpu": 1000, "memory": 4096}, "power": \(power)}],
             "vms": [{"id": "v1", "host": "h1", "demand": {"cpu": 1000, "memory": 512}},
                     {"id": "v2", "host": "h2", "demand": {"cpu": 1000, "memory": 512}}]}
            """.write(to: snapshot, atomically: true, encoding: .utf8)
        let result = try Self.drs(["simulate", snapshot.path, "--trace", file.path, "--format", "csv", "--policy", "thr-mmt-0.8", "--no-progress"])
        #expect(result.code == 0, "\(result.err)")
        let totals = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
        #expect(totals?["steps"] as? Int == 11)
        #expect(totals?["setup"] as? String == "snapshot")
        // At the first step h2 (300 of 1000) is the least utilized and its VM fits on h1 under
        // the 0.8 threshold (420 + 300): the underload step moves it.
        #expect((totals?["migrations"] as? Int ?? 0) >= 1)
    }

    @Test func aCSVRowWithABadValueIsNamedByLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("drs-sim-\(UUID().uuidString).csv")
        try "vm,time,resource,value\nv1,0,cpu,100\nv1,300,cpu,abc\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try Self.drs(["simulate", "--setup", "beloglazov2012", "--trace", file.path, "--format", "csv"])
        #expect(result.code == 2)
        #expect(result.err.contains("\(file.path):3: value: expected a number >= 0, got \"abc\""))
    }

    @Test func theSampleRunsAndPrintsTheTotals() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("drs-sim-\(UUID().uuidString).jsonl")
        let result = try Self.drs(["simulate", "--setup", "beloglazov2012", "--trace", SampleFixtures.sample, "--hosts", "40",
                                   "--policy", "lr-mmt-1.2", "--output", output.path, "--no-progress"])
        #expect(result.code == 0)
        let totals = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
        for key in ["energyKWh", "slatah", "pdm", "slav", "esv", "migrations", "steps"] { #expect(totals?[key] != nil) }
        #expect(totals?["migrations"] as? Int == SampleGolden.lrMigrations)
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 287)
    }
}
