/// JSON text written into a fixed buffer that is handed to a sink each time it fills, so that a
/// document of any size is written with O(chunk) memory and no tree: `JSONWriter` writes a
/// `JSONValue` through it, `Plan.writeJSON(to:)` and `Snapshot.writeJSON(to:)` their fields
/// directly. Every value is formatted as `JSONWriter.write` formats it. A sink that throws
/// stops the output: later writes are dropped and `finish()` rethrows the first error.
package final class JSONOutput {
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var count = 0
    private let sink: (UnsafeRawBufferPointer) throws -> Void
    private var failure: (any Error)?

    /// An output that hands `sink` chunks of at most `chunkSize` bytes, in order.
    package init(chunkSize: Int = 1 << 16, sink: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        capacity = max(chunkSize, 64)
        buffer = .allocate(capacity: capacity)
        self.sink = sink
    }

    deinit { buffer.deallocate() }

    /// Hands what is buffered to the sink and rethrows the sink's first error, if any.
    package func finish() throws {
        drain()
        if let failure { throw failure }
    }

    private func drain() {
        guard count > 0 else { return }
        if failure == nil {
            do { try sink(UnsafeRawBufferPointer(start: buffer, count: count)) } catch { failure = error }
        }
        count = 0
    }

    @inline(__always)
    func byte(_ value: UInt8) {
        if count == capacity { drain() }
        buffer[count] = value
        count += 1
    }

    /// Raw bytes, already JSON.
    @inline(__always)
    func raw(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count <= capacity - count, let source = bytes.baseAddress {
            UnsafeMutableRawPointer(buffer + count).copyMemory(from: source, byteCount: bytes.count)
            count += bytes.count
        } else {
            rawAcrossChunks(bytes)
        }
    }

    private func rawAcrossChunks(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        while !rest.isEmpty {
            if count == capacity { drain() }
            let take = min(rest.count, capacity - count)
            UnsafeMutableRawPointer(buffer + count).copyMemory(from: rest.baseAddress!, byteCount: take)
            count += take
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
        }
    }

    /// ASCII text, already JSON (punctuation, literals).
    @inline(__always)
    func raw(_ text: StaticString) {
        text.withUTF8Buffer { raw(UnsafeRawBufferPointer($0)) }
    }

    /// A newline and `indent` levels of two spaces.
    func newline(_ indent: Int) {
        byte(0x0A)
        for _ in 0..<indent * 2 { byte(0x20) }
    }

    /// A whole number, as `JSONWriter.number` writes it.
    func integer(_ value: Int64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { space in
            var magnitude = value.magnitude
            var position = space.count
            repeat {
                position -= 1
                space[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                position -= 1
                space[position] = UInt8(ascii: "-")
            }
            raw(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: space[position...])))
        }
    }

    /// A number as `JSONWriter.number(_:)` formats it.
    func number(_ value: Double) {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            integer(Int64(value))
        } else {
            var text = JSONWriter.number(value)
            text.withUTF8 { raw(UnsafeRawBufferPointer($0)) }
        }
    }

    /// `"text"`, escaped as `JSONWriter` escapes: `\"`, `\\`, `\n`, `\r`, `\t`, other control
    /// characters as `\u00xx`; everything else verbatim. Runs of 8 bytes that need no escape
    /// are recognised a word at a time.
    func string(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            byte(UInt8(ascii: "\""))
            let all = UnsafeRawBufferPointer(utf8)
            var plainStart = 0
            var position = 0
            while position < all.count {
                if position + 8 <= all.count && JSONOutput.plainWord(all.loadUnaligned(fromByteOffset: position, as: UInt64.self)) {
                    position += 8
                    continue
                }
                let code = all[position]
                if code < 0x20 || code == 0x22 || code == 0x5C {
                    raw(UnsafeRawBufferPointer(rebasing: all[plainStart..<position]))
                    escape(code)
                    plainStart = position + 1
                }
                position += 1
            }
            raw(UnsafeRawBufferPointer(rebasing: all[plainStart...]))
            byte(UInt8(ascii: "\""))
        }
    }

    /// Whether none of the 8 bytes is a control character, a quote or a backslash.
    @inline(__always)
    static func plainWord(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        // A byte is zero in x exactly when (x - 1) sets its high bit and x did not have it; a
        // byte of `word` below 0x20 likewise, unless it is >= 0x80 (then it is plain).
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        let control = (word &- (ones &* 0x20)) & ~word
        return (zeroQuote | zeroBackslash | control) & highs == 0
    }

    private func escape(_ code: UInt8) {
        switch code {
        case 0x22: raw("\\\"")
        case 0x5C: raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        default:
            let digits: [UInt8] = Array("0123456789abcdef".utf8)
            raw("\\u00")
            byte(digits[Int(code >> 4)])
            byte(digits[Int(code & 0xF)])
        }
    }

    /// `"key": `.
    func key(_ key: String) {
        string(key)
        raw(": ")
    }

    /// `"key": ` for a key that needs no escape.
    @inline(__always)
    func key(_ key: StaticString) {
        byte(UInt8(ascii: "\""))
        raw(key)
        raw("\": ")
    }

    /// An object of strings at nesting level `indent`, as `JSONWriter` writes it: on one line
    /// up to `JSONWriter.flatObjectLimit` members, else one member per line.
    func stringMap(_ entries: [(key: String, value: String)], indent: Int) {
        if entries.isEmpty {
            raw("{}")
            return
        }
        let flat = entries.count <= JSONWriter.flatObjectLimit
        byte(UInt8(ascii: "{"))
        for (index, entry) in entries.enumerated() {
            if index > 0 { flat ? raw(", ") : byte(UInt8(ascii: ",")) }
            if !flat { newline(indent + 1) }
            key(entry.key)
            string(entry.value)
        }
        if !flat { newline(indent) }
        byte(UInt8(ascii: "}"))
    }

    /// An array of strings, on one line as `JSONWriter` writes arrays of scalars.
    func stringArray(_ list: [String]) {
        if list.isEmpty {
            raw("[]")
            return
        }
        byte(UInt8(ascii: "["))
        for (index, text) in list.enumerated() {
            if index > 0 { raw(", ") }
            string(text)
        }
        byte(UInt8(ascii: "]"))
    }
}

