import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSPlanner
@_spi(Benchmarks) import DRSSolvers

/// Suites that hold a rule against every solver of the catalog by the checked plan each gives,
/// then break the plan by hand for the checker.
protocol CatalogPlanning {}

extension CatalogPlanning {
    /// The checked plan of the catalog solver `solverName` (5 s limit), which the checker must
    /// accept whole.
    static func plan(_ snapshot: Snapshot, _ solverName: String) throws -> Plan {
        let solver = try SolverCatalog.solver(named: solverName, for: snapshot)
        let plan = try Planner.checkedPlan(snapshot, solver: solver, options: SolveOptions(timeLimit: 5))
        #expect(PlanChecker.check(snapshot, plan).isEmpty, "\(solverName)")
        return plan
    }

    /// What the checker refuses in `plan`, one line per violation.
    static func refusals(_ snapshot: Snapshot, _ plan: Plan) -> [String] {
        PlanChecker.check(snapshot, plan).map(\.description)
    }
}
