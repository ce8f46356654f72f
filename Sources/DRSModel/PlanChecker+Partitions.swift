extension PlanChecker {
    /// Whether an `elect` step naming a host elects the HA master, not the master of another
    /// partition (`cluster.ha.partitions`), which restarts nothing and leaves `cluster.ha.master`
    /// alone: a test built once per snapshot (O(H + listed ids)), then O(1) per step.
    package static func electsHAMaster(_ snapshot: Snapshot) -> (String?) -> Bool {
        guard snapshot.cluster.ha?.partitions != nil else { return { _ in true } }
        var hostIndex: [String: Int] = [:]
        for (h, entry) in snapshot.hosts.enumerated() where hostIndex[entry.id] == nil { hostIndex[entry.id] = h }
        guard let owning = Replay.masterPartition(snapshot, hostIndex: hostIndex, state: snapshot.effectiveHostStates) else { return { _ in true } }
        let owners = Set(owning.map { snapshot.hosts[$0].id })
        return { host in host.map { owners.contains($0) || hostIndex[$0] == nil } ?? true }
    }
}

extension PlanChecker.Replay {
    /// `cluster.ha.partitions` by host index: the listed partitions, then the hosts no list
    /// names, together (when there are any); nil without partitions. O(H + listed ids).
    static func partitions(_ snapshot: Snapshot, hostIndex: [String: Int]) -> [[Int]]? {
        guard let lists = snapshot.cluster.ha?.partitions else { return nil }
        var result = lists.map { $0.compactMap { hostIndex[$0] } }
        let listed = Set(result.joined())
        let rest = snapshot.hosts.indices.filter { !listed.contains($0) }
        if !rest.isEmpty { result.append(rest) }
        return result
    }

    /// The election rule over `hosts`: the connected one with the most distinct datastores, ties
    /// to the lexically greatest id.
    static func winner(_ snapshot: Snapshot, _ hosts: [Int], state: [HostState]) -> Int? {
        hosts.filter { state[$0] == .connected }.max { a, b in
            let da = Set(snapshot.hosts[a].datastores).count, db = Set(snapshot.hosts[b].datastores).count
            return da != db ? da < db : snapshot.hosts[a].id < snapshot.hosts[b].id
        }
    }

    /// The hosts of the partition whose master restarts VMs: the one holding the current HA
    /// master when it is connected, else the one holding the election winner over every
    /// connected host. Nil (no restriction) without partitions, with HA off, or with no master.
    static func masterPartition(_ snapshot: Snapshot, hostIndex: [String: Int], state: [HostState]) -> Set<Int>? {
        guard let ha = snapshot.cluster.ha, ha.enabled, let partitions = partitions(snapshot, hostIndex: hostIndex) else { return nil }
        var master = ha.master.flatMap { hostIndex[$0] }
        if master.map({ state[$0] != .connected }) ?? true { master = winner(snapshot, Array(snapshot.hosts.indices), state: state) }
        guard let master, let owning = partitions.first(where: { $0.contains(master) }) else { return nil }
        return Set(owning)
    }

    /// An elect step naming a host outside the master's partition: that partition's own master,
    /// which must be its election winner and restarts nothing (the HA master stays). Returns
    /// false when the step is the HA master's own election.
    mutating func electPartitionMaster(_ step: Step, _ wave: Int, _ h: Int) -> Bool {
        guard let restartHosts, !restartHosts.contains(h) else { return false }
        if partitionOf.isEmpty, let partitions = Self.partitions(snapshot, hostIndex: hostIndex) {
            partitionOf = [Int](repeating: -1, count: snapshot.hosts.count)
            for (p, hosts) in partitions.enumerated() { for host in hosts { partitionOf[host] = p } }
            partitionHosts = partitions
        }
        guard !partitionOf.isEmpty, partitionOf[h] >= 0 else { return false }
        let p = partitionOf[h], partitions = partitionHosts
        if let expected = Self.winner(snapshot, partitions[p], state: state), expected != h {
            fail(wave, "elect makes \(hostName(Int32(h))) master of its partition, but the election there picks \(hostName(Int32(expected))) (most datastores, ties to the greatest id)")
        }
        return true
    }

    /// Only the HA master's partition restarts: a restart of VM `v` (whose host failed, or whose
    /// failed guest leaves a host entering maintenance) to a host outside it is refused.
    mutating func checkRestartPartition(_ step: Step, _ wave: Int, _ v: Int, to h: Int) {
        guard step.secondary != true, let restartHosts, !restartHosts.contains(h) else { return }
        fail(wave, "\(step.kind.rawValue) of \(vmName(v)) to \(hostName(Int32(h))), outside the HA master's partition (cluster.ha.partitions): only the master's partition restarts VMs")
    }
}
