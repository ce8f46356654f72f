@_spi(Benchmarks) import DRSModel
import DRSHeuristics

/// One plan under construction: what the stages of `Planner.build` read and add, in order.
struct PlanDraft {
    let problem: Problem
    let result: SolverResult
    let solverID: String
    /// Standby hosts the problem counts as connected for the HA reserve (powered on in wave 1).
    let reserveHosts: [Int]
    var waves: WavePlanner
    var waveCount = 0
    var steps: [Step] = []
    var reasons: [String: String] = [:]
    var dropped: [DroppedMove] = []
    var notes: [String] = []
    /// The wave of each standby host's powerOn step (`Planner.scheduleBoots`).
    var powerOnWave: [Int: Int] = [:]

    init(_ problem: Problem, result: SolverResult, solverID: String, reserveHosts: [Int]) {
        self.problem = problem
        self.result = result
        self.solverID = solverID
        self.reserveHosts = reserveHosts
        waves = WavePlanner(problem: problem)
    }

    var snapshot: Snapshot { problem.snapshot }
    func hostID(_ h: Int) -> String { problem.snapshot.hosts[h].id }
}

extension Planner {
    /// The plan for a solver's target, stage by stage over one draft: moves from the target,
    /// waves (and the last placement pass), HA steps, timing, standby hosts still in use,
    /// dropped moves, power management, automation, candidates, then the plan itself. Each
    /// stage states its cost; together O((V + H) x R + steps log steps + waves x moves x (R +
    /// rules of the moving VMs)), plus `addCandidates` for recommended placements.
    ///
    /// `timedObjective` false keeps the objective's `migrationSeconds` at full bandwidth, the
    /// solvers' score (`Score.evaluate`): what the exact solver compares its target's plan and
    /// its heuristic starts by, so that its proof holds for the objective it models.
    package static func build(_ problem: Problem, result: SolverResult, solverID: String, reserveHosts: [Int] = [],
                      timedObjective: Bool = true) -> Plan {
        var draft = PlanDraft(problem, result: result, solverID: solverID, reserveHosts: reserveHosts)
        draft.waveCount = draft.waves.schedule(targetMoves(problem, result))
        draft.waveCount += placeRemaining(problem, waves: &draft.waves, wave: draft.waveCount + 1)
        scheduleBoots(&draft)
        addHASteps(&draft)
        addMoveSteps(&draft)
        addColdMigrations(&draft)
        addStandbyPowerOns(&draft)
        recordDropped(&draft)
        addPowerManagement(&draft)
        applyAutomation(&draft)
        addCandidates(&draft)
        return assemble(draft, timedObjective: timedObjective)
    }

    /// The moves from the snapshot to the target, grouped into units (a required affinity
    /// group moves as one), each graded (priority 1 mandatory, 2-5 optional) with its reason.
    static func targetMoves(_ problem: Problem, _ result: SolverResult) -> [[Move]] {
        let threshold = problem.snapshot.cluster.migrationThreshold
        var units: [[Move]] = []
        var groupUnits: [Int32: Int] = [:]
        let initialLoad = PlacementStateSnapshot(problem).load
        let rules = InitialRuleState(problem)
        let overloaded = (0..<problem.hostCount).map { h in
            (0..<problem.resourceCount).contains { r in initialLoad[r * problem.hostCount + h] > problem.limit(h, r) }
        }
        for v in 0..<problem.vmCount where problem.vmActive[v] && !(problem.vmPinned[v] && problem.vmInitialHost[v] >= 0) {
            guard let move = primaryMove(problem, result, v, threshold: threshold, overloaded: overloaded, rules: rules) else { continue }
            let group = problem.vmGroup[v]
            if group >= 0, let index = groupUnits[group] {
                units[index].append(move)
            } else {
                if group >= 0 { groupUnits[group] = units.count }
                units.append([move])
            }
        }
        for v in 0..<problem.vmCount where problem.vmIsFT[v] {
            if let move = secondaryMove(problem, result, v, threshold: threshold, overloaded: overloaded) { units.append([move]) }
        }
        return units
    }

