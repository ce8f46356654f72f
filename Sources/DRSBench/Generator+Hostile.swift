@_spi(Benchmarks) import DRSModel

/// The `hostile` class: the inputs of the randomized differential harness. Each seed gives
/// exactly one file (the same bytes on every machine), written as bytes because a fraction
/// of them is not valid JSON or not valid UTF-8.
///
/// About 70% are well-formed snapshots that use every field of the snapshot contract: 1 to 16
/// resources, both goals, every automation level (cluster and per VM), every threshold, headroom,
/// migration settings, HA with a master, 0 to 2 host failures to tolerate, every isolation response
/// and partitions, every host state (isolated included), datastores (of hosts and of VMs, disks,
/// storage bandwidth, shared-nothing), boot seconds of standby hosts, the downtime bound of live
/// migrations, placed and new VMs, both power states, guest failures, restart priorities and delay,
/// every priority, FT secondaries, migration memory and dirty rates, and rules of every kind,
/// policy and `required` value. Capacity is tight (total demand 40% to 130% of the cluster) and the
/// input is often already broken: overloaded hosts, VMs on failed, maintenance or standby hosts,
/// broken required and `must` rules, FT secondaries on bad hosts. Fields with a default are
/// sometimes written out and sometimes left out. Such a snapshot may still be invalid input
/// (contradictory hard rules, a VM that fits no host): the harness asks `drs validate`.
///
/// About 12% carry huge magnitudes (1e16, 4.7e15 pairs, 1e300 capacities, 1e308 migration
/// memory, thresholds of 2^63) and about 18% are malformed files: empty, truncated, a value of
/// the wrong type, invalid UTF-8 in ids, control characters in ids (escaped and raw),
/// duplicate ids, unknown fields and references, `1e400`, negative numbers, long ids, deep
/// nesting, a byte-order mark, trailing text.
///
/// `--hosts` and `--vms` are the largest sizes drawn (hosts 1...H, VMs 0...V); the resource
/// count is drawn from the seed (1 to 16), whatever `--resources` says.
enum Hostile {
    /// The three families of files a seed can give.
    enum Family: String { case snapshot, huge, malformed }

    static func generate(_ options: GeneratorOptions, _ random: inout SplitMix64) -> GeneratedSnapshot {
        var shapeRandom = random.fork()
        var corruptRandom = random.fork()
        let family = [Family.snapshot, .huge, .malformed][corruptRandom.pick(weights: [70, 12, 18])]
        var tree = snapshotTree(options, &shapeRandom)
        let bytes: [UInt8]
        switch family {
        case .snapshot:
            bytes = Array(JSONWriter.write(tree).utf8)
        case .huge:
            tree = huge(tree, &corruptRandom)
            bytes = Array(JSONWriter.write(tree).utf8)
        case .malformed:
            bytes = malformed(tree, &corruptRandom)
        }
        // The file is the bytes alone: the generator never reads them back, so a reader that
        // fails on them cannot take the generator down with it.
        let empty = Snapshot(resources: [], cluster: Cluster(name: Generator.name(options)), hosts: [], vms: [])
        return GeneratedSnapshot(options: options, snapshot: empty, raw: bytes)
    }

    // MARK: Well-formed snapshots

    static let resourcePool = ["cpu", "memory", "network", "storage", "gpu", "iops", "disk", "power",
                               "fpga", "licenses", "sockets", "cache", "nvme", "vram", "ports", "tokens"]

    typealias Fields = [(key: String, value: JSONValue)]

    static func numberValue(_ value: Double) -> JSONValue { .number(value) }

    /// A random snapshot as an ordered JSON tree; see the type's documentation.
    static func snapshotTree(_ options: GeneratorOptions, _ random: inout SplitMix64) -> JSONValue {
        let hostCount = random.int(in: 1...max(1, options.hosts))
        let vmCount = random.chance(0.03) ? 0 : random.int(in: 1...max(1, options.vms))
        let resourceCount = [1, 2, 2, 2, 3, 4, 5, 8, 16][random.int(in: 0...8)]
        let resources: [String]
        if resourceCount == 2 && random.chance(0.5) {
            resources = ["cpu", "memory"]
        } else {
            var pool = resourcePool
            random.shuffle(&pool)
            resources = Array(pool.prefix(resourceCount))
        }
        let fractional = random.chance(0.2)
        let hostIDs = Generator.ids("h", count: hostCount)
        let vmIDs = Generator.ids("v", count: vmCount)

        let hosts = hostTrees(hostIDs, resources: resources, &random)
        let (cluster, headroom) = clusterFields(options, resources: resources, hostIDs: hostIDs, hostStates: hosts.states, &random)
        let vms = vmTrees(vmIDs, hostIDs: hostIDs, resources: resources, capacities: hosts.capacities, stores: hosts.stores, headroom: headroom,
                          fractional: fractional, &random)
        let rules = ruleTrees(vmIDs: vmIDs, hostIDs: hostIDs, &random)

        var top: Fields = [("schemaVersion", .number(1))]
        if resources != ["cpu", "memory"] || random.chance(0.5) { top.append(("resources", .array(resources.map { .string($0) }))) }
        if !cluster.isEmpty || random.chance(0.5) { top.append(("cluster", .object(cluster))) }
        top.append(("hosts", .array(hosts.trees)))
        top.append(("vms", .array(vms)))
        if !rules.isEmpty || random.chance(0.5) { top.append(("rules", .array(rules))) }
        return .object(top)
    }

