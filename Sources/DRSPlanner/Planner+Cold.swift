@_spi(Benchmarks) import DRSModel

extension Planner {
    /// Cold migrations: a powered-off VM stays registered on its host and uses no capacity
    /// there, but leaves a host entering maintenance mode, or one its must/mustNot rules
    /// forbid, by a `migrate` step with `cold: true` (never with automation `disabled`). Its
    /// target is a connected host its rules and storage allow, other than its FT secondary's
    /// host (primary and secondary never share one, registered or running), preferring one that needs no
    /// disk copy, then the one least loaded at the end; the step costs the migration setup
    /// (plus the disk copy of a shared-nothing move) and counts against
    /// `maxConcurrentPerHost` in the earliest wave with a free slot on both hosts.
    /// O(powered-off VMs to move x H + scheduled moves).
    static func addColdMigrations(_ draft: inout PlanDraft) {
        let problem = draft.problem, snapshot = draft.snapshot
        let leaving = (0..<problem.vmCount).filter { v in
            guard !problem.vmActive[v], snapshot.vms[v].automation != .disabled else { return false }
            let h = Int(problem.vmInitialHost[v])
            return h >= 0 && (problem.hostState[h] == .maintenance || !problem.allows(v, h))
        }
        guard !leaving.isEmpty else { return }
        let H = problem.hostCount, R = problem.resourceCount
        // Live migrations per wave and host, as scheduled.
        var slots: [[Int]] = (0...max(1, draft.waveCount)).map { _ in [Int](repeating: 0, count: H) }
        for (wave, move) in draft.waves.scheduled where move.from >= 0 {
            slots[wave][move.from] += 1
            slots[wave][move.to] += 1
        }
        let fill = (0..<H).map { h in
            (0..<R).reduce(0.0) { sum, r in
                let limit = problem.limit(h, r)
                return limit > 0 ? max(sum, Double(draft.waves.load[r * H + h]) / Double(limit)) : sum
            }
        }
        let maximum = snapshot.cluster.migration.maxConcurrentPerHost
        let rules = InitialRuleState(problem)
        for v in leaving {
            let from = Int(problem.vmInitialHost[v])
            let secondary = snapshot.vms[v].ft?.secondaryHost.flatMap { problem.hostIndex[$0] } ?? -1
            let candidates = (0..<H).filter { h in
                h != from && h != secondary && problem.hostState[h] == .connected && problem.allows(v, h)
            }
            guard let to = candidates.min(by: { a, b in
                (problem.copiesDisks(v, to: a) ? 1 : 0, fill[a], a) < (problem.copiesDisks(v, to: b) ? 1 : 0, fill[b], b)
            }) else {
                draft.notes.append("the powered-off VM \(snapshot.vms[v].id) stays registered on \(draft.hostID(from)): no connected host its rules and storage allow (other than its FT secondary's) can take it")
                continue
            }
            // Not onto a host still booting (a reserve host powered on in wave 1).
            var wave = firstLandingWave(draft, to)
            while wave < slots.count && (slots[wave][from] >= maximum || slots[wave][to] >= maximum) { wave += 1 }
            while wave >= slots.count { slots.append([Int](repeating: 0, count: H)) }
            slots[wave][from] += 1
            slots[wave][to] += 1
            draft.waveCount = max(draft.waveCount, wave)
            let reason = problem.hostState[from] == .maintenance
                ? "host \(draft.hostID(from)) is entering maintenance mode: the powered-off VM moves cold"
                : "fixes rule \(rules.name(.vmHost, v)): \(snapshot.vms[v].id) may not be registered on \(draft.hostID(from)); it moves cold"
            var step = Step(wave: wave, kind: .migrate, vm: snapshot.vms[v].id, from: draft.hostID(from), to: draft.hostID(to),
                            seconds: MigrationModel.setupSeconds, priority: 1, applied: true, reason: reason)
            step.cold = true
            if problem.copiesDisks(v, to: to) {
                step.datastore = snapshot.hosts[to].datastores.min()
                step.seconds += problem.diskCopySeconds(v)
                step.reason += "; shared-nothing: copies \(JSONWriter.number(snapshot.vms[v].disk ?? 0)) GiB of disk to \(step.datastore ?? "?")"
            }
            draft.steps.append(step)
        }
    }
}
