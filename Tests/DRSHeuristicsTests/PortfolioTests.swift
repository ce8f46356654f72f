import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

@Suite("Bin-centric and portfolio")
struct PortfolioTests {
    @Test("plans pass the independent checker", arguments: ["bin-centric", "portfolio"])
    func checked(id: String) throws {
        for seed in UInt64(1)...40 {
            let snapshot = HeuristicFixtures.snapshot(seed: seed)
            do {
                _ = try Planner.checkedPlan(snapshot, solver: try SolverCatalog.solver(named: id, for: snapshot),
                                            options: SolveOptions(timeLimit: 5, seed: seed))
            } catch {
                Issue.record("\(id), seed \(seed): \(error)")
            }
        }
    }

    @Test("portfolio: equal seeds give equal results")
    func deterministic() throws {
        for seed in UInt64(1)...12 {
            let problem = Problem(HeuristicFixtures.snapshot(seed: seed))
            let runs = try (0..<3).map { _ in try PortfolioSolver().solve(problem, options: SolveOptions(timeLimit: 30, seed: seed)) }
            for run in runs.dropFirst() {
                #expect(run.placement == runs[0].placement && run.secondaries == runs[0].secondaries
                        && run.movePriority == runs[0].movePriority, "seed \(seed)")
            }
        }
    }

    @Test("portfolio is never worse than any of its members")
    func neverWorse() throws {
        var seeds = (UInt64(1)...30).map { HeuristicFixtures.snapshot(seed: $0) }
        seeds += (UInt64(1)...5).map { HeuristicFixtures.binPacking(seed: $0, hostCount: 20, vmCount: 60) }
        for (n, snapshot) in seeds.enumerated() {
            let problem = Problem(snapshot)
            let options = SolveOptions(timeLimit: 30, seed: UInt64(n + 1))
            let best = try PortfolioSolver().solve(problem, options: options)
            let bestObjective = Score.evaluate(problem, placement: best.placement, secondaries: best.secondaries)
            let members = PortfolioSolver.members(for: problem)
            #expect(members.map(\.id) == ["local-search", "bin-centric", "ffd-l2", "dot-product", "least-loaded"])
            for member in members {
                let result = try member.solve(problem, options: PortfolioSolver.options(for: member, options))
                let objective = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
                #expect(!objective.isBetter(than: bestObjective), "snapshot \(n): \(member.id) beats the portfolio")
            }
        }
    }

    @Test("bin-centric on consolidate: every VM placed, never below the continuous lower bound")
    func binCentricLowerBound() throws {
        for seed in UInt64(1)...30 {
            let snapshot = HeuristicFixtures.binPacking(seed: seed, hostCount: 12 + Int(seed), vmCount: 6 + 2 * Int(seed))
            let problem = Problem(snapshot)
            let result = try BinCentricSolver().solve(problem, options: SolveOptions())
            let objective = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
            #expect(objective.unplaced == 0, "seed \(seed)")
            var bound = 0
            for r in 0..<problem.resourceCount {
                let total = (0..<problem.vmCount).reduce(Int64(0)) { $0 + problem.demand($1, r) }
                let limit = problem.limit(0, r)
                bound = max(bound, Int((total + limit - 1) / limit))
            }
            #expect(objective.activeHosts >= bound, "seed \(seed)")
        }
    }

    @Test("bin-centric equals a plain host-by-host largest-fit loop on an empty cluster")
    func binCentricMatchesPlainLoop() throws {
        for seed in UInt64(1)...10 {
            let problem = Problem(HeuristicFixtures.binPacking(seed: seed, hostCount: 40, vmCount: 100))
            let result = try BinCentricSolver().solve(problem, options: SolveOptions())
            // Identical hosts, so the order of raw L2 norms is the solver's order.
            func size(_ v: Int) -> Int64 { (0..<problem.resourceCount).reduce(0) { $0 + problem.demand(v, $1) * problem.demand(v, $1) } }
            var remaining = (0..<problem.vmCount).sorted { size($0) != size($1) ? size($0) > size($1) : $0 < $1 }
            var expected = [Int32](repeating: -1, count: problem.vmCount)
            for h in 0..<problem.hostCount {
                var load: [Int64] = [0, 0]
                remaining = remaining.filter { v in
                    guard (0..<2).allSatisfy({ load[$0] + problem.demand(v, $0) <= problem.limit(h, $0) }) else { return true }
                    for r in 0..<2 { load[r] += problem.demand(v, r) }
                    expected[v] = Int32(h)
                    return false
                }
            }
            #expect(result.placement == expected, "seed \(seed)")
        }
    }

    @Test("bin-centric places higher priority classes first")
    func binCentricPriorities() throws {
        let hosts = [ClusterHost(id: "h0", capacity: ["cpu": 100, "memory": 100])]
        let vms = [
            VirtualMachine(id: "low", host: nil, demand: ["cpu": 60, "memory": 60], priority: .lowest),
            VirtualMachine(id: "top", host: nil, demand: ["cpu": 50, "memory": 50], priority: .highest),
            VirtualMachine(id: "mid", host: nil, demand: ["cpu": 45, "memory": 45], priority: .medium),
        ]
        let snapshot = Snapshot(cluster: Cluster(goal: .consolidate), hosts: hosts, vms: vms)
        let plan = try Planner.checkedPlan(snapshot, solver: BinCentricSolver())
        #expect(plan.objective.unplacedByPriority == [0, 0, 0, 0, 1])
        let problem = Problem(snapshot)
        let result = try BinCentricSolver().solve(problem, options: SolveOptions())
        #expect(result.placement == [-1, 0, 0])
        #expect(result.reasons[0] != nil)
    }
}
