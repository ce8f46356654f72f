@_spi(Benchmarks) import DRSModel

/// One pending change of where a VM (or its FT secondary) runs.
struct Move {
    var vm: Int
    var secondary: Bool
    /// -1 when the VM is not running (new or restarting).
    var from: Int
    var to: Int
    var priority: Int
    var reason: String
    /// A temporary stop on the way to `finalTarget` (multi-hop).
    var isHop = false
}

/// Turns a target placement into ordered waves (SPEC section 3). Each wave starts only moves
/// whose destinations have room at that moment, counting a migrating VM on both hosts, that
/// keep every hard rule, and that keep each host within `maxConcurrentPerHost` live
/// migrations. Mandatory moves go first, then by priority. A blocked move is routed through a
/// temporary host with room (one hop); when nothing can start, the lowest-priority blocked
/// move is dropped and said so, and the reported placement is what the steps reach.
///
/// Complexity: O(waves x pending units x (R + rules per VM)).
struct WavePlanner {
    let problem: Problem
    var load: [Int64]
    /// Per hard anti-affinity rule: host -> members present (both ends while migrating).
    var antiPresence: [[Int32: Int32]]
    /// Hosts where each VM's primary / secondary currently is (-1 none).
    var primaryAt: [Int32]
    var secondaryAt: [Int32]
    var hostOn: [Bool]
    var dropped: [(Move, String)] = []
    var scheduled: [(wave: Int, move: Move)] = []
    var poweredOn: [(wave: Int, host: Int)] = []
    /// Index of the first scheduled move of the current wave.
    var waveStart = 0
    /// For a VM that breaks a must/mustNot rule where it runs before the plan: the hosts where
    /// it may stop on the way (they break no hard vmHost rule it keeps there; see
    /// `PlanChecker`). Its final host must satisfy every rule.
    var stopMask: [Int: HostBitSet] = [:]
    /// HA restart class of each VM restarted after its host failed (`Problem.restartClass`),
    /// only for those: a class starts in a wave after every restart of the classes above it.
    var restartClass: [Int: Int] = [:]
    /// VMs whose HA restart found room only after restarts of a lower class had started: left
    /// down (`Planner.placeRemaining`).
    var outOfTurn = Set<Int>()
    /// `vms[].maxDowntime` (empty without one): per host, the most live migrations it may take
    /// part in during the current wave, the smallest `Problem.vmShareLimit` of the VMs whose own
    /// live migration runs through it.
    var shareCap: [Int32] = []

    init(problem: Problem) {
        self.problem = problem
        let initial = PlacementStateSnapshot(problem)
        load = initial.load
        primaryAt = problem.vmInitialHost.enumerated().map { problem.vmActive[$0.offset] ? $0.element : -1 }
        secondaryAt = problem.vmInitialSecondary
        antiPresence = [[Int32: Int32]](repeating: [:], count: problem.antiAffinity.count)
        for (rule, members) in problem.antiAffinity.enumerated() {
            for v in members where primaryAt[Int(v)] >= 0 { antiPresence[rule][primaryAt[Int(v)], default: 0] += 1 }
        }
        hostOn = problem.hostState.map { $0 == .connected }
        stopMask = WavePlanner.stopMasks(problem)
        if !problem.vmShareLimit.isEmpty { shareCap = [Int32](repeating: Int32.max, count: problem.hostCount) }
        for v in 0..<problem.vmCount where problem.vmNeedsRestart[v] {
            let rank = problem.restartClass(v)
            if rank >= 0 { restartClass[v] = rank }
        }
        // A required affinity group restarts together, in the highest class of its restarts.
        for (v, rank) in restartClass where problem.vmGroup[v] >= 0 {
            let members = problem.groups[Int(problem.vmGroup[v])]
            let best = members.compactMap { restartClass[Int($0)] }.min() ?? rank
            if best < rank { restartClass[v] = best }
        }
    }

    /// The restart class of a unit: the highest class (smallest rank) of its HA restarts, or
    /// nil when it restarts nothing after a host failure.
    func restartClass(of unit: [Move]) -> Int? {
        guard !restartClass.isEmpty else { return nil }
        return unit.compactMap { $0.secondary || $0.from >= 0 ? nil : restartClass[$0.vm] }.min()
    }

