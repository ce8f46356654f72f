@_spi(Benchmarks) import DRSModel

/// The plan for people: the steps as a table, then per-host utilization before and after as
/// bars.
package enum TextReport {
    /// The report of `plan` for `snapshot`: status and objective, the steps table (or why there
    /// are none), notes, unplaced VMs, dropped moves, then each host's utilization before and
    /// after. Ids are escaped and cut (`DisplayText`). With `top`, each list shows at most that
    /// many entries, the most important (`TextReport.selected`), in their usual order, and a
    /// line says how many were left out.
    package static func render(_ snapshot: Snapshot, _ plan: Plan, top: Int? = nil) -> String {
        var out = ""
        let name = snapshot.cluster.name ?? "cluster"
        out += "OpenDRS plan for \(name): \(plan.status.rawValue) (solver \(plan.solver), automation \(plan.automation.rawValue), goal \(snapshot.cluster.goal.rawValue))\n"
        let o = plan.objective
        out += "objective: unplaced \(o.unplaced), soft violations \(o.softViolations), active hosts \(o.activeHosts), "
        out += "imbalance \(format(o.imbalance, 4)), peak utilization \(percent(o.peakUtilization)), "
        out += "migrations \(o.migrations) (\(format(o.migrationSeconds, 1)) s)\n"
        if let bound = plan.bound { out += "bound \(format(bound, 4)), gap \(percent(plan.gap ?? 0))\n" }
        if let master = plan.haMaster { out += "HA master: \(master)\n" }
        out += partitionLine(snapshot, plan)
        out += "\n"
        out += stepsSection(snapshot, plan, top: top)
        if !plan.notes.isEmpty {
            out += "\nNotes:\n"
            let shown = selected(plan.notes.indices, top: top)
            for index in shown { out += "  \(plan.notes[index])\n" }
            out += leftOut(plan.notes.count - shown.count, "notes", top)
        }
        if !plan.unplaced.isEmpty {
            out += "\nUnplaced:\n"
            let rank = top == nil ? [:] : priorityRanks(snapshot, of: plan.unplaced)
            let shown = selected(plan.unplaced.indices, top: top) { rank[plan.unplaced[$0]] ?? 0 }
            for index in shown {
                let vm = plan.unplaced[index]
                out += "  \(DisplayText.escaped(vm)): \(DisplayText.escaped(plan.reasons[vm] ?? "", limit: 400))\n"
            }
            out += leftOut(plan.unplaced.count - shown.count, "unplaced VMs", top)
        }
        if !plan.dropped.isEmpty {
            out += "\nDropped moves:\n"
            let shown = selected(plan.dropped.indices, top: top)
            for move in shown.map({ plan.dropped[$0] }) {
                out += "  \(DisplayText.escaped(move.vm)) -> \(DisplayText.escaped(move.to)): \(DisplayText.escaped(move.reason, limit: 400))\n"
            }
            out += leftOut(plan.dropped.count - shown.count, "dropped moves", top)
        }
        out += utilizationSection(snapshot, plan, top: top)
        return out
    }

    /// `HA partitions: 1 A, B (master B, restarts VMs) | 2 C, D (master D)` for a partitioned
    /// cluster (`cluster.ha.partitions`: the listed partitions, then the hosts no list names);
    /// nothing otherwise. A partition's master is the plan's HA master or the host its elect
    /// step names.
    static func partitionLine(_ snapshot: Snapshot, _ plan: Plan) -> String {
        var hostIndex: [String: Int] = [:]
        for (h, host) in snapshot.hosts.enumerated() where hostIndex[host.id] == nil { hostIndex[host.id] = h }
        guard let partitions = Problem.haPartitions(snapshot, hostIndex: hostIndex) else { return "" }
        let elected = Set(plan.steps.filter { $0.kind == .elect }.compactMap(\.host))
        let parts = partitions.enumerated().map { p, hosts -> String in
            let ids = hosts.map { snapshot.hosts[$0].id }
            var text = "\(p + 1) " + ids.map { DisplayText.escaped($0) }.joined(separator: ", ")
            if let master = plan.haMaster, ids.contains(master) {
                text += " (master \(DisplayText.escaped(master)), restarts VMs)"
            } else if let master = ids.first(where: { elected.contains($0) }) {
                text += " (master \(DisplayText.escaped(master)))"
            }
            return text
        }
        return "HA partitions: " + parts.joined(separator: " | ") + "\n"
    }

    /// The steps table (the most important steps with `top`: lowest priority number first),
    /// then the steps waiting for recommended ones.
    static func stepsSection(_ snapshot: Snapshot, _ plan: Plan, top: Int?) -> String {
        var out = ""
        if plan.steps.isEmpty {
            if plan.unplaced.isEmpty {
                out += "No steps: the cluster is already where it should be.\n"
            } else {
                out += "No steps, but \(plan.unplaced.count) VM(s) stay unplaced: \(plan.unplaced.prefix(10).map { DisplayText.escaped($0) }.joined(separator: ", "))\(plan.unplaced.count > 10 ? ", ..." : "") (reasons below).\n"
            }
            return out
        }
        var rows: [[String]] = [["wave", "kind", "vm/host", "from", "to", "sec", "down", "prio", "applied", "reason"]]
        let shown = selected(plan.steps.indices, top: top) { plan.steps[$0].priority }
        for step in shown.map({ plan.steps[$0] }) {
            // Ids are user text: escaped and cut, so a control character never reaches the terminal.
            let subject = DisplayText.escaped(step.vm ?? step.host ?? "") + (step.secondary == true ? " (sec)" : "")
                + (step.cold == true ? " (cold)" : "")
            rows.append([String(step.wave), step.kind.rawValue, subject, step.from.map { DisplayText.escaped($0) } ?? "-",
                         step.to.map { DisplayText.escaped($0) } ?? "-",
                         format(step.seconds, 1), step.downtime.map { format($0, 2) } ?? "-",
                         String(step.priority), step.applied ? "yes" : "no", DisplayText.escaped(step.reason, limit: 400)])
        }
        out += table(rows)
        out += leftOut(plan.steps.count - shown.count, "steps", top)
        out += "\(plan.steps.count) steps in \(plan.waveSeconds.count) waves, estimated \(format(plan.estimatedSeconds, 1)) s\n"
        out += timingLines(snapshot, plan, top: top)
        let waiting = plan.steps.filter { !$0.applied && $0.waitsFor != nil }
        if !waiting.isEmpty {
            out += "\nRecommended only, waiting for recommended steps (--apply leaves them out):\n"
            let shownWaiting = selected(waiting.indices, top: top) { waiting[$0].priority }
            for step in shownWaiting.map({ waiting[$0] }) { out += "  \(step.label) needs \(step.waitsFor!.joined(separator: ", "))\n" }
            out += leftOut(waiting.count - shownWaiting.count, "waiting steps", top)
        }
        return out
    }

    /// How the waves are timed: the seconds of each wave (at most `top` of them, or 20), the boot
    /// time a powerOn wave waits for, and a warning for every live migration whose pre-copy
    /// cannot converge (the VM dirties memory at least as fast as the bandwidth it gets in its
    /// wave), with the downtime it then has. O(steps).
    static func timingLines(_ snapshot: Snapshot, _ plan: Plan, top: Int?) -> String {
        var out = ""
        let limit = top ?? 20
        if plan.waveSeconds.count > 1 {
            let shown = plan.waveSeconds.prefix(limit).enumerated().map { "\($0.offset + 1): \(format($0.element, 1))" }
            out += "wave seconds: " + shown.joined(separator: ", ") + (plan.waveSeconds.count > limit ? ", ..." : "") + "\n"
        }
        if let boot = plan.steps.first(where: { $0.kind == .powerOn })?.seconds, boot > 0 {
            out += "hosts powered on boot for \(format(boot, 1)) s (cluster.power.bootSeconds): steps onto them start in the next wave\n"
        }
        var vmIndex: [String: Int] = [:]
        for (v, vm) in snapshot.vms.enumerated() where vmIndex[vm.id] == nil { vmIndex[vm.id] = v }
        let sharing = MigrationModel.sharing(of: plan.steps)
        var warnings: [String] = []
        for (index, step) in plan.steps.enumerated() where sharing[index] > 0 {
            guard let v = step.vm.flatMap({ vmIndex[$0] }) else { continue }
            let dirty = snapshot.vms[v].migration?.dirtyRate ?? 0
            let share = snapshot.cluster.migration.bandwidth / Double(sharing[index])
            guard MigrationModel.diverges(dirtyRate: dirty, bandwidth: share) else { continue }
            let subject = DisplayText.escaped(step.vm!) + (step.secondary == true ? " (sec)" : "")
            warnings.append("wave \(step.wave): \(subject) \(DisplayText.escaped(step.from!)) -> \(DisplayText.escaped(step.to!)) does not converge: it dirties \(format(dirty, 1)) MiB/s, at least the \(format(share, 1)) MiB/s it gets; it pauses for \(format(step.downtime ?? 0, 2)) s")
        }
        if !warnings.isEmpty {
            out += "\nWarnings (live migrations that do not converge):\n"
            for line in warnings.prefix(limit) { out += "  \(line)\n" }
            if warnings.count > limit { out += "  ... \(warnings.count - limit) more warnings left out\n" }
        }
        return out
    }

    /// Each host's utilization before and after, resource by resource (with `top`: the hosts
    /// whose utilization or state changes most).
    static func utilizationSection(_ snapshot: Snapshot, _ plan: Plan, top: Int?) -> String {
        var out = "\nHost utilization (before -> after):\n"
        let before = loads(snapshot, placement: Dictionary(snapshot.vms.compactMap { vm in
            vm.powerState == .on ? vm.host.map { (vm.id, $0) } : nil
        }, uniquingKeysWith: { a, _ in a }), secondaries: Dictionary(snapshot.vms.compactMap { vm in
            vm.powerState == .on ? vm.ft?.secondaryHost.map { (vm.id, $0) } : nil
        }, uniquingKeysWith: { a, _ in a }))
        let after = loads(snapshot, placement: plan.placement, secondaries: plan.secondaries)
        let resourceWidth = snapshot.resources.map(\.count).max() ?? 3
        let finalState = Dictionary(plan.steps.compactMap { step -> (String, String)? in
            guard let host = step.host else { return nil }
            switch step.kind {
            case .standby: return (host, "standby")
            case .powerOn: return (host, "connected")
            default: return nil
            }
        }, uniquingKeysWith: { _, b in b })
        func utilization(_ host: ClusterHost, _ resource: String) -> (Double, Double) {
            let capacity = host.capacity[resource] ?? 0
            guard capacity > 0 else { return (0, 0) }
            return ((before[host.id]?[resource] ?? 0) / capacity, (after[host.id]?[resource] ?? 0) / capacity)
        }
        // A host that changes state counts as a change of 100%; the largest change comes first.
        let shown = selected(snapshot.hosts.indices, top: top) { h in
            let host = snapshot.hosts[h]
            let change = finalState[host.id] != nil ? 1.0 : snapshot.resources.map { let (u0, u1) = utilization(host, $0); return abs(u1 - u0) }.max() ?? 0
            return -change
        }
        for host in shown.map({ snapshot.hosts[$0] }) {
            let state = host.state == .connected ? "" : host.state == .isolated ? " [isolated: \(snapshot.isolationResponse.rawValue)]" : " [\(host.state.rawValue)]"
            let next = finalState[host.id].map { " -> [\($0)]" } ?? ""
            out += "  \(host.id)\(state)\(next)\n"
            for resource in snapshot.resources {
                let (u0, u1) = utilization(host, resource)
                out += "    " + pad(resource, resourceWidth) + " " + bar(u0) + " " + pad(percent(u0), 4, left: true)
                out += "  ->  " + bar(u1) + " " + pad(percent(u1), 4, left: true) + "\n"
            }
        }
        out += leftOut(snapshot.hosts.count - shown.count, "hosts", top)
        return out
    }

    /// The positions to show: all of them without `top`; else the `top` most important (the
    /// smallest `importance`, earlier first among equals), in their original order.
    /// O(n log n).
    static func selected<T: Comparable>(_ positions: Range<Int>, top: Int?, by importance: (Int) -> T) -> [Int] {
        guard let top, top < positions.count else { return Array(positions) }
        let keyed = positions.map { (importance($0), $0) }
        return keyed.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.prefix(top).map(\.1).sorted()
    }

    /// The first `top` positions (all of them without `top`).
    static func selected(_ positions: Range<Int>, top: Int?) -> [Int] {
        Array(positions.prefix(top ?? positions.count))
    }

    /// The priority rank (0 highest) of each of `vms`.
    static func priorityRanks(_ snapshot: Snapshot, of vms: [String]) -> [String: Int] {
        let wanted = Set(vms)
        var ranks: [String: Int] = [:]
        for vm in snapshot.vms where wanted.contains(vm.id) { ranks[vm.id] = vm.priority.rank }
        return ranks
    }

    /// "  ... K more NOUN left out (--top N)", or nothing.
    static func leftOut(_ count: Int, _ noun: String, _ top: Int?) -> String {
        guard count > 0, let top else { return "" }
        return "  ... \(count) more \(noun) left out (--top \(top))\n"
    }

    static func loads(_ snapshot: Snapshot, placement: [String: String], secondaries: [String: String]) -> [String: [String: Double]] {
        var result: [String: [String: Double]] = [:]
        // VMs of failed hosts, and of isolated hosts that power them off, are down.
        let failed = Set(zip(snapshot.hosts, snapshot.effectiveHostStates).filter { $0.1 == .failed }.map(\.0.id))
        for vm in snapshot.vms where vm.powerState == .on {
            for host in [placement[vm.id], secondaries[vm.id]].compactMap({ $0 }) where !failed.contains(host) {
                for (resource, amount) in vm.demand { result[host, default: [:]][resource, default: 0] += amount }
            }
        }
        return result
    }

    static func bar(_ utilization: Double, width: Int = 20) -> String {
        let filled = max(0, min(width, Int((utilization * Double(width)).rounded())))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    static func percent(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }

    static func format(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
        }
        return text
    }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? padding + text : text + padding
    }

    static func table(_ rows: [[String]]) -> String {
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() where i < row.count - 1 { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += i < row.count - 1 ? pad(cell, widths[i]) + "  " : cell
            }
            out += line + "\n"
        }
        return out
    }
}
