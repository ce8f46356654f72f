@_spi(Benchmarks) import DRSModel

/// Makes the applied steps a plan on their own (SPEC section 3, `applied`): what `--apply`
/// carries out must keep every hard constraint at every moment of every wave without any of
/// the recommended steps. The steps are replayed wave by wave with the applied ones only, as
/// the checker does (a migrating VM counts on both hosts; what the snapshot already broke is
/// tolerated while it gets no worse); an applied step that cannot run there is demoted to a
/// recommendation, and `waitsFor` names the recommended steps it needs first. Demotion only
/// removes load and presence, so the replay repeats until nothing more is demoted (a hop whose
/// continuation is demoted is demoted too; placements that break HA admission control in the
/// applied end state are demoted lowest priority first).
///
/// Complexity: O(steps) to resolve the steps' ids once (`StepFacts`), then O(passes x (V x R
/// + steps x (R + rule members of the moving VMs) + steps log steps)); a pass repeats only
/// after a demotion that can affect an earlier step, which is rare. Nothing per step is
/// hashed by name or allocated; the steps by VM and by source host (`StepIndex`) are built
/// only when a step is demoted.
struct AppliedSubset {
    let problem: Problem
    let facts: StepFacts
    let H: Int
    let R: Int
    var load: [Int64]
    let initialLoad: [Int64]
    var primary: [Int32]
    var secondary: [Int32]
    let initialPrimary: [Int32]
    /// Hard anti-affinity presence: rule -> host -> members present (both ends while migrating).
    var presence: [[Int32: Int32]]
    let initialPresence: [[Int32: Int32]]
    var hostOn: [Bool]
    /// Per VM, where its primary / secondary moves during the current wave (`Span`), or
    /// `Span.none` when it does not move.
    var moving: [Span]
    var movingSecondary: [Span]
    /// Per VM, where the primary step of the unit being admitted takes it (`Span.none` outside).
    var unitAt: [Span]
    /// Per host and resource, what the unit being admitted adds (zero outside a unit).
    var unitLoad: [Int64]
    /// Steps by VM and by source host, built at the first demotion.
    var stepIndex: StepIndex?

    /// A move's source (-1 for a placement) and destination, packed; `none` when not moving.
    struct Span: Equatable {
        var from: Int32
        var to: Int32
        static let none = Span(from: -1, to: -1)
        var isMoving: Bool { to >= 0 }
        /// The hosts it occupies, source first.
        var hosts: [Int32] { from >= 0 ? [from, to] : [to] }
        func occupies(_ h: Int32) -> Bool { to == h || from == h }
    }

    init(problem: Problem, facts: StepFacts, reserveHosts: Set<String> = []) {
        self.problem = problem
        self.facts = facts
        H = problem.hostCount
        R = problem.resourceCount
        let initial = PlacementStateSnapshot(problem)
        load = initial.load
        initialLoad = initial.load
        primary = problem.vmInitialHost.enumerated().map { problem.vmActive[$0.offset] ? $0.element : -1 }
        secondary = problem.vmInitialSecondary.enumerated().map { problem.vmActive[$0.offset] ? $0.element : -1 }
        initialPrimary = primary
        presence = [[Int32: Int32]](repeating: [:], count: problem.antiAffinity.count)
        for (rule, members) in problem.antiAffinity.enumerated() {
            for v in members where primary[Int(v)] >= 0 { presence[rule][primary[Int(v)], default: 0] += 1 }
        }
        initialPresence = presence
        // Reserve hosts are standby until their powerOn step runs.
        hostOn = problem.snapshot.hosts.map { $0.state == .connected && !reserveHosts.contains($0.id) }
        moving = [Span](repeating: .none, count: problem.vmCount)
        movingSecondary = moving
        unitAt = moving
        unitLoad = [Int64](repeating: 0, count: H * R)
    }

