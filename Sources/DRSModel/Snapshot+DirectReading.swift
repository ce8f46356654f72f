/// Reads snapshot JSON straight into a `Snapshot`, with no JSON tree: one pass over the bytes,
/// O(input size), memory O(the snapshot). It accepts only input that `SnapshotReader` reads
/// without a single issue and gives the same `Snapshot`; at the first thing that is not plainly
/// valid (a syntax error, a wrong type, an unknown or repeated field, a number out of range,
/// `resources` after a part that uses them, a key written with an escape...) it gives up, and
/// `Snapshot.read` reads the input again with `JSONParser` and `SnapshotReader`, which name the
/// place of every issue. So the messages are those of one reader, and a valid snapshot pays
/// for neither the tree nor the paths.
struct DirectSnapshotReader {
    /// Giving up; carries nothing, so throwing it costs nothing.
    struct GiveUp: Error {}

    var scanner: JSONScanner
    private(set) var resources: [String] = []
    /// The UTF-8 of each resource name, to match map keys without building strings.
    private var resourceKeys: [[UInt8]] = []
    /// A map with every resource (values 0) and where each resource sits in it: a map that
    /// names every resource is this one with its values replaced by position, which shares the
    /// template's layout and hashes nothing.
    private var template: [String: Double] = [:]
    private var templateIndices: [Dictionary<String, Double>.Index] = []
    /// The values of the last map read, by resource, and which resources it named.
    private var values: [Double] = []
    var named: UInt32 = 0
    /// Per resource: the hosts' capacity and the VMs' demand so far (FT VMs twice), for
    /// `InputLimits.maximumTotal`.
    var capacityTotals: [Double] = []
    var demandTotals: [Double] = []

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        scanner = JSONScanner(bytes)
        useResources(["cpu", "memory"])
    }

    mutating func useResources(_ names: [String]) {
        resources = names
        resourceKeys = names.map { Array($0.utf8) }
        template = [String: Double](minimumCapacity: names.count)
        for name in names { template[name] = 0 }
        templateIndices = names.map { template.index(forKey: $0)! }
        values = Array(repeating: 0, count: names.count)
        capacityTotals = values
        demandTotals = values
    }

    /// The snapshot, or nil when the input needs the reader that reports issues.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> Snapshot? {
        var reader = DirectSnapshotReader(bytes)
        do throws(GiveUp) {
            return try reader.snapshot()
        } catch {
            return nil
        }
    }

    // MARK: Tokens

    @inline(__always)
    mutating func expect(_ byte: UInt8) throws(GiveUp) {
        scanner.skipWhitespace()
        guard !scanner.atEnd, scanner.current == byte else { throw GiveUp() }
        scanner.index += 1
    }

    /// Whether the next byte (after whitespace) is `byte`; consumes it when it is.
    @inline(__always)
    mutating func take(_ byte: UInt8) -> Bool {
        scanner.skipWhitespace()
        guard !scanner.atEnd, scanner.current == byte else { return false }
        scanner.index += 1
        return true
    }

    /// Consumes `{`; false when the object is empty (its `}` consumed too).
    mutating func beginObject() throws(GiveUp) -> Bool {
        try expect(UInt8(ascii: "{"))
        return !take(UInt8(ascii: "}"))
    }

    /// Consumes `[`; false when the array is empty (its `]` consumed too).
    mutating func beginArray() throws(GiveUp) -> Bool {
        try expect(UInt8(ascii: "["))
        return !take(UInt8(ascii: "]"))
    }

    /// After a member: true after `,`, false after `}`.
    mutating func nextMember() throws(GiveUp) -> Bool {
        if take(UInt8(ascii: ",")) { return true }
        try expect(UInt8(ascii: "}"))
        return false
    }

    /// After an element: true after `,`, false after `]`.
    mutating func nextElement() throws(GiveUp) -> Bool {
        if take(UInt8(ascii: ",")) { return true }
        try expect(UInt8(ascii: "]"))
        return false
    }

    /// A field name without escapes, and its `:`.
    mutating func key() throws(GiveUp) -> Range<Int> {
        scanner.skipWhitespace()
        guard !scanner.atEnd, scanner.current == UInt8(ascii: "\"") else { throw GiveUp() }
        guard case let .plain(range)? = try? scanner.stringToken() else { throw GiveUp() }
        try expect(UInt8(ascii: ":"))
        return range
    }

    @inline(__always)
    func key(_ range: Range<Int>, is name: StaticString) -> Bool {
        guard range.count == name.utf8CodeUnitCount else { return false }
        let bytes = scanner.bytes  // not `self`: a closure capturing it would copy the reader
        return name.withUTF8Buffer { text in
            for k in 0..<text.count where bytes[range.lowerBound + k] != text[k] { return false }
            return true
        }
    }

    /// Marks bit `bit` of `seen`; gives up when it was set (a repeated field).
    @inline(__always)
    func mark(_ seen: inout UInt32, _ bit: UInt32) throws(GiveUp) {
        guard seen & (1 << bit) == 0 else { throw GiveUp() }
        seen |= 1 << bit
    }

    // MARK: Values

    /// `null` when it comes next (consumed); else false.
    mutating func null() throws(GiveUp) -> Bool {
        scanner.skipWhitespace()
        guard !scanner.atEnd, scanner.current == UInt8(ascii: "n") else { return false }
        do { try scanner.expectWord("null") } catch { throw GiveUp() }
        return true
    }

    mutating func string() throws(GiveUp) -> String {
        scanner.skipWhitespace()
        guard !scanner.atEnd, scanner.current == UInt8(ascii: "\"") else { throw GiveUp() }
        do { return try scanner.string() } catch { throw GiveUp() }
    }

    /// A non-empty string.
    mutating func identifier() throws(GiveUp) -> String {
        let text = try string()
        guard !text.isEmpty else { throw GiveUp() }
        return text
    }

    mutating func bool() throws(GiveUp) -> Bool {
        scanner.skipWhitespace()
        guard !scanner.atEnd else { throw GiveUp() }
        do {
            switch scanner.current {
            case UInt8(ascii: "t"): try scanner.expectWord("true"); return true
            case UInt8(ascii: "f"): try scanner.expectWord("false"); return false
            default: throw GiveUp()
            }
        } catch { throw GiveUp() }
    }

    /// A finite number in [minimum, maximum] (or (minimum, maximum] when `exclusiveMinimum`),
    /// as `SnapshotReader.number` accepts it.
    mutating func number(minimum: Double = 0, maximum: Double = InputLimits.maximumQuantity,
                                 exclusiveMinimum: Bool = false) throws(GiveUp) -> Double {
        scanner.skipWhitespace()
        guard !scanner.atEnd, scanner.current == UInt8(ascii: "-") || scanner.current &- UInt8(ascii: "0") < 10 else {
            throw GiveUp()
        }
        guard let value = try? scanner.number() else { throw GiveUp() }
        let belowMinimum = exclusiveMinimum ? value <= minimum : value < minimum
        guard !belowMinimum, value.isFinite, value <= maximum else { throw GiveUp() }
        return value
    }

    /// A whole number in `range`, as `SnapshotReader.integer` accepts it.
    mutating func integer(in range: ClosedRange<Int>) throws(GiveUp) -> Int {
        let value = try number(minimum: -.infinity, maximum: .infinity)
        guard value == value.rounded(), value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw GiveUp()
        }
        return Int(value)
    }

    mutating func enumeration<E: RawRepresentable>(_ type: E.Type) throws(GiveUp) -> E where E.RawValue == String {
        guard let value = E(rawValue: try string()) else { throw GiveUp() }
        return value
    }

    /// An array of non-empty strings.
    mutating func stringList() throws(GiveUp) -> [String] {
        var list: [String] = []
        guard try beginArray() else { return list }
        repeat { list.append(try identifier()) } while try nextElement()
        return list
    }

    /// A per-resource map whose keys are declared resources, each at most once. Leaves the
    /// values in `values` and the resources named in `named`.
    mutating func resourceMap(minimum: Double = 0, maximum: Double = InputLimits.maximumQuantity,
                                      exclusiveMinimum: Bool = false) throws(GiveUp) -> [String: Double] {
        named = 0
        guard try beginObject() else { return [:] }
        repeat {
            let name = try key()
            guard let r = resource(named: name) else { throw GiveUp() }
            try mark(&named, UInt32(r))
            values[r] = try number(minimum: minimum, maximum: maximum, exclusiveMinimum: exclusiveMinimum)
        } while try nextMember()
        if named == (1 << resources.count) - 1 {
            var map = template
            for r in 0..<resources.count { map.values[templateIndices[r]] = values[r] }
            return map
        }
        var map = [String: Double](minimumCapacity: resources.count)
        for r in 0..<resources.count where named & (1 << r) != 0 { map[resources[r]] = values[r] }
        return map
    }

    /// Adds the values of the last map read, times `copies`, to the capacity totals or to the
    /// demand totals.
    mutating func addToTotals(capacity: Bool, copies: Double) {
        for r in 0..<resources.count where named & (1 << r) != 0 {
            if capacity {
                capacityTotals[r] += values[r] * copies
            } else {
                demandTotals[r] += values[r] * copies
            }
        }
    }

    /// The resource whose name has the bytes in `range`.
    @inline(__always)
    func resource(named range: Range<Int>) -> Int? {
        for r in 0..<resourceKeys.count {
            let name = resourceKeys[r]
            guard range.count == name.count else { continue }
            var equal = true
            for k in 0..<name.count where scanner.bytes[range.lowerBound + k] != name[k] {
                equal = false
                break
            }
            if equal { return r }
        }
        return nil
    }
}
