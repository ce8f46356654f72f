/// One problem found in the input, at a JSON path such as `vms[3].demand.cpu`.
public struct InputIssue: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Every problem found in a snapshot; solving never starts when there is one. The first
/// `InputLimits.maximumReportedIssues` are listed; the rest are only counted.
public struct SnapshotError: Error, Sendable, CustomStringConvertible {
    public var issues: [InputIssue]
    /// Problems found beyond those listed in `issues`.
    public var omitted: Int = 0
    /// All problems found, listed or not.
    public var count: Int { issues.count + omitted }
    public var description: String {
        let listed = issues.map(\.description).joined(separator: "\n")
        return omitted == 0 ? listed : listed + "\n... and \(omitted) more problem(s)"
    }
}

/// Issues with a cap: the first `limit` are kept; past it they are only counted and their
/// path and message (and any "did you mean" search in them) are never built.
struct IssueList {
    var limit = InputLimits.maximumReportedIssues
    private(set) var issues: [InputIssue] = []
    private(set) var omitted = 0
    var count: Int { issues.count + omitted }
    var isEmpty: Bool { count == 0 }

    mutating func add(_ path: @autoclosure () -> String, _ message: @autoclosure () -> String) {
        if issues.count < limit {
            issues.append(InputIssue(path: path(), message: message()))
        } else {
            omitted += 1
        }
    }

    mutating func append(contentsOf other: IssueList) {
        for issue in other.issues { add(issue.path, issue.message) }
        omitted += other.omitted
    }

    /// Whether a listed issue lies at `prefix` or below it. Issues past the cap are not
    /// kept, so callers use this only while nothing was omitted.
    func any(under prefixes: [String]) -> Bool {
        issues.contains { issue in
            prefixes.contains { prefix in
                issue.path == prefix || issue.path.hasPrefix(prefix + ".") || issue.path.hasPrefix(prefix + "[")
            }
        }
    }
}

extension Snapshot {
    /// Parses and strictly validates snapshot JSON: syntax, UTF-8, types, unknown fields (with
    /// the nearest known name), number ranges (`InputLimits`), references, duplicate ids, VMs
    /// that fit no host, and contradictory hard rules. Throws every issue found, each naming
    /// its JSON path (the first `InputLimits.maximumReportedIssues` listed, the rest counted).
    /// Checks that need other parts run on what was read whenever those parts read cleanly, so
    /// one run reports structural and semantic problems together.
    public static func read(json bytes: [UInt8]) throws(SnapshotError) -> Snapshot {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw SnapshotError(issues: [InputIssue(path: error.path, message: "invalid JSON at \(error.location)")])
        }
        var reader = SnapshotReader()
        let snapshot = reader.read(value)
        var issues = reader.issues
        issues.append(contentsOf: snapshot.semanticIssues(structural: reader.issues, sources: reader.sources))
        if !issues.isEmpty { throw SnapshotError(issues: issues.issues, omitted: issues.omitted) }
        return snapshot
    }

    /// Parses snapshot JSON text.
    public static func read(json text: String) throws(SnapshotError) -> Snapshot {
        try read(json: Array(text.utf8))
    }
}

/// Where the hosts, VMs and rules that were read sit in the input: an element without a
/// usable id is dropped, so `hosts[2]` of the snapshot may be `hosts[3]` of the input.
struct ElementSources {
    var hosts: [Int] = []
    var vms: [Int] = []
    var rules: [Int] = []
}

/// Field-by-field reader from a JSON tree into `Snapshot`, collecting issues with paths.
struct SnapshotReader {
    var issues = IssueList()
    var sources = ElementSources()

    mutating func fail(_ path: @autoclosure () -> String, _ message: @autoclosure () -> String) {
        issues.add(path(), message())
    }