    /// `stopMask` for every VM whose starting host breaks one of its hard vmHost rules.
    /// O(rule members x H / 64).
    static func stopMasks(_ problem: Problem) -> [Int: HostBitSet] {
        let H = problem.hostCount
        var masks: [Int: HostBitSet] = [:]
        for (v, h) in problem.vmInitialHost.enumerated() where h >= 0 && problem.vmActive[v] && !problem.allows(v, Int(h)) {
            masks[v] = HostBitSet(count: H, filled: true)
        }
        guard !masks.isEmpty else { return masks }
        for rule in problem.snapshot.rules where rule.kind == .vmHost && rule.isHard {
            var listed = HostBitSet(count: H, filled: false)
            for id in rule.hosts ?? [] { if let h = problem.hostIndex[id] { listed.insert(h) } }
            var allowed = listed
            if rule.policy == .mustNot {
                allowed = HostBitSet(count: H, filled: true)
                for id in rule.hosts ?? [] { if let h = problem.hostIndex[id] { allowed.remove(h) } }
            }
            for id in rule.vms {
                guard let v = problem.vmIndex[id], masks[v] != nil else { continue }
                // A rule it keeps at its starting host must hold at every stop too.
                if allowed.contains(Int(problem.vmInitialHost[v])) { masks[v]!.formIntersection(allowed) }
            }
        }
        return masks
    }

    func demand(_ v: Int, _ r: Int) -> Int64 { problem.demand(v, r) }

    /// Why a unit (a required affinity group moving together) can never start under the
    /// downtime limits of its VMs, or nil. O(unit).
    func downtimeBlock(_ unit: [Move]) -> String? {
        guard unit.count > 1 else { return nil }
        var count: [Int: Int] = [:]
        for move in unit where move.from >= 0 {
            count[move.from, default: 0] += 1
            count[move.to, default: 0] += 1
        }
        for move in unit where move.from >= 0 && !move.secondary {
            let limit = Int(problem.vmShareLimit[move.vm])
            guard let host = [move.from, move.to].first(where: { count[$0]! > limit }) else { continue }
            return "its required affinity group moves in one wave: \(count[host]!) live migrations at once through \(problem.snapshot.hosts[host].id) would give \(problem.snapshot.vms[move.vm].id) a downtime above its maxDowntime (at most \(limit) may share a host)"
        }
        return nil
    }

    /// The smallest `Problem.vmShareLimit` among the unit's live migrations of VMs.
    func shareLimit(of unit: [Move]) -> Int32 {
        unit.lazy.filter { $0.from >= 0 && !$0.secondary }.map { self.problem.vmShareLimit[$0.vm] }.min() ?? Int32.max
    }

    /// Whether the unit's moves can all start now, given what this wave already started.
    func canStart(_ unit: [Move], concurrency: [Int]) -> Bool {
        let H = problem.hostCount, R = problem.resourceCount
        var extra: [Int: [Int64]] = [:]
        var migrations: [Int: Int] = [:]
        for move in unit {
            let to = move.to
            if !hostOn[to] && problem.hostState[to] != .standby { return false }
            if problem.hostState[to] == .maintenance || problem.hostState[to] == .failed { return false }
            var amounts = extra[to] ?? [Int64](repeating: 0, count: R)
            for r in 0..<R { amounts[r] += demand(move.vm, r) }
            extra[to] = amounts
            if move.from >= 0 {
                migrations[move.from, default: 0] += 1
                migrations[to, default: 0] += 1
            }
            if move.secondary {
                if primaryAt[move.vm] == Int32(to) || !problem.allowsSecondary(move.vm, to) { return false }
                if unit.contains(where: { !$0.secondary && $0.vm == move.vm && $0.to == to }) { return false }
            } else {
                if secondaryAt[move.vm] == Int32(to) { return false }
                if !problem.allows(move.vm, to) && !(move.isHop && stopMask[move.vm]?.contains(to) == true) { return false }
                for rule in problem.vmAntiAffinity[move.vm] {
                    var present = Int(antiPresence[Int(rule)][Int32(to)] ?? 0)
                    if primaryAt[move.vm] == Int32(to) { present -= 1 }
                    let partners = unit.filter { !$0.secondary && $0.vm != move.vm && $0.to == to && problem.vmAntiAffinity[$0.vm].contains(rule) }
                    if present + partners.count > 0 { return false }
                }
            }
        }
        for (host, amounts) in extra {
            for r in 0..<R where load[r * H + host] + amounts[r] > problem.limit(host, r) { return false }
        }
        let maximum = problem.snapshot.cluster.migration.maxConcurrentPerHost
        for (host, count) in migrations where concurrency[host] + count > maximum { return false }
        return shareCap.isEmpty || keepsDowntimes(unit, migrations: migrations, concurrency: concurrency)
    }

