@_spi(Benchmarks) import OpenDRS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A running cluster of about 10,000 VMs on 512 hosts, built from the Swift types with a
/// seeded `SplitMix64`, its JSON text, the compiled problem, and a checked plan for it.
///
/// Shape: 4 resources (cpu MHz, memory MiB, disk MB, network Mbps); 512 hosts of three sizes,
/// 16 of them entering maintenance (their VMs must move: the plan is not empty); 10,000 VMs
/// filling about 55% of the cluster, 2% powered off, 1% new (no host), 0.5% FT-protected; soft
/// affinity, anti-affinity and should rules plus hard anti-affinity rules that already hold.
/// Migration threshold 1, so the plan holds the mandatory moves only and is deterministic.
struct ClusterFixture: Sendable {
    static let hostCount = 512
    static let vmCount = 10_000
    static let maintenanceHosts = 16

    let snapshot: Snapshot
    /// `JSONWriter.write(snapshot.json)`, as UTF-8 bytes.
    let json: [UInt8]
    let problem: Problem
    let plan: Plan
    /// The plan's target placement in the problem's indices (-1: unplaced), for `Score.evaluate`.
    let placement: [Int32]
    let secondaries: [Int32]

    init(seed: UInt64 = 0x0D25_2026) {
        snapshot = Self.snapshot(seed: seed)
        json = Array(JSONWriter.write(snapshot.json).utf8)
        problem = Problem(snapshot)
        do {
            plan = try Planner.plan(snapshot, solver: GreedySolver(), options: SolveOptions(timeLimit: 60, seed: 1))
        } catch {
            fatalError("fixture: the planner failed: \(error)")
        }
        let violations = PlanChecker.check(snapshot, plan)
        precondition(violations.isEmpty, "fixture: the plan fails the checker: \(violations.prefix(3))")
        var placement = [Int32](repeating: -1, count: problem.vmCount)
        var secondaries = [Int32](repeating: -1, count: problem.vmCount)
        for (v, vm) in snapshot.vms.enumerated() {
            if let host = plan.placement[vm.id] { placement[v] = Int32(problem.hostIndex[host]!) }
            if let host = plan.secondaries[vm.id] { secondaries[v] = Int32(problem.hostIndex[host]!) }
        }
        self.placement = placement
        self.secondaries = secondaries
        if let path = getenv("OPENDRS_MICRO_DESCRIBE") { describe(to: String(cString: path)) }
    }

    /// Appends the fixture's size to the file at `path` (set OPENDRS_MICRO_DESCRIBE=path), for
    /// results files. A file, because the benchmark runner owns the standard streams.
    func describe(to path: String) {
        let waves = Set(plan.steps.map(\.wave)).count
        let migrations = plan.steps.filter { $0.kind == .migrate }.count
        let text = "cluster fixture: \(snapshot.hosts.count) hosts, \(snapshot.vms.count) VMs, \(snapshot.rules.count) rules, "
            + "JSON \(json.count) bytes; plan: \(plan.steps.count) steps (\(migrations) migrations) in \(waves) waves\n"
        guard let file = fopen(path, "a") else { return }
        _ = text.withCString { fputs($0, file) }
        fclose(file)
    }

    static let shared = ClusterFixture()

    static let resources = ["cpu", "memory", "disk", "network"]

