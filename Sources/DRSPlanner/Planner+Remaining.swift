@_spi(Benchmarks) import DRSModel

extension Planner {
    /// VMs the waves leave without a host (a placement or restart the wave planner dropped, or
    /// one the solver gave up on) are placed again against the state the waves actually reach,
    /// in more waves: highest priority first, on the connected (or standby) host with the most
    /// room that keeps capacity, hard rules, FT separation and, for new VMs, HA admission
    /// control; FT secondaries still missing follow their primaries. HA restarts keep their
    /// order: one wave per restart class, none above a class that already restarted (those
    /// stay down, `WavePlanner.outOfTurn`). Returns the number of waves used from `wave` on.
    /// O(unplaced x H x (R + rules)).
    static func placeRemaining(_ problem: Problem, waves: inout WavePlanner, wave: Int) -> Int {
        let V = problem.vmCount
        var waiting = (0..<V).filter { v in
            problem.vmActive[v] && waves.primaryAt[v] < 0 && problem.vmInitialHost[v] < 0
        }
        let missingSecondaries = (0..<V).filter { v in
            problem.vmActive[v] && problem.vmIsFT[v] && waves.secondaryAt[v] < 0 && waves.primaryAt[v] >= 0
        }
        guard !waiting.isEmpty || !missingSecondaries.isEmpty else { return 0 }
        waiting.sort { (problem.vmPriority[$0], $0) < (problem.vmPriority[$1], $1) }
        // Units (a required affinity group is one) by restart class; nil: not a restart.
        let turn = waves.scheduled.compactMap { waves.restartClass[$0.move.vm] }.max() ?? 0
        var units: [(members: [Int], rank: Int?)] = []
        var done = Set<Int>()
        for v in waiting where !done.contains(v) {
            let group = problem.vmGroup[v]
            let members = group >= 0 ? problem.groups[Int(group)].map(Int.init).filter { waves.primaryAt[$0] < 0 && problem.vmInitialHost[$0] < 0 } : [v]
            done.formUnion(members)
            let rank = members.compactMap { waves.restartClass[$0] }.min()
            if let rank, rank < turn {
                for u in members { waves.outOfTurn.insert(u) }
                continue
            }
            units.append((members, rank))
        }
        let ranks = Set(units.compactMap(\.rank)).sorted()
        var current = wave
        var placer = RemainingPlacer(problem, waves: waves, wave: current)
        // The first wave takes the units that are not restarts and the first class, in priority
        // order; each further class gets a wave of its own once something has landed.
        for (index, rank) in (ranks.isEmpty ? [nil] : ranks.map { Optional($0) }).enumerated() {
            let chosen = units.filter { unit in unit.rank == rank || (index == 0 && unit.rank == nil) }
            if index > 0 && placer.placedAny {
                waves.finish(wave: current)
                current += 1
                placer = RemainingPlacer(problem, waves: waves, wave: current)
            }
            for unit in chosen { placer.placePrimaries(unit.members, waves: &waves) }
        }
        for v in (waiting + missingSecondaries) where problem.vmIsFT[v] && waves.primaryAt[v] >= 0 && waves.secondaryAt[v] < 0 {
            placer.placeSecondary(v, waves: &waves)
        }
        if placer.placedAny { waves.finish(wave: current) }
        return placer.placedAny ? current - wave + 1 : current - wave
    }
}

/// The state of `Planner.placeRemaining`: hosts in order, an upper bound on their room, the
/// HA admission sum and the migrations per host in the extra wave.
struct RemainingPlacer {
    let problem: Problem
    let wave: Int
    /// Receiving hosts once, connected first, most room first.
    let order: [Int]
    /// Per resource, an upper bound on the room of any host (loads only grow here): a unit
    /// that exceeds it is skipped in O(R); it is made exact again after a scan that found
    /// nothing, so a run of units that fit nowhere costs one scan each, not H x R.
    var room: [Int64] = []
    /// Admission control counts every VM that runs or is to be restarted, an FT VM twice
    /// whether its secondary is placed yet or not (the checker's rule): the restarts and
    /// secondaries placed here are already in the sum; only new VMs add to it.
    var running: [Int64]
    var concurrency: [Int]
    var placedAny = false