    /// Demotes what the applied subset cannot carry out alone; returns the notes to add to the
    /// plan (empty when nothing was demoted). `steps` must be sorted by wave.
    static func repair(_ steps: inout [Step], problem: Problem, reserveHosts: Set<String>) -> [String] {
        var demoted = 0
        // Passes change only `applied`, `waitsFor` and `reason`: what the steps name holds.
        let facts = StepFacts(steps, problem: problem)
        var stepIndex: StepIndex?
        for _ in 0..<(steps.count + 2) {
            var pass = AppliedSubset(problem: problem, facts: facts, reserveHosts: reserveHosts)
            pass.stepIndex = stepIndex
            let (count, again) = pass.run(&steps, reserveHosts: reserveHosts)
            stepIndex = pass.stepIndex
            demoted += count
            if !again { break }
        }
        guard demoted > 0 else { return [] }
        return ["\(demoted) step(s) kept as recommendations although their automation level applies them: each needs a recommended step first (see waitsFor); the applied steps alone keep every hard constraint at every wave"]
    }

    /// The VM a step names, or nil when it names none the problem knows.
    func vmIndex(_ position: Int) -> Int? { facts.vm[position] >= 0 ? Int(facts.vm[position]) : nil }

    /// The steps by VM and by source host (built once, at the first demotion).
    mutating func index(_ steps: [Step]) -> StepIndex {
        if let stepIndex { return stepIndex }
        let built = StepIndex(steps, facts: facts)
        stepIndex = built
        return built
    }

    /// One replay; returns how many steps it demoted and whether another pass is needed.
    mutating func run(_ steps: inout [Step], reserveHosts: Set<String>) -> (Int, Bool) {
        let (powerOnWave, powerOnStep) = preparePowerOns(&steps, reserveHosts: reserveHosts)
        var demoted = 0
        var again = false
        var first = 0
        while first < steps.count {
            // The steps are sorted by wave: each wave is a run of positions.
            let wave = steps[first].wave
            var end = first + 1
            while end < steps.count && steps[end].wave == wave { end += 1 }
            let (count, more) = replayWave(wave, first..<end, &steps, powerOnWave: powerOnWave)
            demoted += count
            again = again || more
            first = end
        }
        settlePowerOns(&steps, powerOnStep: powerOnStep, reserveHosts: reserveHosts)
        let admission = demoteForAdmission(&steps)
        return (demoted + admission.demoted, again || admission.again)
    }

    /// Host steps: a standby host comes back in the wave of its powerOn step when an applied
    /// step needs it (or, for a reserve host, when new VMs are placed under admission control,
    /// or when it is elected HA master). Returns each host's first powerOn wave and its step.
    func preparePowerOns(_ steps: inout [Step], reserveHosts: Set<String>) -> (wave: [Int: Int], step: [Int: Int]) {
        let newPlacementApplied = steps.indices.contains { position in
            steps[position].applied && facts.kind[position] == .place && !facts.secondary[position] && vmIndex(position).map(isNew) == true
        }
        var powerOnWave: [Int: Int] = [:]
        var powerOnStep: [Int: Int] = [:]
        let elected = Set(steps.filter { $0.kind == .elect && $0.applied }.compactMap(\.host))
        for (index, step) in steps.enumerated() where step.kind == .powerOn {
            guard facts.host[index] >= 0 else { continue }
            let h = Int(facts.host[index])
            powerOnWave[h] = min(powerOnWave[h] ?? Int.max, step.wave)
            powerOnStep[h] = index
            steps[index].applied = reserveHosts.contains(step.host!) && (newPlacementApplied || elected.contains(step.host!))
        }
        return (powerOnWave, powerOnStep)
    }

