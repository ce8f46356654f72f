import DRSModel

/// The checker's mutation tests start from these (DRSModelTests, and CLITests for `drs check`).
extension Fixtures {
    /// h1 holds v1 (60) and v3; h2 holds v2 (60); h3 is empty. v1 and v3 are kept apart.
    package static var checkerSnapshot: Snapshot {
        var s = Snapshot()
        s.cluster.migration.maxConcurrentPerHost = 2
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("h3"), Fixtures.host("dead", state: .failed)]
        s.vms = [Fixtures.vm("v1", on: "h1", cpu: 60, memory: 10), Fixtures.vm("v2", on: "h2", cpu: 60, memory: 10),
                 Fixtures.vm("v3", on: "h1", cpu: 10, memory: 10), Fixtures.vm("v4", on: "h3", cpu: 10, memory: 10)]
        s.vms[3].ft = FaultTolerance(secondaryHost: "h2")
        s.rules = [Rule(id: "apart", kind: .antiAffinity, vms: ["v2", "v3"], required: true),
                   Rule(id: "pin", kind: .vmHost, vms: ["v2"], hosts: ["h3"], policy: .mustNot)]
        return s
    }

    /// Wave 1 moves v1 to h3; nothing else.
    package static var checkerPlan: Plan {
        Plan(status: .feasible, solver: "test", automation: .full, objective: Objective(), seconds: 0,
             placement: ["v1": "h3", "v2": "h2", "v3": "h1", "v4": "h3"], secondaries: ["v4": "h2"], unplaced: [], reasons: [:],
             haMaster: nil,
             steps: [Step(wave: 1, kind: .migrate, vm: "v1", from: "h1", to: "h3", priority: 2, applied: true, reason: "test")])
    }
}
