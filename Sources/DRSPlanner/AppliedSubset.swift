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
/// Complexity: O(passes x steps x (R + rule members of the moving VMs)); a pass repeats only
/// after a demotion that can affect an earlier step, which is rare.
struct AppliedSubset {
    let problem: Problem
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
    /// Hosts a VM occupies during the current wave while it moves (source and destination).
    var moving: [Int: [Int32]] = [:]
    var movingSecondary: [Int: [Int32]] = [:]

    init(problem: Problem, reserveHosts: Set<String> = []) {
        self.problem = problem
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
    }

    /// Demotes what the applied subset cannot carry out alone; returns the notes to add to the
    /// plan (empty when nothing was demoted). `steps` must be sorted by wave.
    static func repair(_ steps: inout [Step], problem: Problem, reserveHosts: Set<String>) -> [String] {
        var demoted = 0
        for _ in 0..<(steps.count + 2) {
            var pass = AppliedSubset(problem: problem, reserveHosts: reserveHosts)
            let (count, again) = pass.run(&steps, reserveHosts: reserveHosts)
            demoted += count
            if !again { break }
        }
        guard demoted > 0 else { return [] }
        return ["\(demoted) step(s) kept as recommendations although their automation level applies them: each needs a recommended step first (see waitsFor); the applied steps alone keep every hard constraint at every wave"]
    }

    func vmIndex(_ step: Step) -> Int? { step.vm.flatMap { problem.vmIndex[$0] } }
    func hostIndex(_ id: String?) -> Int? { id.flatMap { problem.hostIndex[$0] } }

    /// One replay; returns how many steps it demoted and whether another pass is needed.
    mutating func run(_ steps: inout [Step], reserveHosts: Set<String>) -> (Int, Bool) {
        let (powerOnWave, powerOnStep) = preparePowerOns(&steps, reserveHosts: reserveHosts)
        let index = StepIndex(steps, problem: problem)
        var byWave: [(wave: Int, indices: [Int])] = []
        for (index, step) in steps.enumerated() {
            if byWave.last?.wave == step.wave { byWave[byWave.count - 1].indices.append(index) } else { byWave.append((step.wave, [index])) }
        }
        var demoted = 0
        var again = false
        for (wave, indices) in byWave {
            let (count, more) = replayWave(wave, indices, &steps, index: index, powerOnWave: powerOnWave)
            demoted += count
            again = again || more
        }
        settlePowerOns(&steps, powerOnStep: powerOnStep, reserveHosts: reserveHosts)
        let admission = demoteForAdmission(&steps)
        return (demoted + admission.demoted, again || admission.again)
    }

    /// Host steps: a standby host comes back in the wave of its powerOn step when an applied
    /// step needs it (or, for a reserve host, when new VMs are placed under admission control,
    /// or when it is elected HA master). Returns each host's first powerOn wave and its step.
    func preparePowerOns(_ steps: inout [Step], reserveHosts: Set<String>) -> (wave: [Int: Int], step: [Int: Int]) {
        let newPlacementApplied = steps.contains { step in
            step.applied && step.kind == .place && step.secondary != true && vmIndex(step).map(isNew) == true
        }
        var powerOnWave: [Int: Int] = [:]
        var powerOnStep: [Int: Int] = [:]
        let elected = Set(steps.filter { $0.kind == .elect && $0.applied }.compactMap(\.host))
        for (index, step) in steps.enumerated() where step.kind == .powerOn {
            guard let h = hostIndex(step.host) else { continue }
            powerOnWave[h] = min(powerOnWave[h] ?? Int.max, step.wave)
            powerOnStep[h] = index
            steps[index].applied = reserveHosts.contains(step.host!) && (newPlacementApplied || elected.contains(step.host!))
        }
        return (powerOnWave, powerOnStep)
    }

    /// One wave of the replay: host steps and promotions first, then the moving steps unit by
    /// unit (a unit that cannot run is demoted, with a temporary stop whose continuation cannot
    /// run), then the wave settles and its standby steps are checked. Returns the steps
    /// demoted and whether another pass is needed.
    mutating func replayWave(_ wave: Int, _ indices: [Int], _ steps: inout [Step], index: StepIndex,
                             powerOnWave: [Int: Int]) -> (Int, Bool) {
        startHostSteps(indices, steps)
        var demoted = 0
        var again = false
        var admitted: [(index: Int, v: Int, from: Int32, to: Int32)] = []
        for unit in movingUnits(indices, steps) {
            guard let why = admit(unit, steps: steps, wave: wave, powerOnWave: powerOnWave, admitted: &admitted) else { continue }
            for blocked in unit {
                demote(&steps[blocked], waitingFor: blockers(why, index: blocked, steps: steps, index: index))
                demoted += 1
                // A temporary stop whose continuation cannot run is not applied either.
                if let hop = index.appliedHop(before: blocked, vm: vmIndex(steps[blocked]), steps: steps) {
                    demote(&steps[hop], waitingFor: [steps[blocked].label])
                    demoted += 1
                    again = true
                }
            }
        }
        let arriving = settle(admitted, steps)
        demoted += checkStandby(wave, indices, &steps, index: index, arriving: arriving)
        return (demoted, again)
    }

