import DRSModel

/// The `hostile` class: the inputs of the randomized differential harness. Each seed gives
/// exactly one file (the same bytes on every machine), written as bytes because a fraction
/// of them is not valid JSON or not valid UTF-8.
///
/// About 70% are well-formed snapshots that use every field of the snapshot contract: 1 to 16
/// resources, both goals, every automation level (cluster and per VM), every threshold,
/// headroom, migration settings, HA with a master and 0 to 2 host failures to tolerate, every
/// host state, datastores, placed and new VMs, both power states, every priority, FT
/// secondaries, migration memory and dirty rates, and rules of every kind, policy and
/// `required` value. Capacity is tight (total demand 40% to 130% of the cluster) and the input
/// is often already broken: overloaded hosts, VMs on failed, maintenance or standby hosts,
/// broken required and `must` rules, FT secondaries on bad hosts. Fields with a default are
/// sometimes written out and sometimes left out. Such a snapshot may still be invalid input
/// (contradictory hard rules, a VM that fits no host): the harness asks `drs validate`.
///
/// About 12% carry huge magnitudes (1e16, 4.7e15 pairs, 1e300 capacities, 1e308 migration
/// memory, thresholds of 2^63) and about 18% are malformed files: empty, truncated, a value of
/// the wrong type, invalid UTF-8 in ids, control characters in ids (escaped and raw),
/// duplicate ids, unknown fields and references, `1e400`, negative numbers, long ids, deep
/// nesting, a byte-order mark, trailing text.
///
/// `--hosts` and `--vms` are the largest sizes drawn (hosts 1...H, VMs 0...V); the resource
/// count is drawn from the seed (1 to 16), whatever `--resources` says.
enum Hostile {
    /// The three families of files a seed can give.
    enum Family: String { case snapshot, huge, malformed }

    static func generate(_ options: GeneratorOptions, _ random: inout SplitMix64) -> GeneratedSnapshot {
        var shapeRandom = random.fork()
        var corruptRandom = random.fork()
        let family = [Family.snapshot, .huge, .malformed][corruptRandom.pick(weights: [70, 12, 18])]
        var tree = snapshotTree(options, &shapeRandom)
        let bytes: [UInt8]
        switch family {
        case .snapshot:
            bytes = Array(JSONWriter.write(tree).utf8)
        case .huge:
            tree = huge(tree, &corruptRandom)
            bytes = Array(JSONWriter.write(tree).utf8)
        case .malformed:
            bytes = malformed(tree, &corruptRandom)
        }
        // The file is the bytes alone: the generator never reads them back, so a reader that
        // fails on them cannot take the generator down with it.
        let empty = Snapshot(resources: [], cluster: Cluster(name: Generator.name(options)), hosts: [], vms: [])
        return GeneratedSnapshot(options: options, snapshot: empty, raw: bytes)
    }

    // MARK: Well-formed snapshots

    static let resourcePool = ["cpu", "memory", "network", "storage", "gpu", "iops", "disk", "power",
                               "fpga", "licenses", "sockets", "cache", "nvme", "vram", "ports", "tokens"]

    typealias Fields = [(key: String, value: JSONValue)]

    static func numberValue(_ value: Double) -> JSONValue { .number(value) }

