/// The duplicate-id and reference checks of `Snapshot.semanticIssues`: the id indices they
/// build (the first element with each id), the issues found, and whether every reference
/// resolves. Paths name the input's elements (`sources`), not the snapshot's.
struct ReferenceCheck {
    let snapshot: Snapshot
    let hostSource: [Int]
    let vmSource: [Int]
    let ruleSource: [Int]
    var issues: IssueList
    var hostIndex: [String: Int] = [:]
    var vmIndex: [String: Int] = [:]
    var referencesResolve = true
    /// "Did you mean" over the host and VM ids, built only for an issue that is listed.
    let hostNames: LazySuggester
    let vmNames: LazySuggester

    init(_ snapshot: Snapshot, sources: ElementSources?, limit: Int) {
        self.snapshot = snapshot
        hostSource = sources?.hosts ?? Array(snapshot.hosts.indices)
        vmSource = sources?.vms ?? Array(snapshot.vms.indices)
        ruleSource = sources?.rules ?? Array(snapshot.rules.indices)
        issues = IssueList(limit: limit)
        hostNames = LazySuggester { snapshot.hosts.map(\.id) }
        vmNames = LazySuggester { snapshot.vms.map(\.id) }
    }

    mutating func fail(_ path: @autoclosure () -> String, _ message: @autoclosure () -> String) {
        issues.add(path(), message())
    }

    /// A reference to a host id that no host has.
    mutating func unknownHost(_ path: @autoclosure () -> String, _ id: String) {
        referencesResolve = false
        let names = hostNames
        issues.add(path(), "unknown host \(DisplayText.quoted(id))\(names.hint(for: id))")
    }

    /// Duplicate host ids; builds `hostIndex`.
    mutating func checkHosts() {
        let hostSource = self.hostSource
        hostIndex.reserveCapacity(snapshot.hosts.count)
        for (index, host) in snapshot.hosts.enumerated() {
            if let first = hostIndex[host.id] {
                fail("hosts[\(hostSource[index])].id", "duplicate host id \(DisplayText.quoted(host.id)) (first at hosts[\(hostSource[first])])")
            } else {
                hostIndex[host.id] = index
            }
        }
    }

    /// Duplicate VM ids, unknown hosts, FT secondaries on the primary's host and FT with HA
    /// disabled (vSphere refuses it); builds `vmIndex`.
    mutating func checkVMs() {
        let vmSource = self.vmSource
        vmIndex.reserveCapacity(snapshot.vms.count)
        let storage = snapshot.vms.contains { $0.datastores != nil } ? DatastoreCheck(snapshot) : nil
        let vms = snapshot.vms
        for index in vms.indices {
            // Fields read in place: a copy of the VM would retain every one of them.
            var vm: VirtualMachine { vms[index] }
            var path: String { "vms[\(vmSource[index])]" }
            if let first = vmIndex[vm.id] {
                fail("\(path).id", "duplicate VM id \(DisplayText.quoted(vm.id)) (first at vms[\(vmSource[first])])")
            } else {
                vmIndex[vm.id] = index
            }
            if let host = vm.host, hostIndex[host] == nil { unknownHost("\(path).host", host) }
            if let datastores = vm.datastores, let storage { checkDatastores(datastores, of: vm, at: path, storage) }
            if vm.state == .guestFailed {
                if vm.powerState == .off {
                    fail("\(path).state", "guestFailed needs a running guest, but the VM is powered off")
                } else if vm.host == nil {
                    fail("\(path).state", "guestFailed needs a running guest, but the VM has no host (not placed yet)")
                }
            }
            if vm.ft != nil, snapshot.cluster.ha?.enabled == false {
                fail("\(path).ft", "Fault Tolerance needs HA, but cluster.ha.enabled is false: turn HA on or remove ft")
            }
            if let secondary = vm.ft?.secondaryHost {
                if hostIndex[secondary] == nil {
                    unknownHost("\(path).ft.secondaryHost", secondary)
                } else if secondary == vm.host {
                    fail("\(path).ft.secondaryHost", "must differ from the primary's host \(DisplayText.quoted(secondary)): FT primary and secondary never share a host")
                }
            }
        }
    }

