/// A syntax error found by `JSONScanner`: where (bytes from the start of the input) and what.
/// `JSONParser` adds the line, the column and the JSON path.
struct JSONScanError: Error {
    /// Bytes before the error.
    var offset: Int
    /// What is wrong, without the location.
    var message: String
}

/// A string token: the range of its bytes when it has no escape (those bytes, validated UTF-8,
/// are its text), else its decoded text.
enum JSONStringToken {
    case plain(Range<Int>)
    case escaped(String)
}

/// The tokens of RFC 8259 JSON over a contiguous UTF-8 buffer, shared by `JSONParser` (the JSON
/// tree) and `DirectSnapshotReader` (snapshot JSON straight into a `Snapshot`). Strings are
/// checked as they are scanned: well-formed UTF-8 only (Unicode table 3-7), no raw control
/// character, valid escapes and surrogate pairs. Numbers follow the JSON grammar and convert
/// exactly as `Double(String)` does (correctly rounded; beyond the range of a Double: infinite).
/// Each token costs O(its length); plain ASCII runs in strings are skipped 8 bytes at a time.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }

    /// The byte at `index`; callers check `atEnd` first.
    @inline(__always) var current: UInt8 { bytes[index] }

    func error(_ message: String) -> JSONScanError {
        JSONScanError(offset: min(index, bytes.count), message: message)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// Consumes `word` (`true`, `false`, `null`) or throws "invalid literal".
    mutating func expectWord(_ word: StaticString) throws(JSONScanError) {
        let count = word.utf8CodeUnitCount
        let matches = word.withUTF8Buffer { buffer -> Bool in
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != buffer[offset] { return false }
            return true
        }
        guard matches else { throw error("invalid literal, expected \(word)") }
        index += count
    }

    // MARK: Strings

    /// Eight bytes from `position` with no quote, backslash, control character or non-ASCII
    /// byte among them (word-at-a-time test).
    @inline(__always)
    private func plainWord(at position: Int) -> Bool {
        let word = UnsafeRawPointer(bytes.baseAddress! + position).loadUnaligned(as: UInt64.self)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        // A byte is zero in x exactly when (x - 1) sets its high bit and x did not have it.
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        let control = (word &- (ones &* 0x20)) & ~word
        return (zeroQuote | zeroBackslash | control | word) & highs == 0
    }

    /// Reads a string (`index` at its opening quote) up to and past its closing quote.
    mutating func stringToken() throws(JSONScanError) -> JSONStringToken {
        index += 1
        let start = index
        let end = bytes.count
        while true {
            while index + 8 <= end && plainWord(at: index) { index += 8 }
            guard index < end else { break }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return .plain(start..<index - 1)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            if byte >= 0x80 {
                index += try utf8SequenceLength(at: index)
            } else {
                index += 1
            }
        }
        return .escaped(try escapedString(from: start))
    }

    /// Reads a string (`index` at its opening quote) and returns its text.
    mutating func string() throws(JSONScanError) -> String {
        switch try stringToken() {
        case let .plain(range): return text(range)
        case let .escaped(text): return text
        }
    }

    /// The text of plain string bytes (already validated).
    @inline(__always)
    func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The rest of a string that has an escape or a control character at `index`; `start` is
    /// where its text began (the bytes before `index` are plain).
    private mutating func escapedString(from start: Int) throws(JSONScanError) -> String {
        var scalars: [UInt8] = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: scalars, as: UTF8.self)
            }
            if byte < 0x20 {
                throw error("control character (byte 0x\(JSONScanner.hex(byte))) inside a string; write it as an escape such as \\u00\(JSONScanner.hex(byte))")
            }
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
            try appendEscape(escape, to: &scalars)
        }
        throw error("unterminated string")
    }

    private mutating func appendEscape(_ escape: UInt8, to scalars: inout [UInt8]) throws(JSONScanError) {
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
            var code = try hex4()
            if (0xD800...0xDBFF).contains(code) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired surrogate in \\u escape")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
            scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw error("invalid escape sequence in a string")
        }
    }

    private mutating func hex4() throws(JSONScanError) -> UInt32 {
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

    /// The length of the well-formed UTF-8 sequence starting at `start` (Unicode table 3-7:
    /// no overlong forms, no surrogates, nothing above U+10FFFF); throws at the first bad byte.
    func utf8SequenceLength(at start: Int) throws(JSONScanError) -> Int {
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

    private func invalidUTF8(at position: Int) -> JSONScanError {
        let found = position < bytes.count ? "byte 0x\(JSONScanner.hex(bytes[position]))" : "the end of the input"
        return JSONScanError(offset: min(position, bytes.count),
                             message: "invalid UTF-8 (\(found)); the input must be UTF-8 text, as JSON requires")
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }

    /// The byte at `position` for a message: a printable ASCII character in quotes, else its
    /// hex value.
    func describeByte(at position: Int) -> String {
        let byte = bytes[position]
        if byte >= 0x21 && byte < 0x7F { return "character '\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(JSONScanner.hex(byte))"
    }

    // MARK: Numbers

    @inline(__always)
    private func isDigit(at position: Int) -> Bool {
        position < bytes.count && bytes[position] &- UInt8(ascii: "0") < 10
    }

    /// Reads a number (`index` at its `-` or first digit). Up to 19 significant digits and a
    /// power of ten within 10^±22 convert with one exact operation on exact operands (Clinger's
    /// fast path: correctly rounded); anything else goes through `Double(String)`.
    mutating func number() throws(JSONScanError) -> Double {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard isDigit(at: index) else { throw error("invalid number") }
        var mantissa: UInt64 = 0
        var digits = 0
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while isDigit(at: index) {
                mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- UInt8(ascii: "0"))
                digits += 1
                index += 1
            }
        }
        var scale = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(at: index) else { throw error("invalid number: digits expected after '.'") }
            while isDigit(at: index) {
                mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- UInt8(ascii: "0"))
                if mantissa != 0 { digits += 1 }
                scale -= 1
                index += 1
            }
        }
        var exponentDigits = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var exponentNegative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard isDigit(at: index) else { throw error("invalid number: digits expected in the exponent") }
            var exponent = 0
            while isDigit(at: index) {
                if exponentDigits < 6 { exponent = exponent * 10 + Int(bytes[index] &- UInt8(ascii: "0")) }
                exponentDigits += 1
                index += 1
            }
            scale += exponentNegative ? -exponent : exponent
        }
        if digits <= 19 && exponentDigits < 6 && mantissa <= 1 << 53 && scale >= -22 && scale <= 22 {
            var value = Double(mantissa)
            if scale < 0 {
                value /= JSONScanner.powersOfTen[-scale]
            } else if scale > 0 {
                value *= JSONScanner.powersOfTen[scale]
            }
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text) else { throw JSONScanError(offset: index, message: "invalid number \(text)") }
        return value
    }

    /// 10^0 ... 10^22, each exact in a Double.
    private static let powersOfTen: [Double] = {
        var powers: [Double] = [1]
        for _ in 1...22 { powers.append(powers.last! * 10) }
        return powers
    }()
}
