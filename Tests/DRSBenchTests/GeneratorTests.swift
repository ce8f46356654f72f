import Foundation
import Testing
@_spi(Benchmarks) import DRSModel
import DRSExact
@_spi(Benchmarks) import DRSPlanner
import DRSBench
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// The benchmark generators and `drs bench` records.
struct GeneratorTests {
    static let sizes: [(hosts: Int, vms: Int, resources: Int)] = [(3, 5, 1), (4, 16, 2), (7, 40, 3), (12, 90, 4)]

    @Test("each class gives the same bytes for a seed, and other bytes for another seed", arguments: SnapshotClass.allCases)
    func deterministic(snapshotClass: SnapshotClass) {
        let options = GeneratorOptions(snapshotClass: snapshotClass, hosts: 6, vms: 30, resources: 3, seed: 42)
        var other = options
        other.seed = 43
        let first = Generator.generate(options).jsonText
        #expect(first == Generator.generate(options).jsonText)
        #expect(first != Generator.generate(other).jsonText)
    }

    @Test("generated snapshots pass validation for every class, size, goal and seed", arguments: SnapshotClass.allCases)
    func validates(snapshotClass: SnapshotClass) throws {
        for (hosts, vms, resources) in Self.sizes {
            for goal in Goal.allCases {
                for seed in UInt64(1)...5 {
                    let options = GeneratorOptions(snapshotClass: snapshotClass, hosts: hosts, vms: vms, resources: resources,
                                                   seed: seed, goal: goal, rulesFraction: 0.5)
                    let text = Generator.generate(options).jsonText
                    do {
                        let snapshot = try Snapshot.read(json: text)
                        #expect(snapshot.vms.count == vms)
                        #expect(snapshot.hosts.count == hosts)
                        #expect(snapshot.resources.count == resources)
                        #expect(snapshot.cluster.goal == goal)
                    } catch {
                        Issue.record("\(options.fileName): \(error)")
                    }
                }
            }
        }
    }

    @Test("running-cluster classes carry their host state, HA, rules, FT and migration data")
    func runningClusterFeatures() {
        for snapshotClass in [SnapshotClass.rebalance, .failure, .maintenance] {
            let snapshot = Generator.generate(GeneratorOptions(snapshotClass: snapshotClass, hosts: 10, vms: 200, seed: 7)).snapshot
            let states = snapshot.hosts.map(\.state)
            switch snapshotClass {
            case .failure: #expect(states.filter { $0 == .failed }.count == 1)
            case .maintenance: #expect(states.filter { $0 == .maintenance }.count == 1)
            default: #expect(states.allSatisfy { $0 == .connected })
            }
            #expect(snapshot.cluster.ha?.hostFailuresToTolerate == 1)
            #expect(!snapshot.rules.isEmpty)
            #expect(snapshot.vms.contains { $0.ft != nil })
            #expect(snapshot.vms.allSatisfy { $0.migration != nil })
            #expect(Set(snapshot.vms.map(\.priority)).count > 1)
            // No rule shares a VM with another, so hard rules cannot contradict.
            let members = snapshot.rules.flatMap(\.vms)
            #expect(members.count == Set(members).count)
            #expect(snapshot.rules.filter { $0.kind == .antiAffinity }.allSatisfy { $0.vms.count < snapshot.hosts.count })
        }
    }

    @Test("known optimum equals the continuous bound, and no solver beats it")
    func knownOptimum() throws {
        for (hosts, vms, resources) in Self.sizes {
            for seed in UInt64(1)...3 {
                let generated = Generator.generate(GeneratorOptions(snapshotClass: .knownOptimum, hosts: hosts, vms: vms,
                                                                    resources: resources, seed: seed))
                let optimum = try #require(generated.knownOptimum)
                #expect(generated.continuousBound == optimum)
                #expect(Generator.continuousBound(generated.snapshot) == optimum)
                for name in ["greedy", "exact"] {
                    let solver = try SolverCatalog.solver(named: name, for: generated.snapshot)
                    guard let plan = try? Planner.checkedPlan(generated.snapshot, solver: solver, options: SolveOptions(timeLimit: 1))
                    else { continue }  // The exact solver may not be available in this build.
                    if plan.objective.unplaced == 0 {
                        #expect(Double(plan.objective.activeHosts) >= optimum, "\(name) beat the known optimum")
                    }
                    if plan.status == .optimal { #expect(Double(plan.objective.activeHosts) == optimum) }
                    if let bound = plan.bound { #expect(bound <= optimum + 1e-6) }
                }
            }
        }
    }

    @Test("the bench record's objective is the objective of the plan the solver prints")
    func benchRecordMatchesPlan() throws {
        let environment = BenchEnvironment(revision: "test", machine: "test", glpk: glpkVersion)
        for snapshotClass in SnapshotClass.allCases {
            let generated = Generator.generate(GeneratorOptions(snapshotClass: snapshotClass, hosts: 5, vms: 20, seed: 3))
            let snapshot = try Snapshot.read(json: generated.jsonText)
            let record = Bench.run(snapshot: snapshot, file: generated.options.fileName, entry: ManifestEntry(generated),
                                   solver: "greedy", timeLimit: 5, environment: environment)
            let plan = try Planner.checkedPlan(snapshot, solver: try SolverCatalog.solver(named: "greedy", for: snapshot),
                                               options: SolveOptions(timeLimit: 5))
            #expect(record.status == plan.status.rawValue)
            #expect(record.objective == plan.objective)
            #expect(record.snapshotClass == snapshotClass.rawValue)
            #expect(record.peakMemoryKiB > 0)
            // The JSON line carries the same terms.
            let line = try JSONParser.parse(Array(record.line.utf8))
            #expect(line["activeHosts"] == .number(Double(plan.objective.activeHosts)))
            #expect(line["unplaced"] == .number(Double(plan.objective.unplaced)))
        }
    }

    @Test("a solver that throws is recorded as an error, not a crash")
    func unknownSolverIsAnError() {
        let generated = Generator.generate(GeneratorOptions(snapshotClass: .uniform, hosts: 3, vms: 6))
        let record = Bench.run(snapshot: generated.snapshot, file: "x.json", entry: nil, solver: "no-such-solver", timeLimit: 1,
                               environment: BenchEnvironment(revision: "r", machine: "m", glpk: "g"))
        #expect(record.status == "error")
        #expect(record.objective == nil)
        #expect(record.snapshotClass == "unknown")
    }

    @Test("the committed small suite is exactly what the generator writes")
    func committedSuiteIsReproducible() throws {
        let folder = Fixtures.root.appendingPathComponent("Datasets/suite-small")
        let manifest = Manifest.read(Array(try Data(contentsOf: folder.appendingPathComponent("manifest.json"))))
        let suite = try #require(Suite.options(named: "small"))
        #expect(manifest.count == suite.count)
        for options in suite {
            let committed = try Data(contentsOf: folder.appendingPathComponent(options.fileName))
            #expect(String(decoding: committed, as: UTF8.self) == Generator.generate(options).jsonText, "\(options.fileName)")
            #expect(manifest[options.fileName]?.snapshotClass == options.snapshotClass.rawValue)
        }
    }

    @Test("SplitMix64 stays in range and is reproducible")
    func randomNumbers() {
        var a = SplitMix64(seed: 9), b = SplitMix64(seed: 9)
        for _ in 0..<1000 {
            let value = a.int(in: -3...7)
            #expect((-3...7).contains(value))
            #expect(value == b.int(in: -3...7))
            let unit = a.unit()
            #expect(unit >= 0 && unit < 1)
            _ = b.unit()
        }
    }
}
