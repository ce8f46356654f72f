import DRSModel
import DRSHeuristics
import DRSExact

/// The solvers `drs plan --solver` knows, by their stable ids.
public enum SolverCatalog {
    public static let names = ["auto", "exact", "greedy"]

    /// The solver for a name; `auto` picks exact for small snapshots, greedy otherwise.
    public static func solver(named name: String, for snapshot: Snapshot) throws -> any PlacementSolver {
        switch name {
        case "greedy": return GreedySolver()
        case "exact", "exact-glpk": return ExactSolver()
        case "auto":
            let active = snapshot.vms.filter { $0.powerState == .on }.count
            return active * snapshot.hosts.count <= ExactSolver.autoLimit ? ExactSolver() : GreedySolver()
        default: throw PlanningError.unknownSolver(name)
        }
    }
}
