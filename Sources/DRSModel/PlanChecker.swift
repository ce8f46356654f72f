/// One broken guarantee found by the checker: where (wave, or the final state) and what.
public struct CheckViolation: Sendable, Equatable, CustomStringConvertible {
    /// The wave in which it happens; nil for the final state or the plan as a whole.
    public var wave: Int?
    public var message: String
    public var description: String { wave.map { "wave \($0): \(message)" } ?? message }
}

/// The independent checker (`drs check`). It replays the steps wave by wave from the snapshot
/// alone and verifies every hard constraint at every moment: during a wave a migrating VM
/// counts on both its source and its destination; no host takes part in more than
/// `maxConcurrentPerHost` live migrations at once; the steps end in the stated placement.
///
/// It shares no code with the solvers: only the snapshot types and the milli-unit rounding
/// (`Units`) that defines what fits. A problem the snapshot already had (an overloaded host, a
/// broken rule, a VM on a host entering maintenance) is tolerated while the plan does not make
/// it worse, and must be gone in the final state.
public enum PlanChecker {
    public static func check(_ snapshot: Snapshot, _ plan: Plan) -> [CheckViolation] {
        var replay = Replay(snapshot: snapshot)
        return replay.run(plan)
    }
}

private struct Replay {
    let snapshot: Snapshot
    let vmByID: [String: VirtualMachine]
    let hostByID: [String: ClusterHost]
    let limits: [String: [Int64]]
    let demands: [String: [Int64]]
    var state: [String: HostState]
    /// Where each running VM's primary and secondary are.
    var primary: [String: String] = [:]
    var secondary: [String: String] = [:]
    let initialPrimary: [String: String]
    let initialLoad: [String: [Int64]]
    /// Load of the settled state between waves (primaries and secondaries), per host.
    var load: [String: [Int64]]
    /// Indices of the hard rules each VM belongs to.
    let hardRulesOf: [String: [Int]]
    var violations: [CheckViolation] = []
    var master: String?