    /// A random snapshot as an ordered JSON tree; see the type's documentation.
    static func snapshotTree(_ options: GeneratorOptions, _ random: inout SplitMix64) -> JSONValue {
        let hostCount = random.int(in: 1...max(1, options.hosts))
        let vmCount = random.chance(0.03) ? 0 : random.int(in: 1...max(1, options.vms))
        let resourceCount = [1, 2, 2, 2, 3, 4, 5, 8, 16][random.int(in: 0...8)]
        let resources: [String]
        if resourceCount == 2 && random.chance(0.5) {
            resources = ["cpu", "memory"]
        } else {
            var pool = resourcePool
            random.shuffle(&pool)
            resources = Array(pool.prefix(resourceCount))
        }
        let fractional = random.chance(0.2)
        let hostIDs = Generator.ids("h", count: hostCount)
        let vmIDs = Generator.ids("v", count: vmCount)

        // Hosts: heterogeneous capacities, every state, datastores.
        let scale = resources.map { _ in [1.0, 10, 100, 1000, 16384][random.int(in: 0...4)] }
        let stateWeights: [Double] = random.chance(0.5) ? [100, 0, 0, 0] : [70, 10, 10, 10]
        let states = ["connected", "maintenance", "failed", "standby"]
        var capacities: [[Double]] = []
        var hostStates: [String] = []
        var hosts: [JSONValue] = []
        for (h, id) in hostIDs.enumerated() {
            // The first two hosts are connected and the largest, so that most VMs (FT ones
            // included) fit somewhere and most snapshots are valid input.
            let anchor = h < 2
            let size = anchor ? 128 : Double(random.int(in: 4...16)) * 8
            let capacity = scale.map { size * $0 * (!anchor && random.chance(0.3) ? Double(random.int(in: 1...3)) / 2 : 1) }
            capacities.append(capacity)
            let state = anchor ? "connected" : states[random.pick(weights: stateWeights)]
            hostStates.append(state)
            var capacityFields: Fields = []
            for (r, name) in resources.enumerated() where anchor || !random.chance(0.03) {
                capacityFields.append((name, .number(capacity[r])))
            }
            var fields: Fields = [("id", .string(id)), ("capacity", .object(capacityFields))]
            if state != "connected" || random.chance(0.2) { fields.append(("state", .string(state))) }
            if random.chance(0.6) {
                let stores = ["ds1", "ds2", "ds3", "ds4"].filter { _ in random.chance(0.5) }
                fields.append(("datastores", .array(stores.map { .string($0) })))
            }
            hosts.append(.object(fields))
        }

        // Cluster settings: each field present or left to its default.
        var cluster: Fields = []
        if random.chance(0.5) { cluster.append(("name", .string("hostile-\(options.seed)"))) }
        let goal = random.chance(0.5) ? "balance" : "consolidate"
        if goal == "consolidate" || random.chance(0.5) { cluster.append(("goal", .string(goal))) }
        let automation = ["manual", "partial", "full"][random.pick(weights: [15, 30, 55])]
        if automation != "full" || random.chance(0.5) { cluster.append(("automation", .string(automation))) }
        if random.chance(0.7) { cluster.append(("migrationThreshold", .number(Double(random.int(in: 1...5))))) }
        var headroom: [Double] = resources.map { _ in 1 }
        if random.chance(0.5) {
            var fields: Fields = []
            for (r, name) in resources.enumerated() where random.chance(0.7) {
                headroom[r] = [0.5, 0.75, 0.8, 0.9, 0.95, 1][random.int(in: 0...5)]
                fields.append((name, .number(headroom[r])))
            }
            cluster.append(("maxUtilization", .object(fields)))
        }
        if random.chance(0.6) {
            var fields: Fields = []
            if random.chance(0.7) { fields.append(("bandwidth", .number([10, 125, 1250, 12500][random.int(in: 0...3)]))) }
            if random.chance(0.7) { fields.append(("maxConcurrentPerHost", .number(Double(random.int(in: 1...8))))) }
            cluster.append(("migration", .object(fields)))
        }
        if random.chance(0.5) {
            var fields: Fields = [("enabled", .bool(random.chance(0.85)))]
            // Mostly fewer failures to tolerate than connected hosts (more is invalid input).
            let connected = hostStates.filter { $0 == "connected" }.count
            let tolerate = random.pick(weights: [20, 60, 20])
            if random.chance(0.9) { fields.append(("hostFailuresToTolerate", .number(Double(random.chance(0.9) ? min(tolerate, connected - 1) : tolerate)))) }
            if random.chance(0.7) { fields.append(("master", .string(random.element(of: hostIDs)))) }
            cluster.append(("ha", .object(fields)))
        }

        // VMs: total demand 40% to 130% of the cluster in each resource, placed anywhere.
        let tightness = 0.4 + random.unit() * 0.9
        let placedShare = [0.0, 0.5, 0.9, 1.0][random.int(in: 0...3)]
        var vms: [JSONValue] = []
        for id in vmIDs {
            var demandFields: Fields = []
            for (r, name) in resources.enumerated() where !random.chance(0.05) {
                let total = capacities.reduce(0) { $0 + $1[r] } * headroom[r]
                let largest = capacities.prefix(2).map { $0[r] }.min()! * headroom[r]
                let mean = tightness * total / Double(max(1, vmCount))
                var value = min(largest * 0.9, random.unit() * 2 * mean)
                value = fractional ? (value * 2).rounded(.down) / 2 : value.rounded(.down)
                demandFields.append((name, .number(value)))
            }
            var fields: Fields = [("id", .string(id))]
            let host = random.chance(placedShare) ? Optional(random.int(in: 0...(hostCount - 1))) : nil
            if let host {
                fields.append(("host", .string(hostIDs[host])))
            } else if random.chance(0.5) {
                fields.append(("host", .null))
            }
            fields.append(("demand", .object(demandFields)))
            if random.chance(0.1) {
                fields.append(("powerState", .string(random.chance(0.8) ? "off" : "on")))
            }
            if random.chance(0.6) {
                fields.append(("priority", .string(["highest", "high", "medium", "low", "lowest"][random.int(in: 0...4)])))
            }
            if hostCount > 1 && random.chance(0.12) {
                let secondary: JSONValue
                if random.chance(0.15) {
                    secondary = .null
                } else {
                    // Mostly another host than the primary; any host, bad states included.
                    var pick = random.int(in: 0...(hostCount - 1))
                    if pick == host && random.chance(0.9) { pick = (pick + 1) % hostCount }
                    secondary = .string(hostIDs[pick])
                }
                fields.append(("ft", .object([("secondaryHost", secondary)])))
            }
            if random.chance(0.4) {
                var parts: Fields = []
                if random.chance(0.6) { parts.append(("memory", .number(Double(random.int(in: 0...65536))))) }
                if random.chance(0.7) { parts.append(("dirtyRate", .number([0, 10, 100, 1000, 5000][random.int(in: 0...4)]))) }
                fields.append(("migration", .object(parts)))
            }
            if random.chance(0.25) {
                fields.append(("automation", .string(["disabled", "manual", "partial", "full"][random.int(in: 0...3)])))
            }
            vms.append(.object(fields))
        }

        // Rules of every kind; members drawn freely, so the input may already break them.
        var rules: [JSONValue] = []
        let ruleCount = vmCount == 0 ? 0 : random.int(in: 0...min(6, vmCount + 1))
        for index in 0..<ruleCount {
            let kind = ["affinity", "antiAffinity", "vmHost"][random.int(in: 0...2)]
            var members = vmIDs
            random.shuffle(&members)
            let size = kind == "vmHost" ? random.int(in: 1...min(3, vmCount)) : min(vmCount, random.int(in: 2...4))
            var fields: Fields = [("id", .string("r\(index + 1)")), ("kind", .string(kind)),
                                  ("vms", .array(members.prefix(size).map { .string($0) }))]
            if kind == "vmHost" {
                var targets = hostIDs
                random.shuffle(&targets)
                fields.append(("hosts", .array(targets.prefix(random.int(in: 1...hostCount)).map { .string($0) })))
                fields.append(("policy", .string(["must", "mustNot", "should", "shouldNot"][random.int(in: 0...3)])))
            } else {
                let required = random.int(in: 0...2)
                if required < 2 { fields.append(("required", .bool(required == 0))) }
            }
            rules.append(.object(fields))
        }

        var top: Fields = [("schemaVersion", .number(1))]
        if resources != ["cpu", "memory"] || random.chance(0.5) { top.append(("resources", .array(resources.map { .string($0) }))) }
        if !cluster.isEmpty || random.chance(0.5) { top.append(("cluster", .object(cluster))) }
        top.append(("hosts", .array(hosts)))
        top.append(("vms", .array(vms)))
        if !rules.isEmpty || random.chance(0.5) { top.append(("rules", .array(rules))) }
        return .object(top)
    }

