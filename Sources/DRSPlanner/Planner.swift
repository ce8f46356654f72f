import DRSModel
import DRSHeuristics

/// Builds a complete plan from a snapshot: solve for a target, order it into waves, add the HA
/// and power steps, set `applied` by automation level, time every step, and score the result
/// with the one score function. The caller runs the checker before printing.
public enum Planner {
    public static func plan(_ snapshot: Snapshot, solver: any PlacementSolver, options: SolveOptions = SolveOptions()) throws -> Plan {
        try plan(Problem(snapshot), solver: solver, options: options)
    }

    /// Plans an already compiled problem (for example `Problem.failing(_:)` in a sweep).
    public static func plan(_ problem: Problem, solver: any PlacementSolver, options: SolveOptions = SolveOptions()) throws -> Plan {
        let clock = ContinuousClock()
        let start = clock.now
        var result = try solver.solve(problem, options: options)
        var planned = problem
        var reserve: [Int] = []
        if let (hosts, widened) = standbyReserve(problem, result) {
            var rest = options
            rest.timeLimit = max(options.timeLimit * 0.1, options.timeLimit - (clock.now - start).seconds)
            let again = try solver.solve(widened, options: rest)
            if unplacedByPriority(widened, again).lexicographicallyPrecedes(unplacedByPriority(problem, result)) {
                result = again
                planned = widened
                reserve = hosts
            }
        }
        var plan = build(planned, result: result, solverID: solver.id, reserveHosts: reserve)
        plan.seconds = (clock.now - start).seconds
        return plan
    }

    /// Unplaced active VMs per priority rank, highest priority first (level 1 of the score).
    static func unplacedByPriority(_ problem: Problem, _ result: SolverResult) -> [Int] {
        var counts = [Int](repeating: 0, count: Priority.allCases.count)
        for v in 0..<problem.vmCount where problem.vmActive[v] && result.placement[v] < 0 { counts[Int(problem.vmPriority[v])] += 1 }
        return counts
    }

