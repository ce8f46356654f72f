// Heuristics benchmark: initial placement at scale with the fastest first fit, the SIMD
// kernels against their scalar twins, and peak memory. Speed is shown here, never asserted.
//
// Usage: heuristics-benchmark [--runs N] [--skip-large] [--seed S]
// Prints a Markdown table to stdout and raw per-run numbers (CSV) to stderr.

@_spi(Benchmarks) import OpenDRS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

var runs = 5
var skipLarge = false
var seed: UInt64 = 2026
var only: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--runs": runs = Int(arguments.popFirst() ?? "") ?? runs
    case "--skip-large": skipLarge = true
    case "--seed": seed = UInt64(arguments.popFirst() ?? "") ?? seed
    case "--only": only = arguments.popFirst()
    default:
        Log.error("unknown argument \(argument); expected --runs N, --skip-large, --seed S, --only SOLVER|kernels\n")
        exit(2)
    }
}

enum Log {
    static func error(_ text: String) { _ = text.withCString { write(2, $0, strlen($0)) } }
}

let resources = ["cpu", "memory", "disk", "network"]

/// Initial placement: `hosts` empty hosts of three sizes, `vms` new VMs with correlated
/// demands filling about 70% of the cluster in each resource; goal consolidate.
func instance(hosts hostCount: Int, vms vmCount: Int, seed: UInt64) -> Snapshot {
    var random = SplitMix64(seed: seed)  // the library's generator: the same instance on every run
    let shapes: [[Double]] = [[64_000, 524_288, 4_000_000, 25_000], [96_000, 786_432, 8_000_000, 50_000], [128_000, 1_048_576, 8_000_000, 100_000]]
    var hosts: [ClusterHost] = []
    hosts.reserveCapacity(hostCount)
    var total = [Double](repeating: 0, count: 4)
    for h in 0..<hostCount {
        let shape = shapes[random.below(shapes.count)]
        for r in 0..<4 { total[r] += shape[r] }
        hosts.append(ClusterHost(id: "h\(h)", capacity: Dictionary(uniqueKeysWithValues: zip(resources, shape))))
    }
    // Average VM: 70% of the average host divided by VMs per host.
    let perHost = Double(vmCount) / Double(hostCount)
    var vms: [VirtualMachine] = []
    vms.reserveCapacity(vmCount)
    for v in 0..<vmCount {
        let scale = 0.2 + Double(random.below(1000)) / 1000 * 1.6
        var demand: [String: Double] = [:]
        for r in 0..<4 {
            let jitter = 0.5 + Double(random.below(1000)) / 1000
            demand[resources[r]] = (0.7 * total[r] / Double(hostCount) / perHost * scale * jitter).rounded()
        }
        vms.append(VirtualMachine(id: "v\(v)", host: nil, demand: demand, priority: Priority.allCases[random.below(5)]))
    }
    return Snapshot(resources: resources, cluster: Cluster(name: "bench-\(vmCount)", goal: .consolidate), hosts: hosts, vms: vms)
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    let cpuStart = cpuNow()
    try body()
    cpuTimes.append(cpuNow() - cpuStart)
    let elapsed = clock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

/// CPU seconds this process has used (all threads; the benchmark runs on one).
func cpuNow() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}

/// CPU seconds of each timed run, for the notes: robust to other processes on the machine.
nonisolated(unsafe) var cpuTimes: [Double] = []

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Peak resident set size of this process so far, MiB.
func peakMegabytes() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    #if canImport(Darwin)
    return Double(usage.ru_maxrss) / 1_048_576
    #else
    return Double(usage.ru_maxrss) / 1024
    #endif
}

/// Independent check of a placement's capacity, and its counts.
func verify(_ problem: Problem, _ result: SolverResult) -> (unplaced: Int, activeHosts: Int) {
    let H = problem.hostCount, R = problem.resourceCount
    var load = [Int64](repeating: 0, count: H * R)
    var unplaced = 0
    var used = [Bool](repeating: false, count: H)
    for v in 0..<problem.vmCount where problem.vmActive[v] {
        let h = Int(result.placement[v])
        if h < 0 { unplaced += 1; continue }
        used[h] = true
        for r in 0..<R { load[r * H + h] += problem.demand(v, r) }
    }
    for h in 0..<H { for r in 0..<R { precondition(load[r * H + h] <= problem.limit(h, r), "host \(h) over capacity") } }
    return (unplaced, used.filter { $0 }.count)
}

Log.error("case,run,seconds\n")

func record(_ name: String, _ times: [Double], extra: String) {
    for (i, t) in times.enumerated() { Log.error("\(name),\(i + 1),\(t)\n") }
    let line = "| \(name) | \(times.count) | \(String(format3(median(times)))) | \(String(format3(times.min()!))) | \(String(format3(times.max()!))) | \(extra) |"
    print(line)
}

func format3(_ x: Double) -> String {
    let scaled = (x * 1000).rounded() / 1000
    return "\(scaled)"
}

print("| case (times in s) | runs | median | min | max | notes |")
print("| --- | --- | --- | --- | --- | --- |")

