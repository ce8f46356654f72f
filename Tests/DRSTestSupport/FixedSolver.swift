@_spi(Benchmarks) import DRSModel

/// A solver that returns a given target, to test the wave planner on chosen moves.
package struct FixedSolver: PlacementSolver {
    package let id = "fixed"
    package var target: [String: String]
    package var secondaries: [String: String]
    package var priority: UInt8

    package init(target: [String: String], secondaries: [String: String] = [:], priority: UInt8 = 2) {
        self.target = target
        self.secondaries = secondaries
        self.priority = priority
    }

    package func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
        var placement = [Int32](repeating: -1, count: problem.vmCount)
        var second = problem.vmInitialSecondary
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            let id = problem.snapshot.vms[v].id
            placement[v] = target[id].flatMap { problem.hostIndex[$0] }.map { Int32($0) } ?? problem.vmInitialHost[v]
            if let s = secondaries[id], let h = problem.hostIndex[s] { second[v] = Int32(h) }
        }
        return SolverResult(status: .feasible, placement: placement, secondaries: second,
                            movePriority: [UInt8](repeating: priority, count: problem.vmCount))
    }
}
