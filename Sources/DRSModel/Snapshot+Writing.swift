/// A field of a host, VM or rule in snapshot JSON: a value, or a per-resource map written in
/// the order of `resources` (only the resources it has).
enum SnapshotField {
    case value(JSONValue)
    case quantities([String: Double])
}

extension Snapshot {
    /// The cluster object (defaults written out).
    var clusterJSON: JSONValue {
        var clusterFields: [(key: String, value: JSONValue)] = []
        if let name = cluster.name { clusterFields.append(("name", .string(name))) }
        clusterFields.append(("goal", .string(cluster.goal.rawValue)))
        clusterFields.append(("automation", .string(cluster.automation.rawValue)))
        clusterFields.append(("migrationThreshold", .number(Double(cluster.migrationThreshold))))
        if !cluster.maxUtilization.isEmpty { clusterFields.append(("maxUtilization", quantitiesJSON(cluster.maxUtilization))) }
        var migration: [(key: String, value: JSONValue)] = [("bandwidth", .number(cluster.migration.bandwidth)),
                                                            ("maxConcurrentPerHost", .number(Double(cluster.migration.maxConcurrentPerHost)))]
        if let storage = cluster.migration.storageBandwidth { migration.append(("storageBandwidth", .number(storage))) }
        if let sharedNothing = cluster.migration.sharedNothing { migration.append(("sharedNothing", .bool(sharedNothing))) }
        clusterFields.append(("migration", .object(migration)))
        if let ha = cluster.ha {
            var fields: [(key: String, value: JSONValue)] = [("enabled", .bool(ha.enabled)),
                                                             ("hostFailuresToTolerate", .number(Double(ha.hostFailuresToTolerate)))]
            if let master = ha.master { fields.append(("master", .string(master))) }
            if let delay = ha.restartDelay { fields.append(("restartDelay", .number(delay))) }
            if let response = ha.isolationResponse { fields.append(("isolationResponse", .string(response.rawValue))) }
            if let partitions = ha.partitions {
                fields.append(("partitions", .array(partitions.map { .array($0.map { .string($0) }) })))
            }
            clusterFields.append(("ha", .object(fields)))
        }
        if let power = cluster.power {
            clusterFields.append(("power", .object(power.bootSeconds.map { [("bootSeconds", .number($0))] } ?? [])))
        }
        if !cluster.notes.isEmpty { clusterFields.append(("notes", .array(cluster.notes.map { .string($0) }))) }
        return .object(clusterFields)
    }

    func quantitiesJSON(_ values: [String: Double]) -> JSONValue {
        .object(resources.compactMap { name in values[name].map { (name, .number($0)) } })
    }

    func forEachField(of host: ClusterHost, _ body: (String, SnapshotField) -> Void) {
        body("id", .value(.string(host.id)))
        body("capacity", .quantities(host.capacity))
        if host.state != .connected { body("state", .value(.string(host.state.rawValue))) }
        if !host.datastores.isEmpty { body("datastores", .value(.array(host.datastores.map { .string($0) }))) }
        if let power = host.power { body("power", .value(.array(power.map { .number($0) }))) }
    }

    func forEachField(of vm: VirtualMachine, _ body: (String, SnapshotField) -> Void) {
        body("id", .value(.string(vm.id)))
        body("host", .value(vm.host.map { .string($0) } ?? .null))
        body("demand", .quantities(vm.demand))
        if vm.powerState != .on { body("powerState", .value(.string(vm.powerState.rawValue))) }
        if vm.priority != .medium { body("priority", .value(.string(vm.priority.rawValue))) }
        if let ft = vm.ft { body("ft", .value(.object([("secondaryHost", ft.secondaryHost.map { .string($0) } ?? .null)]))) }
        if let migration = vm.migration {
            var parts: [(key: String, value: JSONValue)] = []
            if let memory = migration.memory { parts.append(("memory", .number(memory))) }
            parts.append(("dirtyRate", .number(migration.dirtyRate)))
            body("migration", .value(.object(parts)))
        }
        if let automation = vm.automation { body("automation", .value(.string(automation.rawValue))) }
        if let state = vm.state { body("state", .value(.string(state.rawValue))) }
        if let restart = vm.restartPriority { body("restartPriority", .value(.string(restart.rawValue))) }
        if let datastores = vm.datastores { body("datastores", .value(.array(datastores.map { .string($0) }))) }
        if let disk = vm.disk { body("disk", .value(.number(disk))) }
        if let limit = vm.maxDowntime { body("maxDowntime", .value(.number(limit))) }
    }

    func forEachField(of rule: Rule, _ body: (String, JSONValue) -> Void) {
        body("id", .string(rule.id))
        body("kind", .string(rule.kind.rawValue))
        body("vms", .array(rule.vms.map { .string($0) }))
        if let hosts = rule.hosts { body("hosts", .array(hosts.map { .string($0) })) }
        if let policy = rule.policy { body("policy", .string(policy.rawValue)) }
        if let required = rule.required { body("required", .bool(required)) }
    }