    /// The members of an object, reporting a wrong type, duplicate keys and unknown keys.
    mutating func members(_ value: JSONValue, _ path: String, known: [String]) -> [(key: String, value: JSONValue)]? {
        guard case let .object(members) = value else {
            fail(path, "must be an object, got \(describe(value))")
            return nil
        }
        // Objects here have a handful of known fields; unknown ones are rare. Duplicates are
        // found by hashing only when there are many members.
        var seen = members.count > 16 ? Set<String>() : nil
        for (position, member) in members.enumerated() {
            let duplicate: Bool
            if seen != nil {
                duplicate = !seen!.insert(member.key).inserted
            } else {
                duplicate = members[0..<position].contains { $0.key == member.key }
            }
            if duplicate {
                fail(join(path, member.key), "duplicate field")
            }
            if !known.contains(member.key) {
                fail(join(path, member.key), NameSuggester(known).suggestion(for: member.key).map { "unknown field; did you mean \"\($0)\"?" }
                     ?? "unknown field; known fields here: \(known.joined(separator: ", "))")
            }
        }
        return members
    }

    mutating func string(_ value: JSONValue, _ path: String) -> String? {
        guard case let .string(text) = value else {
            fail(path, "must be a string, got \(describe(value))")
            return nil
        }
        return text
    }

    mutating func identifier(_ value: JSONValue, _ path: String) -> String? {
        guard let text = string(value, path) else { return nil }
        if text.isEmpty {
            fail(path, "must be a non-empty id")
            return nil
        }
        return text
    }

    mutating func bool(_ value: JSONValue, _ path: String) -> Bool? {
        guard case let .bool(flag) = value else {
            fail(path, "must be true or false, got \(describe(value))")
            return nil
        }
        return flag
    }

    /// A finite number in [minimum, maximum] (or (minimum, maximum] when `exclusiveMinimum`).
    mutating func number(_ value: JSONValue, _ path: String, minimum: Double = 0,
                         maximum: Double = InputLimits.maximumQuantity, exclusiveMinimum: Bool = false) -> Double? {
        // The SPEC's message names the lower bound; the upper one is added when it is the one broken.
        let lower = "\(exclusiveMinimum ? ">" : ">=") \(InputLimits.text(minimum))"
        guard case let .number(number) = value else {
            fail(path, "must be a finite number \(lower), got \(describe(value))")
            return nil
        }
        let belowMinimum = exclusiveMinimum ? number <= minimum : number < minimum
        if belowMinimum {
            fail(path, "must be a finite number \(lower), got \(describe(number))")
            return nil
        }
        if !number.isFinite || number > maximum {
            fail(path, "must be a finite number \(lower) and <= \(InputLimits.text(maximum)) (the largest OpenDRS accepts here), got \(describe(number))")
            return nil
        }
        return number
    }

