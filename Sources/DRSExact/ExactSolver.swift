internal import CGLPK
import DRSModel

/// The GLPK library version, e.g. "5.0".
public var glpkVersion: String { String(cString: glp_version()) }

/// Errors of the exact solver that mean it could not run (as opposed to finding no plan).
public enum ExactSolverError: Error, CustomStringConvertible {
    case notAvailable(String)
    public var description: String {
        switch self {
        case let .notAvailable(message): return message
        }
    }
}

/// Exact MIP solver over GLPK (see issue: exact solver). Placeholder entry point until the
/// formulation lands: it refuses to run rather than pretending.
public struct ExactSolver: PlacementSolver {
    public let id = "exact-glpk"
    /// `auto` uses the exact solver when active VMs x hosts is at most this.
    public static let autoLimit = 0

    public init() {}

    public func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
        throw ExactSolverError.notAvailable("the exact solver is not available in this build; use --solver greedy")
    }
}