    // MARK: Tree editing

    enum PathStep: Equatable { case key(String), index(Int) }

    /// Paths of every value in the tree for which `select` holds, in document order.
    static func paths(_ value: JSONValue, where select: (JSONValue, [PathStep]) -> Bool,
                      prefix: [PathStep] = []) -> [[PathStep]] {
        var found: [[PathStep]] = select(value, prefix) ? [prefix] : []
        switch value {
        case let .object(members):
            for member in members { found += paths(member.value, where: select, prefix: prefix + [.key(member.key)]) }
        case let .array(elements):
            for (index, element) in elements.enumerated() { found += paths(element, where: select, prefix: prefix + [.index(index)]) }
        default: break
        }
        return found
    }

    /// The tree with the value at `path` replaced by `transform` of it (unchanged when absent).
    static func replacing(_ value: JSONValue, at path: ArraySlice<PathStep>, _ transform: (JSONValue) -> JSONValue) -> JSONValue {
        guard let first = path.first else { return transform(value) }
        switch (value, first) {
        case (.object(var members), .key(let key)):
            if let index = members.firstIndex(where: { $0.key == key }) {
                members[index].value = replacing(members[index].value, at: path.dropFirst(), transform)
            }
            return .object(members)
        case (.array(var elements), .index(let index)) where elements.indices.contains(index):
            elements[index] = replacing(elements[index], at: path.dropFirst(), transform)
            return .array(elements)
        default:
            return value
        }
    }

