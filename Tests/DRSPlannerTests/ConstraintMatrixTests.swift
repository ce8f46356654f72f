import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSPlanner
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// Every hard constraint family, held against every solver: one tiny snapshot per family
/// that tempts a solver to break it (a naive placement would), planned by each solver in the
/// catalog; the printed plan's final placement is then checked against the family's rule by
/// the test's own code (not the checker's). A hand-made plan that breaks the rule is refused by
/// the checker with the family's message.
struct ConstraintMatrixTests {
    /// A hard constraint family: its snapshot, what the final placement must satisfy, a plan
    /// (steps) that breaks it and the word the checker's refusal names.
    struct Family: CustomStringConvertible, Sendable {
        let name: String
        let snapshot: String
        /// Whether the final placement (VM -> host; FT secondaries) keeps the rule.
        let holds: @Sendable (_ placement: [String: String], _ secondaries: [String: String], _ unplaced: [String]) -> Bool
        /// Steps (wave 1, applied) that break the rule, and their final placement.
        let breaking: [Step]
        let breakingPlacement: [String: String]
        let refusal: String
        var description: String { name }
    }

    static func place(_ vm: String, _ host: String) -> Step {
        Step(wave: 1, kind: .place, vm: vm, to: host, priority: 1, applied: true, reason: "test")
    }

    static func migrate(_ vm: String, _ from: String, _ to: String) -> Step {
        Step(wave: 1, kind: .migrate, vm: vm, from: from, to: to, priority: 1, applied: true, reason: "test")
    }

    static let twoHosts = """
        [{"id": "h1", "capacity": {"cpu": 100, "memory": 100}}, {"id": "h2", "capacity": {"cpu": 100, "memory": 100}}]
        """

