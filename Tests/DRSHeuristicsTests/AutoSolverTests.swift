import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSBench
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

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

    /// A snapshot above the exact solver's range where the neighbourhood search, left alone,
    /// would run for seconds (its stall limit is 10^7 nodes): under a 0.05 s limit auto must stop
    /// soon after local search does, say the clock cut it, and still give a complete plan.
    @Test("under a tiny time limit auto stops soon after local search, says the clock cut it, and its plan checks")
    func tinyTimeLimit() throws {
        let snapshot = Self.knownOptimum(hosts: 66, vms: 600, resources: 3, seed: 7).snapshot
        let problem = Problem(snapshot)
        #expect(600 * 66 > AutoSolver.exactLimit)
        let options = SolveOptions(timeLimit: 0.05, seed: 1)
        let clock = ContinuousClock()
        var began = clock.now
        _ = try LocalSearchSolver().solve(problem, options: options)
        let local = (clock.now - began).seconds
        began = clock.now
        let auto = try AutoSolver().solve(problem, options: options)
        let elapsed = (clock.now - began).seconds
        #expect(auto.placement.allSatisfy { $0 >= 0 })
        #expect(auto.termination == .feasibleTimeLimit && auto.deadlineReached && auto.status == .feasible)
        #expect(elapsed < 2 * local + 1, "auto took \(elapsed) s, local search \(local) s, with a 0.05 s limit")
        if let bound = auto.bound {
            let score = Score.evaluate(problem, placement: auto.placement, secondaries: auto.secondaries)
            #expect(bound <= Double(score.activeHosts))
        }
        let plan = try Planner.checkedPlan(snapshot, solver: try SolverCatalog.solver(named: "auto", for: snapshot), options: options)
        #expect(plan.unplaced.isEmpty)
    }

    /// The placement, secondaries, bound, status and termination of one run.
    static func fingerprint(_ result: SolverResult) -> String {
        "\(result.placement) \(result.secondaries) \(result.bound ?? -1) \(result.status) \(String(describing: result.termination))"
    }

    /// Proven optima, below and above `ExactSolver.autoLimit`: the same result at any time limit
    /// that leaves room for the proof, and for a thread count the same result run after run.
    @Test("a proven optimum is the same plan at 5 s and 30 s, and twice with two threads", arguments: [(6, 20), (10, 40)])
    func provenIsDeterministic(size: (hosts: Int, vms: Int)) throws {
        for seed in UInt64(1)...2 {
            let problem = Problem(Self.knownOptimum(hosts: size.hosts, vms: size.vms, resources: 3, seed: seed).snapshot)
            let runs = try [(5.0, 1), (30.0, 1), (30.0, 2), (5.0, 2)].map { limit, threads in
                try AutoSolver().solve(problem, options: SolveOptions(timeLimit: limit, seed: seed, threads: threads))
            }
            guard runs.allSatisfy({ $0.status == .optimal }) else {
                Issue.record("\(size) seed \(seed): not every run proved the optimum: \(runs.map(\.status))")
                continue
            }
            #expect(Self.fingerprint(runs[0]) == Self.fingerprint(runs[1]), "\(size) seed \(seed), one thread")
            #expect(Self.fingerprint(runs[2]) == Self.fingerprint(runs[3]), "\(size) seed \(seed), two threads")
            let scores = runs.map { Score.evaluate(problem, placement: $0.placement, secondaries: $0.secondaries).activeHosts }
            #expect(Set(scores).count == 1, "\(size) seed \(seed): \(scores)")
        }
    }

    /// With two threads the exact solver and the neighbourhood search run side by side: the plan
    /// places everything, is never worse than local search's, and its bound is at most its own
    /// goal term.
    @Test("with two threads auto is never worse than local search, and its bound holds")
    func sideBySide() throws {
        for seed in UInt64(1)...2 {
            let problem = Problem(Self.knownOptimum(hosts: 30, vms: 120, resources: 3, seed: seed).snapshot)
            let options = SolveOptions(timeLimit: 2, seed: seed, threads: 2)
            let local = try LocalSearchSolver().solve(problem, options: options)
            guard !local.deadlineReached else { continue }
            let auto = try AutoSolver().solve(problem, options: options)
            let autoScore = Score.evaluate(problem, placement: auto.placement, secondaries: auto.secondaries)
            let localScore = Score.evaluate(problem, placement: local.placement, secondaries: local.secondaries)
            #expect(!localScore.isBetter(than: autoScore), "seed \(seed)")
            let bound = try #require(auto.bound, "seed \(seed): consolidate reports a bound")
            #expect(bound <= Double(autoScore.activeHosts), "seed \(seed)")
            #expect(auto.placement.allSatisfy { $0 >= 0 }, "seed \(seed)")
        }
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
