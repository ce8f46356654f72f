/// The plan OpenDRS writes (SPEC section 3).
public struct Plan: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case optimal, feasible, infeasible, unknown }

    public var schemaVersion: Int = 1
    public var status: Status
    /// Why the solver stopped (nil when it does not say; then absent from the JSON).
    public var termination: Termination?
    public var solver: String
    public var automation: AutomationLevel
    public var objective: Objective
    /// Proven lower bound on the goal term, when the solver has one.
    public var bound: Double?
    /// Relative gap between the goal term and `bound`.
    public var gap: Double?
    /// Wall time of the solve, seconds.
    public var seconds: Double
    /// Target host of every powered-on VM that ends placed.
    public var placement: [String: String]
    /// Target host of every FT VM's secondary.
    public var secondaries: [String: String]
    public var unplaced: [String]
    /// Why each unplaced VM (or unprotected FT VM, or dropped move) is so.
    public var reasons: [String: String]
    public var haMaster: String?
    public var steps: [Step]
    /// Moves of the target that no feasible order could carry out, and why.
    public var dropped: [DroppedMove] = []
    /// Estimated duration of each wave and of the whole plan, seconds.
    public var waveSeconds: [Double] = []
    public var estimatedSeconds: Double = 0
    /// What the planner changed on the way to this plan that a reader should know: problems the
    /// snapshot already had that it leaves (no worse), a solver's plan the checker refused and
    /// what replaced it, steps kept as recommendations because what they need is only
    /// recommended, hosts powered on to hold the HA reserve. Written only when non-empty.
    public var notes: [String] = []

    public init(status: Status, solver: String, automation: AutomationLevel, objective: Objective,
                bound: Double? = nil, gap: Double? = nil, seconds: Double, placement: [String: String],
                secondaries: [String: String], unplaced: [String], reasons: [String: String],
                haMaster: String?, steps: [Step]) {
        self.status = status
        self.solver = solver
        self.automation = automation
        self.objective = objective
        self.bound = bound
        self.gap = gap
        self.seconds = seconds
        self.placement = placement
        self.secondaries = secondaries
        self.unplaced = unplaced
        self.reasons = reasons
        self.haMaster = haMaster
        self.steps = steps
    }
}

public struct DroppedMove: Codable, Sendable, Equatable {
    public var vm: String
    public var from: String?
    public var to: String
    public var secondary: Bool?
    public var reason: String

    public init(vm: String, from: String?, to: String, secondary: Bool?, reason: String) {
        self.vm = vm
        self.from = from
        self.to = to
        self.secondary = secondary
        self.reason = reason
    }
}

/// One step of a plan.
public struct Step: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case place, migrate, restart, promote, elect, standby, powerOn
    }

    /// Steps of one wave run at once; waves run in order, from 1.
    public var wave: Int
    public var kind: Kind
    public var vm: String?
    /// For host steps (`elect`, `standby`, `powerOn`).
    public var host: String?
    public var from: String?
    public var to: String?
    /// True when the step places or moves an FT secondary.
    public var secondary: Bool?
    /// Estimated seconds (0 for restarts and host steps).
    public var seconds: Double = 0
    /// Estimated pause of the VM, seconds (migrations only).
    public var downtime: Double?
    /// Recommendation priority: 1 mandatory ... 5 smallest benefit.
    public var priority: Int
    public var applied: Bool
    public var reason: String
    /// For recommended initial placements: the hosts ranked best first.
    public var candidates: [String]?
    /// For a step kept as a recommendation because it needs another recommended step first:
    /// those steps, as "kind subject from->to (wave n)". Nil otherwise.
    public var waitsFor: [String]?

    public init(wave: Int, kind: Kind, vm: String? = nil, host: String? = nil, from: String? = nil, to: String? = nil,
                secondary: Bool? = nil, seconds: Double = 0, downtime: Double? = nil, priority: Int, applied: Bool,
                reason: String, candidates: [String]? = nil) {
        self.wave = wave
        self.kind = kind
        self.vm = vm
        self.host = host
        self.from = from
        self.to = to
        self.secondary = secondary
        self.seconds = seconds
        self.downtime = downtime
        self.priority = priority
        self.applied = applied
        self.reason = reason
        self.candidates = candidates
    }
}

