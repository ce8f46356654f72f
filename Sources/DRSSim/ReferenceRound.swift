/// The reference policy's working copy of one step: the VMs each host would run, the capacity
/// each has left, the CPU it would give (its VMs' allocations, planned VMs included: CloudSim's
/// `getUtilizationOfCpuMips(host)` of the allocation policy), and per host the sums its overload
/// detection reads (the first 10 values of the
/// summed utilization history, whether it reaches back 10 samples, the requested CPU and the
/// largest VM memory), kept in list order so that adding a VM at the end sums exactly as
/// CloudSim does.
struct ReferenceRound {
    static let window = 10
    let state: SimulationState
    let detection: ReferencePolicy.Detection
    var lists: [[Int32]]
    var available: [Double]
    var current: [Double]
    private var sums: [Double]
    private var deep: [Bool]
    private var requestedSum: [Double]
    private var largestMemory: [Double]

    init(state: SimulationState, detection: ReferencePolicy.Detection) {
        self.state = state
        self.detection = detection
        lists = state.hostVMs
        available = state.availableMips
        current = state.allocatedMips
        let hostCount = state.world.hosts.count
        sums = Array(repeating: 0, count: hostCount * Self.window)
        deep = Array(repeating: false, count: hostCount)
        requestedSum = Array(repeating: 0, count: hostCount)
        largestMemory = Array(repeating: -.greatestFiniteMagnitude, count: hostCount)
        for host in 0..<hostCount { recount(host) }
    }

    /// Recomputes host `host`'s detection sums from its list.
    private mutating func recount(_ host: Int) {
        for index in 0..<Self.window { sums[host * Self.window + index] = 0 }
        deep[host] = false
        requestedSum[host] = 0
        largestMemory[host] = -.greatestFiniteMagnitude
        for vm in lists[host] { add(vm, to: host) }
    }

    private mutating func add(_ vm: Int32, to host: Int) {
        let index = Int(vm)
        let weight = state.world.vms[index].mips
        let capacity = state.world.hosts[host].totalMips
        let history = state.history(index)
        for (offset, value) in history.prefix(Self.window).enumerated() {
            sums[host * Self.window + offset] += value * weight / capacity
        }
        if history.dropFirst(Self.window - 1).contains(where: { $0 != 0 }) { deep[host] = true }
        requestedSum[host] += state.requested[index]
        largestMemory[host] = max(largestMemory[host], state.world.vms[index].memory)
    }

    /// Whether `host` with its current list is overloaded.
    func isOverloaded(_ host: Int) -> Bool { overloaded(host, adding: nil) }

    /// Whether `host` would be overloaded with `extra` added to its list (nil: as it is).
    func overloaded(_ host: Int, adding extra: Int32?) -> Bool {
        let capacity = state.world.hosts[host].totalMips
        var requested = requestedSum[host]
        if let extra { requested += state.requested[Int(extra)] }
        switch detection {
        case let .staticThreshold(threshold):
            return requested / capacity > threshold
        case let .localRegression(safety):
            var reachesBack = deep[host]
            var values = Array(sums[(host * Self.window)..<((host + 1) * Self.window)])
            var memory = largestMemory[host]
            if let extra {
                let index = Int(extra)
                let weight = state.world.vms[index].mips
                let history = state.history(index)
                for (offset, value) in history.prefix(Self.window).enumerated() { values[offset] += value * weight / capacity }
                if history.dropFirst(Self.window - 1).contains(where: { $0 != 0 }) { reachesBack = true }
                memory = max(memory, state.world.vms[index].memory)
            }
            guard reachesBack else { return requested / capacity > 0.7 }
            let probe = SimulatedVM(id: "", mips: 0, memory: memory, trace: 0)
            let longest = state.world.migrationTime.seconds(probe, to: state.world.hosts[host])
            let ahead = (longest / state.world.interval).rounded(.up)
            let forecast = LocalRegression.forecast(newestFirst: values, ahead: ahead)
            return forecast * safety >= 1
        }
    }

    /// MMT: takes VMs off `host`, the one with the least memory first (the first listed on a
    /// tie), until it is no longer overloaded or has none left; returns them in that order.
    mutating func selectMinimumMigrationTime(from host: Int) -> [Int32] {
        var taken: [Int32] = []
        while true {
            var best: Int?
            var least = Double.greatestFiniteMagnitude
            for (position, vm) in lists[host].enumerated() where !state.inMigration[Int(vm)] {
                let memory = state.world.vms[Int(vm)].memory
                if memory < least {
                    least = memory
                    best = position
                }
            }
            guard let position = best else { break }
            taken.append(lists[host].remove(at: position))
            recount(host)
            if !isOverloaded(host) { break }
        }
        return taken
    }

