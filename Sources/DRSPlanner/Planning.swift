@_spi(Benchmarks) import DRSModel
import DRSHeuristics

/// Why planning stopped without a plan to print.
public enum PlanningError: Error, CustomStringConvertible {
    /// The solver's plan broke a hard constraint; it is never printed as a success.
    case checkFailed([CheckViolation])
    /// The hard constraints cannot all hold (for example a host that cannot be emptied).
    case infeasible(String, Plan)
    case unknownSolver(String)

    /// The message `drs` prints; for `checkFailed`, one violation per line.
    public var description: String {
        switch self {
        case let .checkFailed(violations):
            return "internal error: the plan failed the checker:\n" + violations.map { "  \($0)" }.joined(separator: "\n")
        case let .infeasible(message, _): return message
        case let .unknownSolver(name):
            return "--solver: unknown solver \"\(name)\"; known: \(SolverKind.allCases.map(\.rawValue).joined(separator: ", "))"
        }
    }
}

/// No plan was found within the limits, and none is proven impossible (SPEC status `unknown`,
/// exit 1). `plan` is the last attempt, with status `unknown` and nothing applied.
public struct NoPlanFound: Error, CustomStringConvertible {
    /// Why no plan was found.
    public var message: String
    /// The last attempt: status `unknown`, no step applied.
    public var plan: Plan
    /// The message `drs` prints.
    public var description: String { "no plan found (status unknown, not proven infeasible): " + message }
}

extension Planner {
    /// Plans and checks: returns a plan only when the independent checker accepts it, both as a
    /// whole and as its applied subset alone, listing in `notes` what it keeps of the snapshot's
    /// own problems. When the checker refuses the solver's plan, a more conservative plan it
    /// accepts is returned instead, saying so (`conservativePlan`); when there is none, the
    /// fallbacks (`fallbacks(after:for:)`) are tried in turn, unless the failure is proven
    /// inevitable first. When no solver reaches a valid plan, the answer is `infeasible`
    /// (exit 3) only with a proof (`provenInfeasibility`), else `NoPlanFound` (status
    /// `unknown`, exit 1). An infeasible or unknown answer applies nothing.
    public static func checkedPlan(_ snapshot: Snapshot, solver: any PlacementSolver,
                                   options: SolveOptions = SolveOptions()) throws -> Plan {
        let problem = Problem(snapshot)
        StageClock.lap("compile")
        return try checkedPlan(problem, solver: solver, options: options)
    }

    /// Plans and checks an already compiled problem; `context` reuses the checker's indices
    /// across snapshots that differ only in host states.
    package static func checkedPlan(_ problem: Problem, solver: any PlacementSolver, options: SolveOptions = SolveOptions(),
                                   context: PlanChecker.Context? = nil) throws -> Plan {
        let clock = ContinuousClock()
        let start = clock.now
        var failures: [(solver: String, error: PlanningError)] = []
        var lastPlan: Plan?
        var clockCut: [String] = []
        for (attempt, candidate) in ([solver] + fallbacks(after: solver, for: problem)).enumerated() {
            var budget = options
            if attempt > 0 {
                // Fallbacks share what is left of the limit (at least a tenth of it each).
                budget.timeLimit = max(options.timeLimit * 0.1, options.timeLimit - (clock.now - start).seconds)
            }
            do {
                var plan = try checkedSolverPlan(problem, solver: candidate, options: budget, context: context)
                if attempt > 0 {
                    let why = failures.map { "\($0.solver): \(summary($0.error))" }.joined(separator: "; ")
                    plan.notes.insert("fell back to \(candidate.id): \(why)", at: 0)
                    if plan.status == .optimal { plan.status = .feasible }
                }
                return plan
            } catch let error as PlanningError {
                switch error {
                case .unknownSolver: throw error
                case let .infeasible(_, partial):
                    lastPlan = partial
                    if partial.termination == .feasibleTimeLimit || partial.termination == .modelTooLarge {
                        clockCut.append(candidate.id)
                    }
                case .checkFailed: break
                }
                failures.append((candidate.id, error))
                // A proof makes every other solver fail too: no need to try them.
                if attempt == 0, provenInfeasibility(problem) != nil { break }
            }
        }
        var refused = lastPlan ?? Plan(status: .unknown, solver: solver.id, automation: problem.snapshot.cluster.automation,
                                       objective: Objective(), seconds: 0, placement: [:], secondaries: [:], unplaced: [],
                                       reasons: [:], haMaster: nil, steps: [])
        for index in refused.steps.indices { refused.steps[index].applied = false }
        refused.seconds = (clock.now - start).seconds
        let tried = failures.map { "\($0.solver): \($0.error)" }.joined(separator: "\n")
        if let proof = provenInfeasibility(problem) {
            refused.status = .infeasible
            throw PlanningError.infeasible(proof + "\n" + tried, refused)
        }
        refused.status = .unknown
        if !clockCut.isEmpty {
            // The clock, not the method, ended these attempts: another run (or a longer limit)
            // may end with a plan, and the answer says so.
            refused.termination = .feasibleTimeLimit
            refused.notes.append("the time limit cut \(clockCut.joined(separator: ", ")): a longer --time-limit may find a plan")
        }
        throw NoPlanFound(message: "no solver reached a plan that satisfies every hard constraint:\n" + tried, plan: refused)
    }

