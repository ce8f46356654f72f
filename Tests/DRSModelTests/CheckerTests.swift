import Testing
import Foundation
@_spi(Benchmarks) import DRSModel
import DRSTestSupport

/// Mutation tests: a valid plan, broken in one way at a time; the checker must say what and where.
@Suite struct CheckerTests {
    var snapshot: Snapshot { Fixtures.checkerSnapshot }
    var validPlan: Plan { Fixtures.checkerPlan }

    func violations(_ plan: Plan) -> [String] { PlanChecker.check(snapshot, plan).map(\.description) }

    @Test func validPlanPasses() {
        #expect(violations(validPlan).isEmpty)
    }

    @Test func overCapacityMidWave() {
        var plan = validPlan
        // v2 also heads for h3 in the same wave: 60 + 60 + 10 > 100 there.
        plan.steps.append(Step(wave: 1, kind: .migrate, vm: "v2", from: "h2", to: "h1", priority: 2, applied: true, reason: "x"))
        plan.placement["v2"] = "h1"
        let found = violations(plan)
        // v1 still counts on h1 while it migrates, so h1 holds 60 + 10 + 60.
        #expect(found.contains { $0.hasPrefix("wave 1: host h1 over capacity in cpu: 130 > limit 100") }, "\(found)")
    }

    @Test func migratingVMCountsOnBothHosts() {
        // A swap between two full hosts in one wave is never feasible.
        var plan = validPlan
        plan.steps = [Step(wave: 1, kind: .migrate, vm: "v1", from: "h1", to: "h2", priority: 2, applied: true, reason: "x"),
                      Step(wave: 1, kind: .migrate, vm: "v2", from: "h2", to: "h1", priority: 2, applied: true, reason: "x")]
        plan.placement["v1"] = "h2"
        plan.placement["v2"] = "h1"
        let found = violations(plan)
        #expect(found.contains { $0.contains("wave 1: host h2 over capacity in cpu") }, "\(found)")
    }

    @Test func antiAffinityRuleBroken() {
        var plan = validPlan
        plan.steps.append(Step(wave: 2, kind: .migrate, vm: "v3", from: "h1", to: "h2", priority: 2, applied: true, reason: "x"))
        plan.placement["v3"] = "h2"
        let found = violations(plan)
        #expect(found.contains { $0.contains("wave 2: anti-affinity rule apart (rules[0]) broken: v2, v3 together on host h2") }, "\(found)")
    }

    @Test func mustNotRuleBroken() {
        var plan = validPlan
        plan.steps.append(Step(wave: 2, kind: .migrate, vm: "v2", from: "h2", to: "h3", priority: 2, applied: true, reason: "x"))
        plan.placement["v2"] = "h3"
        let found = violations(plan)
        #expect(found.contains { $0.contains("mustNot rule pin (rules[1]) broken: v2 on host h3") }, "\(found)")
    }

    @Test func vmOnFailedHost() {
        var plan = validPlan
        plan.steps[0].to = "dead"
        plan.placement["v1"] = "dead"
        let found = violations(plan)
        #expect(found.contains { $0.contains("wave 1: migrate of v1 to host dead, which is failed") }, "\(found)")
    }

    @Test func ftPairTogether() {
        var plan = validPlan
        plan.steps.append(Step(wave: 2, kind: .migrate, vm: "v4", from: "h2", to: "h3", secondary: true, priority: 2, applied: true, reason: "x"))
        plan.secondaries["v4"] = "h3"
        let found = violations(plan)
        #expect(found.contains { $0.contains("FT primary and secondary of v4 are both on host h3") }, "\(found)")
    }

    @Test func wrongFinalPlacement() {
        var plan = validPlan
        plan.placement["v1"] = "h2"
        let found = violations(plan)
        #expect(found.contains("the steps leave v1 on h3, but the plan's placement says h2"), "\(found)")
    }

    @Test func concurrencyLimit() {
        var s = snapshot
        s.cluster.migration.maxConcurrentPerHost = 1
        var plan = validPlan
        plan.steps.append(Step(wave: 1, kind: .migrate, vm: "v3", from: "h1", to: "h3", priority: 2, applied: true, reason: "x"))
        plan.placement["v3"] = "h3"
        let found = PlanChecker.check(s, plan).map(\.description)
        #expect(found.contains { $0.contains("wave 1: host h1 takes part in 2 live migrations at once, more than maxConcurrentPerHost 1") }, "\(found)")
    }

