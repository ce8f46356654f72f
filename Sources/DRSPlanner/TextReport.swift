import DRSModel

/// The plan for people: the steps as a table, then per-host utilization before and after as
/// bars.
package enum TextReport {
    /// The report of `plan` for `snapshot`: status and objective, the steps table (or why there
    /// are none), notes, unplaced VMs, dropped moves, then each host's utilization before and
    /// after. Ids are escaped and cut (`DisplayText`).
    package static func render(_ snapshot: Snapshot, _ plan: Plan) -> String {
        var out = ""
        let name = snapshot.cluster.name ?? "cluster"
        out += "OpenDRS plan for \(name): \(plan.status.rawValue) (solver \(plan.solver), automation \(plan.automation.rawValue), goal \(snapshot.cluster.goal.rawValue))\n"
        let o = plan.objective
        out += "objective: unplaced \(o.unplaced), soft violations \(o.softViolations), active hosts \(o.activeHosts), "
        out += "imbalance \(format(o.imbalance, 4)), peak utilization \(percent(o.peakUtilization)), "
        out += "migrations \(o.migrations) (\(format(o.migrationSeconds, 1)) s)\n"
        if let bound = plan.bound { out += "bound \(format(bound, 4)), gap \(percent(plan.gap ?? 0))\n" }
        if let master = plan.haMaster { out += "HA master: \(master)\n" }
        out += "\n"
        if plan.steps.isEmpty {
            if plan.unplaced.isEmpty {
                out += "No steps: the cluster is already where it should be.\n"
            } else {
                out += "No steps, but \(plan.unplaced.count) VM(s) stay unplaced: \(plan.unplaced.prefix(10).map { DisplayText.escaped($0) }.joined(separator: ", "))\(plan.unplaced.count > 10 ? ", ..." : "") (reasons below).\n"
            }
        } else {
            var rows: [[String]] = [["wave", "kind", "vm/host", "from", "to", "sec", "prio", "applied", "reason"]]
            for step in plan.steps {
                // Ids are user text: escaped and cut, so a control character never reaches the terminal.
                let subject = DisplayText.escaped(step.vm ?? step.host ?? "") + (step.secondary == true ? " (sec)" : "")
                rows.append([String(step.wave), step.kind.rawValue, subject, step.from.map { DisplayText.escaped($0) } ?? "-",
                             step.to.map { DisplayText.escaped($0) } ?? "-",
                             format(step.seconds, 1), String(step.priority), step.applied ? "yes" : "no", DisplayText.escaped(step.reason, limit: 400)])
            }
            out += table(rows)
            out += "\(plan.steps.count) steps in \(plan.waveSeconds.count) waves, estimated \(format(plan.estimatedSeconds, 1)) s\n"
            let waiting = plan.steps.filter { !$0.applied && $0.waitsFor != nil }
            if !waiting.isEmpty {
                out += "\nRecommended only, waiting for recommended steps (--apply leaves them out):\n"
                for step in waiting { out += "  \(step.label) needs \(step.waitsFor!.joined(separator: ", "))\n" }
            }
        }
        if !plan.notes.isEmpty {
            out += "\nNotes:\n"
            for note in plan.notes { out += "  \(note)\n" }
        }
        if !plan.unplaced.isEmpty {
            out += "\nUnplaced:\n"
            for vm in plan.unplaced { out += "  \(DisplayText.escaped(vm)): \(DisplayText.escaped(plan.reasons[vm] ?? "", limit: 400))\n" }
        }
        if !plan.dropped.isEmpty {
            out += "\nDropped moves:\n"
            for move in plan.dropped { out += "  \(DisplayText.escaped(move.vm)) -> \(DisplayText.escaped(move.to)): \(DisplayText.escaped(move.reason, limit: 400))\n" }
        }
        out += "\nHost utilization (before -> after):\n"
        let before = loads(snapshot, placement: Dictionary(snapshot.vms.compactMap { vm in
            vm.powerState == .on ? vm.host.map { (vm.id, $0) } : nil
        }, uniquingKeysWith: { a, _ in a }), secondaries: Dictionary(snapshot.vms.compactMap { vm in
            vm.powerState == .on ? vm.ft?.secondaryHost.map { (vm.id, $0) } : nil
        }, uniquingKeysWith: { a, _ in a }))
        let after = loads(snapshot, placement: plan.placement, secondaries: plan.secondaries)
        let width = max(4, snapshot.hosts.map(\.id.count).max() ?? 4)
        let resourceWidth = snapshot.resources.map(\.count).max() ?? 3
        let finalState = Dictionary(plan.steps.compactMap { step -> (String, String)? in
            guard let host = step.host else { return nil }
            switch step.kind {
            case .standby: return (host, "standby")
            case .powerOn: return (host, "connected")
            default: return nil
            }
        }, uniquingKeysWith: { _, b in b })
        for host in snapshot.hosts {
            let state = host.state == .connected ? "" : " [\(host.state.rawValue)]"
            let next = finalState[host.id].map { " -> [\($0)]" } ?? ""
            out += "  \(host.id)\(state)\(next)\n"
            for resource in snapshot.resources {
                let capacity = host.capacity[resource] ?? 0
                let u0 = capacity > 0 ? (before[host.id]?[resource] ?? 0) / capacity : 0
                let u1 = capacity > 0 ? (after[host.id]?[resource] ?? 0) / capacity : 0
                out += "    " + pad(resource, resourceWidth) + " " + bar(u0) + " " + pad(percent(u0), 4, left: true)
                out += "  ->  " + bar(u1) + " " + pad(percent(u1), 4, left: true) + "\n"
            }
        }
        _ = width
        return out
    }

    static func loads(_ snapshot: Snapshot, placement: [String: String], secondaries: [String: String]) -> [String: [String: Double]] {
        var result: [String: [String: Double]] = [:]
        let failed = Set(snapshot.hosts.filter { $0.state == .failed }.map(\.id))
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
