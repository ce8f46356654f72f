import DRSModel

/// `drs check`: a plan replayed against a snapshot, whole and as its applied subset alone,
/// independently of the solver that made it.
package struct CheckReport: Sendable {
    /// Violations of the whole plan.
    package var whole: [CheckViolation]
    /// Violations when only the applied steps run (empty when the whole plan passes and every
    /// step is applied: the plan is then its own subset).
    package var applied: [CheckViolation]
    /// Steps and waves of the whole plan.
    package var steps: Int
    package var waves: Int
    /// Steps and waves of the applied subset.
    package var appliedSteps: Int
    package var appliedWaves: Int

    /// Whether both the whole plan and its applied subset hold every hard constraint.
    package var passed: Bool { whole.isEmpty && applied.isEmpty }

    /// Checks `plan` against `snapshot`.
    package init(_ snapshot: Snapshot, _ plan: Plan) {
        let context = PlanChecker.Context(snapshot)
        whole = PlanChecker.check(snapshot, plan, context: context)
        applied = whole.isEmpty && plan.steps.allSatisfy(\.applied) ? []
            : PlanChecker.checkApplied(snapshot, plan, context: context)
        steps = plan.steps.count
        waves = Set(plan.steps.map(\.wave)).count
        let appliedList = plan.steps.filter(\.applied)
        appliedSteps = appliedList.count
        appliedWaves = Set(appliedList.map(\.wave)).count
    }
}

/// `drs validate`: what a valid snapshot holds.
package struct SnapshotCounts: Sendable {
    package var hosts: Int
    package var vms: Int
    /// VMs powered on.
    package var poweredOn: Int
    package var rules: Int

    package init(_ snapshot: Snapshot) {
        hosts = snapshot.hosts.count
        vms = snapshot.vms.count
        poweredOn = snapshot.vms.filter { $0.powerState == .on }.count
        rules = snapshot.rules.count
    }
}
