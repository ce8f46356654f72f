extension Problem {
    /// Storage visibility as a hard constraint (`vms[].datastores`): a VM may be placed or
    /// restarted only on a host that sees all its datastores; a running VM may also go, by a
    /// shared-nothing live migration, to any host with a datastore when
    /// `cluster.migration.sharedNothing` is true, unless it is FT-protected (an FT VM's disks
    /// stay where primary and secondary both see them). Folded into `vmAllowedSet`, so every solver
    /// and the MIP hold it as they hold must/mustNot rules. O(V x H / 64) when some VM names
    /// datastores, O(V) otherwise.
    mutating func applyStorage() {
        guard snapshot.vms.contains(where: { $0.datastores?.isEmpty == false }) else { return }
        let sharedNothing = snapshot.cluster.migration.sharedNothing == true
        let none = HostBitSet(count: hostCount, filled: false)
        var seers: [String: HostBitSet] = [:]
        var withStorage = none
        for (h, host) in snapshot.hosts.enumerated() {
            for name in host.datastores { seers[name, default: none].insert(h) }
            if !host.datastores.isEmpty { withStorage.insert(h) }
        }
        var setIndex: [HostBitSet: Int32] = [:]
        for (index, set) in allowedSets.enumerated() where setIndex[set] == nil { setIndex[set] = Int32(index) }
        func index(_ set: HostBitSet) -> Int32 {
            if let known = setIndex[set] { return known }
            let added = Int32(allowedSets.count)
            allowedSets.append(set)
            setIndex[set] = added
            return added
        }
        var visibleOf: [[String]: Int32] = [:]
        vmVisibleSet = [Int32](repeating: -1, count: vmCount)
        vmStrictSet = vmAllowedSet
        for v in 0..<vmCount {
            guard let list = snapshot.vms[v].datastores, !list.isEmpty else { continue }
            let visible: Int32
            if let known = visibleOf[list] {
                visible = known
            } else {
                var mask = HostBitSet(count: hostCount, filled: true)
                for name in list { mask.formIntersection(seers[name] ?? none) }
                visible = index(mask)
                visibleOf[list] = visible
            }
            vmVisibleSet[v] = visible
            let rules = vmAllowedSet[v]
            var strict = allowedSets[Int(visible)]
            if rules >= 0 { strict.formIntersection(allowedSets[Int(rules)]) }
            vmStrictSet[v] = index(strict)
            if sharedNothing && vmInitialHost[v] >= 0 && !vmNeedsRestart[v] && snapshot.vms[v].ft == nil {
                var relaxed = withStorage
                if rules >= 0 { relaxed.formIntersection(allowedSets[Int(rules)]) }
                vmAllowedSet[v] = index(relaxed)
            } else {
                vmAllowedSet[v] = vmStrictSet[v]
            }
        }
    }

    /// Why FT VM `v` is left without a secondary when no host takes one, for the plan's reasons.
    package func unprotectedReason(_ v: Int) -> String {
        let storage = !vmVisibleSet.isEmpty && vmVisibleSet[v] >= 0 ? " that sees its datastores" : ""
        return "unprotected: no host other than the primary's\(storage) has room for its FT secondary"
    }

    /// Whether VM `v` on host `h` needs its disks copied there (a shared-nothing migration):
    /// it names datastores and `h` does not see all of them. O(1).
    package func copiesDisks(_ v: Int, to h: Int) -> Bool {
        !vmVisibleSet.isEmpty && vmVisibleSet[v] >= 0 && !allowedSets[Int(vmVisibleSet[v])].contains(h)
    }

    /// Seconds to copy VM `v`'s disks (`vms[].disk` GiB) at `cluster.migration.storageBandwidth`.
    package func diskCopySeconds(_ v: Int) -> Double {
        (snapshot.vms[v].disk ?? 0) * 1024 / snapshot.cluster.migration.effectiveStorageBandwidth
    }

    /// The estimated seconds of live-migrating VM `v` to host `h`: the memory pre-copy, plus
    /// the disk copy of a shared-nothing migration.
    package func migrationSeconds(_ v: Int, to h: Int) -> Double {
        copiesDisks(v, to: h) ? vmMigration[v].seconds + diskCopySeconds(v) : vmMigration[v].seconds
    }

    /// The migration seconds VM `v` costs when its primary ends on host `h`: 0 where it runs
    /// before the plan, or when it was not running (new or restarted). O(1).
    package func moveSeconds(_ v: Int, on h: Int) -> Double {
        let initial = Int(vmInitialHost[v])
        return initial < 0 || initial == h ? 0 : migrationSeconds(v, to: h)
    }
}
