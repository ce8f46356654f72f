/// A parsed JSON document that keeps object keys in their written order, so that readers can
/// report unknown or duplicate fields by their JSON path.
@_spi(Benchmarks) public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// Structural equality; object members compare in order (the same members reordered differ).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The value of `key` when this is an object holding it.
    public subscript(key: String) -> JSONValue? {
        if case let .object(members) = self {
            return members.first(where: { $0.key == key })?.value
        }
        return nil
    }
}

/// A syntax error with its 1-based line and column, its 0-based byte offset and, when the
/// parser was inside a value, the JSON path of that value (`vms[3].id`).
@_spi(Benchmarks) public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    /// 1-based line of the error.
    public var line: Int
    /// 1-based column, counted in Unicode scalars, not bytes.
    public var column: Int
    /// Bytes before the error, from the start of the input.
    public var offset: Int
    /// The JSON path being read (empty at the top level).
    public var path: String
    /// What is wrong, without the location.
    public var message: String
    /// Line, column and byte offset, then the message.
    public var location: String { "line \(line), column \(column), byte offset \(offset): \(message)" }
    /// The location, the JSON path when there is one, and the message.
    public var description: String {
        path.isEmpty ? location : "line \(line), column \(column), byte offset \(offset) (in \(path)): \(message)"
    }
}

/// A strict RFC 8259 parser over UTF-8 bytes. Complexity O(input size); nesting depth is
/// limited to 512 so hostile input cannot exhaust the stack. Strings must be valid UTF-8
/// (RFC 8259 section 8.1): ill-formed bytes are refused with their offset, never replaced,
/// so two distinct byte strings can never become one id. A number literal beyond the range
/// of a Double parses as an infinite `.number`, which readers report as out of range.
/// Tokens are read by `JSONScanner`.
@_spi(Benchmarks) public struct JSONParser {
    private enum PathPart { case key(String), index(Int) }

    private var scanner: JSONScanner
    private var depth = 0
    /// Where the parser is, for error messages only.
    private var pathParts: [PathPart] = []

    /// Parses one JSON value that fills the input, whitespace around it allowed; throws the first
    /// syntax error, also for empty input.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        let result: Result<JSONValue, JSONSyntaxError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(JSONSyntaxError) { return .success(try parse(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses one JSON value that fills `bytes` (see `parse(_:)` for arrays).
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(scanner: JSONScanner(bytes))
        parser.scanner.skipWhitespace()
        if parser.scanner.atEnd {
            throw JSONSyntaxError(line: 1, column: 1, offset: 0, path: "",
                                  message: bytes.isEmpty ? "empty input (0 bytes); expected a JSON object"
                                                         : "empty input (only whitespace); expected a JSON object")
        }
        do throws(JSONScanError) {
            let value = try parser.parseValue()
            parser.scanner.skipWhitespace()
            if !parser.scanner.atEnd {
                throw parser.scanner.error("unexpected text after the JSON value")
            }
            return value
        } catch {
            throw parser.located(error)
        }
    }

    private init(scanner: JSONScanner) { self.scanner = scanner }

    /// The error with its line, column and the JSON path the parser was in.
    private func located(_ error: JSONScanError) -> JSONSyntaxError {
        let bytes = scanner.bytes
        var line = 1
        var column = 1
        var position = 0
        while position < error.offset && position < bytes.count {
            if bytes[position] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if bytes[position] & 0xC0 != 0x80 {
                column += 1
            }
            position += 1
        }
        var path = ""
        for part in pathParts {
            switch part {
            case let .key(key): path += path.isEmpty ? DisplayText.pathKey(key) : "." + DisplayText.pathKey(key)
            case let .index(position): path += "[\(position)]"
            }
        }
        return JSONSyntaxError(line: line, column: column, offset: min(error.offset, bytes.count), path: path,
                               message: error.message)
    }

    private mutating func parseValue() throws(JSONScanError) -> JSONValue {
        guard !scanner.atEnd else { throw scanner.error("unexpected end of input, expected a value") }
        switch scanner.current {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try scanner.string())
        case UInt8(ascii: "t"): try scanner.expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try scanner.expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try scanner.expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try scanner.number())
        default:
            throw scanner.error("unexpected \(scanner.describeByte(at: scanner.index)), expected a value")
        }
    }

    private mutating func parseObject() throws(JSONScanError) -> JSONValue {
        depth += 1
        guard depth <= 512 else { throw scanner.error("nesting deeper than 512 levels") }
        defer { depth -= 1 }
        scanner.index += 1
        var members: [(key: String, value: JSONValue)] = []
        scanner.skipWhitespace()
        if !scanner.atEnd && scanner.current == UInt8(ascii: "}") {
            scanner.index += 1
            return .object(members)
        }
        while true {
            scanner.skipWhitespace()
            guard !scanner.atEnd, scanner.current == UInt8(ascii: "\"") else {
                throw scanner.error("expected a field name in double quotes")
            }
            let key = try scanner.string()
            scanner.skipWhitespace()
            guard !scanner.atEnd, scanner.current == UInt8(ascii: ":") else {
                throw scanner.error("expected ':' after the field name \(DisplayText.quoted(key))")
            }
            scanner.index += 1
            scanner.skipWhitespace()
            pathParts.append(.key(key))
            let value = try parseValue()
            pathParts.removeLast()
            members.append((key, value))
            scanner.skipWhitespace()
            guard !scanner.atEnd else { throw scanner.error("unexpected end of input inside an object") }
            if scanner.current == UInt8(ascii: ",") {
                scanner.index += 1
                continue
            }
            if scanner.current == UInt8(ascii: "}") {
                scanner.index += 1
                return .object(members)
            }
            throw scanner.error("expected ',' or '}' in an object")
        }
    }

    private mutating func parseArray() throws(JSONScanError) -> JSONValue {
        depth += 1
        guard depth <= 512 else { throw scanner.error("nesting deeper than 512 levels") }
        defer { depth -= 1 }
        scanner.index += 1
        var elements: [JSONValue] = []
        scanner.skipWhitespace()
        if !scanner.atEnd && scanner.current == UInt8(ascii: "]") {
            scanner.index += 1
            return .array(elements)
        }
        while true {
            scanner.skipWhitespace()
            pathParts.append(.index(elements.count))
            elements.append(try parseValue())
            pathParts.removeLast()
            scanner.skipWhitespace()
            guard !scanner.atEnd else { throw scanner.error("unexpected end of input inside an array") }
            if scanner.current == UInt8(ascii: ",") {
                scanner.index += 1
                continue
            }
            if scanner.current == UInt8(ascii: "]") {
                scanner.index += 1
                return .array(elements)
            }
            throw scanner.error("expected ',' or ']' in an array")
        }
    }
}