    /// The hosts drawn for a snapshot: each one's capacity per resource, its state and its
    /// JSON object.
    struct HostDraw {
        var capacities: [[Double]] = []
        var states: [String] = []
        /// The datastores each host sees (empty without the field).
        var stores: [[String]] = []
        var trees: [JSONValue] = []
    }

    /// Hosts: heterogeneous capacities, every state, datastores.
    static func hostTrees(_ hostIDs: [String], resources: [String], _ random: inout SplitMix64) -> HostDraw {
        let scale = resources.map { _ in [1.0, 10, 100, 1000, 16384][random.int(in: 0...4)] }
        let stateWeights: [Double] = random.chance(0.5) ? [100, 0, 0, 0, 0] : [62, 10, 10, 10, 8]
        let states = ["connected", "maintenance", "failed", "standby", "isolated"]
        var hosts = HostDraw()
        for (h, id) in hostIDs.enumerated() {
            // The first two hosts are connected and the largest, so that most VMs (FT ones
            // included) fit somewhere and most snapshots are valid input.
            let anchor = h < 2
            let size = anchor ? 128 : Double(random.int(in: 4...16)) * 8
            let capacity = scale.map { size * $0 * (!anchor && random.chance(0.3) ? Double(random.int(in: 1...3)) / 2 : 1) }
            hosts.capacities.append(capacity)
            let state = anchor ? "connected" : states[random.pick(weights: stateWeights)]
            hosts.states.append(state)
            var capacityFields: Fields = []
            for (r, name) in resources.enumerated() where anchor || !random.chance(0.03) {
                capacityFields.append((name, .number(capacity[r])))
            }
            var fields: Fields = [("id", .string(id)), ("capacity", .object(capacityFields))]
            if state != "connected" || random.chance(0.2) { fields.append(("state", .string(state))) }
            var stores: [String] = []
            if random.chance(0.6) {
                stores = ["ds1", "ds2", "ds3", "ds4"].filter { _ in random.chance(0.5) }
                fields.append(("datastores", .array(stores.map { .string($0) })))
            }
            hosts.stores.append(stores)
            hosts.trees.append(.object(fields))
        }
        return hosts
    }

    /// Cluster settings: each field present or left to its default. Returns the fields and the
    /// utilization cap of each resource.
    static func clusterFields(_ options: GeneratorOptions, resources: [String], hostIDs: [String], hostStates: [String],
                              _ random: inout SplitMix64) -> (Fields, [Double]) {
        var cluster: Fields = []
        if random.chance(0.5) { cluster.append(("name", .string("hostile-\(options.seed)"))) }
        let goal = random.chance(0.5) ? "balance" : "consolidate"
        if goal == "consolidate" || random.chance(0.5) { cluster.append(("goal", .string(goal))) }
        let automation = ["manual", "partial", "full"][random.pick(weights: [15, 30, 55])]
        if automation != "full" || random.chance(0.5) { cluster.append(("automation", .string(automation))) }
        if random.chance(0.7) { cluster.append(("migrationThreshold", .number(Double(random.int(in: 1...5))))) }
        var headroom: [Double] = resources.map { _ in 1 }
        if random.chance(0.5) {
            var fields: Fields = []
            for (r, name) in resources.enumerated() where random.chance(0.7) {
                headroom[r] = [0.5, 0.75, 0.8, 0.9, 0.95, 1][random.int(in: 0...5)]
                fields.append((name, .number(headroom[r])))
            }
            cluster.append(("maxUtilization", .object(fields)))
        }
        if random.chance(0.6) {
            var fields: Fields = []
            if random.chance(0.7) { fields.append(("bandwidth", .number([10, 125, 1250, 12500][random.int(in: 0...3)]))) }
            if random.chance(0.7) { fields.append(("maxConcurrentPerHost", .number(Double(random.int(in: 1...8))))) }
            if random.chance(0.3) { fields.append(("storageBandwidth", .number([1, 250, 2000][random.int(in: 0...2)]))) }
            if random.chance(0.4) { fields.append(("sharedNothing", .bool(random.chance(0.5)))) }
            cluster.append(("migration", .object(fields)))
        }
        if random.chance(0.5) {
            var fields: Fields = [("enabled", .bool(random.chance(0.85)))]
            // Mostly fewer failures to tolerate than connected hosts (more is invalid input).
            let connected = hostStates.filter { $0 == "connected" }.count
            let tolerate = random.pick(weights: [20, 60, 20])
            if random.chance(0.9) { fields.append(("hostFailuresToTolerate", .number(Double(random.chance(0.9) ? min(tolerate, connected - 1) : tolerate)))) }
            if random.chance(0.7) { fields.append(("master", .string(random.element(of: hostIDs)))) }
            if random.chance(0.3) { fields.append(("restartDelay", .number([0, 30, 600][random.int(in: 0...2)]))) }
            if random.chance(0.4) {
                fields.append(("isolationResponse", .string(["leaveOn", "powerOff", "shutdown"][random.int(in: 0...2)])))
            }
            if random.chance(0.25) { fields.append(("partitions", partitionTree(hostIDs, states: hostStates, &random))) }
            cluster.append(("ha", .object(fields)))
        }
        if random.chance(0.25) { cluster.append(("power", .object([("bootSeconds", .number([0, 1, 120, 3600][random.int(in: 0...3)]))]))) }
        return (cluster, headroom)
    }