    /// VM v's move to its target host, graded, or nil when it stays.
    static func primaryMove(_ problem: Problem, _ result: SolverResult, _ v: Int, threshold: Int, overloaded: [Bool], rules: InitialRuleState) -> Move? {
        let target = Int(result.placement[v])
        let initial = Int(problem.vmInitialHost[v])
        guard target >= 0, target != initial else { return nil }
        var priority = Int(result.movePriority[v])
        var reason = mandatoryReason(problem, v, rules: rules) ?? initialViolation(problem, v, overloaded: overloaded, rules: rules)
        if reason != nil { priority = 1 }
        // At threshold 1 only mandatory moves are made: whatever else the target moves, it needs.
        if priority == 0 && threshold == 1 { priority = 1 }
        if priority == 1 && reason == nil {
            reason = softRepair(problem, v, from: initial, to: target) ?? "required by the target placement"
        }
        if priority == 0 { priority = max(2, threshold) }
        if reason == nil {
            reason = softRepair(problem, v, from: initial, to: target)
                ?? (problem.goal == .balance ? "balance: lowers the imbalance by more than its migration cost"
                    : "consolidate: helps empty \(hostID(problem, initial)) for standby")
        }
        return Move(vm: v, secondary: false, from: initial, to: target, priority: priority, reason: reason!)
    }

    /// FT VM v's secondary move to its target host, graded, or nil when it stays.
    static func secondaryMove(_ problem: Problem, _ result: SolverResult, _ v: Int, threshold: Int, overloaded: [Bool]) -> Move? {
        let target = Int(result.secondaries[v])
        let initial = Int(problem.vmInitialSecondary[v])
        guard target >= 0, target != initial else { return nil }
        var priority = 1
        var reason: String
        if let mandatory = mandatorySecondaryReason(problem, v, result: result, overloaded: overloaded) {
            reason = mandatory
        } else if threshold == 1 {
            reason = "required by the target placement"
        } else {
            priority = max(2, min(threshold, Int(result.movePriority[v] == 0 ? UInt8(threshold) : result.movePriority[v])))
            reason = problem.goal == .balance ? "balance: lowers the imbalance" : "consolidate: helps empty \(hostID(problem, initial))"
        }
        return Move(vm: v, secondary: true, from: initial, to: target, priority: priority, reason: reason)
    }

    /// Wave 1's HA steps (reserve power-ons, master election, FT promotions) and the power-ons
    /// of standby hosts the waves place VMs on.
    static func addHASteps(_ draft: inout PlanDraft) {
        let problem = draft.problem, snapshot = draft.snapshot
        let hasHAStep = problem.haElected || problem.vmPromoted.contains(true) || !draft.reserveHosts.isEmpty
            || problem.vmGuestRestart.contains(true)
        if hasHAStep { draft.waveCount = max(draft.waveCount, 1) }
        let boot = snapshot.bootSeconds
        for h in draft.reserveHosts {
            draft.steps.append(Step(wave: 1, kind: .powerOn, host: draft.hostID(h), seconds: boot, priority: 1, applied: true,
                                    reason: "HA admission control: the failover reserve needs this standby host"))
        }
        if problem.haElected, let master = problem.haMaster {
            let old = snapshot.cluster.ha?.master
            draft.steps.append(Step(wave: 1, kind: .elect, host: master, priority: 1, applied: true,
                                    reason: old.map { "HA master \($0) is not available; \(master) has the most datastores" } ?? "no HA master; \(master) has the most datastores"))
        }
        addPartitionElections(&draft)
        for v in 0..<problem.vmCount where problem.vmPromoted[v] {
            let vm = snapshot.vms[v]
            draft.steps.append(Step(wave: 1, kind: .promote, vm: vm.id, from: vm.host, to: draft.hostID(Int(problem.vmInitialHost[v])),
                                    seconds: 0, priority: 1, applied: true,
                                    reason: "\(vm.host.flatMap { problem.hostIndex[$0] }.map { downReason(problem, $0) } ?? "host ? failed"): the FT secondary becomes primary with no downtime"))
        }
        for v in 0..<problem.vmCount where problem.vmGuestRestart[v] {
            let vm = snapshot.vms[v]
            draft.steps.append(Step(wave: 1, kind: .restart, vm: vm.id, from: vm.host, to: vm.host, seconds: 0, priority: 1,
                                    applied: true, reason: "the guest OS of \(vm.id) stopped answering heartbeats: HA restarts it on its host \(vm.host ?? "?")"))
        }
        for (_, host) in draft.waves.poweredOn where !draft.reserveHosts.contains(host) {
            draft.steps.append(Step(wave: draft.powerOnWave[host] ?? 1, kind: .powerOn, host: draft.hostID(host), seconds: boot, priority: 1,
                                    applied: true, reason: "capacity is needed: a VM is placed on this standby host"
                                        + (boot > 0 ? " (it boots for \(JSONWriter.number(boot)) s before the first step onto it)" : "")))
        }
    }

