@_spi(Benchmarks) import DRSModel

/// A problem in a snapshot read as a challenge instance, at a JSON path.
public struct RoadefSnapshotError: Error, Sendable, CustomStringConvertible {
    /// `path: what is wrong`.
    public var description: String
}

/// A snapshot read back as a challenge instance: the instance, the assignment the snapshot
/// holds (its `vms[].host`), and the ids that number the machines and processes.
public struct RoadefImported: Sendable {
    public var instance: RoadefInstance
    public var assignment: [Int]
    public var hostIDs: [String]
    public var vmIDs: [String]
}

extension RoadefSnapshot {
    /// Reads a snapshot in the form `snapshot(_:assignment:name:)` writes (any ids and names):
    /// hosts number the machines and VMs the processes in their order; groups, locations and
    /// neighborhoods are numbered in order of first appearance. Absent: a safety capacity is
    /// the capacity, a weight or move cost 0, a location or neighborhood the host's own.
    /// - Throws: `RoadefSnapshotError` at the first problem, naming its JSON path.
    public static func read(json bytes: [UInt8]) throws(RoadefSnapshotError) -> RoadefImported {
        let root: JSONValue
        do { root = try JSONParser.parse(bytes) } catch { throw RoadefSnapshotError(description: "invalid JSON at \(error.description)") }
        var tree = TreeReader()
        let resources = try tree.strings(root["resources"], "resources")
        guard !resources.isEmpty else { throw RoadefSnapshotError(description: "resources: at least one resource is needed") }
        tree.resourceIndex = Dictionary(resources.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var instance = RoadefInstance()
        let cluster = root["cluster"] ?? .object([])
        let transient = Set(try tree.strings(cluster["transientResources"] ?? .array([]), "cluster.transientResources"))
        instance.transient = resources.map { transient.contains($0) }
        instance.loadCostWeight = try tree.perResource(cluster["loadCostWeights"], "cluster.loadCostWeights", default: 0)
        for (b, balance) in try tree.array(cluster["balanceTargets"] ?? .array([]), "cluster.balanceTargets").enumerated() {
            let path = "cluster.balanceTargets[\(b)]"
            let pair = try tree.strings(balance["resources"], path + ".resources")
            guard pair.count == 2 else { throw RoadefSnapshotError(description: "\(path).resources: must name two resources, got \(pair.count)") }
            instance.balances.append(.init(first: try tree.resource(pair[0], path + ".resources[0]"),
                                           second: try tree.resource(pair[1], path + ".resources[1]"),
                                           target: try tree.whole(balance["target"], path + ".target"),
                                           weight: try tree.whole(balance["weight"], path + ".weight")))
        }
        let weights = cluster["moveCostWeights"] ?? .object([])
        instance.processMoveWeight = try tree.whole(weights["vm"] ?? .number(0), "cluster.moveCostWeights.vm")
        instance.serviceMoveWeight = try tree.whole(weights["group"] ?? .number(0), "cluster.moveCostWeights.group")
        instance.machineMoveWeight = try tree.whole(weights["host"] ?? .number(0), "cluster.moveCostWeights.host")
        let hostIDs = try readHosts(root, &tree, into: &instance)
        let (vmIDs, assignment) = try readVMs(root, &tree, hostIDs: hostIDs, into: &instance)
        try readRules(root, &tree, into: &instance)
        instance.spreadMin += Array(repeating: 0, count: max(0, tree.groups.count - instance.spreadMin.count))
        instance.dependencies += Array(repeating: [], count: max(0, tree.groups.count - instance.dependencies.count))
        guard instance.worstCaseCost != nil else {
            throw RoadefSnapshotError(description: "the weights and sizes let the cost exceed 2^63 - 1; no evaluation could be exact")
        }
        return RoadefImported(instance: instance, assignment: assignment, hostIDs: hostIDs, vmIDs: vmIDs)
    }

    private static func readHosts(_ root: JSONValue, _ tree: inout TreeReader, into instance: inout RoadefInstance) throws(RoadefSnapshotError) -> [String] {
        let hosts = try tree.array(root["hosts"], "hosts")
        guard !hosts.isEmpty else { throw RoadefSnapshotError(description: "hosts: at least one host is needed") }
        let ids = try hosts.enumerated().map { (h, host) throws(RoadefSnapshotError) in try tree.string(host["id"], "hosts[\(h)].id") }
        let index = try TreeReader.indexes(ids, "hosts")
        var locations: [String: Int] = [:], neighborhoods: [String: Int] = [:]
        instance.machineMoveCost = Array(repeating: 0, count: hosts.count * hosts.count)
        for (m, host) in hosts.enumerated() {
            let path = "hosts[\(m)]"
            let capacity = try tree.perResource(host["capacity"], path + ".capacity", default: 0)
            instance.capacity += capacity
            instance.safetyCapacity += try tree.perResourceIfPresent(host["safetyCapacity"], path + ".safetyCapacity") ?? capacity
            let location = host["location"] == nil ? "host " + ids[m] : try tree.string(host["location"], path + ".location")
            instance.location.append(TreeReader.number(location, in: &locations))
            let neighborhood = host["neighborhood"] == nil ? "host " + ids[m] : try tree.string(host["neighborhood"], path + ".neighborhood")
            instance.neighborhood.append(TreeReader.number(neighborhood, in: &neighborhoods))
            guard case let .object(members) = host["moveCost"] ?? .object([]) else {
                throw RoadefSnapshotError(description: "\(path).moveCost: must be an object (host id -> cost)")
            }
            for member in members {
                let memberPath = "\(path).moveCost.\(DisplayText.pathKey(member.key))"
                guard let to = index[member.key] else { throw RoadefSnapshotError(description: "\(memberPath): unknown host") }
                instance.machineMoveCost[m * hosts.count + to] = try tree.whole(member.value, memberPath)
            }
        }
        return ids
    }

    private static func readVMs(_ root: JSONValue, _ tree: inout TreeReader, hostIDs: [String], into instance: inout RoadefInstance)
        throws(RoadefSnapshotError) -> ([String], [Int]) {
        let vms = try tree.array(root["vms"], "vms")
        let hostIndex = try TreeReader.indexes(hostIDs, "hosts")
        var ids: [String] = [], assignment: [Int] = []
        for (p, vm) in vms.enumerated() {
            let path = "vms[\(p)]"
            ids.append(try tree.string(vm["id"], path + ".id"))
            let host = try tree.string(vm["host"], path + ".host")
            guard let m = hostIndex[host] else { throw RoadefSnapshotError(description: "\(path).host: unknown host \(DisplayText.quoted(host))") }
            assignment.append(m)
            instance.requirement += try tree.perResource(vm["demand"], path + ".demand", default: 0)
            instance.service.append(TreeReader.number(try tree.string(vm["group"], path + ".group"), in: &tree.groups))
            instance.processMoveCost.append(try tree.whole(vm["moveCost"] ?? .number(0), path + ".moveCost"))
        }
        _ = try TreeReader.indexes(ids, "vms")
        return (ids, assignment)
    }

    private static func readRules(_ root: JSONValue, _ tree: inout TreeReader, into instance: inout RoadefInstance) throws(RoadefSnapshotError) {
        for (i, rule) in try tree.array(root["rules"] ?? .array([]), "rules").enumerated() {
            let path = "rules[\(i)]"
            let kind = try tree.string(rule["kind"], path + ".kind")
            guard kind == "spread" || kind == "dependency" else { continue }
            let group = TreeReader.number(try tree.string(rule["group"], path + ".group"), in: &tree.groups)
            let key = try tree.string(rule["key"], path + ".key")
            let expected = kind == "spread" ? "location" : "neighborhood"
            guard key == expected else { throw RoadefSnapshotError(description: "\(path).key: a \(kind) rule of the challenge is over \"\(expected)\", got \(DisplayText.quoted(key))") }
            let needed = tree.groups.count
            instance.spreadMin += Array(repeating: 0, count: max(0, needed - instance.spreadMin.count))
            instance.dependencies += Array(repeating: [], count: max(0, needed - instance.dependencies.count))
            if kind == "spread" {
                instance.spreadMin[group] = max(instance.spreadMin[group], try tree.whole(rule["min"], path + ".min"))
            } else {
                let other = TreeReader.number(try tree.string(rule["dependsOn"], path + ".dependsOn"), in: &tree.groups)
                guard other != group else { throw RoadefSnapshotError(description: "\(path).dependsOn: a group cannot depend on itself") }
                instance.dependencies += Array(repeating: [], count: max(0, tree.groups.count - instance.dependencies.count))
                instance.spreadMin += Array(repeating: 0, count: max(0, tree.groups.count - instance.spreadMin.count))
                instance.dependencies[group].append(other)
            }
        }
    }
}

/// Typed access to a JSON tree with the path in every error.
private struct TreeReader {
    var resourceIndex: [String: Int] = [:]
    var groups: [String: Int] = [:]

