@_spi(Benchmarks) import DRSModel

/// The body of `/v1/check`, `{"snapshot": SNAPSHOT, "plan": PLAN}`: each member's own bytes,
/// so that the snapshot and the plan are read exactly as `drs check` reads their files.
struct CheckBody {
    var snapshot: [UInt8]
    var plan: [UInt8]

    init(_ bytes: [UInt8]) throws(ServiceFailure) {
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw .invalid("the body is not JSON; nothing was checked.",
                           issues: [.object([("path", .string(error.path)), ("message", .string("invalid JSON at \(error.location)"))])])
        }
        guard case let .object(members) = root else {
            throw .invalid("the body must be {\"snapshot\": ..., \"plan\": ...}; nothing was checked.",
                           issues: [.object([("path", .string("")), ("message", .string("must be an object, got \(root.typeName)"))])])
        }
        var issues: [JSONValue] = []
        func issue(_ path: String, _ message: String) { issues.append(.object([("path", .string(path)), ("message", .string(message))])) }
        for name in ["snapshot", "plan"] {
            let count = members.filter { $0.key == name }.count
            if count == 0 { issue(name, "missing (the body is {\"snapshot\": ..., \"plan\": ...})") }
            if count > 1 { issue(name, "given \(count) times") }
        }
        for member in members where member.key != "snapshot" && member.key != "plan" {
            issue(DisplayText.pathKey(member.key), "unknown field; the body has snapshot and plan only")
        }
        if !issues.isEmpty { throw .invalid("the body must be {\"snapshot\": ..., \"plan\": ...}; nothing was checked.", issues: issues) }
        let ranges = Self.members(bytes)
        guard let snapshotRange = ranges["snapshot"], let planRange = ranges["plan"] else {
            throw .invalid("the body cannot be split; nothing was checked.", issues: [])
        }
        snapshot = Array(bytes[snapshotRange])
        plan = Array(bytes[planRange])
    }

    /// The byte range of each member's value in a top-level object, in valid JSON. O(bytes).
    static func members(_ bytes: [UInt8]) -> [String: Range<Int>] {
        var index = 0
        func skipSpace() { while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 } }
        /// Past the string that starts at `index` (its opening quote).
        func skipString() {
            index += 1
            while index < bytes.count, bytes[index] != 0x22 { index += bytes[index] == 0x5C ? 2 : 1 }
            index += 1
        }
        func skipValue() {
            switch bytes[index] {
            case 0x22: skipString()
            case 0x7B, 0x5B:
                var depth = 0
                repeat {
                    switch bytes[index] {
                    case 0x22: skipString(); continue
                    case 0x7B, 0x5B: depth += 1
                    case 0x7D, 0x5D: depth -= 1
                    default: break
                    }
                    index += 1
                } while depth > 0 && index < bytes.count
            default:
                while index < bytes.count, ![0x2C, 0x7D, 0x5D, 0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
            }
        }
        var ranges: [String: Range<Int>] = [:]
        skipSpace()
        index += 1  // {
        while index < bytes.count {
            skipSpace()
            guard index < bytes.count, bytes[index] == 0x22 else { break }
            let keyStart = index
            skipString()
            let key: String
            if case let .string(text)? = try? JSONParser.parse(Array(bytes[keyStart..<index])) { key = text } else { key = "" }
            skipSpace()
            index += 1  // :
            skipSpace()
            let start = index
            skipValue()
            ranges[key] = start..<index
            skipSpace()
            if index < bytes.count, bytes[index] == 0x2C { index += 1 } else { break }
        }
        return ranges
    }
}
