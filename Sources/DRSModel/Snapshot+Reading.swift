/// One problem found in the input, at a JSON path such as `vms[3].demand.cpu`.
public struct InputIssue: Sendable, Equatable, CustomStringConvertible {
    /// The JSON path of the problem, such as `vms[3].demand.cpu`; empty for the whole input.
    public var path: String
    /// What is wrong, such as `must be a finite number >= 0, got -5`.
    public var message: String
    /// `path: message`, or the message alone when the path is empty.
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Every problem found in a snapshot; solving never starts when there is one. The first
/// `InputLimits.maximumReportedIssues` are listed; the rest are only counted.
public struct SnapshotError: Error, Sendable, CustomStringConvertible {
    /// The problems listed, in the order found: at most `InputLimits.maximumReportedIssues`.
    public var issues: [InputIssue]
    /// Problems found beyond those listed in `issues`.
    public var omitted: Int = 0
    /// All problems found, listed or not.
    public var count: Int { issues.count + omitted }
    /// One issue per line, then how many more were found, if any.
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
    ///
    /// Valid input is read in one pass straight into the snapshot (`DirectSnapshotReader`);
    /// input with any issue is read again through a JSON tree (`JSONParser`, `SnapshotReader`)
    /// to name each one. Both are O(input size).
    public static func read(json bytes: [UInt8]) throws(SnapshotError) -> Snapshot {
        guard let snapshot = readDirectly(json: bytes) else { return try readThroughTree(json: bytes) }
        StageClock.lap("parse")
        let issues = snapshot.semanticIssues()
        StageClock.lap("validate")
        if !issues.isEmpty { throw SnapshotError(issues: issues.issues, omitted: issues.omitted) }
        return snapshot
    }

    /// The snapshot read straight from the bytes (`DirectSnapshotReader`, no semantic checks),
    /// or nil when the input has a structural issue or anything else that reader leaves to
    /// `readThroughTree`.
    package static func readDirectly(json bytes: [UInt8]) -> Snapshot? {
        bytes.withUnsafeBufferPointer { DirectSnapshotReader.read($0) }
    }

    /// `read(json:)` through the JSON tree alone: every issue with its path. O(input size).
    package static func readThroughTree(json bytes: [UInt8]) throws(SnapshotError) -> Snapshot {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw SnapshotError(issues: [InputIssue(path: error.path, message: "invalid JSON at \(error.location)")])
        }
        var reader = SnapshotReader()
        let snapshot = reader.read(value)
        StageClock.lap("parse")
        var issues = reader.issues
        issues.append(contentsOf: snapshot.semanticIssues(structural: reader.issues, sources: reader.sources))
        StageClock.lap("validate")
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

    /// `cluster.ha.partitions`: a list of host id lists (emptiness and references are checked
    /// with the other references); nil when any element is malformed (already reported).
    mutating func partitionLists(_ value: JSONValue, _ path: String) -> [[String]]? {
        guard let elements = array(value, path) else { return nil }
        let before = issues.count
        let lists = elements.enumerated().map { stringList($0.element, "\(path)[\($0.offset)]") ?? [] }
        return issues.count == before ? lists : nil
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
