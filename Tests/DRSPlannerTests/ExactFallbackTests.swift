import Testing
@_spi(Benchmarks) import DRSModel
import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSExact
@_spi(Benchmarks) import DRSBench

/// The planner links no GLPK (OpenDRSCore); where DRSExact is linked, as here and in `drs`, the
/// exact solver registers itself as the planner's fallback for small problems.
@Suite struct ExactFallbackTests {
    static func problem(hosts: Int, vms: Int) -> Problem {
        Problem(Generator.generate(GeneratorOptions(snapshotClass: .maintenance, hosts: hosts, vms: vms, seed: 3)).snapshot)
    }

    @Test("linked DRSExact registers the exact solver: a fallback on small problems only, after greedy and bin-centric")
    func registeredWhereLinked() throws {
        let source = try #require(ExactFallback.source, "DRSExact is linked into the tests: its conformance must be found")
        #expect(source.autoLimit == ExactSolver.autoLimit)
        #expect(source.solver().id == ExactSolver().id)
        let small = Self.problem(hosts: 4, vms: 12)
        #expect(Planner.fallbacks(after: LocalSearchSolver(), for: small).map(\.id) == ["greedy", "bin-centric", "exact-glpk"])
        #expect(Planner.exactFallbackLimit == ExactSolver.autoLimit * 5)
        // Above the limit (active VMs x hosts), the heuristics alone.
        let large = Self.problem(hosts: 40, vms: 400)
        try #require(large.vmActive.filter { $0 }.count * large.hostCount > Planner.exactFallbackLimit)
        #expect(Planner.fallbacks(after: LocalSearchSolver(), for: large).map(\.id) == ["greedy", "bin-centric"])
    }
}