    /// `cluster.ha.partitions`: the hosts dealt into two or three lists, some left unlisted, an
    /// isolated host mostly in a list of its own; now and then a host listed twice or an
    /// unknown id (invalid input).
    static func partitionTree(_ hostIDs: [String], states: [String], _ random: inout SplitMix64) -> JSONValue {
        let dealt = random.int(in: 2...3)
        var lists: [[JSONValue]] = Array(repeating: [], count: dealt)
        for (id, state) in zip(hostIDs, states) where !random.chance(0.2) {
            if state == "isolated" && !random.chance(0.1) { lists.append([.string(id)]); continue }
            lists[random.int(in: 0...(dealt - 1))].append(.string(id))
        }
        lists.removeAll { $0.isEmpty && !random.chance(0.1) }
        if lists.isEmpty { lists = [[]] }
        if random.chance(0.05), let id = hostIDs.first { lists[lists.count - 1].append(.string(id)) }
        if random.chance(0.05) { lists[0].append(.string("no-such-host")) }
        return .array(lists.map { .array($0) })
    }

    /// VMs: total demand 40% to 130% of the cluster in each resource, placed anywhere.
    static func vmTrees(_ vmIDs: [String], hostIDs: [String], resources: [String], capacities: [[Double]], stores: [[String]], headroom: [Double],
                        fractional: Bool, _ random: inout SplitMix64) -> [JSONValue] {
        let tightness = 0.4 + random.unit() * 0.9
        let placedShare = [0.0, 0.5, 0.9, 1.0][random.int(in: 0...3)]
        let storage = StorageDraw(mode: random.pick(weights: [40, 50, 10]), stores: stores)
        var vms: [JSONValue] = []
        for id in vmIDs {
            var demandFields: Fields = []
            for (r, name) in resources.enumerated() where !random.chance(0.05) {
                let total = capacities.reduce(0) { $0 + $1[r] } * headroom[r]
                let largest = capacities.prefix(2).map { $0[r] }.min()! * headroom[r]
                let mean = tightness * total / Double(max(1, vmIDs.count))
                var value = min(largest * 0.9, random.unit() * 2 * mean)
                value = fractional ? (value * 2).rounded(.down) / 2 : value.rounded(.down)
                demandFields.append((name, .number(value)))
            }
            vms.append(vmTree(id, demand: demandFields, hostIDs: hostIDs, placedShare: placedShare, storage: storage, &random))
        }
        return vms
    }