    /// `vms[].maxDowntime`: after the unit starts, no host carries more live migrations than
    /// the VMs migrating through it this wave (those already started and the unit's own) share
    /// within their downtime limits. O(unit).
    func keepsDowntimes(_ unit: [Move], migrations: [Int: Int], concurrency: [Int]) -> Bool {
        for (host, count) in migrations where Int(shareCap[host]) < concurrency[host] + count { return false }
        for move in unit where move.from >= 0 && !move.secondary {
            let limit = Int(problem.vmShareLimit[move.vm])
            if concurrency[move.from] + migrations[move.from]! > limit || concurrency[move.to] + migrations[move.to]! > limit { return false }
        }
        return true
    }

    mutating func start(_ unit: [Move], wave: Int, concurrency: inout [Int]) {
        let H = problem.hostCount
        for move in unit {
            if !hostOn[move.to] {
                hostOn[move.to] = true
                poweredOn.append((wave, move.to))
            }
            for r in 0..<problem.resourceCount { load[r * H + move.to] += demand(move.vm, r) }
            if move.from >= 0 {
                concurrency[move.from] += 1
                concurrency[move.to] += 1
                if !shareCap.isEmpty && !move.secondary {
                    let limit = problem.vmShareLimit[move.vm]
                    shareCap[move.from] = min(shareCap[move.from], limit)
                    shareCap[move.to] = min(shareCap[move.to], limit)
                }
            }
            if move.secondary {
                if secondaryAt[move.vm] < 0 { secondaryAt[move.vm] = Int32(move.to) }
            } else {
                for rule in problem.vmAntiAffinity[move.vm] { antiPresence[Int(rule)][Int32(move.to), default: 0] += 1 }
                if primaryAt[move.vm] < 0 { primaryAt[move.vm] = Int32(move.to) }
            }
            scheduled.append((wave, move))
        }
    }

    /// Releases the sources of the wave's migrations and settles positions.
    mutating func finish(wave: Int) {
        let H = problem.hostCount
        while waveStart < scheduled.count && scheduled[waveStart].wave < wave { waveStart += 1 }
        for (w, move) in scheduled[waveStart...] where w == wave {
            if move.from >= 0 {
                for r in 0..<problem.resourceCount { load[r * H + move.from] -= demand(move.vm, r) }
                if !move.secondary {
                    for rule in problem.vmAntiAffinity[move.vm] { antiPresence[Int(rule)][Int32(move.from), default: 0] -= 1 }
                }
            }
            if move.secondary { secondaryAt[move.vm] = Int32(move.to) } else { primaryAt[move.vm] = Int32(move.to) }
        }
    }

    /// Schedules units (moves that must start together) into waves; returns the wave count.
    mutating func schedule(_ initialUnits: [[Move]]) -> Int {
        var pending = initialUnits.sorted { a, b in
            let pa = a.map(\.priority).min()!, pb = b.map(\.priority).min()!
            if pa != pb || shareCap.isEmpty { return pa < pb }
            // Downtime limits: within a priority, the VMs that share bandwidth least go first,
            // while their hosts have no other migration yet.
            return shareLimit(of: a) < shareLimit(of: b)
        }
        if !shareCap.isEmpty {
            // A unit whose own migrations share a host more than one of its VMs' downtime
            // limits allows can never start: dropped at once, with the reason.
            pending = pending.filter { unit in
                guard let why = downtimeBlock(unit) else { return true }
                for move in unit { dropped.append((move, why)) }
                return false
            }
        }
        var hopped = Set<Int>(), returned = Set<Int>()
        var wave = 0
        while !pending.isEmpty {
            wave += 1
            var concurrency = [Int](repeating: 0, count: problem.hostCount)
            if !shareCap.isEmpty { shareCap = [Int32](repeating: Int32.max, count: problem.hostCount) }
            var started = false
            var remaining: [[Move]] = []
            // HA restarts go by class: a class waits until every restart above it has started
            // in an earlier wave (`waiting` units are not blocked, only held back).
            let turn = pending.compactMap { restartClass(of: $0) }.min()
            var waiting = Set<Int>()
            for unit in pending {
                if let turn, let rank = restartClass(of: unit), rank > turn {
                    waiting.insert(remaining.count)
                    remaining.append(unit)
                } else if canStart(unit, concurrency: concurrency) {
                    start(unit, wave: wave, concurrency: &concurrency)
                    started = true
                } else {
                    remaining.append(unit)
                }
            }
            if !started {
                // Deadlock: route one blocked unit of live migrations (a VM, or an affinity
                // group as a whole) through a host with room for all of it.
                var resolved = false
                for (index, unit) in remaining.enumerated() where unit.allSatisfy({ $0.from >= 0 }) {
                    let key = unit[0].vm * 2 + (unit[0].secondary ? 1 : 0)
                    guard !hopped.contains(key), let via = hopHost(for: unit, concurrency: concurrency) else { continue }
                    var first = unit
                    var second = unit
                    for m in unit.indices {
                        first[m].to = via
                        first[m].isHop = true
                        first[m].reason = "temporary stop on \(problem.snapshot.hosts[via].id) to break a deadlock; " + unit[m].reason
                        second[m].from = via
                    }
                    start(first, wave: wave, concurrency: &concurrency)
                    remaining[index] = second
                    hopped.insert(key)
                    resolved = true
                    break
                }
                if !resolved {
                    // Drop the lowest-priority blocked unit (the last after sorting that is not
                    // only waiting for its restart class).
                    let position = remaining.indices.last { !waiting.contains($0) } ?? remaining.count - 1
                    let victim = remaining.remove(at: position)
                    for move in victim {
                        dropped.append((move, "no order of feasible waves reaches it: its destination \(problem.snapshot.hosts[move.to].id) never has room or a rule blocks it, and no host with room can take it on the way"))
                    }
                    if let back = returnLeg(victim, returned: &returned) { remaining.append(back) }
                    wave -= 1
                    pending = remaining
                    continue
                }
            }
            finish(wave: wave)
            pending = remaining
        }
        return wave
    }

