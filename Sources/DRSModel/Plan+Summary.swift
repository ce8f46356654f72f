extension Plan {
    /// A short account of the plan, whatever its size (`drs plan --format summary`): what the
    /// plan's own JSON says in its scalar fields (`status`, `termination`, `solver`,
    /// `automation`, `seconds`, `waves`, `estimatedSeconds`, `haMaster`, `notes`), the steps
    /// counted (`stepCounts`: `total`, `applied`, then one count per step kind), the counts of
    /// `unplaced` VMs and `dropped` moves (`unplacedCount`, `droppedCount`), and the one score
    /// before the plan (`objectiveBefore`: the snapshot's own placement) and after it
    /// (`objective`, as in the plan). O(steps + the score of `snapshot`'s placement).
    package func summary(for snapshot: Snapshot) -> JSONValue {
        func round(_ value: Double, _ digits: Double = 1e6) -> JSONValue { .number((value * digits).rounded() / digits) }
        var counts = [Int](repeating: 0, count: Step.Kind.allCases.count)
        var applied = 0
        for step in steps {
            counts[Step.Kind.allCases.firstIndex(of: step.kind)!] += 1
            if step.applied { applied += 1 }
        }
        var stepCounts: [(key: String, value: JSONValue)] = [("total", .number(Double(steps.count))),
                                                             ("applied", .number(Double(applied)))]
        for (index, kind) in Step.Kind.allCases.enumerated() { stepCounts.append((kind.rawValue, .number(Double(counts[index])))) }
        let problem = Problem(snapshot)
        let before = Score.evaluate(problem, placement: problem.vmInitialHost, secondaries: problem.vmInitialSecondary)
        var members: [(key: String, value: JSONValue)] = [("schemaVersion", .number(1)), ("status", .string(status.rawValue))]
        if let termination { members.append(("termination", .string(termination.rawValue))) }
        members += [
            ("solver", .string(solver)),
            ("automation", .string(automation.rawValue)),
            ("seconds", round(seconds)),
            ("waves", .number(Double(waveSeconds.count))),
            ("estimatedSeconds", round(estimatedSeconds, 1e3)),
            ("stepCounts", .object(stepCounts)),
            ("unplacedCount", .number(Double(unplaced.count))),
            ("droppedCount", .number(Double(dropped.count))),
            ("objectiveBefore", before.json),
            ("objective", objective.json),
            ("haMaster", haMaster.map { .string($0) } ?? .null),
        ]
        if !notes.isEmpty { members.append(("notes", .array(notes.map { .string($0) }))) }
        return .object(members)
    }
}