    static let families: [Family] = [
        Family(name: "capacity",
               snapshot: Fixtures.json(hosts: twoHosts, vms: """
                   [{"id": "v1", "demand": {"cpu": 60, "memory": 60}}, {"id": "v2", "demand": {"cpu": 60, "memory": 60}}]
                   """, cluster: #"{"goal": "consolidate"}"#),
               holds: { placement, _, unplaced in unplaced.isEmpty && placement["v1"] != placement["v2"] },
               breaking: [place("v1", "h1"), place("v2", "h1")], breakingPlacement: ["v1": "h1", "v2": "h1"],
               refusal: "over capacity"),
        Family(name: "required anti-affinity",
               snapshot: Fixtures.json(hosts: twoHosts, vms: """
                   [{"id": "v1", "demand": {"cpu": 10, "memory": 10}}, {"id": "v2", "demand": {"cpu": 10, "memory": 10}}]
                   """, rules: #"[{"id": "apart", "kind": "antiAffinity", "vms": ["v1", "v2"], "required": true}]"#,
                   cluster: #"{"goal": "consolidate"}"#),
               holds: { placement, _, unplaced in unplaced.isEmpty && placement["v1"] != placement["v2"] },
               breaking: [place("v1", "h1"), place("v2", "h1")], breakingPlacement: ["v1": "h1", "v2": "h1"],
               refusal: "anti-affinity rule apart"),
        Family(name: "required affinity",
               snapshot: Fixtures.json(hosts: twoHosts, vms: """
                   [{"id": "v1", "host": "h1", "demand": {"cpu": 10, "memory": 10}},
                    {"id": "v2", "host": "h2", "demand": {"cpu": 10, "memory": 10}}]
                   """, rules: #"[{"id": "together", "kind": "affinity", "vms": ["v1", "v2"], "required": true}]"#,
                   cluster: #"{"goal": "balance"}"#),
               holds: { placement, _, _ in placement["v1"] != nil && placement["v1"] == placement["v2"] },
               breaking: [], breakingPlacement: ["v1": "h1", "v2": "h2"],
               refusal: "affinity rule together"),
        Family(name: "vmHost must",
               snapshot: Fixtures.json(hosts: twoHosts, vms: """
                   [{"id": "v1", "host": "h1", "demand": {"cpu": 10, "memory": 10}}]
                   """, rules: #"[{"id": "licence", "kind": "vmHost", "vms": ["v1"], "hosts": ["h2"], "policy": "must"}]"#),
               holds: { placement, _, _ in placement["v1"] == "h2" },
               breaking: [], breakingPlacement: ["v1": "h1"],
               refusal: "must rule licence"),
        Family(name: "vmHost mustNot",
               snapshot: Fixtures.json(hosts: twoHosts, vms: """
                   [{"id": "v1", "demand": {"cpu": 10, "memory": 10}}, {"id": "v2", "host": "h1", "demand": {"cpu": 50, "memory": 50}}]
                   """, rules: #"[{"id": "keep-off", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1"], "policy": "mustNot"}]"#,
                   cluster: #"{"goal": "consolidate"}"#),
               holds: { placement, _, _ in placement["v1"] == "h2" },
               breaking: [place("v1", "h1")], breakingPlacement: ["v1": "h1", "v2": "h1"],
               refusal: "mustNot rule keep-off"),
        Family(name: "FT separation",
               snapshot: Fixtures.json(hosts: twoHosts, vms: """
                   [{"id": "v1", "host": "h1", "demand": {"cpu": 10, "memory": 10}, "ft": {"secondaryHost": "h2"}}]
                   """, cluster: #"{"goal": "consolidate"}"#),
               holds: { placement, secondaries, _ in placement["v1"] != nil && secondaries["v1"] != nil && placement["v1"] != secondaries["v1"] },
               breaking: [migrate("v1", "h1", "h2")], breakingPlacement: ["v1": "h2"],
               refusal: "FT primary and secondary of v1"),
        Family(name: "maintenance",
               snapshot: Fixtures.json(hosts: """
                   [{"id": "h1", "capacity": {"cpu": 100, "memory": 100}, "state": "maintenance"},
                    {"id": "h2", "capacity": {"cpu": 100, "memory": 100}}]
                   """, vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 10, "memory": 10}}]"#),
               holds: { placement, _, _ in placement["v1"] == "h2" },
               breaking: [], breakingPlacement: ["v1": "h1"],
               refusal: "which is maintenance"),
        Family(name: "failed host",
               snapshot: Fixtures.json(hosts: """
                   [{"id": "h1", "capacity": {"cpu": 100, "memory": 100}, "state": "failed"},
                    {"id": "h2", "capacity": {"cpu": 100, "memory": 100}}]
                   """, vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 10, "memory": 10}}]"#),
               holds: { placement, _, _ in placement["v1"] == "h2" },
               breaking: [Step(wave: 1, kind: .restart, vm: "v1", from: "h1", to: "h1", priority: 1, applied: true, reason: "test")],
               breakingPlacement: ["v1": "h1"],
               refusal: "which is failed"),
        Family(name: "HA admission control",
               snapshot: Fixtures.json(hosts: twoHosts, vms: """
                   [{"id": "v1", "host": "h1", "demand": {"cpu": 40, "memory": 40}}, {"id": "v2", "demand": {"cpu": 70, "memory": 70}}]
                   """, cluster: #"{"ha": {"enabled": true, "hostFailuresToTolerate": 1}}"#),
               holds: { placement, _, unplaced in placement["v1"] != nil && unplaced == ["v2"] },
               breaking: [place("v2", "h2")], breakingPlacement: ["v1": "h1", "v2": "h2"],
               refusal: "admission control broken"),
    ]

    @Test("every solver keeps every hard constraint family", arguments: families, SolverCatalog.names)
    func solverKeepsFamily(_ family: Family, _ solverName: String) throws {
        let snapshot = try Snapshot.read(json: family.snapshot)
        let solver = try SolverCatalog.solver(named: solverName, for: snapshot)
        let plan = try Planner.checkedPlan(snapshot, solver: solver, options: SolveOptions(timeLimit: 5))
        #expect(family.holds(plan.placement, plan.secondaries, plan.unplaced.sorted()),
                "\(family.name), \(solverName): placement \(plan.placement), secondaries \(plan.secondaries), unplaced \(plan.unplaced)")
        // The checker agrees (the plan was checked before it was returned; replayed here too).
        #expect(PlanChecker.check(snapshot, plan).isEmpty)
    }

    @Test("the checker refuses a plan that breaks each family, naming it", arguments: families)
    func checkerRefusesBreakingPlan(_ family: Family) throws {
        let snapshot = try Snapshot.read(json: family.snapshot)
        #expect(!family.holds(family.breakingPlacement, [:], []), "\(family.name): the breaking placement must break the rule")
        let unplaced = snapshot.vms.map(\.id).filter { family.breakingPlacement[$0] == nil }
        let plan = Plan(status: .feasible, solver: "test", automation: snapshot.cluster.automation, objective: Objective(),
                        seconds: 0, placement: family.breakingPlacement,
                        secondaries: Dictionary(uniqueKeysWithValues: snapshot.vms.compactMap { vm in vm.ft?.secondaryHost.map { (vm.id, $0) } }),
                        unplaced: unplaced, reasons: [:], haMaster: nil, steps: family.breaking)
        let violations = PlanChecker.check(snapshot, plan, requireRepaired: true)
        #expect(violations.contains { $0.message.contains(family.refusal) },
                "\(family.name): \(violations.map(\.description))")
    }
}
