/// The parts of a snapshot, for `DirectSnapshotReader` (see there): each gives up where
/// `SnapshotReader` would report an issue.
extension DirectSnapshotReader {
    /// The whole snapshot. The top-level fields come in any order, except that `resources`
    /// must precede `cluster`, `hosts` and `vms`, which are read with them.
    mutating func snapshot() throws(GiveUp) -> Snapshot {
        var snapshot = Snapshot()
        guard try beginObject() else { throw GiveUp() }
        var seen: UInt32 = 0
        repeat {
            let name = try key()
            if key(name, is: "schemaVersion") {
                try mark(&seen, 0)
                snapshot.schemaVersion = try integer(in: 1...1)
            } else if key(name, is: "resources") {
                guard seen & 0b11100 == 0 else { throw GiveUp() }
                try mark(&seen, 1)
                try readResources()
                snapshot.resources = resources
            } else if key(name, is: "cluster") {
                try mark(&seen, 2)
                snapshot.cluster = try cluster()
            } else if key(name, is: "hosts") {
                try mark(&seen, 3)
                guard try beginArray() else { throw GiveUp() }
                let start = scanner.index
                repeat {
                    snapshot.hosts.append(try host())
                    if snapshot.hosts.count == 1024 { reserve(&snapshot.hosts, from: start) }
                } while try nextElement()
            } else if key(name, is: "vms") {
                try mark(&seen, 4)
                guard try beginArray() else { continue }
                let start = scanner.index
                repeat {
                    snapshot.vms.append(try vm())
                    if snapshot.vms.count == 1024 { reserve(&snapshot.vms, from: start) }
                } while try nextElement()
            } else if key(name, is: "rules") {
                try mark(&seen, 5)
                guard try beginArray() else { continue }
                repeat { snapshot.rules.append(try rule()) } while try nextElement()
            } else {
                throw GiveUp()
            }
        } while try nextMember()
        scanner.skipWhitespace()
        guard scanner.atEnd, seen & 0b1001 == 0b1001 else { throw GiveUp() }
        // The sums `SnapshotReader.checkTotals` forms, in the same order.
        let limit = InputLimits.maximumTotal
        guard capacityTotals.allSatisfy({ $0 <= limit }), demandTotals.allSatisfy({ $0 <= limit }) else { throw GiveUp() }
        return snapshot
    }

    /// Room for as many more elements as the rest of the input would hold at the size of those
    /// read since `start`: the array is not copied as it grows. An estimate too high (other
    /// parts follow the array) costs address space only, pages never written are not memory.
    private func reserve<Element>(_ elements: inout [Element], from start: Int) {
        let perElement = max(1, (scanner.index - start) / elements.count)
        elements.reserveCapacity(elements.count + (scanner.bytes.count - scanner.index) / perElement + 1)
    }

    /// `resources`: 1 to 16 distinct non-empty names.
    private mutating func readResources() throws(GiveUp) {
        let names = try stringList()
        guard (1...16).contains(names.count), Set(names).count == names.count else { throw GiveUp() }
        useResources(names)
    }

    private mutating func cluster() throws(GiveUp) -> Cluster {
        var cluster = Cluster()
        guard try beginObject() else { return cluster }
        var seen: UInt32 = 0
        repeat {
            let name = try key()
            if key(name, is: "name") {
                try mark(&seen, 0)
                cluster.name = try string()
            } else if key(name, is: "goal") {
                try mark(&seen, 1)
                cluster.goal = try enumeration(Goal.self)
            } else if key(name, is: "automation") {
                try mark(&seen, 2)
                cluster.automation = try enumeration(AutomationLevel.self)
            } else if key(name, is: "migrationThreshold") {
                try mark(&seen, 3)
                cluster.migrationThreshold = try integer(in: 1...5)
            } else if key(name, is: "maxUtilization") {
                try mark(&seen, 4)
                cluster.maxUtilization = try resourceMap(minimum: 0, maximum: 1, exclusiveMinimum: true)
            } else if key(name, is: "migration") {
                try mark(&seen, 5)
                cluster.migration = try migrationSettings()
            } else if key(name, is: "ha") {
                try mark(&seen, 6)
                cluster.ha = try haSettings()
            } else if key(name, is: "power") {
                try mark(&seen, 8)
                cluster.power = try powerSettings()
            } else if key(name, is: "notes") {
                try mark(&seen, 7)
                var notes: [String] = []
                if try beginArray() {
                    repeat { notes.append(try string()) } while try nextElement()
                }
                cluster.notes = notes
            } else {
                throw GiveUp()
            }
        } while try nextMember()
        return cluster
    }

