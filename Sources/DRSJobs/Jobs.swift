@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSPlanner
import DRSSolvers

/// What a planning job answered: a checked plan, or the unsolved answer (`infeasible`, or
/// `unknown` when no plan was found and none is proven impossible) with nothing applied.
/// `drs plan|failover|evacuate` print it and exit 0 or 3; `drs serve` sends it as 200 or 422/503.
package struct PlanAnswer: Sendable {
    /// Whether the plan is a success.
    package enum Outcome: String, Sendable {
        /// The plan passed the checker, whole and as its applied subset.
        case planned
        /// Proven impossible (or refused: an evacuation that would break HA admission control).
        case infeasible
        /// No plan within the limits, not proven impossible.
        case unknown
    }

    package var outcome: Outcome
    /// The plan, or for an unsolved answer the last attempt (nothing applied).
    package var plan: Plan
    /// The snapshot the plan is shown against (`--format summary`): the input, with the failed
    /// hosts and guests for failover, with the emptied hosts in maintenance for an evacuation.
    package var shown: Snapshot
    /// For an unsolved answer, the message `drs` writes to standard error (exit 3).
    package var message: String

    package init(outcome: Outcome, plan: Plan, shown: Snapshot, message: String) {
        self.outcome = outcome
        self.plan = plan
        self.shown = shown
        self.message = message
    }
}

/// A job parameter naming something the snapshot lacks: `drs` writes `--OPTION: message` and
/// exits 2; `drs serve` answers 400 naming the query parameter.
package struct JobInputError: Error, Sendable, CustomStringConvertible {
    /// The option, without dashes (`fail`, `vm`, `host`).
    package var option: String
    /// What is wrong with it.
    package var message: String
    package var description: String { "--\(option): \(message)" }
}

/// The jobs `drs` runs from the command line and `drs serve` runs per request, through the same
/// calls, so that both answer the same input with the same plan.
package enum Jobs {
    /// `drs plan`: the checked plan for `snapshot`. Rethrows `PlanningError.checkFailed` and
    /// `.unknownSolver` (internal failures, not answers).
    package static func plan(_ snapshot: Snapshot, solver kind: SolverKind, options: SolveOptions) throws -> PlanAnswer {
        let solver = kind.solver(for: snapshot)
        do {
            let plan = try Planner.checkedPlan(snapshot, solver: solver, options: options)
            return PlanAnswer(outcome: .planned, plan: plan, shown: snapshot, message: "")
        } catch let PlanningError.infeasible(message, partial) {
            return PlanAnswer(outcome: .infeasible, plan: partial, shown: snapshot, message: "infeasible: " + message)
        } catch let failure as NoPlanFound {
            // No plan satisfies every hard constraint and none is proven impossible: the answer
            // (status unknown, nothing applied) is shown and the exit is 3, like infeasible.
            return PlanAnswer(outcome: .unknown, plan: failure.plan, shown: snapshot, message: failure.description)
        }
    }

    /// `drs failover --fail HOST... --isolate HOST... --vm ID...`: the HA response after `hosts`
    /// fail, `isolated` lose their management network (`response`: the isolation response to
    /// set, nil: the snapshot's) and the guests of `vms` fail. Throws `JobInputError` for an id
    /// the snapshot lacks.
    package static func failover(_ snapshot: Snapshot, hosts: [String], isolated: [String] = [],
                                 response: IsolationResponse? = nil, vms: [String], solver kind: SolverKind,
                                 options: SolveOptions) throws -> PlanAnswer {
        var failed: Snapshot
        do {
            failed = try Planner.failed(snapshot, hosts)
        } catch let error as UnknownHost {
            throw JobInputError(option: "fail", message: error.description)
        }
        do {
            failed = try Planner.isolated(failed, isolated, response: response)
        } catch let error as UnknownHost {
            throw JobInputError(option: "isolate", message: error.description)
        }
        do {
            failed = try Planner.guestsFailed(failed, vms)
        } catch let error as UnknownVM {
            throw JobInputError(option: "vm", message: error.description)
        }
        return try plan(failed, solver: kind, options: options)
    }

    /// `drs evacuate --host HOST...`: the plan that puts `hosts` into maintenance mode, or the
    /// refusal naming what blocks it. Throws `JobInputError` for an unknown host.
    package static func evacuate(_ snapshot: Snapshot, hosts: [String], solver kind: SolverKind,
                                 options: SolveOptions) throws -> PlanAnswer {
        for id in hosts where !snapshot.hosts.contains(where: { $0.id == id }) {
            throw JobInputError(option: "host", message: "unknown host \"\(id)\"")
        }
        let solver = kind.solver(for: snapshot)
        let plan: Plan
        do {
            plan = try Planner.evacuationPlan(snapshot, hosts: hosts, solver: solver, options: options)
        } catch let PlanningError.infeasible(message, partial) {
            return PlanAnswer(outcome: .infeasible, plan: partial, shown: snapshot, message: "refused: " + message)
        } catch let failure as NoPlanFound {
            return PlanAnswer(outcome: .unknown, plan: failure.plan, shown: snapshot, message: "refused: \(failure)")
        }
        var shown = snapshot
        for id in hosts { shown.hosts[shown.hosts.firstIndex(where: { $0.id == id })!].state = .maintenance }
        return PlanAnswer(outcome: .planned, plan: plan, shown: shown, message: "")
    }

    /// `drs failover --all`: every single-host failure within one budget (`FailoverSweep`).
    /// `auto` sweeps with the greedy solver, as `drs` does.
    package static func sweep(_ snapshot: Snapshot, solver kind: SolverKind, options: SolveOptions) -> FailoverSweep.Sweep {
        let solver = (kind == .auto ? .greedy : kind).solver(for: snapshot)
        return FailoverSweep.sweep(snapshot, solver: solver, options: options)
    }
}

/// The bytes `drs` prints for a plan, so that the service sends exactly them.
package enum PlanBytes {
    /// The plan JSON (`--format json`, SPEC section 3).
    package static func json(_ plan: Plan) -> [UInt8] {
        JSONWriter.bytes { plan.writeJSON(to: $0) }
    }

    /// The short summary (`--format summary`) of `plan` against `snapshot`.
    package static func summary(_ plan: Plan, _ snapshot: Snapshot) -> [UInt8] {
        JSONWriter.bytes { JSONWriter.write(plan.summary(for: snapshot), to: $0) }
    }
}
