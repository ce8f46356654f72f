import DRSModel

extension SimulationSetup {
    /// A snapshot replayed with a trace: its connected hosts (one core of the host's whole `cpu`
    /// capacity, `memory`, the power model `hosts[].power`), its powered-on VMs (size: `cpu`
    /// demand; memory: the `migration.memory` or `memory` demand) on their hosts, migrations at
    /// the cluster's bandwidth, and memory limiting placement. The trace gives each VM's CPU
    /// demand per step: a fraction of its size (PlanetLab percent) or an absolute demand (CSV).
    /// Throws `TraceError` naming every snapshot VM without a trace, every trace VM the snapshot
    /// lacks, every host without a power model and every VM that has no size.
    public static func world(snapshot: Snapshot, trace: Trace, interval: Double, traceName: String) throws -> SimulationWorld {
        var problems = TraceIssues()
        var hostIndex: [String: Int] = [:]
        var hosts: [SimulatedHost] = []
        for (position, host) in snapshot.hosts.enumerated() where host.state == .connected {
            guard let watts = host.power, let model = PowerModel(watts: watts) else {
                problems.add("hosts[\(position)]", "host \"\(host.id)\" has no power model: drs simulate needs hosts[].power (11 watt values at 0, 10, ..., 100% CPU)")
                continue
            }
            hostIndex[host.id] = hosts.count
            hosts.append(SimulatedHost(id: host.id, coreMips: host.capacity["cpu"] ?? 0, cores: 1,
                                       memory: host.capacity["memory"] ?? 0, bandwidth: snapshot.cluster.migration.bandwidth, power: model))
        }
        var traceRow: [String: Int] = [:]
        for (row, id) in trace.vmIDs.enumerated() { traceRow[id] = row }
        var vms: [SimulatedVM] = []
        var used = Set<String>()
        for (position, vm) in snapshot.vms.enumerated() where vm.powerState == .on {
            guard let row = traceRow[vm.id] else {
                problems.add(traceName, "missing VM: vms[\(position)] \"\(vm.id)\" of the snapshot has no trace (expected \(expectedName(vm.id, trace)))")
                continue
            }
            used.insert(vm.id)
            let size = vm.demand["cpu"] ?? 0
            if size <= 0 {
                problems.add("vms[\(position)].demand.cpu", "VM \"\(vm.id)\" needs a cpu demand > 0: the trace's values scale it")
                continue
            }
            let memory = vm.migration?.memory ?? vm.demand["memory"] ?? 0
            vms.append(SimulatedVM(id: vm.id, mips: size, memory: memory, host: vm.host.flatMap { hostIndex[$0] }, trace: row))
        }
        for (row, id) in trace.vmIDs.enumerated() where !used.contains(id) && !snapshot.vms.contains(where: { $0.id == id && $0.powerState == .off }) {
            problems.add(trace.sources[row], "trace of VM \"\(id)\", which the snapshot does not have (or has powered off)")
        }
        try problems.throwIfAny()
        var fractions = trace
        if !trace.cpuIsFraction {
            fractions.cpuIsFraction = true
            for vm in vms {
                for step in 0..<trace.steps { fractions.cpu[vm.trace * trace.steps + step] /= vm.mips }
            }
        }
        return SimulationWorld(name: snapshot.cluster.name ?? "snapshot", hosts: hosts, vms: vms, trace: fractions,
                               interval: interval, offset: 0, migrationTime: .copy(bandwidth: snapshot.cluster.migration.bandwidth),
                               memoryConstrained: snapshot.resources.contains("memory"))
    }

    private static func expectedName(_ id: String, _ trace: Trace) -> String {
        trace.cpuIsFraction ? "a file named \"\(id)\"" : "rows for VM \"\(id)\""
    }
}
