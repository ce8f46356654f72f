@_spi(Benchmarks) import DRSModel

/// The kinds of benchmark snapshot `drs generate` writes. Every class is a pure function of
/// its options and seed: the same options give the same bytes on every machine.
package enum SnapshotClass: String, Sendable, CaseIterable {
    /// Identical hosts and uniformly random demand vectors (each resource drawn independently,
    /// mean total demand 60% of the cluster). Models the textbook vector bin-packing benchmark;
    /// every VM is new (initial placement), no rules, no HA.
    case uniform
    /// Cloud-catalog VM sizes: 1 to 64 vCPU (small sizes most common), 2, 4 or 8 GiB of memory
    /// per vCPU, CPU demand 2000 MHz per vCPU times a utilization of 10-90%, network and IOPS
    /// in proportion; hosts are common server models (16 to 128 cores, 128 GiB to 2 TiB) sized
    /// so the cluster is about 70% full. Models initial placement of a tenant's fleet.
    case catalog
    /// Hosts filled exactly by construction: each of the first K identical hosts has its
    /// capacity split, resource by resource, into the demands of its VMs; the other H - K hosts
    /// are spare. K = H - H/4, or round(H / (1 + s)) with `GeneratorOptions.spare` s (the spare
    /// hosts as a fraction of K: `--hosts 10500 --spare 0.05` fills 10,000 and leaves 500). For `consolidate` the optimum is K active hosts, which equals the
    /// continuous bound max over r of ceil(total demand / host capacity); the VMs are shuffled
    /// so the construction is hidden. Models the tightest packing a solver can be asked for.
    case knownOptimum = "known-optimum"
    /// A running cluster to rebalance: catalog VMs placed with a strong skew towards the first
    /// hosts, live-migration costs (memory size, dirty rates up to 1000 MiB/s), affinity,
    /// anti-affinity and vmHost rules over `rulesFraction` of the VMs, priorities, pinned VMs,
    /// FT VMs (at most 8 vCPU, as vSphere FT), HA admission control tolerating one host failure.
    case rebalance
    /// `rebalance` after one host failed: its VMs wait for an HA restart, FT VMs whose primary
    /// was there are promoted.
    case failure
    /// `rebalance` with one host entering maintenance mode: it must be emptied.
    case maintenance
    /// Inputs for the randomized differential harness, written as bytes: well-formed snapshots
    /// over every field of the contract with tight and already broken clusters, huge
    /// magnitudes and malformed files (see `Hostile`). Not a benchmark class: left out of
    /// `allCases`, so suites and benchmarks never draw it.
    case hostile

    /// The benchmark classes (every class but `hostile`).
    package static var allCases: [SnapshotClass] { [.uniform, .catalog, .knownOptimum, .rebalance, .failure, .maintenance] }

    /// The goal used when none is given: `consolidate` for known optima, `balance` otherwise.
    package var defaultGoal: Goal { self == .knownOptimum ? .consolidate : .balance }
}

/// What to generate.
package struct GeneratorOptions: Sendable, Equatable {
    /// The kind of snapshot.
    package var snapshotClass: SnapshotClass
    /// Host count: 1 to 100,000; at least 3 for `failure` and `maintenance`.
    package var hosts: Int
    /// VM count: 1 to 10,000,000.
    package var vms: Int
    /// How many resource dimensions, 1 to 4: cpu (MHz), memory (MiB), network (Mbit/s), storage (IOPS).
    package var resources: Int
    /// Seed of the `SplitMix64` stream: the same options give the same bytes.
    package var seed: UInt64
    /// nil: the class's default goal.
    package var goal: Goal?
    /// Fraction of the VMs that are members of a rule (rebalance, failure, maintenance).
    package var rulesFraction: Double
    /// known-optimum only: spare hosts as a fraction of the hosts filled exactly (nil: a
    /// quarter of the hosts are spare).
    package var spare: Double?

    /// Options as given, not validated (see `problem`).
    package init(snapshotClass: SnapshotClass, hosts: Int, vms: Int, resources: Int = 2, seed: UInt64 = 1,
                goal: Goal? = nil, rulesFraction: Double = 0.2, spare: Double? = nil) {
        self.snapshotClass = snapshotClass
        self.hosts = hosts
        self.vms = vms
        self.resources = resources
        self.seed = seed
        self.goal = goal
        self.rulesFraction = rulesFraction
        self.spare = spare
    }

    /// The hosts filled exactly by the known-optimum class (at most one per VM).
    package var filledHosts: Int {
        let filled = spare.map { Int((Double(hosts) / (1 + $0)).rounded()) } ?? hosts - hosts / 4
        return min(vms, max(1, min(hosts, filled)))
    }

    /// The goal the snapshot will carry.
    package var effectiveGoal: Goal { goal ?? snapshotClass.defaultGoal }

    /// What is wrong with the options, naming the flag, or nil when they can be generated.
    package var problem: String? {
        let minimumHosts = [.failure, .maintenance].contains(snapshotClass) ? 3 : 1
        if hosts < minimumHosts { return "--hosts: the \(snapshotClass.rawValue) class needs at least \(minimumHosts) hosts, got \(hosts)" }
        if hosts > 100_000 { return "--hosts: at most 100000, got \(hosts)" }
        if vms < 1 || vms > 10_000_000 { return "--vms: must be 1 to 10000000, got \(vms)" }
        if !(1...4).contains(resources) { return "--resources: must be 1 to 4, got \(resources)" }
        if !(rulesFraction >= 0 && rulesFraction <= 1) { return "--rules-fraction: must be in [0, 1], got \(rulesFraction)" }
        if let spare {
            if snapshotClass != .knownOptimum { return "--spare: only the known-optimum class has spare hosts" }
            if !(spare >= 0 && spare <= 10) { return "--spare: must be in [0, 10], got \(spare)" }
        }
        return nil
    }

    /// A file name that says what is inside: class, goal, size, resources, seed.
    package var fileName: String {
        "\(snapshotClass.rawValue)-\(effectiveGoal.rawValue)-h\(hosts)-v\(vms)-r\(resources)"
            + (spare.map { "-spare\(JSONWriter.number($0))" } ?? "") + "-s\(seed).json"
    }
}