    /// The first two lines of an error's text on one line, for a note.
    static func summary(_ error: Error) -> String {
        "\(error)".split(separator: "\n").prefix(2).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    /// Solvers tried, in order, when `solver`'s plan cannot be carried out: greedy, which
    /// repairs what the input breaks in its own order, the bin-centric construction, and, where
    /// the exact solver is linked (`ExactFallback`) and for problems of at most
    /// `exactFallbackLimit` active VMs x hosts, the exact solver (it can rearrange what the
    /// constructions cannot, to empty a host entering maintenance).
    package static func fallbacks(after solver: any PlacementSolver, for problem: Problem) -> [any PlacementSolver] {
        var list: [any PlacementSolver] = [GreedySolver(), BinCentricSolver()]
        if let exact = ExactFallback.source, problem.vmActive.filter({ $0 }).count * problem.hostCount <= exactFallbackLimit {
            list.append(exact.solver())
        }
        return list.filter { $0.id != solver.id }
    }

    /// Size (active VMs x hosts) up to which the exact solver is a fallback: five times the size
    /// `auto` gives it, since it only runs when the other solvers failed (0 without it).
    package static let exactFallbackLimit = (ExactFallback.source?.autoLimit ?? 0) * 5

    /// One solver's plan, checked whole and as its applied subset; the errors say which part
    /// failed (`infeasible` for constraints the input broke that the plan could not repair,
    /// not yet proven).
    static func checkedSolverPlan(_ problem: Problem, solver: any PlacementSolver, options: SolveOptions,
                                  context: PlanChecker.Context?) throws -> Plan {
        let snapshot = problem.snapshot
        let context = context ?? PlanChecker.Context(snapshot)
        StageClock.lap("check")
        var plan = try plan(problem, solver: solver, options: options)
        let review = PlanChecker.review(snapshot, plan, context: context)
        var violations = review.violations
        if violations.isEmpty {
            violations = appliedSubsetViolations(snapshot, plan, context: context)
            if violations.isEmpty { StageClock.lap("check"); return noted(plan, kept: review.kept) }
        }
        // A plan the checker refuses is never printed: a more conservative one is, saying so.
        if let fallback = conservativePlan(problem, rejected: plan, solverID: solver.id, violations: violations,
                                           options: options, context: context) {
            return fallback
        }
        // Constraints the input broke that the plan could not repair are infeasibility, not bugs.
        if !plan.dropped.isEmpty && violations.allSatisfy({ $0.wave == nil }) {
            plan.status = .infeasible
            let moves = plan.dropped.prefix(10).map { "  \($0.vm) -> \($0.to): \($0.reason)" }.joined(separator: "\n")
            let broken = violations.prefix(10).map { "  \($0)" }.joined(separator: "\n")
            throw PlanningError.infeasible("no feasible order of waves reaches a state that satisfies every hard constraint; dropped moves:\n\(moves)\nstill broken at the end:\n\(broken)", plan)
        }
        let blocking = blockingVMs(snapshot, plan)
        if !blocking.isEmpty {
            plan.status = .infeasible
            let lines = blocking.map { "  \($0.vm): \($0.why)" }.joined(separator: "\n")
            throw PlanningError.infeasible("cannot reach a state that satisfies every hard constraint; blocking VMs:\n\(lines)", plan)
        }
        throw PlanningError.checkFailed(violations)
    }

    /// The violations of a plan's applied subset alone (what `--apply` carries out), labelled.
    /// A plan whose every step is applied is its own applied subset, and the whole plan passed
    /// the stricter `plan` standard: callers that checked it whole pass `checkedWhole`.
    static func appliedSubsetViolations(_ snapshot: Snapshot, _ plan: Plan, context: PlanChecker.Context? = nil,
                                        checkedWhole: Bool = true) -> [CheckViolation] {
        if checkedWhole && plan.steps.allSatisfy(\.applied) { return [] }
        return PlanChecker.checkApplied(snapshot, plan, context: context).map { violation in
            var labelled = violation
            labelled.message = "applied subset: " + violation.message
            return labelled
        }
    }

    /// A proof that no plan exists, or nil: the mandatory part cannot hold whatever the solver.
    /// A running VM on a host entering maintenance must leave it, so it is impossible when the
    /// VM's automation is disabled, when no host that can receive it is allowed by its hard
    /// rules with room for it alone, or when the running VMs that must stay running (all but
    /// those on failed hosts and new ones) exceed, in some resource, the capacity of every host
    /// that can take VMs, or a required anti-affinity rule has more running VMs than there are
    /// such hosts. O(V x H x R) at worst.
    package static func provenInfeasibility(_ problem: Problem) -> String? {
        let snapshot = problem.snapshot
        let receiving = (0..<problem.hostCount).filter { problem.hostReceives[$0] }
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            let h = Int(problem.vmInitialHost[v])
            guard h >= 0, problem.hostState[h] == .maintenance else { continue }
            let id = snapshot.vms[v].id
            if snapshot.vms[v].automation == .disabled {
                return "proven: \(id) must leave \(hostID(problem, h)) (maintenance) but its automation is disabled"
            }
            if let why = problem.liveMigrationRefused(v) {
                return "proven: \(id) must leave \(hostID(problem, h)) (maintenance) but \(why) (vms[].maxDowntime)"
            }
            let possible = receiving.contains { to in
                to != h && problem.allows(v, to) && (0..<problem.resourceCount).allSatisfy { problem.demand(v, $0) <= problem.limit(to, $0) }
            }
            if !possible {
                return "proven: \(id) must leave \(hostID(problem, h)) (maintenance) and no other host can take it (capacity and must/mustNot rules)"
            }
        }
        for members in problem.antiAffinity {
            let running = members.filter { problem.vmActive[Int($0)] && problem.vmInitialHost[Int($0)] >= 0 }
            if running.count > receiving.count {
                let ids = Set(members.map { snapshot.vms[Int($0)].id })
                let name = snapshot.rules.first { $0.kind == .antiAffinity && $0.isHard && Set($0.vms).isSuperset(of: ids) }?.id ?? "?"
                return "proven: required anti-affinity rule \(name) has \(running.count) running VMs but only \(receiving.count) host(s) can take VMs"
            }
        }
        for r in 0..<problem.resourceCount {
            var running: Int64 = 0
            for v in 0..<problem.vmCount where problem.vmActive[v] && problem.vmInitialHost[v] >= 0 {
                running += problem.demand(v, r)
            }
            let capacity = receiving.reduce(Int64(0)) { $0 + problem.limit($1, r) }
            if running > capacity {
                return "proven: the running VMs need more \(snapshot.resources[r]) than all hosts that can take VMs have"
            }
        }
        return nil
    }

