@_spi(Benchmarks) import DRSModel

/// The shared mapping layer of every importer: hosts, VMs and rules as the snapshot names them,
/// the warnings for what could not be mapped, and the one way to a valid snapshot
/// (`snapshot()`), which every importer goes through.
package struct ImportedCluster: Sendable {
    package var resources: [String]
    package var cluster = Cluster()
    package var hosts: [ClusterHost] = []
    package var vms: [VirtualMachine] = []
    package var rules: [Rule] = []
    /// What could not be mapped, in the order found; `drs import` prints them on standard
    /// error and the snapshot keeps them in `cluster.notes`.
    package private(set) var warnings: [String] = []

    package init(name: String, resources: [String] = ["cpu", "memory"]) {
        self.resources = resources
        cluster.name = name
    }

    /// Records what could not be mapped (ids escaped for display).
    package mutating func warn(_ text: String) { warnings.append(text) }

    /// Adds `rule` when at least `minimum` of its VMs are in the snapshot, with an id not used
    /// before (`id`, `id-2`, ...); VMs the snapshot does not hold are left out of it, with a
    /// warning.
    package mutating func addRule(_ rule: Rule, minimum: Int = 1) {
        let known = Set(vms.map(\.id))
        var members: [String] = []
        var seen = Set<String>()
        for vm in rule.vms where seen.insert(vm).inserted {
            if known.contains(vm) { members.append(vm) }
        }
        if members.count < rule.vms.count {
            warn("rule \(DisplayText.quoted(rule.id)): \(seen.count - members.count) member(s) not in the snapshot were left out")
        }
        guard members.count >= minimum else {
            warn("rule \(DisplayText.quoted(rule.id)): fewer than \(minimum) member(s) in the snapshot; not mapped")
            return
        }
        var mapped = rule
        mapped.vms = members
        let used = Set(rules.map(\.id))
        var id = rule.id
        var suffix = 2
        while used.contains(id) {
            id = "\(rule.id)-\(suffix)"
            suffix += 1
        }
        mapped.id = id
        rules.append(mapped)
    }

    /// Most warnings kept in `cluster.notes`; the rest are counted in one more note.
    static let maximumNotes = 200

    /// The snapshot, read back through `Snapshot.read` so that it is valid input for every
    /// command. What the reader refuses in one VM or one rule (a VM that fits no host, a
    /// contradiction between hard rules) drops that VM or rule, with a warning; anything else
    /// it refuses is an importer error, reported against `file`.
    package mutating func snapshot(file: String) throws(ImportError) -> Snapshot {
        for _ in 0..<8 {
            var draft = Snapshot(resources: resources, cluster: cluster, hosts: hosts, vms: vms, rules: rules)
            draft.cluster.notes = notes
            let bytes = JSONWriter.bytes { draft.writeJSON(to: $0) }
            do {
                return try Snapshot.read(json: bytes)
            } catch {
                guard try drop(for: error.issues, file: file) else {
                    throw ImportError(file: file, place: "", message: "the snapshot made from it is not valid: "
                                      + error.issues.prefix(5).map(\.description).joined(separator: "; "))
                }
            }
        }
        throw ImportError(file: file, place: "", message: "the snapshot made from it stayed invalid after dropping what could not be placed")
    }

    var notes: [String] {
        guard warnings.count > Self.maximumNotes else { return warnings }
        return Array(warnings.prefix(Self.maximumNotes)) + ["... and \(warnings.count - Self.maximumNotes) more warning(s)"]
    }

    /// Drops the VMs and rules the issues name; false when an issue is elsewhere.
    private mutating func drop(for issues: [InputIssue], file: String) throws(ImportError) -> Bool {
        var dropVMs = Set<Int>(), dropRules = Set<Int>()
        for issue in issues {
            if let index = Self.index(issue.path, "vms") {
                dropVMs.insert(index)
                warn("VM \(DisplayText.quoted(vms[index].id)) left out: \(issue.message)")
            } else if let index = Self.index(issue.path, "rules") {
                dropRules.insert(index)
                warn("rule \(DisplayText.quoted(rules[index].id)) left out: \(issue.message)")
            } else {
                return false
            }
        }
        let removed = Set(dropVMs.map { vms[$0].id })
        vms = vms.enumerated().filter { !dropVMs.contains($0.offset) }.map(\.element)
        rules = rules.enumerated().filter { !dropRules.contains($0.offset) }.map { entry in
            var rule = entry.element
            rule.vms.removeAll { removed.contains($0) }
            return rule
        }.filter { !$0.vms.isEmpty }
        return true
    }

    /// N for a path `prefix[N]...`.
    static func index(_ path: String, _ prefix: String) -> Int? {
        guard path.hasPrefix(prefix + "["), let close = path.firstIndex(of: "]") else { return nil }
        return Int(path[path.index(path.startIndex, offsetBy: prefix.count + 1)..<close])
    }
}

/// Options every importer reads.
package struct ImportOptions: Sendable {
    /// Demand from the active usage the export reports (`active`), or from the configured size
    /// (`configured`).
    package enum Demand: String, Sendable, CaseIterable { case active, configured }

    package var demand: Demand = .active
    /// `cluster.name`; nil: the importer's default (the cluster's own name when the export has it).
    package var name: String?

    package init(demand: Demand = .active, name: String? = nil) {
        self.demand = demand
        self.name = name
    }
}

/// MiB in a number of bytes.
package func mebibytes(_ bytes: Double) -> Double { bytes / 1_048_576 }
