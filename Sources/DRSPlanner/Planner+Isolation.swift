@_spi(Benchmarks) import DRSModel

extension Planner {
    /// A partitioned cluster (`cluster.ha.partitions`): every partition without the HA master
    /// elects a master of its own in wave 1, by the same rule; those masters restart nothing.
    /// O(H x datastores).
    static func addPartitionElections(_ draft: inout PlanDraft) {
        let problem = draft.problem
        let masters = problem.partitionMasters()
        guard !masters.isEmpty, let partitions = Problem.haPartitions(problem.snapshot, hostIndex: problem.hostIndex) else { return }
        draft.waveCount = max(draft.waveCount, 1)
        for (p, m) in masters {
            let members = partitions[p].map { draft.hostID($0) }.sorted().joined(separator: ", ")
            draft.steps.append(Step(wave: 1, kind: .elect, host: draft.hostID(m), priority: 1, applied: true,
                                    reason: "partition \(p + 1) of \(partitions.count) (\(members)) is cut off from HA master \(problem.haMaster ?? "none"): it elects \(draft.hostID(m)) (most datastores), which restarts nothing"))
        }
    }

    /// What isolation and partitions mean for this plan, one note each: isolated hosts and their
    /// response, and which partition restarts. O(H + listed ids).
    static func isolationNotes(_ problem: Problem) -> [String] {
        let snapshot = problem.snapshot
        var notes: [String] = []
        let isolated = snapshot.hosts.filter { $0.state == .isolated }.map(\.id)
        if !isolated.isEmpty {
            let response = snapshot.isolationResponse
            let what = response == .leaveOn
                ? "its VMs keep running there, nothing restarts them, and it takes no new VMs"
                : "its VMs are powered off\(response == .shutdown ? " after a guest shutdown of up to \(JSONWriter.number(IsolationResponse.shutdownSeconds)) s" : "") and HA restarts them elsewhere (FT secondaries are promoted)"
            notes.append("isolated: \(isolated.joined(separator: ", ")) (isolationResponse \(response.rawValue)\(snapshot.haDisabled ? ", HA disabled" : "")): \(what)")
        }
        if let restart = problem.restartHosts, let master = problem.haMaster {
            let hosts = (0..<problem.hostCount).filter { restart.contains($0) }.map { snapshot.hosts[$0].id }.sorted()
            notes.append("partitioned: only the partition of HA master \(master) (\(hosts.joined(separator: ", "))) restarts VMs")
        }
        return notes
    }
}