    init(_ problem: Problem, waves: WavePlanner, wave: Int) {
        let H = problem.hostCount, R = problem.resourceCount
        self.problem = problem
        self.wave = wave
        var running = [Int64](repeating: 0, count: R)
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            let hosted = waves.primaryAt[v] >= 0 || problem.vmNeedsRestart[v]
            let copies: Int64 = hosted ? (problem.vmIsFT[v] ? 2 : 1) : (waves.secondaryAt[v] >= 0 ? 1 : 0)
            for r in 0..<R { running[r] += copies * problem.demand(v, r) }
        }
        self.running = running
        func slack(_ h: Int) -> Double {
            (0..<R).reduce(0.0) { sum, r in
                let limit = problem.limit(h, r)
                return limit > 0 ? sum + Double(limit - waves.load[r * H + h]) / Double(limit) : sum
            }
        }
        order = (0..<H).filter { problem.hostReceives[$0] }.map { ($0, slack($0)) }
            .sorted { (waves.hostOn[$0.0] ? 0 : 1, -$0.1, $0.0) < (waves.hostOn[$1.0] ? 0 : 1, -$1.1, $1.0) }.map(\.0)
        concurrency = [Int](repeating: 0, count: H)
        room = largestRoom(waves)
    }

    /// Per resource, the largest room of any host in `order`. O(H x R).
    func largestRoom(_ waves: WavePlanner) -> [Int64] {
        let H = problem.hostCount
        return (0..<problem.resourceCount).map { r in order.map { problem.limit($0, r) - waves.load[r * H + $0] }.max() ?? 0 }
    }

    func fits(_ members: [Int], _ h: Int, _ waves: WavePlanner) -> Bool {
        let H = problem.hostCount
        return (0..<problem.resourceCount).allSatisfy { r in
            waves.load[r * H + h] + members.reduce(0) { $0 + problem.demand($1, r) } <= problem.limit(h, r)
        }
    }

    /// The first host in `order` where the unit fits and `accept` holds; O(H x R) at worst.
    mutating func firstHost(for members: [Int], waves: WavePlanner, accept: (Int) -> Bool) -> Int? {
        let needed = (0..<problem.resourceCount).map { r in members.reduce(Int64(0)) { $0 + problem.demand($1, r) } }
        guard (0..<problem.resourceCount).allSatisfy({ needed[$0] <= room[$0] }) else { return nil }
        if let h = order.first(where: { fits(members, $0, waves) && accept($0) }) { return h }
        room = largestRoom(waves)
        return nil
    }

    /// Places an unplaced primary (with its affinity group) when a host takes it in the wave.
    mutating func placePrimaries(_ members: [Int], waves: inout WavePlanner) {
        let problem = self.problem, R = problem.resourceCount
        let isNew = members.contains { !problem.vmNeedsRestart[$0] }
        if isNew, let limit = problem.admissionLimit {
            let fits = (0..<R).allSatisfy { r in
                running[r] + members.reduce(0) { $0 + problem.demand($1, r) * (problem.vmIsFT[$1] ? 2 : 1) } <= limit[r]
            }
            if !fits { return }
        }
        let group = problem.vmGroup[members[0]]
        let partnersAt = group >= 0 ? Set(problem.groups[Int(group)].map { waves.primaryAt[Int($0)] }.filter { $0 >= 0 }) : []
        let rules = InitialRuleState(problem)
        let reasons = members.map { (Planner.mandatoryReason(problem, $0, rules: rules) ?? "placement") + "; placed after the other steps, on the state they reach" }
        func unit(on h: Int) -> [Move] {
            zip(members, reasons).map { u, reason in Move(vm: u, secondary: false, from: -1, to: h, priority: 1, reason: reason) }
        }
        let concurrency = self.concurrency, current = waves
        // Hosts the unit's hard rules (and partition, storage) forbid are skipped before building
        // the moves: `canStart` refuses them too, at the cost of a dictionary per host.
        let found = firstHost(for: members, waves: waves) { h in
            (partnersAt.isEmpty || (partnersAt.count == 1 && partnersAt.contains(Int32(h))))
                && members.allSatisfy({ problem.allows($0, h) })
                && current.canStart(unit(on: h), concurrency: concurrency)
        }
        guard let h = found else { return }
        waves.start(unit(on: h), wave: wave, concurrency: &self.concurrency)
        for u in members where !problem.vmNeedsRestart[u] {
            for r in 0..<R { running[r] += problem.demand(u, r) * (problem.vmIsFT[u] ? 2 : 1) }
        }
        placedAny = true
    }

    /// Places FT VM v's missing secondary on a host other than its primary's, when one takes it.
    mutating func placeSecondary(_ v: Int, waves: inout WavePlanner) {
        func unit(on h: Int) -> [Move] {
            [Move(vm: v, secondary: true, from: -1, to: h, priority: 1,
                  reason: "FT protection: new secondary, placed after the other steps")]
        }
        let concurrency = self.concurrency, current = waves
        let found = firstHost(for: [v], waves: waves) { h in
            Int32(h) != current.primaryAt[v] && current.canStart(unit(on: h), concurrency: concurrency)
        }
        guard let h = found else { return }
        waves.start(unit(on: h), wave: wave, concurrency: &self.concurrency)
        placedAny = true
    }
}