    /// VMs the plan leaves on hosts that cannot keep them, with the reason.
    package static func blockingVMs(_ snapshot: Snapshot, _ plan: Plan) -> [(vm: String, why: String)] {
        let states = Dictionary(snapshot.hosts.map { ($0.id, $0.state) }, uniquingKeysWith: { a, _ in a })
        var result: [(String, String)] = []
        for vm in snapshot.vms where vm.powerState == .on {
            guard let host = plan.placement[vm.id], let state = states[host], state != .connected else { continue }
            if vm.automation == .disabled {
                result.append((vm.id, "automation is disabled, so it cannot leave \(host) (\(state.rawValue))"))
            } else if let limit = vm.maxDowntime, plan.reasons[vm.id] == nil {
                result.append((vm.id, "no live migration keeps its downtime within its maxDowntime of \(JSONWriter.number(limit)) s, so it cannot leave \(host) (\(state.rawValue))"))
            } else {
                let why = plan.reasons[vm.id] ?? "no other host can take it within capacity and the hard rules"
                result.append((vm.id, "stays on \(host) (\(state.rawValue)): \(why)"))
            }
        }
        return result
    }

    /// The snapshot that results from carrying out only the applied steps, after checking that
    /// those steps alone are safe at every wave (`PlanChecker.checkApplied`). Throws
    /// `checkFailed` when the applied subset is not.
    public static func applied(_ snapshot: Snapshot, plan: Plan) throws -> Snapshot {
        let violations = PlanChecker.checkApplied(snapshot, plan)
        if !violations.isEmpty { throw PlanningError.checkFailed(violations) }
        var next = snapshot
        var vmIndex: [String: Int] = [:]
        for (v, vm) in next.vms.enumerated() { vmIndex[vm.id] = v }
        var hostIndex: [String: Int] = [:]
        for (h, host) in next.hosts.enumerated() { hostIndex[host.id] = h }
        let electsHAMaster = PlanChecker.electsHAMaster(snapshot)
        for step in plan.steps where step.applied {
            switch step.kind {
            case .elect: if electsHAMaster(step.host) { next.cluster.ha?.master = step.host }
            case .standby: if let h = step.host.flatMap({ hostIndex[$0] }) { next.hosts[h].state = .standby }
            case .powerOn: if let h = step.host.flatMap({ hostIndex[$0] }) { next.hosts[h].state = .connected }
            case .promote:
                guard let v = step.vm.flatMap({ vmIndex[$0] }) else { continue }
                next.vms[v].host = step.to
                next.vms[v].ft?.secondaryHost = nil
            case .place, .restart, .migrate:
                guard let v = step.vm.flatMap({ vmIndex[$0] }) else { continue }
                if step.secondary == true { next.vms[v].ft?.secondaryHost = step.to } else { next.vms[v].host = step.to }
                if step.kind == .restart && step.secondary != true && next.vms[v].state == .guestFailed { next.vms[v].state = nil }
                if let datastore = step.datastore, step.secondary != true { next.vms[v].datastores = [datastore] }
            }
        }
        return next
    }
}

