@_spi(Benchmarks) import DRSModel

extension Planner {
    /// Boot time (`cluster.power.bootSeconds`, SPEC section 6): a standby host takes that long
    /// to come back after its `powerOn` step, and no step lands on it meanwhile. The waves are
    /// planned with the host on from its first step, so each booting host's power-on goes one
    /// wave before the first step onto it, where it overlaps what that wave does (a host coming
    /// on breaks no constraint of the wave before). When that first step is in wave 1, the
    /// steps of wave 1 onto booting hosts go to a wave of their own after it, and every later
    /// wave moves up by one: each of those waves holds a subset of what it held, so it still
    /// keeps every constraint. Reserve hosts (HA admission control) power on in wave 1.
    /// With a boot time of 0 the power-on shares the wave of its first step, as a host that is
    /// on at once. Sets `draft.powerOnWave`. O(scheduled moves + booting hosts).
    static func scheduleBoots(_ draft: inout PlanDraft) {
        for h in draft.reserveHosts { draft.powerOnWave[h] = 1 }
        for (wave, host) in draft.waves.poweredOn where draft.powerOnWave[host] == nil { draft.powerOnWave[host] = wave }
        guard draft.snapshot.bootSeconds > 0, !draft.powerOnWave.isEmpty else { return }
        var firstLanding: [Int: Int] = [:]
        for (wave, move) in draft.waves.scheduled where draft.powerOnWave[move.to] != nil {
            firstLanding[move.to] = min(firstLanding[move.to] ?? Int.max, wave)
        }
        var split = Set<Int>()
        for (h, on) in draft.powerOnWave {
            guard let landing = firstLanding[h], landing <= on else { continue }
            if landing >= 2 { draft.powerOnWave[h] = landing - 1 } else { split.insert(h) }
        }
        guard !split.isEmpty else { return }
        for index in draft.waves.scheduled.indices {
            let (wave, move) = draft.waves.scheduled[index]
            if wave >= 2 || split.contains(move.to) { draft.waves.scheduled[index].wave = wave + 1 }
        }
        for (h, on) in draft.powerOnWave where on >= 2 { draft.powerOnWave[h] = on + 1 }
        draft.waveCount += 1
    }

    /// The first wave in which a step may land on host `h`: after its boot when the plan
    /// powers it on (and boots take time), else wave 1.
    static func firstLandingWave(_ draft: PlanDraft, _ h: Int) -> Int {
        guard let on = draft.powerOnWave[h] else { return 1 }
        return draft.snapshot.bootSeconds > 0 ? on + 1 : on
    }

    /// The objective's `migrationSeconds` as the plan carries it out: the sum of the timed live
    /// migration steps (primaries and secondaries, temporary stops included, cold migrations
    /// not), each at the bandwidth it gets in its wave; the cost term follows. O(steps).
    static func timedMigrationSeconds(_ objective: inout Objective, steps: [Step], lambda: Double) {
        let goalTerm = objective.cost - lambda * objective.migrationSeconds
        objective.migrationSeconds = steps.reduce(0.0) { $0 + ($1.kind == .migrate && $1.cold != true ? $1.seconds : 0) }
        objective.cost = goalTerm + lambda * objective.migrationSeconds
    }
}
