import Foundation
import Testing
@_spi(Benchmarks) import DRSModel
import DRSPlanner
import DRSBench
import DRSTestSupport

/// `Plan.writeJSON(to:)` and `Snapshot.writeJSON(to:)` write without a tree; they must write
/// byte for byte what `JSONWriter.write` writes for `json`, in any chunk size.
@Suite struct StreamedWritingTests {
    static func streamed(chunk: Int = 1 << 16, _ write: (JSONOutput) -> Void) -> String {
        var bytes: [UInt8] = []
        let output = JSONOutput(chunkSize: chunk) { bytes.append(contentsOf: $0) }
        write(output)
        try? output.finish()
        return String(decoding: bytes, as: UTF8.self)
    }

    static func expectSame(_ plan: Plan, _ label: String) {
        let tree = JSONWriter.write(plan.json)
        #expect(streamed(plan.writeJSON) == tree, "\(label)")
        #expect(streamed(chunk: 64, plan.writeJSON) == tree, "\(label), 64-byte chunks")
    }

    static func expectSame(_ snapshot: Snapshot, _ label: String) {
        let tree = JSONWriter.write(snapshot.json)
        #expect(streamed(snapshot.writeJSON) == tree, "\(label)")
        #expect(streamed(chunk: 64, snapshot.writeJSON) == tree, "\(label), 64-byte chunks")
    }

    @Test("plans and snapshots of every generator class are written as their trees")
    func generated() throws {
        for snapshotClass in SnapshotClass.allCases {
            let options = GeneratorOptions(snapshotClass: snapshotClass, hosts: 10, vms: 50, seed: 2)
            let snapshot = Generator.generate(options).snapshot
            Self.expectSame(snapshot, "\(snapshotClass)")
            for solver in [SolverKind.greedy, .ffdL2] {
                let plan = try Planner.checkedPlan(snapshot, solver: solver.solver(for: snapshot))
                Self.expectSame(plan, "\(snapshotClass) \(solver)")
            }
        }
    }

    @Test("plans of the example snapshots are written as their trees")
    func examples() throws {
        #expect(!Fixtures.exampleNames.isEmpty)
        for name in Fixtures.exampleNames {
            let snapshot = try Fixtures.example(name)
            Self.expectSame(snapshot, name)
            if let plan = try? Planner.checkedPlan(snapshot, solver: SolverKind.greedy.solver(for: snapshot)) {
                Self.expectSame(plan, name)
            }
        }
    }

    /// Strings that need every kind of escape, and numbers of every shape.
    static let awkward = ["a\"b", "back\\slash", "tab\there", "nl\ncr\r", "\u{01}\u{1F}\u{7F}", "é中😀", "", "x/y"]
    static let numbers: [Double] = [0, -0.0, 1, -1, 0.1 + 0.2, 1.5, 1e15, 1e20, 123456.789, 1e-7, .infinity, -.nan, 2.5e-324]

    @Test("every optional field, escape and number shape is written as the tree writes it")
    func everyField() {
        var random = SplitMix64(seed: 9)
        func pick<T>(_ list: [T]) -> T { list[Int(random.next() % UInt64(list.count))] }
        for round in 0..<200 {
            var placement: [String: String] = [:]
            for k in 0..<Int(random.next() % 40) { placement["\(pick(Self.awkward))v\(k)"] = pick(Self.awkward) }
            let steps = (0..<Int(random.next() % 6)).map { k in
                var step = Step(wave: k + 1, kind: pick(Step.Kind.allCases), vm: random.next() % 2 == 0 ? pick(Self.awkward) : nil,
                                host: random.next() % 2 == 0 ? "h\(k)" : nil, from: random.next() % 2 == 0 ? "f" : nil,
                                to: random.next() % 2 == 0 ? pick(Self.awkward) : nil, secondary: random.next() % 3 == 0 ? true : nil,
                                seconds: pick(Self.numbers), downtime: random.next() % 2 == 0 ? pick(Self.numbers) : nil,
                                priority: 1 + Int(random.next() % 5), applied: random.next() % 2 == 0, reason: pick(Self.awkward),
                                candidates: random.next() % 2 == 0 ? (0..<Int(random.next() % 3)).map { "c\($0)" } : nil)
                if random.next() % 3 == 0 { step.waitsFor = [pick(Self.awkward)] }
                return step
            }
            var plan = Plan(status: pick([.optimal, .feasible, .infeasible, .unknown]), solver: pick(Self.awkward), automation: .partial,
                            objective: Objective(), bound: random.next() % 2 == 0 ? pick(Self.numbers) : nil,
                            gap: random.next() % 2 == 0 ? pick(Self.numbers) : nil, seconds: pick(Self.numbers), placement: placement,
                            secondaries: random.next() % 2 == 0 ? ["a": "b"] : [:], unplaced: (0..<Int(random.next() % 4)).map { "u\($0)" },
                            reasons: placement.count > 20 ? placement : [:], haMaster: random.next() % 2 == 0 ? "m" : nil, steps: steps)
            if random.next() % 2 == 0 { plan.termination = pick(Termination.allCases) }
            if random.next() % 2 == 0 { plan.dropped = [DroppedMove(vm: "v", from: random.next() % 2 == 0 ? "a" : nil, to: "b", secondary: true, reason: "r")] }
            plan.waveSeconds = (0..<Int(random.next() % 4)).map { _ in pick(Self.numbers) }
            plan.estimatedSeconds = pick(Self.numbers)
            if random.next() % 2 == 0 { plan.notes = [pick(Self.awkward)] }
            Self.expectSame(plan, "round \(round)")
        }
    }

