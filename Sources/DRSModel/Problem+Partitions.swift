extension Problem {
    /// HA network partitions (`cluster.ha.partitions`) by host index: the listed ones in order,
    /// then, when any host is left out, the hosts no list names, together. Nil when the snapshot
    /// names none (the whole cluster is one partition). O(H + listed ids).
    package static func haPartitions(_ snapshot: Snapshot, hostIndex: [String: Int]) -> [[Int]]? {
        guard let lists = snapshot.cluster.ha?.partitions else { return nil }
        var listed = [Bool](repeating: false, count: snapshot.hosts.count)
        var partitions: [[Int]] = []
        for list in lists {
            let hosts = list.compactMap { hostIndex[$0] }
            for h in hosts { listed[h] = true }
            partitions.append(hosts)
        }
        let rest = snapshot.hosts.indices.filter { !listed[$0] }
        if !rest.isEmpty { partitions.append(rest) }
        return partitions
    }

    /// The hosts HA may restart VMs on: the partition of the HA master (`haMaster`: the current
    /// master while it is connected, else the winner of the election over every connected host),
    /// whose master owns the restarts; every other partition's master restarts nothing. Nil
    /// when there is no restriction: no partitions, HA off, or no master anywhere. O(H).
    static func restartHosts(_ snapshot: Snapshot, hostIndex: [String: Int], master: String?) -> HostBitSet? {
        guard !snapshot.haDisabled, let master, let m = hostIndex[master],
              let partitions = haPartitions(snapshot, hostIndex: hostIndex),
              let owning = partitions.first(where: { $0.contains(m) }) else { return nil }
        var set = HostBitSet(count: snapshot.hosts.count, filled: false)
        for h in owning { set.insert(h) }
        return set
    }

    /// Only the master's partition restarts: every VM that needs an HA restart is allowed only on
    /// `restartHosts` (with its rules and storage). Sets are shared like the rules' sets.
    /// O(V + distinct sets x H / 64).
    mutating func restrictRestartsToMasterPartition() {
        guard let hosts = restartHosts else { return }
        var restricted: [Int32: Int32] = [:]
        for v in 0..<vmCount where vmActive[v] && vmNeedsRestart[v] {
            let set = vmAllowedSet[v]
            if let known = restricted[set] { vmAllowedSet[v] = known; continue }
            var mask = set < 0 ? HostBitSet(count: hostCount, filled: true) : allowedSets[Int(set)]
            mask.formIntersection(hosts)
            let index: Int32
            if let existing = allowedSets.firstIndex(of: mask) {
                index = Int32(existing)
            } else {
                index = Int32(allowedSets.count)
                allowedSets.append(mask)
            }
            restricted[set] = index
            vmAllowedSet[v] = index
        }
    }

    /// The masters of the partitions that do not hold `haMaster`, each elected by the same rule
    /// (the connected host with the most distinct datastores, ties to the lexically greatest id):
    /// the partition's index in `haPartitions` and its master's index. Partitions with no
    /// connected host elect none; empty with HA off or without partitions. O(H x datastores).
    package func partitionMasters() -> [(partition: Int, master: Int)] {
        guard !snapshot.haDisabled, snapshot.cluster.ha != nil,
              let partitions = Problem.haPartitions(snapshot, hostIndex: hostIndex) else { return [] }
        let owner = haMaster.flatMap { hostIndex[$0] }
        var masters: [(partition: Int, master: Int)] = []
        for (p, hosts) in partitions.enumerated() where !hosts.contains(where: { $0 == owner }) {
            let winner = hosts.filter { snapshot.hosts[$0].state == .connected }.max { a, b in
                let da = Set(snapshot.hosts[a].datastores).count, db = Set(snapshot.hosts[b].datastores).count
                return da != db ? da < db : snapshot.hosts[a].id < snapshot.hosts[b].id
            }
            if let winner { masters.append((p, winner)) }
        }
        return masters
    }
}
