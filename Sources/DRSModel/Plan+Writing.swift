/// One member of the plan's JSON: a small value, or a large part that `writeJSON(to:)` writes
/// piece by piece (the same text `JSONWriter` writes for its tree).
enum PlanMember {
    case value(JSONValue)
    /// An object of strings, keys in order (`JSONWriter.sortedByKey`).
    case map([(key: String, value: String)])
    case strings([String])
    case steps([Step])
}

extension Plan {
    /// The plan's members in SPEC order (`bound` and `gap` null when absent): the one
    /// description behind both `json` and `writeJSON(to:)`. Maps are sorted by key.
    func forEachMember(_ body: (String, PlanMember) -> Void) {
        func round(_ value: Double, _ digits: Double = 1e6) -> JSONValue { .number((value * digits).rounded() / digits) }
        body("schemaVersion", .value(.number(1)))
        body("status", .value(.string(status.rawValue)))
        if let termination { body("termination", .value(.string(termination.rawValue))) }
        body("solver", .value(.string(solver)))
        body("automation", .value(.string(automation.rawValue)))
        body("objective", .value(objective.json))
        body("bound", .value(bound.map { round($0) } ?? .null))
        body("gap", .value(gap.map { round($0) } ?? .null))
        body("seconds", .value(round(seconds)))
        body("waves", .value(.number(Double(waveSeconds.count))))
        body("estimatedSeconds", .value(round(estimatedSeconds, 1e3)))
        body("placement", .map(JSONWriter.sortedByKey(placement)))
        body("secondaries", .map(JSONWriter.sortedByKey(secondaries)))
        body("unplaced", .strings(unplaced))
        body("reasons", .map(JSONWriter.sortedByKey(reasons)))
        body("haMaster", .value(haMaster.map { .string($0) } ?? .null))
        body("steps", .steps(steps))
        if !dropped.isEmpty {
            body("dropped", .value(.array(dropped.map { move in
                var fields: [(key: String, value: JSONValue)] = [("vm", .string(move.vm))]
                if let from = move.from { fields.append(("from", .string(from))) }
                fields.append(("to", .string(move.to)))
                if move.secondary == true { fields.append(("secondary", .bool(true))) }
                fields.append(("reason", .string(move.reason)))
                return .object(fields)
            })))
        }
        body("waveSeconds", .value(.array(waveSeconds.map { round($0, 1e3) })))
        if !notes.isEmpty { body("notes", .value(.array(notes.map { .string($0) }))) }
    }

    /// The plan as ordered JSON (SPEC field order; `bound` and `gap` null when absent).
    package var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        forEachMember { key, member in
            switch member {
            case let .value(value): members.append((key, value))
            case let .map(entries): members.append((key, .object(entries.map { ($0.key, .string($0.value)) })))
            case let .strings(list): members.append((key, .array(list.map { .string($0) })))
            case let .steps(steps): members.append((key, .array(steps.map(\.json))))
            }
        }
        return .object(members)
    }

    /// Writes `JSONWriter.write(json)` (indented, final newline) without building the tree:
    /// O(plan size + placement x log placement) time, O(steps) extra memory at most.
    package func writeJSON(to output: JSONOutput) {
        output.byte(UInt8(ascii: "{"))
        var first = true
        forEachMember { key, member in
            if !first { output.byte(UInt8(ascii: ",")) }
            first = false
            output.newline(1)
            output.key(key)
            switch member {
            case let .value(value): JSONWriter.append(value, to: output, indent: 1)
            case let .map(entries): output.stringMap(entries, indent: 1)
            case let .strings(list): output.stringArray(list)
            case let .steps(steps):
                if steps.isEmpty {
                    output.raw("[]")
                    return
                }
                // Steps are objects: one per line, each on one line (at most 14 scalar or
                // flat fields).
                output.byte(UInt8(ascii: "["))
                for (index, step) in steps.enumerated() {
                    if index > 0 { output.byte(UInt8(ascii: ",")) }
                    output.newline(2)
                    step.writeJSON(to: output)
                }
                output.newline(1)
                output.byte(UInt8(ascii: "]"))
            }
        }
        output.newline(0)
        output.raw("}\n")
    }
}

extension Step {
    /// The step's fields in order, absent ones left out: the one description behind `json`
    /// and `writeJSON(to:)`.
    func forEachField(_ body: (StaticString, JSONValue) -> Void) {
        body("wave", .number(Double(wave)))
        body("kind", .string(kind.rawValue))
        if let vm { body("vm", .string(vm)) }
        if let host { body("host", .string(host)) }
        if let from { body("from", .string(from)) }
        if let to { body("to", .string(to)) }
        if secondary == true { body("secondary", .bool(true)) }
        if cold == true { body("cold", .bool(true)) }
        body("seconds", .number((seconds * 1000).rounded() / 1000))
        if let downtime { body("downtime", .number((downtime * 1e4).rounded() / 1e4)) }
        if let datastore { body("datastore", .string(datastore)) }
        body("priority", .number(Double(priority)))
        body("applied", .bool(applied))
        body("reason", .string(reason))
        if let candidates { body("candidates", .array(candidates.map { .string($0) })) }
        if let waitsFor { body("waitsFor", .array(waitsFor.map { .string($0) })) }
    }

    var json: JSONValue {
        var fields: [(key: String, value: JSONValue)] = []
        forEachField { fields.append(($0.description, $1)) }
        return .object(fields)
    }

    /// The step as one line, as `JSONWriter` writes its (flat) object.
    func writeJSON(to output: JSONOutput) {
        output.byte(UInt8(ascii: "{"))
        var first = true
        forEachField { key, value in
            if !first { output.raw(", ") }
            first = false
            output.key(key)
            JSONWriter.append(value, to: output, indent: -1)
        }
        output.byte(UInt8(ascii: "}"))
    }
}

extension Objective {
    /// The objective as the plan writes it (`objective`): the counts, then the measures
    /// rounded to 6 decimals (migration seconds to 3).
    package var json: JSONValue {
        func round(_ value: Double, _ digits: Double = 1e6) -> JSONValue { .number((value * digits).rounded() / digits) }
        return .object([
            ("unplaced", .number(Double(unplaced))),
            ("unprotected", .number(Double(unprotectedByPriority.reduce(0, +)))),
            ("softViolations", .number(Double(softViolations))),
            ("activeHosts", .number(Double(activeHosts))),
            ("peakUtilization", round(peakUtilization)),
            ("imbalance", round(imbalance)),
            ("migrationSeconds", round(migrationSeconds, 1e3)),
            ("migrations", .number(Double(migrations))),
            ("cost", round(cost)),
            ("unplacedByPriority", .array(unplacedByPriority.map { .number(Double($0)) })),
            ("unprotectedByPriority", .array(unprotectedByPriority.map { .number(Double($0)) })),
        ])
    }
}
