@_spi(Benchmarks) import DRSModel

extension Hostile {
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

    /// A malformed file made from a snapshot tree: one of fourteen kinds of damage, from an
    /// empty file to duplicate keys.
    static func malformed(_ tree: JSONValue, _ random: inout SplitMix64) -> [UInt8] {
        switch random.int(in: 0...13) {
        case 0:
            return []
        case 1:
            let bytes = text(tree)
            return Array(bytes.prefix(random.int(in: 1...max(1, bytes.count - 1))))
        case 2:
            return wrongType(tree, &random)
        case 3:
            return invalidUTF8(tree, &random)
        case 4:
            return controlCharactersInIDs(tree, &random)
        case 5:
            // A raw control character inside a string (invalid JSON).
            var bytes = text(tree)
            if let quote = bytes.firstIndex(of: UInt8(ascii: "\"")) { bytes.insert(random.element(of: [0x01, 0x0A, 0x1B, 0x00]), at: quote + 1) }
            return bytes
        case 6:
            return duplicateIDs(tree, &random)
        case 7:
            return unknownFieldsAndReferences(tree, &random)
        case 8:
            // A number literal out of Double's range, or not a JSON number at all.
            let bytes = text(tree)
            let literal = ["1e400", "-1e400", "NaN", "Infinity", "0x10", "1.", "01", "1e999999999"][random.int(in: 0...7)]
            return replaceNthNumber(bytes, random.int(in: 0...50), with: Array(literal.utf8))
        case 9:
            // Negative and fractional values where counts or sizes are expected.
            var tree = tree
            let numbers = paths(tree, where: { value, _ in isNumber(value) })
            for _ in 0..<2 where !numbers.isEmpty {
                tree = replacing(tree, at: random.element(of: numbers), with: .number([-5, -0.001, 0.5, 2.5, 6][random.int(in: 0...4)]))
            }
            return text(tree)
        case 10:
            return longID(tree)
        case 11:
            return deepOrNotAnObject(&random)
        case 12:
            // A byte-order mark, trailing text, or a second document.
            let bytes = text(tree)
            return [[0xEF, 0xBB, 0xBF] + bytes, bytes + Array("garbage".utf8), bytes + bytes, bytes + [0]][random.int(in: 0...3)]
        default:
            return duplicateKeys(tree, &random)
        }
    }

    /// The tree written as JSON bytes.
    static func text(_ tree: JSONValue) -> [UInt8] { Array(JSONWriter.write(tree).utf8) }

    /// A value of the wrong type anywhere below the top.
    static func wrongType(_ tree: JSONValue, _ random: inout SplitMix64) -> [UInt8] {
        var tree = tree
        let all = paths(tree, where: { _, path in !path.isEmpty })
        let wrong: [JSONValue] = [.string("x"), .bool(true), .null, .array([]), .object([]), .number(7), .string("")]
        if !all.isEmpty { tree = replacing(tree, at: random.element(of: all), with: random.element(of: wrong)) }
        return text(tree)
    }

    /// Invalid UTF-8 in two ids that differ only in their invalid bytes.
    static func invalidUTF8(_ tree: JSONValue, _ random: inout SplitMix64) -> [UInt8] {
        var tree = tree
        let ids = idPaths(tree, "hosts") + idPaths(tree, "vms")
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
    }

    /// Control characters and terminal escapes in ids (escaped: valid JSON).
    static func controlCharactersInIDs(_ tree: JSONValue, _ random: inout SplitMix64) -> [UInt8] {
        var tree = tree
        let odd = ["a\u{01}b", "line\nbreak", "\u{1B}[31mred\u{1B}[0m", "tab\there", "nul\u{0}x", "bell\u{07}", "\u{7F}del", "\u{202E}rtl"]
        for path in idPaths(tree, "hosts") + idPaths(tree, "vms") where random.chance(0.5) {
            if case let .string(id)? = value(tree, at: path) { tree = replacing(tree, at: path, with: .string(id + random.element(of: odd))) }
        }
        tree = renameReferences(tree)
        return text(tree)
    }

    /// Duplicate ids: a host's or VM's id copied onto another of the same list.
    static func duplicateIDs(_ tree: JSONValue, _ random: inout SplitMix64) -> [UInt8] {
        var tree = tree
        for list in [idPaths(tree, "hosts"), idPaths(tree, "vms")] where list.count >= 2 {
            if case let .string(id)? = value(tree, at: list[0]) { tree = replacing(tree, at: random.element(of: Array(list.dropFirst())), with: .string(id)) }
        }
        return text(tree)
    }

    /// Unknown fields (a typo) and unknown references.
    static func unknownFieldsAndReferences(_ tree: JSONValue, _ random: inout SplitMix64) -> [UInt8] {
        var tree = tree
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
    }

    /// A long id: 20,000 characters that match nothing, as a reference and a field name.
    static func longID(_ tree: JSONValue) -> [UInt8] {
        var tree = tree
        let long = String(repeating: "q", count: 20_000)
        if let path = idPaths(tree, "vms").first { tree = replacing(tree, at: path, with: .string(long + "v")) }
        tree = replacing(tree, at: [.key("cluster")], with: .object([(long, .number(1))]))
        return text(tree)
    }

    /// Nesting deeper than any snapshot, and a top level that is not an object.
    static func deepOrNotAnObject(_ random: inout SplitMix64) -> [UInt8] {
        let depth = random.chance(0.5) ? 600 : 100_000
        if random.chance(0.5) { return Array(String(repeating: "[", count: depth).utf8) + Array(String(repeating: "]", count: depth).utf8) }
        return [[], Array("[1, 2]".utf8), Array("\"snapshot\"".utf8), Array("null".utf8), Array("{}".utf8),
                Array("{\"schemaVersion\": 1}".utf8), Array("{\"schemaVersion\": 2, \"hosts\": []}".utf8)][random.int(in: 0...6)]
    }

    /// Duplicate keys in an object.
    static func duplicateKeys(_ tree: JSONValue, _ random: inout SplitMix64) -> [UInt8] {
        var tree = tree
        let objects = paths(tree, where: { value, _ in if case let .object(members) = value { return !members.isEmpty }; return false })
        tree = replacing(tree, at: random.element(of: objects)[...], { value in
            if case var .object(members) = value { members.append(members[0]); return .object(members) }
            return value
        })
        return text(tree)
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
