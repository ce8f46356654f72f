@_spi(Benchmarks) import DRSModel

/// The rows of `PlacementFormulation` beyond placement and capacity: symmetry breaking, hard
/// and soft rules, admission control and the balance cone.
extension PlacementFormulation {
    /// Symmetry among identical empty hosts: hosts with the same limits, rule sets and state
    /// that run nothing yet are interchangeable (moving a VM to any of them costs the same),
    /// so only placements whose class hosts are ordered by the smallest item they hold are
    /// kept: host k holds item j only if host k - 1 holds an item before j (then hosts with
    /// secondaries only, then empty ones; `canonical` relabels a placement into this order).
    /// Consolidate also orders the active-host indicators.
    mutating func addSymmetry(_ onHost: [[(column: Int, vm: Int)]], activeColumn: [Int?]) {
        let H = problem.hostCount, R = problem.resourceCount, V = problem.vmCount
        var occupied = [Bool](repeating: false, count: H)
        for v in 0..<V where problem.vmActive[v] {
            if problem.vmInitialHost[v] >= 0 { occupied[Int(problem.vmInitialHost[v])] = true }
            if problem.vmInitialSecondary[v] >= 0 { occupied[Int(problem.vmInitialSecondary[v])] = true }
        }
        func signature(_ h: Int) -> [Int64] {
            var key: [Int64] = [Int64(problem.hostState[h] == .standby ? 1 : 0)]
            for r in 0..<R { key.append(problem.limit(h, r)) }
            for set in problem.allowedSets { key.append(set.contains(h) ? 1 : 0) }
            for rule in problem.softRules { key.append(rule.hosts?.contains(h) == true ? 1 : 0) }
            return key
        }
        var classes: [[Int64]: [Int]] = [:]
        for h in 0..<H where !occupied[h] && !onHost[h].isEmpty && usableHosts[h]
            && (problem.goal == .consolidate ? activeColumn[h] != nil : problem.hostState[h] == .connected) {
            classes[signature(h), default: []].append(h)
        }
        symmetryClasses = classes.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
        for hosts in symmetryClasses {
            if problem.goal == .consolidate {
                for k in 1..<hosts.count {
                    model.addRow([(activeColumn[hosts[k - 1]]!, 1), (activeColumn[hosts[k]]!, -1)], lower: 0)
                }
            }
            let members = items.indices.filter { itemHosts[$0].contains(hosts[0]) }
            func column(_ i: Int, _ h: Int) -> Int { itemColumns[i][itemHosts[i].firstIndex(of: h)!] }
            // The j-th item can only be on one of the first j + 1 hosts (implied by the order).
            for (j, i) in members.enumerated() where j + 1 < hosts.count {
                for k in (j + 1)..<hosts.count { model.setUpper(column(i, hosts[k]), 0) }
            }
            // The rows themselves grow with items^2 x hosts nonzeros; past a budget only the
            // fixing above stays (dense rows slow GLPK down between its callbacks, so much
            // that it overran the deadline by seconds at 128 items x 32 hosts).
            guard members.count * members.count * hosts.count <= Self.symmetryBudget else { continue }
            for k in 1..<hosts.count {
                var earlier: [(Int, Double)] = []
                for i in members {
                    model.addRow([(column(i, hosts[k]), 1)] + earlier, upper: 0)
                    earlier.append((column(i, hosts[k - 1]), -1))
                }
            }
        }
    }

    /// Hard anti-affinity: at most one member per host.
    mutating func addAntiAffinity() {
        for rule in problem.antiAffinity {
            var perHost: [Int: [(Int, Double)]] = [:]
            for v in rule.map({ Int($0) }) {
                let i = itemOfVM[v]
                guard i >= 0 else { continue }
                for (k, h) in itemHosts[i].enumerated() { perHost[h, default: []].append((itemColumns[i][k], 1)) }
            }
            for (_, terms) in perHost.sorted(by: { $0.key < $1.key }) where terms.count > 1 {
                model.addRow(terms, upper: 1)
            }
        }
    }

    /// Soft rules, graded as `Score.softViolations`.
    mutating func addSoftRules() {
        for rule in problem.softRules {
            var perHost: [Int: [(Int, Double)]] = [:]
            for v in rule.vms.map({ Int($0) }) {
                let i = itemOfVM[v]
                guard i >= 0 else { continue }
                for (k, h) in itemHosts[i].enumerated() { perHost[h, default: []].append((itemColumns[i][k], 1)) }
            }
            let hosts = perHost.keys.sorted()
            switch rule.kind {
            case .affinity:
                var used: [Int] = []
                for h in hosts {
                    let o = model.addColumn()
                    var rowsOfO: [Int] = []
                    for column in Set(perHost[h]!.map(\.0)).sorted() {
                        rowsOfO.append(model.addRow([(o, 1), (column, -1)], lower: 0))
                    }
                    derived.append((o, rowsOfO))
                    used.append(o)
                }
                if used.count > 1 {
                    let violation = model.addColumn(upper: Double(used.count - 1), integer: false)
                    let row = model.addRow([(violation, 1)] + used.map { ($0, -1) }, lower: -1)
                    derived.append((violation, [row]))
                    levels[10].append((violation, 1))
                }
            case .antiAffinity:
                for h in hosts where perHost[h]!.count > 1 {
                    let terms = perHost[h]!
                    let excess = model.addColumn(upper: Double(terms.count - 1), integer: false)
                    let row = model.addRow([(excess, 1)] + terms.map { ($0.0, -$0.1) }, lower: -1)
                    derived.append((excess, [row]))
                    levels[10].append((excess, 1))
                }
            case .should, .shouldNot:
                let wanted = rule.kind == .should
                for h in hosts where rule.hosts!.contains(h) != wanted {
                    levels[10] += perHost[h]!
                }
            }
        }
    }