    @Test("snapshots with 1 to 16 resources, partial maps, stray keys and every optional field are written as their trees")
    func snapshotFields() {
        var random = SplitMix64(seed: 4)
        for round in 0..<100 {
            let resources = (0..<1 + Int(random.next() % 16)).map { "r\($0)" }
            func quantities() -> [String: Double] {
                var map: [String: Double] = [:]
                for name in resources where random.next() % 4 != 0 { map[name] = Self.numbers[Int(random.next() % 10)] }
                if random.next() % 5 == 0 { map["stray"] = 1 }
                return map
            }
            var cluster = Cluster(name: random.next() % 2 == 0 ? "c\"1" : nil, maxUtilization: random.next() % 2 == 0 ? quantities() : [:])
            if random.next() % 2 == 0 { cluster.ha = HASettings(enabled: false, hostFailuresToTolerate: 2, master: random.next() % 2 == 0 ? "h0" : nil) }
            let hosts = (0..<Int(random.next() % 4)).map { k in
                ClusterHost(id: "h\(k)", capacity: quantities(), state: random.next() % 2 == 0 ? .connected : .standby,
                            datastores: random.next() % 2 == 0 ? ["d1", "d\t2"] : [])
            }
            let vms = (0..<Int(random.next() % 5)).map { k in
                VirtualMachine(id: "v\(k)", host: random.next() % 2 == 0 ? "h0" : nil, demand: quantities(),
                               powerState: random.next() % 2 == 0 ? .on : .off, priority: Priority.allCases[Int(random.next() % 5)],
                               ft: random.next() % 2 == 0 ? FaultTolerance(secondaryHost: random.next() % 2 == 0 ? "h1" : nil) : nil,
                               migration: random.next() % 2 == 0 ? VMMigration(memory: random.next() % 2 == 0 ? 1.5 : nil, dirtyRate: 3) : nil,
                               automation: random.next() % 2 == 0 ? .disabled : nil)
            }
            let rules = (0..<Int(random.next() % 3)).map { k in
                Rule(id: "r\(k)", kind: RuleKind.allCases[k % 3], vms: ["v0", "v1"], hosts: k % 3 == 2 ? ["h0"] : nil,
                     policy: k % 3 == 2 ? .should : nil, required: k % 3 == 2 ? nil : random.next() % 2 == 0)
            }
            Self.expectSame(Snapshot(resources: resources, cluster: cluster, hosts: hosts, vms: vms, rules: rules), "round \(round)")
        }
    }

    @Test("maps are sorted by key as String comparison sorts them, ASCII or not")
    func sortedByKey() {
        var random = SplitMix64(seed: 12)
        let pieces = ["", "a", "b", "vm0", "vm00", "\u{0}", "\u{1}", "~", "Z", "é", "e\u{301}", "zzzzzzzzzzzzzzzzzz", "0123456789abcdef"]
        for round in 0..<300 {
            var map: [String: String] = [:]
            let ascii = round % 2 == 0
            for _ in 0..<Int(random.next() % 60) {
                var key = ""
                for _ in 0..<1 + Int(random.next() % 4) {
                    let piece = pieces[Int(random.next() % UInt64(pieces.count))]
                    if !ascii || piece.utf8.allSatisfy({ $0 < 0x80 }) { key += piece }
                }
                map[key] = key
            }
            let expected = map.sorted { $0.key < $1.key }.map(\.key)
            #expect(JSONWriter.sortedByKey(map).map(\.key) == expected, "round \(round)")
        }
        // Many ids of one shape (the byte passes of the sort) with long shared prefixes.
        var ids: [String: String] = [:]
        for _ in 0..<5000 {
            let number = random.next() % 100_000_000
            let id = random.next() % 3 == 0 ? "cluster-a-rack-07-vm-\(number)" : "vm\(number)"
            ids[id] = id
        }
        #expect(JSONWriter.sortedByKey(ids).map(\.key) == ids.keys.sorted())
    }
}