    mutating func integer(_ value: JSONValue, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard case let .number(number) = value, number.isFinite, number == number.rounded(),
              number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
            fail(path, "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(describe(value))")
            return nil
        }
        return Int(number)
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ value: JSONValue, _ path: String, as type: E.Type) -> E?
    where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        guard case let .string(text) = value else {
            fail(path, "must be one of \(names.joined(separator: ", ")), got \(describe(value))")
            return nil
        }
        guard let result = E(rawValue: text) else {
            fail(path, "must be one of \(names.joined(separator: ", ")), got \(DisplayText.quoted(text))"
                 + (NameSuggester(names).suggestion(for: text).map { "; did you mean \"\($0)\"?" } ?? ""))
            return nil
        }
        return result
    }

    mutating func array(_ value: JSONValue, _ path: String) -> [JSONValue]? {
        guard case let .array(elements) = value else {
            fail(path, "must be an array, got \(describe(value))")
            return nil
        }
        return elements
    }

    mutating func stringList(_ value: JSONValue, _ path: String) -> [String]? {
        guard let elements = array(value, path) else { return nil }
        var result: [String] = []
        for (index, element) in elements.enumerated() {
            if let text = identifier(element, "\(path)[\(index)]") { result.append(text) }
        }
        return result
    }

    /// A per-resource map such as `{"cpu": 4000}`; keys must be declared resources.
    mutating func resourceMap(_ value: JSONValue, _ path: String, resources: [String], minimum: Double = 0,
                              maximum: Double = InputLimits.maximumQuantity, exclusiveMinimum: Bool = false) -> [String: Double] {
        guard let members = members(value, path, known: resources) else { return [:] }
        var map: [String: Double] = [:]
        for member in members where resources.contains(member.key) {
            if let number = number(member.value, join(path, member.key), minimum: minimum, maximum: maximum,
                                   exclusiveMinimum: exclusiveMinimum) {
                map[member.key] = number
            }
        }
        return map
    }

    mutating func read(_ root: JSONValue) -> Snapshot {
        var snapshot = Snapshot()
        let topFields = ["schemaVersion", "resources", "cluster", "hosts", "vms", "rules"]
        guard let members = members(root, "", known: topFields) else { return snapshot }
        let lookup = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })

        if let version = lookup["schemaVersion"] {
            if let number = integer(version, "schemaVersion", in: 1...1) { snapshot.schemaVersion = number }
        } else {
            fail("schemaVersion", "missing; a snapshot starts with \"schemaVersion\": 1 (the version of SPEC section 1 it follows)")
        }
        if let resources = lookup["resources"] {
            if let names = stringList(resources, "resources") {
                if names.isEmpty || names.count > 16 {
                    fail("resources", "must list 1 to 16 resource names, got \(names.count)")
                }
                var seen = Set<String>()
                for (index, name) in names.enumerated() where !seen.insert(name).inserted {
                    fail("resources[\(index)]", "duplicate resource \(DisplayText.quoted(name))")
                }
                if !names.isEmpty { snapshot.resources = names }
            }
        }
        let resources = snapshot.resources
        if let cluster = lookup["cluster"] { snapshot.cluster = readCluster(cluster, resources: resources) }
        if let hosts = lookup["hosts"] {
            if let elements = array(hosts, "hosts") {
                if elements.isEmpty { fail("hosts", "must list at least one host, got none") }
                for (index, element) in elements.enumerated() {
                    if let host = readHost(element, "hosts[\(index)]", resources: resources) {
                        snapshot.hosts.append(host)
                        sources.hosts.append(index)
                    }
                }
            }
        } else {
            fail("hosts", "missing; a snapshot needs at least one host")
        }
        if let vms = lookup["vms"], let elements = array(vms, "vms") {
            for (index, element) in elements.enumerated() {
                if let vm = readVM(element, "vms[\(index)]", resources: resources) {
                    snapshot.vms.append(vm)
                    sources.vms.append(index)
                }
            }
        }
        if let rules = lookup["rules"], let elements = array(rules, "rules") {
            for (index, element) in elements.enumerated() {
                if let rule = readRule(element, "rules[\(index)]") {
                    snapshot.rules.append(rule)
                    sources.rules.append(index)
                }
            }
        }
        checkTotals(snapshot)
        return snapshot
    }

    /// Per-resource totals within `InputLimits.maximumTotal`, so that every sum in milli-units
    /// fits an Int64 (see `InputLimits`). Demands count every VM, an FT VM twice.
    mutating func checkTotals(_ snapshot: Snapshot) {
        let limit = InputLimits.maximumTotal
        for resource in snapshot.resources {
            var capacity = 0.0
            for host in snapshot.hosts { capacity += host.capacity[resource] ?? 0 }
            if capacity > limit {
                fail("hosts", "the hosts' total \(DisplayText.escaped(resource)) capacity is \(describe(capacity)), more than the \(InputLimits.text(limit)) OpenDRS accepts per resource")
            }
            var demand = 0.0
            for vm in snapshot.vms { demand += (vm.demand[resource] ?? 0) * (vm.ft == nil ? 1 : 2) }
            if demand > limit {
                fail("vms", "the VMs' total \(DisplayText.escaped(resource)) demand (FT secondaries counted twice) is \(describe(demand)), more than the \(InputLimits.text(limit)) OpenDRS accepts per resource")
            }
        }
    }

    mutating func readCluster(_ value: JSONValue, resources: [String]) -> Cluster {
        var cluster = Cluster()
        let known = ["name", "goal", "automation", "migrationThreshold", "maxUtilization", "migration", "ha"]
        guard let members = members(value, "cluster", known: known) else { return cluster }
        for (key, field) in members {
            let path = join("cluster", key)
            switch key {
            case "name": cluster.name = string(field, path)
            case "goal": cluster.goal = enumeration(field, path, as: Goal.self) ?? cluster.goal
            case "automation": cluster.automation = enumeration(field, path, as: AutomationLevel.self) ?? cluster.automation
            case "migrationThreshold": cluster.migrationThreshold = integer(field, path, in: 1...5) ?? cluster.migrationThreshold
            case "maxUtilization":
                cluster.maxUtilization = resourceMap(field, path, resources: resources, minimum: 0, maximum: 1, exclusiveMinimum: true)
            case "migration":
                guard let settings = self.members(field, path, known: ["bandwidth", "maxConcurrentPerHost"]) else { continue }
                for (name, setting) in settings {
                    if name == "bandwidth" {
                        cluster.migration.bandwidth = number(setting, "\(path).bandwidth", minimum: InputLimits.minimumBandwidth) ?? 1250
                    } else if name == "maxConcurrentPerHost" {
                        cluster.migration.maxConcurrentPerHost = integer(setting, "\(path).maxConcurrentPerHost", in: 1...1024) ?? 8
                    }
                }
            case "ha":
                guard let settings = self.members(field, path, known: ["enabled", "hostFailuresToTolerate", "master"]) else { continue }
                var ha = HASettings()
                for (name, setting) in settings {
                    switch name {
                    case "enabled": ha.enabled = bool(setting, "\(path).enabled") ?? true
                    case "hostFailuresToTolerate": ha.hostFailuresToTolerate = integer(setting, "\(path).hostFailuresToTolerate", in: 0...1_000_000) ?? 0
                    case "master": if setting != .null { ha.master = identifier(setting, "\(path).master") }
                    default: break
                    }
                }
                cluster.ha = ha
            default: break
            }
        }
        return cluster
    }

    mutating func readHost(_ value: JSONValue, _ path: String, resources: [String]) -> ClusterHost? {
        guard let members = members(value, path, known: ["id", "capacity", "state", "datastores"]) else { return nil }
        var host = ClusterHost(id: "", capacity: [:])
        var hasId = false
        for (key, field) in members {
            switch key {
            case "id": if let id = identifier(field, "\(path).id") { host.id = id; hasId = true }
            case "capacity": host.capacity = resourceMap(field, "\(path).capacity", resources: resources)
            case "state": host.state = enumeration(field, "\(path).state", as: HostState.self) ?? .connected
            case "datastores": host.datastores = stringList(field, "\(path).datastores") ?? []
            default: break
            }
        }
        if !hasId, members.first(where: { $0.key == "id" }) == nil { fail("\(path).id", "missing; every host needs an id") }
        return hasId ? host : nil
    }

    mutating func readVM(_ value: JSONValue, _ path: String, resources: [String]) -> VirtualMachine? {
        let known = ["id", "host", "demand", "powerState", "priority", "ft", "migration", "automation"]
        guard let members = members(value, path, known: known) else { return nil }
        var vm = VirtualMachine(id: "", host: nil, demand: [:])
        var hasId = false
        for (key, field) in members {
            let fieldPath = join(path, key)
            switch key {
            case "id": if let id = identifier(field, fieldPath) { vm.id = id; hasId = true }
            case "host": if field != .null { vm.host = identifier(field, fieldPath) }
            case "demand": vm.demand = resourceMap(field, fieldPath, resources: resources)
            case "powerState": vm.powerState = enumeration(field, fieldPath, as: PowerState.self) ?? .on
            case "priority": vm.priority = enumeration(field, fieldPath, as: Priority.self) ?? .medium
            case "automation": vm.automation = enumeration(field, fieldPath, as: VMAutomation.self)
            case "ft":
                guard let ft = self.members(field, fieldPath, known: ["secondaryHost"]) else { continue }
                var secondary: String?
                for (name, setting) in ft where name == "secondaryHost" && setting != .null {
                    secondary = identifier(setting, "\(fieldPath).secondaryHost")
                }
                vm.ft = FaultTolerance(secondaryHost: secondary)
            case "migration":
                guard let settings = self.members(field, fieldPath, known: ["memory", "dirtyRate"]) else { continue }
                var migration = VMMigration()
                for (name, setting) in settings {
                    if name == "memory" { migration.memory = number(setting, "\(fieldPath).memory") }
                    if name == "dirtyRate" { migration.dirtyRate = number(setting, "\(fieldPath).dirtyRate") ?? 0 }
                }
                vm.migration = migration
            default: break
            }
        }
        if !hasId, members.first(where: { $0.key == "id" }) == nil { fail("\(path).id", "missing; every VM needs an id") }
        return hasId ? vm : nil
    }

    mutating func readRule(_ value: JSONValue, _ path: String) -> Rule? {
        guard let members = members(value, path, known: ["id", "kind", "vms", "hosts", "policy", "required"]) else { return nil }
        var id: String?
        var kind: RuleKind?
        var vms: [String]?
        var rule = Rule(id: "", kind: .affinity, vms: [])
        for (key, field) in members {
            let fieldPath = join(path, key)
            switch key {
            case "id": id = identifier(field, fieldPath)
            case "kind": kind = enumeration(field, fieldPath, as: RuleKind.self)
            case "vms": vms = stringList(field, fieldPath)
            case "hosts": rule.hosts = stringList(field, fieldPath)
            case "policy": rule.policy = enumeration(field, fieldPath, as: VMHostPolicy.self)
            case "required": rule.required = bool(field, fieldPath)
            default: break
            }
        }
        let present = Set(members.map(\.key))
        for field in ["id", "kind", "vms"] where !present.contains(field) {
            fail("\(path).\(field)", "missing; every rule needs id, kind and vms")
        }
        guard let id, let kind, let vms else { return nil }
        rule.id = id
        rule.kind = kind
        rule.vms = vms
        if kind == .vmHost {
            if !present.contains("policy") { fail("\(path).policy", "missing; a vmHost rule needs a policy (must, mustNot, should, shouldNot)") }
            if !present.contains("hosts") { fail("\(path).hosts", "missing; a vmHost rule needs the hosts it names") }
            if present.contains("required") { fail("\(path).required", "does not apply to vmHost rules; the policy decides (must/mustNot are hard)") }
        } else {
            if present.contains("policy") { fail("\(path).policy", "applies to vmHost rules only; use \"required\" for \(kind.rawValue)") }
            if present.contains("hosts") { fail("\(path).hosts", "applies to vmHost rules only") }
        }
        if vms.isEmpty { fail("\(path).vms", "must list at least one VM") }
        return rule
    }
}