/// Writes JSON text: compact or indented, with keys in the order given.
@_spi(Benchmarks) public struct JSONWriter {
    /// `value` as JSON text. `pretty`: indented by two spaces (arrays of scalars and small flat
    /// objects stay on one line), with a final newline; otherwise one line.
    public static func write(_ value: JSONValue, pretty: Bool = true) -> String {
        String(decoding: bytes { write(value, to: $0, pretty: pretty) }, as: UTF8.self)
    }

    /// Writes `value` as `write(_:pretty:)` does into `output`.
    package static func write(_ value: JSONValue, to output: JSONOutput, pretty: Bool = true) {
        append(value, to: output, indent: pretty ? 0 : -1)
        if pretty { output.byte(0x0A) }
    }

    /// The bytes `body` writes into an output.
    package static func bytes(_ body: (JSONOutput) -> Void) -> [UInt8] {
        var result: [UInt8] = []
        let output = JSONOutput { result.append(contentsOf: $0) }
        body(output)
        try? output.finish()
        return result
    }

    /// Formats a number the way people read it: integers without a fraction, others with up
    /// to 6 significant decimals; non-finite values become null.
    package static func number(_ value: Double) -> String {
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

    /// The entries sorted by key, in the order `sorted { $0.key < $1.key }` gives. When every
    /// key is ASCII (String order is then byte order) keys are compared by their first 16
    /// bytes packed into two integers, and as strings only when those are equal: the sort
    /// moves integers, not strings. O(n log n).
    package static func sortedByKey(_ map: [String: String]) -> [(key: String, value: String)] {
        let entries = Array(map)
        var packed: [PackedKey] = []
        packed.reserveCapacity(entries.count)
        for (index, entry) in entries.enumerated() {
            var key = entry.key
            guard let prefix = key.withUTF8({ JSONWriter.asciiPrefix($0) }) else {
                return entries.sorted { $0.key < $1.key }
            }
            packed.append(PackedKey(high: prefix.high, low: prefix.low, index: index))
        }
        PackedKey.sort(&packed)
        // Keys that share their first 16 bytes: in string order among themselves.
        var start = 0
        while start < packed.count {
            var end = start + 1
            while end < packed.count && packed[end].high == packed[start].high && packed[end].low == packed[start].low { end += 1 }
            if end - start > 1 { packed[start..<end].sort { entries[$0.index].key < entries[$1.index].key } }
            start = end
        }
        return packed.map { entries[$0.index] }
    }

    /// A key's first 16 bytes as two big-endian integers, and where the key is.
    struct PackedKey: Comparable {
        var high: UInt64
        var low: UInt64
        var index: Int

        static func < (a: PackedKey, b: PackedKey) -> Bool {
            a.high != b.high ? a.high < b.high : a.low != b.low ? a.low < b.low : a.index < b.index
        }

        /// Sorts by (high, low), stably: least significant byte first, one counting pass per
        /// byte, skipping the bytes every key shares. O(n x distinct byte positions).
        static func sort(_ keys: inout [PackedKey]) {
            guard keys.count > 1 else { return }
            var spare = keys
            var counts = [Int](repeating: 0, count: 256)
            for pass in 0..<16 {
                let shift = UInt64(8 * (pass % 8))
                let useLow = pass < 8
                @inline(__always) func digit(_ key: PackedKey) -> Int { Int(((useLow ? key.low : key.high) >> shift) & 0xFF) }
                for k in 0..<256 { counts[k] = 0 }
                for key in keys { counts[digit(key)] += 1 }
                if counts[digit(keys[0])] == keys.count { continue }
                var total = 0
                for k in 0..<256 {
                    let count = counts[k]
                    counts[k] = total
                    total += count
                }
                keys.withUnsafeBufferPointer { source in
                    spare.withUnsafeMutableBufferPointer { target in
                        for key in source {
                            let d = digit(key)
                            target[counts[d]] = key
                            counts[d] += 1
                        }
                    }
                }
                swap(&keys, &spare)
            }
        }
    }

    /// The first 16 bytes, big-endian and zero-padded, when every byte is ASCII; else nil.
    private static func asciiPrefix(_ utf8: UnsafeBufferPointer<UInt8>) -> (high: UInt64, low: UInt64)? {
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (position, byte) in utf8.enumerated() {
            if byte >= 0x80 { return nil }
            if position < 8 {
                high |= UInt64(byte) << (56 - 8 * position)
            } else if position < 16 {
                low |= UInt64(byte) << (56 - 8 * (position - 8))
            }
        }
        return (high, low)
    }

    /// Writes `value` at nesting level `indent` (-1: compact).
    static func append(_ value: JSONValue, to output: JSONOutput, indent: Int) {
        switch value {
        case .null: output.raw("null")
        case let .bool(flag): output.raw(flag ? "true" : "false")
        case let .number(value): output.number(value)
        case let .string(text): output.string(text)
        case let .array(elements):
            if elements.isEmpty { output.raw("[]"); return }
            // Arrays of scalars stay on one line.
            let flat = indent < 0 || elements.allSatisfy(isScalar)
            output.byte(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { flat ? output.raw(", ") : output.byte(UInt8(ascii: ",")) }
                if !flat { output.newline(indent + 1) }
                append(element, to: output, indent: flat ? -1 : indent + 1)
            }
            if !flat { output.newline(indent) }
            output.byte(UInt8(ascii: "]"))
        case let .object(members):
            if members.isEmpty { output.raw("{}"); return }
            let flat = indent < 0 || (members.count <= flatObjectLimit && members.allSatisfy { isScalarOrFlat($0.value) })
            output.byte(UInt8(ascii: "{"))
            for (position, member) in members.enumerated() {
                if position > 0 { flat ? output.raw(", ") : output.byte(UInt8(ascii: ",")) }
                if !flat { output.newline(indent + 1) }
                output.key(member.key)
                append(member.value, to: output, indent: flat ? -1 : indent + 1)
            }
            if !flat { output.newline(indent) }
            output.byte(UInt8(ascii: "}"))
        }
    }

    /// Objects of at most this many members, each a scalar or an array of scalars, stay on one line.
    static let flatObjectLimit = 14

    static func isScalar(_ value: JSONValue) -> Bool {
        switch value {
        case .array, .object: return false
        default: return true
        }
    }

    private static func isScalarOrFlat(_ value: JSONValue) -> Bool {
        switch value {
        case .object: return false
        case let .array(elements): return elements.allSatisfy(isScalar)
        default: return true
        }
    }
}
