import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSTestSupport

/// The largest magnitudes the validation accepts, planned end to end (the validation itself is
/// in DRSModelTests).
@Suite struct InputHygieneTests {
    @Test("The largest accepted snapshot compiles, plans and checks with HA admission control, without overflow")
    func largestAcceptedMagnitudesPlan() throws {
        // 1,000 hosts of 1e12 (the capacity total at its limit), HA on, VMs at the demand limit.
        let hosts = (0..<1000).map { #"{"id": "h\#($0)", "capacity": {"cpu": 1e12, "memory": 1e12}}"# }.joined(separator: ",")
        let vms = (0..<400).map { #"{"id": "v\#($0)", "host": "h\#($0)", "demand": {"cpu": 1e12, "memory": 1e12}, "migration": {"memory": 1e12, "dirtyRate": 1e12}\#($0 % 4 == 0 ? #", "ft": {"secondaryHost": "h\#($0 + 500)"}"# : "")}"# }.joined(separator: ",")
        let text = Fixtures.json(hosts: "[\(hosts)]", vms: "[\(vms)]", cluster: #"{"ha": {"enabled": true, "hostFailuresToTolerate": 2}, "migration": {"bandwidth": 0.001}}"#)
        let snapshot = try Snapshot.read(json: text)
        let problem = Problem(snapshot)
        #expect(problem.admissionLimit?.allSatisfy { $0 > 0 && $0 <= Units.maximum } == true)
        #expect(problem.vmMigration.allSatisfy { $0.seconds.isFinite })
        let plan = try Planner.checkedPlan(snapshot, solver: GreedySolver(), options: SolveOptions(timeLimit: 10))
        #expect(plan.unplaced.isEmpty)
    }
}
