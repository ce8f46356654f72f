import DRSModel
import DRSHeuristics
import DRSExact

/// Every solver `drs plan --solver` accepts, by its stable id (`rawValue`, also the plan's
/// `solver` field except for `auto`, which names the solver it picked).
public enum SolverKind: String, CaseIterable, Sendable {
    case auto
    case exact
    /// The exact solver without the pattern models and searches that run before its assignment
    /// MIP (to compare the formulations).
    case exactAssignment = "exact-assignment"
    case greedy
    case ffdL2 = "ffd-l2"
    case ffdSum = "ffd-sum"
    case ffdMax = "ffd-max"
    case dotProduct = "dot-product"
    case leastLoaded = "least-loaded"
    case binCentric = "bin-centric"
    case localSearch = "local-search"
    case portfolio

    /// The kind for a name: its id, or `exact-glpk` (the exact solver's plan id) for `exact`.
    public init?(name: String) {
        if name == "exact-glpk" { self = .exact; return }
        self.init(rawValue: name)
    }

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
