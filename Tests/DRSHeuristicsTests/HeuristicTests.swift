import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSBench
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// Seeded random snapshots with every feature the heuristics must respect: hard and soft
/// rules, FT, priorities, pinned and powered-off VMs, failed / maintenance / standby hosts,
/// HA admission control. Capacity is ample, so every mandatory move has a legal target.
enum HeuristicFixtures {
    static func snapshot(seed: UInt64, goal: Goal? = nil) -> Snapshot {
        var random = SeededGenerator(seed: seed &* 0x9E37_79B9 &+ 17)
        func chance(_ p: Double) -> Bool { Double(random.below(1_000_000)) < p * 1_000_000 }
        func pick<T>(_ values: [T]) -> T { values[random.below(values.count)] }
        let resources = chance(0.3) ? ["cpu", "memory", "disk"] : ["cpu", "memory"]
        let hostCount = 5 + random.below(8)
        var hosts: [ClusterHost] = []
        for h in 0..<hostCount {
            var capacity: [String: Double] = [:]
            for resource in resources { capacity[resource] = Double(800 + random.below(800)) }
            var state = HostState.connected
            if h >= 3 {
                let roll = random.below(10)
                state = roll == 0 ? .failed : roll == 1 ? .maintenance : roll == 2 ? .standby : .connected
            }
            hosts.append(ClusterHost(id: "h\(h)", capacity: capacity, state: state, datastores: ["ds\(h % 3)"]))
        }
        let connected = hosts.filter { $0.state == .connected }.map(\.id)
        let running = hosts.filter { $0.state != .standby }.map(\.id)
        let vmCount = 8 + random.below(25)
        var vms: [VirtualMachine] = []
        var free: [String] = []  // VMs in no rule, not FT, not pinned: rule candidates
        for v in 0..<vmCount {
            var demand: [String: Double] = [:]
            for resource in resources { demand[resource] = Double(5 + random.below(60)) }
            let host: String? = chance(0.25) ? nil : pick(running)
            var vm = VirtualMachine(id: "vm\(v)", host: host, demand: demand, priority: pick(Priority.allCases),
                                    migration: VMMigration(memory: Double(256 + random.below(8192)), dirtyRate: Double(random.below(200))))
            if chance(0.05) { vm.powerState = .off }
            if let host, connected.contains(host), chance(0.1) {
                vm.automation = .disabled
            } else if chance(0.12) {
                let others = running.filter { $0 != host }
                vm.ft = FaultTolerance(secondaryHost: chance(0.7) && !others.isEmpty ? pick(others) : nil)
            } else if vm.powerState == .on {
                free.append(vm.id)
            }
            vms.append(vm)
        }
        var rules: [Rule] = []
        var cursor = 0
        func take(_ n: Int) -> [String]? {
            guard cursor + n <= free.count else { return nil }
            defer { cursor += n }
            return Array(free[cursor..<(cursor + n)])
        }
        if let members = take(3) { rules.append(Rule(id: "spread", kind: .antiAffinity, vms: members, required: true)) }
        if let members = take(2) { rules.append(Rule(id: "pair", kind: .affinity, vms: members, required: true)) }
        if let members = take(2), connected.count >= 2 {
            rules.append(Rule(id: "lic", kind: .vmHost, vms: members, hosts: Array(connected.prefix(2)), policy: .must))
        }
        if let members = take(1) { rules.append(Rule(id: "not-first", kind: .vmHost, vms: members, hosts: [connected[0]], policy: .mustNot)) }
        if let members = take(2) { rules.append(Rule(id: "soft-pair", kind: .affinity, vms: members, required: false)) }
        if let members = take(2) { rules.append(Rule(id: "soft-spread", kind: .antiAffinity, vms: members, required: false)) }
        if let members = take(2) { rules.append(Rule(id: "prefer", kind: .vmHost, vms: members, hosts: [pick(connected)], policy: .should)) }
        var cluster = Cluster(name: "seed-\(seed)", goal: goal ?? pick(Goal.allCases), automation: pick(AutomationLevel.allCases),
                              migrationThreshold: 1 + random.below(5))
        if chance(0.5) { cluster.maxUtilization = ["cpu": 0.9] }
        if chance(0.4) { cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 1, master: pick(hosts).id) }
        return Snapshot(resources: resources, cluster: cluster, hosts: hosts, vms: vms, rules: rules)
    }

    /// Initial placement of `vmCount` new VMs on `hostCount` identical empty hosts, goal
    /// consolidate.
    static func binPacking(seed: UInt64, hostCount: Int, vmCount: Int) -> Snapshot {
        var random = SeededGenerator(seed: seed)
        let hosts = (0..<hostCount).map { ClusterHost(id: "h\($0)", capacity: ["cpu": 1000, "memory": 1000]) }
        let vms = (0..<vmCount).map {
            VirtualMachine(id: "v\($0)", host: nil, demand: ["cpu": Double(10 + random.below(400)), "memory": Double(10 + random.below(400))])
        }
        return Snapshot(cluster: Cluster(goal: .consolidate), hosts: hosts, vms: vms)
    }
}