    /// For a dropped unit whose VMs already took a temporary stop on a host outside a hard
    /// vmHost rule (allowed on the way only, `stopMask`): the moves back to their starting
    /// hosts, which the plan may end on (as the input had them), once per VM; nil when the
    /// unit's VMs may end where they are. O(unit).
    func returnLeg(_ unit: [Move], returned: inout Set<Int>) -> [Move]? {
        guard unit.contains(where: { !$0.secondary && $0.from >= 0 && !problem.allows($0.vm, $0.from) }) else { return nil }
        let back = unit.compactMap { move -> Move? in
            let start = Int(problem.vmInitialHost[move.vm])
            guard !move.secondary, move.from >= 0, start >= 0, move.from != start, !returned.contains(move.vm) else { return nil }
            var leg = move
            leg.to = start
            leg.isHop = true  // its starting host breaks the rule it is back under, as before the plan
            leg.priority = 1
            leg.reason = "returns to \(problem.snapshot.hosts[start].id), where it started: its move to \(problem.snapshot.hosts[move.to].id) cannot be finished"
            return leg
        }
        for leg in back { returned.insert(leg.vm) }
        return back.isEmpty ? nil : back
    }

    /// The connected host with the most room that can take the whole unit now, other than its
    /// sources and destinations.
    func hopHost(for unit: [Move], concurrency: [Int]) -> Int? {
        var best: (Double, Int)?
        let H = problem.hostCount
        let excluded = Set(unit.flatMap { [$0.from, $0.to] })
        for h in 0..<H where !excluded.contains(h) && hostOn[h] && problem.hostState[h] == .connected {
            // A temporary stop never copies disks (the final move would have to follow them).
            if unit.contains(where: { !$0.secondary && problem.copiesDisks($0.vm, to: h) }) { continue }
            let candidate = unit.map { move -> Move in
                var hop = move
                hop.to = h
                hop.isHop = true
                return hop
            }
            guard canStart(candidate, concurrency: concurrency) else { continue }
            var slack = 0.0
            for r in 0..<problem.resourceCount where problem.limit(h, r) > 0 {
                slack += Double(problem.limit(h, r) - load[r * H + h]) / Double(problem.limit(h, r))
            }
            if best == nil || slack > best!.0 { best = (slack, h) }
        }
        return best?.1
    }
}

/// Loads of the state before the plan (active VMs on non-failed hosts, secondaries).
struct PlacementStateSnapshot {
    var load: [Int64]

    init(_ problem: Problem) {
        let H = problem.hostCount
        load = [Int64](repeating: 0, count: H * problem.resourceCount)
        for v in 0..<problem.vmCount where problem.vmActive[v] {
            for h in [problem.vmInitialHost[v], problem.vmInitialSecondary[v]] where h >= 0 {
                for r in 0..<problem.resourceCount { load[r * H + Int(h)] += problem.demand(v, r) }
            }
        }
    }
}
