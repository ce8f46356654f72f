import Testing
import PropertyBased
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSBench
import DRSTestSupport

/// Property-based tests of the wave planner and the checker: random clusters from feasible
/// states, random reachable targets; every plan passes the checker at every wave, reaches its
/// stated placement, never exceeds the concurrency limit, and accounts for every target move.
@Suite struct PlannerPropertyTests {
    /// A random feasible cluster from a seed: hosts (one may be failed), VMs with rules,
    /// FT, priorities, new VMs; every running VM fits where it is.
    static func cluster(seed: UInt64) -> Snapshot {
        var rng = SeededGenerator(seed: seed)
        var s = Snapshot()
        s.cluster.migration.maxConcurrentPerHost = Int.random(in: 1...3, using: &rng)
        s.cluster.migrationThreshold = Int.random(in: 1...5, using: &rng)
        let hostCount = Int.random(in: 3...6, using: &rng)
        s.hosts = (0..<hostCount).map { Fixtures.host("h\($0)", cpu: Double(Int.random(in: 80...160, using: &rng)), memory: 100) }
        if Bool.random(using: &rng) { s.hosts[0].state = .failed }
        var load = [Double](repeating: 0, count: hostCount)
        var memory = [Double](repeating: 0, count: hostCount)
        let vmCount = Int.random(in: 2...12, using: &rng)
        for v in 0..<vmCount {
            let cpu = Double(Int.random(in: 5...40, using: &rng)), mem = Double(Int.random(in: 5...30, using: &rng))
            var vm = Fixtures.vm("v\(v)", on: nil, cpu: cpu, memory: mem, priority: Priority.allCases.randomElement(using: &rng)!)
            vm.migration = VMMigration(memory: Double(Int.random(in: 100...8000, using: &rng)), dirtyRate: Double(Int.random(in: 0...200, using: &rng)))
            if Int.random(in: 0..<5, using: &rng) > 0 {
                let fitting = (0..<hostCount).filter { load[$0] + cpu <= s.hosts[$0].capacity["cpu"]! && memory[$0] + mem <= 100 }
                if let h = fitting.randomElement(using: &rng) {
                    vm.host = "h\(h)"
                    load[h] += cpu
                    memory[h] += mem
                }
            }
            s.vms.append(vm)
        }
        // One hard anti-affinity rule among VMs already apart.
        let running = s.vms.filter { $0.host != nil }
        if running.count >= 2 {
            let a = running[0], b = running.first { $0.host != a.host }
            if let b { s.rules.append(Rule(id: "apart", kind: .antiAffinity, vms: [a.id, b.id], required: true)) }
        }
        return s
    }

    /// A random target: each active VM to a random host, or where it is.
    static func target(_ s: Snapshot, seed: UInt64) -> [String: String] {
        var rng = SeededGenerator(seed: seed ^ 0xABCDEF)
        var result: [String: String] = [:]
        let alive = s.hosts.filter { $0.state == .connected }.map(\.id)
        for vm in s.vms where Bool.random(using: &rng) || vm.host == nil {
            result[vm.id] = alive.randomElement(using: &rng)!
        }
        return result
    }

    @Test func randomTargetsGiveCheckedPlans() async {
        await propertyCheck(count: 150, input: Gen.int(in: 0...1_000_000)) { seed in
            let snapshot = Self.cluster(seed: UInt64(seed))
            guard (try? Snapshot.read(json: JSONWriter.write(snapshot.json))) != nil else { return }
            let target = Self.target(snapshot, seed: UInt64(seed))
            let plan: Plan
            do {
                plan = try Planner.plan(snapshot, solver: FixedSolver(target: target, priority: 1))
            } catch {
                Issue.record("planning threw: \(error)")
                return
            }
            let violations = PlanChecker.check(snapshot, plan)
            #expect(violations.isEmpty, "seed \(seed): \(violations)")
            // Every target move is carried out, or dropped with a reason, or unfit from the start.
            let moved = Set(plan.steps.compactMap { $0.secondary == true ? nil : $0.vm })
            let dropped = Set(plan.dropped.map(\.vm))
            for (vm, host) in target where plan.placement[vm] != host {
                let original = snapshot.vms.first { $0.id == vm }!.host
                if original == host { continue }
                #expect(dropped.contains(vm) || !moved.contains(vm) || plan.reasons[vm] != nil,
                        "seed \(seed): \(vm) aimed at \(host) ends on \(plan.placement[vm] ?? "nothing") with no word why")
            }
            // Concurrency, counted independently.
            var perWave: [Int: [String: Int]] = [:]
            for step in plan.steps where step.kind == .migrate {
                perWave[step.wave, default: [:]][step.from!, default: 0] += 1
                perWave[step.wave, default: [:]][step.to!, default: 0] += 1
            }
            for (_, hosts) in perWave { for (_, count) in hosts { #expect(count <= snapshot.cluster.migration.maxConcurrentPerHost) } }
        }
    }

    @Test func greedyPlansOnRandomClustersCheck() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...1_000_000)) { seed in
            let snapshot = Self.cluster(seed: UInt64(seed))
            guard (try? Snapshot.read(json: JSONWriter.write(snapshot.json))) != nil else { return }
            do {
                let plan = try Planner.checkedPlan(snapshot, solver: GreedySolver())
                #expect(plan.steps.allSatisfy { $0.priority <= max(1, snapshot.cluster.migrationThreshold) })
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }
}
