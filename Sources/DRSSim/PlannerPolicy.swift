import DRSModel
import DRSPlanner
import DRSSolvers

/// OpenDRS itself as the consolidation policy: at every step the simulated cluster becomes a
/// snapshot (each VM's demand its forecast for the next interval), the planner plans it with a
/// fast heuristic solver, and the plan's applied migrations are carried out wave by wave. Every
/// plan has passed the independent checker.
///
/// The planner sees a pool of hosts: every active host, plus inactive hosts in order of energy
/// efficiency (watts per unit of capacity at full load, then host order) until the pool's
/// capacity is `spare` times the forecast demand; the others stay off. A VM larger than a host's
/// core gets a hard rule keeping it off that host (it could not get its demand there).
public struct PlannerPolicy: SimulationPolicy {
    /// What the planner is asked to do.
    public struct Options: Sendable, Equatable {
        /// `cluster.goal`: `consolidate` (fewest active hosts) or `balance`.
        public var goal: Goal = .consolidate
        /// `cluster.migrationThreshold`, 1 (mandatory moves only) to 5.
        public var threshold: Int = 3
        /// `cluster.maxUtilization.cpu`: the share of each host's CPU placement may fill.
        public var headroom: Double = 0.85
        /// How each VM's demand for the next interval is predicted.
        public var forecast: Forecast = .movingMax(window: 6)
        /// The solver run at every step.
        public var solver: SolverKind = .localSearch
        /// Seconds the solver may take per step (0.1 s plans as well as 0.5 s on the shared days,
        /// five times faster).
        public var timeLimit: Double = 0.1
        /// Pool capacity over forecast demand (at least 1).
        public var spare: Double = 1.5

        /// The defaults: consolidate, threshold 3, headroom 0.85, max6, local search, 0.1 s, spare 1.5.
        public init() {}
    }

    /// The name reports use.
    public var name: String
    /// The planner's settings.
    public var options: Options
    /// Steps at which the planner found no plan (nothing moved then).
    public private(set) var failures = 0

    /// A policy called `name` planning with `options`.
    public init(name: String, options: Options) {
        self.name = name
        self.options = options
    }

    /// Time 0: the planner places every VM (demand: its first trace value, as no history exists yet).
    public mutating func initialPlacement(_ state: SimulationState, vms: [Int]) -> [Migration] {
        let demands = state.world.vms.indices.map { vm in state.world.utilization(vm, at: 0) * state.world.vms[vm].mips }
        let snapshot = snapshot(state, demands: demands)
        guard let plan = plan(snapshot) else { return [] }
        return migrations(plan, kinds: [.place]).flatMap { $0 }
    }

    /// A step: plan the forecast demands and carry out the applied migrations, wave by wave.
    public mutating func migrations(_ state: SimulationState) -> [[Migration]] {
        let demands = state.world.vms.indices.map { vm in
            state.alive[vm] ? min(options.forecast.predict(state.history(vm)), 1) * state.world.vms[vm].mips : 0
        }
        let snapshot = snapshot(state, demands: demands)
        guard let plan = plan(snapshot) else { return [] }
        return migrations(plan, kinds: [.migrate])
    }

    private mutating func plan(_ snapshot: Snapshot) -> Plan? {
        let solver = options.solver.solver(for: snapshot)
        do {
            return try Planner.checkedPlan(snapshot, solver: solver, options: SolveOptions(timeLimit: options.timeLimit))
        } catch {
            failures += 1
            return nil
        }
    }

    /// The applied steps of `kinds`, by wave, as migrations of world indices.
    private func migrations(_ plan: Plan, kinds: Set<Step.Kind>) -> [[Migration]] {
        var waves: [Int: [Migration]] = [:]
        for step in plan.steps where step.applied && kinds.contains(step.kind) && step.secondary != true {
            guard let vm = step.vm.flatMap(Self.index), let target = step.to.flatMap(Self.index) else { continue }
            waves[step.wave, default: []].append(Migration(vm: vm, host: target))
        }
        return waves.keys.sorted().compactMap { waves[$0] }
    }

    /// World index from a snapshot id (`h12` or `v7`, see `snapshot(_:demands:)`).
    static func index(_ id: String) -> Int? { Int(id.dropFirst()) }
}
