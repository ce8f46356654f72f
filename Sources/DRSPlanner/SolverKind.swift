/// Every solver `drs plan --solver` accepts, by its stable id (`rawValue`, also the plan's
/// `solver` field except for `auto`, which names the solver it picked). The solvers themselves
/// are built by `SolverKind.solver(for:)` in DRSSolvers (the exact ones need GLPK).
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
}