    /// One wave of the replay (`positions`, the wave's run of steps): host steps and
    /// promotions first, then the moving steps unit by unit (a unit that cannot run is
    /// demoted, with a temporary stop whose continuation cannot run), then the wave settles
    /// and its standby steps are checked. Returns the steps demoted and whether another pass
    /// is needed.
    mutating func replayWave(_ wave: Int, _ positions: Range<Int>, _ steps: inout [Step],
                             powerOnWave: [Int: Int]) -> (Int, Bool) {
        startHostSteps(positions, steps)
        var demoted = 0
        var again = false
        var admitted: [(index: Int, v: Int, from: Int32, to: Int32)] = []
        let (order, bounds) = movingUnits(positions, steps)
        for u in 0..<bounds.count - 1 {
            let unit = order[bounds[u]..<bounds[u + 1]]
            guard let why = admit(unit, steps: steps, wave: wave, powerOnWave: powerOnWave, admitted: &admitted) else { continue }
            let index = self.index(steps)
            for blocked in unit {
                demote(&steps[blocked], waitingFor: blockers(why, index: blocked, steps: steps, index: index))
                demoted += 1
                // A temporary stop whose continuation cannot run is not applied either.
                if let hop = index.appliedHop(before: blocked, vm: vmIndex(blocked), steps: steps) {
                    demote(&steps[hop], waitingFor: [steps[blocked].label])
                    demoted += 1
                    again = true
                }
            }
        }
        settle(admitted)
        demoted += checkStandby(wave, positions, &steps, admitted: admitted)
        return (demoted, again)
    }

    /// The applied powerOn and promote steps of a wave take effect at its start.
    mutating func startHostSteps(_ positions: Range<Int>, _ steps: [Step]) {
        for index in positions where steps[index].applied {
            switch facts.kind[index] {
            case .powerOn:
                if facts.host[index] >= 0 { hostOn[Int(facts.host[index])] = true }
            case .promote:
                if let v = vmIndex(index), secondary[v] >= 0 {
                    primary[v] = secondary[v]
                    secondary[v] = -1
                    for rule in problem.vmAntiAffinity[v] { presence[Int(rule)][primary[v], default: 0] += 1 }
                }
            default: break
            }
        }
    }

    /// The applied moving steps of a wave in replay order (HA restarts first, then by priority;
    /// primaries before secondaries), grouped into units (a required affinity group is one):
    /// unit u is `order[bounds[u]..<bounds[u + 1]]`, units in the order of their first step.
    /// O(steps log steps).
    func movingUnits(_ positions: Range<Int>, _ steps: [Step]) -> (order: [Int], bounds: [Int]) {
        var movingSteps = positions.filter { facts.isMoving[$0] && steps[$0].applied }
        // Restarts first, then primaries before secondaries, then by priority, then in order.
        movingSteps.sort { a, b in (facts.replayRank[a], steps[a].priority, a) < (facts.replayRank[b], steps[b].priority, b) }
        var unitOf = [Int](repeating: 0, count: movingSteps.count)
        var sizes: [Int] = []
        var unitOfGroup: [Int32: Int] = [:]
        for (position, index) in movingSteps.enumerated() {
            let v = vmIndex(index) ?? -1
            let group = v >= 0 && !facts.secondary[index] ? problem.vmGroup[v] : -1
            if group >= 0, let unit = unitOfGroup[group] {
                unitOf[position] = unit
                sizes[unit] += 1
                continue
            }
            if group >= 0 { unitOfGroup[group] = sizes.count }
            unitOf[position] = sizes.count
            sizes.append(1)
        }
        var bounds = [Int](repeating: 0, count: sizes.count + 1)
        for u in sizes.indices { bounds[u + 1] = bounds[u] + sizes[u] }
        var next = bounds
        var order = [Int](repeating: 0, count: movingSteps.count)
        for (position, index) in movingSteps.enumerated() {
            order[next[unitOf[position]]] = index
            next[unitOf[position]] += 1
        }
        return (order, bounds)
    }

    /// End of a wave: sources are released, positions settle.
    mutating func settle(_ admitted: [(index: Int, v: Int, from: Int32, to: Int32)]) {
        for move in admitted {
            let isSecondary = facts.secondary[move.index]
            if move.from >= 0 {
                for r in 0..<R { load[r * H + Int(move.from)] -= problem.demand(move.v, r) }
                if !isSecondary {
                    for rule in problem.vmAntiAffinity[move.v] { presence[Int(rule)][move.from, default: 0] -= 1 }
                }
            }
            if isSecondary { secondary[move.v] = move.to } else { primary[move.v] = move.to }
        }
        for move in admitted {
            moving[move.v] = .none
            movingSecondary[move.v] = .none
        }
    }

