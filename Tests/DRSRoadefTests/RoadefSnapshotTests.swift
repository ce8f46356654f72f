@_spi(Benchmarks) import DRSModel
import DRSRoadef
import DRSTestSupport
import Foundation
import Testing

@Suite struct RoadefSnapshotTests {
    /// The instance and assignment read back from the snapshot JSON text of `instance`.
    func roundTrip(_ instance: RoadefInstance, _ assignment: [Int]) throws -> RoadefImported {
        let text = JSONWriter.write(RoadefSnapshot.snapshot(instance, assignment: assignment, name: "t"))
        return try RoadefSnapshot.read(json: Array(text.utf8))
    }

    /// Every field that does not depend on how groups, locations and neighborhoods are numbered
    /// is equal, and `assignments` cost the same and break constraints of the same kinds.
    func expectSameProblem(_ instance: RoadefInstance, _ back: RoadefImported, original: [Int], assignments: [[Int]]) {
        var renumbered = back.instance
        renumbered.location = instance.location
        renumbered.neighborhood = instance.neighborhood
        renumbered.service = instance.service
        renumbered.spreadMin = instance.spreadMin
        renumbered.dependencies = instance.dependencies
        #expect(renumbered == instance)
        #expect(back.assignment == original)
        #expect(back.hostIDs.count == instance.machineCount && back.vmIDs.count == instance.processCount)
        for assignment in assignments {
            // Violations name services by number, which may differ: compare their kinds.
            let backEvaluation = RoadefEvaluator.evaluate(back.instance, original: back.assignment, assignment: assignment)
            let evaluation = RoadefEvaluator.evaluate(instance, original: original, assignment: assignment)
            #expect(backEvaluation.cost == evaluation.cost)
            #expect(backEvaluation.violations.map(\.kind).sorted() == evaluation.violations.map(\.kind).sorted())
        }
    }

    @Test func theSmallInstanceComesBackWhole() throws {
        let instance = try TinyRoadef.instance()
        let back = try roundTrip(instance, TinyRoadef.original)
        // Numbering by first appearance is the file's own here.
        #expect(back.instance == instance)
        expectSameProblem(instance, back, original: TinyRoadef.original,
                          assignments: [[0, 1, 1, 2], [0, 1, 1, 1], [0, 3, 1, 1], [0, 0, 1, 3], [0, 2, 1, 3], [0, 1, 3, 3]])
    }

    @Test(.enabled(if: RoadefData.available, Comment(rawValue: RoadefData.missing)), arguments: RoadefData.initialCosts.map(\.name))
    func everySetAInstanceComesBackTheSameProblem(_ name: String) throws {
        let instance = try RoadefInstance.read(model: try RoadefData.bytes("model_\(name).txt"), file: name)
        let original = try RoadefAssignment.read(try RoadefData.bytes("assignment_\(name).txt"), file: name,
                                                 processCount: instance.processCount, machineCount: instance.machineCount)
        let back = try roundTrip(instance, original)
        // Other assignments: every process shifted one machine on, and every tenth one.
        let shifted = original.map { ($0 + 1) % instance.machineCount }
        let someShifted = original.enumerated().map { $0.offset % 10 == 0 ? ($0.element + 1) % instance.machineCount : $0.element }
        expectSameProblem(instance, back, original: original, assignments: [original, shifted, someShifted])
    }

    @Test func badSnapshotsNameThePlace() {
        func message(_ text: String) -> String? {
            do {
                _ = try RoadefSnapshot.read(json: Array(text.utf8))
                return nil
            } catch {
                return error.description
            }
        }
        let valid = JSONWriter.write(RoadefSnapshot.snapshot(try! TinyRoadef.instance(), assignment: TinyRoadef.original, name: "t"))
        #expect(message(valid) == nil)
        #expect(message(valid.replacingOccurrences(of: "\"host\": \"m3\"", with: "\"host\": \"m9\"")) == "vms[3].host: unknown host \"m9\"")
        #expect(message(valid.replacingOccurrences(of: "\"moveCost\": 3", with: "\"moveCost\": 2.5")) == "vms[3].moveCost: must be a whole number from 0 to 2147483647, got 2.5")
        #expect(message(valid.replacingOccurrences(of: "\"group\": \"s2\"", with: "\"group\": 2")) == "vms[3].group: must be a string, got a number")
        #expect(message(valid.replacingOccurrences(of: "\"id\": \"m1\"", with: "\"id\": \"m0\"")) == "hosts[1].id: duplicate id \"m0\"")
        #expect(message(valid.replacingOccurrences(of: "\"key\": \"location\"", with: "\"key\": \"rack\""))
            == "rules[1].key: a spread rule of the challenge is over \"location\", got \"rack\"")
        #expect(message("{") != nil)
    }
}
