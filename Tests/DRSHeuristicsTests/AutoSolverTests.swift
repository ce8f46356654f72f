import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSBench
import DRSTestSupport

/// `auto` as an anytime portfolio (`AutoSolver`): proofs, never worse than its first part, and
/// a plan within a tiny time limit.
@Suite("Auto")
struct AutoSolverTests {
    static func knownOptimum(hosts: Int, vms: Int, resources: Int = 2, seed: UInt64) -> GeneratedSnapshot {
        Generator.generate(GeneratorOptions(snapshotClass: .knownOptimum, hosts: hosts, vms: vms, resources: resources,
                                            seed: seed, goal: .consolidate))
    }

    @Test("auto proves the optimum of a small planted fill and says so in status, termination and bound")
    func provesOptimum() throws {
        for seed in UInt64(1)...3 {
            let generated = Self.knownOptimum(hosts: 10, vms: 40, resources: 3, seed: seed)
            let snapshot = generated.snapshot
            let solver = try SolverCatalog.solver(named: "auto", for: snapshot)
            #expect(solver.id == "auto")
            let plan = try Planner.checkedPlan(snapshot, solver: solver, options: SolveOptions(timeLimit: 20, seed: seed))
            #expect(Double(plan.objective.activeHosts) == generated.knownOptimum, "seed \(seed)")
            #expect(plan.status == .optimal, "seed \(seed)")
            #expect(plan.termination == .optimal, "seed \(seed)")
            #expect(plan.bound == generated.knownOptimum, "seed \(seed)")
        }
    }

    /// `auto` starts from local search's plan with the same seed: never worse, unless the clock
    /// cut local search short (then the two runs need not agree, and the case is skipped).
    @Test("auto never scores worse than local search with the same seed")
    func neverWorseThanLocalSearch() throws {
        var snapshots: [Snapshot] = (UInt64(1)...3).map {
            Generator.generate(GeneratorOptions(snapshotClass: .uniform, hosts: 14, vms: 48, seed: $0, goal: .consolidate)).snapshot
        }
        snapshots += (UInt64(1)...2).map {
            Generator.generate(GeneratorOptions(snapshotClass: .rebalance, hosts: 10, vms: 40, seed: $0, goal: .balance)).snapshot
        }
        snapshots += (UInt64(1)...2).map { HeuristicFixtures.binPacking(seed: $0, hostCount: 20, vmCount: 50) }
        var compared = 0
        for (n, snapshot) in snapshots.enumerated() {
            let problem = Problem(snapshot)
            let options = SolveOptions(timeLimit: 5, seed: UInt64(n + 1))
            let local = try LocalSearchSolver().solve(problem, options: options)
            guard !local.deadlineReached else { continue }
            let auto = try AutoSolver().solve(problem, options: options)
            let autoScore = Score.evaluate(problem, placement: auto.placement, secondaries: auto.secondaries)
            let localScore = Score.evaluate(problem, placement: local.placement, secondaries: local.secondaries)
            #expect(!localScore.isBetter(than: autoScore), "snapshot \(n): local search \(localScore.cost), auto \(autoScore.cost)")
            if let bound = auto.bound, problem.goal == .consolidate {
                #expect(bound <= Double(autoScore.activeHosts), "snapshot \(n)")
            }
            compared += 1
        }
        #expect(compared >= snapshots.count / 2, "local search ran out of time on \(snapshots.count - compared) snapshots")
    }

    @Test("under a tiny time limit auto takes about as long as its first part, local search, and its plan checks")
    func tinyTimeLimit() throws {
        let snapshot = Self.knownOptimum(hosts: 66, vms: 600, resources: 3, seed: 7).snapshot
        let problem = Problem(snapshot)
        let options = SolveOptions(timeLimit: 0.05, seed: 1)
        let clock = ContinuousClock()
        var began = clock.now
        _ = try LocalSearchSolver().solve(problem, options: options)
        let local = (clock.now - began).seconds
        began = clock.now
        let auto = try AutoSolver().solve(problem, options: options)
        let elapsed = (clock.now - began).seconds
        #expect(auto.placement.allSatisfy { $0 >= 0 })
        #expect(elapsed < 2 * local + 0.3, "auto took \(elapsed) s, local search \(local) s, with a 0.05 s limit")
        let plan = try Planner.checkedPlan(snapshot, solver: try SolverCatalog.solver(named: "auto", for: snapshot), options: options)
        #expect(plan.unplaced.isEmpty)
    }

    @Test("above the anytime limit auto is local search alone")
    func largeIsLocalSearch() throws {
        let hosts = (0..<8000).map { ClusterHost(id: "h\($0)", capacity: ["cpu": 1000, "memory": 1000]) }
        let vms = (0..<7000).map { VirtualMachine(id: "v\($0)", host: nil, demand: ["cpu": 10, "memory": 10]) }
        let snapshot = Snapshot(cluster: Cluster(goal: .balance), hosts: hosts, vms: vms)
        #expect(vms.count * hosts.count > AutoSolver.anytimeLimit)
        #expect(try SolverCatalog.solver(named: "auto", for: snapshot).id == "local-search")
    }
}
