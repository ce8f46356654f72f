/// One problem found in the input, at a JSON path such as `vms[3].demand.cpu`.
public struct InputIssue: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Every problem found in a snapshot; solving never starts when there is one.
public struct SnapshotError: Error, Sendable, CustomStringConvertible {
    public var issues: [InputIssue]
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

extension Snapshot {
    /// Parses and strictly validates snapshot JSON: syntax, types, unknown fields (with the
    /// nearest known name), references, duplicate ids, numbers, VMs that fit no host, and
    /// contradictory hard rules. Throws every issue found, each naming its JSON path.
    public static func read(json bytes: [UInt8]) throws(SnapshotError) -> Snapshot {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw SnapshotError(issues: [InputIssue(path: "", message: "invalid JSON at \(error.description)")])
        }
        var reader = SnapshotReader()
        let snapshot = reader.read(value)
        if reader.issues.isEmpty {
            reader.issues.append(contentsOf: snapshot.semanticIssues())
        }
        if !reader.issues.isEmpty { throw SnapshotError(issues: reader.issues) }
        return snapshot
    }

    /// Parses snapshot JSON text.
    public static func read(json text: String) throws(SnapshotError) -> Snapshot {
        try read(json: Array(text.utf8))
    }
}

/// Field-by-field reader from a JSON tree into `Snapshot`, collecting issues with paths.
struct SnapshotReader {
    var issues: [InputIssue] = []

    mutating func fail(_ path: String, _ message: String) {
        issues.append(InputIssue(path: path, message: message))
    }

    /// The members of an object, reporting a wrong type, duplicate keys and unknown keys.
    mutating func members(_ value: JSONValue, _ path: String, known: [String]) -> [(key: String, value: JSONValue)]? {
        guard case let .object(members) = value else {
            fail(path, "must be an object, got \(value.typeName)")
            return nil
        }
        for (position, member) in members.enumerated() {
            // Objects here have a handful of fields: a pairwise scan beats hashing.
            var duplicate = false
            for earlier in 0..<position where members[earlier].key == member.key { duplicate = true; break }
            if duplicate {
                fail(join(path, member.key), "duplicate field")
            }
            if !known.contains(member.key) {
                let memberPath = join(path, member.key)
                if let suggestion = nearest(member.key, among: known) {
                    fail(memberPath, "unknown field; did you mean \"\(suggestion)\"?")
                } else {
                    fail(memberPath, "unknown field; known fields here: \(known.joined(separator: ", "))")
                }
            }
        }
        return members
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func string(_ value: JSONValue, _ path: String) -> String? {
        guard case let .string(text) = value else {
            fail(path, "must be a string, got \(value.typeName)")
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
            fail(path, "must be true or false, got \(value.typeName)")
            return nil
        }
        return flag
    }

    /// A finite number >= minimum (and <= maximum when given).
    mutating func number(_ value: JSONValue, _ path: String, minimum: Double = 0, maximum: Double? = nil,
                         exclusiveMinimum: Bool = false) -> Double? {
        guard case let .number(number) = value else {
            fail(path, "must be a finite number \(exclusiveMinimum ? ">" : ">=") \(JSONWriter.number(minimum)), got \(value.typeName)")
            return nil
        }
        let belowMinimum = exclusiveMinimum ? number <= minimum : number < minimum
        if !number.isFinite || belowMinimum || (maximum.map { number > $0 } ?? false) {
            let range = maximum.map { " and <= \(JSONWriter.number($0))" } ?? ""
            fail(path, "must be a finite number \(exclusiveMinimum ? ">" : ">=") \(JSONWriter.number(minimum))\(range), got \(JSONWriter.number(number))")
            return nil
        }
        return number
    }

    mutating func integer(_ value: JSONValue, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard case let .number(number) = value, number.isFinite, number == number.rounded(),
              number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
            let found: String
            if case let .number(number) = value { found = JSONWriter.number(number) } else { found = value.typeName }
            fail(path, "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(found)")
            return nil
        }
        return Int(number)
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ value: JSONValue, _ path: String, as type: E.Type) -> E?
    where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        guard case let .string(text) = value else {
            fail(path, "must be one of \(names.joined(separator: ", ")), got \(value.typeName)")
            return nil
        }
        guard let result = E(rawValue: text) else {
            let hint = nearest(text, among: names).map { "; did you mean \"\($0)\"?" } ?? ""
            fail(path, "must be one of \(names.joined(separator: ", ")), got \"\(text)\"\(hint)")
            return nil
        }
        return result
    }

    mutating func array(_ value: JSONValue, _ path: String) -> [JSONValue]? {
        guard case let .array(elements) = value else {
            fail(path, "must be an array, got \(value.typeName)")
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
                              maximum: Double? = nil, exclusiveMinimum: Bool = false) -> [String: Double] {
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
        }
        if let resources = lookup["resources"] {
            if let names = stringList(resources, "resources") {
                if names.isEmpty || names.count > 16 {
                    fail("resources", "must list 1 to 16 resource names, got \(names.count)")
                }
                var seen = Set<String>()
                for (index, name) in names.enumerated() where !seen.insert(name).inserted {
                    fail("resources[\(index)]", "duplicate resource \"\(name)\"")
                }
                if !names.isEmpty { snapshot.resources = names }
            }
        }
        let resources = snapshot.resources
        if let cluster = lookup["cluster"] { snapshot.cluster = readCluster(cluster, resources: resources) }
        if let hosts = lookup["hosts"], let elements = array(hosts, "hosts") {
            snapshot.hosts = elements.enumerated().compactMap { readHost($1, "hosts[\($0)]", resources: resources) }
        }
        if let vms = lookup["vms"], let elements = array(vms, "vms") {
            snapshot.vms = elements.enumerated().compactMap { readVM($1, "vms[\($0)]", resources: resources) }
        }
        if let rules = lookup["rules"], let elements = array(rules, "rules") {
            snapshot.rules = elements.enumerated().compactMap { readRule($1, "rules[\($0)]") }
        }
        return snapshot
    }

    mutating func readCluster(_ value: JSONValue, resources: [String]) -> Cluster {
        var cluster = Cluster()
        let known = ["name", "goal", "automation", "migrationThreshold", "maxUtilization", "migration", "ha"]
        guard let members = members(value, "cluster", known: known) else { return cluster }
        for (key, field) in members {
            let path = "cluster.\(key)"
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
                        cluster.migration.bandwidth = number(setting, "\(path).bandwidth", minimum: 0, exclusiveMinimum: true) ?? 1250
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
            let fieldPath = "\(path).\(key)"
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
            let fieldPath = "\(path).\(key)"
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

/// The known name closest to `name` by edit distance, when close enough to be a likely typo.
func nearest(_ name: String, among candidates: [String]) -> String? {
    let lowered = Array(name.lowercased())
    var best: (String, Int)?
    for candidate in candidates {
        let distance = editDistance(lowered, Array(candidate.lowercased()))
        if distance <= max(2, candidate.count / 3), best.map({ distance < $0.1 }) ?? true {
            best = (candidate, distance)
        }
    }
    return best?.0
}

func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