@Suite("Heuristics")
struct HeuristicTests {
    /// The heuristics of this module (`auto` may pick the time-limited exact solver, tested elsewhere).
    static let solverIDs = ConstructiveSolver.Rule.allCases.map(\.rawValue) + ["bin-centric", "local-search", "portfolio"]

    static func solver(_ id: String, _ snapshot: Snapshot) throws -> any PlacementSolver {
        try SolverCatalog.solver(named: id, for: snapshot)
    }

    @Test("every heuristic's plan passes the independent checker", arguments: solverIDs)
    func conformance(id: String) throws {
        var withSteps = 0
        for seed in UInt64(1)...40 {
            let snapshot = HeuristicFixtures.snapshot(seed: seed)
            do {
                let plan = try Planner.checkedPlan(snapshot, solver: try Self.solver(id, snapshot), options: SolveOptions(timeLimit: 5, seed: seed))
                if plan.steps.contains(where: { $0.kind == .migrate || $0.kind == .restart || $0.kind == .place }) { withSteps += 1 }
            } catch {
                Issue.record("\(id), seed \(seed): \(error)")
            }
        }
        // The generator must exercise the solvers: most snapshots need moves.
        #expect(withSteps >= 30)
    }

    @Test("equal seeds give equal plans", arguments: solverIDs)
    func determinism(id: String) throws {
        for seed in UInt64(1)...8 {
            let snapshot = HeuristicFixtures.snapshot(seed: seed)
            let problem = Problem(snapshot)
            let a = try Self.solver(id, snapshot).solve(problem, options: SolveOptions(timeLimit: 30, seed: seed))
            let b = try Self.solver(id, snapshot).solve(problem, options: SolveOptions(timeLimit: 30, seed: seed))
            #expect(a.placement == b.placement && a.secondaries == b.secondaries && a.movePriority == b.movePriority, "\(id), seed \(seed)")
        }
    }

    @Test("local search never scores worse than its constructive start")
    func localSearchImproves() throws {
        for seed in UInt64(1)...20 {
            let snapshot = HeuristicFixtures.snapshot(seed: seed)
            let problem = Problem(snapshot)
            let start = try ConstructiveSolver(problem.goal == .consolidate ? .ffdL2 : .leastLoaded).solve(problem, options: SolveOptions())
            let improved = try LocalSearchSolver().solve(problem, options: SolveOptions(timeLimit: 5, seed: seed))
            let a = Score.evaluate(problem, placement: start.placement, secondaries: start.secondaries)
            let b = Score.evaluate(problem, placement: improved.placement, secondaries: improved.secondaries)
            #expect(!a.isBetter(than: b), "seed \(seed)")
        }
    }

    @Test("local search is at least as good as greedy on the committed examples")
    func localSearchAgainstGreedy() throws {
        for name in Fixtures.exampleNames {
            let snapshot = try Fixtures.example(name)
            let greedy = try Planner.checkedPlan(snapshot, solver: GreedySolver())
            let local = try Planner.checkedPlan(snapshot, solver: LocalSearchSolver())
            #expect(!Fixtures.score(snapshot, greedy).isBetter(than: Fixtures.score(snapshot, local)), "\(name): greedy \(greedy.objective.cost), local search \(local.objective.cost)")
        }
    }

    @Test("consolidate never beats the continuous lower bound; every VM placed", arguments: ConstructiveSolver.Rule.allCases.map(\.rawValue) + ["bin-centric", "local-search", "portfolio"])
    func lowerBound(id: String) throws {
        for seed in UInt64(1)...15 {
            let snapshot = HeuristicFixtures.binPacking(seed: seed, hostCount: 12, vmCount: 6 + Int(seed))
            let problem = Problem(snapshot)
            let result = try Self.solver(id, snapshot).solve(problem, options: SolveOptions(timeLimit: 5, seed: seed))
            let objective = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
            #expect(objective.unplaced == 0)
            var bound = 0
            for r in 0..<problem.resourceCount {
                let total = (0..<problem.vmCount).reduce(Int64(0)) { $0 + problem.demand($1, r) }
                let limit = problem.limit(0, r)
                bound = max(bound, Int((total + limit - 1) / limit))
            }
            #expect(objective.activeHosts >= bound, "\(id), seed \(seed)")
        }
    }

