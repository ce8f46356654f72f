import Foundation
import Testing
@testable import DRSExact
@_spi(Benchmarks) import OpenDRS
import DRSBench

/// Small hostile clusters for comparing the exact solver with greedy: hosts on standby or in
/// maintenance that still run VMs, FT pairs, hard and soft rules, HA admission control, new and
/// disabled VMs, thresholds 1-5, and (`tight`) more VMs than the hosts hold comfortably.
private func hostileSnapshot(seed: UInt64, tight: Bool) -> Snapshot {
    var random = SplitMix64(seed: seed &* 7919 &+ (tight ? 1 : 0))
    func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
    func chance(_ percent: Int) -> Bool { below(100) < percent }
    let hostCount = tight ? 4 : 5, vmCount = tight ? 9 : 5
    var hosts: [ClusterHost] = []
    for h in 0..<hostCount {
        let states: [HostState] = [.connected, .connected, .connected, .connected, .connected, .connected, .maintenance, .standby]
        hosts.append(ClusterHost(id: "h\(h)", capacity: ["cpu": Double([100, 120, 80][below(3)]), "memory": Double([100, 128, 64][below(3)])],
                                 state: states[below(states.count)]))
    }
    if !hosts.contains(where: { $0.state == .connected }) { hosts[0].state = .connected }
    var vms: [VirtualMachine] = []
    for v in 0..<vmCount {
        let host: String? = chance(80) ? "h\(below(hostCount))" : nil
        var vm = VirtualMachine(id: "v\(v)", host: host, demand: ["cpu": Double(5 + 5 * below(8)), "memory": Double(5 + 5 * below(8))],
                                priority: [Priority.high, .medium, .low][below(3)])
        vm.migration = VMMigration(memory: Double(1000 + 500 * below(10)), dirtyRate: Double(below(100)))
        if let host, chance(20) {
            let others = hosts.map(\.id).filter { $0 != host }
            vm.ft = FaultTolerance(secondaryHost: chance(70) ? others[below(others.count)] : nil)
        }
        if host != nil && chance(10) { vm.automation = .disabled }
        vms.append(vm)
    }
    func two() -> [String] {
        let a = below(vmCount)
        return ["v\(a)", "v\((a + 1 + below(vmCount - 1)) % vmCount)"]
    }
    var rules: [Rule] = []
    if chance(50) { rules.append(Rule(id: "anti", kind: .antiAffinity, vms: two(), required: true)) }
    if chance(30) { rules.append(Rule(id: "aff", kind: .affinity, vms: two(), required: chance(50))) }
    if chance(30) {
        let policy = [VMHostPolicy.must, .mustNot, .should, .shouldNot][below(4)]
        let a = below(hostCount)
        rules.append(Rule(id: "host", kind: .vmHost, vms: ["v\(below(vmCount))"], hosts: ["h\(a)", "h\((a + 1) % hostCount)"], policy: policy))
    }
    var cluster = Cluster(goal: chance(50) ? .balance : .consolidate, migrationThreshold: 1 + below(5))
    if chance(30) { cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 1, master: nil) }
    return Snapshot(resources: ["cpu", "memory"], cluster: cluster, hosts: hosts, vms: vms, rules: rules)
}

/// The snapshot as read back from its JSON, or nil when it is not valid input.
private func validated(_ snapshot: Snapshot) -> Snapshot? {
    try? Snapshot.read(json: JSONWriter.write(snapshot.json))
}

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

/// A balance cluster whose greedy start the exact solver cannot prove optimal at once (running
/// VMs, so no pattern search): every GLPK phase runs.
private func runningBalanceSnapshot() -> Snapshot {
    var snapshot = Snapshot(resources: ["cpu", "memory"], cluster: Cluster(goal: .balance, migrationThreshold: 5),
                            hosts: [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("h3")], vms: [], rules: [])
    let loads: [(String, Double, Double)] = [("h1", 30, 20), ("h1", 25, 15), ("h1", 20, 30), ("h2", 10, 10), ("h1", 15, 5), ("h3", 5, 25)]
    for (k, load) in loads.enumerated() {
        var vm = Fixtures.vm("v\(k)", on: load.0, cpu: load.1, memory: load.2)
        vm.migration = VMMigration(memory: 512, dirtyRate: 0)
        snapshot.vms.append(vm)
    }
    return snapshot
}