    /// The applied powerOn and promote steps of a wave take effect at its start.
    mutating func startHostSteps(_ indices: [Int], _ steps: [Step]) {
        for index in indices where steps[index].applied {
            let step = steps[index]
            switch step.kind {
            case .powerOn:
                if let h = hostIndex(step.host) { hostOn[h] = true }
            case .promote:
                if let v = vmIndex(step), secondary[v] >= 0 {
                    primary[v] = secondary[v]
                    secondary[v] = -1
                    for rule in problem.vmAntiAffinity[v] { presence[Int(rule)][primary[v], default: 0] += 1 }
                }
            default: break
            }
        }
    }

    /// The applied moving steps of a wave in replay order (HA restarts first, then by priority;
    /// primaries before secondaries), grouped into units (a required affinity group is one).
    func movingUnits(_ indices: [Int], _ steps: [Step]) -> [[Int]] {
        // A guest restart on the VM's own host moves nothing.
        let movingSteps = indices.filter { [.place, .restart, .migrate].contains(steps[$0].kind) && steps[$0].applied && !steps[$0].isInPlace
            && steps[$0].cold != true }
            .sorted { a, b in
                let x = steps[a], y = steps[b]
                let kx = x.kind == .restart ? 0 : 1, ky = y.kind == .restart ? 0 : 1
                if kx != ky { return kx < ky }
                if (x.secondary == true) != (y.secondary == true) { return y.secondary == true }
                if x.priority != y.priority { return x.priority < y.priority }
                return a < b
            }
        var units: [[Int]] = []
        var unitOfGroup: [Int32: Int] = [:]
        for index in movingSteps {
            let v = vmIndex(steps[index]) ?? -1
            let group = v >= 0 && steps[index].secondary != true ? problem.vmGroup[v] : -1
            if group >= 0, let unit = unitOfGroup[group] { units[unit].append(index); continue }
            if group >= 0 { unitOfGroup[group] = units.count }
            units.append([index])
        }
        return units
    }

    /// End of a wave: sources are released, positions settle. Returns the hosts moves arrived on.
    mutating func settle(_ admitted: [(index: Int, v: Int, from: Int32, to: Int32)], _ steps: [Step]) -> Set<Int32> {
        var arriving = Set<Int32>()
        for move in admitted {
            let step = steps[move.index]
            arriving.insert(move.to)
            if move.from >= 0 {
                for r in 0..<R { load[r * H + Int(move.from)] -= problem.demand(move.v, r) }
                if step.secondary != true {
                    for rule in problem.vmAntiAffinity[move.v] { presence[Int(rule)][move.from, default: 0] -= 1 }
                }
            }
            if step.secondary == true { secondary[move.v] = move.to } else { primary[move.v] = move.to }
        }
        moving.removeAll(keepingCapacity: true)
        movingSecondary.removeAll(keepingCapacity: true)
        return arriving
    }