    static func replacing(_ value: JSONValue, at path: [PathStep], with new: JSONValue) -> JSONValue {
        replacing(value, at: path[...], { _ in new })
    }

    static func isNumber(_ value: JSONValue) -> Bool { if case .number = value { return true }; return false }

    static func lastKey(_ path: [PathStep]) -> String? { if case let .key(key)? = path.last { return key }; return nil }

    /// The value at `path`, when present.
    static func value(_ tree: JSONValue, at path: [PathStep]) -> JSONValue? {
        var current = tree
        for step in path {
            switch (current, step) {
            case (.object, .key(let key)): guard let next = current[key] else { return nil }; current = next
            case (.array(let elements), .index(let index)) where elements.indices.contains(index): current = elements[index]
            default: return nil
            }
        }
        return current
    }

    /// Paths of the `id` strings of hosts or VMs.
    static func idPaths(_ tree: JSONValue, _ list: String) -> [[PathStep]] {
        guard case let .array(elements)? = tree[list] else { return [] }
        return elements.indices.map { [.key(list), .index($0), .key("id")] }
    }

    // MARK: Huge magnitudes

    static let hugeValues: [Double] = [1e16, 4.7e15, 9.3e15, 1e18, 9.3e18, 1e300, 1e308, -1e300, 1e-300, 0x1p63, 0x1p53 + 1]

    static func huge(_ tree: JSONValue, _ random: inout SplitMix64) -> JSONValue {
        var tree = tree
        let numbers = paths(tree, where: { value, _ in isNumber(value) })
        switch random.int(in: 0...4) {
        case 0:
            // One to three numbers anywhere, schemaVersion and thresholds included.
            for _ in 0..<random.int(in: 1...3) where !numbers.isEmpty {
                tree = replacing(tree, at: random.element(of: numbers), with: .number(random.element(of: hugeValues)))
            }
        case 1:
            // Every capacity of one resource at 1e300: sums for HA admission control overflow.
            let capacities = numbers.filter { $0.count == 5 && $0[0] == .key("hosts") && $0[2] == .key("capacity") }
            if let chosen = capacities.first.flatMap(lastKey) {
                for path in capacities where lastKey(path) == chosen { tree = replacing(tree, at: path, with: .number(1e300)) }
            }
        case 2:
            // Demands whose sum overflows the milli-units: 4.7e15 each, on a host of 1e16.
            let demands = numbers.filter { $0.count == 5 && $0[0] == .key("vms") && $0[2] == .key("demand") }
            for path in demands.prefix(2) { tree = replacing(tree, at: path, with: .number(4.7e15)) }
            if let host = numbers.first(where: { $0.count == 5 && $0[0] == .key("hosts") }) {
                tree = replacing(tree, at: host, with: .number(1e16))
            }
        case 3:
            // Migration memory and dirty rates at the edge of Double.
            let migration = numbers.filter { $0.count == 5 && $0[2] == .key("migration") }
            for path in migration { tree = replacing(tree, at: path, with: .number(lastKey(path) == "memory" ? 1e308 : 1e300)) }
            if migration.isEmpty, let path = numbers.first(where: { lastKey($0) == "bandwidth" }) {
                tree = replacing(tree, at: path, with: .number(1e-300))
            }
        default:
            // Every demand and capacity scaled by 1e13: large but each within Double.
            for path in numbers where path.count == 5 && (path[2] == .key("demand") || path[2] == .key("capacity")) {
                tree = replacing(tree, at: path[...], { value in
                    if case let .number(number) = value { return .number(number * 1e13) }
                    return value
                })
            }
        }
        return tree
    }

    // MARK: Malformed files

