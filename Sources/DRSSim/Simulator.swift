import Foundation

/// A live migration a policy asks for: VM index `vm` to host index `host`.
public struct Migration: Sendable, Equatable, Hashable {
    /// The VM (an index into the world's VMs).
    public var vm: Int
    /// The target host (an index into the world's hosts).
    public var host: Int

    /// VM `vm` to host `host`.
    public init(vm: Int, host: Int) {
        self.vm = vm
        self.host = host
    }
}

/// A consolidation policy: where VMs start, and which migrations to run at every step.
public protocol SimulationPolicy {
    /// The name reports use (`lr-mmt-1.2`, `drs-consolidate`, ...).
    var name: String { get }
    /// Hosts for `vms`, the VMs with no host at time 0 (their `requested` is their full size).
    /// A VM left out is not simulated and is counted as unplaced.
    mutating func initialPlacement(_ state: SimulationState, vms: [Int]) -> [Migration]
    /// The migrations to carry out now, in waves: the first starts at once, each next one when
    /// every migration of the previous one has completed (and no later than the next step).
    mutating func migrations(_ state: SimulationState) -> [[Migration]]
}

/// The result of a whole simulation.
public struct SimulationResult: Sendable {
    /// The policy's name.
    public var policy: String
    /// The world's name.
    public var world: String
    /// Hosts and VMs simulated.
    public var hosts: Int, vms: Int
    /// The totals.
    public var metrics: SimulationMetrics
    /// Wall-clock seconds of the whole run.
    public var seconds: Double
}

/// Replays a trace through a policy, update by update, as CloudSim 3.0.3 runs its PlanetLab
/// experiments: at time 0 the policy places the VMs; at every step (`offset` after each step
/// boundary) every host updates (new demands, allocation, accounting, idle VMs end) and the
/// policy runs; migrations start at once and complete after their migration time, each
/// completion updating every host before and after the VM moves. The run ends at the end of
/// the trace's last step (events from then on are not processed).
public final class Simulator {
    /// The current state.
    public private(set) var state: SimulationState
    /// What has been measured so far.
    public private(set) var metrics = SimulationMetrics()
    private var events: [(time: Double, order: Int, migration: Migration)] = []
    private var order = 0
    private var waves: [[Migration]] = []
    private var lastUpdate: Double?
    private var stepMigrations = 0
    private var energyAtLastStep = 0.0

    /// A simulator of `world`, before time 0.
    public init(world: SimulationWorld) {
        state = SimulationState(world: world)
    }

    /// Runs the whole trace through `policy`; `progress` is called after every step.
    public func run(_ policy: inout any SimulationPolicy, progress: ((StepRecord) -> Void)? = nil) -> SimulationResult {
        let clock = ContinuousClock()
        let started = clock.now
        placeInitially(&policy)
        let world = state.world
        var time = world.offset + world.interval
        while time < world.end {
            processEvents(before: time)
            let record = runStep(at: time, &policy)
            progress?(record)
            time += world.interval
        }
        processEvents(before: world.end)
        let seconds = (clock.now - started) / .seconds(1)
        return SimulationResult(policy: policy.name, world: world.name, hosts: world.hosts.count, vms: world.vms.count,
                                metrics: metrics, seconds: seconds)
    }

    /// Time 0: VMs with a world-given host go there; the policy places the others.
    private func placeInitially(_ policy: inout any SimulationPolicy) {
        var waiting: [Int] = []
        for (index, vm) in state.world.vms.enumerated() {
            if let host = vm.host {
                state.hostVMs[host].append(Int32(index))
                state.vmHost[index] = Int32(host)
            } else {
                waiting.append(index)
            }
        }
        if !waiting.isEmpty {
            for placement in policy.initialPlacement(state, vms: waiting)
            where state.vmHost[placement.vm] < 0 && state.world.hosts.indices.contains(placement.host) {
                state.hostVMs[placement.host].append(Int32(placement.vm))
                state.vmHost[placement.vm] = Int32(placement.host)
            }
        }
        for vm in state.world.vms.indices where state.vmHost[vm] < 0 {
            state.alive[vm] = false
            metrics.unplaced += 1
        }
    }

