import DRSModel
import DRSHeuristics
import DRSExact
import DRSPlanner

extension SolverKind {
    /// The solver; `auto` is the anytime portfolio (`AutoSolver`) up to `AutoSolver.anytimeLimit`
    /// active VMs x hosts, local search alone above. O(VMs) for `auto`, O(1) otherwise.
    public func solver(for snapshot: Snapshot) -> any PlacementSolver {
        switch self {
        case .greedy: return GreedySolver()
        case .exact: return ExactSolver.checked()
        case .exactAssignment: return ExactSolver.checked(usesPatterns: false)
        case .localSearch: return LocalSearchSolver()
        case .binCentric: return BinCentricSolver()
        case .portfolio: return PortfolioSolver()
        case .ffdL2: return ConstructiveSolver(.ffdL2)
        case .ffdSum: return ConstructiveSolver(.ffdSum)
        case .ffdMax: return ConstructiveSolver(.ffdMax)
        case .dotProduct: return ConstructiveSolver(.dotProduct)
        case .leastLoaded: return ConstructiveSolver(.leastLoaded)
        case .auto:
            let active = snapshot.vms.filter { $0.powerState == .on }.count
            return active * snapshot.hosts.count <= AutoSolver.anytimeLimit ? AutoSolver() : LocalSearchSolver()
        }
    }
}

/// The solvers by name (the command line's and `drs bench`'s view of `SolverKind`).
package enum SolverCatalog {
    /// Constructive heuristics, by id (see `ConstructiveSolver.Rule`).
    package static let constructive = ConstructiveSolver.Rule.allCases.map(\.rawValue)
    /// Every id, in `SolverKind` order.
    package static let names = SolverKind.allCases.map(\.rawValue)

    /// The solver for a name (see `SolverKind`); throws `PlanningError.unknownSolver` otherwise.
    package static func solver(named name: String, for snapshot: Snapshot) throws -> any PlacementSolver {
        guard let kind = SolverKind(name: name) else { throw PlanningError.unknownSolver(name) }
        return kind.solver(for: snapshot)
    }
}