    func array(_ value: JSONValue?, _ path: String) throws(RoadefSnapshotError) -> [JSONValue] {
        guard case let .array(elements) = value else { throw RoadefSnapshotError(description: "\(path): must be an array, got \(value?.typeName ?? "nothing")") }
        return elements
    }

    func string(_ value: JSONValue?, _ path: String) throws(RoadefSnapshotError) -> String {
        guard case let .string(text) = value else { throw RoadefSnapshotError(description: "\(path): must be a string, got \(value?.typeName ?? "nothing")") }
        return text
    }

    func strings(_ value: JSONValue?, _ path: String) throws(RoadefSnapshotError) -> [String] {
        try array(value, path).enumerated().map { (i, element) throws(RoadefSnapshotError) in try string(element, "\(path)[\(i)]") }
    }

    /// A whole number from 0 to 2^31 - 1, as the challenge's data are.
    func whole(_ value: JSONValue?, _ path: String) throws(RoadefSnapshotError) -> Int {
        guard case let .number(number) = value, number >= 0, number <= Double(Int32.max), number == number.rounded() else {
            let found = if case let .number(number)? = value { JSONWriter.number(number) } else { value?.typeName ?? "nothing" }
            throw RoadefSnapshotError(description: "\(path): must be a whole number from 0 to 2147483647, got \(found)")
        }
        return Int(number)
    }