    /// The wave's applied standby steps: a host that still runs or receives a VM is not put in
    /// standby (the step waits for the recommended moves off it). Returns the steps demoted.
    mutating func checkStandby(_ wave: Int, _ indices: [Int], _ steps: inout [Step], index: StepIndex, arriving: Set<Int32>) -> Int {
        let standby = indices.filter { steps[$0].kind == .standby && steps[$0].applied }
        guard !standby.isEmpty else { return 0 }
        var demoted = 0
        var residents = [Int](repeating: 0, count: H)
        for v in 0..<problem.vmCount {
            if primary[v] >= 0 { residents[Int(primary[v])] += 1 }
            if secondary[v] >= 0 { residents[Int(secondary[v])] += 1 }
        }
        for position in standby {
            guard let h = hostIndex(steps[position].host) else { continue }
            if residents[h] > 0 || arriving.contains(Int32(h)) {
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
        let places = steps.indices.filter { steps[$0].applied && steps[$0].kind == .place && vmIndex(steps[$0]).map(isNew) == true }
            .sorted { problem.vmPriority[vmIndex(steps[$0])!] > problem.vmPriority[vmIndex(steps[$1])!] }
        for index in places where over.contains(where: { $0 > 0 }) {
            let v = vmIndex(steps[index])!
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
    func primaryHosts(_ v: Int) -> [Int32] { moving[v] ?? (primary[v] >= 0 ? [primary[v]] : []) }
    func secondaryHosts(_ v: Int) -> [Int32] { movingSecondary[v] ?? (secondary[v] >= 0 ? [secondary[v]] : []) }

    /// Why a unit of steps cannot start now, or nil after starting it.
    enum Blocked {
        case position(vm: Int)
        case hostOff(Int)
        case room(Int)
        case partner(vm: Int, rule: Int32, host: Int)
        case ft(vm: Int)
        case group(vm: Int)
    }

    mutating func admit(_ unit: [Int], steps: [Step], wave: Int, powerOnWave: [Int: Int],
                        admitted: inout [(index: Int, v: Int, from: Int32, to: Int32)]) -> Blocked? {
        var extra: [Int: [Int64]] = [:]
        var unitAt: [Int: (from: Int32, to: Int32)] = [:]
        var turnOn: [Int] = []
        for index in unit {
            let step = steps[index]
            guard let v = vmIndex(step), let to = hostIndex(step.to) else { return .position(vm: -1) }
            let isSecondary = step.secondary == true
            let current = isSecondary ? secondary[v] : primary[v]
            let from: Int32 = step.kind == .migrate ? Int32(hostIndex(step.from) ?? -2) : -1
            if step.kind == .migrate ? current != from : current >= 0 { return .position(vm: v) }
            if !hostOn[to] {
                guard let at = powerOnWave[to], at <= wave else { return .hostOff(to) }
                turnOn.append(to)
            }
            var amounts = extra[to] ?? [Int64](repeating: 0, count: R)
            for r in 0..<R {
                amounts[r] += problem.demand(v, r)
                let total = load[r * H + to] + amounts[r]
                if total > problem.limit(to, r) && total > initialLoad[r * H + to] { return .room(to) }
            }
            extra[to] = amounts
            if isSecondary {
                if primaryHosts(v).contains(Int32(to)) { return .ft(vm: v) }
                if primaryHosts(v).isEmpty && unitAt[v] == nil { return .ft(vm: v) }
            } else {
                if secondaryHosts(v).contains(Int32(to)) { return .ft(vm: v) }
                for rule in problem.vmAntiAffinity[v] {
                    var here = Int(presence[Int(rule)][Int32(to)] ?? 0)
                    here += unit.filter { other in
                        other != index && steps[other].to == steps[index].to && steps[other].secondary != true
                            && vmIndex(steps[other]).map { problem.vmAntiAffinity[$0].contains(rule) } == true
                    }.count
                    if here > 0 && here + 1 > Int(initialPresence[Int(rule)][Int32(to)] ?? 0) {
                        return .partner(vm: v, rule: rule, host: to)
                    }
                }
                unitAt[v] = (from, Int32(to))
            }
        }
        // Required affinity: the running members keep a host in common at this moment.
        if let first = unit.first, steps[first].secondary != true, let v = vmIndex(steps[first]), problem.vmGroup[v] >= 0 {
            let members = problem.groups[Int(problem.vmGroup[v])].map(Int.init)
            var common: Set<Int32>?
            for u in members {
                let hosts = unitAt[u].map { [$0.from, $0.to].filter { $0 >= 0 } } ?? primaryHosts(u)
                guard !hosts.isEmpty else { continue }
                common = common.map { $0.intersection(hosts) } ?? Set(hosts)
            }
            // And when the wave ends: the members that do not move here stay where they are.
            var landing = Set<Int32>()
            for u in members {
                if let at = unitAt[u] { landing.insert(at.to) } else if let hosts = moving[u] { landing.insert(hosts.last!) } else if primary[u] >= 0 { landing.insert(primary[u]) }
            }
            let initiallySplit = Set(members.map { initialPrimary[$0] }.filter { $0 >= 0 }).count > 1
            if (common?.isEmpty == true || landing.count > 1) && !initiallySplit { return .group(vm: v) }
        }
        // Start the unit.
        for h in turnOn { hostOn[h] = true }
        for index in unit {
            let step = steps[index]
            let v = vmIndex(step)!, to = hostIndex(step.to)!
            let from: Int32 = step.kind == .migrate ? Int32(hostIndex(step.from)!) : -1
            for r in 0..<R { load[r * H + to] += problem.demand(v, r) }
            if step.secondary == true {
                movingSecondary[v] = [from, Int32(to)].filter { $0 >= 0 }
            } else {
                moving[v] = [from, Int32(to)].filter { $0 >= 0 }
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
        guard steps.contains(where: { $0.applied && $0.kind == .place && $0.secondary != true && vmIndex($0).map(isNew) == true }) else { return nil }
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

/// Steps by VM, by source host and powerOn steps by host, to name what a blocked step waits for.
struct StepIndex {
    var ofVM: [Int: [Int]] = [:]
    var fromHost: [Int: [Int]] = [:]
    var powerOn: [Int: Int] = [:]

    init(_ steps: [Step], problem: Problem) {
        for (position, step) in steps.enumerated() {
            if step.kind == .powerOn, let h = step.host.flatMap({ problem.hostIndex[$0] }) { powerOn[h] = position }
            if let v = step.vm.flatMap({ problem.vmIndex[$0] }) { ofVM[v, default: []].append(position) }
            if let h = step.from.flatMap({ problem.hostIndex[$0] }), step.kind == .migrate { fromHost[h, default: []].append(position) }
        }
    }

    /// The applied temporary stop that a step of the same VM continues from, if any.
    func appliedHop(before position: Int, vm v: Int?, steps: [Step]) -> Int? {
        let step = steps[position]
        guard step.kind == .migrate, let v else { return nil }
        return ofVM[v]!.last { $0 < position && steps[$0].applied && steps[$0].kind == .migrate && steps[$0].secondary == step.secondary
            && steps[$0].to == step.from && steps[$0].reason.hasPrefix("temporary stop") }
    }
}
