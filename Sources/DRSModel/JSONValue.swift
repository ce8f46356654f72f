/// A parsed JSON document that keeps object keys in their written order, so that readers can
/// report unknown or duplicate fields by their JSON path.
public enum JSONValue: Sendable, Equatable {
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
public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
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
public struct JSONParser {
    private enum PathPart { case key(String), index(Int) }

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    /// Where the parser is, for error messages only.
    private var pathParts: [PathPart] = []

    /// Parses one JSON value that fills the input, whitespace around it allowed; throws the first
    /// syntax error, also for empty input.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        if parser.index == bytes.count {
            throw JSONSyntaxError(line: 1, column: 1, offset: 0, path: "",
                                  message: bytes.isEmpty ? "empty input (0 bytes); expected a JSON object"
                                                         : "empty input (only whitespace); expected a JSON object")
        }
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.index < parser.bytes.count {
            throw parser.error("unexpected text after the JSON value")
        }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func error(_ message: String) -> JSONSyntaxError {
        var line = 1
        var column = 1
        var position = 0
        while position < index && position < bytes.count {
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
        return JSONSyntaxError(line: line, column: column, offset: min(index, bytes.count), path: path, message: message)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectWord("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default:
            throw error("unexpected \(describeByte(at: index)), expected a value")
        }
    }

    private mutating func expectWord(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        let matches = word.withUTF8Buffer { buffer -> Bool in
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != buffer[offset] { return false }
            return true
        }
        guard matches else { throw error("invalid literal, expected \(word)") }
        index += count
    }

    private mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
        depth += 1
        guard depth <= 512 else { throw error("nesting deeper than 512 levels") }
        defer { depth -= 1 }
        index += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw error("expected a field name in double quotes")
            }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error("expected ':' after the field name \(DisplayText.quoted(key))")
            }
            index += 1
            skipWhitespace()
            pathParts.append(.key(key))
            let value = try parseValue()
            pathParts.removeLast()
            members.append((key, value))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input inside an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            throw error("expected ',' or '}' in an object")
        }
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
        depth += 1
        guard depth <= 512 else { throw error("nesting deeper than 512 levels") }
        defer { depth -= 1 }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            pathParts.append(.index(elements.count))
            elements.append(try parseValue())
            pathParts.removeLast()
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input inside an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            throw error("expected ',' or ']' in an array")
        }
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            if byte >= 0x80 {
                index += try utf8SequenceLength(at: index)
                continue
            }
            index += 1
        }
        var scalars: [UInt8] = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: scalars, as: UTF8.self)
            }
            if byte < 0x20 { throw error("control character (byte 0x\(hex(byte))) inside a string; write it as an escape such as \\u00\(hex(byte))") }
            if byte >= 0x80 {
                let length = try utf8SequenceLength(at: index)
                scalars.append(contentsOf: bytes[index..<index + length])
                index += length
                continue
            }
            if byte != UInt8(ascii: "\\") {
                scalars.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append(0x22)
            case UInt8(ascii: "\\"): scalars.append(0x5C)
            case UInt8(ascii: "/"): scalars.append(0x2F)
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "u"):
                var code = try parseHex4()
                if (0xD800...0xDBFF).contains(code) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    index += 2
                    let low = try parseHex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw error("invalid escape sequence in a string")
            }
        }
        throw error("unterminated string")
    }

    /// The length of the well-formed UTF-8 sequence starting at `start` (Unicode table 3-7:
    /// no overlong forms, no surrogates, nothing above U+10FFFF); throws at the first bad byte.
    private func utf8SequenceLength(at start: Int) throws(JSONSyntaxError) -> Int {
        let lead = bytes[start]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw invalidUTF8(at: start)
        }
        for k in 1..<length {
            let position = start + k
            guard position < bytes.count else { throw invalidUTF8(at: position) }
            let byte = bytes[position]
            let (lower, upper) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard byte >= lower && byte <= upper else { throw invalidUTF8(at: position) }
        }
        return length
    }

    private func invalidUTF8(at position: Int) -> JSONSyntaxError {
        var located = self
        located.index = position
        let found = position < bytes.count ? "byte 0x\(hex(bytes[position]))" : "the end of the input"
        return located.error("invalid UTF-8 (\(found)); the input must be UTF-8 text, as JSON requires")
    }

    private func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }

    /// The byte at `position` for a message: a printable ASCII character in quotes, else its
    /// hex value.
    private func describeByte(at position: Int) -> String {
        let byte = bytes[position]
        if byte >= 0x21 && byte < 0x7F { return "character '\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(hex(byte))"
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> Double {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else {
            throw error("invalid number")
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else {
                throw error("invalid number: digits expected after '.'")
            }
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else {
                throw error("invalid number: digits expected in the exponent")
            }
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text) else { throw error("invalid number \(text)") }
        return value
    }
}

/// Writes JSON text: compact or indented, with keys in the order given.
public struct JSONWriter {
    /// `value` as JSON text. `pretty`: indented by two spaces (arrays of scalars and small flat
    /// objects stay on one line), with a final newline; otherwise one line.
    public static func write(_ value: JSONValue, pretty: Bool = true) -> String {
        var output = ""
        output.reserveCapacity(4096)
        append(value, to: &output, indent: pretty ? 0 : -1)
        if pretty { output.append("\n") }
        return output
    }

    /// Formats a number the way people read it: integers without a fraction, others with up
    /// to 6 significant decimals; non-finite values become null.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        var text = String(value)
        if text.contains("e") { return text }
        // Trim binary noise such as 0.30000000000000004.
        let rounded = (value * 1e9).rounded() / 1e9
        text = String(rounded)
        return text
    }

    private static func append(_ value: JSONValue, to output: inout String, indent: Int) {
        switch value {
        case .null: output.append("null")
        case let .bool(flag): output.append(flag ? "true" : "false")
        case let .number(value): output.append(number(value))
        case let .string(text): appendString(text, to: &output)
        case let .array(elements):
            if elements.isEmpty { output.append("[]"); return }
            // Arrays of scalars stay on one line.
            let flat = indent < 0 || elements.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            output.append("[")
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(flat ? ", " : ",") }
                if !flat { newline(&output, indent + 1) }
                append(element, to: &output, indent: flat ? -1 : indent + 1)
            }
            if !flat { newline(&output, indent) }
            output.append("]")
        case let .object(members):
            if members.isEmpty { output.append("{}"); return }
            let flat = indent < 0 || (members.count <= 14 && members.allSatisfy { isScalarOrFlat($0.value) })
            output.append("{")
            for (position, member) in members.enumerated() {
                if position > 0 { output.append(flat ? ", " : ",") }
                if !flat { newline(&output, indent + 1) }
                appendString(member.key, to: &output)
                output.append(": ")
                append(member.value, to: &output, indent: flat ? -1 : indent + 1)
            }
            if !flat { newline(&output, indent) }
            output.append("}")
        }
    }

    private static func isScalarOrFlat(_ value: JSONValue) -> Bool {
        switch value {
        case .object: return false
        case let .array(elements):
            return elements.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
        default: return true
        }
    }

    private static func newline(_ output: inout String, _ indent: Int) {
        output.append("\n")
        output.append(String(repeating: "  ", count: indent))
    }

    private static func appendString(_ text: String, to output: inout String) {
        output.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output.append("\\\"")
            case "\\": output.append("\\\\")
            case "\n": output.append("\\n")
            case "\r": output.append("\\r")
            case "\t": output.append("\\t")
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output.append("\"")
    }
}
