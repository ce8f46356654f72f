import Testing
@_spi(Benchmarks) import DRSModel
@testable @_spi(Benchmarks) import DRSHeuristics
import DRSExact
@_spi(Benchmarks) import DRSPlanner
import DRSBench
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

@Suite("Local search")
struct LocalSearchTests {
    /// Balance snapshots: the heuristic fixtures (rules, FT, pinned VMs, odd hosts) and
    /// generated running clusters large enough for many steepest-descent steps.
    static func balanceSnapshots() -> [Snapshot] {
        var snapshots = (UInt64(1)...12).map { HeuristicFixtures.snapshot(seed: $0, goal: .balance) }
        for seed in UInt64(1)...3 {
            snapshots.append(Generator.generate(GeneratorOptions(snapshotClass: .rebalance, hosts: 40, vms: 400, resources: 3,
                                                                 seed: seed, rulesFraction: 0.2)).snapshot)
        }
        return snapshots
    }

    /// Six equal hosts and thirty equal VMs, all on the first two hosts: every move from a
    /// loaded host to an empty one has the same gain, so the choice rests on the tie rule.
    static func equalMoves() -> Snapshot {
        let hosts = (0..<6).map { ClusterHost(id: "h\($0)", capacity: ["cpu": 1000, "memory": 1000]) }
        let vms = (0..<30).map {
            VirtualMachine(id: "v\($0)", host: "h\($0 % 2)", demand: ["cpu": 50, "memory": 50],
                           migration: VMMigration(memory: 1024, dirtyRate: 10))
        }
        return Snapshot(cluster: Cluster(goal: .balance, migrationThreshold: 5), hosts: hosts, vms: vms)
    }

    @Test("parallel move evaluation gives the plan of one thread, for any number of slices")
    func parallelEqualsSequential() throws {
        var moved = 0
        for (index, snapshot) in (Self.balanceSnapshots() + [Self.equalMoves()]).enumerated() {
            let problem = Problem(snapshot)
            let seed = UInt64(index + 1)
            let sequential = try LocalSearchSolver().solve(problem, options: SolveOptions(timeLimit: 30, seed: seed, threads: 1))
            for threads in [2, 3, 5] {
                // Threshold 0: every step is split, however small.
                let parallel = try LocalSearchSolver(parallelThreshold: 0)
                    .solve(problem, options: SolveOptions(timeLimit: 30, seed: seed, threads: threads))
                #expect(parallel.placement == sequential.placement, "snapshot \(index), \(threads) threads")
                #expect(parallel.secondaries == sequential.secondaries, "snapshot \(index), \(threads) threads")
                #expect(parallel.movePriority == sequential.movePriority, "snapshot \(index), \(threads) threads")
                #expect(parallel.nodes == sequential.nodes, "snapshot \(index), \(threads) threads")
            }
            if sequential.nodes > 0 { moved += 1 }
        }
        // The comparison means something only when local search moves VMs.
        #expect(moved >= 5)
    }

    @Test("equal gains: the first VM of the most loaded host goes to the first empty host")
    func tieRule() throws {
        let problem = Problem(Self.equalMoves())
        guard let ledger = BalanceLedger(state: PlacementState.initial(problem)) else {
            Issue.record("no ledger")
            return
        }
        let state = PlacementState.initial(problem)
        let candidates = (0..<30).filter { $0 % 2 == 0 }.map {
            MoveCandidate(vm: $0, source: 0, sourceDeviation: ledger.deviation(0, in: state, remove: $0) - ledger.deviation[0], stay: 0)
        }
        let whole = MoveChoice.best(candidates, positions: 0..<6, state: state, ledger: ledger,
                                    before: ledger.imbalance, threshold: 5)
        #expect(whole?.candidate == 0 && whole?.position == 2)
        // Slices that each see only later hosts still lose the tie to the earlier host.
        var best: MoveChoice?
        for positions in [4..<6, 2..<4, 0..<2] {
            if let choice = MoveChoice.best(candidates, positions: positions, state: state, ledger: ledger,
                                            before: ledger.imbalance, threshold: 5), choice.isPreferred(to: best) {
                best = choice
            }
        }
        #expect(best?.candidate == whole?.candidate && best?.position == whole?.position && best?.gain == whole?.gain)
    }