    @Test("ffd-l2 equals a plain first-fit-decreasing on an empty cluster")
    func firstFitMatchesPlainLoop() throws {
        for seed in UInt64(1)...10 {
            let snapshot = HeuristicFixtures.binPacking(seed: seed, hostCount: 40, vmCount: 100)
            let problem = Problem(snapshot)
            let result = try ConstructiveSolver(.ffdL2).solve(problem, options: SolveOptions())
            // Plain FFD: identical hosts, so the L2 order of raw demands is the solver's order.
            let order = (0..<problem.vmCount).sorted { a, b in
                func size(_ v: Int) -> Double {
                    (0..<problem.resourceCount).reduce(0.0) { $0 + Double(problem.demand(v, $1)) * Double(problem.demand(v, $1)) }
                }
                return size(a) != size(b) ? size(a) > size(b) : a < b
            }
            var load = [[Int64]](repeating: [0, 0], count: problem.hostCount)
            var expected = [Int32](repeating: -1, count: problem.vmCount)
            for v in order {
                for h in 0..<problem.hostCount where (0..<2).allSatisfy({ load[h][$0] + problem.demand(v, $0) <= problem.limit(h, $0) }) {
                    for r in 0..<2 { load[h][r] += problem.demand(v, r) }
                    expected[v] = Int32(h)
                    break
                }
            }
            #expect(result.placement == expected, "seed \(seed)")
        }
    }

    // MARK: Kernels

    static func randomLanes(_ random: inout SeededGenerator, resources: Int, laneCount: Int) -> [Int64] {
        (0..<(resources * laneCount)).map { _ in
            random.below(7) == 0 ? ResidualKernel.closed : Int64(random.below(2_000_000)) - 100_000
        }
    }

