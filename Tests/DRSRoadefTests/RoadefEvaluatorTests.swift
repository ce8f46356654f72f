import DRSRoadef
import DRSTestSupport
import Foundation
import Testing

/// A small instance whose cost is worked out by hand: 2 resources (r1 transient), 4 machines
/// (m0: neighborhood 0 location 0, m1: 0/1, m2: 1/0, m3: 1/1; capacity 12, safety 8), services
/// s0 (spreadMin 2), s1 (depends on s0), s2; processes p0, p1 of s0, p2 of s1, p3 of s2.
enum TinyRoadef {
    static let model = RoadefData.tinyModel
    static let original = [0, 1, 1, 3]

    static func instance() throws -> RoadefInstance {
        try RoadefInstance.read(model: Array(model.utf8), file: "tiny.txt")
    }

    static func kinds(_ assignment: [Int]) throws -> [String] {
        RoadefEvaluator.evaluate(try instance(), original: original, assignment: assignment).violations.map(\.kind)
    }
}

@Suite struct RoadefEvaluatorTests {
    @Test(.enabled(if: RoadefData.available, Comment(rawValue: RoadefData.missing)), arguments: RoadefData.initialCosts)
    func reproducesThePublishedInitialCost(_ entry: (name: String, cost: Int)) throws {
        let instance = try RoadefInstance.read(model: try RoadefData.bytes("model_\(entry.name).txt"), file: entry.name)
        let original = try RoadefAssignment.read(try RoadefData.bytes("assignment_\(entry.name).txt"), file: entry.name,
                                                 processCount: instance.processCount, machineCount: instance.machineCount)
        let evaluation = RoadefEvaluator.evaluate(instance, original: original, assignment: original)
        #expect(evaluation.cost.total == entry.cost)
        #expect(evaluation.violations == [])
        #expect(evaluation.cost.processMove == 0 && evaluation.cost.serviceMove == 0 && evaluation.cost.machineMove == 0)
    }

    @Test func theInitialCostOfTheSmallInstanceIsTheHandWorkedOne() throws {
        let instance = try TinyRoadef.instance()
        #expect(instance.resourceCount == 2 && instance.machineCount == 4 && instance.serviceCount == 3 && instance.processCount == 4)
        #expect(instance.transient == [false, true] && instance.dependencies == [[], [0], []])
        let evaluation = RoadefEvaluator.evaluate(instance, original: TinyRoadef.original, assignment: TinyRoadef.original)
        // Load: m1 uses 9 of r0 and r1 over a safety capacity of 8: 10 x 1 + 5 x 1. Balance
        // (r0, r1, target 2, weight 2): 2 x 7 - 7, 2 x 3 - 3, 2 x 12 - 12, 2 x 8 - 4 on m0..m3.
        #expect(evaluation.cost.load == 15)
        #expect(evaluation.cost.balance == 2 * (7 + 3 + 12 + 12))
        #expect(evaluation.cost.total == 83)
        #expect(evaluation.isFeasible)
    }

    @Test func aMoveCostsItsThreeMoveTerms() throws {
        // p3 from m3 to m2: process move 1 x 3, service move 10 x 1, machine move 100 x cost(3, 2) = 1.
        let evaluation = RoadefEvaluator.evaluate(try TinyRoadef.instance(), original: TinyRoadef.original, assignment: [0, 1, 1, 2])
        #expect(evaluation.cost == {
            var cost = RoadefCost()
            cost.load = 15
            cost.balance = 68
            cost.processMove = 3
            cost.serviceMove = 10
            cost.machineMove = 100
            return cost
        }())
        #expect(evaluation.isFeasible)
        // Two processes of one service move: the service move term counts 2.
        let both = RoadefEvaluator.evaluate(try TinyRoadef.instance(), original: TinyRoadef.original, assignment: [2, 3, 1, 3])
        #expect(both.cost.serviceMove == 20 && both.cost.processMove == 2 && both.cost.machineMove == 100 * (2 + 2))
    }

    @Test func eachHardConstraintIsFlaggedAlone() throws {
        // p3 onto m1: 13 of r0 and 17 of r1 there.
        #expect(try TinyRoadef.kinds([0, 1, 1, 1]) == ["capacity", "capacity"])
        // p1 and p3 swap: each machine holds the arrival and, for the transient r1, the departure.
        #expect(try TinyRoadef.kinds([0, 3, 1, 1]).sorted() == ["transient", "transient"])
        // p1 joins p0 on m0: one machine (conflict) and one location (spread).
        #expect(try TinyRoadef.kinds([0, 0, 1, 3]).sorted() == ["conflict", "spread"])
        // p1 onto m2: location 0 like p0's m0.
        #expect(try TinyRoadef.kinds([0, 2, 1, 3]) == ["spread"])
        // p2 (service 1, depends on service 0) into neighborhood 1, where no process of service 0 is.
        #expect(try TinyRoadef.kinds([0, 1, 3, 3]) == ["dependency"])
        let evaluation = RoadefEvaluator.evaluate(try TinyRoadef.instance(), original: TinyRoadef.original, assignment: [0, 3, 1, 1])
        #expect(evaluation.violations.contains(.transient(machine: 1, resource: 1, usage: 17, capacity: 12)))
        #expect(evaluation.violations.contains(.transient(machine: 3, resource: 1, usage: 13, capacity: 12)))
    }

    @Test func assignmentsRoundTrip() throws {
        let text = RoadefAssignment.write([0, 1, 1, 3])
        #expect(text == "0 1 1 3\n")
        #expect(try RoadefAssignment.read(Array(text.utf8), file: "a", processCount: 4, machineCount: 4) == [0, 1, 1, 3])
    }
}