    /// HA admission control over the hosts that will be on (SPEC section 2): when the solver
    /// leaves a new VM unplaced, the standby hosts it uses and, largest first, as many more as
    /// the aggregate reserve needs to cover every active VM count as connected. Returns those
    /// hosts and the problem with them connected (the plan powers them on in wave 1), or nil
    /// when nothing would change. O(V x R + H x standby hosts x R).
    static func standbyReserve(_ problem: Problem, _ result: SolverResult) -> ([Int], Problem)? {
        guard let ha = problem.snapshot.cluster.ha, ha.enabled, ha.hostFailuresToTolerate > 0, problem.admissionLimit != nil else { return nil }
        let standby = (0..<problem.hostCount).filter { problem.hostState[$0] == .standby }
        guard !standby.isEmpty else { return nil }
        let newUnplaced = (0..<problem.vmCount).contains { v in
            problem.vmActive[v] && problem.vmInitialHost[v] < 0 && !problem.vmNeedsRestart[v] && result.placement[v] < 0
        }
        var chosen = Set(standby.filter { h in
            result.placement.contains(Int32(h)) || result.secondaries.contains(Int32(h))
        })
        // Admission control only holds back new VMs: with none unplaced there is nothing to gain.
        guard newUnplaced else { return nil }
        let R = problem.resourceCount
        var demand = [Int64](repeating: 0, count: R)
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            let copies: Int64 = problem.vmIsFT[v] ? 2 : 1
            for r in 0..<R { demand[r] += copies * problem.demand(v, r) }
        }
        func covered() -> Bool {
            (0..<R).allSatisfy { r in
                let limits = (0..<problem.hostCount).filter { problem.hostState[$0] == .connected || chosen.contains($0) }
                    .map { problem.limit($0, r) }.sorted(by: >)
                return demand[r] <= limits.reduce(0, +) - limits.prefix(ha.hostFailuresToTolerate).reduce(0, +)
            }
        }
        let size = { (h: Int) -> Double in (0..<R).reduce(0.0) { $0 + Double(problem.limit(h, $1)) } }
        for h in standby.sorted(by: { size($0) > size($1) }) where !chosen.contains(h) && !covered() { chosen.insert(h) }
        guard !chosen.isEmpty else { return nil }
        var snapshot = problem.snapshot
        for h in chosen { snapshot.hosts[h].state = .connected }
        return (chosen.sorted(), Problem(snapshot))
    }

    static func hostID(_ problem: Problem, _ h: Int) -> String { problem.snapshot.hosts[h].id }

    /// Why VM v must move off its initial host, or nil when the move is optional.
    static func mandatoryReason(_ problem: Problem, _ v: Int) -> String? {
        let vm = problem.snapshot.vms[v]
        let i = Int(problem.vmInitialHost[v])
        if i < 0 {
            if problem.vmNeedsRestart[v] { return "host \(vm.host ?? "?") failed: HA restart" }
            return "initial placement of a new VM"
        }
        switch problem.hostState[i] {
        case .maintenance: return "host \(hostID(problem, i)) is entering maintenance mode"
        case .standby: return "host \(hostID(problem, i)) is in standby"
        case .failed: return "host \(hostID(problem, i)) failed"
        case .connected: break
        }
        if !problem.allows(v, i) {
            let rule = problem.snapshot.rules.first { $0.kind == .vmHost && $0.isHard && $0.vms.contains(vm.id) }
            return "fixes rule \(rule?.id ?? "?"): \(vm.id) may not run on \(hostID(problem, i))"
        }
        return nil
    }

    /// The hard constraint VM `v` breaks where it runs before the plan, if any: a hard
    /// anti-affinity partner on its host, its required affinity group split, or its host over
    /// capacity. Moving it away is mandatory (priority 1). O(rules of v x members).
    static func initialViolation(_ problem: Problem, _ v: Int, overloaded: [Bool]) -> String? {
        let h = problem.vmInitialHost[v]
        guard h >= 0 else { return nil }
        let host = hostID(problem, Int(h))
        let id = problem.snapshot.vms[v].id
        for rule in problem.vmAntiAffinity[v]
        where problem.antiAffinity[Int(rule)].contains(where: { Int($0) != v && problem.vmInitialHost[Int($0)] == h }) {
            let name = problem.snapshot.rules.first { $0.kind == .antiAffinity && $0.isHard && $0.vms.contains(id) }?.id ?? "?"
            return "fixes rule \(name): anti-affinity broken on \(host)"
        }
        let group = problem.vmGroup[v]
        if group >= 0, Set(problem.groups[Int(group)].map { problem.vmInitialHost[Int($0)] }.filter { $0 >= 0 }).count > 1 {
            let name = problem.snapshot.rules.first { $0.kind == .affinity && $0.isHard && $0.vms.contains(id) }?.id ?? "?"
            return "fixes rule \(name): affinity group split across hosts"
        }
        if overloaded[Int(h)] { return "fixes an overload: host \(host) is over its capacity limit" }
        return nil
    }

    /// The soft rule a move repairs, for its reason: a should / shouldNot rule that holds at
    /// the target and not at the source.
    static func softRepair(_ problem: Problem, _ v: Int, from: Int, to: Int) -> String? {
        for index in problem.vmSoftRules[v] {
            let rule = problem.softRules[Int(index)]
            guard let hosts = rule.hosts, from >= 0 else { continue }
            let repaired = rule.kind == .should ? !hosts.contains(from) && hosts.contains(to)
                : rule.kind == .shouldNot && hosts.contains(from) && !hosts.contains(to)
            if repaired { return "fixes soft rule \(problem.snapshot.rules[rule.ruleIndex].id) on \(hostID(problem, from))" }
        }
        return nil
    }

    /// The plan for a solver's target: waves, HA and power steps, automation, timing, score.
    /// `reserveHosts` are standby hosts the problem counts as connected for the HA reserve: the
    /// plan powers them on in wave 1.
    static func build(_ problem: Problem, result: SolverResult, solverID: String, reserveHosts: [Int] = []) -> Plan {
        let snapshot = problem.snapshot
        let V = problem.vmCount
        let threshold = snapshot.cluster.migrationThreshold
        var units: [[Move]] = []
        var groupUnits: [Int32: Int] = [:]
        let initialLoad = PlacementStateSnapshot(problem).load
        let overloaded = (0..<problem.hostCount).map { h in
            (0..<problem.resourceCount).contains { r in initialLoad[r * problem.hostCount + h] > problem.limit(h, r) }
        }
        for v in 0..<V where problem.vmActive[v] && !(problem.vmPinned[v] && problem.vmInitialHost[v] >= 0) {
            let target = Int(result.placement[v])
            let initial = Int(problem.vmInitialHost[v])
            guard target >= 0, target != initial else { continue }
            var priority = Int(result.movePriority[v])
            var reason = mandatoryReason(problem, v) ?? initialViolation(problem, v, overloaded: overloaded)
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
            let move = Move(vm: v, secondary: false, from: initial, to: target, priority: priority, reason: reason!)
            let group = problem.vmGroup[v]
            if group >= 0, let index = groupUnits[group] {
                units[index].append(move)
            } else {
                if group >= 0 { groupUnits[group] = units.count }
                units.append([move])
            }
        }
        for v in 0..<V where problem.vmIsFT[v] {
            let target = Int(result.secondaries[v])
            let initial = Int(problem.vmInitialSecondary[v])
            guard target >= 0, target != initial else { continue }
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
            units.append([Move(vm: v, secondary: true, from: initial, to: target, priority: priority, reason: reason)])
        }

        var waves = WavePlanner(problem: problem)
        var waveCount = waves.schedule(units)
        if placeRemaining(problem, waves: &waves, wave: waveCount + 1) { waveCount += 1 }

        // HA steps in wave 1: election, promotions.
        var steps: [Step] = []
        let hasHAStep = problem.haElected || problem.vmPromoted.contains(true) || !reserveHosts.isEmpty
        if hasHAStep { waveCount = max(waveCount, 1) }
        for h in reserveHosts {
            steps.append(Step(wave: 1, kind: .powerOn, host: hostID(problem, h), priority: 1, applied: true,
                              reason: "HA admission control: the failover reserve needs this standby host"))
        }
        if problem.haElected, let master = problem.haMaster {
            let old = snapshot.cluster.ha?.master
            steps.append(Step(wave: 1, kind: .elect, host: master, priority: 1, applied: true,
                              reason: old.map { "HA master \($0) is not available; \(master) has the most datastores" } ?? "no HA master; \(master) has the most datastores"))
        }
        for v in 0..<V where problem.vmPromoted[v] {
            let vm = snapshot.vms[v]
            steps.append(Step(wave: 1, kind: .promote, vm: vm.id, from: vm.host, to: hostID(problem, Int(problem.vmInitialHost[v])),
                              seconds: 0, priority: 1, applied: true,
                              reason: "host \(vm.host ?? "?") failed: the FT secondary becomes primary with no downtime"))
        }
        for (wave, host) in waves.poweredOn {
            steps.append(Step(wave: wave, kind: .powerOn, host: hostID(problem, host), priority: 1, applied: true,
                              reason: "capacity is needed: a VM is placed on this standby host"))
        }

        // Timing: a host's bandwidth is shared among its concurrent migrations.
        var perWaveHost: [Int: [Int: Int]] = [:]
        for (wave, move) in waves.scheduled where move.from >= 0 {
            perWaveHost[wave, default: [:]][move.from, default: 0] += 1
            perWaveHost[wave, default: [:]][move.to, default: 0] += 1
        }
        let bandwidth = snapshot.cluster.migration.bandwidth
        for (wave, move) in waves.scheduled {
            let vm = snapshot.vms[move.vm]
            let kind: Step.Kind
            var seconds = 0.0
            var downtime: Double?
            if move.from >= 0 {
                kind = .migrate
                let sharing = max(perWaveHost[wave]![move.from]!, perWaveHost[wave]![move.to]!)
                let memory = vm.migration?.memory ?? vm.demand["memory"] ?? 0
                let estimate = MigrationModel.estimate(memory: memory, dirtyRate: vm.migration?.dirtyRate ?? 0, bandwidth: bandwidth / Double(sharing))
                seconds = estimate.seconds
                downtime = estimate.downtime
            } else if !move.secondary && problem.vmNeedsRestart[move.vm] {
                kind = .restart
            } else {
                kind = .place
            }
            let from: String? = move.from >= 0 ? hostID(problem, move.from) : (kind == .restart ? vm.host : nil)
            steps.append(Step(wave: wave, kind: kind, vm: vm.id, from: from, to: hostID(problem, move.to),
                              secondary: move.secondary ? true : nil, seconds: seconds, downtime: downtime,
                              priority: move.priority, applied: true, reason: move.reason))
        }

        // Final positions are what the steps reach.
        let finalPrimary = waves.primaryAt
        let finalSecondary = waves.secondaryAt
        // A standby host that the snapshot shows running VMs, and that still runs some at the
        // end (they cannot leave, or need not), is brought back: the plan powers it on in wave 1
        // rather than leave a VM on a host that counts as off.
        var stillOccupied = Set<Int>()
        for v in 0..<V where problem.vmActive[v] {
            for h in [finalPrimary[v], finalSecondary[v]] where h >= 0 && problem.hostState[Int(h)] == .standby {
                stillOccupied.insert(Int(h))
            }
        }
        let poweredOnByWaves = Set(waves.poweredOn.map(\.host))
        for h in stillOccupied.sorted() where !poweredOnByWaves.contains(h) && !reserveHosts.contains(h) {
            steps.append(Step(wave: 1, kind: .powerOn, host: hostID(problem, h), priority: 1, applied: true,
                              reason: "VMs still run on this standby host: it is powered on"))
            waveCount = max(waveCount, 1)
        }
        var reasons: [String: String] = [:]
        var dropped: [DroppedMove] = []
        for (move, why) in waves.dropped {
            let id = snapshot.vms[move.vm].id
            dropped.append(DroppedMove(vm: id, from: move.from >= 0 ? hostID(problem, move.from) : nil, to: hostID(problem, move.to),
                                       secondary: move.secondary ? true : nil, reason: why))
            reasons[id] = "move to \(hostID(problem, move.to)) dropped: " + why
        }

        // Power management: hosts emptied under the consolidate goal go to standby, while HA
        // admission control still holds.
        if problem.goal == .consolidate && threshold >= 2 {
            var occupied = [Bool](repeating: false, count: problem.hostCount)
            for v in 0..<V where problem.vmActive[v] {
                if finalPrimary[v] >= 0 { occupied[Int(finalPrimary[v])] = true }
                if finalSecondary[v] >= 0 { occupied[Int(finalSecondary[v])] = true }
            }
            var connected = Set((0..<problem.hostCount).filter { waves.hostOn[$0] })
            let standbyWave = waveCount + 1
            var added = false
            var admission = AdmissionReserve(problem, primaries: finalPrimary, secondaries: finalSecondary, hosts: connected)
            for h in connected.sorted(by: { hostID(problem, $0) < hostID(problem, $1) }) where !occupied[h] && !reserveHosts.contains(h) {
                guard connected.count > 1, admission.holds(without: h) else { continue }
                if snapshot.cluster.ha?.master == hostID(problem, h) || problem.haMaster == hostID(problem, h) { continue }
                connected.remove(h)
                admission.remove(h)
                steps.append(Step(wave: standbyWave, kind: .standby, host: hostID(problem, h), priority: 2, applied: true,
                                  reason: "consolidate: host is empty; power management puts it in standby"))
                added = true
            }
            if added { waveCount = standbyWave }
        }

        // Automation: which steps run by themselves. Then the applied steps must be a plan on
        // their own: a step that needs a recommended one is only recommended too (a standby host
        // comes back when an applied step needs it).
        for index in steps.indices {
            steps[index].applied = isApplied(steps[index], problem: problem)
        }
        steps.sort { a, b in
            if a.wave != b.wave { return a.wave < b.wave }
            return order(a.kind) < order(b.kind)
        }
        let notes = AppliedSubset.repair(&steps, problem: problem, reserveHosts: Set(reserveHosts.map { hostID(problem, $0) }))
        // Candidates for recommended initial placements.
        var finalState = PlacementState(problem: problem)
        for v in 0..<V where problem.vmActive[v] {
            if finalPrimary[v] >= 0 { finalState.assign(v, to: Int(finalPrimary[v])) }
            if finalSecondary[v] >= 0 { finalState.assignSecondary(v, to: Int(finalSecondary[v])) }
        }
        for index in steps.indices where steps[index].kind == .place && !steps[index].applied && steps[index].secondary != true {
            guard let v = problem.vmIndex[steps[index].vm!] else { continue }
            var state = finalState
            state.unassign(v)
            var ranked = state.rankedHosts(for: [v]).map { hostID(problem, $0) }
            ranked.removeAll { $0 == steps[index].to }
            steps[index].candidates = [steps[index].to!] + ranked.prefix(4)
        }

        var waveSeconds = [Double](repeating: 0, count: waveCount)
        for step in steps where step.wave >= 1 && step.wave <= waveCount {
            waveSeconds[step.wave - 1] = max(waveSeconds[step.wave - 1], step.seconds)
        }

        var placement: [String: String] = [:]
        placement.reserveCapacity(V)
        var secondaries: [String: String] = [:]
        var unplaced: [String] = []
        for v in 0..<V where problem.vmActive[v] {
            let id = snapshot.vms[v].id
            if finalPrimary[v] >= 0 {
                placement[id] = hostID(problem, Int(finalPrimary[v]))
            } else {
                unplaced.append(id)
                if reasons[id] == nil { reasons[id] = result.reasons[v] ?? "no feasible host" }
            }
            if problem.vmIsFT[v] {
                if finalSecondary[v] >= 0 {
                    secondaries[id] = hostID(problem, Int(finalSecondary[v]))
                } else if finalPrimary[v] >= 0, reasons[id] == nil {
                    reasons[id] = result.reasons[v] ?? "unprotected: no host for its FT secondary"
                }
            }
        }
        let objective = Score.evaluate(problem, placement: finalPrimary.enumerated().map { problem.vmActive[$0.offset] ? $0.element : -1 },
                                       secondaries: finalSecondary)
        var status = result.status
        if !dropped.isEmpty && status == .optimal { status = .feasible }
        var plan = Plan(status: status, solver: solverID, automation: snapshot.cluster.automation, objective: objective,
                        bound: result.bound, gap: nil, seconds: result.seconds, placement: placement,
                        secondaries: secondaries, unplaced: unplaced, reasons: reasons, haMaster: problem.haMaster, steps: steps)
        if let bound = result.bound {
            let goal = problem.goal == .balance ? objective.imbalance : Double(objective.activeHosts)
            plan.gap = goal > 0 ? max(0, (goal - bound) / goal) : 0
        }
        // A proof covers the solver's target; with moves dropped the plan is no longer that target.
        // A heuristic that reports no reason of its own but was stopped by its time limit says so.
        let termination = result.termination ?? (result.deadlineReached ? .feasibleTimeLimit : nil)
        plan.termination = termination == .optimal && status != .optimal ? .unproven : termination
        plan.dropped = dropped
        plan.notes = notes
        if !reserveHosts.isEmpty {
            plan.notes.append("powered on \(reserveHosts.map { hostID(problem, $0) }.joined(separator: ", ")) from standby: HA admission control counts the hosts that will be on, and these let more VMs be placed")
        }
        plan.waveSeconds = waveSeconds
        plan.estimatedSeconds = waveSeconds.reduce(0, +)
        return plan
    }

    static func order(_ kind: Step.Kind) -> Int {
        switch kind {
        case .powerOn: return 0
        case .elect: return 1
        case .promote: return 2
        case .restart: return 3
        case .place: return 4
        case .migrate: return 5
        case .standby: return 6
        }
    }

    /// SPEC section 3: HA steps always run; otherwise the VM's automation (or the cluster's)
    /// decides: manual applies nothing, partial applies placements only, full applies all.
    static func isApplied(_ step: Step, problem: Problem) -> Bool {
        let snapshot = problem.snapshot
        switch step.kind {
        case .restart, .promote, .elect: return true
        case .standby, .powerOn: return snapshot.cluster.automation == .full
        case .place, .migrate:
            let vm = step.vm.flatMap { problem.vmIndex[$0] }.map { snapshot.vms[$0] }
            let level = vm?.effectiveAutomation(cluster: snapshot.cluster.automation) ?? .full
            switch level {
            case .disabled, .manual: return false
            case .partial: return step.kind == .place
            case .full: return true
            }
        }
    }

    /// The aggregate admission check with hosts leaving one at a time: O(R x H log H) to set up,
    /// O(R x (k + hosts removed)) per question.
    struct AdmissionReserve {
        let failures: Int
        var demand: [Int64] = []
        var limits: [[Int64]] = []
        var sortedHosts: [[Int]] = []
        var total: [Int64] = []
        var removed = Set<Int>()

        init(_ problem: Problem, primaries: [Int32], secondaries: [Int32], hosts: Set<Int>) {
            let ha = problem.snapshot.cluster.ha
            failures = (ha?.enabled ?? false) ? (ha?.hostFailuresToTolerate ?? 0) : 0
            guard failures > 0 else { return }
            for r in 0..<problem.resourceCount {
                var sum: Int64 = 0
                for v in 0..<problem.vmCount where problem.vmActive[v] {
                    if primaries[v] >= 0 { sum += problem.demand(v, r) }
                    if secondaries[v] >= 0 { sum += problem.demand(v, r) }
                }
                demand.append(sum)
                let row = (0..<problem.hostCount).map { hosts.contains($0) ? problem.limit($0, r) : 0 }
                limits.append(row)
                sortedHosts.append(hosts.sorted { row[$0] > row[$1] })
                total.append(row.reduce(0, +))
            }
        }

        /// Whether the reserve still covers `failures` host failures once `host` (when given)
        /// leaves too.
        func holds(without host: Int? = nil) -> Bool {
            guard failures > 0 else { return true }
            for r in demand.indices {
                var reserve = total[r] - (host.map { limits[r][$0] } ?? 0)
                var taken = 0
                for candidate in sortedHosts[r] where taken < failures {
                    if candidate == host || removed.contains(candidate) { continue }
                    reserve -= limits[r][candidate]
                    taken += 1
                }
                if demand[r] > reserve { return false }
            }
            return true
        }

        mutating func remove(_ host: Int) {
            guard failures > 0 else { return }
            for r in demand.indices { total[r] -= limits[r][host] }
            removed.insert(host)
        }
    }
}