/// The objective of plan JSON (the fields `Objective.isBetter` compares).
private func objective(ofPlanJSON text: String) throws -> Objective {
    let root = try JSONParser.parse(Array(text.utf8))
    guard case let .object(fields)? = root["objective"] else { throw PlanReadError(description: "objective missing") }
    func number(_ key: String) -> Double {
        if case let .number(value)? = fields.first(where: { $0.key == key })?.value { return value }
        return .nan
    }
    func numbers(_ key: String) -> [Int] {
        guard case let .array(values)? = fields.first(where: { $0.key == key })?.value else { return [] }
        return values.map { if case let .number(value) = $0 { return Int(value) } else { return -1 } }
    }
    var objective = Objective()
    objective.unplacedByPriority = numbers("unplacedByPriority")
    objective.unprotectedByPriority = numbers("unprotectedByPriority")
    objective.softViolations = Int(number("softViolations"))
    objective.cost = number("cost")
    return objective
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
        let snapshot = runningBalanceSnapshot()
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

    @Test("equal input and seed give byte-identical plans from drs plan --solver exact (but for seconds)")
    func exactIsDeterministic() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-determinism-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Consolidate with FT pairs and ties between equal-cost plans, balance with rules,
        // maintenance, and the examples.
        var ftConsolidate = Snapshot(resources: ["cpu", "memory"], cluster: Cluster(goal: .consolidate, migrationThreshold: 5),
                                     hosts: (1...5).map { Fixtures.host("h\($0)") }, vms: [], rules: [])
        for k in 0..<5 {
            var vm = Fixtures.vm("v\(k)", on: "h\(k + 1)", cpu: 20, memory: 20)
            if k < 2 { vm.ft = FaultTolerance(secondaryHost: "h\((k + 2) % 5 + 1)") }
            vm.migration = VMMigration(memory: 256, dirtyRate: 0)
            ftConsolidate.vms.append(vm)
        }
        var snapshots: [(String, Snapshot)] = [("ft-consolidate", ftConsolidate), ("running-balance", runningBalanceSnapshot())]
        for seed in UInt64(0)..<12 {
            if let snapshot = validated(hostileSnapshot(seed: seed, tight: seed % 2 == 1)) { snapshots.append(("hostile-\(seed)", snapshot)) }
        }
        for name in Fixtures.exampleNames { snapshots.append((name, try Fixtures.example(name))) }
        for (name, snapshot) in snapshots {
            let path = folder.appendingPathComponent("\(name).json").path
            try JSONWriter.write(snapshot.json).write(toFile: path, atomically: true, encoding: .utf8)
            var outputs: Set<String> = []
            for _ in 0..<3 {
                let run = try Fixtures.drs(["plan", path, "--solver", "exact", "--time-limit", "30"])
                let stripped = run.out.replacingOccurrences(of: #""seconds": [0-9.e+-]+"#, with: "", options: .regularExpression)
                outputs.insert("\(run.code)\n\(stripped)")
            }
            #expect(outputs.count == 1, "\(name): \(outputs.count) different outputs")
        }
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
        #expect(!greedy.objective.isBetter(than: exact.objective))
        // The model itself keeps no VM on the standby host it runs on.
        let result = try ExactSolver().solve(Problem(snapshot), options: SolveOptions())
        #expect(result.placement[2] != 2)
    }

    @Test("exact answers wherever greedy answers, with a score no worse (standby, maintenance, tight capacity, FT, rules)",
          arguments: Array(UInt64(0)..<24))
    func exactNeverWorseThanGreedy(seed: UInt64) throws {
        for tight in [false, true] {
            guard let snapshot = validated(hostileSnapshot(seed: seed, tight: tight)) else { continue }
            guard let greedy = try? Planner.checkedPlan(snapshot, solver: GreedySolver(), options: SolveOptions(timeLimit: 2)) else { continue }
            let exact: Plan
            do {
                exact = try Planner.checkedPlan(snapshot, solver: ExactSolver.checked(), options: SolveOptions(timeLimit: 5))
            } catch {
                Issue.record("seed \(seed) tight \(tight): greedy plans, exact fails: \(error)")
                continue
            }
            #expect(!greedy.objective.isBetter(than: exact.objective), "seed \(seed) tight \(tight)")
            #expect(exact.status != .infeasible)
        }
    }

    @Test("drs plan --solver exact plans wherever --solver greedy plans (standby residents, maintenance, HA, tight waves, FT), with a score no worse")
    func exactPlansWhereGreedyPlans() throws {
        let folder = Fixtures.root.appendingPathComponent("Tests/OpenDRSTests/ExactCases")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(names.count >= 6)
        for name in names {
            let path = folder.appendingPathComponent(name).path
            let greedy = try Fixtures.drs(["plan", path, "--solver", "greedy", "--time-limit", "5"])
            let exact = try Fixtures.drs(["plan", path, "--solver", "exact", "--time-limit", "10"])
            guard greedy.code == 0 else { continue }
            #expect(exact.code == 0, "\(name): greedy plans, exact exits \(exact.code): \(exact.err)")
            guard exact.code == 0 else { continue }
            let greedyObjective = try objective(ofPlanJSON: greedy.out), exactObjective = try objective(ofPlanJSON: exact.out)
            #expect(!greedyObjective.isBetter(than: exactObjective), "\(name)")
            let check = try Fixtures.drs(["check", path, "-"], stdin: exact.out)
            #expect(check.code == 0, "\(name): \(check.out) \(check.err)")
        }
    }

    @Test("the assignment model's size estimate bounds the model built (rows, columns, nonzeros)", arguments: Array(UInt64(0)..<30))
    func sizeEstimateIsAnUpperBound(seed: UInt64) throws {
        for tight in [false, true] {
            guard let snapshot = validated(hostileSnapshot(seed: seed, tight: tight)) else { continue }
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