    /// One step: update every host, run the policy, start its first wave.
    private func runStep(at time: Double, _ policy: inout any SimulationPolicy) -> StepRecord {
        update(at: time, step: true)
        if !waves.isEmpty {
            metrics.droppedWaves += waves.count
            waves = []
        }
        state.step += 1
        metrics.steps += 1
        let active = state.world.hosts.indices.filter { state.isActive($0) }.count
        let overloaded = state.world.hosts.indices.filter { state.requestedMips[$0] > state.world.hosts[$0].totalMips }.count
        let violating = state.world.hosts.indices.filter { state.isActive($0) && state.allocatedMips[$0] < state.requestedMips[$0] }.count
        metrics.activeHostSteps += active
        metrics.maxActiveHosts = max(metrics.maxActiveHosts, active)
        metrics.overloadedHostSteps += overloaded
        let clock = ContinuousClock()
        let started = clock.now
        var planned = policy.migrations(state)
        let policySeconds = (clock.now - started) / .seconds(1)
        metrics.policySeconds += policySeconds
        stepMigrations = 0
        if !planned.isEmpty {
            let first = planned.removeFirst()
            waves = planned
            start(first, at: time)
        }
        let energy = metrics.energyKWh - energyAtLastStep
        energyAtLastStep = metrics.energyKWh
        let alive = state.alive.filter { $0 }.count
        let requested = state.requested.indices.reduce(0.0) { $0 + (state.alive[$1] && state.vmHost[$1] >= 0 ? state.requested[$1] : 0) }
        return StepRecord(step: state.step, time: time, vms: alive, activeHosts: active, overloadedHosts: overloaded,
                          violatingHosts: violating, migrations: stepMigrations, energyKWh: energy,
                          requestedMips: requested, policySeconds: policySeconds)
    }

    /// Every host updates at `time`: the interval since the last update is accounted with the
    /// state entries taken then, demands move to `time`, allocations are recomputed, the
    /// interval's energy is added and idle VMs end.
    private func update(at time: Double, step: Bool) {
        let before = state.world.hosts.indices.map { state.utilization($0) }
        let seconds = lastUpdate.map { time - $0 } ?? 0
        if seconds > 0 { state.accountEntries(seconds, into: &metrics) }
        state.time = time
        state.updateDemands(at: time, recordHistory: step)
        for host in state.world.hosts.indices { state.allocate(host) }
        if seconds > 0 { metrics.energyJoules += state.intervalEnergy(seconds, before: before) }
        metrics.ended += state.endIdleVMs()
        lastUpdate = time
    }

    /// Starts `wave` at `time`; migrations that cannot start (VM gone or moving, bad or same
    /// host) are refused and counted. A VM may be sent a second time within one wave, to
    /// another host (CloudSim's reference policy can plan a VM away from an overloaded host and
    /// then again away from the host it was planned to): both migrations run and count, and the
    /// VM ends on the later target.
    private func start(_ wave: [Migration], at time: Double) {
        var startedNow = Set<Int>()
        for migration in wave {
            let vm = migration.vm, target = migration.host
            guard state.world.vms.indices.contains(vm), state.world.hosts.indices.contains(target),
                  state.alive[vm], state.vmHost[vm] >= 0, Int(state.vmHost[vm]) != target,
                  !state.inMigration[vm] || startedNow.contains(vm),
                  !state.migratingIn[target].contains(Int32(vm)) else {
                metrics.refusedMigrations += 1
                continue
            }
            startedNow.insert(vm)
            begin(vm, to: target, at: time)
        }
    }

    private func begin(_ vm: Int, to target: Int, at time: Double) {
        let source = Int(state.vmHost[vm])
        state.inMigration[vm] = true
        state.hostVMs[target].append(Int32(vm))
        state.migratingIn[target].append(Int32(vm))
        let seconds = state.world.migrationTime.seconds(state.world.vms[vm], to: state.world.hosts[target])
        let event = (time: time + seconds, order: order, migration: Migration(vm: vm, host: target))
        order += 1
        let position = events.firstIndex { $0.time > event.time } ?? events.endIndex
        events.insert(event, at: position)
        metrics.migrations += 1
        stepMigrations += 1
        state.allocate(target)
        state.allocate(source)
    }

    /// Completes every migration due before `limit`, in time order; at each completion time
    /// every host updates, the VMs move, every host updates again, and the next wave starts
    /// once the current one has completed.
    private func processEvents(before limit: Double) {
        while let next = events.first, next.time < limit {
            let time = next.time
            update(at: time, step: false)
            while let due = events.first, due.time == time {
                events.removeFirst()
                complete(due.migration)
            }
            for host in state.world.hosts.indices { state.allocate(host) }
            metrics.ended += state.endIdleVMs()
            if events.isEmpty && !waves.isEmpty {
                start(waves.removeFirst(), at: time)
            }
        }
    }

    private func complete(_ migration: Migration) {
        let vm = migration.vm, target = migration.host
        let source = Int(state.vmHost[vm])
        if source >= 0, let position = state.hostVMs[source].firstIndex(of: Int32(vm)) {
            state.hostVMs[source].remove(at: position)
        }
        if let position = state.migratingIn[target].firstIndex(of: Int32(vm)) { state.migratingIn[target].remove(at: position) }
        if let position = state.hostVMs[target].firstIndex(of: Int32(vm)) { state.hostVMs[target].remove(at: position) }
        state.hostVMs[target].append(Int32(vm))
        state.vmHost[vm] = Int32(target)
        state.inMigration[vm] = false
    }
}