    /// The wave's applied standby steps: a host that still runs or receives a VM is not put in
    /// standby (the step waits for the recommended moves off it). Returns the steps demoted.
    mutating func checkStandby(_ wave: Int, _ positions: Range<Int>, _ steps: inout [Step],
                               admitted: [(index: Int, v: Int, from: Int32, to: Int32)]) -> Int {
        let standby = positions.filter { facts.kind[$0] == .standby && steps[$0].applied }
        guard !standby.isEmpty else { return 0 }
        let arriving = Set(admitted.map(\.to))
        var demoted = 0
        var residents = [Int](repeating: 0, count: H)
        for v in 0..<problem.vmCount {
            if primary[v] >= 0 { residents[Int(primary[v])] += 1 }
            if secondary[v] >= 0 { residents[Int(secondary[v])] += 1 }
        }
        for position in standby {
            guard facts.host[position] >= 0 else { continue }
            let h = Int(facts.host[position])
            if residents[h] > 0 || arriving.contains(Int32(h)) {
                let index = self.index(steps)
                let waits = (index.fromHost[h] ?? []).filter { !steps[$0].applied && steps[$0].wave <= wave }.prefix(5).map { steps[$0].label }
                demote(&steps[position], waitingFor: Array(waits))
                demoted += 1
            } else {
                hostOn[h] = false
            }
        }
        return demoted
    }

    /// A powerOn runs only for what the applied steps need (a reserve host's stays as set).
    func settlePowerOns(_ steps: inout [Step], powerOnStep: [Int: Int], reserveHosts: Set<String>) {
        guard !powerOnStep.isEmpty else { return }
        for (h, index) in powerOnStep where steps[index].applied && !hostOn[h] && !reserveHosts.contains(steps[index].host!) {
            steps[index].applied = false
        }
        let destinations = Set(steps.filter { $0.applied && $0.kind != .powerOn }.compactMap(\.to))
        for (h, index) in powerOnStep where !steps[index].applied && destinations.contains(problem.snapshot.hosts[h].id) {
            steps[index].applied = true
        }
    }

    /// HA admission control in the applied end state: new VMs placed are demoted, lowest
    /// priority first, until the reserve holds. Returns the steps demoted and whether another
    /// pass is needed (whenever the reserve was short).
    func demoteForAdmission(_ steps: inout [Step]) -> (demoted: Int, again: Bool) {
        guard let excess = admissionExcess(steps) else { return (0, false) }
        var demoted = 0
        var over = excess
        let places = steps.indices.filter { steps[$0].applied && facts.kind[$0] == .place && vmIndex($0).map(isNew) == true }
            .sorted { problem.vmPriority[vmIndex($0)!] > problem.vmPriority[vmIndex($1)!] }
        for index in places where over.contains(where: { $0 > 0 }) {
            let v = vmIndex(index)!
            steps[index].applied = false
            steps[index].waitsFor = nil
            steps[index].reason += " (recommended only: the applied steps alone would leave too little spare capacity for HA admission control)"
            demoted += 1
            for r in 0..<R { over[r] -= problem.demand(v, r) }
        }
        return (demoted, true)
    }

    func isNew(_ v: Int) -> Bool { problem.snapshot.vms[v].host == nil }

    /// Hosts a VM's primary / secondary occupies at this moment of the wave.
    func primaryHosts(_ v: Int) -> [Int32] { moving[v].isMoving ? moving[v].hosts : (primary[v] >= 0 ? [primary[v]] : []) }
    func secondaryHosts(_ v: Int) -> [Int32] { movingSecondary[v].isMoving ? movingSecondary[v].hosts : (secondary[v] >= 0 ? [secondary[v]] : []) }
    /// Whether VM v's primary / secondary occupies host h at this moment of the wave.
    func primaryOccupies(_ v: Int, _ h: Int32) -> Bool { moving[v].isMoving ? moving[v].occupies(h) : primary[v] == h && h >= 0 }
    func secondaryOccupies(_ v: Int, _ h: Int32) -> Bool {
        movingSecondary[v].isMoving ? movingSecondary[v].occupies(h) : secondary[v] == h && h >= 0
    }