    /// Admission control: binds once any new VM is placed.
    mutating func addAdmissionControl() {
        let R = problem.resourceCount
        if let admission = problem.admissionLimit {
            var newColumns: [Int] = []
            var newItems = 0
            for (i, members) in items.enumerated() where members.contains(where: isNewVM) {
                newColumns += itemColumns[i]
                newItems += 1
            }
            if !newColumns.isEmpty {
                // sum x <= (new items) z: z = 1 as soon as one new item is placed.
                let z = model.addColumn()
                let row = model.addRow([(z, -Double(newItems))] + newColumns.map { ($0, 1) }, upper: 0)
                derived.append((z, [row]))
                // A running VM counts whether or not the model places it: admission control
                // never evicts a running VM, so leaving one unplaced cannot make room for a new VM.
                let problem = self.problem
                let running = { (v: Int) in problem.vmInitialHost[v] >= 0 }
                for r in 0..<R {
                    var terms: [(Int, Double)] = []
                    var constant = 0.0
                    var maximum = 0.0
                    for (i, members) in items.enumerated() {
                        let variable = members.filter { !running($0) }.reduce(Int64(0)) { $0 + problem.demand($1, r) }
                        constant += Double(members.filter(running).reduce(Int64(0)) { $0 + problem.demand($1, r) })
                        maximum += Double(variable)
                        guard variable > 0 else { continue }
                        for column in itemColumns[i] { terms.append((column, Double(variable))) }
                    }
                    for (v, _) in secondaryHosts {
                        for column in secondaryColumns[v]! { terms.append((column, Double(problem.demand(v, r)))) }
                        maximum += Double(problem.demand(v, r))
                    }
                    let limit = Double(admission[r]) - constant
                    guard maximum > limit else { continue }
                    let bigM = maximum - limit
                    model.addRow(terms + [(z, bigM)], upper: limit + bigM)
                }
            }
        }
    }

    /// Balance: deviation columns d[h,r] = u(h,r) - u*(r) and the imbalance column z held
    /// by the cone z >= ||d|| / sqrt(n); the backend cuts it lazily. Rows here: the
    /// per-term cuts z >= |d[h,r]| / sqrt(n) and the cut at the incumbent, so the root LP
    /// starts with a useful bound.
    mutating func addBalance(_ onHost: [[(column: Int, vm: Int)]], incumbent: (placement: [Int32], secondaries: [Int32])) {
        let H = problem.hostCount, R = problem.resourceCount, V = problem.vmCount
        countedHosts = (0..<H).filter { problem.hostState[$0] == .connected || (problem.hostState[$0] == .standby && usableHosts[$0]) }
        let counted = Set(countedHosts)
        var deviations: [(column: Int, terms: [(Int, Double)], mean: Double)] = []
        var incumbentPoint: [Double] = []
        var largest = 0.0
        for r in 0..<R {
            var totalCapacity = 0.0
            for h in countedHosts { totalCapacity += problem.hostCapacity[r * H + h] }
            guard totalCapacity > 0 else { continue }
            // As `Score.evaluate`: the load on counted hosts (only pinned VMs run elsewhere,
            // so with everything placed this is the same for every placement).
            var totalLoad = 0.0
            var incumbentLoad = [Double](repeating: 0, count: H)
            for v in 0..<V where problem.vmActive[v] {
                let h = Int(incumbent.placement[v])
                if h >= 0 { incumbentLoad[h] += Double(problem.demand(v, r)) }
                if h >= 0 && counted.contains(h) { totalLoad += Double(problem.demand(v, r)) }
                let s = problem.vmIsFT[v] ? Int(incumbent.secondaries[v]) : -1
                if s >= 0 { incumbentLoad[s] += Double(problem.demand(v, r)) }
                if s >= 0 && counted.contains(s) { totalLoad += Double(problem.demand(v, r)) }
            }
            let mean = totalLoad / Units.scale / totalCapacity
            for h in countedHosts {
                let capacity = problem.hostCapacity[r * H + h]
                guard capacity > 0 else { continue }
                balanceTerms += 1
                let terms = onHost[h].map { ($0.column, Double(problem.demand($0.vm, r)) / Units.scale / capacity) }
                let low = -mean, high = max(Double(problem.limit(h, r)) / Units.scale / capacity - mean, 0)
                largest += max(low * low, high * high)
                let d = model.addColumn(lower: low, upper: high, integer: false)
                // d - sum a x = -u*
                let row = model.addRow([(d, 1)] + terms.map { ($0.0, -$0.1) }, lower: -mean, upper: -mean)
                derived.append((d, [row]))
                deviations.append((d, terms, mean))
                incumbentPoint.append(incumbentLoad[h] / Units.scale / capacity - mean)
            }
        }
        if balanceTerms > 0 {
            let scale = 1 / Double(balanceTerms).squareRoot()
            let z = model.addColumn(lower: 0, upper: scale * largest.squareRoot() + 1e-9, integer: false)
            imbalanceColumn = z
            model.cone = MIPModel.NormCone(bound: z, terms: deviations.map(\.column), scale: scale)
            for deviation in deviations {
                model.addRow([(z, 1), (deviation.column, -scale)], lower: 0)
                model.addRow([(z, 1), (deviation.column, scale)], lower: 0)
            }
            let norm = incumbentPoint.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 {
                model.addRow([(z, 1)] + zip(deviations, incumbentPoint).map { ($0.column, -scale * $1 / norm) }, lower: 0)
            }
            cost[z] = 1
        }
    }
}