/// `path.key`, the key escaped and cut for display (`DisplayText.pathKey`).
func join(_ path: String, _ key: String) -> String {
    let shown = DisplayText.pathKey(key)
    return path.isEmpty ? shown : "\(path).\(shown)"
}

/// What a wrong value is, for "got ...": its type, or a number too large for a Double.
func describe(_ value: JSONValue) -> String {
    if case let .number(number) = value { return describe(number) }
    return value.typeName
}

func describe(_ number: Double) -> String {
    number.isFinite ? JSONWriter.number(number)
        : "a number out of range (beyond \(number < 0 ? "-" : "")1.8e308, the largest a double holds)"
}

/// "Did you mean" with bounded work. Names longer than `maximumNameLength` get no
/// suggestion. Otherwise a candidate is compared only when two cheap lower bounds of the edit
/// distance are within the distance it allows (max(2, its length / 3)) and below the best
/// found so far: the length difference, and the difference of the character counts (folded
/// into 32 buckets, which can only lower it). Survivors get an edit distance (case-insensitive,
/// over Unicode scalars) that stops as soon as a row exceeds that bound. Cost per query:
/// O(32 x candidates) plus O(64 x length) per surviving candidate; building it is O(total
/// length of the names).
struct NameSuggester {
    static let maximumNameLength = 64
    private static let buckets = 32
    private var names: [String] = []
    private var folded: [[Unicode.Scalar]] = []
    /// Character counts per bucket, `buckets` entries per name.
    private var histograms: [UInt8] = []