    static func malformed(_ tree: JSONValue, _ random: inout SplitMix64) -> [UInt8] {
        var tree = tree
        let text = { (tree: JSONValue) in Array(JSONWriter.write(tree).utf8) }
        let hostIDs = idPaths(tree, "hosts"), vmIDs = idPaths(tree, "vms")
        let ids = hostIDs + vmIDs
        switch random.int(in: 0...13) {
        case 0:
            return []
        case 1:
            let bytes = text(tree)
            return Array(bytes.prefix(random.int(in: 1...max(1, bytes.count - 1))))
        case 2:
            // A value of the wrong type anywhere below the top.
            let all = paths(tree, where: { _, path in !path.isEmpty })
            let wrong: [JSONValue] = [.string("x"), .bool(true), .null, .array([]), .object([]), .number(7), .string("")]
            if !all.isEmpty { tree = replacing(tree, at: random.element(of: all), with: random.element(of: wrong)) }
            return text(tree)
        case 3:
            // Invalid UTF-8 in two ids that differ only in their invalid bytes.
            guard ids.count >= 1 else { return [0xFF, 0xFE] + text(tree) }
            let first = random.element(of: ids), second = random.element(of: ids)
            // References follow the renamed ids, so the only fault is the encoding.
            tree = replacing(tree, at: first, with: .string("BADUTF8A"))
            if second != first { tree = replacing(tree, at: second, with: .string("BADUTF8B")) }
            tree = renameReferences(tree)
            var bytes = text(tree)
            bytes = replace(bytes, Array("BADUTF8A".utf8), with: Array("bad".utf8) + [0xFF], all: true)
            bytes = replace(bytes, Array("BADUTF8B".utf8), with: Array("bad".utf8) + [0xFE], all: true)
            return bytes
        case 4:
            // Control characters and terminal escapes in ids (escaped: valid JSON).
            let odd = ["a\u{01}b", "line\nbreak", "\u{1B}[31mred\u{1B}[0m", "tab\there", "nul\u{0}x", "bell\u{07}", "\u{7F}del", "\u{202E}rtl"]
            for path in ids where random.chance(0.5) {
                if case let .string(id)? = value(tree, at: path) { tree = replacing(tree, at: path, with: .string(id + random.element(of: odd))) }
            }
            tree = renameReferences(tree)
            return text(tree)
        case 5:
            // A raw control character inside a string (invalid JSON).
            var bytes = text(tree)
            if let quote = bytes.firstIndex(of: UInt8(ascii: "\"")) { bytes.insert(random.element(of: [0x01, 0x0A, 0x1B, 0x00]), at: quote + 1) }
            return bytes
        case 6:
            // Duplicate ids: a host's or VM's id copied onto another of the same list.
            for list in [hostIDs, vmIDs] where list.count >= 2 {
                if case let .string(id)? = value(tree, at: list[0]) { tree = replacing(tree, at: random.element(of: Array(list.dropFirst())), with: .string(id)) }
            }
            return text(tree)
        case 7:
            // Unknown fields (a typo) and unknown references.
            let objects = paths(tree, where: { value, _ in if case .object = value { return true }; return false })
            let target = random.element(of: objects)
            tree = replacing(tree, at: target[...], { value in
                if case var .object(members) = value { members.append((["demnad", "capacty", "hots", "prioirty", "x"][random.int(in: 0...4)], .number(1))); return .object(members) }
                return value
            })
            let references = paths(tree, where: { value, path in
                if case .string = value { return ["host", "master", "secondaryHost"].contains(lastKey(path) ?? "") || path.dropLast().last == .key("vms") }
                return false
            })
            if !references.isEmpty && random.chance(0.7) { tree = replacing(tree, at: random.element(of: references), with: .string("no-such-id")) }
            return text(tree)
        case 8:
            // A number literal out of Double's range, or not a JSON number at all.
            let bytes = text(tree)
            let literal = ["1e400", "-1e400", "NaN", "Infinity", "0x10", "1.", "01", "1e999999999"][random.int(in: 0...7)]
            return replaceNthNumber(bytes, random.int(in: 0...50), with: Array(literal.utf8))
        case 9:
            // Negative and fractional values where counts or sizes are expected.
            let numbers = paths(tree, where: { value, _ in isNumber(value) })
            for _ in 0..<2 where !numbers.isEmpty {
                tree = replacing(tree, at: random.element(of: numbers), with: .number([-5, -0.001, 0.5, 2.5, 6][random.int(in: 0...4)]))
            }
            return text(tree)
        case 10:
            // A long id: 20,000 characters that match nothing, as a reference and a field name.
            let long = String(repeating: "q", count: 20_000)
            if let path = vmIDs.first { tree = replacing(tree, at: path, with: .string(long + "v")) }
            tree = replacing(tree, at: [.key("cluster")], with: .object([(long, .number(1))]))
            return text(tree)
        case 11:
            // Nesting deeper than any snapshot, and a top level that is not an object.
            let depth = random.chance(0.5) ? 600 : 100_000
            if random.chance(0.5) { return Array(String(repeating: "[", count: depth).utf8) + Array(String(repeating: "]", count: depth).utf8) }
            return [[], Array("[1, 2]".utf8), Array("\"snapshot\"".utf8), Array("null".utf8), Array("{}".utf8),
                    Array("{\"schemaVersion\": 1}".utf8), Array("{\"schemaVersion\": 2, \"hosts\": []}".utf8)][random.int(in: 0...6)]
        case 12:
            // A byte-order mark, trailing text, or a second document.
            let bytes = text(tree)
            return [[0xEF, 0xBB, 0xBF] + bytes, bytes + Array("garbage".utf8), bytes + bytes, bytes + [0]][random.int(in: 0...3)]
        default:
            // Duplicate keys in an object.
            let objects = paths(tree, where: { value, _ in if case let .object(members) = value { return !members.isEmpty }; return false })
            tree = replacing(tree, at: random.element(of: objects)[...], { value in
                if case var .object(members) = value { members.append(members[0]); return .object(members) }
                return value
            })
            return text(tree)
        }
    }