    /// One step per scheduled move, timed: a host's bandwidth is shared among its concurrent
    /// migrations (`MigrationModel`).
    static func addMoveSteps(_ draft: inout PlanDraft) {
        let problem = draft.problem, snapshot = draft.snapshot
        var perWaveHost: [Int: [Int: Int]] = [:]
        for (wave, move) in draft.waves.scheduled where move.from >= 0 {
            perWaveHost[wave, default: [:]][move.from, default: 0] += 1
            perWaveHost[wave, default: [:]][move.to, default: 0] += 1
        }
        let bandwidth = snapshot.cluster.migration.bandwidth
        // `cluster.ha.restartDelay`: a restart class holds the next one back that long.
        let delay = snapshot.cluster.ha?.restartDelay ?? 0
        let lastClass = delay > 0 ? draft.waves.scheduled.compactMap { draft.waves.restartClass[$0.move.vm] }.max() : nil
        // Isolated hosts respond at once, all together: the first wave that restarts their VMs
        // waits for the response (a guest shutdown), and the waves after it start later still.
        let responding = snapshot.isolationResponse.extraSeconds > 0 && snapshot.hosts.contains { $0.state == .isolated }
        let responseWave = !responding ? nil : draft.waves.scheduled
            .filter { $0.move.from < 0 && !$0.move.secondary && responseSeconds(problem, $0.move.vm) > 0 }.map(\.wave).min()
        for (wave, move) in draft.waves.scheduled {
            let vm = snapshot.vms[move.vm]
            let kind: Step.Kind
            var seconds = 0.0
            var downtime: Double?
            var datastore: String?
            if move.from >= 0 {
                kind = .migrate
                let sharing = max(perWaveHost[wave]![move.from]!, perWaveHost[wave]![move.to]!)
                let memory = vm.migration?.memory ?? vm.demand["memory"] ?? 0
                let estimate = MigrationModel.estimate(memory: memory, dirtyRate: vm.migration?.dirtyRate ?? 0, bandwidth: bandwidth / Double(sharing))
                seconds = estimate.seconds
                downtime = estimate.downtime
                if !move.secondary && problem.copiesDisks(move.vm, to: move.to) {
                    // Shared-nothing: the disks go to the destination's first datastore, at the
                    // storage bandwidth shared like the network's.
                    datastore = snapshot.hosts[move.to].datastores.min()
                    seconds += problem.diskCopySeconds(move.vm) * Double(sharing)
                }
            } else if !move.secondary && problem.vmNeedsRestart[move.vm] {
                kind = .restart
                if let lastClass, let rank = draft.waves.restartClass[move.vm], rank < lastClass { seconds = delay }
                // An isolated host's response runs first (a guest shutdown takes its time).
                if wave == responseWave { seconds += responseSeconds(problem, move.vm) }
            } else {
                kind = .place
            }
            let from: String? = move.from >= 0 ? draft.hostID(move.from) : (kind == .restart ? vm.host : nil)
            var step = Step(wave: wave, kind: kind, vm: vm.id, from: from, to: draft.hostID(move.to),
                            secondary: move.secondary ? true : nil, seconds: seconds, downtime: downtime,
                            priority: move.priority, applied: true, reason: move.reason)
            if let datastore {
                step.datastore = datastore
                step.reason += "; shared-nothing: copies \(JSONWriter.number(vm.disk ?? 0)) GiB of disk to \(datastore)"
            }
            draft.steps.append(step)
        }
    }