extension Plan {
    /// The plan as ordered JSON (SPEC field order; `bound` and `gap` null when absent).
    public var json: JSONValue {
        func round(_ value: Double, _ digits: Double = 1e6) -> JSONValue { .number((value * digits).rounded() / digits) }
        let objectiveJSON: JSONValue = .object([
            ("unplaced", .number(Double(objective.unplaced))),
            ("unprotected", .number(Double(objective.unprotectedByPriority.reduce(0, +)))),
            ("softViolations", .number(Double(objective.softViolations))),
            ("activeHosts", .number(Double(objective.activeHosts))),
            ("peakUtilization", round(objective.peakUtilization)),
            ("imbalance", round(objective.imbalance)),
            ("migrationSeconds", round(objective.migrationSeconds, 1e3)),
            ("migrations", .number(Double(objective.migrations))),
            ("cost", round(objective.cost)),
            ("unplacedByPriority", .array(objective.unplacedByPriority.map { .number(Double($0)) })),
            ("unprotectedByPriority", .array(objective.unprotectedByPriority.map { .number(Double($0)) })),
        ])
        func map(_ dictionary: [String: String]) -> JSONValue {
            .object(dictionary.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
        }
        var members: [(key: String, value: JSONValue)] = [
            ("schemaVersion", .number(1)),
            ("status", .string(status.rawValue)),
        ]
        if let termination { members.append(("termination", .string(termination.rawValue))) }
        members += [
            ("solver", .string(solver)),
            ("automation", .string(automation.rawValue)),
            ("objective", objectiveJSON),
            ("bound", bound.map { round($0) } ?? .null),
            ("gap", gap.map { round($0) } ?? .null),
            ("seconds", round(seconds)),
            ("waves", .number(Double(waveSeconds.count))),
            ("estimatedSeconds", round(estimatedSeconds, 1e3)),
            ("placement", map(placement)),
            ("secondaries", map(secondaries)),
            ("unplaced", .array(unplaced.map { .string($0) })),
            ("reasons", map(reasons)),
            ("haMaster", haMaster.map { .string($0) } ?? .null),
        ]
        members.append(("steps", .array(steps.map(\.json))))
        if !dropped.isEmpty {
            members.append(("dropped", .array(dropped.map { move in
                var fields: [(key: String, value: JSONValue)] = [("vm", .string(move.vm))]
                if let from = move.from { fields.append(("from", .string(from))) }
                fields.append(("to", .string(move.to)))
                if move.secondary == true { fields.append(("secondary", .bool(true))) }
                fields.append(("reason", .string(move.reason)))
                return .object(fields)
            })))
        }
        members.append(("waveSeconds", .array(waveSeconds.map { round($0, 1e3) })))
        if !notes.isEmpty { members.append(("notes", .array(notes.map { .string($0) }))) }
        return .object(members)
    }
}

extension Step {
    /// A short name of the step for messages: "migrate A1 h1->h2 (wave 1)", "place N on h2
    /// (wave 2)", "powerOn h4 (wave 1)".
    public var label: String {
        let subject = (vm ?? host ?? "?") + (secondary == true ? "'s secondary" : "")
        let route = to.map { target in from.map { " \($0)->\(target)" } ?? " on \(target)" } ?? ""
        return "\(kind.rawValue) \(subject)\(route) (wave \(wave))"
    }

    var json: JSONValue {
        var fields: [(key: String, value: JSONValue)] = [("wave", .number(Double(wave))), ("kind", .string(kind.rawValue))]
        if let vm { fields.append(("vm", .string(vm))) }
        if let host { fields.append(("host", .string(host))) }
        if let from { fields.append(("from", .string(from))) }
        if let to { fields.append(("to", .string(to))) }
        if secondary == true { fields.append(("secondary", .bool(true))) }
        fields.append(("seconds", .number((seconds * 1000).rounded() / 1000)))
        if let downtime { fields.append(("downtime", .number((downtime * 1e4).rounded() / 1e4))) }
        fields.append(("priority", .number(Double(priority))))
        fields.append(("applied", .bool(applied)))
        fields.append(("reason", .string(reason)))
        if let candidates { fields.append(("candidates", .array(candidates.map { .string($0) }))) }
        if let waitsFor { fields.append(("waitsFor", .array(waitsFor.map { .string($0) }))) }
        return .object(fields)
    }
}