    private mutating func migrationSettings() throws(GiveUp) -> MigrationSettings {
        var settings = MigrationSettings()
        guard try beginObject() else { return settings }
        var seen: UInt32 = 0
        repeat {
            let name = try key()
            if key(name, is: "bandwidth") {
                try mark(&seen, 0)
                settings.bandwidth = try number(minimum: InputLimits.minimumBandwidth)
            } else if key(name, is: "maxConcurrentPerHost") {
                try mark(&seen, 1)
                settings.maxConcurrentPerHost = try integer(in: 1...1024)
            } else if key(name, is: "storageBandwidth") {
                try mark(&seen, 2)
                settings.storageBandwidth = try number(minimum: InputLimits.minimumBandwidth)
            } else if key(name, is: "sharedNothing") {
                try mark(&seen, 3)
                settings.sharedNothing = try bool()
            } else {
                throw GiveUp()
            }
        } while try nextMember()
        return settings
    }

    private mutating func powerSettings() throws(GiveUp) -> PowerSettings {
        var power = PowerSettings()
        guard try beginObject() else { return power }
        var seen: UInt32 = 0
        repeat {
            let name = try key()
            guard key(name, is: "bootSeconds") else { throw GiveUp() }
            try mark(&seen, 0)
            power.bootSeconds = try number(maximum: InputLimits.maximumSeconds)
        } while try nextMember()
        return power
    }

    private mutating func haSettings() throws(GiveUp) -> HASettings {
        var ha = HASettings()
        guard try beginObject() else { return ha }
        var seen: UInt32 = 0
        repeat {
            let name = try key()
            if key(name, is: "enabled") {
                try mark(&seen, 0)
                ha.enabled = try bool()
            } else if key(name, is: "hostFailuresToTolerate") {
                try mark(&seen, 1)
                ha.hostFailuresToTolerate = try integer(in: 0...1_000_000)
            } else if key(name, is: "master") {
                try mark(&seen, 2)
                if try !null() { ha.master = try identifier() }
            } else if key(name, is: "restartDelay") {
                try mark(&seen, 3)
                ha.restartDelay = try number(maximum: InputLimits.maximumSeconds)
            } else if key(name, is: "isolationResponse") {
                try mark(&seen, 4)
                ha.isolationResponse = try enumeration(IsolationResponse.self)
            } else if key(name, is: "partitions") {
                try mark(&seen, 5)
                var partitions: [[String]] = []
                guard try beginArray() else { throw GiveUp() }
                repeat { partitions.append(try stringList()) } while try nextElement()
                ha.partitions = partitions
            } else {
                throw GiveUp()
            }
        } while try nextMember()
        return ha
    }

    private mutating func host() throws(GiveUp) -> ClusterHost {
        var host = ClusterHost(id: "", capacity: [:])
        guard try beginObject() else { throw GiveUp() }
        var seen: UInt32 = 0
        repeat {
            let name = try key()
            if key(name, is: "id") {
                try mark(&seen, 0)
                host.id = try identifier()
            } else if key(name, is: "capacity") {
                try mark(&seen, 1)
                host.capacity = try resourceMap()
                addToTotals(capacity: true, copies: 1)
            } else if key(name, is: "state") {
                try mark(&seen, 2)
                host.state = try enumeration(HostState.self)
            } else if key(name, is: "datastores") {
                try mark(&seen, 3)
                host.datastores = try stringList()
            } else if key(name, is: "power") {
                try mark(&seen, 4)
                host.power = try powerModel()
            } else {
                throw GiveUp()
            }
        } while try nextMember()
        guard seen & 1 != 0 else { throw GiveUp() }
        return host
    }

    /// `hosts[].power`: 11 numbers, each as a quantity.
    private mutating func powerModel() throws(GiveUp) -> [Double] {
        var watts: [Double] = []
        guard try beginArray() else { throw GiveUp() }
        repeat { watts.append(try number()) } while try nextElement()
        guard watts.count == 11 else { throw GiveUp() }
        return watts
    }

