/// A problem with plan JSON, at a JSON path (ids and keys escaped and cut, `DisplayText`).
public struct PlanReadError: Error, Sendable, CustomStringConvertible {
    /// The message: where in the plan JSON (a path, or the parse error's position) and what.
    public var description: String

    /// An error with its message.
    public init(description: String) { self.description = description }
}

extension Plan {
    /// Reads the parts of plan JSON that the checker needs (status, placement, secondaries,
    /// unplaced, haMaster, steps); other fields are kept at their defaults. Ranges: `wave` a
    /// whole number from 1 to `InputLimits.maximumWave`, `priority` a whole number from 1 to
    /// 5, `seconds` and `downtime` finite and >= 0.
    public static func read(json bytes: [UInt8]) throws(PlanReadError) -> Plan {
        let root: JSONValue
        do { root = try JSONParser.parse(bytes) } catch { throw PlanReadError(description: "invalid JSON at \(error.description)") }
        guard case .object = root else { throw PlanReadError(description: "plan: must be an object, got \(root.typeName)") }
        func stringMap(_ key: String) throws(PlanReadError) -> [String: String] {
            guard let value = root[key], value != .null else { return [:] }
            guard case let .object(members) = value else { throw PlanReadError(description: "\(key): must be an object, got \(value.typeName)") }
            var map: [String: String] = [:]
            for member in members {
                guard case let .string(text) = member.value else {
                    throw PlanReadError(description: "\(key).\(DisplayText.pathKey(member.key)): must be a string, got \(member.value.typeName)")
                }
                map[member.key] = text
            }
            return map
        }
        let statusText: String
        if case let .string(text) = root["status"] { statusText = text } else { statusText = "feasible" }
        guard let status = Status(rawValue: statusText) else { throw PlanReadError(description: "status: unknown value \(DisplayText.quoted(statusText))") }
        var automation = AutomationLevel.full
        if case let .string(text) = root["automation"], let level = AutomationLevel(rawValue: text) { automation = level }
        var solver = "unknown"
        if case let .string(text) = root["solver"] { solver = text }
        var unplaced: [String] = []
        if case let .array(elements) = root["unplaced"] {
            for element in elements { if case let .string(text) = element { unplaced.append(text) } }
        }
        var haMaster: String?
        if case let .string(text) = root["haMaster"] { haMaster = text }
        var steps: [Step] = []
        if let value = root["steps"] {
            guard case let .array(elements) = value else { throw PlanReadError(description: "steps: must be an array") }
            for (index, element) in elements.enumerated() {
                steps.append(try readStep(element, "steps[\(index)]"))
            }
        }
        return Plan(status: status, solver: solver, automation: automation, objective: Objective(), seconds: 0,
                    placement: try stringMap("placement"), secondaries: try stringMap("secondaries"),
                    unplaced: unplaced, reasons: try stringMap("reasons"), haMaster: haMaster, steps: steps)
    }

    /// What a wrong value is, for "got ...".
    private static func found(_ value: JSONValue) -> String {
        guard case let .number(number) = value else { return value.typeName }
        return number.isFinite ? JSONWriter.number(number) : "a number out of range (beyond 1.8e308, the largest a double holds)"
    }

    private static func readStep(_ value: JSONValue, _ path: String) throws(PlanReadError) -> Step {
        guard case .object = value else { throw PlanReadError(description: "\(path): must be an object") }
        func text(_ key: String) throws(PlanReadError) -> String? {
            guard let field = value[key], field != .null else { return nil }
            guard case let .string(text) = field else { throw PlanReadError(description: "\(path).\(key): must be a string") }
            return text
        }
        /// A finite number >= 0, or nil when absent.
        func number(_ key: String) throws(PlanReadError) -> Double? {
            guard let field = value[key], field != .null else { return nil }
            guard case let .number(number) = field, number.isFinite, number >= 0 else {
                throw PlanReadError(description: "\(path).\(key): must be a finite number >= 0, got \(found(field))")
            }
            return number
        }
        /// A whole number in `range`, or nil when absent.
        func whole(_ key: String, in range: ClosedRange<Int>) throws(PlanReadError) -> Int? {
            guard let field = value[key], field != .null else { return nil }
            guard case let .number(number) = field, number.isFinite, number == number.rounded(),
                  number >= Double(range.lowerBound), number <= Double(range.upperBound) else {
                throw PlanReadError(description: "\(path).\(key): must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(found(field))")
            }
            return Int(number)
        }
        guard let kindText = try text("kind") else { throw PlanReadError(description: "\(path).kind: missing") }
        guard let kind = Step.Kind(rawValue: kindText) else { throw PlanReadError(description: "\(path).kind: unknown step kind \(DisplayText.quoted(kindText))") }
        guard let wave = try whole("wave", in: 1...InputLimits.maximumWave) else {
            throw PlanReadError(description: "\(path).wave: missing; every step needs a wave from 1 to \(InputLimits.maximumWave)")
        }
        var secondary: Bool?
        if case let .bool(flag) = value["secondary"] { secondary = flag }
        var applied = false
        if case let .bool(flag) = value["applied"] { applied = flag }
        var candidates: [String]?
        if case let .array(elements) = value["candidates"] {
            candidates = elements.compactMap { if case let .string(text) = $0 { return text }; return nil }
        }
        var step = Step(wave: wave, kind: kind, vm: try text("vm"), host: try text("host"), from: try text("from"),
                        to: try text("to"), secondary: secondary, seconds: try number("seconds") ?? 0,
                        downtime: try number("downtime"), priority: try whole("priority", in: 1...5) ?? 1, applied: applied,
                        reason: try text("reason") ?? "", candidates: candidates)
        step.datastore = try text("datastore")
        if case let .bool(flag) = value["cold"] { step.cold = flag }
        return step
    }
}
