extension SnapshotReader {
    /// The whole snapshot: the top-level fields in SPEC order, then the totals.
    mutating func read(_ root: JSONValue) -> Snapshot {
        var snapshot = Snapshot()
        let topFields = ["schemaVersion", "resources", "cluster", "hosts", "vms", "rules"]
        guard let members = members(root, "", known: topFields) else { return snapshot }
        let lookup = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })

        if let version = lookup["schemaVersion"] {
            if let number = integer(version, "schemaVersion", in: 1...1) { snapshot.schemaVersion = number }
        } else {
            fail("schemaVersion", "missing; a snapshot starts with \"schemaVersion\": 1 (the version of SPEC section 1 it follows)")
        }
        if let resources = lookup["resources"] {
            if let names = stringList(resources, "resources") {
                if names.isEmpty || names.count > 16 {
                    fail("resources", "must list 1 to 16 resource names, got \(names.count)")
                }
                var seen = Set<String>()
                for (index, name) in names.enumerated() where !seen.insert(name).inserted {
                    fail("resources[\(index)]", "duplicate resource \(DisplayText.quoted(name))")
                }
                if !names.isEmpty { snapshot.resources = names }
            }
        }
        let resources = snapshot.resources
        if let cluster = lookup["cluster"] { snapshot.cluster = readCluster(cluster, resources: resources) }
        if let hosts = lookup["hosts"] {
            if let elements = array(hosts, "hosts") {
                if elements.isEmpty { fail("hosts", "must list at least one host, got none") }
                for (index, element) in elements.enumerated() {
                    if let host = readHost(element, "hosts[\(index)]", resources: resources) {
                        snapshot.hosts.append(host)
                        sources.hosts.append(index)
                    }
                }
            }
        } else {
            fail("hosts", "missing; a snapshot needs at least one host")
        }
        if let vms = lookup["vms"], let elements = array(vms, "vms") {
            for (index, element) in elements.enumerated() {
                if let vm = readVM(element, "vms[\(index)]", resources: resources) {
                    snapshot.vms.append(vm)
                    sources.vms.append(index)
                }
            }
        }
        if let rules = lookup["rules"], let elements = array(rules, "rules") {
            for (index, element) in elements.enumerated() {
                if let rule = readRule(element, "rules[\(index)]") {
                    snapshot.rules.append(rule)
                    sources.rules.append(index)
                }
            }
        }
        checkTotals(snapshot)
        return snapshot
    }

    /// Per-resource totals within `InputLimits.maximumTotal`, so that every sum in milli-units
    /// fits an Int64 (see `InputLimits`). Demands count every VM, an FT VM twice.
    mutating func checkTotals(_ snapshot: Snapshot) {
        let limit = InputLimits.maximumTotal
        for resource in snapshot.resources {
            var capacity = 0.0
            for host in snapshot.hosts { capacity += host.capacity[resource] ?? 0 }
            if capacity > limit {
                fail("hosts", "the hosts' total \(DisplayText.escaped(resource)) capacity is \(describe(capacity)), more than the \(InputLimits.text(limit)) OpenDRS accepts per resource")
            }
            var demand = 0.0
            for vm in snapshot.vms { demand += (vm.demand[resource] ?? 0) * (vm.ft == nil ? 1 : 2) }
            if demand > limit {
                fail("vms", "the VMs' total \(DisplayText.escaped(resource)) demand (FT secondaries counted twice) is \(describe(demand)), more than the \(InputLimits.text(limit)) OpenDRS accepts per resource")
            }
        }
    }

    mutating func readCluster(_ value: JSONValue, resources: [String]) -> Cluster {
        var cluster = Cluster()
        let known = ["name", "goal", "automation", "migrationThreshold", "maxUtilization", "migration", "ha", "power", "notes"]
        guard let members = members(value, "cluster", known: known) else { return cluster }
        for (key, field) in members {
            let path = join("cluster", key)
            switch key {
            case "name": cluster.name = string(field, path)
            case "goal": cluster.goal = enumeration(field, path, as: Goal.self) ?? cluster.goal
            case "automation": cluster.automation = enumeration(field, path, as: AutomationLevel.self) ?? cluster.automation
            case "migrationThreshold": cluster.migrationThreshold = integer(field, path, in: 1...5) ?? cluster.migrationThreshold
            case "maxUtilization":
                cluster.maxUtilization = resourceMap(field, path, resources: resources, minimum: 0, maximum: 1, exclusiveMinimum: true)
            case "migration":
                let known = ["bandwidth", "maxConcurrentPerHost", "storageBandwidth", "sharedNothing"]
                guard let settings = self.members(field, path, known: known) else { continue }
                for (name, setting) in settings {
                    if name == "bandwidth" {
                        cluster.migration.bandwidth = number(setting, "\(path).bandwidth", minimum: InputLimits.minimumBandwidth) ?? 1250
                    } else if name == "maxConcurrentPerHost" {
                        cluster.migration.maxConcurrentPerHost = integer(setting, "\(path).maxConcurrentPerHost", in: 1...1024) ?? 8
                    } else if name == "storageBandwidth" {
                        cluster.migration.storageBandwidth = number(setting, "\(path).storageBandwidth", minimum: InputLimits.minimumBandwidth)
                    } else if name == "sharedNothing" {
                        cluster.migration.sharedNothing = bool(setting, "\(path).sharedNothing")
                    }
                }
            case "ha":
                guard let settings = self.members(field, path, known: ["enabled", "hostFailuresToTolerate", "master", "restartDelay",
                                                                                   "isolationResponse", "partitions"]) else { continue }
                var ha = HASettings()
                for (name, setting) in settings {
                    switch name {
                    case "enabled": ha.enabled = bool(setting, "\(path).enabled") ?? true
                    case "hostFailuresToTolerate": ha.hostFailuresToTolerate = integer(setting, "\(path).hostFailuresToTolerate", in: 0...1_000_000) ?? 0
                    case "master": if setting != .null { ha.master = identifier(setting, "\(path).master") }
                    case "restartDelay": ha.restartDelay = number(setting, "\(path).restartDelay", maximum: InputLimits.maximumSeconds)
                    case "isolationResponse":
                        ha.isolationResponse = enumeration(setting, "\(path).isolationResponse", as: IsolationResponse.self)
                    case "partitions": ha.partitions = partitionLists(setting, "\(path).partitions")
                    default: break
                    }
                }
                cluster.ha = ha
            case "power":
                guard let settings = self.members(field, path, known: ["bootSeconds"]) else { continue }
                var power = PowerSettings()
                for (name, setting) in settings where name == "bootSeconds" {
                    power.bootSeconds = number(setting, "\(path).bootSeconds", maximum: InputLimits.maximumSeconds)
                }
                cluster.power = power
            case "notes":
                guard let elements = array(field, path) else { continue }
                cluster.notes = elements.enumerated().compactMap { string($0.element, "\(path)[\($0.offset)]") }
            default: break
            }
        }
        return cluster
    }

    mutating func readHost(_ value: JSONValue, _ path: String, resources: [String]) -> ClusterHost? {
        guard let members = members(value, path, known: ["id", "capacity", "state", "datastores", "power"]) else { return nil }
        var host = ClusterHost(id: "", capacity: [:])
        var hasId = false
        for (key, field) in members {
            switch key {
            case "id": if let id = identifier(field, "\(path).id") { host.id = id; hasId = true }
            case "capacity": host.capacity = resourceMap(field, "\(path).capacity", resources: resources)
            case "state": host.state = enumeration(field, "\(path).state", as: HostState.self) ?? .connected
            case "datastores": host.datastores = stringList(field, "\(path).datastores") ?? []
            case "power": host.power = powerModel(field, "\(path).power")
            default: break
            }
        }
        if !hasId, members.first(where: { $0.key == "id" }) == nil { fail("\(path).id", "missing; every host needs an id") }
        return hasId ? host : nil
    }

    /// `hosts[].power`: 11 finite numbers >= 0 (watts at 0%, 10%, ..., 100% CPU).
    mutating func powerModel(_ value: JSONValue, _ path: String) -> [Double]? {
        guard let elements = array(value, path) else { return nil }
        guard elements.count == 11 else {
            fail(path, "must list 11 power values (watts at 0%, 10%, ..., 100% CPU), got \(elements.count)")
            return nil
        }
        let watts = elements.enumerated().compactMap { number($0.element, "\(path)[\($0.offset)]") }
        return watts.count == 11 ? watts : nil
    }

    mutating func readVM(_ value: JSONValue, _ path: String, resources: [String]) -> VirtualMachine? {
        let known = ["id", "host", "demand", "powerState", "priority", "ft", "migration", "automation", "state", "restartPriority",
                     "datastores", "disk", "maxDowntime"]
        guard let members = members(value, path, known: known) else { return nil }
        var vm = VirtualMachine(id: "", host: nil, demand: [:])
        var hasId = false
        for (key, field) in members {
            let fieldPath = join(path, key)
            switch key {
            case "id": if let id = identifier(field, fieldPath) { vm.id = id; hasId = true }
            case "host": if field != .null { vm.host = identifier(field, fieldPath) }
            case "demand": vm.demand = resourceMap(field, fieldPath, resources: resources)
            case "powerState": vm.powerState = enumeration(field, fieldPath, as: PowerState.self) ?? .on
            case "priority": vm.priority = enumeration(field, fieldPath, as: Priority.self) ?? .medium
            case "automation": vm.automation = enumeration(field, fieldPath, as: VMAutomation.self)
            case "state": vm.state = enumeration(field, fieldPath, as: VMState.self)
            case "restartPriority": vm.restartPriority = enumeration(field, fieldPath, as: RestartPriority.self)
            case "datastores": vm.datastores = stringList(field, fieldPath)
            case "disk": vm.disk = number(field, fieldPath)
            case "maxDowntime": vm.maxDowntime = number(field, fieldPath, maximum: InputLimits.maximumSeconds)
            case "ft":
                guard let ft = self.members(field, fieldPath, known: ["secondaryHost"]) else { continue }
                var secondary: String?
                for (name, setting) in ft where name == "secondaryHost" && setting != .null {
                    secondary = identifier(setting, "\(fieldPath).secondaryHost")
                }
                vm.ft = FaultTolerance(secondaryHost: secondary)
            case "migration":
                guard let settings = self.members(field, fieldPath, known: ["memory", "dirtyRate"]) else { continue }
                var migration = VMMigration()
                for (name, setting) in settings {
                    if name == "memory" { migration.memory = number(setting, "\(fieldPath).memory") }
                    if name == "dirtyRate" { migration.dirtyRate = number(setting, "\(fieldPath).dirtyRate") ?? 0 }
                }
                vm.migration = migration
            default: break
            }
        }
        if !hasId, members.first(where: { $0.key == "id" }) == nil { fail("\(path).id", "missing; every VM needs an id") }
        return hasId ? vm : nil
    }

    mutating func readRule(_ value: JSONValue, _ path: String) -> Rule? {
        guard let members = members(value, path, known: ["id", "kind", "vms", "hosts", "policy", "required"]) else { return nil }
        var id: String?
        var kind: RuleKind?
        var vms: [String]?
        var rule = Rule(id: "", kind: .affinity, vms: [])
        for (key, field) in members {
            let fieldPath = join(path, key)
            switch key {
            case "id": id = identifier(field, fieldPath)
            case "kind": kind = enumeration(field, fieldPath, as: RuleKind.self)
            case "vms": vms = stringList(field, fieldPath)
            case "hosts": rule.hosts = stringList(field, fieldPath)
            case "policy": rule.policy = enumeration(field, fieldPath, as: VMHostPolicy.self)
            case "required": rule.required = bool(field, fieldPath)
            default: break
            }
        }
        let present = Set(members.map(\.key))
        for field in ["id", "kind", "vms"] where !present.contains(field) {
            fail("\(path).\(field)", "missing; every rule needs id, kind and vms")
        }
        guard let id, let kind, let vms else { return nil }
        rule.id = id
        rule.kind = kind
        rule.vms = vms
        if kind == .vmHost {
            if !present.contains("policy") { fail("\(path).policy", "missing; a vmHost rule needs a policy (must, mustNot, should, shouldNot)") }
            if !present.contains("hosts") { fail("\(path).hosts", "missing; a vmHost rule needs the hosts it names") }
            if present.contains("required") { fail("\(path).required", "does not apply to vmHost rules; the policy decides (must/mustNot are hard)") }
        } else {
            if present.contains("policy") { fail("\(path).policy", "applies to vmHost rules only; use \"required\" for \(kind.rawValue)") }
            if present.contains("hosts") { fail("\(path).hosts", "applies to vmHost rules only") }
        }
        if vms.isEmpty { fail("\(path).vms", "must list at least one VM") }
        return rule
    }
}
