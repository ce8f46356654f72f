import DRSModel
import DRSHeuristics
import DRSExact

/// The solvers `drs plan --solver` knows, by their stable ids.
public enum SolverCatalog {
    /// Constructive heuristics, by id (see `ConstructiveSolver.Rule`).
    public static let constructive = ConstructiveSolver.Rule.allCases.map(\.rawValue)
    /// `exact-assignment` is the exact solver without the pattern models and searches that run
    /// before its assignment MIP (to compare the formulations).
    public static let names = ["auto", "exact", "exact-assignment", "greedy"] + constructive + ["bin-centric", "local-search", "portfolio"]

    /// The solver for a name; `auto` picks exact for small snapshots (active VMs x hosts at most
    /// `ExactSolver.autoLimit`), local search otherwise.
    public static func solver(named name: String, for snapshot: Snapshot) throws -> any PlacementSolver {
        switch name {
        case "greedy": return GreedySolver()
        case "exact", "exact-glpk": return ExactSolver.checked()
        case "exact-assignment": return ExactSolver.checked(usesPatterns: false)
        case "local-search": return LocalSearchSolver()
        case "bin-centric": return BinCentricSolver()
        case "portfolio": return PortfolioSolver()
        case "auto":
            let active = snapshot.vms.filter { $0.powerState == .on }.count
            return active * snapshot.hosts.count <= ExactSolver.autoLimit ? ExactSolver.checked() : LocalSearchSolver()
        default:
            if let rule = ConstructiveSolver.Rule(rawValue: name) { return ConstructiveSolver(rule) }
            throw PlanningError.unknownSolver(name)
        }
    }
}