    static func snapshot(seed: UInt64) -> Snapshot {
        var random = SplitMix64(seed: seed)
        let shapes: [[Double]] = [
            [64_000, 524_288, 4_000_000, 25_000],
            [96_000, 786_432, 8_000_000, 50_000],
            [128_000, 1_048_576, 8_000_000, 100_000],
        ]
        // Average demand per resource: 55% of an average host over 20 VMs a host.
        let base: [Double] = [2_600, 21_000, 180_000, 1_500]
        let R = resources.count

        var hosts: [ClusterHost] = []
        var room: [[Double]] = []
        for h in 0..<hostCount {
            let shape = shapes[random.below(shapes.count)]
            let state: HostState = h % (hostCount / maintenanceHosts) == 7 ? .maintenance : .connected
            hosts.append(ClusterHost(id: "host-\(h)", capacity: Dictionary(uniqueKeysWithValues: zip(resources, shape)),
                                     state: state, datastores: ["ds-\(h % 8)"]))
            room.append(shape)
        }

        /// A host with room for `demand` (a few random tries, then first fit), other than `except`.
        func host(for demand: [Double], except: Int? = nil) -> Int? {
            func fits(_ h: Int) -> Bool { h != except && (0..<R).allSatisfy { room[h][$0] >= demand[$0] } }
            for _ in 0..<32 {
                let h = random.below(hostCount)
                if fits(h) { return h }
            }
            return (0..<hostCount).first(where: fits)
        }

        let priorities = Priority.allCases
        var vms: [VirtualMachine] = []
        vms.reserveCapacity(vmCount)
        for v in 0..<vmCount {
            let size = random.uniform(0.25, 1.75)
            let demand = (0..<R).map { (base[$0] * size * random.uniform(0.6, 1.4)).rounded() }
            var vm = VirtualMachine(id: "vm-\(v)", host: nil, demand: Dictionary(uniqueKeysWithValues: zip(resources, demand)),
                                    priority: priorities[random.below(priorities.count)],
                                    migration: VMMigration(dirtyRate: random.uniform(0, 300).rounded()))
            switch v % 200 {
            case 0, 1, 2, 3:
                vm.powerState = .off
                vm.host = hosts[random.below(hostCount)].id
            case 4, 5:
                break  // new VM: the plan places it
            default:
                guard let h = host(for: demand) else { fatalError("fixture: the cluster is full at VM \(v)") }
                vm.host = hosts[h].id
                for r in 0..<R { room[h][r] -= demand[r] }
                if v % 200 == 6, let s = host(for: demand, except: h) {
                    vm.ft = FaultTolerance(secondaryHost: hosts[s].id)
                    for r in 0..<R { room[s][r] -= demand[r] }
                }
            }
            vms.append(vm)
        }

        var rules: [Rule] = []
        func someVMs(_ count: Int) -> [String] {
            var chosen = Set<Int>()
            while chosen.count < count { chosen.insert(random.below(vmCount)) }
            return chosen.sorted().map { vms[$0].id }
        }
        for i in 0..<100 { rules.append(Rule(id: "spread-\(i)", kind: .antiAffinity, vms: someVMs(4))) }
        for i in 0..<50 { rules.append(Rule(id: "together-\(i)", kind: .affinity, vms: someVMs(2))) }
        for i in 0..<50 {
            let first = random.below(hostCount - 8)
            rules.append(Rule(id: "prefer-\(i)", kind: .vmHost, vms: someVMs(2),
                              hosts: (first..<first + 8).map { hosts[$0].id }, policy: .should))
        }
        // Hard anti-affinity that already holds: running VMs on distinct connected hosts.
        var used = Set<String>()
        for i in 0..<20 {
            var members: [String] = []
            var hostsTaken = Set<String>()
            while members.count < 3 {
                let vm = vms[random.below(vmCount)]
                guard vm.powerState == .on, vm.ft == nil, let host = vm.host, !used.contains(vm.id),
                      hosts.first(where: { $0.id == host })!.state == .connected,
                      hostsTaken.insert(host).inserted else { continue }
                members.append(vm.id)
                used.insert(vm.id)
            }
            rules.append(Rule(id: "apart-\(i)", kind: .antiAffinity, vms: members.sorted(), required: true))
        }

        let cluster = Cluster(name: "micro-10k", goal: .balance, automation: .full, migrationThreshold: 1,
                              migration: MigrationSettings(bandwidth: 1250, maxConcurrentPerHost: 8))
        return Snapshot(resources: resources, cluster: cluster, hosts: hosts, vms: vms, rules: rules)
    }
}

/// Inputs for `MigrationModel.estimate`: memory 1 to 64 GiB, dirty rates from idle to above
/// the link's bandwidth (which runs into the round and volume caps).
struct MigrationFixture: Sendable {
    static let count = 1024
    static let bandwidth = 1250.0

    let memory: [Double]
    let dirtyRate: [Double]

    init(seed: UInt64 = 0x0D25_0003) {
        var random = SplitMix64(seed: seed)
        memory = (0..<Self.count).map { _ in random.uniform(1_024, 65_536).rounded() }
        dirtyRate = (0..<Self.count).map { _ in random.uniform(0, 1_500).rounded() }
    }

    static let shared = MigrationFixture()
}