    /// Why a unit of steps cannot start now, or nil after starting it.
    enum Blocked {
        case position(vm: Int)
        case hostOff(Int)
        case room(Int)
        case partner(vm: Int, rule: Int32, host: Int)
        case ft(vm: Int)
        case group(vm: Int)
    }

    /// Starts a unit of steps when every hard constraint holds with it at this moment, or says
    /// why not. O(unit x (R + anti-affinity rules of its VMs x unit) + group members).
    mutating func admit(_ unit: ArraySlice<Int>, steps: [Step], wave: Int, powerOnWave: [Int: Int],
                        admitted: inout [(index: Int, v: Int, from: Int32, to: Int32)]) -> Blocked? {
        // What the unit adds per host, and where its primaries go, cleared on every exit.
        var touched: [Int] = []
        defer {
            for to in touched { for r in 0..<R { unitLoad[to * R + r] = 0 } }
            for index in unit where facts.vm[index] >= 0 { unitAt[Int(facts.vm[index])] = .none }
        }
        var turnOn: [Int] = []
        for index in unit {
            guard let v = vmIndex(index), facts.to[index] >= 0 else { return .position(vm: -1) }
            let to = Int(facts.to[index])
            let isSecondary = facts.secondary[index]
            let current = isSecondary ? secondary[v] : primary[v]
            let isMigration = facts.kind[index] == .migrate
            let from: Int32 = isMigration ? (facts.from[index] >= 0 ? facts.from[index] : -2) : -1
            if isMigration ? current != from : current >= 0 { return .position(vm: v) }
            if !hostOn[to] {
                guard let at = powerOnWave[to], at <= wave else { return .hostOff(to) }
                turnOn.append(to)
            }
            if !touched.contains(to) { touched.append(to) }
            for r in 0..<R {
                unitLoad[to * R + r] += problem.demand(v, r)
                let total = load[r * H + to] + unitLoad[to * R + r]
                if total > problem.limit(to, r) && total > initialLoad[r * H + to] { return .room(to) }
            }
            if isSecondary {
                if primaryOccupies(v, Int32(to)) { return .ft(vm: v) }
                if !moving[v].isMoving && primary[v] < 0 && !unitAt[v].isMoving { return .ft(vm: v) }
            } else {
                if secondaryOccupies(v, Int32(to)) { return .ft(vm: v) }
                for rule in problem.vmAntiAffinity[v] {
                    var here = Int(presence[Int(rule)][Int32(to)] ?? 0)
                    here += unit.filter { other in
                        other != index && facts.to[other] == facts.to[index] && !facts.secondary[other]
                            && vmIndex(other).map { problem.vmAntiAffinity[$0].contains(rule) } == true
                    }.count
                    if here > 0 && here + 1 > Int(initialPresence[Int(rule)][Int32(to)] ?? 0) {
                        return .partner(vm: v, rule: rule, host: to)
                    }
                }
                unitAt[v] = Span(from: from, to: Int32(to))
            }
        }
        // Required affinity: the running members keep a host in common at this moment.
        if let first = unit.first, !facts.secondary[first], let v = vmIndex(first), problem.vmGroup[v] >= 0 {
            let members = problem.groups[Int(problem.vmGroup[v])].map(Int.init)
            var common: Set<Int32>?
            for u in members {
                let hosts = unitAt[u].isMoving ? [unitAt[u].from, unitAt[u].to].filter { $0 >= 0 } : primaryHosts(u)
                guard !hosts.isEmpty else { continue }
                common = common.map { $0.intersection(hosts) } ?? Set(hosts)
            }
            // And when the wave ends: the members that do not move here stay where they are.
            var landing = Set<Int32>()
            for u in members {
                if unitAt[u].isMoving { landing.insert(unitAt[u].to) } else if moving[u].isMoving { landing.insert(moving[u].to) } else if primary[u] >= 0 { landing.insert(primary[u]) }
            }
            let initiallySplit = Set(members.map { initialPrimary[$0] }.filter { $0 >= 0 }).count > 1
            if (common?.isEmpty == true || landing.count > 1) && !initiallySplit { return .group(vm: v) }
        }
        // Start the unit.
        for h in turnOn { hostOn[h] = true }
        for index in unit {
            let v = Int(facts.vm[index]), to = Int(facts.to[index])
            let from: Int32 = facts.kind[index] == .migrate ? facts.from[index] : -1
            for r in 0..<R { load[r * H + to] += problem.demand(v, r) }
            if facts.secondary[index] {
                movingSecondary[v] = Span(from: from, to: Int32(to))
            } else {
                moving[v] = Span(from: from, to: Int32(to))
                for rule in problem.vmAntiAffinity[v] { presence[Int(rule)][Int32(to), default: 0] += 1 }
            }
            admitted.append((index, v, from, Int32(to)))
        }
        return nil
    }