    /// One VM's object around its drawn demand: a host (with probability `placedShare`), power
    /// state, priority, an FT secondary, migration settings and automation, each often left out.
    static func vmTree(_ id: String, demand demandFields: Fields, hostIDs: [String], placedShare: Double, storage: StorageDraw,
                       _ random: inout SplitMix64) -> JSONValue {
        let hostCount = hostIDs.count
        var fields: Fields = [("id", .string(id))]
        let host = random.chance(placedShare) ? Optional(random.int(in: 0...(hostCount - 1))) : nil
        if let host {
            fields.append(("host", .string(hostIDs[host])))
        } else if random.chance(0.5) {
            fields.append(("host", .null))
        }
        fields.append(("demand", .object(demandFields)))
        if random.chance(0.1) {
            fields.append(("powerState", .string(random.chance(0.8) ? "off" : "on")))
        }
        if random.chance(0.6) {
            fields.append(("priority", .string(["highest", "high", "medium", "low", "lowest"][random.int(in: 0...4)])))
        }
        var secondaryHost: Int?
        if hostCount > 1 && random.chance(0.12) {
            let secondary: JSONValue
            if random.chance(0.15) {
                secondary = .null
            } else {
                // Mostly another host than the primary; any host, bad states included.
                var pick = random.int(in: 0...(hostCount - 1))
                if pick == host && random.chance(0.9) { pick = (pick + 1) % hostCount }
                secondary = .string(hostIDs[pick])
                secondaryHost = pick
            }
            fields.append(("ft", .object([("secondaryHost", secondary)])))
        }
        if random.chance(0.4) {
            var parts: Fields = []
            if random.chance(0.6) { parts.append(("memory", .number(Double(random.int(in: 0...65536))))) }
            if random.chance(0.7) { parts.append(("dirtyRate", .number([0, 10, 100, 1000, 5000][random.int(in: 0...4)]))) }
            fields.append(("migration", .object(parts)))
        }
        if random.chance(0.25) {
            fields.append(("automation", .string(["disabled", "manual", "partial", "full"][random.int(in: 0...3)])))
        }
        // Storage, restart order and guest failures: drawn after the fields above, each often
        // absent; datastores a host may not see, so the input may already break them.
        if random.chance(0.3), let stores = storage.draw(host: host, secondary: secondaryHost, hostCount: hostCount, &random) {
            fields.append(("datastores", .array(stores.map { .string($0) })))
        }
        if random.chance(0.2) { fields.append(("disk", .number([0, 10, 500, 20000][random.int(in: 0...3)]))) }
        if random.chance(0.2) {
            fields.append(("restartPriority", .string(["highest", "high", "medium", "low", "lowest", "disabled"][random.int(in: 0...5)])))
        }
        if host != nil && random.chance(0.05) { fields.append(("state", .string("guestFailed"))) }
        // A stop-and-copy bound from one no live migration meets to one every migration meets.
        if random.chance(0.15) { fields.append(("maxDowntime", .number([0, 0.001, 0.5, 5, 300][random.int(in: 0...4)]))) }
        return .object(fields)
    }

    /// How a snapshot's VMs name datastores: not at all (mode 0), a part of what their host (or,
    /// for a new VM, some host) and, mostly, their FT secondary's host see (1), or any names,
    /// which a host may not see (2: mostly invalid input).
    struct StorageDraw {
        let mode: Int
        let stores: [[String]]

        func draw(host: Int?, secondary: Int?, hostCount: Int, _ random: inout SplitMix64) -> [String]? {
            switch mode {
            case 1:
                guard hostCount > 0 else { return nil }
                var seen = stores[host ?? random.int(in: 0...(hostCount - 1))]
                if let secondary, random.chance(0.9) { seen = seen.filter(stores[secondary].contains) }
                return seen.isEmpty ? nil : seen.filter { _ in random.chance(0.6) }
            case 2: return ["ds1", "ds2", "ds3", "ds4"].filter { _ in random.chance(0.4) }
            default: return nil
            }
        }
    }

    /// Rules of every kind; members drawn freely, so the input may already break them.
    static func ruleTrees(vmIDs: [String], hostIDs: [String], _ random: inout SplitMix64) -> [JSONValue] {
        let vmCount = vmIDs.count, hostCount = hostIDs.count
        var rules: [JSONValue] = []
        let ruleCount = vmCount == 0 ? 0 : random.int(in: 0...min(6, vmCount + 1))
        for index in 0..<ruleCount {
            let kind = ["affinity", "antiAffinity", "vmHost"][random.int(in: 0...2)]
            var members = vmIDs
            random.shuffle(&members)
            let size = kind == "vmHost" ? random.int(in: 1...min(3, vmCount)) : min(vmCount, random.int(in: 2...4))
            var fields: Fields = [("id", .string("r\(index + 1)")), ("kind", .string(kind)),
                                  ("vms", .array(members.prefix(size).map { .string($0) }))]
            if kind == "vmHost" {
                var targets = hostIDs
                random.shuffle(&targets)
                fields.append(("hosts", .array(targets.prefix(random.int(in: 1...hostCount)).map { .string($0) })))
                fields.append(("policy", .string(["must", "mustNot", "should", "shouldNot"][random.int(in: 0...3)])))
            } else {
                let required = random.int(in: 0...2)
                if required < 2 { fields.append(("required", .bool(required == 0))) }
            }
            rules.append(.object(fields))
        }
        return rules
    }
}
