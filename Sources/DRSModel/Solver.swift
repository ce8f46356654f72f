/// Options every solver honours.
public struct SolveOptions: Sendable {
    /// Wall-clock limit in seconds.
    public var timeLimit: Double = 10
    /// Seed for any randomised choice; equal seeds give equal results.
    public var seed: UInt64 = 1
    /// Threads a solver may use for work it splits without changing its result (1: one core).
    public var threads: Int = 1

    /// Defaults: 10 s, seed 1, one thread.
    public init(timeLimit: Double = 10, seed: UInt64 = 1, threads: Int = 1) {
        self.timeLimit = timeLimit
        self.seed = seed
        self.threads = threads
    }

    /// The instant `fraction` of the time limit after `start`: every loop of a solver that can
    /// run long compares the clock with it.
    package func deadline(from start: ContinuousClock.Instant, fraction: Double = 1) -> ContinuousClock.Instant {
        let seconds = max(0, timeLimit) * max(0, fraction)
        return start.advanced(by: .milliseconds(Int64(min(seconds, 1e9) * 1000)))
    }
}

/// Why a solver stopped: the plan's `termination`, beside its `status` (SPEC section 6). Solvers
/// that always run to the end of their method leave it nil.
public enum Termination: String, Codable, Sendable, CaseIterable {
    /// The search completed and proved the plan optimal.
    case optimal
    /// The time limit ended the search; the plan is the best one found.
    case feasibleTimeLimit
    /// The search ended within the time limit without a proof (the model is not the whole
    /// score); the plan is the best one found.
    case unproven
    /// A model or search too large for the time or memory left was not started; the plan is
    /// the best one found before it.
    case modelTooLarge
    /// The optimisation backend failed; the plan is the best one found before the failure.
    case backendError
    /// The solver's own target could not be carried out in waves within the hard constraints;
    /// the plan is the best heuristic plan it started from.
    case targetUnreachable
    /// Nothing was found.
    case noPlan
}

/// What a solver returns: a target placement with its status and statistics. A solver that
/// could not run throws; one that ran and found no plan returns status `unknown` or `infeasible`.
public struct SolverResult: Sendable {
    /// `optimal` only with a proof; `unknown` or `infeasible` when the solver found no plan.
    public var status: Plan.Status
    /// Target host per VM (-1: unplaced or powered off).
    public var placement: [Int32]
    /// Target host of each FT VM's secondary (-1: none).
    public var secondaries: [Int32]
    /// Proven lower bound on the goal term, when known.
    public var bound: Double?
    /// Recommendation priority per VM of its move (1 mandatory ... 5), when the solver graded it.
    public var movePriority: [UInt8]
    /// Why a VM (by index) is left unplaced or unprotected.
    public var reasons: [Int: String]
    /// Search-tree nodes explored (exact solver); 0 for solvers without one.
    public var nodes: Int = 0
    /// Wall time of the solve, seconds (reported as the plan's `seconds`).
    public var seconds: Double = 0
    /// Why the solver stopped, when it reports it.
    public var termination: Termination?
    /// Whether the solver stopped some work because its time limit ran out (the plan is the
    /// best it had then).
    public var deadlineReached = false

    /// A result; `nodes` and `seconds` start at 0, `termination` nil, `deadlineReached` false.
    public init(status: Plan.Status, placement: [Int32], secondaries: [Int32], bound: Double? = nil,
                movePriority: [UInt8], reasons: [Int: String] = [:]) {
        self.status = status
        self.placement = placement
        self.secondaries = secondaries
        self.bound = bound
        self.movePriority = movePriority
        self.reasons = reasons
    }
}

/// A placement solver: reads the compiled problem, returns a target placement that satisfies
/// every hard constraint (the planner and the checker verify it).
/// How the exact solver plugs into the planner without the planner linking it: `DRSExact`
/// extends `ExactFallback` with this protocol, so wherever GLPK is linked (the `drs` binary, the
/// OpenDRS library) the planner tries the exact solver when the heuristics' plans fail on a
/// small problem; a product without it (OpenDRSCore) has no exact fallback.
package protocol ExactFallbackSource {
    /// Active VMs x hosts up to which `auto` runs the exact solver.
    static var autoLimit: Int { get }
    /// A new exact solver, as the planner's fallback.
    static func solver() -> any PlacementSolver
}

/// The type `DRSExact` extends with `ExactFallbackSource`.
package enum ExactFallback {
    /// The exact solver's hooks when `DRSExact` is linked into this program, else nil: a
    /// conformance lookup at run time, done once.
    package static let source: (any ExactFallbackSource.Type)? = (ExactFallback.self as Any.Type) as? any ExactFallbackSource.Type
}

public protocol PlacementSolver: Sendable {
    /// Stable short id used on the command line and in reports.
    var id: String { get }
    /// A target for `problem` within `options`; throws only when the solver cannot run at all.
    func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult
}
