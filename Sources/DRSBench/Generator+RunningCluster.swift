@_spi(Benchmarks) import DRSModel

/// The `rebalance`, `failure` and `maintenance` classes: a running cluster with history.
enum RunningCluster {
    static let maxUtilization: [String: Double] = ["cpu": 0.9, "memory": 0.95]
    static let priorityWeights: [Double] = [5, 20, 50, 20, 5]

    static func generate(_ options: GeneratorOptions, _ random: inout SplitMix64) -> GeneratedSnapshot {
        let resources = Array(Generator.resourceNames.prefix(options.resources))
        let R = resources.count
        let H = options.hosts, V = options.vms
        var vmRandom = random.fork()
        var hostRandom = random.fork()
        var placeRandom = random.fork()
        var ruleRandom = random.fork()

        // HA (tolerating one failure) and FT need three hosts that are not failed or in maintenance.
        let special = options.snapshotClass == .rebalance ? nil : Optional(hostRandom.int(in: 0...(H - 1)))
        let withHA = H - (special == nil ? 0 : 1) >= 3
        let (sizes, isFT) = drawSizes(count: V, withFT: withHA, &vmRandom)
        var demands = sizes.map { $0.demand(R) }
        // FT secondaries take capacity like their primaries: size the hosts for them too.
        let sizing = demands + zip(demands, isFT).compactMap { $1 ? $0 : nil }
        let spare = (withHA ? 1 : 0) + (special == nil ? 0 : 1)
        let caps = resources.map { maxUtilization[$0] ?? 1 }
        var hosts = HostModel.size(count: H, demands: sizing, resources: resources, usableHosts: max(1, H - spare),
                                    target: 0.55, maxUtilization: caps, random: &hostRandom)
        let datastores = ["ds1", "ds2", "ds3", "ds4"]
        for index in hosts.indices {
            var list = datastores.filter { _ in hostRandom.chance(0.6) }
            if list.isEmpty { list = [hostRandom.element(of: datastores)] }
            hosts[index].datastores = list
        }

        let limits = hosts.map { host in resources.indices.map { Units.limit(capacity: host.capacity[resources[$0]] ?? 0, maxUtilization: caps[$0]) } }
        let vms = placeVMs(demands: demands, isFT: isFT, hostIDs: hosts.map(\.id), limits: limits, special: special,
                           resources: resources, &placeRandom)
        demands.removeAll()

        if let special {
            hosts[special].state = options.snapshotClass == .failure ? .failed : .maintenance
        }
        let rules = makeRules(vms: vms, hosts: hosts, limits: limits, special: special, fraction: options.rulesFraction,
                              resources: resources, random: &ruleRandom)
        var cluster = Cluster(name: Generator.name(options), goal: options.effectiveGoal, maxUtilization: maxUtilization.filter { resources.contains($0.key) })
        if withHA { cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 1, master: hosts[0].id) }
        let snapshot = Snapshot(resources: resources, cluster: cluster, hosts: hosts, vms: vms, rules: rules)
        return GeneratedSnapshot(options: options, snapshot: snapshot)
    }

    /// The VMs' sizes from the catalog, and which are FT-protected (small VMs, about 4% of
    /// them, when `withFT`).
    static func drawSizes(count: Int, withFT: Bool, _ random: inout SplitMix64) -> (sizes: [CatalogSize], isFT: [Bool]) {
        var sizes: [CatalogSize] = []
        var isFT: [Bool] = []
        sizes.reserveCapacity(count)
        for _ in 0..<count {
            let size = CatalogSize.draw(&random, maxVCPU: 64)
            let ft = withFT && size.vcpu <= 8 && random.chance(0.04)
            sizes.append(size)
            isFT.append(ft)
        }
        return (sizes, isFT)
    }

    /// The VMs with a skewed current placement: host floor(H x u^2) first, then the next ones
    /// that fit; an FT VM's secondary on another host that fits. Each VM also gets a dirty
    /// rate and a priority, and a few (not FT, not on the `special` host) automation disabled.
    static func placeVMs(demands: [[Double]], isFT: [Bool], hostIDs: [String], limits: [[Int64]], special: Int?,
                         resources: [String], _ random: inout SplitMix64) -> [VirtualMachine] {
        let R = resources.count
        let H = hostIDs.count, V = demands.count
        var load = [[Int64]](repeating: [Int64](repeating: 0, count: R), count: H)
        func fits(_ demand: [Int64], _ h: Int) -> Bool { (0..<R).allSatisfy { load[h][$0] + demand[$0] <= limits[h][$0] } }
        func add(_ demand: [Int64], _ h: Int) { for r in 0..<R { load[h][r] += demand[r] } }
        func findHost(_ demand: [Int64], excluding: Int) -> Int? {
            let u = random.unit()
            let start = min(H - 1, Int(Double(H) * u * u))
            // A few neighbours of the skewed choice, then random hosts, then a full scan, so
            // full hosts at the front cost O(1) per VM rather than O(H).
            for step in 0..<min(H, 8) {
                let h = (start + step) % H
                if h != excluding && fits(demand, h) { return h }
            }
            for _ in 0..<32 {
                let h = random.int(in: 0...(H - 1))
                if h != excluding && fits(demand, h) { return h }
            }
            return (0..<H).first { $0 != excluding && fits(demand, $0) }
        }
        let vmIDs = Generator.ids("vm", count: V)
        var vms: [VirtualMachine] = []
        vms.reserveCapacity(V)
        for v in 0..<V {
            let milli = demands[v].map(Units.demand)
            let host = findHost(milli, excluding: -1)
            var secondary: Int?
            if let primary = host {
                add(milli, primary)
                if isFT[v] {
                    secondary = findHost(milli, excluding: primary)
                    if let secondary { add(milli, secondary) }
                }
            }
            let dirtyClass = random.pick(weights: [70, 25, 5])
            let dirtyRate: Double = [(0.0, 50.0), (50.0, 300.0), (300.0, 1000.0)][dirtyClass].0 + random.unit() * [50.0, 250.0, 700.0][dirtyClass]
            var vm = VirtualMachine(id: vmIDs[v], host: host.map { hostIDs[$0] }, demand: Generator.demandMap(demands[v], resources),
                                    priority: Priority.allCases[random.pick(weights: priorityWeights)],
                                    migration: VMMigration(memory: nil, dirtyRate: dirtyRate.rounded()))
            if isFT[v] { vm.ft = FaultTolerance(secondaryHost: secondary.map { hostIDs[$0] }) }
            if !isFT[v], let h = host, h != special, random.chance(0.03) { vm.automation = .disabled }
            vms.append(vm)
        }
        return vms
    }

    /// Rules over about `fraction` of the VMs; FT and pinned VMs stay out of rules and every VM is
    /// in at most one, so hard rules cannot contradict each other.
    static func makeRules(vms: [VirtualMachine], hosts: [ClusterHost], limits: [[Int64]], special: Int?, fraction: Double,
                          resources: [String], random: inout SplitMix64) -> [Rule] {
        let H = hosts.count
        var eligible = vms.indices.filter { vms[$0].ft == nil && vms[$0].automation == nil }
        random.shuffle(&eligible)
        let budget = min(eligible.count, Int((fraction * Double(vms.count)).rounded()))
        var rules: [Rule] = []
        var next = 0
        // The smallest placeable limit among usable hosts: a hard affinity group must fit it.
        let usable = hosts.indices.filter { $0 != special }
        let smallest = resources.indices.map { r in usable.map { limits[$0][r] }.min() ?? 0 }
        while next < budget {
            let kind = random.pick(weights: [35, 25, 40])
            let id = String(rules.count + 1)
            let padded = String(repeating: "0", count: max(0, 3 - id.count)) + id
            switch kind {
            case 0 where H >= 3:
                let size = min(budget - next, random.int(in: 2...min(4, H - 1)))
                guard size >= 2 else { next = budget; continue }
                let members = eligible[next..<(next + size)].map { vms[$0].id }
                next += size
                rules.append(Rule(id: "spread-\(padded)", kind: .antiAffinity, vms: members, required: random.chance(0.5)))
            case 1:
                let size = min(budget - next, random.int(in: 2...3))
                guard size >= 2 else { next = budget; continue }
                let members = Array(eligible[next..<(next + size)])
                next += size
                var required = random.chance(0.3)
                let total = resources.indices.map { r in members.reduce(Int64(0)) { $0 + Units.demand(vms[$1].demand[resources[r]] ?? 0) } }
                if zip(total, smallest).contains(where: { $0 > $1 }) { required = false }
                rules.append(Rule(id: "pair-\(padded)", kind: .affinity, vms: members.map { vms[$0].id }, required: required))
            default:
                let size = min(budget - next, random.int(in: 1...3))
                let members = eligible[next..<(next + size)].map { vms[$0].id }
                next += size
                var policy = [VMHostPolicy.must, .mustNot, .should, .shouldNot][random.pick(weights: [30, 20, 30, 20])]
                // A mustNot list leaves at least two usable hosts; a must list names at least two hosts.
                if policy == .mustNot && H < 4 { policy = .shouldNot }
                // Short host lists (as host groups of a few servers are): at most 8 hosts.
                let count: Int
                switch policy {
                case .must, .should: count = min(H, max(2, min(8, H / 3)))
                case .mustNot, .shouldNot: count = max(1, min(H / 4, H - 3, 4))
                }
                var chosen = Set<Int>()
                while chosen.count < count { chosen.insert(random.int(in: 0...(H - 1))) }
                let listed = chosen.sorted().map { hosts[$0].id }
                rules.append(Rule(id: "place-\(padded)", kind: .vmHost, vms: members, hosts: listed, policy: policy))
            }
        }
        return rules
    }
}
