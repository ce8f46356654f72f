import Foundation
import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@testable import DRSExact
@_spi(Benchmarks) import DRSPlanner
import DRSBench
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// Runs `body` with the process's standard output and standard error sent to temporary files,
/// and returns what each received.
private func capturingOutput(_ body: () throws -> Void) rethrows -> (out: String, err: String) {
    let folder = FileManager.default.temporaryDirectory
    let outURL = folder.appendingPathComponent("opendrs-out-\(UUID().uuidString)")
    let errURL = folder.appendingPathComponent("opendrs-err-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    fflush(nil)
    let savedOut = dup(1), savedErr = dup(2)
    let outFile = open(outURL.path, O_WRONLY), errFile = open(errURL.path, O_WRONLY)
    dup2(outFile, 1)
    dup2(errFile, 2)
    defer {
        fflush(nil)
        dup2(savedOut, 1)
        dup2(savedErr, 2)
        close(savedOut)
        close(savedErr)
        close(outFile)
        close(errFile)
    }
    try body()
    fflush(nil)
    let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    return (out, err)
}

@Suite("Exact solver reliability")
struct ExactReliabilityTests {
    @Test("GLPK writes nothing to standard output, even when it fails: its messages go to standard error")
    func glpkMessagesStayOffStandardOutput() {
        var caught = false
        let output = capturingOutput { caught = GLPKBackend.guardCatchesFailure() }
        #expect(caught)
        #expect(!output.out.contains("glp_"), "GLPK printed on standard output: \(output.out)")
        #expect(!output.out.contains("Error detected"))
        #expect(output.err.contains("glp_set_col_bnds"), "GLPK's own message should reach standard error")
    }

    @Test("a GLPK failure during the search ends it as backendError with the best plan found, never optimal, and stdout carries only the plan")
    func glpkFailureIsATerminationReason() throws {
        let snapshot = Fixtures.runningBalanceSnapshot()
        let problem = Problem(snapshot)
        let proven = try ExactSolver().solve(problem, options: SolveOptions(timeLimit: 20))
        #expect(proven.termination == .optimal, "the control run proves its plan")

        var plan: Plan?
        let output = try capturingOutput {
            GLPKBackend.failNextCall()
            plan = try Planner.checkedPlan(snapshot, solver: ExactSolver.checked(), options: SolveOptions(timeLimit: 20))
            print(JSONWriter.write(plan!.json), terminator: "")
        }
        let failed = try #require(plan)
        #expect(failed.status == .feasible)
        #expect(failed.termination == .backendError)
        #expect(PlanChecker.check(snapshot, failed).isEmpty)
        // Standard output is exactly the plan: it parses as JSON and names the termination.
        let parsed = try JSONParser.parse(Array(output.out.utf8))
        #expect(parsed["termination"] == .string("backendError"))
        #expect(output.err.contains("glp_"), "GLPK's message of the failure reaches standard error")
    }

    @Test("a VM on a standby host under consolidate is moved off it: exact plans where greedy plans")
    func standbyResidentIsMoved() throws {
        var snapshot = Snapshot(resources: ["cpu", "memory"], cluster: Cluster(goal: .consolidate, migrationThreshold: 3),
                                hosts: [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("off", state: .standby)], vms: [], rules: [])
        snapshot.vms = [Fixtures.vm("a", on: "h1", cpu: 30, memory: 30), Fixtures.vm("b", on: "h2", cpu: 20, memory: 20),
                        Fixtures.vm("sleeper", on: "off", cpu: 10, memory: 10)]
        let greedy = try Planner.checkedPlan(snapshot, solver: GreedySolver())
        let exact = try Planner.checkedPlan(snapshot, solver: ExactSolver.checked())
        #expect(exact.placement["sleeper"] != "off" || exact.steps.contains { $0.kind == .powerOn && $0.host == "off" })
        #expect(!Fixtures.score(snapshot, greedy).isBetter(than: Fixtures.score(snapshot, exact)))
        // The model itself keeps no VM on the standby host it runs on.
        let result = try ExactSolver().solve(Problem(snapshot), options: SolveOptions())
        #expect(result.placement[2] != 2)
    }

    @Test("exact answers wherever greedy answers, with a score no worse (standby, maintenance, tight capacity, FT, rules)",
          arguments: Array(UInt64(0)..<24))
    func exactNeverWorseThanGreedy(seed: UInt64) throws {
        for tight in [false, true] {
            guard let snapshot = Fixtures.validated(Fixtures.hostileSnapshot(seed: seed, tight: tight)) else { continue }
            guard let greedy = try? Planner.checkedPlan(snapshot, solver: GreedySolver(), options: SolveOptions(timeLimit: 2)) else { continue }
            let exact: Plan
            do {
                exact = try Planner.checkedPlan(snapshot, solver: ExactSolver.checked(), options: SolveOptions(timeLimit: 5))
            } catch {
                Issue.record("seed \(seed) tight \(tight): greedy plans, exact fails: \(error)")
                continue
            }
            #expect(!Fixtures.score(snapshot, greedy).isBetter(than: Fixtures.score(snapshot, exact)), "seed \(seed) tight \(tight)")
            #expect(exact.status != .infeasible)
        }
    }

    @Test("the assignment model's size estimate bounds the model built (rows, columns, nonzeros)", arguments: Array(UInt64(0)..<30))
    func sizeEstimateIsAnUpperBound(seed: UInt64) throws {
        for tight in [false, true] {
            guard let snapshot = Fixtures.validated(Fixtures.hostileSnapshot(seed: seed, tight: tight)) else { continue }
            let problem = Problem(snapshot)
            let greedy = try GreedySolver().solve(problem, options: SolveOptions())
            let built = PlacementFormulation(problem: problem, incumbent: (greedy.placement, greedy.secondaries)).size
            let estimate = try #require(PlacementFormulation.estimate(problem, columnLimit: .max, deadline: .now + .seconds(60)))
            #expect(estimate.columns >= built.columns, "seed \(seed)")
            #expect(estimate.rows >= built.rows, "seed \(seed)")
            #expect(estimate.nonzeros >= built.nonzeros, "seed \(seed)")
            #expect(PlacementFormulation.estimate(problem, columnLimit: 0, deadline: .now + .seconds(60)) == nil)
        }
    }

    @Test("a model too large for the time limit is refused before it is built: the heuristic plan stands, within the limit plus overhead")
    func largeInputStaysWithinItsLimit() throws {
        let snapshot = Generator.generate(GeneratorOptions(snapshotClass: .rebalance, hosts: 60, vms: 1200, seed: 5)).snapshot
        let clock = ContinuousClock()
        let began = clock.now
        let result = try ExactSolver().solve(Problem(snapshot), options: SolveOptions(timeLimit: 0.5))
        let elapsed = (clock.now - began).seconds
        #expect(result.termination == .modelTooLarge)
        #expect(result.status == .feasible)
        #expect(ExactSolver.withinLimits(Problem(snapshot), result.placement, result.secondaries))
        // Debug builds run the heuristic start several times slower than release ones.
        #expect(elapsed < 0.5 + 5, "took \(elapsed) s")
    }

    @Test("optional moves of the exact plan are graded by their own benefit over their migration time, like local search's")
    func optionalMovesAreGradedByBenefit() throws {
        var figure = try Fixtures.example("seed-figure-1.json")
        figure.cluster.migrationThreshold = 5
        var snapshots = [figure]
        for seed in UInt64(1)...4 {
            var snapshot = Generator.generate(GeneratorOptions(snapshotClass: .rebalance, hosts: 4, vms: 10, seed: seed, goal: .balance)).snapshot
            snapshot.cluster.migrationThreshold = 5
            snapshots.append(snapshot)
        }
        var graded = 0
        var levels = Set<Int>()
        for snapshot in snapshots {
            let problem = Problem(snapshot)
            let result = try ExactSolver().solve(problem, options: SolveOptions(timeLimit: 20))
            let target = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
            for v in 0..<problem.vmCount where problem.vmActive[v] && result.placement[v] >= 0 && result.placement[v] != problem.vmInitialHost[v] {
                guard !problem.isMandatory(v), problem.vmSoftRules[v].isEmpty, !problem.vmIsFT[v] else { continue }
                // The greedy start's own grading stands when the start is the answer.
                let start = try GreedySolver().solve(problem, options: SolveOptions(timeLimit: 1))
                guard start.placement != result.placement, start.movePriority[v] != 1 else { continue }
                var reverted = result.placement
                reverted[v] = problem.vmInitialHost[v]
                let without = Score.evaluate(problem, placement: reverted, secondaries: result.secondaries)
                let seconds = problem.vmMigration[v].seconds
                let expected = max(2, min(5, MigrationCost.priority(goal: .balance, benefit: without.imbalance - target.imbalance, seconds: seconds)))
                #expect(Int(result.movePriority[v]) == expected, "\(snapshot.vms[v].id)")
                graded += 1
                levels.insert(expected)
            }
            let plan = try Planner.checkedPlan(snapshot, solver: ExactSolver.checked(), options: SolveOptions(timeLimit: 20))
            #expect(plan.steps.filter { $0.kind == .migrate && $0.priority > 1 }.allSatisfy { (2...5).contains($0.priority) })
        }
        #expect(graded >= 3, "the snapshots move VMs optionally at threshold 5")
        #expect(levels.count >= 2, "moves of different benefit get different priorities: \(levels)")
    }
}
