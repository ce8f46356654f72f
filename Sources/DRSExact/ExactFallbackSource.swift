import DRSModel

/// Registers the exact solver as the planner's fallback wherever this module is linked.
extension ExactFallback: ExactFallbackSource {
    package static var autoLimit: Int { ExactSolver.autoLimit }
    package static func solver() -> any PlacementSolver { ExactSolver() }
}
