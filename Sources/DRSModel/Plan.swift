/// The plan OpenDRS writes (SPEC section 3).
public struct Plan: Sendable, Equatable {
    /// `status`: `optimal` (proven), `feasible` (a valid plan, optimality not proven), `infeasible`
    /// (proven that the hard constraints cannot all hold) or `unknown` (no plan found in time).
    public enum Status: String, Codable, Sendable { case optimal, feasible, infeasible, unknown }

    /// `schemaVersion`: the version of SPEC section 3; always written as 1.
    public var schemaVersion: Int = 1
    /// `status`; a plan that dropped moves of an optimal target is only `feasible`.
    public var status: Status
    /// Why the solver stopped (nil when it does not say; then absent from the JSON).
    public var termination: Termination?
    /// `solver`: the id of the solver whose target the plan carries out (`PlacementSolver.id`): a
    /// fallback's when the checker refused the requested solver's plan (`notes` says so).
    public var solver: String
    /// `automation`: the cluster's level; VM overrides show in each step's `applied`.
    public var automation: AutomationLevel
    /// `objective`: the one score of the final placement, term by term (`Score.evaluate`).
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
    /// `unplaced`: powered-on VMs without a host at the end, in snapshot order; each has its reason
    /// in `reasons`.
    public var unplaced: [String]
    /// Why each unplaced VM (or unprotected FT VM, or dropped move) is so.
    public var reasons: [String: String]
    /// `haMaster`: the HA master after the plan: the snapshot's master while it is connected (or
    /// while HA is disabled), else the elected host; nil when there is none.
    public var haMaster: String?
    /// `steps`, sorted by wave.
    public var steps: [Step]
    /// Moves of the target that no feasible order could carry out, and why.
    public var dropped: [DroppedMove] = []
    /// Estimated duration of each wave and of the whole plan, seconds.
    public var waveSeconds: [Double] = []
    /// The sum of `waveSeconds`.
    public var estimatedSeconds: Double = 0
    /// What the planner changed on the way to this plan that a reader should know: problems the
    /// snapshot already had that it leaves (no worse), a solver's plan the checker refused and
    /// what replaced it, steps kept as recommendations because what they need is only
    /// recommended, hosts powered on to hold the HA reserve. Written only when non-empty.
    public var notes: [String] = []

    /// A plan with the fields SPEC section 3 requires; `termination` starts nil, and `dropped`,
    /// `waveSeconds`, `estimatedSeconds` and `notes` start empty or 0.
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

/// A move of the solver's target that no feasible order of waves could carry out (`dropped`).
public struct DroppedMove: Sendable, Equatable {
    /// The VM's id.
    public var vm: String
    /// The host the VM would have left; nil when it was not running (a placement or a restart).
    public var from: String?
    /// The host the move targeted.
    public var to: String
    /// True when the move is of the FT secondary; nil otherwise.
    public var secondary: Bool?
    /// Why the move was dropped.
    public var reason: String

    /// A dropped move; nothing is checked here.
    public init(vm: String, from: String?, to: String, secondary: Bool?, reason: String) {
        self.vm = vm
        self.from = from
        self.to = to
        self.secondary = secondary
        self.reason = reason
    }
}

/// One step of a plan.
public struct Step: Sendable, Equatable {
    /// `steps[].kind`: `place` (initial placement), `migrate` (live migration), `restart` (HA
    /// restart after a host failure), `promote` (an FT secondary becomes primary), `elect` (a new
    /// HA master), `standby` (power an empty host off) or `powerOn` (bring a standby host back).
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case place, migrate, restart, promote, elect, standby, powerOn
    }

    /// Steps of one wave run at once; waves run in order, from 1.
    public var wave: Int
    /// What the step does.
    public var kind: Kind
    /// The VM of a `place`, `migrate`, `restart` or `promote` step; nil for host steps.
    public var vm: String?
    /// For host steps (`elect`, `standby`, `powerOn`).
    public var host: String?
    /// Where the VM was: the source of a `migrate`, the failed host of a `restart` or `promote`;
    /// nil for `place` and host steps.
    public var from: String?
    /// The target host of a VM step; nil for host steps.
    public var to: String?
    /// True when the step places or moves an FT secondary.
    public var secondary: Bool?
    /// Estimated seconds (0 for restarts and host steps).
    public var seconds: Double = 0
    /// Estimated pause of the VM, seconds (migrations only).
    public var downtime: Double?
    /// Recommendation priority: 1 mandatory ... 5 smallest benefit.
    public var priority: Int
    /// Whether the step is carried out by itself (SPEC `applied`); false: only recommended.
    public var applied: Bool
    /// Why the step is in the plan, for people.
    public var reason: String
    /// For recommended initial placements: the hosts ranked best first.
    public var candidates: [String]?
    /// For a step kept as a recommendation because it needs another recommended step first:
    /// those steps, as "kind subject from->to (wave n)". Nil otherwise.
    public var waitsFor: [String]?
    /// For a shared-nothing migration: the destination host's datastore the disks are copied to.
    public var datastore: String?
    /// True for a cold migration (a powered-off VM re-registered on another host); nil otherwise.
    public var cold: Bool?

    /// A step; `waitsFor` starts nil. Nothing is checked here.
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

extension Step {
    /// A short name of the step for messages: "migrate A1 h1->h2 (wave 1)", "place N on h2
    /// (wave 2)", "powerOn h4 (wave 1)".
    package var label: String {
        let subject = (vm ?? host ?? "?") + (secondary == true ? "'s secondary" : "")
        let route = to.map { target in from.map { " \($0)->\(target)" } ?? " on \(target)" } ?? ""
        return "\(kind.rawValue) \(subject)\(route) (wave \(wave))"
    }
}

extension Step {
    /// A `restart` whose source and target are the same host: a failed guest restarted where it
    /// runs (HA VM monitoring); it moves no load.
    public var isInPlace: Bool { kind == .restart && from != nil && from == to && secondary != true }
}
