import Foundation
@_spi(Benchmarks) import OpenDRS

// Benchmarks of the wave planner and the failover sweep on generated clusters.
// Every number printed is measured here; medians over the given repetitions.

/// A solver that returns a fixed target (the benchmark measures planning, not solving).
struct TargetSolver: PlacementSolver {
    let id = "fixed-target"
    var target: [Int32]
    func solve(_ problem: Problem, options: SolveOptions) throws -> SolverResult {
        SolverResult(status: .feasible, placement: target, secondaries: problem.vmInitialSecondary,
                     movePriority: [UInt8](repeating: 2, count: problem.vmCount))
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func peakMemoryMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let digits = line.split(separator: " ").compactMap { Double($0) }
        return (digits.first ?? 0) / 1024
    }
    return 0
}

/// `hosts` hosts of 4 resources at about 55% fill (at most 70% per host), and a target that moves `moves` VMs to
/// random hosts with room in the target state.
func waveInstance(hosts: Int, vms: Int, moves: Int, seed: UInt64) -> (Snapshot, [Int32], Int) {
    var random = SplitMix64(seed: seed)  // seeded: the same instance on every run
    var snapshot = Snapshot(resources: ["cpu", "memory", "disk", "net"])
    snapshot.cluster.migration.maxConcurrentPerHost = 8
    snapshot.hosts = (0..<hosts).map { h in
        ClusterHost(id: "h\(h)", capacity: ["cpu": 100_000, "memory": 400_000, "disk": 100_000, "net": 100_000])
    }
    var load = [[Double]](repeating: [0, 0, 0, 0], count: hosts)
    let capacity: [Double] = [100_000, 400_000, 100_000, 100_000]
    for v in 0..<vms {
        let demand: [Double] = [Double(random.int(in: 1000...8000)), Double(random.int(in: 2000...32000)),
                                Double(random.int(in: 500...8000)), Double(random.int(in: 100...8000))]
        var h = random.int(in: 0...(hosts - 1))
        while (0..<4).contains(where: { load[h][$0] + demand[$0] > capacity[$0] * 0.7 }) { h = (h + 1) % hosts }
        for r in 0..<4 { load[h][r] += demand[r] }
        snapshot.vms.append(VirtualMachine(id: "v\(v)", host: "h\(h)",
                                           demand: ["cpu": demand[0], "memory": demand[1], "disk": demand[2], "net": demand[3]],
                                           migration: VMMigration(memory: demand[1], dirtyRate: Double(random.int(in: 0...100)))))
    }
    // Target: move `moves` random VMs to random hosts that have room in the target state.
    var target = snapshot.vms.map { Int32(Int($0.host!.dropFirst())!) }
    var targetLoad = load
    var touched = [Int](repeating: 0, count: hosts)
    var moved = 0
    var order = Array(0..<vms)
    for i in stride(from: vms - 1, to: 0, by: -1) { order.swapAt(i, random.int(in: 0...i)) }
    for v in order where moved < moves {
        let vm = snapshot.vms[v]
        let demand = snapshot.resources.map { vm.demand[$0]! }
        let from = Int(target[v])
        for _ in 0..<8 {
            let to = random.int(in: 0...(hosts - 1))
            if to == from || (0..<4).contains(where: { targetLoad[to][$0] + demand[$0] > capacity[$0] * 0.9 }) { continue }
            for r in 0..<4 { targetLoad[to][r] += demand[r]; targetLoad[from][r] -= demand[r] }
            target[v] = Int32(to)
            touched[from] += 1
            touched[to] += 1
            moved += 1
            break
        }
    }
    let lowerBound = (touched.max()! + 7) / 8
    return (snapshot, target, lowerBound)
}

/// A 1,000-host HA cluster at about 60% fill with FT VMs, for the failover sweep.
func failoverInstance(hosts: Int, vmsPerHost: Int, seed: UInt64) -> Snapshot {
    var random = SplitMix64(seed: seed)  // seeded: the same instance on every run
    var snapshot = Snapshot()
    snapshot.cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 1, master: "h0")
    snapshot.hosts = (0..<hosts).map { h in
        ClusterHost(id: "h\(h)", capacity: ["cpu": 64_000, "memory": 524_288], datastores: (0...(h % 4)).map { "ds\($0)" })
    }
    var v = 0
    for h in 0..<hosts {
        for _ in 0..<vmsPerHost {
            var vm = VirtualMachine(id: "v\(v)", host: "h\(h)",
                                    demand: ["cpu": Double(random.int(in: 1000...4000)), "memory": Double(random.int(in: 8192...32768))],
                                    priority: Priority.allCases[random.int(in: 0...4)])
            if random.int(in: 0...49) == 0 { vm.ft = FaultTolerance(secondaryHost: "h\((h + 1 + random.int(in: 0...(hosts - 2))) % hosts)") }
            snapshot.vms.append(vm)
            v += 1
        }
    }
    return snapshot
}

