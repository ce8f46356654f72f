@_spi(Benchmarks) import DRSModel

/// One line of a dataset manifest: how a snapshot file was generated and what is known of it.
package struct ManifestEntry: Sendable, Equatable {
    /// The snapshot file name (`GeneratorOptions.fileName`), without directory.
    package var file: String
    /// The generator class (`SnapshotClass` raw value).
    package var snapshotClass: String
    /// The generator seed.
    package var seed: UInt64
    /// Hosts in the snapshot.
    package var hosts: Int
    /// VMs in the snapshot.
    package var vms: Int
    /// Resource dimensions, 1 to 4.
    package var resources: Int
    /// The snapshot's goal (`Goal` raw value).
    package var goal: String
    /// Fraction of the VMs that are members of a rule (`GeneratorOptions.rulesFraction`).
    package var rulesFraction: Double
    /// The optimal goal term when the construction proves it; nil otherwise.
    package var knownOptimum: Double?
    /// The continuous lower bound on the goal term when computed; nil otherwise.
    package var continuousBound: Double?

    /// The entry of a generated snapshot: its options and what is known of its optimum.
    package init(_ generated: GeneratedSnapshot) {
        let options = generated.options
        file = options.fileName
        snapshotClass = options.snapshotClass.rawValue
        seed = options.seed
        hosts = options.hosts
        vms = options.vms
        resources = options.resources
        goal = options.effectiveGoal.rawValue
        rulesFraction = options.rulesFraction
        knownOptimum = generated.knownOptimum
        continuousBound = generated.continuousBound
    }

    init?(json: JSONValue) {
        guard case let .string(file)? = json["file"], case let .string(snapshotClass)? = json["class"] else { return nil }
        func number(_ key: String) -> Double? { if case let .number(value)? = json[key] { return value } else { return nil } }
        self.file = file
        self.snapshotClass = snapshotClass
        seed = UInt64(number("seed") ?? 0)
        hosts = Int(number("hosts") ?? 0)
        vms = Int(number("vms") ?? 0)
        resources = Int(number("resources") ?? 0)
        if case let .string(goal)? = json["goal"] { self.goal = goal } else { goal = "" }
        rulesFraction = number("rulesFraction") ?? 0
        knownOptimum = number("knownOptimum")
        continuousBound = number("continuousBound")
    }

    /// The entry as a JSON object, as in `manifest.json` (nil as null).
    package var json: JSONValue {
        .object([("file", .string(file)), ("class", .string(snapshotClass)), ("seed", .number(Double(seed))),
                 ("hosts", .number(Double(hosts))), ("vms", .number(Double(vms))), ("resources", .number(Double(resources))),
                 ("goal", .string(goal)), ("rulesFraction", .number(rulesFraction)),
                 ("knownOptimum", knownOptimum.map { .number($0) } ?? .null),
                 ("continuousBound", continuousBound.map { .number($0) } ?? .null)])
    }
}

/// A dataset manifest (`manifest.json` next to the snapshots).
package enum Manifest {
    /// The manifest text: the regeneration command, then one entry per snapshot, in file order.
    package static func text(_ entries: [ManifestEntry], command: String) -> String {
        JSONWriter.write(.object([("generator", .string("drs generate")), ("command", .string(command)),
                                  ("snapshots", .array(entries.map(\.json)))]))
    }

    /// The entries of a manifest, by file name; empty when the text is not a manifest.
    package static func read(_ bytes: [UInt8]) -> [String: ManifestEntry] {
        guard let value = try? JSONParser.parse(bytes), case let .array(items)? = value["snapshots"] else { return [:] }
        var entries: [String: ManifestEntry] = [:]
        for item in items { if let entry = ManifestEntry(json: item) { entries[entry.file] = entry } }
        return entries
    }
}

/// Named, committed benchmark suites: fixed lists of generator options.
package enum Suite {
    /// The suites `options(named:)` knows.
    package static let names = ["small"]

    /// The options of a suite, in file order; nil for an unknown name.
    package static func options(named name: String) -> [GeneratorOptions]? {
        name == "small" ? small : nil
    }

    /// 36 snapshots, 4 to 16 hosts and 8 to 64 VMs: six classes, both goals, 1 to 4 resources.
    package static var small: [GeneratorOptions] {
        // (hosts, vms, resources, goal) per class; seeds count up across the suite.
        let shapes: [(Int, Int, Int, Goal)] = [
            (4, 8, 2, .consolidate), (4, 16, 2, .balance), (6, 24, 3, .consolidate),
            (8, 32, 2, .balance), (12, 48, 4, .consolidate), (16, 64, 2, .balance),
        ]
        var list: [GeneratorOptions] = []
        var seed: UInt64 = 1
        for snapshotClass in SnapshotClass.allCases {
            for (hosts, vms, resources, goal) in shapes {
                let goalHere = snapshotClass == .knownOptimum && goal == .balance && hosts != 16 ? .consolidate : goal
                list.append(GeneratorOptions(snapshotClass: snapshotClass, hosts: hosts, vms: vms, resources: resources,
                                             seed: seed, goal: goalHere, rulesFraction: 0.25))
                seed += 1
            }
        }
        return list
    }
}
