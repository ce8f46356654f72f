@_spi(Benchmarks) import DRSModel
@testable import DRSRoadef
import DRSTestSupport
import Foundation
import Testing

@Suite struct RoadefSearchTests {
    static func setA(_ name: String) throws -> (RoadefInstance, [Int]) {
        let instance = try RoadefInstance.read(model: try RoadefData.bytes("model_\(name).txt"), file: name)
        let original = try RoadefAssignment.read(try RoadefData.bytes("assignment_\(name).txt"), file: name,
                                                 processCount: instance.processCount, machineCount: instance.machineCount)
        return (instance, original)
    }

    /// Random relocations and swaps from the original: after each, the state's local verdict
    /// (the two machines and two services it changed) equals the evaluator's verdict on the whole
    /// assignment, and the state's cost equals the evaluator's; infeasible moves are undone.
    func expectIncrementalMatchesScratch(_ instance: RoadefInstance, _ original: [Int], moves: Int, seed: UInt64) {
        var state = RoadefState(instance, original: original, assignment: original)
        var random = SplitMix64(seed: seed)
        var kept = 0
        for _ in 0..<moves {
            let p = random.below(instance.processCount), from = state.assignment[p]
            let q = random.below(2) == 0 ? -1 : random.below(instance.processCount)
            let to = q >= 0 ? state.assignment[q] : random.below(instance.machineCount)
            if to == from { continue }
            state.move(p, to: to)
            if q >= 0 { state.move(q, to: from) }
            let local = state.fits(to) && state.fits(from) && state.serviceHolds(instance.service[p], machines: from, to)
                && (q < 0 || state.serviceHolds(instance.service[q], machines: from, to))
            let scratch = RoadefEvaluator.evaluate(instance, original: original, assignment: state.assignment)
            #expect(local == scratch.isFeasible, "move of p\(p) to m\(to)\(q >= 0 ? " swapping with p\(q)" : ""): \(scratch.violations.prefix(3))")
            #expect(state.total == scratch.cost.total)
            if !local {
                if q >= 0 { state.move(q, to: to) }
                state.move(p, to: from)
                #expect(state.total == RoadefEvaluator.evaluate(instance, original: original, assignment: state.assignment).cost.total)
            } else {
                kept += 1
            }
        }
        #expect(kept > 0)
    }

    @Test func theSmallInstanceStaysExactUnderRandomMoves() throws {
        expectIncrementalMatchesScratch(try TinyRoadef.instance(), TinyRoadef.original, moves: 2000, seed: 7)
    }

    @Test(.enabled(if: RoadefData.available, Comment(rawValue: RoadefData.missing)),
          arguments: ["a1_1", "a1_2", "a1_4", "a2_1", "a2_5"])
    func setAStaysExactUnderRandomMoves(_ name: String) throws {
        let (instance, original) = try Self.setA(name)
        expectIncrementalMatchesScratch(instance, original, moves: 300, seed: 11)
    }

    @Test func theSearchKeepsEveryConstraintAndNeverWorsens() throws {
        let instance = try TinyRoadef.instance()
        let result = RoadefLocalSearch.solve(instance, original: TinyRoadef.original, timeLimit: 3600, seed: 3, maximumIterations: 20_000)
        let evaluation = RoadefEvaluator.evaluate(instance, original: TinyRoadef.original, assignment: result.assignment)
        #expect(evaluation.isFeasible)
        #expect(evaluation.cost.total == result.cost)
        #expect(result.cost <= 83 && result.iterations == 20_000)
        #expect(result.trace.map(\.cost) == result.trace.map(\.cost).sorted(by: >))
    }

    @Test func anInfeasibleOriginalIsReturnedUnchanged() throws {
        let broken = [0, 0, 1, 3]
        let result = RoadefLocalSearch.solve(try TinyRoadef.instance(), original: broken, timeLimit: 3600, seed: 1, maximumIterations: 1000)
        #expect(result.assignment == broken && result.iterations == 0)
    }

    @Test(.enabled(if: RoadefData.available, Comment(rawValue: RoadefData.missing)), arguments: ["a1_1", "a2_1", "a2_4"])
    func theSearchLowersSetACostsFeasibly(_ name: String) throws {
        let (instance, original) = try Self.setA(name)
        let initial = RoadefEvaluator.evaluate(instance, original: original, assignment: original).cost.total
        let result = RoadefLocalSearch.solve(instance, original: original, timeLimit: 3600, seed: 5, maximumIterations: 30_000)
        let evaluation = RoadefEvaluator.evaluate(instance, original: original, assignment: result.assignment)
        #expect(evaluation.isFeasible, "\(evaluation.violations.prefix(3))")
        #expect(evaluation.cost.total == result.cost)
        #expect(result.cost < initial)
    }
}
