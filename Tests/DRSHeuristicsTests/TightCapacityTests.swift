import Testing
@_spi(Benchmarks) import DRSModel
@testable @_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSBench
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// Level 1 of the score (no VM unplaced) on tight clusters, and time limits, for every heuristic.
@Suite("Tight capacity")
struct TightCapacityTests {
    /// A planted perfect fill: 50 hosts filled exactly by 500 VMs, and 2% spare hosts (one).
    static func planted(seed: UInt64) -> GeneratedSnapshot {
        Generator.generate(GeneratorOptions(snapshotClass: .knownOptimum, hosts: 51, vms: 500, resources: 2, seed: seed,
                                            goal: .consolidate, spare: 0.02))
    }

    /// VMs first fit decreasing leaves unplaced, before any repair.
    static func unplacedByFirstFit(_ snapshot: Snapshot) -> Int {
        var run = ConstructiveRun(problem: Problem(snapshot), rule: .ffdL2)
        run.placePending()
        return run.state.placement.filter { $0 < 0 }.count
    }

    @Test("the spare option fills round(H / (1 + spare)) hosts exactly and leaves the rest spare")
    func spareHosts() throws {
        let generated = Generator.generate(GeneratorOptions(snapshotClass: .knownOptimum, hosts: 1050, vms: 10_000, seed: 3,
                                                            goal: .consolidate, spare: 0.05))
        #expect(generated.knownOptimum == 1000)
        #expect(generated.continuousBound == 1000)
        #expect(GeneratorOptions(snapshotClass: .uniform, hosts: 10, vms: 10, spare: 0.1).problem?.hasPrefix("--spare") == true)
    }

    @Test("level 1 first: every VM of a planted tight fill is placed", arguments: ["local-search", "greedy", "ffd-l2", "bin-centric", "auto"])
    func everyVMPlaced(id: String) throws {
        var hard = 0
        for seed in UInt64(1)...3 {
            let generated = Self.planted(seed: seed)
            let snapshot = generated.snapshot
            if Self.unplacedByFirstFit(snapshot) > 0 { hard += 1 }
            let plan = try Planner.checkedPlan(snapshot, solver: try SolverCatalog.solver(named: id, for: snapshot),
                                               options: SolveOptions(timeLimit: 60, seed: seed))
            #expect(plan.unplaced.isEmpty, "\(id), seed \(seed): \(plan.unplaced.count) unplaced")
            #expect(plan.objective.activeHosts <= 51)
        }
        #expect(hard > 0, "the instances must leave VMs unplaced under plain first fit decreasing")
    }

    /// Hosts a and b of capacity 10 (cpu): a runs x (3), b runs y (5); the new VM v (9) fits
    /// only on an empty host. Emptying a (x to b) would leave a empty and v unplaced; the
    /// repair instead puts v on a and x on b.
    static func ejectionForNewVM() -> Snapshot {
        let hosts = ["a", "b"].map { ClusterHost(id: $0, capacity: ["cpu": 10]) }
        let vms = [
            VirtualMachine(id: "x", host: "a", demand: ["cpu": 3], migration: VMMigration(memory: 512)),
            VirtualMachine(id: "y", host: "b", demand: ["cpu": 5], migration: VMMigration(memory: 512)),
            VirtualMachine(id: "v", host: nil, demand: ["cpu": 9]),
        ]
        return Snapshot(resources: ["cpu"], cluster: Cluster(goal: .consolidate, migrationThreshold: 3), hosts: hosts, vms: vms)
    }

    @Test("an unplaced VM is placed by an ejection chain, not left while its host is emptied",
          arguments: ["local-search", "greedy", "ffd-l2", "bin-centric", "portfolio"])
    func ejectionPlacesNewVM(id: String) throws {
        let snapshot = Self.ejectionForNewVM()
        let plan = try Planner.checkedPlan(snapshot, solver: try SolverCatalog.solver(named: id, for: snapshot))
        #expect(plan.unplaced.isEmpty)
        #expect(plan.placement["v"] == "a")
        #expect(plan.placement["x"] == "b")
    }

    @Test("the deadline is honoured: a solver given a tiny time limit stops on it and says so",
          arguments: ["greedy", "local-search", "portfolio"])
    func deadline(id: String) throws {
        let snapshot = Generator.generate(GeneratorOptions(snapshotClass: .knownOptimum, hosts: 204, vms: 2000, resources: 2, seed: 1,
                                                           goal: .consolidate, spare: 0.02)).snapshot
        let solver = try SolverCatalog.solver(named: id, for: snapshot)
        let problem = Problem(snapshot)
        let result = try solver.solve(problem, options: SolveOptions(timeLimit: 0.001))
        #expect(result.deadlineReached)
        // Not a timing assertion on speed: the same solver with a generous limit does not stop early.
        let full = try solver.solve(problem, options: SolveOptions(timeLimit: 600))
        #expect(!full.deadlineReached)
        #expect(result.seconds < full.seconds + 5)
    }
}