extension Planner {
    /// Plans putting `hosts` into maintenance mode. Refuses (`infeasible`) when the hosts cannot
    /// be emptied (rules, capacity, pinned VMs: the blocking VMs are named) or when emptying
    /// them would break HA admission control (the failover level).
    /// The plan after `hosts` fail: HA restarts by priority, FT promotions and re-protection,
    /// HA master election (see `checkedPlan`). Throws `UnknownHost` for an id the snapshot lacks.
    public static func failoverPlan(_ snapshot: Snapshot, failing hosts: [String], solver: any PlacementSolver,
                                    options: SolveOptions = SolveOptions()) throws -> Plan {
        try checkedPlan(failed(snapshot, hosts), solver: solver, options: options)
    }

    /// The snapshot with `hosts` marked failed. Throws `UnknownHost` for an id it lacks.
    package static func failed(_ snapshot: Snapshot, _ hosts: [String]) throws -> Snapshot {
        var next = snapshot
        for id in hosts {
            guard let index = next.hosts.firstIndex(where: { $0.id == id }) else { throw UnknownHost(id: id) }
            next.hosts[index].state = .failed
        }
        return next
    }

    /// The plan that empties `hosts` (put into maintenance mode), checked as in `checkedPlan`.
    /// Throws `PlanningError.infeasible` for an unknown host id, for hosts that cannot be
    /// emptied, and when HA admission control would break on the remaining connected hosts
    /// (the plan then applies nothing); `NoPlanFound` when no plan was found.
    public static func evacuationPlan(_ snapshot: Snapshot, hosts: [String], solver: any PlacementSolver,
                                      options: SolveOptions = SolveOptions()) throws -> Plan {
        var next = snapshot
        for id in hosts {
            guard let index = next.hosts.firstIndex(where: { $0.id == id }) else {
                throw PlanningError.infeasible("unknown host \(id)", Plan(status: .infeasible, solver: solver.id, automation: snapshot.cluster.automation, objective: Objective(), seconds: 0, placement: [:], secondaries: [:], unplaced: [], reasons: [:], haMaster: nil, steps: []))
            }
            next.hosts[index].state = .maintenance
        }
        let plan: Plan
        do {
            plan = try checkedPlan(next, solver: solver, options: options)
        } catch let PlanningError.infeasible(message, partial) {
            throw PlanningError.infeasible("cannot empty \(hosts.joined(separator: ", ")): " + message, partial)
        } catch var failure as NoPlanFound {
            failure.message = "cannot empty \(hosts.joined(separator: ", ")): " + failure.message
            throw failure
        }
        if let ha = snapshot.cluster.ha, ha.enabled, ha.hostFailuresToTolerate > 0 {
            let problem = Problem(next)
            var primaries = [Int32](repeating: -1, count: problem.vmCount)
            var secondaries = [Int32](repeating: -1, count: problem.vmCount)
            for (v, vm) in next.vms.enumerated() where vm.powerState == .on {
                primaries[v] = plan.placement[vm.id].flatMap { problem.hostIndex[$0] }.map { Int32($0) } ?? -1
                secondaries[v] = plan.secondaries[vm.id].flatMap { problem.hostIndex[$0] }.map { Int32($0) } ?? -1
            }
            let connected = Set((0..<problem.hostCount).filter { problem.hostState[$0] == .connected })
            if !AdmissionReserve(problem, primaries: primaries, secondaries: secondaries, hosts: connected).holds() {
                var refused = plan
                refused.status = .infeasible
                for index in refused.steps.indices { refused.steps[index].applied = false }
                throw PlanningError.infeasible("putting \(hosts.joined(separator: ", ")) into maintenance would break HA admission control: the remaining connected hosts could not absorb \(ha.hostFailuresToTolerate) host failure(s)", refused)
            }
        }
        return plan
    }
}

