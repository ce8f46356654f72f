// Micro-benchmarks of OpenDRS's hot kernels: the SIMD residual kernels beside their scalar
// twins on the same lanes, the one score function, snapshot parsing and validation, the
// independent plan checker, and the migration-time model. Speed is shown here, never
// asserted by tests; regressions are caught by `swift package benchmark thresholds check`
// against the p90 values committed in Thresholds/ (see README.md).

import Benchmark
@_spi(Benchmarks) import OpenDRS

let benchmarks: @Sendable () -> Void = {
    /// How far a run may drift from the committed p90 thresholds (and, for `baseline check`, from
    /// another baseline) before it counts as a regression; a metric fails when any of its
    /// tolerances is exceeded. Wide on time: the reference machine is 2 cores shared with other
    /// builds, where a p90 moved by up to 3.2x between runs, so only a 4x slowdown fails.
    /// Tight on allocations and memory, which do not depend on the machine's load: kernels by
    /// count (the runner itself allocates a few times an iteration), cluster operations by 2%
    /// (dictionary growth varies with the per-process hash seed).
    func tolerances(mallocs: BenchmarkThresholds) -> [BenchmarkMetric: BenchmarkThresholds] {
        [
            .wallClock: .init(relative: [.p50: 100, .p90: 300]),
            .throughput: .init(relative: [.p50: 50, .p90: 75]),
            .mallocCountTotal: mallocs,
            .peakMemoryResident: .init(relative: [.p50: 20, .p90: 20]),
        ]
    }

    let metrics: [BenchmarkMetric] = [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident]

    /// Kernel scans and migration estimates run 1,000 to a measured iteration
    /// (`benchmark.scaledIterations`), each on the next input of the fixture's ring; times and
    /// throughput are reported per scan (scaled, marked `*`).
    let kernel = Benchmark.Configuration(metrics: metrics, timeUnits: .nanoseconds, warmupIterations: 3,
                                         scalingFactor: .kilo, maxDuration: .seconds(2), maxIterations: 2_000,
                                         thresholds: tolerances(mallocs: .init(absolute: [.p50: 16, .p90: 16])))

    /// Whole-cluster operations on the 10,000-VM fixture: one call a measured iteration.
    func cluster(_ timeUnits: BenchmarkTimeUnits) -> Benchmark.Configuration {
        .init(metrics: metrics, timeUnits: timeUnits, warmupIterations: 1, scalingFactor: .one,
              maxDuration: .seconds(4), maxIterations: 1_000,
              thresholds: tolerances(mallocs: .init(relative: [.p50: 2, .p90: 2])))
    }

    let laneCount = LaneFixture.laneCount

    // MARK: Residual kernels, SIMD and scalar twin on the same lanes

    Benchmark("Kernel.fitMask-1024x4.simd", configuration: kernel) { benchmark, lanes in
        for i in benchmark.scaledIterations {
            blackHole(ResidualKernel.countFitting(lanes.residual, laneCount: laneCount,
                                                  demand: lanes.demands[i % LaneFixture.demandCount]))
        }
    } setup: { LaneFixture.shared }

    Benchmark("Kernel.fitMask-1024x4.scalar", configuration: kernel) { benchmark, lanes in
        for i in benchmark.scaledIterations {
            blackHole(ResidualKernel.countFittingScalar(lanes.residual, laneCount: laneCount,
                                                        demand: lanes.demands[i % LaneFixture.demandCount]))
        }
    } setup: { LaneFixture.shared }

    for combine in [ResidualKernel.Combine.sum, .minimum] {
        let name = combine == .sum ? "sum" : "minimum"
        Benchmark("Kernel.bestLane-\(name)-1024x4.simd", configuration: kernel) { benchmark, lanes in
            for i in benchmark.scaledIterations {
                blackHole(ResidualKernel.bestLane(lanes.residual, mirror: lanes.mirror, scale: lanes.scale, bonus: lanes.bonus, laneCount: laneCount,
                                                  demand: lanes.demands[i % LaneFixture.demandCount],
                                                  coefficient: lanes.coefficient, combine: combine))
            }
        } setup: { LaneFixture.shared }

        Benchmark("Kernel.bestLane-\(name)-1024x4.scalar", configuration: kernel) { benchmark, lanes in
            for i in benchmark.scaledIterations {
                blackHole(ResidualKernel.bestLaneScalar(lanes.residual, scale: lanes.scale, bonus: lanes.bonus, laneCount: laneCount,
                                                        demand: lanes.demands[i % LaneFixture.demandCount],
                                                        coefficient: lanes.coefficient, combine: combine))
            }
        } setup: { LaneFixture.shared }
    }

    // MARK: Migration model

    Benchmark("MigrationModel.estimate", configuration: kernel) { benchmark, inputs in
        for i in benchmark.scaledIterations {
            let k = i % MigrationFixture.count
            blackHole(MigrationModel.estimate(memory: inputs.memory[k], dirtyRate: inputs.dirtyRate[k],
                                              bandwidth: MigrationFixture.bandwidth))
        }
    } setup: { MigrationFixture.shared }

    // MARK: The 10,000-VM cluster

    Benchmark("Score.evaluate-10k", configuration: cluster(.microseconds)) { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            blackHole(Score.evaluate(fixture.problem, placement: fixture.placement, secondaries: fixture.secondaries))
        }
    } setup: { ClusterFixture.shared }

    Benchmark("JSONParser.parse-10k", configuration: cluster(.milliseconds)) { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            blackHole(try JSONParser.parse(fixture.json))
        }
    } setup: { ClusterFixture.shared }

    Benchmark("Snapshot.read-10k", configuration: cluster(.milliseconds)) { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            blackHole(try Snapshot.read(json: fixture.json))
        }
    } setup: { ClusterFixture.shared }

    Benchmark("PlanChecker.check-10k", configuration: cluster(.milliseconds)) { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            let violations = PlanChecker.check(fixture.snapshot, fixture.plan)
            precondition(violations.isEmpty, "the fixture plan must pass the checker")
            blackHole(violations)
        }
    } setup: { ClusterFixture.shared }
}
