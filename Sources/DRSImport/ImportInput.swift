@_spi(Benchmarks) import DRSModel

/// An export that cannot be read: the file, the place in it (a JSON path such as
/// `items[3].status.allocatable.cpu`, or `row 12, column vHost`) and what is wrong. Bad input:
/// `drs import` exits 2 with it.
package typealias ImportError = FileIssue

/// One input file: its name (as the user gave it) and bytes.
package struct ImportFile: Sendable {
    package var name: String
    package var bytes: [UInt8]

    package init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    /// The file as JSON, or an error at the place the syntax breaks.
    package func json() throws(ImportError) -> JSONNode {
        do {
            return JSONNode(value: try JSONParser.parse(bytes), path: "", file: name)
        } catch {
            throw ImportError(file: name, place: error.path, message: "not valid JSON: \(error.location)")
        }
    }
}

/// A JSON value and where it sits: every accessor that finds the wrong type throws an
/// `ImportError` naming the file and the JSON path.
package struct JSONNode: Sendable {
    package var value: JSONValue
    /// The JSON path, such as `items[3].metadata.name`; empty for the root.
    package var path: String
    package var file: String

    /// An error at this node.
    package func error(_ message: String) -> ImportError {
        ImportError(file: file, place: path.isEmpty ? "(top level)" : path, message: message)
    }

    func child(_ key: String, _ value: JSONValue) -> JSONNode {
        let shown = DisplayText.pathKey(key)
        return JSONNode(value: value, path: path.isEmpty ? shown : "\(path).\(shown)", file: file)
    }

    /// The member `key` (exact), nil when absent or null.
    package subscript(_ key: String) -> JSONNode? {
        guard case let .object(members) = value, let member = members.first(where: { $0.key == key }) else { return nil }
        return member.value == .null ? nil : child(key, member.value)
    }

    /// The member `key` compared without regard to the case of its first letter (govc wrote
    /// `Name` before it wrote `name`), nil when absent or null.
    package func member(_ key: String) -> JSONNode? {
        if let exact = self[key] { return exact }
        guard case let .object(members) = value else { return nil }
        let folded = key.prefix(1).lowercased() + key.dropFirst()
        guard let member = members.first(where: { $0.key.prefix(1).lowercased() + $0.key.dropFirst() == folded }),
              member.value != .null else { return nil }
        return child(member.key, member.value)
    }

    /// A member that must be there.
    package func required(_ key: String, _ expected: String) throws(ImportError) -> JSONNode {
        guard let node = member(key) else {
            throw error("missing \"\(key)\" (\(expected))")
        }
        return node
    }

    package func string() throws(ImportError) -> String {
        guard case let .string(text) = value else { throw error("must be a string, got \(value.typeName)") }
        return text
    }

    package func number() throws(ImportError) -> Double {
        guard case let .number(number) = value, number.isFinite else { throw error("must be a finite number, got \(value.typeName)") }
        return number
    }

    /// A number written as a number or as a string of one ("2", as some exports write them).
    package func numeric() throws(ImportError) -> Double {
        if case let .string(text) = value, let number = Double(text), number.isFinite { return number }
        return try number()
    }

    package func bool() throws(ImportError) -> Bool {
        switch value {
        case let .bool(flag): return flag
        case let .number(number) where number == 0 || number == 1: return number == 1
        default: throw error("must be true or false, got \(value.typeName)")
        }
    }

    package func elements() throws(ImportError) -> [JSONNode] {
        guard case let .array(list) = value else { throw error("must be an array, got \(value.typeName)") }
        return list.enumerated().map { JSONNode(value: $0.element, path: "\(path)[\($0.offset)]", file: file) }
    }

    package func members() throws(ImportError) -> [(key: String, node: JSONNode)] {
        guard case let .object(list) = value else { throw error("must be an object, got \(value.typeName)") }
        return list.map { ($0.key, child($0.key, $0.value)) }
    }

    /// An object of strings (labels, selectors).
    package func stringMap() throws(ImportError) -> [String: String] {
        var map: [String: String] = [:]
        for (key, node) in try members() { map[key] = try node.string() }
        return map
    }

    /// A list of strings.
    package func strings() throws(ImportError) -> [String] {
        var list: [String] = []
        for element in try elements() { list.append(try element.string()) }
        return list
    }
}
