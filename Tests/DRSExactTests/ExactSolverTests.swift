import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@testable import DRSExact
@_spi(Benchmarks) import DRSPlanner
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// A small SplitMix64 for the exact-solver instances (seeded, reproducible).
private struct ExactInstanceRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x1234_5678 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

/// Random small clusters: 3-4 hosts, 5-7 VMs, rules of every kind, FT, a pinned VM, new VMs,
/// admission control and migration costs, with a running state that fits. `symmetric`: identical
/// connected hosts and only new VMs instead (interchangeable hosts: symmetry rows, pattern model).
private func makeInstance(seed: UInt64, goal: Goal, symmetric: Bool = false) -> Snapshot {
    var random = ExactInstanceRandom(seed: seed)
    let hostCount = 3 + random.below(2)
    var hosts: [ClusterHost] = []
    for h in 0..<hostCount {
        var cpu = Double([100, 100, 120, 80][random.below(4)])
        var memory = Double([100, 128, 100, 64][random.below(4)])
        var state: HostState = .connected
        if h == hostCount - 1 && random.chance(15) { state = .maintenance }
        if symmetric { (cpu, memory, state) = (100, 100, .connected) }
        hosts.append(ClusterHost(id: "h\(h)", capacity: ["cpu": cpu, "memory": memory], state: state))
    }
    let vmCount = 5 + random.below(3)
    var load = [[Double]](repeating: [0, 0], count: hostCount)
    var vms: [VirtualMachine] = []
    let priorities: [Priority] = [.high, .medium, .medium, .low]
    func pickHost(_ demand: [Double], excluding: Int? = nil, random: inout ExactInstanceRandom) -> Int? {
        let candidates = (0..<hostCount).filter { h in
            h != excluding && load[h][0] + demand[0] <= hosts[h].capacity["cpu"]! && load[h][1] + demand[1] <= hosts[h].capacity["memory"]!
        }
        return candidates.isEmpty ? nil : candidates[random.below(candidates.count)]
    }
    for v in 0..<vmCount {
        let demand = [Double(5 + random.below(8) * 5), Double(5 + random.below(8) * 5)]
        let host: Int? = random.chance(75) && !symmetric ? pickHost(demand, random: &random) : nil
        if let h = host { load[h][0] += demand[0]; load[h][1] += demand[1] }
        var machine = VirtualMachine(id: "v\(v)", host: host.map { "h\($0)" }, demand: ["cpu": demand[0], "memory": demand[1]],
                                     priority: priorities[random.below(priorities.count)])
        machine.migration = VMMigration(memory: Double(1000 + random.below(20) * 500), dirtyRate: Double(random.below(200)))
        if v == 0 && random.chance(60) {
            var secondary: Int? = nil
            if host != nil, random.chance(70), let s = pickHost(demand, excluding: host, random: &random) {
                secondary = s
                load[s][0] += demand[0]; load[s][1] += demand[1]
            }
            machine.ft = FaultTolerance(secondaryHost: secondary.map { "h\($0)" })
        }
        if v == 1 && host != nil && random.chance(40) { machine.automation = .disabled }
        vms.append(machine)
    }
    var rules: [Rule] = []
    func twoVMs(_ random: inout ExactInstanceRandom) -> [String] {
        let a = 2 + random.below(vmCount - 2)
        var b = 2 + random.below(vmCount - 2)
        if b == a { b = a == vmCount - 1 ? 2 : a + 1 }
        return ["v\(a)", "v\(b)"]
    }
    if random.chance(50) { rules.append(Rule(id: "anti", kind: .antiAffinity, vms: twoVMs(&random), required: true)) }
    if random.chance(40) { rules.append(Rule(id: "aff", kind: .affinity, vms: ["v2", "v3"], required: true)) }
    if random.chance(40) { rules.append(Rule(id: "must", kind: .vmHost, vms: ["v4"], hosts: ["h0", "h1"], policy: .must)) }
    if random.chance(30) { rules.append(Rule(id: "mustNot", kind: .vmHost, vms: ["v\(vmCount - 1)"], hosts: ["h1"], policy: .mustNot)) }
    if random.chance(50) { rules.append(Rule(id: "softAnti", kind: .antiAffinity, vms: twoVMs(&random) + ["v0"], required: false)) }
    if random.chance(40) { rules.append(Rule(id: "softAff", kind: .affinity, vms: twoVMs(&random), required: false)) }
    if random.chance(40) { rules.append(Rule(id: "should", kind: .vmHost, vms: ["v1", "v\(vmCount - 1)"], hosts: ["h2"], policy: .should)) }
    if random.chance(30) { rules.append(Rule(id: "shouldNot", kind: .vmHost, vms: ["v0", "v2"], hosts: ["h0"], policy: .shouldNot)) }
    var cluster = Cluster(goal: goal, migrationThreshold: 2 + random.below(3))
    if random.chance(35) { cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 1, master: "h0") }
    return Snapshot(resources: ["cpu", "memory"], cluster: cluster, hosts: hosts, vms: vms, rules: rules)
}

