/// A host of the simulated cluster. CPU is modelled as CloudSim models it: `cores` processing
/// elements of `coreMips` each; one VM core gets at most one host core (a VM asking more is
/// capped), and the host's total is shared in proportion when the VMs ask for more.
public struct SimulatedHost: Sendable, Equatable {
    /// The host id (snapshot `hosts[].id`, or `host-N` for a built setup).
    public var id: String
    /// Capacity of one core (MIPS, or the snapshot's cpu units for a snapshot host of one core).
    public var coreMips: Double
    /// Number of cores.
    public var cores: Int
    /// Memory (MB or the snapshot's units); constrains placement only when the world says so.
    public var memory: Double
    /// Network bandwidth in the setup's units (CloudSim: kbit/s); the migration time model reads it.
    public var bandwidth: Double
    /// Power draw by utilization; an empty host draws nothing.
    public var power: PowerModel

    /// A host; nothing is checked here.
    public init(id: String, coreMips: Double, cores: Int, memory: Double, bandwidth: Double, power: PowerModel) {
        self.id = id
        self.coreMips = coreMips
        self.cores = cores
        self.memory = memory
        self.bandwidth = bandwidth
        self.power = power
    }

    /// Total CPU capacity: `coreMips x cores`.
    public var totalMips: Double { coreMips * Double(cores) }
}

/// A VM of the simulated cluster: one core of `mips` at 100%; the trace says how much of it the
/// VM asks for at each moment.
public struct SimulatedVM: Sendable, Equatable {
    /// The VM id (the trace's VM id).
    public var id: String
    /// CPU at 100% utilization (MIPS, or the snapshot's cpu units).
    public var mips: Double
    /// Memory (MB or the snapshot's units): what a live migration copies.
    public var memory: Double
    /// Network bandwidth the VM reserves at creation (CloudSim's initial placement checks it).
    public var bandwidth: Double
    /// The host it starts on (an index into the world's hosts); nil: placed by the policy at time 0.
    public var host: Int?
    /// Its row in the trace.
    public var trace: Int

    /// A VM; nothing is checked here.
    public init(id: String, mips: Double, memory: Double, bandwidth: Double = 0, host: Int? = nil, trace: Int) {
        self.id = id
        self.mips = mips
        self.memory = memory
        self.bandwidth = bandwidth
        self.host = host
        self.trace = trace
    }
}

/// How long a live migration takes in the simulated world.
public enum MigrationTime: Sendable, Equatable {
    /// CloudSim's rule: VM memory (MB) / (target host bandwidth / 16,000) seconds: half of the
    /// host's link (its `bandwidth` in kbit/s) carries the copy; 27.84 s for 1,740 MB on 1 Gbit/s.
    case cloudSim
    /// Memory / bandwidth (MiB/s) plus one second of setup, the snapshot contract's estimate
    /// for a VM that dirties no memory.
    case copy(bandwidth: Double)

    /// Seconds to move `vm` to `host`.
    public func seconds(_ vm: SimulatedVM, to host: SimulatedHost) -> Double {
        switch self {
        case .cloudSim: return vm.memory / (host.bandwidth / 16_000)
        case let .copy(bandwidth): return vm.memory / bandwidth + 1
        }
    }
}

/// Everything `drs simulate` replays: hosts, VMs, the trace that drives the VMs' demand, the
/// step length and timing, and the world's rules for migrations and memory.
public struct SimulationWorld: Sendable {
    /// A label for reports (`beloglazov2012`, or the snapshot's cluster name).
    public var name: String
    /// The hosts, in order: a host's position is its index everywhere in the simulation.
    public var hosts: [SimulatedHost]
    /// The VMs, in order (the trace order for a built setup).
    public var vms: [SimulatedVM]
    /// The demand trace; each VM reads its `trace` row.
    public var trace: Trace
    /// Seconds per trace step and between two policy runs.
    public var interval: Double
    /// Seconds after each step boundary at which the policy runs: 0.1 reproduces CloudSim's
    /// timing (its updates come at 300.1, 600.1, ... and demand is interpolated there).
    public var offset: Double
    /// How long a migration takes.
    public var migrationTime: MigrationTime
    /// Whether memory limits placement after time 0. CloudSim's PlanetLab setup checks memory at
    /// the initial placement only (its VMs then ask for no memory), so the built setup says false.
    public var memoryConstrained: Bool

    /// A world; `SimulationSetup` builds the published one and reads snapshots.
    public init(name: String, hosts: [SimulatedHost], vms: [SimulatedVM], trace: Trace, interval: Double,
                offset: Double = 0, migrationTime: MigrationTime, memoryConstrained: Bool) {
        self.name = name
        self.hosts = hosts
        self.vms = vms
        self.trace = trace
        self.interval = interval
        self.offset = offset
        self.migrationTime = migrationTime
        self.memoryConstrained = memoryConstrained
    }

    /// The simulation ends at the end of the trace's last step: `steps x interval` seconds.
    public var end: Double { Double(trace.steps) * interval }

    /// VM `vm`'s CPU utilization (fraction of its size) at `time`, interpolated linearly between
    /// the steps as CloudSim's PlanetLab utilization model does (the last value holds after the
    /// last step).
    public func utilization(_ vm: Int, at time: Double) -> Double {
        let row = vms[vm].trace
        let steps = trace.steps
        let base = row * steps
        func value(_ step: Int) -> Double { trace.cpu[base + min(step, steps - 1)] }
        if time.truncatingRemainder(dividingBy: interval) == 0 { return value(Int(time / interval)) }
        let first = Int((time / interval).rounded(.down))
        let second = Int((time / interval).rounded(.up))
        let delta = (value(second) - value(first)) / (Double(second - first) * interval)
        return value(first) + delta * (time - Double(first) * interval)
    }
}
