import Testing
import Foundation
import DRSTestSupport

/// The JSON Schemas under `Schemas/` against an independent validator, Python's `jsonschema`
/// (draft 2020-12; `scripts/ensure-deps.sh` installs it): every bundled example, generated
/// snapshots of every class and their plans are valid; every hostile snapshot `drs validate`
/// accepts is valid too, and the schema rejects every hostile snapshot whose problems it can
/// express.
@Suite(.serialized) struct SchemaTests {
    static let schemas = Fixtures.root.appendingPathComponent("Schemas")

    /// A fresh temporary folder.
    func folder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-schema-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `scripts/schema-check.py SCHEMA @LIST`: the verdict for each file (nil: valid; else the
    /// validator's first error).
    func verdicts(_ schema: String, _ files: [String], in work: URL) throws -> [String: String?] {
        let list = work.appendingPathComponent("files-\(schema).txt")
        try files.joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Fixtures.root.appendingPathComponent("scripts/schema-check.py").path,
                             Self.schemas.appendingPathComponent("\(schema).schema.json").path, "@" + list.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "schema-check.py failed (is jsonschema installed? bash scripts/ensure-deps.sh): \(errors)")
        var result: [String: String?] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            result[parts[1]] = parts[0] == "valid" ? String?.none : String?.some(parts.count > 2 ? parts[2] : "invalid")
        }
        try #require(result.count == files.count, "the validator judged \(result.count) of \(files.count) files")
        return result
    }

    @Test func drsPrintsTheCommittedSchemas() throws {
        for name in ["snapshot", "plan"] {
            let result = try Fixtures.drs(["schema", name])
            #expect(result.code == 0)
            let committed = try String(contentsOf: Self.schemas.appendingPathComponent("\(name).schema.json"), encoding: .utf8)
            #expect(result.out == committed, "drs schema \(name) differs from Schemas/\(name).schema.json: run python3 scripts/embed-schemas.py")
        }
        #expect(try Fixtures.drs(["schema", "plans"]).code == 2)
    }

    @Test func examplesGeneratedSnapshotsAndTheirPlansAreValid() throws {
        let work = try folder("valid")
        defer { try? FileManager.default.removeItem(at: work) }
        var snapshots: [String] = []
        let datasets = Fixtures.root.appendingPathComponent("Datasets")
        for case let path as String in FileManager.default.enumerator(atPath: datasets.path)!
        where path.hasSuffix(".json") && !path.hasSuffix("manifest.json") && !path.hasPrefix("import/") {
            snapshots.append(datasets.appendingPathComponent(path).path)
        }
        #expect(snapshots.count >= 40)
        let classes = ["uniform", "catalog", "known-optimum", "rebalance", "failure", "maintenance"]
        for (index, snapshotClass) in classes.enumerated() {
            for seed in 1...3 {
                let file = work.appendingPathComponent("\(snapshotClass)-\(seed).json").path
                let resources = String(1 + (index + seed) % 4)
                let result = try Fixtures.drs(["generate", "--class", snapshotClass, "--hosts", "6", "--vms", "30", "--resources", resources,
                                               "--seed", String(seed), "--rules-fraction", "0.3", "--output", file])
                try #require(result.code == 0, "\(result.err)")
                snapshots.append(file)
            }
        }
        // A snapshot with notes, as an importer writes it.
        let noted = work.appendingPathComponent("noted.json").path
        try Fixtures.json(cluster: #"{"name": "imported", "notes": ["pod x: topology key zone not mapped", ""]}"#)
            .write(toFile: noted, atomically: true, encoding: .utf8)
        #expect(try Fixtures.drs(["validate", noted]).code == 0)
        snapshots.append(noted)
        var plans: [String] = []
        for (index, snapshot) in snapshots.enumerated() where index % 2 == 0 || snapshot.contains("/examples/") {
            let plan = work.appendingPathComponent("plan-\(index).json").path
            let result = try Fixtures.drs(["plan", snapshot, "--solver", index % 4 == 0 ? "greedy" : "local-search", "--time-limit", "2"])
            try #require(result.code == 0 || result.code == 3, "\(snapshot): \(result.err)")
            try result.out.write(toFile: plan, atomically: true, encoding: .utf8)
            plans.append(plan)
        }
        let seed = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        for (name, arguments) in [("failover", ["failover", seed, "--fail", "A"]), ("evacuate", ["evacuate", seed, "--host", "B"]),
                                  ("manual", ["plan", Fixtures.root.appendingPathComponent("Datasets/examples/rules-and-priorities.json").path])] {
            let plan = work.appendingPathComponent("\(name).json").path
            let result = try Fixtures.drs(arguments)
            try #require(result.code == 0, "\(name): \(result.err)")
            try result.out.write(toFile: plan, atomically: true, encoding: .utf8)
            plans.append(plan)
        }
        for (file, verdict) in try verdicts("snapshot", snapshots, in: work) {
            #expect(verdict == nil, "\(file): \(verdict ?? "")")
        }
        for (file, verdict) in try verdicts("plan", plans, in: work) {
            #expect(verdict == nil, "\(file): \(verdict ?? "")")
        }
        // The plan schema is no snapshot schema: a plan is not a valid snapshot.
        #expect(try verdicts("snapshot", [plans[0]], in: work).values.first! != nil)
    }

    @Test("isolation and partitions: the schema refuses what drs validate refuses and the schema can express, and accepts the rest")
    func isolationFieldsAgreeWithDrsValidate() throws {
        let work = try folder("isolation")
        defer { try? FileManager.default.removeItem(at: work) }
        let hosts = #"[{"id": "h1", "capacity": {"cpu": 100, "memory": 100}}, {"id": "h2", "capacity": {"cpu": 100, "memory": 100}, "state": "isolated"}]"#
        let cases: [(ha: String, expressible: Bool?)] = [
            (#"{"isolationResponse": "shutdown", "partitions": [["h1"], ["h2"]]}"#, nil),
            (#"{"isolationResponse": "leaveOn", "partitions": [["h2"]]}"#, nil),
            (#"{"partitions": []}"#, true), (#"{"partitions": [[]]}"#, true), (#"{"partitions": [["h1"], 3]}"#, true),
            (#"{"isolationResponse": "reboot"}"#, true), (#"{"partitions": "h1"}"#, true),
            (#"{"partitions": [["h1", "hx"]]}"#, false), (#"{"partitions": [["h1"], ["h1"]]}"#, false), (#"{"partitions": [["h1", "h2"]]}"#, false)]
        var files: [String] = []
        for (index, entry) in cases.enumerated() {
            let file = work.appendingPathComponent("case-\(index).json").path
            try Fixtures.json(hosts: hosts, cluster: #"{"ha": \#(entry.ha)}"#).write(toFile: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        let verdicts = try verdicts("snapshot", files, in: work)
        for (file, entry) in zip(files, cases) {
            let code = try Fixtures.drs(["validate", file]).code
            #expect(code == (entry.expressible == nil ? 0 : 2), "\(entry.ha)")
            // Valid: the schema accepts; expressible: it refuses too; references and duplicates are beyond it.
            #expect((verdicts[file]! == nil) == (entry.expressible != true), "\(entry.ha): \(String(describing: verdicts[file]!))")
        }
    }

    /// What `drs validate` says that a JSON Schema cannot: references, duplicate ids and keys,
    /// keys of a per-resource map that are not declared resources, totals, fit and
    /// contradictions between hard rules, UTF-8, a VM's datastores against its host's; and one
    /// cross-field rule the schema leaves to `drs` (a failed guest must be running).
    static let beyondSchema = ["unknown host", "unknown VM", "duplicate host id", "duplicate VM id", "duplicate rule id",
                               "duplicate field", "fits no host", "fits only one host", "total", "must differ from the primary",
                               "less than the number of hosts", "UTF-8", "contradict", "cannot all hold", "impossible",
                               "cannot hold", "contradicts", "different hosts", "no host", "does not see datastore",
                               "needs a running guest", "a host is in one partition", "cannot share a partition"]

    static func expressible(_ line: Substring) -> Bool {
        // `file: path: message`; the path of an undeclared resource key is below a map.
        let parts = line.split(separator: ":", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 3 else { return false }
        let (path, message) = (parts[1], parts[2])
        if message.hasPrefix("unknown field"),
           [".demand.", ".capacity.", "maxUtilization."].contains(where: { path.contains($0) }) { return false }
        return !beyondSchema.contains { message.contains($0) }
    }

    @Test func hostileSnapshotsAgreeWithDrsValidate() throws {
        let work = try folder("hostile")
        defer { try? FileManager.default.removeItem(at: work) }
        let count = 300
        let generated = try Fixtures.drs(["generate", "--class", "hostile", "--hosts", "6", "--vms", "20", "--seed", "1",
                                          "--count", String(count), "--output-dir", work.path])
        try #require(generated.code == 0, "\(generated.err)")
        let files = try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.hasSuffix(".json") && $0 != "manifest.json" }
            .map { work.appendingPathComponent($0).path }.sorted()
        try #require(files.count == count)
        let verdicts = try verdicts("snapshot", files, in: work)
        var accepted = 0, rejected = 0, schemaRejected = 0, expressible = 0, expressibleMissed: [String] = []
        for file in files {
            let result = try Fixtures.drs(["validate", file])
            if result.code == 0 {
                accepted += 1
                #expect(verdicts[file]! == nil, "drs accepts \(file) but the schema refuses it: \(verdicts[file]!! )")
                continue
            }
            #expect(result.code == 2)
            rejected += 1
            if verdicts[file]! != nil { schemaRejected += 1 }
            if let line = result.err.split(separator: "\n").first(where: Self.expressible) {
                expressible += 1
                if verdicts[file]! == nil { expressibleMissed.append(String(line)) }
            }
        }
        print("hostile snapshots: \(accepted) accepted by drs (all valid by the schema), \(rejected) rejected, \(schemaRejected) of them by the schema too; "
              + "\(expressible) with a problem a schema can express, \(expressible - expressibleMissed.count) of them rejected by the schema")
        #expect(accepted > 20 && rejected > 20, "the hostile class should give both kinds")
        #expect(expressible > 20)
        #expect(expressibleMissed.isEmpty, "the schema accepts snapshots with problems it can express:\n\(expressibleMissed.joined(separator: "\n"))")
    }
}