/// A generated snapshot and what is known about its optimum.
package struct GeneratedSnapshot: Sendable {
    /// The options it was generated from.
    package var options: GeneratorOptions
    /// The snapshot; empty for `hostile` (see `raw`).
    package var snapshot: Snapshot
    /// The optimal goal term (active hosts for `consolidate`), when the construction proves it.
    package var knownOptimum: Double?
    /// A lower bound on the goal term from the continuous relaxation, when computed.
    package var continuousBound: Double?

    /// The exact bytes of the file when the class writes them itself (`hostile`, possibly not
    /// valid JSON; its `snapshot` is empty); nil when the file is `jsonText`.
    package var raw: [UInt8]?

    /// The snapshot as JSON text (indented, SPEC field order, trailing newline).
    package var jsonText: String { String(decoding: JSONWriter.bytes { snapshot.writeJSON(to: $0) }, as: UTF8.self) }

    /// The bytes of the file `drs generate` writes.
    package var bytes: [UInt8] { raw ?? JSONWriter.bytes { snapshot.writeJSON(to: $0) } }
}

/// Deterministic benchmark snapshot generators (`drs generate`). Generated snapshots always pass
/// `Snapshot.read`: every VM fits some host (two for FT VMs), each VM belongs to at most one
/// rule and hard rules never contradict, anti-affinity groups are smaller than the host count.
package enum Generator {
    static let resourceNames = ["cpu", "memory", "network", "storage"]

    /// Generates one snapshot. Precondition: `options.problem == nil`. O(V + H) time and memory.
    package static func generate(_ options: GeneratorOptions) -> GeneratedSnapshot {
        precondition(options.problem == nil, options.problem ?? "")
        var random = SplitMix64(seed: options.seed ^ 0x4F70_656E_4452_5321)
        switch options.snapshotClass {
        case .uniform: return uniform(options, &random)
        case .catalog: return catalog(options, &random)
        case .knownOptimum: return knownOptimum(options, &random)
        case .rebalance, .failure, .maintenance: return RunningCluster.generate(options, &random)
        case .hostile: return Hostile.generate(options, &random)
        }
    }

    /// Zero-padded ids such as h01 or vm0042, so files sort and read well.
    static func ids(_ prefix: String, count: Int) -> [String] {
        let width = String(count).count
        return (1...max(count, 1)).prefix(count).map { number in
            let digits = String(number)
            return prefix + String(repeating: "0", count: width - digits.count) + digits
        }
    }

    static func name(_ options: GeneratorOptions) -> String {
        String(options.fileName.dropLast(5))
    }

    static func demandMap(_ values: [Double], _ resources: [String]) -> [String: Double] {
        var map: [String: Double] = [:]
        for (index, name) in resources.enumerated() { map[name] = values[index] }
        return map
    }

    /// Identical hosts, uniform demands with mean 60% of the cluster over all VMs.
    static func uniform(_ options: GeneratorOptions, _ random: inout SplitMix64) -> GeneratedSnapshot {
        let resources = Array(resourceNames.prefix(options.resources))
        let capacity: [Double] = [100_000, 524_288, 100_000, 400_000].prefix(options.resources).map { $0 }
        let hostIDs = ids("h", count: options.hosts)
        let hosts = hostIDs.map { ClusterHost(id: $0, capacity: demandMap(capacity, resources)) }
        var vms: [VirtualMachine] = []
        vms.reserveCapacity(options.vms)
        let maxima = capacity.map { c -> Int in
            let mean = 0.6 * Double(options.hosts) * c / Double(options.vms)
            return max(1, min(Int(c), Int((2 * mean).rounded()) - 1))
        }
        for id in ids("vm", count: options.vms) {
            let demand = maxima.map { Double(random.int(in: 1...$0)) }
            vms.append(VirtualMachine(id: id, host: nil, demand: demandMap(demand, resources)))
        }
        let cluster = Cluster(name: name(options), goal: options.effectiveGoal)
        return GeneratedSnapshot(options: options, snapshot: Snapshot(resources: resources, cluster: cluster, hosts: hosts, vms: vms))
    }

    /// New catalog-sized VMs on common host models about 70% full.
    static func catalog(_ options: GeneratorOptions, _ random: inout SplitMix64) -> GeneratedSnapshot {
        let resources = Array(resourceNames.prefix(options.resources))
        var vmRandom = random.fork()
        var hostRandom = random.fork()
        let demands = (0..<options.vms).map { _ in CatalogSize.draw(&vmRandom, maxVCPU: 64).demand(options.resources) }
        let hosts = HostModel.size(count: options.hosts, demands: demands, resources: resources, usableHosts: options.hosts,
                                   target: 0.7, maxUtilization: Array(repeating: 1, count: resources.count), random: &hostRandom)
        let vms = zip(ids("vm", count: options.vms), demands).map { VirtualMachine(id: $0, host: nil, demand: demandMap($1, resources)) }
        let cluster = Cluster(name: name(options), goal: options.effectiveGoal)
        return GeneratedSnapshot(options: options, snapshot: Snapshot(resources: resources, cluster: cluster, hosts: hosts, vms: vms))
    }

    /// The first K hosts' capacities split exactly into VM demands; see `SnapshotClass.knownOptimum`.
    static func knownOptimum(_ options: GeneratorOptions, _ random: inout SplitMix64) -> GeneratedSnapshot {
        let resources = Array(resourceNames.prefix(options.resources))
        let capacity: [Int] = [134_400, 524_288, 25_000, 150_000].prefix(options.resources).map { $0 }
        let filled = options.filledHosts
        let hostIDs = ids("h", count: options.hosts)
        let hosts = hostIDs.map { ClusterHost(id: $0, capacity: demandMap(capacity.map(Double.init), resources)) }
        var demands: [[Double]] = []
        demands.reserveCapacity(options.vms)
        for k in 0..<filled {
            let count = options.vms / filled + (k < options.vms % filled ? 1 : 0)
            var parts = [[Double]](repeating: [], count: count)
            for total in capacity {
                for (index, share) in split(total, into: count, &random).enumerated() { parts[index].append(Double(share)) }
            }
            demands.append(contentsOf: parts)
        }
        random.shuffle(&demands)
        let vms = zip(ids("vm", count: options.vms), demands).map { VirtualMachine(id: $0, host: nil, demand: demandMap($1, resources)) }
        let cluster = Cluster(name: name(options), goal: options.effectiveGoal)
        let snapshot = Snapshot(resources: resources, cluster: cluster, hosts: hosts, vms: vms)
        let optimum: Double? = options.effectiveGoal == .consolidate ? Double(filled) : nil
        return GeneratedSnapshot(options: options, snapshot: snapshot, knownOptimum: optimum,
                                 continuousBound: options.effectiveGoal == .consolidate ? continuousBound(snapshot) : nil)
    }

    /// Splits `total` into `count` non-negative integers that sum to it exactly, with random
    /// proportions (each share's weight uniform in 1...1000).
    static func split(_ total: Int, into count: Int, _ random: inout SplitMix64) -> [Int] {
        let weights = (0..<count).map { _ in random.int(in: 1...1000) }
        let sum = weights.reduce(0, +)
        var shares = weights.map { total * $0 / sum }
        var rest = total - shares.reduce(0, +)
        var index = 0
        while rest > 0 {
            shares[index % count] += 1
            rest -= 1
            index += 1
        }
        return shares
    }

    /// For identical hosts: max over resources of ceil(total demand / placeable capacity), the
    /// fewest active hosts any placement can have. nil when the hosts differ.
    package static func continuousBound(_ snapshot: Snapshot) -> Double? {
        guard let first = snapshot.hosts.first, snapshot.hosts.allSatisfy({ $0.capacity == first.capacity }) else { return nil }
        let limits = snapshot.limits(of: first)
        var totals = [Int64](repeating: 0, count: snapshot.resources.count)
        for vm in snapshot.vms where vm.powerState == .on {
            for (r, amount) in snapshot.demands(of: vm).enumerated() { totals[r] += amount * (vm.ft == nil ? 1 : 2) }
        }
        var bound: Int64 = 0
        for (r, total) in totals.enumerated() where limits[r] > 0 {
            bound = max(bound, (total + limits[r] - 1) / limits[r])
        }
        return Double(bound)
    }
}
