/// Beloglazov & Buyya's dynamic consolidation (CCPE 2012), as CloudSim 3.0.3 runs it, inside the
/// simulator: the baseline every later policy is compared against.
///
/// At every step: (1) overload detection finds the overloaded hosts (`Detection`); (2) minimum
/// migration time (MMT) selection takes VMs off each, the one with the least memory first, until
/// the host is no longer overloaded; (3) power-aware best fit decreasing (PABFD) places them,
/// largest demand first, each on the host whose power grows least and that is not overloaded
/// after the move (an inactive host takes any VM that fits); (4) the underload step takes the
/// active hosts from the least utilized up and moves all of a host's VMs away when every one of
/// them finds a place on another active host, else none. CloudSim's details are kept, quirks
/// included: a host's power before a move is read at the step's update while its power after
/// counts every VM planned onto it (so VMs spread over hosts), the underload order uses the
/// update's utilizations, and a host that received VMs from an overloaded host may still be
/// emptied as underloaded in the same step (its planned VMs then migrate twice).
public struct ReferencePolicy: SimulationPolicy {
    /// How a host is judged overloaded.
    public enum Detection: Sendable, Equatable {
        /// LR: local regression of the host's last 10 utilization samples (least squares over
        /// the VMs' summed histories), forecast one migration time ahead; overloaded when
        /// `safety` x forecast >= 1. With fewer than 10 samples, the static threshold 0.7.
        case localRegression(safety: Double)
        /// THR: overloaded when the requested CPU exceeds `threshold` x capacity.
        case staticThreshold(Double)
    }

    /// The policy's detection method.
    public var detection: Detection
    /// `lr-mmt-1.2`, `thr-mmt-0.8`, ...
    public var name: String

    /// The policy with `detection`, MMT selection and PABFD placement.
    public init(detection: Detection) {
        self.detection = detection
        switch detection {
        case let .localRegression(safety): name = "lr-mmt-\(safety)"
        case let .staticThreshold(threshold): name = "thr-mmt-\(threshold)"
        }
    }

    /// The policy named `lr-mmt-S` (LR with safety S, e.g. 1.2) or `thr-mmt-T` (static
    /// threshold T in (0, 1], e.g. 0.8); nil for any other name.
    public init?(name: String) {
        let parts = name.lowercased().split(separator: "-")
        guard parts.count == 3, parts[1] == "mmt", let value = Double(parts[2]), value.isFinite, value > 0 else { return nil }
        switch parts[0] {
        case "lr": self.init(detection: .localRegression(safety: value))
        case "thr" where value <= 1: self.init(detection: .staticThreshold(value))
        default: return nil
        }
    }

    /// CloudSim's initial placement: VMs in order, each asking for its full size (memory and
    /// network too, which are checked only now), by PABFD: the power increase counts the VMs the
    /// host already took, so the VMs spread over the most efficient hosts; a host that took VMs
    /// must stay under the static threshold (LR falls back to 0.7: no history exists yet) with
    /// the new VM's demand (those created before ask for nothing until their workloads start).
    public mutating func initialPlacement(_ state: SimulationState, vms: [Int]) -> [Migration] {
        let world = state.world
        let threshold: Double
        switch detection {
        case .localRegression: threshold = 0.7
        case let .staticThreshold(value): threshold = value
        }
        var available = world.hosts.map(\.totalMips)
        var given = Array(repeating: 0.0, count: world.hosts.count)
        var memory = world.hosts.map(\.memory)
        var bandwidth = world.hosts.map(\.bandwidth)
        var placements: [Migration] = []
        for vm in vms {
            let size = world.vms[vm]
            var best = -1
            var least = Double.greatestFiniteMagnitude
            for (index, host) in world.hosts.enumerated()
            where host.coreMips >= size.mips && available[index] >= size.mips && memory[index] >= size.memory
                && bandwidth[index] >= size.bandwidth {
                // The VMs created before ask for nothing yet (their workloads start at 0.1 s).
                if given[index] != 0 && size.mips / host.totalMips > threshold { continue }
                let increase = host.power.power(at: (given[index] + size.mips) / host.totalMips) - host.power.power(at: 0)
                if increase < least {
                    least = increase
                    best = index
                }
            }
            guard best >= 0 else { continue }
            available[best] -= size.mips
            given[best] += size.mips
            memory[best] -= size.memory
            bandwidth[best] -= size.bandwidth
            placements.append(Migration(vm: vm, host: best))
        }
        return placements
    }

    /// One step of the policy: overloaded hosts relieved, then underloaded hosts emptied; all the
    /// migrations start at once (one wave).
    public mutating func migrations(_ state: SimulationState) -> [[Migration]] {
        var round = ReferenceRound(state: state, detection: detection)
        let hostCount = state.world.hosts.count
        var overloaded = Array(repeating: false, count: hostCount)
        var selected: [Int32] = []
        for host in 0..<hostCount where !round.lists[host].isEmpty && round.isOverloaded(host) {
            overloaded[host] = true
            selected += round.selectMinimumMigrationTime(from: host)
        }
        var plan: [Migration] = []
        for vm in round.byDemand(selected) {
            if let host = round.findHost(for: vm, excluded: overloaded) {
                round.place(vm, on: host)
                plan.append(Migration(vm: Int(vm), host: host))
            }
        }
        plan += round.emptyUnderloadedHosts(overloaded: overloaded)
        return plan.isEmpty ? [] : [plan]
    }
}
