import Testing
import Foundation
@_spi(Benchmarks) import DRSModel
import DRSTestSupport

/// The score function and the migration-time model against hand-computed values.
@Suite struct ScoreTests {
    /// Two 100/100 hosts: v1 (30 cpu, 10 mem) on h1, v2 (10 cpu, 30 mem) on h2.
    var snapshot: Snapshot {
        var s = Snapshot()
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("h3", state: .maintenance)]
        s.vms = [Fixtures.vm("v1", on: "h1", cpu: 30, memory: 10), Fixtures.vm("v2", on: "h2", cpu: 10, memory: 30)]
        return s
    }

    @Test func imbalanceIsTheStandardDeviationOfUtilization() {
        let problem = Problem(snapshot)
        let objective = Score.evaluate(problem, placement: [0, 1], secondaries: [-1, -1])
        // u = (0.3, 0.1) and (0.1, 0.3), u* = (0.2, 0.2): every deviation is 0.1.
        #expect(abs(objective.imbalance - 0.1) < 1e-12)
        #expect(abs(objective.peakUtilization - 0.3) < 1e-12)
        #expect(objective.activeHosts == 2)
        #expect(objective.migrations == 0)
        #expect(objective.cost == objective.imbalance)
    }

    @Test func togetherOnOneHost() {
        let problem = Problem(snapshot)
        let objective = Score.evaluate(problem, placement: [0, 0], secondaries: [-1, -1])
        // h1 (0.4, 0.4), h2 (0, 0), u* = (0.2, 0.2): deviations 0.2 -> imbalance 0.2.
        #expect(abs(objective.imbalance - 0.2) < 1e-12)
        #expect(objective.activeHosts == 1)
        #expect(objective.migrations == 1)
        // v2 migrates: 30 MiB at 1250 MiB/s + 1 s setup.
        #expect(abs(objective.migrationSeconds - (30.0 / 1250 + 1)) < 1e-12)
        let lambda = MigrationCost.lambda(goal: .balance, threshold: 3)
        #expect(abs(objective.cost - (0.2 + lambda * objective.migrationSeconds)) < 1e-12)
    }

    @Test func consolidateCostCountsHosts() {
        var s = snapshot
        s.cluster.goal = .consolidate
        let objective = Score.evaluate(Problem(s), placement: [0, 0], secondaries: [-1, -1])
        let lambda = MigrationCost.lambda(goal: .consolidate, threshold: 3)
        #expect(abs(objective.cost - (1 + lambda * objective.migrationSeconds)) < 1e-12)
    }

    @Test func unplacedCountsByPriorityAndDominates() {
        var s = snapshot
        s.vms[1].priority = .high
        let problem = Problem(s)
        let dropLow = Score.evaluate(problem, placement: [-1, 1], secondaries: [-1, -1])
        let dropHigh = Score.evaluate(problem, placement: [0, -1], secondaries: [-1, -1])
        #expect(dropLow.unplaced == 1 && dropLow.unplacedByPriority == [0, 0, 1, 0, 0])
        #expect(dropHigh.unplacedByPriority == [0, 1, 0, 0, 0])
        #expect(dropLow.isBetter(than: dropHigh))
        let all = Score.evaluate(problem, placement: [0, 0], secondaries: [-1, -1])
        #expect(all.isBetter(than: dropLow), "placing everyone beats any cost")
    }

    @Test func softViolationsAreGraded() {
        var s = snapshot
        s.vms.append(Fixtures.vm("v3", on: "h1", cpu: 1, memory: 1))
        s.rules = [Rule(id: "together", kind: .affinity, vms: ["v1", "v2", "v3"]),
                   Rule(id: "apart", kind: .antiAffinity, vms: ["v1", "v3"]),
                   Rule(id: "prefer", kind: .vmHost, vms: ["v1", "v2"], hosts: ["h2"], policy: .should)]
        let problem = Problem(s)
        // v1, v3 on h1 and v2 on h2: affinity spans 2 hosts (1), anti-affinity 2 on one host (1),
        // should: v1 off h2 (1).
        #expect(Score.evaluate(problem, placement: [0, 1, 0], secondaries: [-1, -1, -1]).softViolations == 3)
        // All on h2: affinity 0, anti-affinity 1, should 0.
        #expect(Score.evaluate(problem, placement: [1, 1, 1], secondaries: [-1, -1, -1]).softViolations == 1)
    }

    @Test func secondariesLoadTheirHost() {
        var s = snapshot
        s.vms[0].ft = FaultTolerance(secondaryHost: "h2")
        let objective = Score.evaluate(Problem(s), placement: [0, 1], secondaries: [1, -1])
        // h2 holds v2 and v1's secondary: (0.4, 0.4); h1 (0.3, 0.1).
        #expect(abs(objective.peakUtilization - 0.4) < 1e-12)
    }

    @Test func migrationModelHandComputed() {
        // M = 16384 MiB, D = 40 MiB/s, B = 1250 MiB/s. Round 0 sends 16384 (13.107 s), during
        // which 524.288 MiB are dirtied (0.419 s > 0.3 s): round 1 sends them, leaving 16.777 MiB
        // (0.0134 s <= 0.3 s) for the stop-and-copy.
        let estimate = MigrationModel.estimate(memory: 16384, dirtyRate: 40, bandwidth: 1250)
        #expect(estimate.rounds == 2)
        #expect(abs(estimate.downtime - 0.0134217728) < 1e-9)
        #expect(abs(estimate.megabytesSent - (16384 + 524.288 + 16.777216)) < 1e-6)
        #expect(abs(estimate.seconds - 14.5400521728) < 1e-9)
    }

    @Test func migrationModelWithoutDirtying() {
        let estimate = MigrationModel.estimate(memory: 2500, dirtyRate: 0, bandwidth: 1250)
        #expect(estimate.seconds == 3)
        #expect(estimate.downtime == 0)
    }

    @Test func migrationModelStopsAtThreeTimesMemory() {
        // Dirtying as fast as the link: each round resends M; stop once 3M is sent, the last M paused.
        let estimate = MigrationModel.estimate(memory: 1250, dirtyRate: 1250, bandwidth: 1250)
        #expect(estimate.rounds == 3)
        #expect(estimate.downtime == 1)
        #expect(estimate.seconds == 5)
    }

    @Test func migrationModelStopsAfterThirtyRounds() {
        // Ratio 1/2: the total stays under 2M, but the residue of a huge memory on a slow link
        // stays above 0.3 s for ~41 rounds, so the 30-round cap ends pre-copy.
        let estimate = MigrationModel.estimate(memory: 1e12, dirtyRate: 0.5, bandwidth: 1)
        #expect(estimate.rounds == 30)
        #expect(abs(estimate.downtime - 1e12 * pow(0.5, 30)) < 1e-3)
    }

    @Test func migrationModelOvershootsThreeTimesByOneRoundAtMost() {
        // Ratio 0.99: rounds send M, 0.99M, 0.98M, 0.97M (total 3.94M >= 3M), then pause.
        let estimate = MigrationModel.estimate(memory: 1000, dirtyRate: 990, bandwidth: 1000)
        #expect(estimate.rounds == 4)
        #expect(abs(estimate.downtime - 1000 * pow(0.99, 4) / 1000) < 1e-9)
    }

    @Test func lambdaPricesThresholdsConsistently() {
        // A move that pays at threshold k has priority <= k.
        for threshold in 2...5 {
            let lambda = MigrationCost.lambda(goal: .balance, threshold: threshold)
            let seconds = 20.0
            let justPays = lambda * seconds * 1.01
            #expect(MigrationCost.priority(goal: .balance, benefit: justPays, seconds: seconds) <= threshold)
            let justFails = lambda * seconds * 0.99
            #expect(MigrationCost.priority(goal: .balance, benefit: justFails, seconds: seconds) > threshold)
        }
        #expect(MigrationCost.lambda(goal: .balance, threshold: 1) > 1000)
    }

    @Test func integerUnitsAgreeOnExactFits() {
        // 40000 x 0.9 = 36000 exactly in milli-units despite binary noise; 36000 fits.
        #expect(Units.limit(capacity: 40000, maxUtilization: 0.9) == 36_000_000)
        #expect(Units.demand(36000) == 36_000_000)
        #expect(Units.limit(capacity: 262144, maxUtilization: 0.95) == 249_036_800)
    }
}
