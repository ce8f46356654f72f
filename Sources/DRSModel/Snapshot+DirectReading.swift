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
    /// Maps read before, by content: equal maps share one storage.
    private var interner: MapInterner

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        scanner = JSONScanner(bytes)
        // About one slot per 512 input bytes, from 1,024 to 262,144 (at most 12 MiB).
        var slots = 1024
        while slots < 1 << 18 && slots * 512 < bytes.count { slots <<= 1 }
        interner = MapInterner(slots: slots)
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
        // Generated and exported snapshots repeat a few VM sizes and host models: a map seen
        // before is shared (value semantics make that invisible), not built again.
        var key: MapInterner.Key?
        if resources.count <= MapInterner.Key.resourceLimit {
            var content = MapInterner.Key(named: named, v0: 0, v1: 0, v2: 0, v3: 0)
            for r in 0..<resources.count where named & (1 << r) != 0 {
                let bits = values[r].bitPattern
                switch r {
                case 0: content.v0 = bits
                case 1: content.v1 = bits
                case 2: content.v2 = bits
                default: content.v3 = bits
                }
            }
            if let known = interner.map(for: content) { return known }
            key = content
        }
        var map: [String: Double]
        if named == (1 << resources.count) - 1 {
            map = template
            for r in 0..<resources.count { map.values[templateIndices[r]] = values[r] }
        } else {
            map = [String: Double](minimumCapacity: resources.count)
            for r in 0..<resources.count where named & (1 << r) != 0 { map[resources[r]] = values[r] }
        }
        if let key { interner.remember(map, for: key) }
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

/// A bounded, direct-mapped table of the per-resource maps read so far (up to 4 resources),
/// keyed by which resources they name and the bits of their values: a map equal to one in the
/// table is taken from it, so equal maps share one storage. A new map replaces whatever held
/// its slot. O(1) per map, memory fixed at creation.
struct MapInterner {
    struct Key: Equatable {
        static let resourceLimit = 4
        var named: UInt32
        var v0, v1, v2, v3: UInt64

        /// Matches no map (a map names at most 16 resources).
        static let none = Key(named: .max, v0: 0, v1: 0, v2: 0, v3: 0)

        var slotHash: UInt64 {
            // The values rotated apart, then SplitMix64's finalizer: the values' varying bits
            // are the high ones (the low mantissa bits of whole numbers are zero), the slot
            // takes low ones.
            func rotate(_ value: UInt64, _ bits: UInt64) -> UInt64 { (value << bits) | (value >> (64 - bits)) }
            var z = UInt64(named) ^ v0 ^ rotate(v1, 17) ^ rotate(v2, 31) ^ rotate(v3, 47)
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Key and map side by side: one cache line per lookup.
    private var entries: [(key: Key, map: [String: Double])]
    private let mask: Int

    /// A table of `slots` entries (a power of two).
    init(slots: Int) {
        entries = Array(repeating: (Key.none, [:]), count: slots)
        mask = slots - 1
    }

    func map(for key: Key) -> [String: Double]? {
        let slot = Int(truncatingIfNeeded: key.slotHash) & mask
        return entries[slot].key == key ? entries[slot].map : nil
    }

    mutating func remember(_ map: [String: Double], for key: Key) {
        entries[Int(truncatingIfNeeded: key.slotHash) & mask] = (key, map)
    }
}
