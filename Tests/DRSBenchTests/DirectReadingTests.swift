import Foundation
import Testing
@_spi(Benchmarks) import DRSModel
import DRSBench
import DRSTestSupport

/// `Snapshot.read` takes a direct path for valid input and reads through the JSON tree when
/// there is anything to report. These tests hold the two to one behaviour: for any bytes,
/// `read` gives what `readThroughTree` alone gives (the same snapshot, or the same issues in
/// the same order), and the direct path is really taken for valid snapshots.
@Suite struct DirectReadingTests {
    /// What reading gave: the snapshot, or the issues as text.
    enum Outcome: Equatable {
        case snapshot(Snapshot)
        case issues(String)
    }

    static func outcome(_ read: () throws(SnapshotError) -> Snapshot) -> Outcome {
        do throws(SnapshotError) { return .snapshot(try read()) } catch { return .issues(error.description) }
    }

    /// Checks `bytes` both ways; returns whether the direct reader took them.
    @discardableResult
    static func expectSameReading(_ bytes: [UInt8], _ label: String) -> Bool {
        let both = outcome { () throws(SnapshotError) in try Snapshot.read(json: bytes) }
        let tree = outcome { () throws(SnapshotError) in try Snapshot.readThroughTree(json: bytes) }
        #expect(both == tree, "\(label)")
        guard let direct = Snapshot.readDirectly(json: bytes) else { return false }
        // The direct reader only accepts what the tree reader reads without a structural issue,
        // and gives the same snapshot.
        switch tree {
        case let .snapshot(snapshot): #expect(direct == snapshot, "\(label)")
        case let .issues(text): #expect(!text.isEmpty && !text.contains("invalid JSON"), "\(label): direct reader accepted \(text)")
        }
        return true
    }

    @Test("every snapshot of the generator classes and the datasets is read directly, as the tree reads it")
    func generatedAndDatasets() throws {
        for snapshotClass in SnapshotClass.allCases {
            for seed in UInt64(1)...3 {
                let options = GeneratorOptions(snapshotClass: snapshotClass, hosts: 12, vms: 60, seed: seed)
                let bytes = Generator.generate(options).bytes
                #expect(Self.expectSameReading(bytes, "\(snapshotClass) \(seed)"), "\(snapshotClass) \(seed) not read directly")
            }
        }
        let root = Fixtures.root.appendingPathComponent("Datasets")
        let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") } ?? []
        #expect(files.count > 10)
        for file in files where !file.hasSuffix("manifest.json") {
            let bytes = Array(try Data(contentsOf: root.appendingPathComponent(file)))
            Self.expectSameReading(bytes, file)
        }
    }

    @Test("hostile inputs (every field, huge magnitudes, malformed bytes) read the same both ways", arguments: Array(UInt64(0)..<8))
    func hostile(block: UInt64) {
        var direct = 0
        for seed in block * 50..<(block + 1) * 50 {
            let options = GeneratorOptions(snapshotClass: .hostile, hosts: 6, vms: 30, resources: 3, seed: seed)
            if Self.expectSameReading(Generator.generate(options).bytes, "hostile seed \(seed)") { direct += 1 }
        }
        // Most well-formed hostile snapshots have no structural issue: the direct path must
        // take a good share of them, or it is not what is being tested.
        #expect(direct >= 10, "only \(direct) of 50 read directly")
    }