    /// The recommended steps a blocked step waits for, as labels (at most five).
    func blockers(_ why: Blocked, index position: Int, steps: [Step], index: StepIndex) -> [String] {
        let wave = steps[position].wave
        func recommended(_ candidates: [Int], where test: (Step) -> Bool) -> [String] {
            Array(candidates.filter { !steps[$0].applied && steps[$0].wave <= wave && $0 != position && test(steps[$0]) }.prefix(5).map { steps[$0].label })
        }
        switch why {
        case let .position(v):
            guard v >= 0 else { return [] }
            return recommended(index.ofVM[v] ?? []) { $0.secondary == steps[position].secondary }
        case let .hostOff(h):
            return recommended(index.powerOn[h].map { [$0] } ?? []) { _ in true }
        case let .room(h):
            return recommended(index.fromHost[h] ?? []) { _ in true }
        case let .partner(_, rule, h):
            let partners = Set(problem.antiAffinity[Int(rule)].map { problem.snapshot.vms[Int($0)].id })
            return recommended(index.fromHost[h] ?? []) { $0.secondary != true && $0.vm.map(partners.contains) == true }
        case let .ft(v):
            return recommended(index.ofVM[v] ?? []) { _ in true }
        case let .group(v):
            return recommended(problem.groups[Int(problem.vmGroup[v])].flatMap { index.ofVM[Int($0)] ?? [] }.sorted()) { _ in true }
        }
    }

    func demote(_ step: inout Step, waitingFor: [String]) {
        step.applied = false
        step.waitsFor = waitingFor
        if let first = waitingFor.first {
            step.reason += " (recommended only: it needs the recommended \(first) first)"
        } else {
            step.reason += " (recommended only: it cannot run safely without the recommended steps before it)"
        }
    }

    /// Per resource, how far the applied end state exceeds the HA admission reserve (the
    /// checker's aggregate rule over the hosts connected at the end), or nil when it holds or
    /// no new VM is placed.
    func admissionExcess(_ steps: [Step]) -> [Int64]? {
        guard let failures = AdmissionReserve.failures(problem.snapshot) else { return nil }
        guard steps.indices.contains(where: { steps[$0].applied && facts.kind[$0] == .place && !facts.secondary[$0] && vmIndex($0).map(isNew) == true }) else { return nil }
        var excess = [Int64](repeating: 0, count: R)
        var over = false
        for r in 0..<R {
            let reserve = AdmissionReserve.reserve(limits: (0..<H).filter { hostOn[$0] }.map { problem.limit($0, r) }, failures: failures)
            var total: Int64 = 0
            for v in 0..<problem.vmCount where problem.vmActive[v] {
                if primary[v] >= 0 { total += problem.demand(v, r) }
                if secondary[v] >= 0 { total += problem.demand(v, r) }
            }
            excess[r] = total - reserve
            if total > reserve { over = true }
        }
        return over ? excess : nil
    }
}
