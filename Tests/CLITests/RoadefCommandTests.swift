import DRSRoadef
import DRSTestSupport
import Foundation
import Testing

/// `drs import roadef` and `drs export roadef` on the challenge's set A, with every exported
/// assignment checked by `scripts/roadef_check.py`, which shares no code with OpenDRS.
@Suite struct RoadefCommandTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-roadef-cli-\(UUID().uuidString)")

    init() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func file(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A plan JSON whose placement puts VM p<i> on host m<assignment[i]>.
    func plan(_ assignment: [Int]) -> String {
        let entries = assignment.enumerated().map { "\"p\($0.offset)\": \"m\($0.element)\"" }
        return "{\"schemaVersion\": 1, \"status\": \"feasible\", \"placement\": {\(entries.joined(separator: ", "))}, \"steps\": []}"
    }

    /// The independent checker's verdict on `new` against `model` and `original`.
    func independentCheck(model: String, original: String, new: String) throws -> (feasible: Bool, total: Int, code: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Fixtures.root.appendingPathComponent("scripts/roadef_check.py").path, model, original, new]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let cost = object?["cost"] as? [String: Any]
        return (object?["feasible"] as? Bool ?? false, (cost?["total"] as? NSNumber)?.intValue ?? -1, process.terminationStatus)
    }

    /// Up to `limit` improving single-process moves that keep every hard constraint, found by
    /// trying each process on each machine in order: a changed assignment the export must carry.
    func improved(_ instance: RoadefInstance, _ original: [Int], limit: Int) -> [Int] {
        var current = original
        var cost = RoadefEvaluator.evaluate(instance, original: original, assignment: current).cost.total
        var made = 0
        for p in 0..<instance.processCount where made < limit {
            for m in 0..<instance.machineCount where m != current[p] {
                var next = current
                next[p] = m
                let evaluation = RoadefEvaluator.evaluate(instance, original: original, assignment: next)
                if evaluation.isFeasible, evaluation.cost.total < cost {
                    current = next
                    cost = evaluation.cost.total
                    made += 1
                    break
                }
            }
        }
        return current
    }

    @Test(.enabled(if: RoadefData.available, Comment(rawValue: RoadefData.missing)), arguments: RoadefData.initialCosts)
    func importThenExportRoundTripsAndTheIndependentCheckAgrees(_ entry: (name: String, cost: Int)) throws {
        let model = RoadefData.path("model_\(entry.name).txt"), assignment = RoadefData.path("assignment_\(entry.name).txt")
        let snapshot = folder.appendingPathComponent("\(entry.name).json").path
        let imported = try Fixtures.drs(["import", "roadef", model, assignment, "--output", snapshot])
        #expect(imported.code == 0, "\(imported.err)")
        #expect(imported.err.contains("initial cost total \(entry.cost) "))
        let instance = try RoadefInstance.read(model: try RoadefData.bytes("model_\(entry.name).txt"), file: model)
        let original = try RoadefAssignment.read(try RoadefData.bytes("assignment_\(entry.name).txt"), file: assignment,
                                                 processCount: instance.processCount, machineCount: instance.machineCount)
        // Unchanged: the exported file is the original assignment, at the published cost.
        let same = try Fixtures.drs(["export", "roadef", snapshot, try file("same-\(entry.name).json", plan(original))])
        #expect(same.code == 0, "\(same.err)")
        #expect(same.out == RoadefAssignment.write(original))
        let sameCheck = try independentCheck(model: model, original: assignment, new: try file("same-\(entry.name).txt", same.out))
        #expect(sameCheck.feasible && sameCheck.total == entry.cost && sameCheck.code == 0)
        // Changed: a few improving moves; both evaluations agree on the lower cost.
        let better = improved(instance, original, limit: 5)
        #expect(better != original)
        let expected = RoadefEvaluator.evaluate(instance, original: original, assignment: better).cost
        let exported = try Fixtures.drs(["export", "roadef", snapshot, try file("better-\(entry.name).json", plan(better))])
        #expect(exported.code == 0, "\(exported.err)")
        #expect(exported.out == RoadefAssignment.write(better))
        #expect(exported.err.contains("cost total \(expected.total) "))
        let check = try independentCheck(model: model, original: assignment, new: try file("better-\(entry.name).txt", exported.out))
        #expect(check.feasible && check.total == expected.total && check.total < entry.cost)
    }

    @Test func malformedFilesExit2WithTheirPlace() throws {
        let model = try file("model.txt", RoadefData.tinyModel.replacingOccurrences(of: "0 5 5 1\n0 5 5 1", with: "0 5 5 1\n0 5 five 1"))
        let assignment = try file("assignment.txt", "0 1 1 3\n")
        let result = try Fixtures.drs(["import", "roadef", model, assignment, "--output", folder.appendingPathComponent("s.json").path])
        #expect(result.code == 2)
        #expect(result.err.contains("model.txt:15: requirement of resource 1 of process 1: expected a whole number, got \"five\""))
        let good = try file("good.txt", RoadefData.tinyModel)
        let short = try Fixtures.drs(["import", "roadef", good, try file("short.txt", "0 1 1"), "--output", folder.appendingPathComponent("s.json").path])
        #expect(short.code == 2 && short.err.contains("short.txt:1: the file ends where machine of process 3 was expected"))
        let empty = try Fixtures.drs(["import", "roadef", good, try file("empty.txt", ""), "--output", folder.appendingPathComponent("s.json").path])
        #expect(empty.code == 2 && empty.err.contains("empty file"))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("s.json").path))
    }

    @Test func theInputsAreNeverOverwritten() throws {
        let model = try file("model.txt", RoadefData.tinyModel), assignment = try file("assignment.txt", "0 1 1 3\n")
        for target in [model, assignment] {
            let result = try Fixtures.drs(["import", "roadef", model, assignment, "--output", target])
            #expect(result.code == 2 && result.err.contains("--output: ") && result.err.contains("is an input file"))
        }
        #expect(try String(contentsOfFile: assignment, encoding: .utf8) == "0 1 1 3\n")
        #expect(try String(contentsOfFile: model, encoding: .utf8) == RoadefData.tinyModel)
    }

    @Test func anExportThatBreaksAConstraintWritesNothing() throws {
        let model = try file("model.txt", RoadefData.tinyModel), assignment = try file("assignment.txt", "0 1 1 3\n")
        let snapshot = folder.appendingPathComponent("tiny.json").path
        #expect(try Fixtures.drs(["import", "roadef", model, assignment, "--output", snapshot]).code == 0)
        // p1 joins p0 on m0: conflict and spread.
        let broken = try Fixtures.drs(["export", "roadef", snapshot, try file("broken.json", plan([0, 0, 1, 3]))])
        #expect(broken.code == 1 && broken.out.isEmpty)
        #expect(broken.err.contains("conflict: processes 0, 1 of service 0 are all on machine 0"))
        #expect(broken.err.contains("spread: service 0 is in 1 location(s), spreadMin 2"))
        let missing = try Fixtures.drs(["export", "roadef", snapshot, try file("missing.json", plan([0, 1, 1]))])
        #expect(missing.code == 2 && missing.err.contains("no host for VM \"p3\""))
        let moved = try Fixtures.drs(["export", "roadef", snapshot, try file("moved.json", plan([0, 1, 1, 2]))])
        #expect(moved.code == 0 && moved.out == "0 1 1 2\n")
        #expect(moved.err.contains("cost total 196 (load 15, balance 68, process move 3, service move 10, machine move 100)"))
    }

    @Test func costAndSolveWorkOnTheChallengesOwnFiles() throws {
        let model = try file("model.txt", RoadefData.tinyModel), assignment = try file("assignment.txt", "0 1 1 3\n")
        let cost = try Fixtures.drs(["roadef", "cost", model, assignment])
        #expect(cost.code == 0 && cost.out == "cost total 83 (load 15, balance 68, process move 0, service move 0, machine move 0)\n")
        let broken = try Fixtures.drs(["roadef", "cost", model, assignment, try file("broken.txt", "0 0 1 3\n")])
        #expect(broken.code == 1 && broken.out.contains("conflict: processes 0, 1 of service 0 are all on machine 0"))
        let solved = try Fixtures.drs(["roadef", "solve", model, assignment, "--time-limit", "0.5", "--seed", "3"])
        #expect(solved.code == 0, "\(solved.err)")
        let check = try independentCheck(model: model, original: assignment, new: try file("solved.txt", solved.out))
        #expect(check.feasible && check.total <= 83 && solved.err.contains("after:  cost total \(check.total) "))
        let refused = try Fixtures.drs(["roadef", "solve", model, try file("bad-start.txt", "0 0 1 3\n"), "--time-limit", "0.5"])
        #expect(refused.code == 3 && refused.out.isEmpty && refused.err.contains("the original assignment breaks 2 hard constraint(s)"))
    }
}