/// The best objective over every placement satisfying the hard constraints, by enumeration.
private func bruteForceOptimum(_ problem: Problem) -> Objective? {
    let V = problem.vmCount, H = problem.hostCount, R = problem.resourceCount
    let active = (0..<V).filter { problem.vmActive[$0] }
    var placement = [Int32](repeating: -1, count: V)
    var secondaries = [Int32](repeating: -1, count: V)
    var load = [Int64](repeating: 0, count: H * R)
    var best: Objective?

    func mustStayPlaced(_ v: Int) -> Bool {
        if problem.vmPinned[v] { return true }
        let h = Int(problem.vmInitialHost[v])
        return h >= 0 && problem.hostState[h] == .connected && problem.allows(v, h)
    }
    func choices(_ v: Int) -> [Int] {
        if problem.vmPinned[v] { return [Int(problem.vmInitialHost[v])] }
        var hosts = (0..<H).filter { problem.hostReceives[$0] && problem.allows(v, $0) }
        if !mustStayPlaced(v) { hosts.append(-1) }
        return hosts
    }
    func fits(_ v: Int, _ h: Int) -> Bool { (0..<R).allSatisfy { load[$0 * H + h] + problem.demand(v, $0) <= problem.limit(h, $0) } }
    func add(_ v: Int, _ h: Int, _ sign: Int64) { for r in 0..<R { load[r * H + h] += sign * problem.demand(v, r) } }

    func leaf() {
        // Required affinity: members together (or all unplaced).
        for group in problem.groups where Set(group.map { placement[Int($0)] }).count > 1 { return }
        for rule in problem.antiAffinity {
            let hosts = rule.map { placement[Int($0)] }.filter { $0 >= 0 }
            if Set(hosts).count != hosts.count { return }
        }
        if let limit = problem.admissionLimit,
           active.contains(where: { problem.snapshot.vms[$0].host == nil && placement[$0] >= 0 }) {
            for r in 0..<R {
                var total: Int64 = 0
                for v in active {
                    if placement[v] >= 0 { total += problem.demand(v, r) }
                    if secondaries[v] >= 0 { total += problem.demand(v, r) }
                }
                if total > limit[r] { return }
            }
        }
        let objective = Score.evaluate(problem, placement: placement, secondaries: secondaries)
        if best == nil || objective.isBetter(than: best!) { best = objective }
    }
    func assignSecondary(_ index: Int, _ ft: [Int]) {
        if index == ft.count { leaf(); return }
        let v = ft[index]
        guard placement[v] >= 0 else { assignSecondary(index + 1, ft); return }
        let running = Int(problem.vmInitialSecondary[v])
        if !(running >= 0 && problem.hostState[running] == .connected && mustStayPlaced(v)) { assignSecondary(index + 1, ft) }
        for h in 0..<H where problem.hostReceives[h] && Int32(h) != placement[v] && fits(v, h) {
            secondaries[v] = Int32(h)
            add(v, h, 1)
            assignSecondary(index + 1, ft)
            add(v, h, -1)
            secondaries[v] = -1
        }
    }
    let ft = active.filter { problem.vmIsFT[$0] }
    func assign(_ index: Int) {
        if index == active.count { assignSecondary(0, ft); return }
        let v = active[index]
        for h in choices(v) {
            if h >= 0 && !fits(v, h) { continue }
            placement[v] = Int32(h)
            if h >= 0 { add(v, h, 1) }
            assign(index + 1)
            if h >= 0 { add(v, h, -1) }
            placement[v] = -1
        }
    }
    assign(0)
    return best
}

private func goalTerm(_ problem: Problem, _ objective: Objective) -> Double {
    problem.goal == .balance ? objective.imbalance : Double(objective.activeHosts)
}

@Suite("ExactSolver")
struct ExactSolverTests {
    static let seeds: [UInt64] = Array(1...30)