    @Test("read-only move checks agree with unplacing the VM and asking PlacementState")
    func readOnlyChecks() throws {
        var checked = 0, refused = 0, softChanges = 0
        for seed in UInt64(1)...30 {
            let problem = Problem(HeuristicFixtures.snapshot(seed: seed))
            var state = PlacementState.initial(problem)
            for v in 0..<problem.vmCount where state.placement[v] >= 0 {
                let source = Int(state.placement[v])
                let canMove = (0..<problem.hostCount).map { state.canMove(v, to: $0) }
                let soft = (0..<problem.hostCount).map { state.softDelta(v, on: $0, leaving: source) }
                state.unassign(v)
                for h in 0..<problem.hostCount {
                    if h != source {
                        #expect(canMove[h] == state.canPlace([v], on: h), "seed \(seed), vm \(v), host \(h)")
                        if !canMove[h] { refused += 1 }
                    }
                    let expected = state.softDelta(v, on: h)
                    #expect(soft[h] == expected, "seed \(seed), vm \(v), host \(h)")
                    if expected > 0 { softChanges += 1 }
                    checked += 1
                }
                state.assign(v, to: source)
            }
        }
        #expect(checked > 1000 && refused > 100 && softChanges > 10)
    }

    @Test("the ledger's cached terms and top hosts match fresh ones after moves")
    func ledgerStaysCurrent() throws {
        for seed in UInt64(1)...3 {
            let snapshot = Generator.generate(GeneratorOptions(snapshotClass: .rebalance, hosts: 30, vms: 300, seed: seed)).snapshot
            let problem = Problem(snapshot)
            var state = PlacementState.initial(problem)
            guard var ledger = BalanceLedger(state: state) else {
                Issue.record("no ledger")
                return
            }
            var random = SeededGenerator(seed: seed)
            var moves = 0
            for _ in 0..<200 {
                let v = random.below(problem.vmCount)
                let source = Int(state.placement[v])
                let target = ledger.counted[random.below(ledger.counted.count)]
                guard source >= 0, target != source else { continue }
                let old = ledger.deviation[source] + ledger.deviation[target]
                state.unassign(v)
                state.assign(v, to: target)
                ledger.moved(source, target, old: old, in: state)
                moves += 1
            }
            let fresh = try #require(BalanceLedger(state: state))
            #expect(moves > 100)
            #expect(ledger.deviation == fresh.deviation && ledger.signedLoad == fresh.signedLoad)
            #expect(abs(ledger.sum - fresh.sum) < 1e-9 * max(1, fresh.sum))
            let sorted = fresh.counted.sorted { fresh.signedLoad[$0] != fresh.signedLoad[$1] ? fresh.signedLoad[$0] > fresh.signedLoad[$1] : $0 < $1 }
            #expect(ledger.mostLoaded(3) == Array(sorted.prefix(3)))
            #expect(ledger.mostLoaded(1) == Array(sorted.prefix(1)))
        }
    }

    /// Twenty hosts and forty small running VMs breaking every kind of soft rule: a soft anti-affinity group of six on
    /// one host, four VMs outside their `should` hosts, three on their `shouldNot` host, and
    /// a soft affinity group split over two hosts. 5 + 4 + 3 + 1 = 13 violations.
    static func softViolations(goal: Goal) -> Snapshot {
        let hosts = (0..<20).map { ClusterHost(id: "h\($0)", capacity: ["cpu": 1000, "memory": 1000]) }
        var vms: [VirtualMachine] = []
        func add(_ id: String, _ host: Int) {
            vms.append(VirtualMachine(id: id, host: "h\(host)", demand: ["cpu": 60, "memory": 60],
                                      migration: VMMigration(memory: 1024, dirtyRate: 10)))
        }
        for i in 0..<6 { add("a\(i)", 0) }
        for i in 0..<4 { add("s\(i)", 1) }
        for i in 0..<3 { add("n\(i)", 2) }
        for i in 0..<5 { add("f\(i)", i < 3 ? 3 : 4) }
        for i in 0..<22 { add("x\(i)", i % 20) }
        let rules = [
            Rule(id: "spread", kind: .antiAffinity, vms: (0..<6).map { "a\($0)" }),
            Rule(id: "prefer", kind: .vmHost, vms: (0..<4).map { "s\($0)" }, hosts: ["h10", "h11"], policy: .should),
            Rule(id: "avoid", kind: .vmHost, vms: (0..<3).map { "n\($0)" }, hosts: ["h2"], policy: .shouldNot),
            Rule(id: "together", kind: .affinity, vms: (0..<5).map { "f\($0)" }),
        ]
        return Snapshot(cluster: Cluster(goal: goal, migrationThreshold: 3), hosts: hosts, vms: vms, rules: rules)
    }

    @Test("local search repairs soft violations before the goal term",
          arguments: [Goal.balance, Goal.consolidate])
    func softRulesRepaired(goal: Goal) throws {
        let snapshot = Self.softViolations(goal: goal)
        let problem = Problem(snapshot)
        let initial = PlacementState.initial(problem)
        #expect(Score.softViolations(problem, placement: initial.placement) == 13)
        let solver = try SolverCatalog.solver(named: "local-search", for: snapshot)
        let plan = try Planner.checkedPlan(snapshot, solver: solver)
        #expect(plan.objective.softViolations == 0)
        #expect(plan.unplaced.isEmpty)
    }
}