    @Test func wrongSourceHost() {
        var plan = validPlan
        plan.steps[0].from = "h2"
        #expect(violations(plan).contains { $0.contains("migrate of v1 from h2, but it runs on h1") })
    }

    @Test func disabledVMMoved() {
        var s = snapshot
        s.vms[0].automation = .disabled
        let found = PlanChecker.check(s, validPlan).map(\.description)
        #expect(found.contains { $0.contains("migrate of v1, whose automation is disabled") }, "\(found)")
    }

    @Test func unplacedVMMustBeListed() {
        var plan = validPlan
        plan.placement["v1"] = nil
        plan.steps = []
        plan.placement["v4"] = "h3"
        let found = violations(plan)
        #expect(found.contains { $0.contains("the steps leave v1 on h1, but the plan's placement says nothing") })
    }

    @Test func stepAboveMigrationThreshold() {
        var s = snapshot
        s.cluster.migrationThreshold = 1
        let found = PlanChecker.check(s, validPlan).map(\.description)
        #expect(found.contains { $0.contains("has priority 2, outside 1...1") }, "\(found)")
    }

    @Test func maintenanceHostMustEndEmpty() {
        var s = snapshot
        s.hosts[0].state = .maintenance
        // Only v1 leaves h1; v3 stays on the host entering maintenance.
        let found = PlanChecker.check(s, validPlan).map(\.description)
        #expect(found.contains("VM v3 is on host h1, which is maintenance"), "\(found)")
        #expect(!found.contains { $0.hasPrefix("wave 1: VM v1") }, "a VM leaving a maintenance host is fine mid-wave")
    }

    @Test func subsetsMayLeaveInputProblemsButNotWorsenThem() {
        var s = snapshot
        s.vms[2].host = "h2"   // v3 joins v2 on h2: the input breaks anti-affinity "apart"
        var idle = validPlan
        idle.steps = []
        idle.placement["v1"] = "h1"
        idle.placement["v3"] = "h2"
        #expect(PlanChecker.check(s, idle, standard: .repaired).contains { $0.message.contains("anti-affinity rule apart") })
        #expect(PlanChecker.check(s, idle, requireRepaired: false).isEmpty)
        // A printed plan may keep it too (no move fixes it here is the planner's claim), and
        // the checker lists it as kept.
        let review = PlanChecker.review(s, idle)
        #expect(review.violations.isEmpty)
        #expect(review.kept.contains { $0.contains("anti-affinity rule apart") }, "\(review.kept)")
        // Moving v1 onto h2 as well makes the overload and the rule no better: still refused.
        var worse = idle
        worse.steps = [Step(wave: 1, kind: .migrate, vm: "v1", from: "h1", to: "h2", priority: 2, applied: true, reason: "x")]
        worse.placement["v1"] = "h2"
        #expect(!PlanChecker.check(s, worse, requireRepaired: false).isEmpty)
    }

    @Test func failedMasterMustBeReplacedByTheElectionWinner() {
        var s = snapshot
        s.cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 0, master: "dead")
        s.hosts[1].datastores = ["a", "b"]
        var plan = validPlan
        plan.haMaster = "h3"
        plan.steps.insert(Step(wave: 1, kind: .elect, host: "h3", priority: 1, applied: true, reason: "x"), at: 0)
        #expect(PlanChecker.check(s, plan).contains { $0.message.contains("HA master must be h2") })
        plan.haMaster = "h2"
        plan.steps[0].host = "h2"
        #expect(PlanChecker.check(s, plan).isEmpty)
    }

    @Test func admissionControlRefusesANewVM() {
        var s = snapshot
        s.cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 1, master: "h1")
        s.vms.append(Fixtures.vm("new", on: nil, cpu: 70, memory: 10))
        var plan = validPlan
        plan.steps.append(Step(wave: 1, kind: .place, vm: "new", to: "h2", priority: 1, applied: true, reason: "x"))
        plan.placement["new"] = "h2"
        // Demand cpu 60+60+10+10+10(secondary)+70 = 220 > 300 - 100 = 200 after one failure.
        let found = PlanChecker.check(s, plan).map(\.description)
        #expect(found.contains { $0.contains("admission control broken in cpu") }, "\(found)")
    }
}