    private mutating func vm() throws(GiveUp) -> VirtualMachine {
        var vm = VirtualMachine(id: "", host: nil, demand: [:])
        guard try beginObject() else { throw GiveUp() }
        var seen: UInt32 = 0
        named = 0
        repeat {
            let name = try key()
            if key(name, is: "id") {
                try mark(&seen, 0)
                vm.id = try identifier()
            } else if key(name, is: "host") {
                try mark(&seen, 1)
                if try !null() { vm.host = try identifier() }
            } else if key(name, is: "demand") {
                try mark(&seen, 2)
                vm.demand = try resourceMap()
            } else if key(name, is: "priority") {
                try mark(&seen, 3)
                vm.priority = try enumeration(Priority.self)
            } else if key(name, is: "migration") {
                try mark(&seen, 4)
                vm.migration = try vmMigration()
            } else if key(name, is: "powerState") {
                try mark(&seen, 5)
                vm.powerState = try enumeration(PowerState.self)
            } else if key(name, is: "automation") {
                try mark(&seen, 6)
                vm.automation = try enumeration(VMAutomation.self)
            } else if key(name, is: "ft") {
                try mark(&seen, 7)
                vm.ft = try faultTolerance()
            } else if key(name, is: "state") {
                try mark(&seen, 8)
                vm.state = try enumeration(VMState.self)
            } else if key(name, is: "restartPriority") {
                try mark(&seen, 9)
                vm.restartPriority = try enumeration(RestartPriority.self)
            } else if key(name, is: "datastores") {
                try mark(&seen, 10)
                vm.datastores = try stringList()
            } else if key(name, is: "disk") {
                try mark(&seen, 11)
                vm.disk = try number()
            } else if key(name, is: "maxDowntime") {
                try mark(&seen, 12)
                vm.maxDowntime = try number(maximum: InputLimits.maximumSeconds)
            } else {
                throw GiveUp()
            }
        } while try nextMember()
        guard seen & 1 != 0 else { throw GiveUp() }
        // `values` and `named` still hold the demand: no other map is read in a VM.
        addToTotals(capacity: false, copies: vm.ft == nil ? 1 : 2)
        return vm
    }

    private mutating func vmMigration() throws(GiveUp) -> VMMigration {
        var migration = VMMigration()
        guard try beginObject() else { return migration }
        var seen: UInt32 = 0
        repeat {
            let name = try key()
            if key(name, is: "memory") {
                try mark(&seen, 0)
                migration.memory = try number()
            } else if key(name, is: "dirtyRate") {
                try mark(&seen, 1)
                migration.dirtyRate = try number()
            } else {
                throw GiveUp()
            }
        } while try nextMember()
        return migration
    }

    private mutating func faultTolerance() throws(GiveUp) -> FaultTolerance {
        var ft = FaultTolerance(secondaryHost: nil)
        guard try beginObject() else { return ft }
        let name = try key()
        guard key(name, is: "secondaryHost") else { throw GiveUp() }
        if try !null() { ft.secondaryHost = try identifier() }
        guard try !nextMember() else { throw GiveUp() }
        return ft
    }

    /// A rule with the fields its kind needs and none it does not (as `SnapshotReader.readRule`).
    private mutating func rule() throws(GiveUp) -> Rule {
        var rule = Rule(id: "", kind: .affinity, vms: [])
        guard try beginObject() else { throw GiveUp() }
        var seen: UInt32 = 0
        repeat {
            let name = try key()
            if key(name, is: "id") {
                try mark(&seen, 0)
                rule.id = try identifier()
            } else if key(name, is: "kind") {
                try mark(&seen, 1)
                rule.kind = try enumeration(RuleKind.self)
            } else if key(name, is: "vms") {
                try mark(&seen, 2)
                rule.vms = try stringList()
            } else if key(name, is: "hosts") {
                try mark(&seen, 3)
                rule.hosts = try stringList()
            } else if key(name, is: "policy") {
                try mark(&seen, 4)
                rule.policy = try enumeration(VMHostPolicy.self)
            } else if key(name, is: "required") {
                try mark(&seen, 5)
                rule.required = try bool()
            } else {
                throw GiveUp()
            }
        } while try nextMember()
        let fields = rule.kind == .vmHost ? 0b011111 : 0b100111
        guard seen & 0b111 == 0b111, seen & ~UInt32(fields) == 0, rule.kind != .vmHost || seen & 0b11000 == 0b11000,
              !rule.vms.isEmpty else { throw GiveUp() }
        return rule
    }
}