let arguments = CommandLine.arguments
let repetitions = arguments.count > 1 ? Int(arguments[1]) ?? 3 : 3
let waveHosts = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000
let failoverHosts = arguments.count > 3 ? Int(arguments[3]) ?? 1_000 : 1_000

print("# Planner benchmarks (repetitions: \(repetitions))")
do {
    let (snapshot, target, lowerBound) = waveInstance(hosts: waveHosts, vms: waveHosts * 12, moves: waveHosts * 10, seed: 42)
    var compile: [Double] = [], plan: [Double] = [], check: [Double] = []
    var result: Plan?
    for _ in 0..<repetitions {
        compile.append(seconds { _ = Problem(snapshot) })
        var made: Plan?
        plan.append(try seconds { made = try Planner.plan(snapshot, solver: TargetSolver(target: target)) })
        check.append(seconds { precondition(PlanChecker.check(snapshot, made!).isEmpty, "plan rejected") })
        result = made
    }
    let moves = result!.steps.filter { $0.kind == .migrate }.count
    print("waves: \(snapshot.vms.count) VMs on \(snapshot.hosts.count) hosts, \(moves) migrations")
    print("  compile problem   median \(String(format: "%.3f", median(compile))) s")
    print("  plan (waves+steps) median \(String(format: "%.3f", median(plan))) s  (includes compiling the problem)")
    print("  independent check median \(String(format: "%.3f", median(check))) s")
    print("  waves \(result!.waveSeconds.count), lower bound (busiest host's moves / maxConcurrentPerHost) \(lowerBound), dropped \(result!.dropped.count)")
}
do {
    let snapshot = failoverInstance(hosts: failoverHosts, vmsPerHost: 16, seed: 7)
    var sweep: [Double] = []
    var reports: [FailoverSweep.HostReport] = []
    for _ in 0..<repetitions {
        sweep.append(seconds { reports = FailoverSweep.run(snapshot, solver: GreedySolver()) })
    }
    let lost = reports.reduce(0) { $0 + $1.lost.count }
    let errors = reports.filter { $0.error != nil }.count
    print("failover --all: \(snapshot.vms.count) VMs on \(snapshot.hosts.count) hosts")
    print("  sweep median \(String(format: "%.3f", median(sweep))) s for \(reports.count) host failures; VMs lost in total \(lost); planning errors \(errors)")
}
do {
    // Codable at 10^5 VMs (1,000 hosts x 100): JSONEncoder writes as drs writes; JSONDecoder
    // reads through the validating reader, over a JSON tree, against Snapshot.read(json:).
    let snapshot = failoverInstance(hosts: 1_000, vmsPerHost: 100, seed: 11)
    var encode: [Double] = [], decode: [Double] = [], read: [Double] = []
    var data = Data()
    for _ in 0..<repetitions {
        encode.append(try seconds { data = try JSONEncoder().encode(snapshot) })
        let bytes = [UInt8](data)
        var decoded: Snapshot?, direct: Snapshot?
        decode.append(try seconds { decoded = try JSONDecoder().decode(Snapshot.self, from: data) })
        read.append(try seconds { direct = try Snapshot.read(json: bytes) })
        precondition(decoded!.vms.count == snapshot.vms.count && direct!.vms.count == snapshot.vms.count, "lost VMs")
    }
    print("codable: \(snapshot.vms.count) VMs on \(snapshot.hosts.count) hosts, \(data.count) bytes of JSON")
    print("  JSONEncoder().encode      median \(String(format: "%.3f", median(encode))) s")
    print("  JSONDecoder().decode      median \(String(format: "%.3f", median(decode))) s  (validating, over a JSON tree)")
    print("  Snapshot.read(json:)      median \(String(format: "%.3f", median(read))) s  (validating, one pass)")
    print("  decode / read             \(String(format: "%.2f", median(decode) / median(read)))x")
}
print("peak memory \(String(format: "%.0f", peakMemoryMiB())) MiB")