    /// Re-points host references (VM hosts, FT secondaries, rule hosts, the HA master) and VM
    /// references (rule members) at the hosts' and VMs' ids after renaming, by position.
    static func renameReferences(_ tree: JSONValue) -> JSONValue {
        guard case let .array(hosts)? = tree["hosts"], case let .array(vms)? = tree["vms"] else { return tree }
        func idsOf(_ list: [JSONValue]) -> [String] { list.map { if case let .string(id)? = $0["id"] { return id }; return "" } }
        let hostNames = idsOf(hosts), vmNames = idsOf(vms)
        // Generated ids are h<number> and v<number>: map the original name to the new one.
        let originalHosts = Generator.ids("h", count: hostNames.count), originalVMs = Generator.ids("v", count: vmNames.count)
        let hostMap = Dictionary(zip(originalHosts, hostNames), uniquingKeysWith: { a, _ in a })
        let vmMap = Dictionary(zip(originalVMs, vmNames), uniquingKeysWith: { a, _ in a })
        var tree = tree
        let references = paths(tree, where: { value, path in
            guard case .string = value else { return false }
            return ["host", "master", "secondaryHost"].contains(lastKey(path) ?? "") || path.count == 4 && path[0] == .key("rules")
        })
        for path in references {
            guard case let .string(name)? = value(tree, at: path) else { continue }
            let isVM = path.count == 4 && path[2] == .key("vms")
            if let renamed = (isVM ? vmMap : hostMap)[name] { tree = replacing(tree, at: path, with: .string(renamed)) }
        }
        return tree
    }

    /// `bytes` with the first (or every) occurrence of `pattern` replaced.
    static func replace(_ bytes: [UInt8], _ pattern: [UInt8], with new: [UInt8], all: Bool = false) -> [UInt8] {
        guard !pattern.isEmpty, bytes.count >= pattern.count else { return bytes }
        var result: [UInt8] = []
        var index = 0
        var replaced = false
        while index < bytes.count {
            if (!replaced || all), index + pattern.count <= bytes.count, bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                result += new
                index += pattern.count
                replaced = true
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }

    /// `bytes` with the n-th number literal (counting from 0, wrapping) replaced by `literal`.
    static func replaceNthNumber(_ bytes: [UInt8], _ n: Int, with literal: [UInt8]) -> [UInt8] {
        var spans: [Range<Int>] = []
        var index = 0
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") { index += 2; continue }
                if byte == UInt8(ascii: "\"") { inString = false }
                index += 1
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                index += 1
            } else if byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                let start = index
                while index < bytes.count, "0123456789+-.eE".utf8.contains(bytes[index]) { index += 1 }
                spans.append(start..<index)
            } else {
                index += 1
            }
        }
        guard !spans.isEmpty else { return bytes + literal }
        let span = spans[n % spans.count]
        return Array(bytes[..<span.lowerBound]) + literal + Array(bytes[span.upperBound...])
    }
}