    init(snapshot: Snapshot) {
        self.snapshot = snapshot
        vmByID = Dictionary(snapshot.vms.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        hostByID = Dictionary(snapshot.hosts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        limits = Dictionary(snapshot.hosts.map { ($0.id, snapshot.limits(of: $0)) }, uniquingKeysWith: { a, _ in a })
        demands = Dictionary(snapshot.vms.map { ($0.id, snapshot.demands(of: $0)) }, uniquingKeysWith: { a, _ in a })
        state = Dictionary(snapshot.hosts.map { ($0.id, $0.state) }, uniquingKeysWith: { a, _ in a })
        for vm in snapshot.vms where vm.powerState == .on {
            if let host = vm.host, hostByID[host]?.state != .failed {
                primary[vm.id] = host
            }
            if let host = vm.ft?.secondaryHost, hostByID[host]?.state != .failed {
                secondary[vm.id] = host
            }
        }
        initialPrimary = primary
        master = snapshot.cluster.ha?.master
        var load: [String: [Int64]] = [:]
        for host in snapshot.hosts { load[host.id] = [Int64](repeating: 0, count: snapshot.resources.count) }
        for (vm, host) in primary { for (r, d) in demands[vm]!.enumerated() { load[host]![r] += d } }
        for (vm, host) in secondary { for (r, d) in demands[vm]!.enumerated() { load[host]![r] += d } }
        initialLoad = load
        self.load = load
        var rulesOf: [String: [Int]] = [:]
        for (index, rule) in snapshot.rules.enumerated() where rule.isHard {
            for vm in rule.vms { rulesOf[vm, default: []].append(index) }
        }
        hardRulesOf = rulesOf
    }

    mutating func fail(_ wave: Int?, _ message: String) {
        violations.append(CheckViolation(wave: wave, message: message))
    }

    func number(_ milli: Int64) -> String { JSONWriter.number(Double(milli) / Units.scale) }

    mutating func run(_ plan: Plan) -> [CheckViolation] {
        let threshold = snapshot.cluster.migrationThreshold
        var previousWave = 0
        for (index, step) in plan.steps.enumerated() {
            if step.wave < previousWave { fail(step.wave, "steps[\(index)] is out of order: wave \(step.wave) after wave \(previousWave)") }
            previousWave = max(previousWave, step.wave)
            if step.priority < 1 || step.priority > max(1, threshold) {
                fail(step.wave, "steps[\(index)] has priority \(step.priority), outside 1...\(threshold) (the migration threshold)")
            }
        }
        let waves = Dictionary(grouping: plan.steps, by: \.wave)
        for wave in waves.keys.sorted() { replayWave(wave, waves[wave]!) }
        checkFinal(plan)
        return violations
    }

    /// Hosts occupied during a wave by the VMs that move in it (both ends while migrating);
    /// every other VM is where the settled state has it. Empty for the final state.
    struct Moment {
        var primary: [String: [String]] = [:]
        var secondary: [String: [String]] = [:]
    }

    mutating func replayWave(_ wave: Int, _ steps: [Step]) {
        let maxConcurrent = snapshot.cluster.migration.maxConcurrentPerHost
        // ClusterHost steps and promotions take effect at the start of the wave.
        var goingToStandby: [String] = []
        for step in steps {
            switch step.kind {
            case .powerOn:
                guard let host = step.host, state[host] != nil else { fail(wave, "powerOn names unknown host \(step.host ?? "(none)")"); continue }
                if state[host] != .standby { fail(wave, "powerOn of host \(host), which is \(state[host]!.rawValue), not standby") }
                state[host] = .connected
            case .standby:
                guard let host = step.host, state[host] != nil else { fail(wave, "standby names unknown host \(step.host ?? "(none)")"); continue }
                goingToStandby.append(host)
            case .elect:
                guard let host = step.host, let hostState = state[host] else { fail(wave, "elect names unknown host \(step.host ?? "(none)")"); continue }
                if hostState != .connected { fail(wave, "elect makes \(host) HA master, but it is \(hostState.rawValue)") }
                master = host
            case .promote:
                guard let vm = step.vm, let machine = vmByID[vm] else { fail(wave, "promote names unknown VM \(step.vm ?? "(none)")"); continue }
                guard machine.ft != nil else { fail(wave, "promote of \(vm), which has no FT secondary"); continue }
                if primary[vm] != nil { fail(wave, "promote of \(vm), whose primary is still running on \(primary[vm]!)") }
                guard let at = secondary[vm] else { fail(wave, "promote of \(vm), which has no running secondary"); continue }
                if let to = step.to, to != at { fail(wave, "promote of \(vm) to \(to), but its secondary runs on \(at)") }
                primary[vm] = at
                secondary[vm] = nil
            default: break
            }
        }

        var moment = Moment()
        var migrationsPerHost: [String: Int] = [:]
        var touched = Set<String>()
        var arriving: [String] = []
        for step in steps where [.place, .restart, .migrate].contains(step.kind) {
            guard let vm = step.vm, let machine = vmByID[vm] else {
                fail(wave, "\(step.kind.rawValue) names unknown VM \(step.vm ?? "(none)")")
                continue
            }
            let isSecondary = step.secondary == true
            let label = isSecondary ? "\(vm)'s secondary" : vm
            if machine.powerState == .off { fail(wave, "\(step.kind.rawValue) of \(vm), which is powered off") }
            if isSecondary && machine.ft == nil { fail(wave, "\(step.kind.rawValue) of a secondary for \(vm), which is not FT-protected") }
            if !touched.insert((isSecondary ? "s:" : "p:") + vm).inserted { fail(wave, "\(label) has more than one step in this wave") }
            guard let to = step.to, hostByID[to] != nil else { fail(wave, "\(step.kind.rawValue) of \(label) to unknown host \(step.to ?? "(none)")"); continue }
            if state[to] != .connected { fail(wave, "\(step.kind.rawValue) of \(label) to host \(to), which is \(state[to]!.rawValue)") }
            arriving.append(to)
            let current = isSecondary ? secondary[vm] : primary[vm]
            switch step.kind {
            case .migrate:
                guard let current else { fail(wave, "migrate of \(label), which is not running"); continue }
                if step.from != current { fail(wave, "migrate of \(label) from \(step.from ?? "(none)"), but it runs on \(current)") }
                if current == to { fail(wave, "migrate of \(label) from \(current) to the same host") }
                if !isSecondary && machine.automation == .disabled { fail(wave, "migrate of \(vm), whose automation is disabled") }
                migrationsPerHost[current, default: 0] += 1
                migrationsPerHost[to, default: 0] += 1
                if isSecondary { moment.secondary[vm] = [current, to] } else { moment.primary[vm] = [current, to] }
            case .restart:
                if current != nil { fail(wave, "restart of \(label), which is already running on \(current!)") }
                if !isSecondary, let original = machine.host, state[original] != .failed, hostByID[original]?.state != .failed {
                    fail(wave, "restart of \(vm), whose host \(original) has not failed")
                }
                if isSecondary { moment.secondary[vm] = [to] } else { moment.primary[vm] = [to] }
            default:
                if current != nil { fail(wave, "place of \(label), which is already running on \(current!)") }
                if !isSecondary, let original = machine.host, hostByID[original]?.state != .failed {
                    fail(wave, "place of \(vm), which already has host \(original) (use migrate)")
                }
                if isSecondary { moment.secondary[vm] = [to] } else { moment.primary[vm] = [to] }
            }
        }
        for (host, count) in migrationsPerHost.sorted(by: { $0.key < $1.key }) where count > maxConcurrent {
            fail(wave, "host \(host) takes part in \(count) live migrations at once, more than maxConcurrentPerHost \(maxConcurrent)")
        }
        checkMoment(moment, wave: wave, strict: false)

        // End of the wave: everything lands.
        for (vm, hosts) in moment.primary { primary[vm] = hosts.last!; settle(vm, hosts) }
        for (vm, hosts) in moment.secondary { secondary[vm] = hosts.last!; settle(vm, hosts) }
        var residentsByHost: [String: [String]] = [:]
        if !goingToStandby.isEmpty {
            for (vm, host) in primary { residentsByHost[host, default: []].append(vm) }
            for (vm, host) in secondary { residentsByHost[host, default: []].append("\(vm) (secondary)") }
        }
        for host in goingToStandby {
            let residents = residentsByHost[host] ?? []
            if !residents.isEmpty {
                fail(wave, "standby of host \(host), which still runs \(residents.sorted().joined(separator: ", "))")
            }
            if arriving.contains(host) { fail(wave, "standby of host \(host) while VMs move onto it") }
            state[host] = .standby
        }
    }

    /// Moves a VM's demand from the first to the last host of `hosts` in the settled load.
    mutating func settle(_ vm: String, _ hosts: [String]) {
        let demand = demands[vm]!
        if hosts.count == 2 { for r in demand.indices { load[hosts[0]]![r] -= demand[r] } }
        for r in demand.indices { load[hosts.last!]![r] += demand[r] }
    }

    func primaryHosts(_ vm: String, _ moment: Moment) -> [String]? { moment.primary[vm] ?? primary[vm].map { [$0] } }
    func secondaryHosts(_ vm: String, _ moment: Moment) -> [String]? { moment.secondary[vm] ?? secondary[vm].map { [$0] } }

    /// Every VM (and secondary) on `host` at the moment, for messages.
    func residents(of host: String, _ moment: Moment) -> String {
        var names: [String] = []
        for vm in primary.keys where moment.primary[vm] == nil && primary[vm] == host { names.append(vm) }
        for vm in secondary.keys where moment.secondary[vm] == nil && secondary[vm] == host { names.append(vm) }
        for (vm, hosts) in moment.primary where hosts.contains(host) { names.append(vm) }
        for (vm, hosts) in moment.secondary where hosts.contains(host) { names.append(vm) }
        return names.sorted().joined(separator: ", ")
    }

    /// Checks capacity, host states, rules and FT separation for one moment: during a wave,
    /// only what the wave's moves can change (hosts they arrive on, their rules, their FT
    /// pairs), since everything else is as it was in the settled state already checked; the
    /// final state (`strict`) is checked whole and tolerates nothing the snapshot already had.
    mutating func checkMoment(_ moment: Moment, wave: Int?, strict: Bool) {
        let resources = snapshot.resources
        // Capacity.
        var arrivals: [String: [Int64]] = [:]
        func arrive(_ vm: String, _ hosts: [String]) {
            let demand = demands[vm]!
            var amounts = arrivals[hosts.last!] ?? [Int64](repeating: 0, count: resources.count)
            for r in demand.indices { amounts[r] += demand[r] }
            arrivals[hosts.last!] = amounts
        }
        for (vm, hosts) in moment.primary { arrive(vm, hosts) }
        for (vm, hosts) in moment.secondary { arrive(vm, hosts) }
        let hostsToCheck = strict ? snapshot.hosts.map(\.id) : arrivals.keys.sorted()
        for host in hostsToCheck {
            guard let limit = limits[host], let settled = load[host] else { continue }
            let extra = arrivals[host]
            for r in resources.indices {
                let amount = settled[r] + (extra?[r] ?? 0)
                guard amount > limit[r] else { continue }
                if !strict && amount <= initialLoad[host]![r] { continue }
                fail(wave, "host \(host) over capacity in \(resources[r]): \(number(amount)) > limit \(number(limit[r])) (holds \(residents(of: host, moment)))")
            }
        }
        // Host states: arrivals were checked step by step; the final state holds VMs on
        // connected hosts only.
        if strict {
            for (vm, host) in primary.sorted(by: { $0.key < $1.key }) where state[host] != .connected {
                fail(wave, "VM \(vm) is on host \(host), which is \(state[host]!.rawValue)")
            }
            for (vm, host) in secondary.sorted(by: { $0.key < $1.key }) where state[host] != .connected {
                fail(wave, "the secondary of \(vm) is on host \(host), which is \(state[host]!.rawValue)")
            }
        }
        // FT separation.
        let ftToCheck = strict ? Array(secondary.keys) : Array(Set(moment.primary.keys).union(moment.secondary.keys))
        for vm in ftToCheck.sorted() {
            guard let secondaryAt = secondaryHosts(vm, moment), let primaryAt = primaryHosts(vm, moment) else { continue }
            if let shared = secondaryAt.first(where: { primaryAt.contains($0) }) {
                fail(wave, "FT primary and secondary of \(vm) are both on host \(shared)")
            }
        }
        // Hard rules: all of them at the end, those of moving VMs during a wave.
        var ruleIndices: [Int]
        if strict {
            ruleIndices = snapshot.rules.indices.filter { snapshot.rules[$0].isHard }
        } else {
            ruleIndices = Array(Set(moment.primary.keys.flatMap { hardRulesOf[$0] ?? [] })).sorted()
        }
        for index in ruleIndices {
            let rule = snapshot.rules[index]
            let running = rule.vms.filter { primaryHosts($0, moment) != nil }
            switch rule.kind {
            case .antiAffinity:
                var byHost: [String: [String]] = [:]
                for vm in running { for host in primaryHosts(vm, moment)! { byHost[host, default: []].append(vm) } }
                for (host, vms) in byHost.sorted(by: { $0.key < $1.key }) where vms.count > 1 {
                    let before = rule.vms.filter { initialPrimary[$0] == host }.count
                    if !strict && vms.count <= before { continue }
                    fail(wave, "anti-affinity rule \(rule.id) (rules[\(index)]) broken: \(vms.sorted().joined(separator: ", ")) together on host \(host)")
                }
            case .affinity:
                guard running.count > 1 else { continue }
                var common = Set(primaryHosts(running[0], moment)!)
                for vm in running.dropFirst() { common.formIntersection(primaryHosts(vm, moment)!) }
                if common.isEmpty {
                    let initiallyRunning = rule.vms.compactMap { initialPrimary[$0] }
                    if !strict && Set(initiallyRunning).count > 1 { continue }
                    let where_ = running.map { "\($0) on \(primaryHosts($0, moment)!.joined(separator: "+"))" }.joined(separator: ", ")
                    fail(wave, "affinity rule \(rule.id) (rules[\(index)]) broken: \(where_)")
                }
            case .vmHost:
                let listed = Set(rule.hosts ?? [])
                for vm in running {
                    for host in primaryHosts(vm, moment)! where (rule.policy == .must) != listed.contains(host) {
                        if !strict && initialPrimary[vm] == host { continue }
                        fail(wave, "\(rule.policy!.rawValue) rule \(rule.id) (rules[\(index)]) broken: \(vm) on host \(host)")
                    }
                }
            }
        }
    }

    mutating func checkFinal(_ plan: Plan) {
        checkMoment(Moment(), wave: nil, strict: true)

        for vm in snapshot.vms where vm.powerState == .on {
            let stated = plan.placement[vm.id]
            let reached = primary[vm.id]
            if stated != reached {
                fail(nil, "the steps leave \(vm.id) \(reached.map { "on \($0)" } ?? "unplaced"), but the plan's placement says \(stated ?? "nothing")")
            }
            if reached == nil && !plan.unplaced.contains(vm.id) {
                fail(nil, "\(vm.id) ends unplaced but is not listed in unplaced")
            }
            if reached != nil && plan.unplaced.contains(vm.id) {
                fail(nil, "\(vm.id) is listed in unplaced but ends on \(reached!)")
            }
            if vm.ft != nil, plan.secondaries[vm.id] != secondary[vm.id] {
                fail(nil, "the steps leave \(vm.id)'s secondary \(secondary[vm.id].map { "on \($0)" } ?? "nowhere"), but the plan's secondaries say \(plan.secondaries[vm.id] ?? "nothing")")
            }
            if vm.automation == .disabled, let host = vm.host, let reached, reached != host, hostByID[host]?.state != .failed {
                fail(nil, "\(vm.id) has automation disabled but ends on \(reached) instead of \(host)")
            }
        }
        for id in plan.placement.keys.sorted() where vmByID[id] == nil || vmByID[id]!.powerState == .off {
            fail(nil, "the placement names \(id), which is \(vmByID[id] == nil ? "not a VM of the snapshot" : "powered off")")
        }

        // HA master: a failed or missing master must be replaced by the election winner.
        if let ha = snapshot.cluster.ha, ha.enabled {
            let current = ha.master.flatMap { state[$0] }
            if current != .connected {
                let winner = snapshot.hosts.filter { state[$0.id] == .connected }.max { a, b in
                    let da = Set(a.datastores).count, db = Set(b.datastores).count
                    return da != db ? da < db : a.id < b.id
                }
                if let winner, master != winner.id || plan.haMaster != winner.id {
                    fail(nil, "HA master must be \(winner.id) (most datastores, ties to the greatest id), but the plan has \(plan.haMaster ?? "none")")
                }
            }
            // Admission control: placing new VMs must keep the failover reserve.
            let newlyPlaced = plan.steps.filter { $0.kind == .place && $0.secondary != true && vmByID[$0.vm ?? ""]?.host == nil }
            if ha.hostFailuresToTolerate > 0 && !newlyPlaced.isEmpty {
                for (r, resource) in snapshot.resources.enumerated() {
                    let connected = snapshot.hosts.filter { state[$0.id] == .connected }.map { limits[$0.id]![r] }.sorted(by: >)
                    let reserve = connected.reduce(0, +) - connected.prefix(ha.hostFailuresToTolerate).reduce(0, +)
                    var total: Int64 = 0
                    for vm in primary.keys { total += demands[vm]![r] }
                    for vm in secondary.keys { total += demands[vm]![r] }
                    if total > reserve {
                        fail(nil, "admission control broken in \(resource): running demand \(number(total)) > \(number(reserve)) that survives \(ha.hostFailuresToTolerate) host failure(s), after placing \(newlyPlaced.compactMap(\.vm).joined(separator: ", "))")
                    }
                }
            }
        }
    }
}
