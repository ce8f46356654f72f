extension Snapshot {
    /// The snapshot as ordered JSON (fields in SPEC order; defaults written out).
    public var json: JSONValue {
        func map(_ values: [String: Double]) -> JSONValue {
            .object(resources.compactMap { name in values[name].map { (name, .number($0)) } })
        }
        var clusterFields: [(key: String, value: JSONValue)] = []
        if let name = cluster.name { clusterFields.append(("name", .string(name))) }
        clusterFields.append(("goal", .string(cluster.goal.rawValue)))
        clusterFields.append(("automation", .string(cluster.automation.rawValue)))
        clusterFields.append(("migrationThreshold", .number(Double(cluster.migrationThreshold))))
        if !cluster.maxUtilization.isEmpty { clusterFields.append(("maxUtilization", map(cluster.maxUtilization))) }
        clusterFields.append(("migration", .object([("bandwidth", .number(cluster.migration.bandwidth)),
                                                    ("maxConcurrentPerHost", .number(Double(cluster.migration.maxConcurrentPerHost)))])))
        if let ha = cluster.ha {
            var fields: [(key: String, value: JSONValue)] = [("enabled", .bool(ha.enabled)),
                                                             ("hostFailuresToTolerate", .number(Double(ha.hostFailuresToTolerate)))]
            if let master = ha.master { fields.append(("master", .string(master))) }
            clusterFields.append(("ha", .object(fields)))
        }
        let hostValues: [JSONValue] = hosts.map { host in
            var fields: [(key: String, value: JSONValue)] = [("id", .string(host.id)), ("capacity", map(host.capacity))]
            if host.state != .connected { fields.append(("state", .string(host.state.rawValue))) }
            if !host.datastores.isEmpty { fields.append(("datastores", .array(host.datastores.map { .string($0) }))) }
            return .object(fields)
        }
        let vmValues: [JSONValue] = vms.map { vm in
            var fields: [(key: String, value: JSONValue)] = [("id", .string(vm.id)), ("host", vm.host.map { .string($0) } ?? .null),
                                                             ("demand", map(vm.demand))]
            if vm.powerState != .on { fields.append(("powerState", .string(vm.powerState.rawValue))) }
            if vm.priority != .medium { fields.append(("priority", .string(vm.priority.rawValue))) }
            if let ft = vm.ft { fields.append(("ft", .object([("secondaryHost", ft.secondaryHost.map { .string($0) } ?? .null)]))) }
            if let migration = vm.migration {
                var parts: [(key: String, value: JSONValue)] = []
                if let memory = migration.memory { parts.append(("memory", .number(memory))) }
                parts.append(("dirtyRate", .number(migration.dirtyRate)))
                fields.append(("migration", .object(parts)))
            }
            if let automation = vm.automation { fields.append(("automation", .string(automation.rawValue))) }
            return .object(fields)
        }
        let ruleValues: [JSONValue] = rules.map { rule in
            var fields: [(key: String, value: JSONValue)] = [("id", .string(rule.id)), ("kind", .string(rule.kind.rawValue)),
                                                             ("vms", .array(rule.vms.map { .string($0) }))]
            if let hosts = rule.hosts { fields.append(("hosts", .array(hosts.map { .string($0) }))) }
            if let policy = rule.policy { fields.append(("policy", .string(policy.rawValue))) }
            if let required = rule.required { fields.append(("required", .bool(required))) }
            return .object(fields)
        }
        return .object([
            ("schemaVersion", .number(Double(schemaVersion))),
            ("resources", .array(resources.map { .string($0) })),
            ("cluster", .object(clusterFields)),
            ("hosts", .array(hostValues)),
            ("vms", .array(vmValues)),
            ("rules", .array(ruleValues)),
        ])
    }
}