let sizes: [(vms: Int, hosts: Int)] = skipLarge ? [(100_000, 10_000)] : [(100_000, 10_000), (1_000_000, 100_000)]
for size in sizes {
    var snapshot: Snapshot? = instance(hosts: size.hosts, vms: size.vms, seed: seed)
    var problem: Problem?
    let build = seconds { problem = Problem(snapshot!) }
    snapshot = nil
    record("compile Problem \(size.vms) VMs / \(size.hosts) hosts", [build], extra: "snapshot -> struct-of-arrays (once)")
    let solvers: [ConstructiveSolver.Rule] = size.vms <= 100_000 ? [.ffdL2, .ffdSum, .ffdMax, .dotProduct, .leastLoaded] : [.ffdL2]
    for rule in solvers where only == nil || only == rule.rawValue {
        var times: [Double] = []
        var counts = (unplaced: 0, activeHosts: 0)
        let count = rule.rawValue.hasPrefix("ffd") ? runs : max(1, min(runs, 3))
        cpuTimes = []
        for _ in 0..<count {
            var result: SolverResult?
            times.append(try seconds { result = try ConstructiveSolver(rule).solve(problem!, options: SolveOptions()) })
            counts = verify(problem!, result!)
        }
        let cpu = cpuTimes
        for (i, t) in cpu.enumerated() { Log.error("\(rule.rawValue) \(size.vms) VMs / \(size.hosts) hosts (CPU s),\(i + 1),\(t)\n") }
        record("\(rule.rawValue) \(size.vms) VMs / \(size.hosts) hosts", times,
               extra: "CPU s median \(format3(median(cpu))) (min \(format3(cpu.min()!))), unplaced \(counts.unplaced), active hosts \(counts.activeHosts), peak RSS so far \(Int(peakMegabytes())) MiB")
    }
    problem = nil
}

// Kernels against their scalar twins: 100,000 hosts x 4 resources in lanes, 64 demands.
if only == nil || only == "kernels" {
    var random = SplitMix64(seed: seed)  // the library's generator: the same instance on every run
    let R = 4
    let L = 100_000 / ResidualKernel.width * ResidualKernel.width
    let residual = (0..<(R * L)).map { _ in random.below(10) == 0 ? ResidualKernel.closed : Int64(random.below(100_000_000)) }
    let mirror = residual.map { Float($0) }
    let scale = (0..<(R * L)).map { _ in Float(1e-8 * Double(1 + random.below(4))) }
    let bonus = (0..<L).map { _ in random.below(4) == 0 ? Float(-1e9) : 0 }
    let demands = (0..<64).map { _ in (0..<R).map { _ in Int64(random.below(60_000_000)) } }
    let coefficients = demands.map { d in d.map { Float(-Double($0) * 1e-8) } }
    /// Times `simd` and `scalar` alternately, one run each in turn, so both see the same
    /// machine load; returns per-run seconds of each.
    func pairs(_ simd: () -> Void, _ scalar: () -> Void) -> (simd: [Double], scalar: [Double]) {
        var a: [Double] = [], b: [Double] = []
        for _ in 0..<runs {
            a.append(seconds(simd))
            b.append(seconds(scalar))
        }
        return (a, b)
    }
    func ratios(_ pair: (simd: [Double], scalar: [Double])) -> String {
        let perRun = zip(pair.scalar, pair.simd).map { $0 / $1 }
        return "ratio scalar/SIMD of medians \(format3(median(pair.scalar) / median(pair.simd))), median of per-run ratios \(format3(median(perRun))) (min \(format3(perRun.min()!)))"
    }
    var checksum = 0
    let fit = pairs({ for d in demands { checksum &+= ResidualKernel.countFitting(residual, laneCount: L, demand: d) } },
                    { for d in demands { checksum &-= ResidualKernel.countFittingScalar(residual, laneCount: L, demand: d) } })
    precondition(checksum == 0, "fit kernels disagree")
    var lanes = 0
    var best: [ResidualKernel.Combine: (simd: [Double], scalar: [Double])] = [:]
    for combine in [ResidualKernel.Combine.sum, .minimum] {
        best[combine] = pairs({
            for (i, d) in demands.enumerated() {
                lanes &+= ResidualKernel.bestLane(residual, mirror: mirror, scale: scale, bonus: bonus, laneCount: L, demand: d,
                                                  coefficient: coefficients[i], combine: combine)?.lane ?? 0
            }
        }, {
            for (i, d) in demands.enumerated() {
                lanes &-= ResidualKernel.bestLaneScalar(residual, scale: scale, bonus: bonus, laneCount: L, demand: d,
                                                        coefficient: coefficients[i], combine: combine)?.lane ?? 0
            }
        })
    }
    precondition(lanes == 0, "scored kernels disagree")
    print("")
    print("| kernel (times in µs) | runs | median | min | max | notes |")
    print("| --- | --- | --- | --- | --- | --- |")
    let perScan = Double(demands.count) / 1e6  // microseconds per scan
    record("fit-mask scan, SIMD: µs per scan of 100k hosts x 4", fit.simd.map { $0 / perScan }, extra: ratios(fit))
    record("fit-mask scan, scalar twin: µs per scan", fit.scalar.map { $0 / perScan }, extra: "")
    for (combine, name) in [(ResidualKernel.Combine.sum, "best-fit dot-product scan"), (.minimum, "scored scan, minimum combine")] {
        record("\(name), SIMD: µs per scan", best[combine]!.simd.map { $0 / perScan }, extra: ratios(best[combine]!))
        record("\(name), scalar twin: µs per scan", best[combine]!.scalar.map { $0 / perScan }, extra: "")
    }
}
print("")
print("peak RSS: \(Int(peakMegabytes())) MiB")