    init(_ candidates: [String]) {
        for candidate in candidates where candidate.utf8.count <= 3 * NameSuggester.maximumNameLength {
            let scalars = Array(candidate.lowercased().unicodeScalars)
            names.append(candidate)
            folded.append(scalars)
            histograms.append(contentsOf: NameSuggester.histogram(scalars))
        }
    }

    private static func histogram(_ scalars: [Unicode.Scalar]) -> [UInt8] {
        var counts = [UInt8](repeating: 0, count: buckets)
        for scalar in scalars {
            let bucket = Int(scalar.value % UInt32(buckets))
            counts[bucket] = counts[bucket] &+ 1
        }
        return counts
    }

    /// The candidate nearest to `name` when close enough to be a likely typo; the first on a tie.
    func suggestion(for name: String) -> String? {
        guard name.utf8.count <= 4 * NameSuggester.maximumNameLength else { return nil }
        let query = Array(name.lowercased().unicodeScalars)
        guard query.count <= NameSuggester.maximumNameLength else { return nil }
        let queryCounts = NameSuggester.histogram(query)
        var previous: [Int] = [], current: [Int] = []
        var best: (index: Int, distance: Int)?
        for (index, candidate) in folded.enumerated() {
            let allowed = max(2, candidate.count / 3)
            let bound = min(allowed, (best?.distance ?? Int.max) - 1)
            guard bound >= 0, abs(candidate.count - query.count) <= bound else { continue }
            var missing = 0, extra = 0
            let base = index * NameSuggester.buckets
            for bucket in 0..<NameSuggester.buckets {
                let difference = Int(queryCounts[bucket]) - Int(histograms[base + bucket])
                if difference > 0 { missing += difference } else { extra -= difference }
            }
            guard max(missing, extra) <= bound else { continue }
            if let distance = editDistance(query, candidate, atMost: bound, rows: &previous, &current) {
                best = (index, distance)
                if distance == 0 { break }
            }
        }
        return best.map { names[$0.index] }
    }
}

/// The known name closest to `name` by edit distance, when close enough to be a likely typo.
func nearest(_ name: String, among candidates: [String]) -> String? {
    NameSuggester(candidates).suggestion(for: name)
}

/// The Levenshtein distance of `a` and `b` when it is at most `bound`, else nil; stops at the
/// first row whose every entry exceeds `bound`. O(|a| x |b|) at worst; `previous` and
/// `current` are scratch rows reused across calls.
func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], atMost bound: Int,
                  rows previous: inout [Int], _ current: inout [Int]) -> Int? {
    if a.isEmpty { return b.count <= bound ? b.count : nil }
    if b.isEmpty { return a.count <= bound ? a.count : nil }
    previous.removeAll(keepingCapacity: true)
    previous.append(contentsOf: 0...b.count)
    current.removeAll(keepingCapacity: true)
    current.append(contentsOf: repeatElement(0, count: b.count + 1))
    for i in 1...a.count {
        current[0] = i
        var rowMinimum = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            rowMinimum = min(rowMinimum, current[j])
        }
        if rowMinimum > bound { return nil }
        swap(&previous, &current)
    }
    return previous[b.count] <= bound ? previous[b.count] : nil
}
