import Testing
import Foundation
@_spi(Benchmarks) import OpenDRS
import DRSTestSupport

/// Hostile and careless input through the command line: limits, files, directories, empty input
/// (the library's side is in DRSModelTests).
@Suite struct InputHygieneTests {
    func issues(_ bytes: [UInt8]) -> SnapshotError? {
        do {
            _ = try Snapshot.read(json: bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test("--time-limit is at most 1e6 seconds; a larger one is refused by name, never a crash")
    func timeLimitIsBounded() throws {
        let path = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        for value in ["9.3e15", "1000001", "inf", "nan", "0"] {
            let result = try Fixtures.drs(["plan", path, "--time-limit", value])
            #expect(result.code != 0 && result.code < 128, "--time-limit \(value): exit \(result.code)")
            #expect(result.err.contains("--time-limit must be a number of seconds > 0 and <= 1000000"), "\(value): \(result.err)")
            #expect(result.out.isEmpty)
        }
        let bench = try Fixtures.drs(["bench", path, "--time-limit", "9.3e15", "--output", "-"])
        #expect(bench.code != 0 && bench.code < 128, "bench: exit \(bench.code)")
        #expect(bench.err.contains("--time-limit must be a number of seconds > 0 and <= 1000000"), "\(bench.err)")
    }

    @Test("drs check refuses a plan with wave 1e300 as invalid input (exit 2), naming the path")
    func checkRefusesHugeWave() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hygiene-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let snapshot = folder.appendingPathComponent("s.json"), plan = folder.appendingPathComponent("p.json")
        try Fixtures.json().write(to: snapshot, atomically: true, encoding: .utf8)
        try #"{"status": "feasible", "placement": {"v1": "h1"}, "steps": [{"wave": 1e300, "kind": "migrate", "vm": "v1", "from": "h1", "to": "h1"}]}"#
            .write(to: plan, atomically: true, encoding: .utf8)
        let result = try Fixtures.drs(["check", snapshot.path, plan.path])
        #expect(result.code == 2, "exit \(result.code): \(result.err)")
        #expect(result.err.contains("steps[0].wave: must be a whole number from 1 to 1000000000"))
    }

    @Test("A file larger than 1 GiB is refused by its size before reading (exit 2, naming the limit)")
    func oversizedFileIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID().uuidString).json").path
        // A sparse file: its size is 2 GiB, its disk use none.
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 2 << 30)
        try handle.close()
        let result = try Fixtures.drs(["validate", path])
        #expect(result.code == 2)
        #expect(result.err.contains("input larger than 1 GiB"), "\(result.err)")
    }

    @Test("A directory given as the snapshot is refused (exit 2)")
    func directoryIsRefused() throws {
        let result = try Fixtures.drs(["validate", FileManager.default.temporaryDirectory.path])
        #expect(result.code == 2)
        #expect(result.err.contains("is a directory"))
    }

    @Test("The command line lists 50 problems, says how many more, and counts them all")
    func commandLineCapsProblems() throws {
        let result = try Fixtures.drs(["validate", "-"], stdin: Fixtures.typoSnapshot(hosts: 100, vms: 120))
        #expect(result.code == 2)
        let lines = result.err.split(separator: "\n")
        #expect(lines.filter { $0.contains("unknown host") }.count == 50)
        #expect(result.err.contains("<stdin>: ... and 70 more problem(s)"))
        #expect(result.err.contains("120 problem(s) in the snapshot"))
    }

    @Test("Empty input says empty input, from a file, standard input or the library")
    func emptyInputIsNamed() throws {
        #expect(issues([])?.issues.first?.message.contains("empty input (0 bytes)") == true)
        #expect(issues(Array(" \n\t".utf8))?.issues.first?.message.contains("empty input (only whitespace)") == true)
        let file = try Fixtures.drs(["validate", "/dev/null"])
        #expect(file.code == 2)
        #expect(file.err.contains("/dev/null: empty input"), "\(file.err)")
        let stdin = try Fixtures.drs(["plan", "-"], stdin: "")
        #expect(stdin.code == 2)
        #expect(stdin.err.contains("<stdin>: empty input"), "\(stdin.err)")
    }
}