    /// `vms` by demand, largest first (a stable order: ties keep their order).
    func byDemand(_ vms: [Int32]) -> [Int32] {
        vms.enumerated().sorted { lhs, rhs in
            let (a, b) = (state.requested[Int(lhs.element)], state.requested[Int(rhs.element)])
            return a != b ? a > b : lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// PABFD: the host, in host order and not excluded, that has a core and capacity left for
    /// `vm`, would not be overloaded with it (unless it gives no CPU yet), and whose power would
    /// grow least, from its power at the step's update to its power with its current and planned
    /// VMs and `vm`; nil when none.
    func findHost(for vm: Int32, excluded: [Bool]) -> Int? {
        let demand = state.requested[Int(vm)]
        var best: Int?
        var least = Double.greatestFiniteMagnitude
        for (index, host) in state.world.hosts.enumerated() where !excluded[index] {
            guard host.coreMips >= demand, available[index] >= demand else { continue }
            if current[index] != 0 && overloaded(index, adding: vm) { continue }
            let after = (current[index] + demand) / host.totalMips
            let increase = host.power.power(at: after) - host.power.power(at: state.utilization(index))
            if increase < least {
                least = increase
                best = index
            }
        }
        return best
    }

    /// Plans `vm` onto `host`: listed last, its demand taken from the capacity left.
    mutating func place(_ vm: Int32, on host: Int) {
        lists[host].append(vm)
        let need = min(state.requested[Int(vm)], state.world.hosts[host].coreMips)
        available[host] = available[host] >= need ? available[host] - need : 0
        current[host] += need
        add(vm, to: host)
    }

    /// Takes back the last `vm` planned onto `host`, restoring what it had.
    private mutating func unplace(_ vm: Int32, from host: Int, available previous: Double) {
        if let position = lists[host].lastIndex(of: vm) { lists[host].remove(at: position) }
        available[host] = previous
        current[host] -= min(state.requested[Int(vm)], state.world.hosts[host].coreMips)
        recount(host)
    }

    /// The underload step: active hosts not overloaded, least utilized first (by the step's
    /// update), each emptied when all its VMs find places on the active hosts not yet emptied;
    /// a host that takes VMs is not emptied afterwards.
    mutating func emptyUnderloadedHosts(overloaded: [Bool]) -> [Migration] {
        let hostCount = state.world.hosts.count
        var skip = overloaded
        for host in 0..<hostCount where state.utilization(host) == 0 { skip[host] = true }
        var excluded = skip
        var plan: [Migration] = []
        while skip.contains(false), let host = leastUtilized(skipping: skip) {
            skip[host] = true
            excluded[host] = true
            let vms = byDemand(lists[host].filter { !state.inMigration[Int($0)] })
            var moved: [(vm: Int32, host: Int, available: Double)] = []
            for vm in vms {
                guard let target = findHost(for: vm, excluded: excluded) else { break }
                moved.append((vm, target, available[target]))
                place(vm, on: target)
            }
            if moved.count < vms.count {
                for move in moved.reversed() { unplace(move.vm, from: move.host, available: move.available) }
                continue
            }
            for move in moved {
                skip[move.host] = true
                plan.append(Migration(vm: Int(move.vm), host: move.host))
            }
        }
        return plan
    }

    /// The least utilized host not skipped, with utilization in (0, 1), that has a VM not
    /// migrating listed before any VM migrating in; nil when none.
    private func leastUtilized(skipping skip: [Bool]) -> Int? {
        var best: Int?
        var least = 1.0
        for host in state.world.hosts.indices where !skip[host] {
            let utilization = state.utilization(host)
            guard utilization > 0 && utilization < least else { continue }
            guard let first = lists[host].first(where: { !state.inMigration[Int($0)] || state.isMigratingIn($0, host) }),
                  !state.inMigration[Int(first)] else { continue }
            least = utilization
            best = host
        }
        return best
    }
}

/// Least squares of a window of samples, as CloudSim's local regression computes it (its tricube
/// weights never come into play, so it is an ordinary fit), with the same running sums.
enum LocalRegression {
    /// The fitted line at `window + ahead`, for `newestFirst` samples taken at 1...window
    /// (oldest first once reversed).
    static func forecast(newestFirst: [Double], ahead: Double) -> Double {
        let count = newestFirst.count
        var n = 0.0, xMean = 0.0, yMean = 0.0, sumXX = 0.0, sumXY = 0.0, sumX = 0.0, sumY = 0.0
        for index in 0..<count {
            let x = Double(index + 1)
            let y = newestFirst[count - 1 - index]
            if n == 0 {
                xMean = x
                yMean = y
            } else {
                let grow = 1.0 + n
                let weight = n / (1.0 + n)
                let dx = x - xMean
                let dy = y - yMean
                sumXX += dx * dx * weight
                sumXY += dx * dy * weight
                xMean += dx / grow
                yMean += dy / grow
            }
            sumX += x
            sumY += y
            n += 1
        }
        let slope = sumXY / sumXX
        let intercept = (sumY - slope * sumX) / n
        return intercept + slope * (Double(count) + ahead)
    }
}