extension Planner {
    /// VMs the waves leave without a host (a placement or restart the wave planner dropped, or
    /// one the solver gave up on) are placed again against the state the waves actually reach,
    /// in one more wave: highest priority first, on the connected (or standby) host with the
    /// most room that keeps capacity, hard rules, FT separation and, for new VMs, HA admission
    /// control; FT secondaries still missing follow their primaries. Returns whether anything
    /// was placed. O(unplaced x H x (R + rules)).
    static func placeRemaining(_ problem: Problem, waves: inout WavePlanner, wave: Int) -> Bool {
        let V = problem.vmCount, H = problem.hostCount, R = problem.resourceCount
        var waiting = (0..<V).filter { v in
            problem.vmActive[v] && waves.primaryAt[v] < 0 && problem.vmInitialHost[v] < 0
        }
        let missingSecondaries = (0..<V).filter { v in
            problem.vmActive[v] && problem.vmIsFT[v] && waves.secondaryAt[v] < 0 && waves.primaryAt[v] >= 0
        }
        guard !waiting.isEmpty || !missingSecondaries.isEmpty else { return false }
        waiting.sort { (problem.vmPriority[$0], $0) < (problem.vmPriority[$1], $1) }
        var running = [Int64](repeating: 0, count: R)
        // Admission control counts every VM that runs or is to be restarted, an FT VM twice
        // whether its secondary is placed yet or not (the checker's rule): the restarts and
        // secondaries placed below are already in the sum; only new VMs add to it.
        for v in 0..<V where problem.vmActive[v] {
            let hosted = waves.primaryAt[v] >= 0 || problem.vmNeedsRestart[v]
            let copies: Int64 = hosted ? (problem.vmIsFT[v] ? 2 : 1) : (waves.secondaryAt[v] >= 0 ? 1 : 0)
            for r in 0..<R { running[r] += copies * problem.demand(v, r) }
        }
        func slack(_ h: Int) -> Double {
            (0..<R).reduce(0.0) { sum, r in
                let limit = problem.limit(h, r)
                return limit > 0 ? sum + Double(limit - waves.load[r * H + h]) / Double(limit) : sum
            }
        }
        // Hosts once, connected first, most room first; a unit is tried only where it fits.
        let order = (0..<H).filter { problem.hostReceives[$0] }.map { ($0, slack($0)) }
            .sorted { (waves.hostOn[$0.0] ? 0 : 1, -$0.1, $0.0) < (waves.hostOn[$1.0] ? 0 : 1, -$1.1, $1.0) }.map(\.0)
        func largestRoom() -> [Int64] {
            (0..<R).map { r in order.map { problem.limit($0, r) - waves.load[r * H + $0] }.max() ?? 0 }
        }
        // Per resource, an upper bound on the room of any host (loads only grow here): a unit
        // that exceeds it is skipped in O(R); it is made exact again after a scan that found
        // nothing, so a run of units that fit nowhere costs one scan each, not H x R.
        var room = largestRoom()
        func fits(_ members: [Int], _ h: Int) -> Bool {
            (0..<R).allSatisfy { r in waves.load[r * H + h] + members.reduce(0) { $0 + problem.demand($1, r) } <= problem.limit(h, r) }
        }
        /// The first host in `order` where the unit fits and `accept` holds; O(H x R) at worst.
        func firstHost(for members: [Int], accept: (Int) -> Bool) -> Int? {
            let needed = (0..<R).map { r in members.reduce(Int64(0)) { $0 + problem.demand($1, r) } }
            guard (0..<R).allSatisfy({ needed[$0] <= room[$0] }) else { return nil }
            if let h = order.first(where: { fits(members, $0) && accept($0) }) { return h }
            room = largestRoom()
            return nil
        }
        var concurrency = [Int](repeating: 0, count: H)
        var placedAny = false
        var done = Set<Int>()
        for v in waiting where !done.contains(v) {
            let group = problem.vmGroup[v]
            let members = group >= 0 ? problem.groups[Int(group)].map(Int.init).filter { waves.primaryAt[$0] < 0 && problem.vmInitialHost[$0] < 0 } : [v]
            done.formUnion(members)
            let isNew = members.contains { !problem.vmNeedsRestart[$0] }
            if isNew, let limit = problem.admissionLimit {
                let fits = (0..<R).allSatisfy { r in
                    running[r] + members.reduce(0) { $0 + problem.demand($1, r) * (problem.vmIsFT[$1] ? 2 : 1) } <= limit[r]
                }
                if !fits { continue }
            }
            let partnersAt = group >= 0 ? Set(problem.groups[Int(group)].map { waves.primaryAt[Int($0)] }.filter { $0 >= 0 }) : []
            func unit(on h: Int) -> [Move] {
                members.map { u in
                    Move(vm: u, secondary: false, from: -1, to: h, priority: 1,
                         reason: (mandatoryReason(problem, u) ?? "placement") + "; placed after the other steps, on the state they reach")
                }
            }
            let found = firstHost(for: members) { h in
                (partnersAt.isEmpty || (partnersAt.count == 1 && partnersAt.contains(Int32(h))))
                    && waves.canStart(unit(on: h), concurrency: concurrency)
            }
            guard let h = found else { continue }
            waves.start(unit(on: h), wave: wave, concurrency: &concurrency)
            for u in members where !problem.vmNeedsRestart[u] {
                for r in 0..<R { running[r] += problem.demand(u, r) * (problem.vmIsFT[u] ? 2 : 1) }
            }
            placedAny = true
        }
        for v in (waiting + missingSecondaries) where problem.vmIsFT[v] && waves.primaryAt[v] >= 0 && waves.secondaryAt[v] < 0 {
            func unit(on h: Int) -> [Move] {
                [Move(vm: v, secondary: true, from: -1, to: h, priority: 1,
                      reason: "FT protection: new secondary, placed after the other steps")]
            }
            let found = firstHost(for: [v]) { h in
                Int32(h) != waves.primaryAt[v] && waves.canStart(unit(on: h), concurrency: concurrency)
            }
            guard let h = found else { continue }
            waves.start(unit(on: h), wave: wave, concurrency: &concurrency)
            placedAny = true
        }
        if placedAny { waves.finish(wave: wave) }
        return placedAny
    }
}