    func resource(_ name: String, _ path: String) throws(RoadefSnapshotError) -> Int {
        guard let r = resourceIndex[name] else { throw RoadefSnapshotError(description: "\(path): unknown resource \(DisplayText.quoted(name))") }
        return r
    }

    /// One whole number per resource from an object keyed by resource name; nil when absent and
    /// `default` is nil.
    func perResourceIfPresent(_ value: JSONValue?, _ path: String, default fill: Int? = nil) throws(RoadefSnapshotError) -> [Int]? {
        guard let value else { return fill.map { Array(repeating: $0, count: resourceIndex.count) } }
        guard case let .object(members) = value else { throw RoadefSnapshotError(description: "\(path): must be an object (resource -> number)") }
        var values = Array(repeating: fill ?? 0, count: resourceIndex.count)
        for member in members {
            values[try resource(member.key, path + "." + DisplayText.pathKey(member.key))] = try whole(member.value, path + "." + DisplayText.pathKey(member.key))
        }
        return values
    }

    func perResource(_ value: JSONValue?, _ path: String, default fill: Int) throws(RoadefSnapshotError) -> [Int] {
        try perResourceIfPresent(value, path, default: fill) ?? []
    }

    /// The number of `name`, numbering new names in order of first appearance.
    static func number(_ name: String, in numbers: inout [String: Int]) -> Int {
        if let known = numbers[name] { return known }
        numbers[name] = numbers.count
        return numbers.count - 1
    }

    /// Index of each id; a duplicate id is an error.
    static func indexes(_ ids: [String], _ path: String) throws(RoadefSnapshotError) -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, id) in ids.enumerated() where index.updateValue(i, forKey: id) != nil {
            throw RoadefSnapshotError(description: "\(path)[\(i)].id: duplicate id \(DisplayText.quoted(id))")
        }
        return index
    }
}
