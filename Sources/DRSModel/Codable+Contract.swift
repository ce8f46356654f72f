/// `Codable` for the two documents of the contract, routed through the tool's own reader and
/// writer: a `Snapshot` decodes only through the validating reader (`Snapshot.read`: every
/// issue, located, as a `DecodingError.dataCorrupted`), and a `Snapshot` or `Plan` encodes as
/// `drs` writes it, so `JSONDecoder` reads what `drs` and `JSONEncoder` write. A plan is read
/// back with `Plan.read(json:)` (the fields the checker needs); it is `Encodable` only.
/// The parts (hosts, VMs, rules, steps) have no `Codable` of their own: the contract is the
/// document, not a free-standing part. Cost: one JSON tree of the document, O(its size).
extension Snapshot: Codable {
    public init(from decoder: any Decoder) throws {
        let value = try ContractJSON(from: decoder).value
        do {
            self = try Snapshot.read(value: value)
        } catch {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath,
                                                                    debugDescription: "not a valid snapshot: \(error)", underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try ContractJSON(document: JSONWriter.bytes { writeJSON(to: $0) }).encode(to: encoder)
    }
}

extension Plan: Encodable {
    public func encode(to encoder: any Encoder) throws {
        try ContractJSON(document: JSONWriter.bytes { writeJSON(to: $0) }).encode(to: encoder)
    }
}

extension Snapshot {
    /// The snapshot a JSON tree holds, validated as `read(json:)` validates bytes.
    package static func read(value: JSONValue) throws(SnapshotError) -> Snapshot {
        var reader = SnapshotReader()
        let snapshot = reader.read(value)
        var issues = reader.issues
        issues.append(contentsOf: snapshot.semanticIssues(structural: reader.issues, sources: reader.sources))
        if !issues.isEmpty { throw SnapshotError(issues: issues.issues, omitted: issues.omitted) }
        return snapshot
    }
}

/// Any JSON value through `Decoder` and `Encoder` (object members in the order the decoder
/// lists them).
private struct ContractJSON: Codable {
    var value: JSONValue

    init(_ value: JSONValue) { self.value = value }

    /// The tree of a document the writer produced (always valid JSON).
    init(document bytes: [UInt8]) throws {
        value = try JSONParser.parse(bytes)
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            var members: [(key: String, value: JSONValue)] = []
            for key in object.allKeys { members.append((key.stringValue, try object.decode(ContractJSON.self, forKey: key).value)) }
            value = .object(members)
        } else if var array = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !array.isAtEnd { elements.append(try array.decode(ContractJSON.self).value) }
            value = .array(elements)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                value = .null
            } else if let flag = try? single.decode(Bool.self) {
                value = .bool(flag)
            } else if let number = try? single.decode(Double.self) {
                value = .number(number)
            } else {
                value = .string(try single.decode(String.self))
            }
        }
    }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case let .bool(flag):
            var single = encoder.singleValueContainer()
            try single.encode(flag)
        case let .number(number):
            var single = encoder.singleValueContainer()
            if number == number.rounded(), abs(number) < 9e15 { try single.encode(Int64(number)) } else { try single.encode(number) }
        case let .string(text):
            var single = encoder.singleValueContainer()
            try single.encode(text)
        case let .array(elements):
            var array = encoder.unkeyedContainer()
            for element in elements { try array.encode(ContractJSON(element)) }
        case let .object(members):
            var object = encoder.container(keyedBy: Key.self)
            for member in members { try object.encode(ContractJSON(member.value), forKey: Key(stringValue: member.key)) }
        }
    }
}