extension Planner {
    /// The snapshot with `hosts` isolated (`hosts[].state: "isolated"`) and, when given, the
    /// isolation response set (`cluster.ha.isolationResponse`). Throws `UnknownHost` for an id
    /// the snapshot lacks, for a host that is failed, and for one that shares a partition
    /// (`cluster.ha.partitions`) with other hosts: an isolated host reaches none.
    package static func isolated(_ snapshot: Snapshot, _ hosts: [String], response: IsolationResponse?) throws -> Snapshot {
        var next = snapshot
        for id in hosts {
            guard let index = next.hosts.firstIndex(where: { $0.id == id }) else { throw UnknownHost(id: id) }
            if next.hosts[index].state == .failed { throw UnknownHost(id: id, why: "is failed: a failed host cannot also be isolated") }
            if let shared = snapshot.cluster.ha?.partitions?.firstIndex(where: { $0.contains(id) && $0.count > 1 }) {
                throw UnknownHost(id: id, why: "shares cluster.ha.partitions[\(shared)] with other hosts: an isolated host reaches none")
            }
            next.hosts[index].state = .isolated
        }
        if let response {
            if next.cluster.ha == nil { next.cluster.ha = HASettings() }
            next.cluster.ha?.isolationResponse = response
        }
        return next
    }

    /// The snapshot with the guests of `vms` failed (`vms[].state: "guestFailed"`): HA restarts
    /// each on its own host. Throws `UnknownVM` for an id the snapshot lacks, or for a VM that
    /// has no running guest (powered off, or not placed).
    package static func guestsFailed(_ snapshot: Snapshot, _ vms: [String]) throws -> Snapshot {
        var next = snapshot
        for id in vms {
            guard let index = next.vms.firstIndex(where: { $0.id == id }) else { throw UnknownVM(id: id, why: nil) }
            if next.vms[index].powerState == .off { throw UnknownVM(id: id, why: "is powered off: it has no running guest") }
            if next.vms[index].host == nil { throw UnknownVM(id: id, why: "is not placed: it has no running guest") }
            next.vms[index].state = .guestFailed
        }
        return next
    }
}

/// A VM id the snapshot does not have, or a VM whose guest cannot fail (for `drs failover --vm`).
public struct UnknownVM: Error, CustomStringConvertible {
    /// The id asked for.
    public let id: String
    /// Why the VM cannot be named; nil when the snapshot has no such VM.
    public let why: String?
    /// The message: the id in quotes, and why.
    public var description: String { why.map { "VM \"\(id)\" \($0)" } ?? "unknown VM \"\(id)\"" }
}

/// A host id the snapshot does not have (for `Planner.failed` and `failoverPlan`).
public struct UnknownHost: Error, CustomStringConvertible {
    /// The id asked for.
    public let id: String
    /// Why the host cannot be named; nil when the snapshot has no such host.
    public var why: String? = nil
    /// The message: the id in quotes, and why.
    public var description: String { why.map { "host \"\(id)\" \($0)" } ?? "unknown host \"\(id)\"" }
}
