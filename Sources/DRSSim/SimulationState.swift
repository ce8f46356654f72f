/// The simulated cluster at one moment, as a policy sees it: which VMs each host runs, what
/// every VM asks for now, what each host gives, and every VM's utilization history. The
/// `Simulator` changes it; policies only read it.
///
/// Host side, per host index: `hostVMs` lists the VMs in the order they arrived (a VM migrating
/// in is listed on its target too, and in `migratingIn`); `allocatedMips` is the CPU the host
/// gives its VMs (a VM migrating out counted at its full share, one migrating in at 10%, as
/// CloudSim counts host utilization), `requestedMips` what they ask for, `availableMips` the
/// capacity left unasked (0 when oversubscribed). VM side, per VM index: `vmHost` (-1: none),
/// `requested` (MIPS asked at `time`), `inMigration`, `alive` (false once the VM has left: not
/// placed at time 0, or stopped when its demand fell to exactly 0, as CloudSim removes it).
public struct SimulationState: Sendable {
    /// How many past utilization values each VM keeps (CloudSim's `PowerVm.HISTORY_LENGTH`).
    public static let historyLength = 30

    /// The world being simulated.
    public let world: SimulationWorld
    /// Seconds since the start.
    public internal(set) var time: Double = 0
    /// Policy runs so far (the current one included while a policy runs).
    public internal(set) var step: Int = 0
    /// Per host: its VMs in arrival order (VMs migrating in included).
    public internal(set) var hostVMs: [[Int32]]
    /// Per host: the VMs migrating in.
    public internal(set) var migratingIn: [[Int32]]
    /// Per host: CPU given at the last update (MIPS).
    public internal(set) var allocatedMips: [Double]
    /// Per host: CPU asked for at the last update (MIPS; VMs migrating in at their full demand).
    public internal(set) var requestedMips: [Double]
    /// Per host: capacity not asked for (MIPS), 0 when the host is oversubscribed.
    public internal(set) var availableMips: [Double]
    /// Per VM: its host (-1: none).
    public internal(set) var vmHost: [Int32]
    /// Per VM: whether it is migrating now.
    public internal(set) var inMigration: [Bool]
    /// Per VM: whether it is still in the simulation.
    public internal(set) var alive: [Bool]
    /// Per VM: CPU asked for at `time` (MIPS, not capped).
    public internal(set) var requested: [Double]
    /// Per VM: utilization values kept, newest first, at most `historyLength`.
    public internal(set) var historyCount: [Int]
    /// Per VM: `historyLength` slots, newest first (`history(_:)` reads them).
    var historyValues: [Double]
    /// Per VM: CPU given at the last update (0 for a VM not placed), its state entry for PDM.
    var allocated: [Double]
    /// Per VM: whether its last state entry was taken while it migrated out.
    var entryMigrating: [Bool]
    /// Per VM: whether it has a state entry yet.
    var recorded: [Bool]

    /// The state before time 0: every VM on its world-given host (or none), nothing allocated.
    public init(world: SimulationWorld) {
        self.world = world
        let hostCount = world.hosts.count, vmCount = world.vms.count
        hostVMs = Array(repeating: [], count: hostCount)
        migratingIn = Array(repeating: [], count: hostCount)
        allocatedMips = Array(repeating: 0, count: hostCount)
        requestedMips = Array(repeating: 0, count: hostCount)
        availableMips = world.hosts.map(\.totalMips)
        vmHost = Array(repeating: -1, count: vmCount)
        inMigration = Array(repeating: false, count: vmCount)
        alive = Array(repeating: true, count: vmCount)
        requested = world.vms.map(\.mips)
        historyCount = Array(repeating: 0, count: vmCount)
        historyValues = Array(repeating: 0, count: vmCount * Self.historyLength)
        allocated = Array(repeating: 0, count: vmCount)
        entryMigrating = Array(repeating: false, count: vmCount)
        recorded = Array(repeating: false, count: vmCount)
    }

    /// Host `host`'s CPU utilization at the last update: allocated / capacity, with values in
    /// (1, 1.01) read as 1 (CloudSim's rounding of the 10% migration overhead).
    public func utilization(_ host: Int) -> Double {
        let value = allocatedMips[host] / world.hosts[host].totalMips
        return value > 1 && value < 1.01 ? 1 : value
    }

    /// Whether host `host` runs anything (CloudSim: allocated MIPS above 0); an inactive host is off.
    public func isActive(_ host: Int) -> Bool { allocatedMips[host] > 0 }

    /// VM `vm`'s utilization history, newest first.
    public func history(_ vm: Int) -> ArraySlice<Double> {
        let start = vm * Self.historyLength
        return historyValues[start..<(start + historyCount[vm])]
    }

    /// Whether VM `vm` is migrating into host `host` now.
    public func isMigratingIn(_ vm: Int32, _ host: Int) -> Bool { migratingIn[host].contains(vm) }

    /// Records `value` as VM `vm`'s newest utilization, dropping the oldest beyond `historyLength`.
    mutating func pushHistory(_ vm: Int, _ value: Double) {
        let start = vm * Self.historyLength
        let kept = min(historyCount[vm], Self.historyLength - 1)
        var index = kept
        while index > 0 {
            historyValues[start + index] = historyValues[start + index - 1]
            index -= 1
        }
        historyValues[start] = value
        historyCount[vm] = kept + 1
    }
}