    /// Small edits that each break, or almost break, one rule of the reader.
    static let edits: [(String, String)] = [
        (#""id": "v1""#, #""id": """#), (#""id": "v1""#, #""id": 1"#), (#""id": "v1""#, #""i\u0064": "v1""#),
        (#""id": "v1""#, #""id": "v\u0031""#), (#""cpu": 10"#, #""cpu": -10"#), (#""cpu": 10"#, #""cpu": 1e400"#),
        (#""cpu": 10"#, #""cpu": 1e12"#), (#""cpu": 10"#, #""cpu": 1.0000000000000000000001e12"#),
        (#""cpu": 10"#, #""cpu": 10, "cpu": 11"#), (#""cpu": 10"#, #""gpu": 10"#), (#""cpu": 10"#, #""cpu": "10""#),
        (#""cpu": 10"#, #""cpu": 010"#), (#""cpu": 10"#, #""cpu": 1E1"#), (#""cpu": 10"#, #""cpu": -0"#),
        (#""cpu": 10"#, #""cpu": 0.1e-400"#), (#""host": "h1""#, #""host": null"#), (#""host": "h1""#, #""host": "h3""#),
        (#""host": "h1""#, #""host": """#), (#""host": "h1""#, #""host": "h1", "ft": {}"#),
        (#""host": "h1""#, #""host": "h1", "ft": {"secondaryHost": "h2", "secondaryHost": "h2"}"#),
        (#""host": "h1""#, #""host": "h1", "ft": {"secondaryHost": "h2"}"#), (#""host": "h1""#, #""host": "h1", "ft": {"secondary": "h2"}"#),
        (#""host": "h1""#, #""host": "h1", "migration": {"memory": 5, "dirtyRate": 1}"#),
        (#""host": "h1""#, #""host": "h1", "priority": "hig\u0068", "powerState": "off", "automation": "manual""#),
        (#""host": "h1""#, #""host": "h1", "priority": "urgent""#), (#""host": "h1""#, #""host": "h1", "extra": 1"#),
        (#""schemaVersion": 1"#, #""schemaVersion": 1.0"#), (#""schemaVersion": 1"#, #""schemaVersion": 2"#),
        (#""schemaVersion": 1, "#, ""), (#""resources": ["cpu", "memory"], "#, ""),
        (#""resources": ["cpu", "memory"]"#, #""resources": ["cpu", "cpu"]"#), (#""resources": ["cpu", "memory"]"#, #""resources": []"#),
        (#""resources": ["cpu", "memory"]"#, #""resources": ["memory", "cpu"]"#), (#""cluster": {}"#, #""cluster": {"ha": {"master": null}}"#),
        (#""cluster": {}"#, #""cluster": {"ha": {"enabled": false, "hostFailuresToTolerate": 1, "master": "h2"}}"#),
        (#""cluster": {}"#, #""cluster": {"migrationThreshold": 6}"#), (#""cluster": {}"#, #""cluster": {"maxUtilization": {"cpu": 0}}"#),
        (#""cluster": {}"#, #""cluster": {"maxUtilization": {"cpu": 1, "memory": 0.5}, "migration": {"bandwidth": 0.001, "maxConcurrentPerHost": 1024}}"#),
        (#""cluster": {}"#, #""cluster": {"name": "", "goal": "consolidate", "automation": "partial"}"#), (#""cluster": {}"#, #""cluster": null"#),
        (#""rules": []"#, #""rules": [{"id": "r", "kind": "affinity", "vms": ["v1"], "required": true}]"#),
        (#""rules": []"#, #""rules": [{"id": "r", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1"], "policy": "must"}]"#),
        (#""rules": []"#, #""rules": [{"id": "r", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1"]}]"#),
        (#""rules": []"#, #""rules": [{"id": "r", "kind": "affinity", "vms": ["v1"], "policy": "must"}]"#),
        (#""rules": []"#, #""rules": [{"id": "r", "kind": "antiAffinity", "vms": []}]"#), (#""rules": []"#, #""rules": {}"#),
        (#""vms": ["#, #""vms": [{"id": "v0", "demand": {}}, "#), (#"{"schemaVersion"#, #"{"hosts": [], "schemaVersion"#),
        (#"{"schemaVersion"#, #"{"vms": [], "resources": ["cpu"], "schemaVersion"#),
        (#""capacity": {"cpu": 100, "memory": 100}}, "#, #""capacity": {"cpu": 100, "memory": 100}, "state": "standby", "datastores": ["d"]}, "#),
        (#""capacity": {"cpu": 100, "memory": 100}}, "#, #""capacity": {"cpu": 100, "memory": 100}, "datastores": [""]}, "#),
        (#""capacity": {"cpu": 100, "memory": 100}}, "#, #""capacity": {"cpu": 100, "memory": 100}, "power": [86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117]}, "#),
        (#""capacity": {"cpu": 100, "memory": 100}}, "#, #""capacity": {"cpu": 100, "memory": 100}, "power": [86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114]}, "#),
        (#""capacity": {"cpu": 100, "memory": 100}}, "#, #""capacity": {"cpu": 100, "memory": 100}, "power": [86, 89.4, 92.6, 96, 99.5, -102, 106, 108, 112, 114, 117]}, "#),
        (#""capacity": {"cpu": 100, "memory": 100}}, "#, #""power": [], "capacity": {"cpu": 100, "memory": 100}}, "#),
    ]

    @Test("single edits of a small snapshot read the same both ways")
    func edits() {
        let base = Fixtures.json()
        #expect(Self.expectSameReading(Array(base.utf8), "base"))
        var direct = 0
        for (from, to) in Self.edits {
            #expect(base.contains(from), "\(from)")
            if Self.expectSameReading(Array(base.replacingOccurrences(of: from, with: to).utf8), to) { direct += 1 }
        }
        // The valid edits (escapes in values, every optional field, power, null host...) are
        // read directly.
        #expect(direct >= 15, "\(direct) edits read directly")
    }

    @Test("random byte edits of a snapshot read the same both ways")
    func byteEdits() {
        let options = GeneratorOptions(snapshotClass: .rebalance, hosts: 4, vms: 12, resources: 3, seed: 7)
        let base = Generator.generate(options).bytes
        let alphabet = Array(#"{}[],:"\ 0123456789.eE+-ntrufalsx"#.utf8) + [0x00, 0x0A, 0x1F, 0x7F, 0xC3, 0xA9, 0xFF]
        var random = SplitMix64(seed: 15)
        for round in 0..<3000 {
            var bytes = base
            for _ in 0...Int(random.next() % 2) {
                let position = Int(random.next() % UInt64(bytes.count))
                let byte = alphabet[Int(random.next() % UInt64(alphabet.count))]
                switch random.next() % 3 {
                case 0: bytes[position] = byte
                case 1: bytes.insert(byte, at: position)
                default: bytes.remove(at: position)
                }
            }
            Self.expectSameReading(bytes, "round \(round)")
        }
    }

    @Test("maps repeated, partial and near-equal (equal ones share storage) read as written", arguments: [1, 3, 4, 5])
    func repeatedMaps(resourceCount: Int) throws {
        // Few distinct values and random subsets of resources named, 0 next to the smallest
        // subnormal 1 next to its neighbour, the largest value accepted: many equal maps, and unequal ones that agree
        // in all but one bit or one named resource.
        let names = (0..<resourceCount).map { "r\($0)" }
        let values: [(String, Double)] = [("0", 0), ("1", 1), ("2", 2), ("0.5", 0.5), ("1.0000000000000002", 1.0000000000000002),
                                          ("5e-324", 5e-324), ("1e12", 1e12), ("64", 64), ("65", 65)]
        var random = SplitMix64(seed: UInt64(resourceCount))
        var expected: [[String: Double]] = []
        func map(all: Bool) -> String {
            var members: [String] = []
            var written: [String: Double] = [:]
            for name in names where all || random.next() % 3 != 0 {
                let (text, value) = values[Int(random.next() % UInt64(values.count))]
                members.append("\"\(name)\": \(text)")
                written[name] = value
            }
            expected.append(written)
            return "{" + members.joined(separator: ", ") + "}"
        }
        let hosts = (0..<40).map { #"{"id": "h\#($0)", "capacity": {\#(names.map { "\"\($0)\": 1e6" }.joined(separator: ", "))}}"# }
        expected = []
        let vms = (0..<3000).map { #"{"id": "v\#($0)", "demand": \#(map(all: $0 % 2 == 0)), "host": null}"# }
        let text = #"{"schemaVersion": 1, "resources": [\#(names.map { "\"\($0)\"" }.joined(separator: ", "))], "#
            + #""hosts": [\#(hosts.joined(separator: ", "))], "vms": [\#(vms.joined(separator: ", "))]}"#
        let bytes = Array(text.utf8)
        #expect(Self.expectSameReading(bytes, "\(resourceCount) resources"), "not read directly")
        let direct = try #require(Snapshot.readDirectly(json: bytes))
        #expect(direct.vms.map(\.demand) == expected)
        // Bit for bit: 0 and -0 or a subnormal must not pass for another value.
        for (vm, written) in zip(direct.vms, expected) {
            #expect(vm.demand.mapValues(\.bitPattern) == written.mapValues(\.bitPattern), "\(vm.id)")
        }
    }

    @Test("numbers convert exactly as Double(String) does")
    func numbers() throws {
        var random = SplitMix64(seed: 3)
        var texts = ["0", "-0", "1", "0.1", "0.95", "1e22", "1e23", "9007199254740993", "9007199254740992.5",
                     "1.7976931348623157e308", "1.8e308", "4.9e-324", "2.5e-324", "1e-400", "123456789012345678901234567890",
                     "0.30000000000000004", "1E+2", "1e-22", "1e-23", "18446744073709551615", "18446744073709551616e-3"]
        for _ in 0..<4000 {
            let digits = String((0..<Int(1 + random.next() % 22)).map { _ in Character(String(random.next() % 10)) })
            let whole = digits.first == "0" && digits.count > 1 ? "1" + digits.dropFirst() : digits
            var text = (random.next() % 2 == 0 ? "-" : "") + whole
            if random.next() % 2 == 0 { text += "." + String(random.next() % 1_000_000_007) }
            if random.next() % 2 == 0 { text += "e" + String(Int(random.next() % 60) - 30) }
            texts.append(text)
        }
        for text in texts {
            guard let expected = Double(text) else {
                #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array("[\(text)]".utf8)) }
                continue
            }
            let parsed = try JSONParser.parse(Array("[\(text)]".utf8))
            guard case let .array(values) = parsed, case let .number(value)? = values.first else {
                Issue.record("\(text) did not parse as a number")
                continue
            }
            #expect(value.bitPattern == expected.bitPattern, "\(text): \(value) vs \(expected)")
        }
    }
}