    @Test("SIMD kernels equal their scalar twins on random data")
    func kernelsMatchScalar() {
        var random = SeededGenerator(seed: 42)
        for trial in 0..<300 {
            let R = 1 + random.below(6)
            let L = ResidualKernel.width * (1 + random.below(20))
            let residual = Self.randomLanes(&random, resources: R, laneCount: L)
            let demand = (0..<R).map { _ in Int64(random.below(1_200_000)) }
            let scale = (0..<(R * L)).map { _ in Float(random.below(1000)) * 1e-9 }
            let bonus = (0..<L).map { _ in random.below(5) == 0 ? Float(-1e9) : Float(random.below(3)) }
            let coefficient = (0..<R).map { _ in Float(random.below(2001)) / 1000 - 1 }
            for block in 0..<(L / ResidualKernel.width) {
                let simd = residual.withUnsafeBufferPointer { lanes in
                    demand.withUnsafeBufferPointer { ResidualKernel.fitMask(lanes, laneCount: L, block: block, demand: $0) }
                }
                #expect(simd == ResidualKernel.fitMaskScalar(residual, laneCount: L, block: block, demand: demand), "trial \(trial)")
                for r in 0..<R {
                    let simdMax = residual.withUnsafeBufferPointer { ResidualKernel.blockMax($0, laneCount: L, block: block, resource: r) }
                    #expect(simdMax == ResidualKernel.blockMaxScalar(residual, laneCount: L, block: block, resource: r))
                }
            }
            #expect(ResidualKernel.countFitting(residual, laneCount: L, demand: demand)
                    == ResidualKernel.countFittingScalar(residual, laneCount: L, demand: demand))
            Self.expectScansAgree(residual, scale: scale, bonus: bonus, laneCount: L, demand: demand, coefficient: coefficient,
                                  "trial \(trial)")
        }
    }

    /// The SIMD scored scan equals its scalar twin (lane and score bits) for both combines, and
    /// its lane really fits and ranks first by (bonus, score) among all fitting lanes.
    static func expectScansAgree(_ residual: [Int64], scale: [Float], bonus: [Float], laneCount L: Int, demand: [Int64],
                                 coefficient: [Float], _ label: String) {
        let mirror = residual.map { Float($0) }
        for combine in [ResidualKernel.Combine.sum, .minimum] {
            let a = ResidualKernel.bestLane(residual, mirror: mirror, scale: scale, bonus: bonus, laneCount: L, demand: demand,
                                            coefficient: coefficient, combine: combine)
            let b = ResidualKernel.bestLaneScalar(residual, scale: scale, bonus: bonus, laneCount: L, demand: demand,
                                                  coefficient: coefficient, combine: combine)
            #expect(a?.lane == b?.lane && a?.score.bitPattern == b?.score.bitPattern, "\(label) \(combine)")
            let fitting = (0..<L).filter { p in (0..<demand.count).allSatisfy { residual[$0 * L + p] >= demand[$0] } }
            #expect((a == nil) == fitting.isEmpty, "\(label) \(combine)")
            if let lane = a?.lane {
                #expect(fitting.contains(lane), "\(label) \(combine)")
                #expect(fitting.allSatisfy { bonus[$0] <= bonus[lane] }, "\(label) \(combine)")
            }
        }
    }

    @Test("scored scan: exact fit where Float rounding ties, nothing fits, ties, padding lanes")
    func scoredScanEdgeCases() {
        let width = ResidualKernel.width
        var random = SeededGenerator(seed: 7)
        for trial in 0..<200 {
            let R = 1 + random.below(4)
            let L = width * (1 + random.below(6))
            // Residuals within a few milli-units of the demand, above 2^24 where Float rounds to
            // multiples of 2 or more: many lanes whose Float difference is 0 but whose exact one is not.
            let demand = (0..<R).map { _ in Int64(1 << (25 + random.below(20))) + Int64(random.below(9)) }
            var residual = [Int64](repeating: 0, count: R * L)
            for r in 0..<R { for p in 0..<L { residual[r * L + p] = demand[r] + Int64(random.below(9)) - 4 } }
            // The last hosts are padding.
            let padding = random.below(width)
            for r in 0..<R { for p in (L - padding)..<L { residual[r * L + p] = ResidualKernel.closed } }
            let scale = (0..<(R * L)).map { _ in Float(1 + random.below(3)) * 1e-6 }
            // Padding lanes carry the best bonus: a scan that let them fit would pick them.
            let bonus = (0..<L).map { p in p >= L - padding ? Float(5) : Float(random.below(2)) }
            let coefficient = (0..<R).map { _ in Float(random.below(5)) - 2 }
            Self.expectScansAgree(residual, scale: scale, bonus: bonus, laneCount: L, demand: demand, coefficient: coefficient,
                                  "rounding trial \(trial)")
        }

        // One exact lane among lanes one milli-unit short, all with the same Float image.
        let big: Int64 = (1 << 40) + 3
        let L = 2 * width
        var residual = [Int64](repeating: big - 1, count: L)
        residual[11] = big
        #expect(Float(big - 1) == Float(big))
        let mirror = residual.map { Float($0) }
        let flat = [Float](repeating: 1, count: L)
        for combine in [ResidualKernel.Combine.sum, .minimum] {
            let found = ResidualKernel.bestLane(residual, mirror: mirror, scale: flat, bonus: flat, laneCount: L, demand: [big],
                                                coefficient: [1], combine: combine)
            #expect(found?.lane == 11)
            #expect(ResidualKernel.bestLaneScalar(residual, scale: flat, bonus: flat, laneCount: L, demand: [big],
                                                  coefficient: [1], combine: combine)?.lane == 11)
            // Nothing fits.
            #expect(ResidualKernel.bestLane(residual, mirror: mirror, scale: flat, bonus: flat, laneCount: L, demand: [big + 1],
                                            coefficient: [1], combine: combine) == nil)
            #expect(ResidualKernel.bestLaneScalar(residual, scale: flat, bonus: flat, laneCount: L, demand: [big + 1],
                                                  coefficient: [1], combine: combine) == nil)
        }

        // Ties: equal hosts in every block; the first fitting lane wins, wherever it sits in its block.
        for first in 0..<(3 * width) {
            let L = 4 * width
            var residual = [Int64](repeating: 100, count: 2 * L)
            for p in 0..<first { residual[L + p] = 10 }  // resource 1 too small before `first`
            let mirror = residual.map { Float($0) }
            let scale = [Float](repeating: 0.5, count: 2 * L)
            let bonus = [Float](repeating: 0, count: L)
            for combine in [ResidualKernel.Combine.sum, .minimum] {
                let found = ResidualKernel.bestLane(residual, mirror: mirror, scale: scale, bonus: bonus, laneCount: L,
                                                    demand: [40, 50], coefficient: [1, -1], combine: combine)
                #expect(found?.lane == first, "first \(first) \(combine)")
                Self.expectScansAgree(residual, scale: scale, bonus: bonus, laneCount: L, demand: [40, 50],
                                      coefficient: [1, -1], "ties \(first)")
            }
        }
    }

    @Test("catalog knows every heuristic by its id")
    func catalogNames() throws {
        let snapshot = HeuristicFixtures.snapshot(seed: 1)
        for id in ConstructiveSolver.Rule.allCases.map(\.rawValue) + ["bin-centric", "local-search", "portfolio", "greedy"] {
            #expect(SolverCatalog.names.contains(id))
            #expect(try SolverCatalog.solver(named: id, for: snapshot).id == id)
        }
        // Below the anytime limit, auto is the portfolio (AutoSolverTests covers the limit).
        let large = HeuristicFixtures.binPacking(seed: 1, hostCount: 40, vmCount: 100)
        #expect(try SolverCatalog.solver(named: "auto", for: large).id == "auto")
    }
}
