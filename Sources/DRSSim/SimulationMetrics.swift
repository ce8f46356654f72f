/// What a simulation measured, accumulated update by update exactly as CloudSim 3.0.3 accounts
/// its PlanetLab experiments (the shared folder's README states the definitions):
/// - energy: per host and interval, the mean of the power at its start and at its end times the
///   interval, 0 when the host was off (utilization 0) at its start;
/// - SLATAH: time the active hosts spent with allocated < requested CPU, over their active time
///   (pooled over hosts);
/// - PDM: CPU that VMs asked for and did not get while migrating out, over all CPU asked for;
/// - SLAV = SLATAH x PDM; ESV = energy x SLAV; migrations: migrations started.
public struct SimulationMetrics: Sendable, Equatable {
    /// Energy drawn, joules.
    public var energyJoules: Double = 0
    /// Host-seconds with the host active at the interval's start.
    public var activeSeconds: Double = 0
    /// Host-seconds active with allocated < requested CPU.
    public var violationSeconds: Double = 0
    /// VM CPU asked for, MIPS-seconds.
    public var requestedMipsSeconds: Double = 0
    /// VM CPU asked for and not given, MIPS-seconds (all causes).
    public var unmetMipsSeconds: Double = 0
    /// VM CPU not given while migrating out, MIPS-seconds (PDM's numerator).
    public var migrationShortfall: Double = 0
    /// Migrations started.
    public var migrations: Int = 0
    /// Migrations a policy asked for that could not start (VM gone, already moving, same host).
    public var refusedMigrations: Int = 0
    /// Planned waves not started before the next step (the next policy run replaces them).
    public var droppedWaves: Int = 0
    /// Policy runs.
    public var steps: Int = 0
    /// Sum over policy runs of the hosts active at the run.
    public var activeHostSteps: Int = 0
    /// Largest number of active hosts at a policy run.
    public var maxActiveHosts: Int = 0
    /// Sum over policy runs of the hosts asked for more CPU than they have.
    public var overloadedHostSteps: Int = 0
    /// VMs no host took at time 0.
    public var unplaced: Int = 0
    /// VMs that left because their demand fell to 0 (CloudSim ends them).
    public var ended: Int = 0
    /// Seconds the policy spent deciding, over all runs.
    public var policySeconds: Double = 0

    /// An empty account.
    public init() {}

    /// Energy in kWh.
    public var energyKWh: Double { energyJoules / 3_600_000 }
    /// SLA violation time per active host, a fraction.
    public var slatah: Double { activeSeconds > 0 ? violationSeconds / activeSeconds : 0 }
    /// Performance degradation due to migration, a fraction.
    public var pdm: Double { requestedMipsSeconds > 0 ? migrationShortfall / requestedMipsSeconds : 0 }
    /// SLATAH x PDM.
    public var slav: Double { slatah * pdm }
    /// Energy (kWh) x SLAV.
    public var esv: Double { energyKWh * slav }
    /// CPU asked for and not given, over all CPU asked for, a fraction.
    public var unmetDemand: Double { requestedMipsSeconds > 0 ? unmetMipsSeconds / requestedMipsSeconds : 0 }
    /// Mean number of active hosts at the policy runs.
    public var meanActiveHosts: Double { steps > 0 ? Double(activeHostSteps) / Double(steps) : 0 }
}

/// One policy run of a simulation (a line of `drs simulate --output`).
public struct StepRecord: Sendable, Equatable {
    /// 1 for the first run.
    public var step: Int
    /// Seconds since the start.
    public var time: Double
    /// VMs still in the simulation.
    public var vms: Int
    /// Hosts running something after the update, before the policy's migrations.
    public var activeHosts: Int
    /// Hosts asked for more CPU than they have.
    public var overloadedHosts: Int
    /// Active hosts with allocated < requested CPU.
    public var violatingHosts: Int
    /// Migrations the policy started at this run (later waves count at their own run).
    public var migrations: Int
    /// Energy drawn since the previous run, kWh.
    public var energyKWh: Double
    /// CPU asked for by all VMs, MIPS.
    public var requestedMips: Double
    /// Seconds the policy took.
    public var policySeconds: Double
}