    /// The snapshot as ordered JSON (fields in SPEC order; defaults written out).
    @_spi(Benchmarks) public var json: JSONValue {
        func object(_ each: ((String, SnapshotField) -> Void) -> Void) -> JSONValue {
            var fields: [(key: String, value: JSONValue)] = []
            each { key, field in
                switch field {
                case let .value(value): fields.append((key, value))
                case let .quantities(values): fields.append((key, quantitiesJSON(values)))
                }
            }
            return .object(fields)
        }
        return .object([
            ("schemaVersion", .number(Double(schemaVersion))),
            ("resources", .array(resources.map { .string($0) })),
            ("cluster", clusterJSON),
            ("hosts", .array(hosts.map { host in object { forEachField(of: host, $0) } })),
            ("vms", .array(vms.map { vm in object { forEachField(of: vm, $0) } })),
            ("rules", .array(rules.map { rule in
                var fields: [(key: String, value: JSONValue)] = []
                forEachField(of: rule) { fields.append(($0, $1)) }
                return .object(fields)
            })),
        ])
    }

    /// Writes `JSONWriter.write(json)` (indented, final newline) without building the tree:
    /// O(snapshot size) time, O(1) extra memory.
    package func writeJSON(to output: JSONOutput) {
        output.byte(UInt8(ascii: "{"))
        output.newline(1)
        output.key("schemaVersion")
        output.integer(Int64(schemaVersion))
        output.byte(UInt8(ascii: ","))
        output.newline(1)
        output.key("resources")
        output.stringArray(resources)
        output.byte(UInt8(ascii: ","))
        output.newline(1)
        output.key("cluster")
        JSONWriter.append(clusterJSON, to: output, indent: 1)
        // Hosts and VMs hold an object (capacity, demand): one field per line. Rules hold
        // scalars and arrays of scalars: one rule per line.
        writeElements("hosts", hosts, to: output) { host in writeObject(to: output) { forEachField(of: host, $0) } }
        writeElements("vms", vms, to: output) { vm in writeObject(to: output) { forEachField(of: vm, $0) } }
        writeElements("rules", rules, to: output) { rule in
            output.byte(UInt8(ascii: "{"))
            var first = true
            forEachField(of: rule) { key, value in
                if !first { output.raw(", ") }
                first = false
                output.key(key)
                JSONWriter.append(value, to: output, indent: -1)
            }
            output.byte(UInt8(ascii: "}"))
        }
        output.newline(0)
        output.raw("}\n")
    }

    /// `,` then the member `key`: an array of objects, one per line at level 2.
    private func writeElements<Element>(_ key: String, _ elements: [Element], to output: JSONOutput,
                                        _ writeElement: (Element) -> Void) {
        output.byte(UInt8(ascii: ","))
        output.newline(1)
        output.key(key)
        if elements.isEmpty {
            output.raw("[]")
            return
        }
        output.byte(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { output.byte(UInt8(ascii: ",")) }
            output.newline(2)
            writeElement(element)
        }
        output.newline(1)
        output.byte(UInt8(ascii: "]"))
    }

    /// A host or VM at level 2: one field per line at level 3.
    private func writeObject(to output: JSONOutput, _ each: ((String, SnapshotField) -> Void) -> Void) {
        output.byte(UInt8(ascii: "{"))
        var first = true
        each { key, field in
            if !first { output.byte(UInt8(ascii: ",")) }
            first = false
            output.newline(3)
            output.key(key)
            switch field {
            case let .value(value): JSONWriter.append(value, to: output, indent: 3)
            case let .quantities(values): writeQuantities(values, to: output, indent: 3)
            }
        }
        output.newline(2)
        output.byte(UInt8(ascii: "}"))
    }

    /// A per-resource map in `resources` order, as `JSONWriter` writes `quantitiesJSON`:
    /// keys that are not resources are left out.
    private func writeQuantities(_ values: [String: Double], to output: JSONOutput, indent: Int) {
        let limit = JSONWriter.flatObjectLimit
        let flat = values.count <= limit || resources.lazy.filter { values[$0] != nil }.count <= limit
        var written = 0
        for name in resources {
            guard let value = values[name] else { continue }
            if written == 0 {
                output.byte(UInt8(ascii: "{"))
            } else {
                flat ? output.raw(", ") : output.byte(UInt8(ascii: ","))
            }
            if !flat { output.newline(indent + 1) }
            output.key(name)
            output.number(value)
            written += 1
        }
        if written == 0 {
            output.raw("{}")
            return
        }
        if !flat { output.newline(indent) }
        output.byte(UInt8(ascii: "}"))
    }
}