    @Test("matches brute force on small consolidate instances", arguments: seeds, [false, true])
    func consolidateMatchesBruteForce(seed: UInt64, symmetric: Bool) throws {
        let snapshot = makeInstance(seed: seed, goal: .consolidate, symmetric: symmetric)
        let problem = Problem(snapshot)
        let result = try ExactSolver().solve(problem, options: SolveOptions(timeLimit: 20))
        let objective = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
        guard let optimum = bruteForceOptimum(problem) else { return }
        #expect(objective.unplacedByPriority == optimum.unplacedByPriority, "seed \(seed)")
        #expect(objective.unprotectedByPriority == optimum.unprotectedByPriority, "seed \(seed)")
        #expect(objective.softViolations == optimum.softViolations, "seed \(seed)")
        #expect(abs(objective.cost - optimum.cost) <= 1e-6, "seed \(seed): \(objective.cost) vs \(optimum.cost)")
        if let bound = result.bound { #expect(bound <= goalTerm(problem, optimum) + 1e-9, "seed \(seed)") }
        #expect(result.status == .optimal, "seed \(seed)")
    }

    @Test("matches brute force on small balance instances", arguments: seeds, [false, true])
    func balanceMatchesBruteForce(seed: UInt64, symmetric: Bool) throws {
        let snapshot = makeInstance(seed: seed, goal: .balance, symmetric: symmetric)
        let problem = Problem(snapshot)
        let result = try ExactSolver().solve(problem, options: SolveOptions(timeLimit: 20))
        let objective = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
        guard let optimum = bruteForceOptimum(problem) else { return }
        #expect(objective.unplacedByPriority == optimum.unplacedByPriority, "seed \(seed)")
        #expect(objective.unprotectedByPriority == optimum.unprotectedByPriority, "seed \(seed)")
        #expect(objective.softViolations == optimum.softViolations, "seed \(seed)")
        if let bound = result.bound { #expect(bound <= goalTerm(problem, optimum) + 1e-9, "seed \(seed)") }
        // With everything placed u* is the same for every plan and the cone model is exact:
        // imbalance + migration cost reaches the optimum and is proven. Otherwise u* comes from
        // the stage-1 placed set and only a small tolerance holds.
        if optimum.unplaced == 0 && optimum.unprotectedByPriority.allSatisfy({ $0 == 0 }) {
            #expect(abs(objective.cost - optimum.cost) <= 1e-6, "seed \(seed): \(objective.cost) vs \(optimum.cost)")
            #expect(result.status == .optimal, "seed \(seed)")
        } else {
            #expect(objective.cost <= optimum.cost + 0.01, "seed \(seed): \(objective.cost) vs \(optimum.cost)")
        }
    }

    @Test("balance with migration cost is proven on instances that place everything")
    func balanceWithMigrationCostIsProven() throws {
        var proven = 0
        for seed in Self.seeds {
            let problem = Problem(makeInstance(seed: seed, goal: .balance))
            guard let optimum = bruteForceOptimum(problem), optimum.unplaced == 0,
                  optimum.unprotectedByPriority.allSatisfy({ $0 == 0 }), optimum.migrationSeconds > 0 else { continue }
            let result = try ExactSolver().solve(problem, options: SolveOptions(timeLimit: 20))
            let objective = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
            #expect(abs(objective.cost - optimum.cost) <= 1e-6, "seed \(seed): \(objective.cost) vs \(optimum.cost)")
            #expect(result.status == .optimal, "seed \(seed)")
            proven += 1
        }
        // The generator must exercise the case: some optima move a VM at a migration cost.
        #expect(proven >= 3, "only \(proven) instances trade migration cost")
    }

    @Test("never worse than any heuristic, and its plans pass the checker", arguments: [Goal.balance, .consolidate])
    func neverWorseThanGreedy(goal: Goal) throws {
        for seed in Self.seeds {
            let snapshot = makeInstance(seed: seed + 100, goal: goal)
            let problem = Problem(snapshot)
            let exact = try ExactSolver().solve(problem, options: SolveOptions(timeLimit: 20))
            let exactScore = Score.evaluate(problem, placement: exact.placement, secondaries: exact.secondaries)
            for name in SolverCatalog.names where !["auto", "exact", "exact-assignment"].contains(name) {
                let solver = try SolverCatalog.solver(named: name, for: snapshot)
                let heuristic = try solver.solve(problem, options: SolveOptions())
                let score = Score.evaluate(problem, placement: heuristic.placement, secondaries: heuristic.secondaries)
                // Compared only when the heuristic plan itself passes the checker.
                if (try? Planner.checkedPlan(snapshot, solver: solver)) != nil {
                    #expect(!score.isBetter(than: exactScore), "seed \(seed): \(name) beats exact")
                }
            }
            guard bruteForceOptimum(problem) != nil else { continue }
            // Only a pinned VM stuck on a maintenance host may make the input infeasible.
            do {
                _ = try Planner.checkedPlan(snapshot, solver: ExactSolver())
            } catch PlanningError.infeasible(let message, _) {
                #expect(message.contains("automation is disabled"), "seed \(seed): \(message)")
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }

    @Test("a tiny time limit still reports a consistent bound and gap")
    func tinyTimeLimit() throws {
        for goal in Goal.allCases {
            for seed in Self.seeds.prefix(4) {
                let snapshot = makeInstance(seed: seed + 200, goal: goal)
                let plan = try Planner.plan(snapshot, solver: ExactSolver(), options: SolveOptions(timeLimit: 0.001))
                if let bound = plan.bound {
                    let goalValue = goal == .balance ? plan.objective.imbalance : Double(plan.objective.activeHosts)
                    #expect(bound <= goalValue + 1e-9)
                    #expect((plan.gap ?? 0) >= 0)
                }
            }
        }
    }

    @Test("the model holds capacity: two VMs that do not fit together are split")
    func capacityIsHard() throws {
        let snapshot = Snapshot(cluster: Cluster(goal: .consolidate),
                                hosts: [ClusterHost(id: "a", capacity: ["cpu": 100, "memory": 100]),
                                        ClusterHost(id: "b", capacity: ["cpu": 100, "memory": 100])],
                                vms: [VirtualMachine(id: "x", host: nil, demand: ["cpu": 60, "memory": 10]),
                                      VirtualMachine(id: "y", host: nil, demand: ["cpu": 60, "memory": 10])])
        let problem = Problem(snapshot)
        let result = try ExactSolver().solve(problem, options: SolveOptions())
        #expect(result.placement[0] >= 0 && result.placement[1] >= 0 && result.placement[0] != result.placement[1])
        #expect(result.status == .optimal)
        #expect(result.bound == 2)
    }

    @Test("the combinatorial bound stops at once when the greedy meets it")
    func consolidateStopsAtBound() throws {
        let snapshot = Snapshot(cluster: Cluster(goal: .consolidate),
                                hosts: [ClusterHost(id: "a", capacity: ["cpu": 100, "memory": 100]),
                                        ClusterHost(id: "b", capacity: ["cpu": 100, "memory": 100])],
                                vms: [VirtualMachine(id: "x", host: nil, demand: ["cpu": 30, "memory": 10]),
                                      VirtualMachine(id: "y", host: nil, demand: ["cpu": 30, "memory": 10])])
        let result = try ExactSolver().solve(Problem(snapshot), options: SolveOptions())
        #expect(result.status == .optimal)
        #expect(result.bound == 1)
        #expect(result.nodes == 0)
    }

    @Test("the formulation completes a known placement into a feasible column vector")
    func formulationAcceptsGreedy() throws {
        for seed in Self.seeds.prefix(6) {
            for goal in Goal.allCases {
                let problem = Problem(makeInstance(seed: seed, goal: goal))
                let greedy = try GreedySolver().solve(problem, options: SolveOptions())
                let formulation = PlacementFormulation(problem: problem, incumbent: (greedy.placement, greedy.secondaries))
                if let values = formulation.values(placement: greedy.placement, secondaries: greedy.secondaries) {
                    let back = formulation.placement(from: values)
                    let canonical = formulation.canonical(placement: greedy.placement, secondaries: greedy.secondaries)
                    #expect(back.placement == canonical.placement.enumerated().map { problem.vmActive[$0.offset] ? $0.element : -1 })
                }
            }
        }
    }

    @Test("relabelling interchangeable hosts keeps the score and meets the symmetry rows", arguments: Goal.allCases)
    func canonicalPlacement(goal: Goal) throws {
        var relabelled = 0, withClasses = 0
        for seed in Self.seeds {
            let problem = Problem(makeInstance(seed: seed, goal: goal, symmetric: true))
            let greedy = try GreedySolver().solve(problem, options: SolveOptions())
            let formulation = PlacementFormulation(problem: problem, incumbent: (greedy.placement, greedy.secondaries))
            if !formulation.symmetryClasses.isEmpty { withClasses += 1 }
            let canonical = formulation.canonical(placement: greedy.placement, secondaries: greedy.secondaries)
            if canonical.placement != greedy.placement { relabelled += 1 }
            let before = Score.evaluate(problem, placement: greedy.placement, secondaries: greedy.secondaries)
            let after = Score.evaluate(problem, placement: canonical.placement, secondaries: canonical.secondaries)
            #expect(abs(before.cost - after.cost) < 1e-12 && before.softViolations == after.softViolations, "seed \(seed)")
            let values = try #require(formulation.values(placement: greedy.placement, secondaries: greedy.secondaries), "seed \(seed)")
            // The symmetry rows hold at the relabelled placement (the rows after the last
            // capacity row are checked by isFeasible along with everything else).
            if ExactSolver.withinLimits(problem, greedy.placement, greedy.secondaries) && greedy.reasons.isEmpty {
                #expect(formulation.model.isFeasible(values), "seed \(seed)")
            }
        }
        #expect(withClasses >= Self.seeds.count / 3 && relabelled > 0, "\(withClasses) with classes, \(relabelled) relabelled")
    }

    @Test("GLPK is linked")
    func version() { #expect(glpkVersion.hasPrefix("5.")) }

    @Test("milli-unit rows do not hide the optimum from GLPK: a 7-item two-resource knapsack against brute force")
    func largeCoefficients() {
        // Demands of a real snapshot in milli-units; with GLPK's column scaling the costs fell
        // below the simplex tolerance and an empty knapsack was reported optimal.
        let cpu: [Int64] = [36_655_000, 28_714_000, 35_562_000, 39_822_000, 22_813_000, 25_869_000, 35_396_000]
        let memory: [Int64] = [71_971_000, 154_903_000, 193_997_000, 47_331_000, 93_662_000, 26_269_000, 96_925_000]
        let limits: (Int64, Int64) = (134_400_000, 524_288_000)
        var best = 0
        for subset in 0..<(1 << 7) {
            let members = (0..<7).filter { subset >> $0 & 1 == 1 }
            if members.reduce(0, { $0 + cpu[$1] }) <= limits.0 && members.reduce(0, { $0 + memory[$1] }) <= limits.1 {
                best = max(best, members.count)
            }
        }
        var model = MIPModel()
        let columns = (0..<7).map { _ in model.addColumn(cost: -0.5) }
        model.addRow(columns.map { ($0, Double(cpu[$0])) }, upper: Double(limits.0))
        model.addRow(columns.map { ($0, Double(memory[$0])) }, upper: Double(limits.1))
        let outcome = GLPKBackend.solve(model, timeLimit: 5, incumbent: nil)
        #expect(outcome.status == .optimal)
        #expect(outcome.objective == -0.5 * Double(best))
        let relaxation = GLPKBackend.solveLP(model, timeLimit: 5)
        #expect((relaxation?.objective ?? 0) < -0.5 * Double(best) + 1e-9)
    }

    @Test("a GLPK failure is caught by the guard instead of ending the process, and GLPK solves again afterwards")
    func errorGuard() {
        #expect(GLPKBackend.guardCatchesFailure())
        // min x + y, x + y >= 2.5, x, y integer in [0, 5]: optimum 3.
        var model = MIPModel()
        let x = model.addColumn(upper: 5, cost: 1), y = model.addColumn(upper: 5, cost: 1)
        model.addRow([(x, 1), (y, 1)], lower: 2.5)
        let outcome = GLPKBackend.solve(model, timeLimit: 5, incumbent: nil)
        #expect(outcome.status == .optimal && !outcome.failure)
        #expect(outcome.objective == 3)
    }
}

@Suite("PatternSolver")
struct PatternSolverTests {
    @Test("the pricing knapsack matches enumeration (capacities, conflicts, minimum loads)", arguments: Array(UInt64(1)...40))
    func knapsackMatchesEnumeration(seed: UInt64) {
        var random = ExactInstanceRandom(seed: seed)
        let n = 4 + random.below(9), R = 1 + random.below(3)
        let capacity = (0..<R).map { _ in Int64(50 + random.below(100)) }
        let demands = (0..<n).map { _ in (0..<R).map { r in Int64(1 + random.below(Int(capacity[r]) / 2)) } }
        let values = (0..<n).map { _ in random.chance(20) ? 0 : Double(random.below(1000)) / 997 }
        var conflicts = [[Int]](repeating: [], count: n)
        for _ in 0..<random.below(4) {
            let a = random.below(n), b = random.below(n)
            if a != b && !conflicts[a].contains(b) { conflicts[a].append(b); conflicts[b].append(a) }
        }
        let fill: [Int64]? = random.chance(40) ? capacity.map { $0 / 2 } : nil
        var best = -1.0
        for subset in 0..<(1 << n) {
            let members = (0..<n).filter { subset >> $0 & 1 == 1 }
            let loads = (0..<R).map { r in members.reduce(Int64(0)) { $0 + demands[$1][r] } }
            guard (0..<R).allSatisfy({ loads[$0] <= capacity[$0] && loads[$0] >= (fill?[$0] ?? 0) }),
                  !members.contains(where: { a in conflicts[a].contains(where: members.contains) }) else { continue }
            best = max(best, members.reduce(0.0) { $0 + values[$1] })
        }
        var search = PatternKnapsack(capacity: capacity, fill: fill, demands: demands, values: values, conflicts: conflicts)
        let result = search.run(deadline: .now.advanced(by: .seconds(10)))
        #expect(result.finished)
        if best < 0 {
            #expect(result.best == nil, "seed \(seed)")
        } else {
            let found = result.best ?? []
            #expect(abs(found.reduce(0.0) { $0 + values[$1] } - best) < 1e-9, "seed \(seed)")
            #expect(result.rootBound >= best - 1e-9, "seed \(seed)")
        }
    }

    /// Identical hosts cut into random pieces (every host exactly full in both resources), the
    /// pieces shuffled: the optimum is the number of hosts, which the continuous bound proves.
    static func perfectPacking(seed: UInt64, hosts: Int, pieces: Int) -> Snapshot {
        var random = ExactInstanceRandom(seed: seed)
        var demands: [[Double]] = []
        for _ in 0..<hosts {
            var left = [200.0, 400.0]
            for k in 0..<pieces {
                if k == pieces - 1 { demands.append(left); break }
                let piece = left.map { max(1, min($0 - Double(pieces - k - 1), Double(1 + random.below(Int($0) / (pieces - k) * 2)))) }
                demands.append(piece)
                left = zip(left, piece).map { $0 - $1 }
            }
        }
        for k in stride(from: demands.count - 1, to: 0, by: -1) { demands.swapAt(k, random.below(k + 1)) }
        let hostList = (0..<hosts + 2).map { ClusterHost(id: "h\($0)", capacity: ["cpu": 200, "memory": 400]) }
        let vms = demands.enumerated().map { VirtualMachine(id: "v\($0.offset)", host: nil, demand: ["cpu": $0.element[0], "memory": $0.element[1]]) }
        return Snapshot(resources: ["cpu", "memory"], cluster: Cluster(goal: .consolidate), hosts: hostList, vms: vms, rules: [])
    }

    @Test("perfectly packable instances are packed and proven by the pattern model, from an incumbent that is not optimal")
    func perfectPackingIsProven() throws {
        var firstFitMissed = 0
        for seed in UInt64(1)...8 {
            let snapshot = Self.perfectPacking(seed: seed, hosts: 4, pieces: 5)
            let problem = Problem(snapshot)
            // The pattern model alone, from first fit decreasing's plan.
            let start = try ConstructiveSolver(.ffdL2).solve(problem, options: SolveOptions())
            let startHosts = Score.evaluate(problem, placement: start.placement, secondaries: start.secondaries).activeHosts
            if startHosts > 4 { firstFitMissed += 1 }
            var patterns = try #require(PatternSolver(problem, greedyPlacedEverything: true))
            let outcome = patterns.solve(incumbent: start.placement, incumbentHosts: startHosts, lowerBound: 1,
                                         deadline: .now.advanced(by: .seconds(20)))
            #expect(outcome.proven && outcome.hosts == 4 && outcome.bound == 4, "seed \(seed)")
            let placement = outcome.placement ?? start.placement
            #expect(ExactSolver.withinLimits(problem, placement, start.secondaries), "seed \(seed)")
            #expect(Score.evaluate(problem, placement: placement, secondaries: start.secondaries).activeHosts == 4, "seed \(seed)")
            // And through the exact solver and the planner, checked.
            let result = try ExactSolver().solve(problem, options: SolveOptions(timeLimit: 20))
            #expect(result.status == .optimal && result.bound == 4, "seed \(seed)")
            let plan = try Planner.plan(snapshot, solver: ExactSolver(), options: SolveOptions(timeLimit: 20))
            #expect(PlanChecker.check(snapshot, plan).isEmpty, "seed \(seed)")
        }
        #expect(firstFitMissed >= 2, "first fit decreasing used more than 4 hosts on \(firstFitMissed) of 8")
    }
}

@Suite("Lower bounds")
struct LowerBoundTests {
    /// Fewest bins of `capacity` for `sizes`, by trying every assignment (tiny inputs only).
    static func optimalBins(_ sizes: [Int64], capacity: Int64) -> Int {
        for bins in 1...sizes.count {
            var loads = [Int64](repeating: 0, count: bins)
            func place(_ k: Int) -> Bool {
                if k == sizes.count { return true }
                for b in 0..<bins where loads[b] + sizes[k] <= capacity {
                    loads[b] += sizes[k]
                    if place(k + 1) { return true }
                    loads[b] -= sizes[k]
                    if loads[b] == 0 { break }  // empty bins are interchangeable
                }
                return false
            }
            if place(0) { return bins }
        }
        return sizes.count
    }

    @Test("Martello-Toth L2 never exceeds the optimum and beats the continuous bound where it should", arguments: Array(UInt64(1)...60))
    func l2IsValid(seed: UInt64) {
        var random = ExactInstanceRandom(seed: seed)
        let capacity = Int64(20 + random.below(80))
        let sizes = (0..<(3 + random.below(6))).map { _ in Int64(1 + random.below(Int(capacity))) }
        let l2 = ExactSolver.martelloTothL2(sizes, capacity: capacity)
        let continuous = Int((sizes.reduce(0, +) + capacity - 1) / capacity)
        #expect(l2 <= Self.optimalBins(sizes, capacity: capacity), "seed \(seed): \(sizes) in \(capacity)")
        #expect(l2 >= continuous, "seed \(seed)")
    }

    @Test("L2 counts items above half a host one by one")
    func l2BigItems() {
        // Three items of 60% need three hosts; their total (1.8 hosts) says only 2.
        #expect(ExactSolver.martelloTothL2([60, 60, 60], capacity: 100) == 3)
        // Two of 60 and four of 25: the big ones leave 80 of room, the small need 100: 3 hosts.
        #expect(ExactSolver.martelloTothL2([60, 60, 25, 25, 25, 25], capacity: 100) == 3)
        #expect(Self.optimalBins([60, 60, 25, 25, 25, 25], capacity: 100) == 3)
    }
}

@Suite("BalanceSearch")
struct BalanceSearchTests {
    /// Identical hosts, new VMs, sometimes an anti-affinity pair or an affinity pair.
    static func instance(seed: UInt64) -> Snapshot {
        newVMsInstance(seed: seed) { _ in ["cpu": 100, "memory": 80] }
    }

    /// 2 to 4 hosts with `capacity(h)`, 4 to 7 new VMs, sometimes an anti-affinity pair or an
    /// affinity pair, goal `balance`.
    static func newVMsInstance(seed: UInt64, capacity: (Int) -> [String: Double]) -> Snapshot {
        var random = ExactInstanceRandom(seed: seed)
        let hostCount = 2 + random.below(3)
        let hosts = (0..<hostCount).map { ClusterHost(id: "h\($0)", capacity: capacity($0)) }
        let vms = (0..<(4 + random.below(4))).map { v in
            VirtualMachine(id: "v\(v)", host: nil, demand: ["cpu": Double(3 + random.below(30)), "memory": Double(2 + random.below(25))])
        }
        var rules: [Rule] = []
        if random.chance(40) { rules.append(Rule(id: "anti", kind: .antiAffinity, vms: ["v0", "v1"], required: true)) }
        if random.chance(30) { rules.append(Rule(id: "aff", kind: .affinity, vms: ["v2", "v3"], required: true)) }
        return Snapshot(resources: ["cpu", "memory"], cluster: Cluster(goal: .balance), hosts: hosts, vms: vms, rules: rules)
    }

    @Test("finds and proves the brute-force optimum of new VMs on identical hosts", arguments: Array(UInt64(1)...25))
    func matchesBruteForce(seed: UInt64) throws {
        let snapshot = Self.instance(seed: seed)
        let problem = Problem(snapshot)
        #expect(BalanceSearch(problem, incumbentPlacesEverything: true) != nil, "seed \(seed)")
        let result = try ExactSolver().solve(problem, options: SolveOptions(timeLimit: 20))
        let objective = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
        let optimum = try #require(bruteForceOptimum(problem))
        #expect(objective.unplaced == 0)
        #expect(abs(objective.imbalance - optimum.imbalance) <= 1e-9, "seed \(seed): \(objective.imbalance) vs \(optimum.imbalance)")
        #expect(result.status == .optimal, "seed \(seed)")
        #expect((result.bound ?? .infinity) <= optimum.imbalance + 1e-9, "seed \(seed)")
        #expect(ExactSolver.withinLimits(problem, result.placement, result.secondaries))
    }
}

@Suite("Exact search limits")
struct ExactSearchLimitTests {
    @Test("the balance search and the pattern model stay out of problems too large for them")
    func limits() {
        func problem(vms: Int, goal: Goal) -> Problem {
            let hosts = (0..<8).map { ClusterHost(id: "h\($0)", capacity: ["cpu": 100_000, "memory": 100_000]) }
            let machines = (0..<vms).map { VirtualMachine(id: "v\($0)", host: nil, demand: ["cpu": 10, "memory": 10]) }
            return Problem(Snapshot(resources: ["cpu", "memory"], cluster: Cluster(goal: goal), hosts: hosts, vms: machines, rules: []))
        }
        #expect(BalanceSearch(problem(vms: BalanceSearch.itemLimit, goal: .balance), incumbentPlacesEverything: true) != nil)
        #expect(BalanceSearch(problem(vms: BalanceSearch.itemLimit + 1, goal: .balance), incumbentPlacesEverything: true) == nil)
        #expect(PatternSolver(problem(vms: PatternSolver.itemLimit, goal: .consolidate), greedyPlacedEverything: true) != nil)
        #expect(PatternSolver(problem(vms: PatternSolver.itemLimit + 1, goal: .consolidate), greedyPlacedEverything: true) == nil)
    }
}

@Suite("Bound with overloaded pinned hosts")
struct PinnedBoundTests {
    @Test("pinned VMs that overload their host count as one host's worth, so the bound stays below the optimum")
    func overloadedPinnedHost() throws {
        let hosts = ["A", "B", "C"].map { ClusterHost(id: $0, capacity: ["cpu": 100, "memory": 100]) }
        var vms = (1...2).map { VirtualMachine(id: "p\($0)", host: "A", demand: ["cpu": 60, "memory": 10]) }
        for k in vms.indices { vms[k].automation = .disabled }
        vms += (1...2).map { VirtualMachine(id: "n\($0)", host: nil, demand: ["cpu": 50, "memory": 10]) }
        let problem = Problem(Snapshot(resources: ["cpu", "memory"], cluster: Cluster(goal: .consolidate), hosts: hosts, vms: vms, rules: []))
        // Optimum: A (overloaded by its pinned VMs) and one host with both new VMs.
        #expect(ExactSolver.activeHostBound(problem, everything: true).hosts <= 2)
        let result = try ExactSolver().solve(problem, options: SolveOptions(timeLimit: 10))
        let objective = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
        #expect(objective.activeHosts == 2 && objective.unplaced == 0)
        #expect((result.bound ?? 0) <= 2)
    }
}

@Suite("BalancePatterns")
struct BalancePatternsTests {
    /// Two host types (one CPU-heavy, one memory-heavy), new VMs, sometimes an anti-affinity pair
    /// or an affinity pair.
    static func instance(seed: UInt64) -> Snapshot {
        BalanceSearchTests.newVMsInstance(seed: seed) { $0 % 2 == 0 ? ["cpu": 100, "memory": 80] : ["cpu": 60, "memory": 120] }
    }

    @Test("the exact solver proves the brute-force optimum on two host types", arguments: Array(UInt64(1)...25))
    func twoHostTypes(seed: UInt64) throws {
        let problem = Problem(Self.instance(seed: seed))
        // The assignment search needs identical hosts: set partitioning is the proof here.
        #expect(BalanceSearch(problem, incumbentPlacesEverything: true) == nil)
        #expect(BalancePatterns(problem, incumbentPlacesEverything: true) != nil, "seed \(seed)")
        let result = try ExactSolver().solve(problem, options: SolveOptions(timeLimit: 20))
        let objective = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
        let optimum = try #require(bruteForceOptimum(problem))
        #expect(objective.unplaced == 0)
        // Optimal for `balance` means within `MIPModel.coneTolerance` of the optimum.
        #expect(abs(objective.imbalance - optimum.imbalance) <= MIPModel.coneTolerance, "seed \(seed): \(objective.imbalance) vs \(optimum.imbalance)")
        #expect(result.status == .optimal, "seed \(seed)")
        #expect((result.bound ?? .infinity) <= optimum.imbalance + 1e-9, "seed \(seed)")
        #expect(ExactSolver.withinLimits(problem, result.placement, result.secondaries))
    }

    @Test("set partitioning alone proves the brute-force optimum from the greedy plan", arguments: Array(UInt64(1)...25))
    func fromGreedy(seed: UInt64) throws {
        let problem = Problem(BalanceSearchTests.instance(seed: seed))
        let greedy = try GreedySolver().solve(problem, options: SolveOptions(timeLimit: 5))
        let start = Score.evaluate(problem, placement: greedy.placement, secondaries: greedy.secondaries)
        try #require(start.unplaced == 0)
        var patterns = try #require(BalancePatterns(problem, incumbentPlacesEverything: true))
        let outcome = patterns.solve(incumbent: greedy.placement, deadline: ContinuousClock.now.advanced(by: .seconds(20)))
        let optimum = try #require(bruteForceOptimum(problem))
        #expect(outcome.proven, "seed \(seed)")
        #expect(abs(outcome.value.squareRoot() - optimum.imbalance) <= MIPModel.coneTolerance, "seed \(seed): \(outcome.value.squareRoot()) vs \(optimum.imbalance)")
        #expect(outcome.bound <= outcome.value * (1 + 1e-12), "seed \(seed)")
        if outcome.placement == nil { #expect(abs(outcome.value - start.imbalance * start.imbalance) <= 1e-12) }
        if let placement = outcome.placement {
            // A better plan is a real one: within limits, everything placed, scored as claimed.
            let score = Score.evaluate(problem, placement: placement, secondaries: greedy.secondaries)
            #expect(score.unplaced == 0)
            #expect(abs(score.imbalance - outcome.value.squareRoot()) <= 1e-9)
            #expect(score.imbalance < start.imbalance)
            #expect(ExactSolver.withinLimits(problem, placement, greedy.secondaries))
        }
    }

    @Test("the enumeration alone finds and proves the optimum the LP bound leaves open")
    func enumerationFindsOptimum() throws {
        var gaps = 0
        for seed in UInt64(1)...12 {
            // 16 VMs on 4 identical hosts: the assignment search (tested against brute force
            // above) proves the optimum; the LP bound is often below it.
            var random = ExactInstanceRandom(seed: seed)
            let hosts = (0..<4).map { ClusterHost(id: "h\($0)", capacity: ["cpu": 200, "memory": 200]) }
            let vms = (0..<16).map { v in
                VirtualMachine(id: "v\(v)", host: nil, demand: ["cpu": Double(5 + random.below(30)), "memory": Double(5 + random.below(30))])
            }
            let problem = Problem(Snapshot(resources: ["cpu", "memory"], cluster: Cluster(goal: .balance), hosts: hosts, vms: vms, rules: []))
            let greedy = try GreedySolver().solve(problem, options: SolveOptions(timeLimit: 5))
            let start = Score.evaluate(problem, placement: greedy.placement, secondaries: greedy.secondaries)
            try #require(start.unplaced == 0)
            var search = try #require(BalanceSearch(problem, incumbentPlacesEverything: true))
            let reference = search.run(incumbent: start.imbalance * start.imbalance, deadline: ContinuousClock.now.advanced(by: .seconds(60)))
            try #require(reference.complete)
            var patterns = try #require(BalancePatterns(problem, incumbentPlacesEverything: true))
            patterns.improvesIncumbent = false
            let outcome = patterns.solve(incumbent: greedy.placement, deadline: ContinuousClock.now.advanced(by: .seconds(20)))
            #expect(outcome.proven, "seed \(seed)")
            #expect(abs(outcome.value.squareRoot() - reference.imbalance) <= MIPModel.coneTolerance, "seed \(seed): \(outcome.value.squareRoot()) vs \(reference.imbalance)")
            if outcome.enumerated > 0 && outcome.lagrangian < outcome.value * (1 - 1e-6) { gaps += 1 }
        }
        // The instances exercise the enumeration where the LP bound is not tight.
        #expect(gaps >= 2, "\(gaps) of 12 had a gap to close")
    }

    @Test("a host type too small for any VM takes none, and the plan stays within limits")
    func smallHostType() throws {
        // Limits 80 and 8 (maxUtilization 0.8): every VM fits only on A, so all three go there.
        let hosts = [ClusterHost(id: "A", capacity: ["cpu": 100]), ClusterHost(id: "B", capacity: ["cpu": 10])]
        let vms = [50.0, 15, 12].enumerated().map { VirtualMachine(id: "v\($0.offset)", host: nil, demand: ["cpu": $0.element]) }
        let problem = Problem(Snapshot(resources: ["cpu"], cluster: Cluster(goal: .balance, maxUtilization: ["cpu": 0.8]),
                                       hosts: hosts, vms: vms, rules: []))
        #expect(BalancePatterns(problem, incumbentPlacesEverything: true) != nil)
        let result = try ExactSolver().solve(problem, options: SolveOptions(timeLimit: 10))
        #expect(result.status == .optimal)
        #expect(ExactSolver.withinLimits(problem, result.placement, result.secondaries))
        #expect(result.placement.allSatisfy { $0 == 0 })
        let optimum = try #require(bruteForceOptimum(problem))
        let objective = Score.evaluate(problem, placement: result.placement, secondaries: result.secondaries)
        #expect(abs(objective.imbalance - optimum.imbalance) <= MIPModel.coneTolerance)
        #expect((result.bound ?? .infinity) <= optimum.imbalance + 1e-9)
    }

    @Test("the bound stays below the optimum when the time runs out")
    func boundWhenStopped() throws {
        // 24 VMs on 4 hosts of two types: column generation does not finish in a millisecond.
        let hosts = (0..<4).map { h in
            ClusterHost(id: "h\(h)", capacity: h % 2 == 0 ? ["cpu": 400, "memory": 300] : ["cpu": 250, "memory": 500])
        }
        var random = ExactInstanceRandom(seed: 7)
        let vms = (0..<24).map { v in
            VirtualMachine(id: "v\(v)", host: nil, demand: ["cpu": Double(5 + random.below(40)), "memory": Double(5 + random.below(40))])
        }
        let problem = Problem(Snapshot(resources: ["cpu", "memory"], cluster: Cluster(goal: .balance), hosts: hosts, vms: vms, rules: []))
        let proven = try ExactSolver().solve(problem, options: SolveOptions(timeLimit: 30))
        #expect(proven.status == .optimal)
        let optimum = Score.evaluate(problem, placement: proven.placement, secondaries: proven.secondaries).imbalance
        let greedy = try GreedySolver().solve(problem, options: SolveOptions(timeLimit: 5))
        for milliseconds in [1, 5, 20, 100] {
            var patterns = try #require(BalancePatterns(problem, incumbentPlacesEverything: true))
            let outcome = patterns.solve(incumbent: greedy.placement, deadline: ContinuousClock.now.advanced(by: .milliseconds(milliseconds)))
            #expect(outcome.bound.squareRoot() <= optimum + 1e-9, "\(milliseconds) ms")
            #expect(outcome.value.squareRoot() >= optimum - 1e-9, "\(milliseconds) ms")
        }
    }
}