    /// A VM's `datastores`: each known to some host and listed once; its host and its FT
    /// secondary's host see all of them, and so does at least one host (where it can run at all). O(datastores x hosts seeing one).
    mutating func checkDatastores(_ datastores: [String], of vm: VirtualMachine, at path: String, _ storage: DatastoreCheck) {
        var seen = Set<String>()
        var clean = true
        for (position, name) in datastores.enumerated() {
            if storage.seers[name] == nil {
                clean = false
                fail("\(path).datastores[\(position)]", "unknown datastore \(DisplayText.quoted(name)): no host sees it\(storage.names.hint(for: name))")
            } else if !seen.insert(name).inserted {
                clean = false
                fail("\(path).datastores[\(position)]", "datastore \(DisplayText.quoted(name)) is listed twice")
            }
        }
        guard clean, !datastores.isEmpty else { return }
        /// The first of the datastores host `id` does not see; nil when it sees all (or is unknown).
        func unseen(by id: String?) -> String? {
            guard let id, let h = hostIndex[id] else { return nil }
            return datastores.first { !storage.seers[$0]!.contains(h) }
        }
        if let host = vm.host, let missing = unseen(by: host) {
            fail("\(path).datastores", "host \(DisplayText.quoted(host)) does not see datastore \(DisplayText.quoted(missing)); a VM runs only where its disks are")
        }
        // An FT secondary takes over as primary where it runs: its host must see the disks too.
        if let secondary = vm.ft?.secondaryHost, let missing = unseen(by: secondary) {
            fail("\(path).ft.secondaryHost", "host \(DisplayText.quoted(secondary)) does not see datastore \(DisplayText.quoted(missing)); an FT secondary runs only where the VM's disks are (it becomes the primary there)")
        }
        if vm.host == nil {
            var common = storage.seers[datastores[0]]!
            for name in datastores.dropFirst() { common.formIntersection(storage.seers[name]!) }
            if common.isEmpty { fail("\(path).datastores", "no host sees all of them") }
        }
    }

    /// `cluster.ha.partitions`: at least one list, each naming at least one known host, no host
    /// in two lists (or twice in one), and an isolated host alone in its list (it reaches no
    /// other host). Hosts no list names form one more partition.
    mutating func checkPartitions() {
        guard let partitions = snapshot.cluster.ha?.partitions else { return }
        let path = "cluster.ha.partitions"
        if partitions.isEmpty { fail(path, "must list at least one partition (a list of host ids); leave it out for an unpartitioned cluster") }
        var seenAt: [String: (Int, Int)] = [:]
        for (p, hosts) in partitions.enumerated() {
            if hosts.isEmpty { fail("\(path)[\(p)]", "must list at least one host id") }
            for (position, host) in hosts.enumerated() {
                guard let h = hostIndex[host] else { unknownHost("\(path)[\(p)][\(position)]", host); continue }
                if let (q, r) = seenAt[host] {
                    fail("\(path)[\(p)][\(position)]", "host \(DisplayText.quoted(host)) is already in \(path)[\(q)][\(r)]: a host is in one partition")
                    continue
                }
                seenAt[host] = (p, position)
                if snapshot.hosts[h].state == .isolated && hosts.count > 1 {
                    fail("\(path)[\(p)][\(position)]", "host \(DisplayText.quoted(host)) is isolated: it reaches no other host, so it cannot share a partition")
                }
            }
        }
    }

    /// Duplicate rule ids, unknown or repeated member VMs and unknown hosts of the rules.
    mutating func checkRules() {
        let ruleSource = self.ruleSource
        var ruleIndex: [String: Int] = [:]
        for (index, rule) in snapshot.rules.enumerated() {
            var path: String { "rules[\(ruleSource[index])]" }
            if let first = ruleIndex[rule.id] {
                fail("\(path).id", "duplicate rule id \(DisplayText.quoted(rule.id)) (first at rules[\(ruleSource[first])])")
            } else {
                ruleIndex[rule.id] = index
            }
            var seen = Set<String>()
            for (position, vm) in rule.vms.enumerated() {
                if vmIndex[vm] == nil {
                    referencesResolve = false
                    let names = vmNames
                    fail("\(path).vms[\(position)]", "unknown VM \(DisplayText.quoted(vm))\(names.hint(for: vm))")
                }
                if !seen.insert(vm).inserted { fail("\(path).vms[\(position)]", "VM \(DisplayText.quoted(vm)) is listed twice") }
            }
            for (position, host) in (rule.hosts ?? []).enumerated() where hostIndex[host] == nil {
                unknownHost("\(path).hosts[\(position)]", host)
            }
        }
    }
}

/// A `NameSuggester` built on first use, so that "did you mean" costs nothing unless an
/// issue that needs it is listed.
final class LazySuggester {
    private let names: () -> [String]
    private var suggester: NameSuggester?

    init(_ names: @escaping () -> [String]) {
        self.names = names
    }

    /// `; did you mean "name"?` for the nearest known name, or nothing.
    func hint(for name: String) -> String {
        if suggester == nil { suggester = NameSuggester(names()) }
        return suggester!.suggestion(for: name).map { "; did you mean \(DisplayText.quoted($0))?" } ?? ""
    }
}

/// The hosts that see each datastore (by host index), for the checks of `vms[].datastores`.
struct DatastoreCheck {
    let seers: [String: Set<Int>]
    let names: LazySuggester

    init(_ snapshot: Snapshot) {
        var seers: [String: Set<Int>] = [:]
        for (h, host) in snapshot.hosts.enumerated() {
            for name in host.datastores { seers[name, default: []].insert(h) }
        }
        self.seers = seers
        names = LazySuggester { seers.keys.sorted() }
    }
}
