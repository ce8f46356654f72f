import DRSModel

/// Shared by the applied-subset tests of the planner (DRSPlannerTests) and of the command line
/// (CLITests).
extension Fixtures {
    /// h1 and h2 each half full; the new VM fits only once `a` has moved from h1 to h2.
    package static func roomMadeByAMigration(_ level: AutomationLevel) -> Snapshot {
        var s = Snapshot()
        s.cluster.automation = level
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2")]
        s.vms = [Fixtures.vm("a", on: "h1", cpu: 50, memory: 10), Fixtures.vm("b", on: "h2", cpu: 40, memory: 10),
                 Fixtures.vm("n", on: nil, cpu: 60, memory: 10)]
        return s
    }
}
