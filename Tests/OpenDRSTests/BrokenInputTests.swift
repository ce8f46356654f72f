import Testing
import Foundation
import OpenDRS

/// Inputs that already break a hard constraint (an overload, a broken required or must rule, an
/// FT secondary on a host that cannot keep it, failed hosts): every solver tolerates what the
/// input had exactly as the checker does (no worse), repairs what it can, reports the rest, and
/// never surfaces a checker failure.
@Suite struct BrokenInputTests {
    static let solvers = ["greedy", "local-search", "ffd-l2", "ffd-sum", "ffd-max", "dot-product", "least-loaded",
                          "bin-centric", "portfolio", "exact"]

    static func solver(_ name: String, _ snapshot: Snapshot) throws -> any PlacementSolver {
        try SolverCatalog.solver(named: name, for: snapshot)
    }

    static let quick = SolveOptions(timeLimit: 2, seed: 7)

    /// Plans, asserting the planner's own contract: a returned plan passes the checker; an
    /// infeasible answer names VMs that cannot leave a host that cannot keep them.
    @discardableResult
    static func plan(_ snapshot: Snapshot, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Plan? {
        do {
            let plan = try Planner.checkedPlan(snapshot, solver: solver(name, snapshot), options: quick)
            let violations = PlanChecker.check(snapshot, plan)
            #expect(violations.isEmpty, "\(name): \(violations)", sourceLocation: sourceLocation)
            #expect(plan.status != .infeasible && plan.status != .unknown, "\(name): \(plan.status)", sourceLocation: sourceLocation)
            return plan
        } catch let PlanningError.infeasible(message, _) {
            Issue.record("\(name) answered infeasible: \(message)", sourceLocation: sourceLocation)
            return nil
        }
    }

    // MARK: FT and failed hosts (failover --all never crashes)

    /// An FT VM in every combination of its primary's and secondary's host states.
    static func ftCombination(primary: HostState, secondary: HostState) -> Snapshot {
        var s = Snapshot()
        s.cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 0, master: "h3")
        s.hosts = [Fixtures.host("h1", state: primary), Fixtures.host("h2", state: secondary),
                   Fixtures.host("h3"), Fixtures.host("h4")]
        s.vms = [Fixtures.vm("ft", on: "h1", cpu: 30, memory: 10), Fixtures.vm("other", on: "h3", cpu: 20, memory: 10)]
        s.vms[0].ft = FaultTolerance(secondaryHost: "h2")
        return s
    }

    static let ftStates: [(HostState, HostState)] = {
        var pairs: [(HostState, HostState)] = []
        for p in HostState.allCases { for q in HostState.allCases { pairs.append((p, q)) } }
        return pairs
    }()

    @Test("failover --all never crashes, whatever the states of an FT VM's primary and secondary hosts",
          arguments: ftStates.indices)
    func failoverSweepHandlesEveryFTHostStateCombination(index: Int) throws {
        let (p, q) = Self.ftStates[index]
        let s = Self.ftCombination(primary: p, secondary: q)
        for name in ["greedy", "local-search", "bin-centric", "exact"] {
            let reports = FailoverSweep.run(s, solver: try Self.solver(name, s), options: Self.quick)
            #expect(reports.count == s.hosts.filter { $0.state == .connected }.count)
            for report in reports {
                #expect(report.error == nil, "\(p)/\(q), \(name), \(report.host) fails: \(report.error ?? "")")
                #expect(report.lost.isEmpty, "\(p)/\(q), \(name), \(report.host): \(report.lost)")
            }
            try Self.plan(s, name)
        }
    }

    @Test("a promoted FT VM whose new host fails too is restarted, not promoted again")
    func promotedVMWhoseHostFailsIsRestarted() throws {
        let s = Self.ftCombination(primary: .failed, secondary: .connected)
        let failed = Problem(s).failing(1)
        let plan = try Planner.checkedPlan(failed, solver: GreedySolver())
        #expect(PlanChecker.check(failed.snapshot, plan).isEmpty)
        #expect(!plan.steps.contains { $0.kind == .promote })
        let restart = try #require(plan.steps.first { $0.kind == .restart && $0.vm == "ft" })
        #expect(restart.to == "h3" || restart.to == "h4")
        #expect(plan.secondaries["ft"] != nil && plan.secondaries["ft"] != restart.to)
    }
}