    /// A standby host that the snapshot shows running VMs, and that still runs some at the end
    /// (they cannot leave, or need not), is brought back: the plan powers it on in wave 1
    /// rather than leave a VM on a host that counts as off.
    static func addStandbyPowerOns(_ draft: inout PlanDraft) {
        let problem = draft.problem
        var stillOccupied = Set<Int>()
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            for h in [draft.waves.primaryAt[v], draft.waves.secondaryAt[v]] where h >= 0 && problem.hostState[Int(h)] == .standby {
                stillOccupied.insert(Int(h))
            }
        }
        let poweredOnByWaves = Set(draft.waves.poweredOn.map(\.host))
        for h in stillOccupied.sorted() where !poweredOnByWaves.contains(h) && !draft.reserveHosts.contains(h) {
            draft.steps.append(Step(wave: 1, kind: .powerOn, host: draft.hostID(h), seconds: draft.snapshot.bootSeconds, priority: 1,
                                    applied: true, reason: "VMs still run on this standby host: it is powered on"))
            draft.waveCount = max(draft.waveCount, 1)
        }
    }

    /// The moves the wave planner had to drop, listed with their reasons.
    static func recordDropped(_ draft: inout PlanDraft) {
        for (move, why) in draft.waves.dropped {
            let id = draft.snapshot.vms[move.vm].id
            draft.dropped.append(DroppedMove(vm: id, from: move.from >= 0 ? draft.hostID(move.from) : nil, to: draft.hostID(move.to),
                                             secondary: move.secondary ? true : nil, reason: why))
            draft.reasons[id] = "move to \(draft.hostID(move.to)) dropped: " + why
        }
    }

    /// Power management: hosts emptied under the consolidate goal go to standby in one more
    /// wave, while HA admission control still holds (never the HA master, never a reserve host).
    static func addPowerManagement(_ draft: inout PlanDraft) {
        let problem = draft.problem, snapshot = draft.snapshot
        guard problem.goal == .consolidate && snapshot.cluster.migrationThreshold >= 2 else { return }
        let finalPrimary = draft.waves.primaryAt, finalSecondary = draft.waves.secondaryAt
        var occupied = [Bool](repeating: false, count: problem.hostCount)
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            if finalPrimary[v] >= 0 { occupied[Int(finalPrimary[v])] = true }
            if finalSecondary[v] >= 0 { occupied[Int(finalSecondary[v])] = true }
        }
        var connected = Set((0..<problem.hostCount).filter { draft.waves.hostOn[$0] })
        let standbyWave = draft.waveCount + 1
        var added = false
        var admission = AdmissionReserve(problem, primaries: finalPrimary, secondaries: finalSecondary, hosts: connected)
        for h in connected.sorted(by: { draft.hostID($0) < draft.hostID($1) }) where !occupied[h] && !draft.reserveHosts.contains(h) {
            guard connected.count > 1, admission.holds(without: h) else { continue }
            if snapshot.cluster.ha?.master == draft.hostID(h) || problem.haMaster == draft.hostID(h) { continue }
            connected.remove(h)
            admission.remove(h)
            draft.steps.append(Step(wave: standbyWave, kind: .standby, host: draft.hostID(h), priority: 2, applied: true,
                                    reason: "consolidate: host is empty; power management puts it in standby"))
            added = true
        }
        if added { draft.waveCount = standbyWave }
    }

    /// Automation: which steps run by themselves. Then the applied steps must be a plan on
    /// their own: a step that needs a recommended one is only recommended too (a standby host
    /// comes back when an applied step needs it).
    static func applyAutomation(_ draft: inout PlanDraft) {
        let problem = draft.problem
        for index in draft.steps.indices {
            draft.steps[index].applied = isApplied(draft.steps[index], problem: problem)
        }
        draft.steps.sort { a, b in
            if a.wave != b.wave { return a.wave < b.wave }
            return order(a.kind) < order(b.kind)
        }
        draft.notes = AppliedSubset.repair(&draft.steps, problem: problem,
                                           reserveHosts: Set(draft.reserveHosts.map { draft.hostID($0) }))
    }

    /// Candidate hosts for each recommended initial placement: its target, then up to four more
    /// ranked on the final state. O(V x R + recommended placements x H x (R + rules)): every
    /// host is scored for each such placement, the one stage that is not linear, and only with
    /// automation `manual` or `disabled` on many new VMs (or placements the applied subset demoted).
    static func addCandidates(_ draft: inout PlanDraft) {
        let problem = draft.problem
        var finalState = PlacementState(problem: problem)
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            if draft.waves.primaryAt[v] >= 0 { finalState.assign(v, to: Int(draft.waves.primaryAt[v])) }
            if draft.waves.secondaryAt[v] >= 0 { finalState.assignSecondary(v, to: Int(draft.waves.secondaryAt[v])) }
        }
        for index in draft.steps.indices where draft.steps[index].kind == .place && !draft.steps[index].applied && draft.steps[index].secondary != true {
            guard let v = problem.vmIndex[draft.steps[index].vm!] else { continue }
            // Ranked on the final state without v, which is put back after (loads and counts
            // are integers: exactly the state before), not on a copy of the whole state.
            let at = Int(finalState.placement[v])
            if at >= 0 { finalState.unassign(v) }
            // The best five: `to` and four more whether or not `to` is among them.
            var ranked = finalState.rankedHosts(for: [v], limit: 5).map { draft.hostID($0) }
            if at >= 0 { finalState.assign(v, to: at) }
            ranked.removeAll { $0 == draft.steps[index].to }
            draft.steps[index].candidates = [draft.steps[index].to!] + ranked.prefix(4)
        }
    }

    /// The plan: final placement (what the steps reach), unplaced VMs and their reasons, the
    /// one score, bound and gap, termination, notes and wave timing.
    static func assemble(_ draft: PlanDraft, timedObjective: Bool = true) -> Plan {
        let problem = draft.problem, snapshot = draft.snapshot, result = draft.result
        let finalPrimary = draft.waves.primaryAt, finalSecondary = draft.waves.secondaryAt
        var reasons = draft.reasons
        var placement: [String: String] = [:]
        placement.reserveCapacity(problem.vmCount)
        var secondaries: [String: String] = [:]
        var unplaced: [String] = []
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            let id = snapshot.vms[v].id
            if finalPrimary[v] >= 0 {
                placement[id] = draft.hostID(Int(finalPrimary[v]))
            } else if problem.isKeptDown(v) {
                unplaced.append(id)
                reasons[id] = snapshot.haDisabled
                    ? "host \(snapshot.vms[v].host ?? "?") failed and HA is disabled (cluster.ha.enabled is false): the VM stays down, nothing restarts it"
                    : "host \(snapshot.vms[v].host ?? "?") failed and its restartPriority is disabled: HA never restarts it"
            } else if draft.waves.outOfTurn.contains(v) {
                unplaced.append(id)
                reasons[id] = "HA restart order: no host had room for it in its class's turn, and lower classes have restarted since"
            } else {
                unplaced.append(id)
                if reasons[id] == nil { reasons[id] = result.reasons[v] ?? "no feasible host" }
                if problem.restartHosts != nil && problem.vmNeedsRestart[v] {
                    reasons[id]! += "; only the HA master's partition (cluster.ha.partitions) restarts VMs"
                }
            }
            if problem.vmIsFT[v] {
                if finalSecondary[v] >= 0 {
                    secondaries[id] = draft.hostID(Int(finalSecondary[v]))
                } else if finalPrimary[v] >= 0, reasons[id] == nil {
                    reasons[id] = result.reasons[v] ?? "unprotected: no host for its FT secondary"
                }
            }
        }
        var objective = Score.evaluate(problem, placement: finalPrimary.enumerated().map { problem.vmActive[$0.offset] ? $0.element : -1 },
                                       secondaries: finalSecondary)
        if timedObjective { timedMigrationSeconds(&objective, steps: draft.steps, lambda: problem.lambda) }
        var status = result.status
        if !draft.dropped.isEmpty && status == .optimal { status = .feasible }
        var plan = Plan(status: status, solver: draft.solverID, automation: snapshot.cluster.automation, objective: objective,
                        bound: result.bound, gap: nil, seconds: result.seconds, placement: placement,
                        secondaries: secondaries, unplaced: unplaced, reasons: reasons, haMaster: problem.haMaster, steps: draft.steps)
        if let bound = result.bound {
            let goal = problem.goal == .balance ? objective.imbalance : Double(objective.activeHosts)
            plan.gap = goal > 0 ? max(0, (goal - bound) / goal) : 0
        }
        // A proof covers the solver's target; with moves dropped the plan is no longer that target.
        // A heuristic that reports no reason of its own but was stopped by its time limit says so.
        let termination = result.termination ?? (result.deadlineReached ? .feasibleTimeLimit : nil)
        plan.termination = termination == .optimal && status != .optimal ? .unproven : termination
        plan.dropped = draft.dropped
        plan.notes = draft.notes + isolationNotes(problem)
        for vm in snapshot.vms where vm.state == .guestFailed && vm.powerState == .on
            && (snapshot.haDisabled || vm.effectiveRestartPriority == .disabled) {
            plan.notes.append("the guest of \(vm.id) failed, but \(snapshot.haDisabled ? "HA is disabled" : "its restartPriority is disabled"): nothing restarts it")
        }
        let kept = (0..<problem.vmCount).filter { problem.vmActive[$0] && problem.vmInitialHost[$0] >= 0 && problem.liveMigrationRefused($0) != nil }
        if let first = kept.first {
            let others = kept.count > 1 ? " (and \(kept.count - 1) more VM(s) like it: \(kept.dropFirst().prefix(5).map { snapshot.vms[$0].id }.joined(separator: ", "))\(kept.count > 6 ? ", ..." : ""))" : ""
            plan.notes.append("\(snapshot.vms[first].id) is not live-migrated: \(problem.liveMigrationRefused(first)!)\(others)")
        }
        if !draft.reserveHosts.isEmpty {
            plan.notes.append("powered on \(draft.reserveHosts.map { draft.hostID($0) }.joined(separator: ", ")) from standby: HA admission control counts the hosts that will be on, and these let more VMs be placed")
        }
        var waveSeconds = [Double](repeating: 0, count: draft.waveCount)
        for step in draft.steps where step.wave >= 1 && step.wave <= draft.waveCount {
            waveSeconds[step.wave - 1] = max(waveSeconds[step.wave - 1], step.seconds)
        }
        plan.waveSeconds = waveSeconds
        plan.estimatedSeconds = waveSeconds.reduce(0, +)
        return plan
    }
}
