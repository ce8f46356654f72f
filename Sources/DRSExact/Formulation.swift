@_spi(Benchmarks) import DRSModel

/// The placement MIP of SPEC section 2, built from a compiled `Problem` into a solver-independent
/// `MIPModel`.
///
/// Variables:
/// - `x[i,h]` binary: item i (a VM, or a required affinity group sharing one set of variables)
///   on host h, for hosts that receive VMs, allow every member and have room for the item alone.
///   A pinned item has the single host it runs on.
/// - `u[i]` binary: item i unplaced. Only items that may be left unplaced have it: new VMs,
///   restarts, and VMs that must leave their host. A VM running on a connected host that may keep
///   it is never evicted (`sum_h x = 1`).
/// - `s[v,h]` binary: FT secondary of v on h, `x[v,h] + s[v,h] <= 1`; `w[v]` binary: v is placed
///   but unprotected, `sum_h s[v,h] + w[v] = sum_h x[i(v),h]`; `w = 0` when a secondary runs on
///   a connected host and the primary stays placed (running secondaries are never dropped).
/// - soft rules: affinity `o[k,h] >= x` and `viol[k] >= sum_h o[k,h] - 1`; anti-affinity
///   `e[k,h] >= sum x - 1`; should / shouldNot directly on `x`. These equal the graded counts
///   of `Score.softViolations` at every optimum (they are only bounded from below).
/// - `consolidate`: `y[h] >= x, s` and capacity `sum d x <= limit y`; `y` ordered among
///   identical empty hosts (symmetry breaking).
/// - `balance`: `d[h,r] = u(h,r) - u*(r)` with `u*` fixed, and the imbalance `z` with the
///   cone `z >= ||d||_2 / sqrt(n)` (`MIPModel.NormCone`, held by the backend's lazy gradient
///   cuts): exactly the SPEC imbalance when `u*` and the counted hosts match the plan's.
/// - admission control: `z >= x` of every new VM, and when `z = 1` the total demand of placed
///   VMs and secondaries is at most `admissionLimit`.
///
/// Capacities and demands are the problem's integer milli-units, exact in doubles (< 2^53).
struct PlacementFormulation {
    let problem: Problem
    var model = MIPModel()

    /// Items: VMs placed together (a required affinity group) or alone.
    var items: [[Int]] = []
    var itemOfVM: [Int]
    var itemHosts: [[Int]] = []
    var itemColumns: [[Int]] = []
    var unplacedColumn: [Int?] = []
    var secondaryHosts: [Int: [Int]] = [:]
    var secondaryColumns: [Int: [Int]] = [:]
    var unprotectedColumn: [Int: Int] = [:]

    /// Lexicographic penalty levels 0-4 unplaced VMs by priority, 5-9 unprotected FT VMs by
    /// priority, 10 soft-rule violations: linear expressions over columns.
    var levels = [[(Int, Double)]](repeating: [], count: 11)
    /// Level-3 objective: goal term (active hosts, or the imbalance column z) + lambda x
    /// migration seconds.
    var cost: [Int: Double] = [:]
    /// Whether any column carries migration cost.
    var hasMigrationCost = false
    /// Auxiliary columns in creation order with the rows that bound them from below, to
    /// complete a known placement into a full column vector.
    var derived: [(column: Int, rows: [Int])] = []
    /// Hosts counted by the balance metric in this model.
    var countedHosts: [Int] = []
    /// Number of (h, r) terms of the imbalance (n).
    var balanceTerms = 0
    /// Hosts that items may use (balance: standby hosts only when the incumbent uses them).
    var usableHosts: [Bool]
    /// Classes of interchangeable empty hosts (ascending), ordered by the symmetry rows.
    var symmetryClasses: [[Int]] = []
    /// Largest items^2 x hosts of a class that gets the full ordering rows (64 items x 16 hosts).
    static let symmetryBudget = 64 * 64 * 16

    /// Whether the item may be left unplaced.
    func mayUnplace(_ members: [Int]) -> Bool {
        for v in members {
            if problem.vmPinned[v] { return false }
            let h = Int(problem.vmInitialHost[v])
            if h >= 0 && problem.hostState[h] == .connected && problem.allows(v, h) { return false }
        }
        return true
    }

    func isNewVM(_ v: Int) -> Bool { problem.snapshot.vms[v].host == nil }

    /// Whether VM `v` runs on `h` and may not keep it: a host that is not connected (the plan
    /// has no step that keeps a VM on a standby host and powers the host on).
    func mustLeave(_ v: Int, _ h: Int) -> Bool {
        Int(problem.vmInitialHost[v]) == h && problem.hostState[h] != .connected
    }

    /// Builds the model. `incumbent` (placement, secondaries) fixes the balance target `u*` and
    /// the standby hosts the balance model may use. The variables and rows come in a fixed order
    /// (GLPK's path, so which of several equal-cost plans it returns, depends on it).
    init(problem: Problem, incumbent: (placement: [Int32], secondaries: [Int32])) {
        self.problem = problem
        itemOfVM = [Int](repeating: -1, count: problem.vmCount)
        usableHosts = Self.usableHosts(problem, incumbent: incumbent)
        addItems()
        addPlacementColumns()
        addSecondaries()
        let onHost = hostEntries()
        addMigrationCost()
        let activeColumn = addCapacity(onHost)
        addSymmetry(onHost, activeColumn: activeColumn)
        addAntiAffinity()
        addSoftRules()
        addAdmissionControl()
        if problem.goal == .balance { addBalance(onHost, incumbent: incumbent) }
    }

    /// Hosts that items may use: those that receive VMs, except (balance) standby hosts the
    /// incumbent leaves empty. O(V + H).
    static func usableHosts(_ problem: Problem, incumbent: (placement: [Int32], secondaries: [Int32])) -> [Bool] {
        let H = problem.hostCount, V = problem.vmCount
        var usableHosts = problem.hostReceives
        if problem.goal == .balance {
            var used = [Bool](repeating: false, count: H)
            for v in 0..<V where problem.vmActive[v] {
                if incumbent.placement[v] >= 0 { used[Int(incumbent.placement[v])] = true }
                if problem.vmIsFT[v] && incumbent.secondaries[v] >= 0 { used[Int(incumbent.secondaries[v])] = true }
            }
            for h in 0..<H where problem.hostState[h] == .standby && !used[h] { usableHosts[h] = false }
        }
        return usableHosts
    }

    /// Groups the active VMs into items: a required affinity group is one item, every other VM
    /// its own.
    private mutating func addItems() {
        let V = problem.vmCount
        var groupItem: [Int32: Int] = [:]
        for v in 0..<V where problem.vmActive[v] {
            let g = problem.vmGroup[v]
            if g >= 0, let existing = groupItem[g] {
                items[existing].append(v)
                itemOfVM[v] = existing
                continue
            }
            if g >= 0 { groupItem[g] = items.count }
            itemOfVM[v] = items.count
            items.append([v])
        }
    }

    /// The x columns of every item (the hosts it may use) and its u column when it may be left
    /// unplaced, with the row that places it once or leaves it unplaced.
    private mutating func addPlacementColumns() {
        let H = problem.hostCount, R = problem.resourceCount
        for members in items {
            var hosts: [Int] = []
            let pinned = members.filter { problem.vmPinned[$0] }.map { Int(problem.vmInitialHost[$0]) }
            if let first = pinned.first {
                if pinned.allSatisfy({ $0 == first }) { hosts = [first] }
            } else {
                // A VM may not stay on a host it must leave (standby: staying there is no step,
                // so nothing would bring the host back); it may still be placed elsewhere.
                for h in 0..<H where usableHosts[h] && members.allSatisfy({ problem.allows($0, h) && !mustLeave($0, h) }) {
                    let fits = (0..<R).allSatisfy { r in members.reduce(Int64(0)) { $0 + problem.demand($1, r) } <= problem.limit(h, r) }
                    if fits { hosts.append(h) }
                }
            }
            itemHosts.append(hosts)
            itemColumns.append(hosts.map { _ in model.addColumn() })
            if mayUnplace(members) {
                let u = model.addColumn()
                unplacedColumn.append(u)
                for v in members { levels[Int(problem.vmPriority[v])].append((u, 1)) }
                model.addRow(itemColumns.last!.map { ($0, 1) } + [(u, 1)], lower: 1, upper: 1)
            } else {
                unplacedColumn.append(nil)
                // Infeasible (no host) when the item has no columns: the row 0 = 1 says so.
                model.addRow(itemColumns.last!.map { ($0, 1) }, lower: 1, upper: 1)
            }
        }
    }

    /// FT secondaries: the s columns of every FT VM, its w column (unprotected) with the row that
    /// protects a placed VM or leaves it unprotected, and the rows that keep primary and
    /// secondary apart.
    private mutating func addSecondaries() {
        let H = problem.hostCount, R = problem.resourceCount, V = problem.vmCount
        for v in 0..<V where problem.vmIsFT[v] {
            let i = itemOfVM[v]
            var hosts: [Int] = []
            for h in 0..<H where usableHosts[h] && problem.allowsSecondary(v, h)
                && !(h == Int(problem.vmInitialSecondary[v]) && problem.hostState[h] != .connected) {
                if (0..<R).allSatisfy({ problem.demand(v, $0) <= problem.limit(h, $0) }) { hosts.append(h) }
            }
            let columns = hosts.map { _ in model.addColumn() }
            secondaryHosts[v] = hosts
            secondaryColumns[v] = columns
            // A running secondary is never dropped (the plan has no step that removes one):
            // a VM that keeps its primary keeps a secondary.
            let initialSecondary = Int(problem.vmInitialSecondary[v])
            let keepsSecondary = initialSecondary >= 0 && problem.hostState[initialSecondary] == .connected && unplacedColumn[i] == nil
            let w = model.addColumn(upper: keepsSecondary ? 0 : 1)
            unprotectedColumn[v] = w
            levels[5 + Int(problem.vmPriority[v])].append((w, 1))
            let covered: [(Int, Double)] = columns.map { ($0, 1) } + [(w, 1)]
            if unplacedColumn[i] == nil {
                model.addRow(covered, lower: 1, upper: 1)
            } else {
                model.addRow(covered + itemColumns[i].map { ($0, -1) }, lower: 0, upper: 0)
            }
            for (k, h) in hosts.enumerated() {
                if let position = itemHosts[i].firstIndex(of: h) {
                    model.addRow([(columns[k], 1), (itemColumns[i][position], 1)], upper: 1)
                }
            }
        }
    }

    /// Per-host load expressions: (column, VM) pairs of everything that may run on each host.
    private func hostEntries() -> [[(column: Int, vm: Int)]] {
        let H = problem.hostCount
        var onHost = [[(column: Int, vm: Int)]](repeating: [], count: H)
        for (i, members) in items.enumerated() {
            for (k, h) in itemHosts[i].enumerated() {
                for v in members { onHost[h].append((itemColumns[i][k], v)) }
            }
        }
        // In VM order: the order of these entries is the order of rows built from them, and
        // GLPK's path (so which of several equal-cost plans it returns) depends on row order.
        for v in secondaryHosts.keys.sorted() {
            for (k, h) in secondaryHosts[v]!.enumerated() { onHost[h].append((secondaryColumns[v]![k], v)) }
        }
        return onHost
    }

    /// Migration cost: lambda x the migration seconds of every column that moves a VM.
    private mutating func addMigrationCost() {
        for (i, members) in items.enumerated() {
            for (k, h) in itemHosts[i].enumerated() {
                var seconds = 0.0
                for v in members where problem.vmInitialHost[v] >= 0 && Int(problem.vmInitialHost[v]) != h {
                    seconds += problem.migrationSeconds(v, to: h)
                }
                if seconds > 0 { cost[itemColumns[i][k], default: 0] += problem.lambda * seconds; hasMigrationCost = true }
            }
        }
        for (v, hosts) in secondaryHosts where problem.vmInitialSecondary[v] >= 0 {
            for (k, h) in hosts.enumerated() where Int(problem.vmInitialSecondary[v]) != h {
                let seconds = problem.vmMigration[v].seconds
                if seconds > 0 { cost[secondaryColumns[v]![k], default: 0] += problem.lambda * seconds; hasMigrationCost = true }
            }
        }
    }

    /// Capacity rows of every host that may run something, and for `consolidate` the
    /// active-host columns y with their rows (returned per host).
    private mutating func addCapacity(_ onHost: [[(column: Int, vm: Int)]]) -> [Int?] {
        let H = problem.hostCount, R = problem.resourceCount
        var activeColumn = [Int?](repeating: nil, count: H)
        if problem.goal == .consolidate {
            for h in 0..<H where !onHost[h].isEmpty {
                let y = model.addColumn()
                activeColumn[h] = y
                cost[y, default: 0] += 1
                var rowsOfY: [Int] = []
                var seen = Set<Int>()
                for entry in onHost[h] where seen.insert(entry.column).inserted {
                    rowsOfY.append(model.addRow([(y, 1), (entry.column, -1)], lower: 0))
                }
                derived.append((y, rowsOfY))
            }
        }
        for h in 0..<H where !onHost[h].isEmpty && (problem.hostReceives[h] || onHost[h].count > 0) {
            for r in 0..<R {
                let limit = Double(problem.limit(h, r))
                var terms = onHost[h].map { ($0.column, Double(problem.demand($0.vm, r))) }
                guard terms.contains(where: { $0.1 > 0 }) else { continue }
                if let y = activeColumn[h] {
                    terms.append((y, -limit))
                    model.addRow(terms, upper: 0)
                } else {
                    model.addRow(terms, upper: limit)
                }
            }
        }
        return activeColumn
    }


    /// Size of a model, estimated or counted.
    struct Size: Equatable {
        var rows: Int
        var columns: Int
        var nonzeros: Int

        /// Bytes the model takes while it is solved: the Swift model (a column 32 bytes, a row
        /// about 64 plus 16 per nonzero), its copies for the two stages, and GLPK's copy (about
        /// 200 bytes per row or column and 100 per nonzero in GLPK 5.0's problem object, with
        /// its factorisation and branch-and-cut tree on top).
        var bytes: Int { 3 * (32 * columns + 64 * rows + 16 * nonzeros) + 400 * (rows + columns) + 200 * nonzeros }
        /// GLPK's LP work, the row x column product `ExactSolver` budgets time by.
        var work: Double { Double(rows) * Double(columns) }
    }

    /// The size of the model `init` would build for `problem`, from counts alone: x columns are
    /// counted item by item (an upper bound: every receiving host that allows the item and has
    /// room for it alone, standby hosts included), everything else from its largest count. Nil
    /// once the columns pass `columnLimit` or `deadline` passes (the model is then too large to
    /// build: the caller does not start it). O(min(items x hosts, columnLimit x ...) x R).
    static func estimate(_ problem: Problem, columnLimit: Int, deadline: ContinuousClock.Instant) -> Size? {
        let H = problem.hostCount, R = problem.resourceCount, V = problem.vmCount
        let receiving = (0..<H).filter { problem.hostReceives[$0] }
        var itemCount = 0, xColumns = 0, unplaceable = 0
        var seenGroup = Set<Int32>()
        var members: [Int] = []
        var demand = [Int64](repeating: 0, count: R)
        for v in 0..<V where problem.vmActive[v] {
            let g = problem.vmGroup[v]
            if g >= 0 {
                guard seenGroup.insert(g).inserted else { continue }
                members = problem.groups[Int(g)].map { Int($0) }.filter { problem.vmActive[$0] }
            } else {
                members = [v]
            }
            itemCount += 1
            unplaceable += 1
            if members.contains(where: { problem.vmPinned[$0] }) {
                xColumns += 1
                continue
            }
            for r in 0..<R { demand[r] = members.reduce(Int64(0)) { $0 + problem.demand($1, r) } }
            for h in receiving where members.allSatisfy({ problem.allows($0, h) }) {
                if (0..<R).allSatisfy({ demand[$0] <= problem.limit(h, $0) }) { xColumns += 1 }
            }
            if xColumns + unplaceable > columnLimit || (itemCount & 63 == 0 && ContinuousClock.now >= deadline) { return nil }
        }
        let ft = (0..<V).filter { problem.vmIsFT[$0] }.count
        let U = receiving.count
        let secondaryColumns = ft * U
        let balance = problem.goal == .balance, consolidate = problem.goal == .consolidate
        let admission = problem.admissionLimit != nil
        let softMembers = problem.softRules.reduce(0) { $0 + $1.vms.count }
        // Only soft affinity has a row per (member column): o[k,h] >= x.
        let softAffinityMembers = problem.softRules.reduce(0) { $0 + ($1.kind == .affinity ? $1.vms.count : 0) }
        let hardMembers = problem.antiAffinity.reduce(0) { $0 + $1.count }
        // Symmetry rows order classes of identical empty hosts: at most items x (hosts - 1)
        // rows per class, and each class's nonzeros within `symmetryBudget`.
        var occupied = [Bool](repeating: false, count: H)
        for v in 0..<V where problem.vmActive[v] {
            if problem.vmInitialHost[v] >= 0 { occupied[Int(problem.vmInitialHost[v])] = true }
            if problem.vmInitialSecondary[v] >= 0 { occupied[Int(problem.vmInitialSecondary[v])] = true }
        }
        let emptyHosts = receiving.filter { !occupied[$0] }.count
        let symmetryRows = emptyHosts > 1 ? (itemCount + 1) * emptyHosts : 0
        let symmetryNonzeros = emptyHosts > 1 ? min(itemCount * itemCount * emptyHosts + 2 * emptyHosts, symmetryBudget * emptyHosts) : 0
        // Capacity rows and active-host columns may also sit on the host of a pinned VM that
        // receives nothing: per host, not per receiving host.
        var columns = xColumns + unplaceable + secondaryColumns + 2 * ft
        columns += (consolidate ? H : 0) + (balance ? H * R + 1 : 0) + problem.softRules.count * (H + 1) + (admission ? 1 : 0)
        var rows = itemCount + ft + secondaryColumns + H * R + symmetryRows
        rows += (consolidate ? xColumns + secondaryColumns : 0) + (balance ? 3 * H * R + 1 : 0)
        rows += problem.antiAffinity.count * H + softAffinityMembers * U + problem.softRules.count * (H + 1) + (admission ? R + 1 : 0)
        var nonzeros = xColumns * (2 + R + (consolidate ? 2 : 0) + (balance ? R : 0) + (admission ? R + 1 : 0))
        nonzeros += secondaryColumns * (3 + R + (consolidate ? 2 : 0) + (balance ? R : 0) + (admission ? R : 0))
        nonzeros += unplaceable + 2 * ft + (consolidate ? H * R : 0) + (balance ? 8 * H * R + 1 : 0) + (admission ? R + 1 : 0)
        nonzeros += (hardMembers + 2 * softMembers) * U + 3 * problem.softRules.count * (H + 1) + symmetryNonzeros
        rows = max(rows, 1)
        columns = max(columns, 1)
        return Size(rows: rows, columns: columns, nonzeros: nonzeros)
    }

    /// The size of the model as built.
    var size: Size {
        Size(rows: model.rows.count, columns: model.columns.count, nonzeros: model.rows.reduce(0) { $0 + $1.columns.count })
    }

    /// The imbalance column z (balance only).
    var imbalanceColumn: Int?

    /// Upper bound of each penalty level's value (0 when the level cannot be nonzero).
    func levelMaxima() -> [Double] {
        levels.map { terms in terms.reduce(0.0) { $0 + max(0, $1.1) * model.columns[$1.0].upper } }
    }

    /// Integer weights that make the weighted penalty sum order placements lexicographically:
    /// each level's weight exceeds the largest possible weighted sum of all levels below it.
    /// Exact while the weights stay below 2^53 (checked by the caller).
    func levelWeights() -> [Double] {
        let maxima = levelMaxima()
        var weights = [Double](repeating: 0, count: levels.count)
        var below = 0.0
        for level in stride(from: levels.count - 1, through: 0, by: -1) where maxima[level] > 0 {
            weights[level] = below + 1
            below += weights[level] * maxima[level].rounded(.up)
        }
        return weights
    }

    /// The weighted penalty expression.
    func penaltyTerms(_ weights: [Double]) -> [(Int, Double)] {
        var terms: [(Int, Double)] = []
        for (level, expression) in levels.enumerated() where weights[level] > 0 {
            terms += expression.map { ($0.0, $0.1 * weights[level]) }
        }
        return terms
    }

    /// `placement` with the hosts of each symmetry class relabelled into the order the model
    /// keeps: by the smallest item they hold, then hosts with secondaries only, then empty ones.
    /// The same plan up to interchangeable hosts, with the same score.
    func canonical(placement: [Int32], secondaries: [Int32]) -> (placement: [Int32], secondaries: [Int32]) {
        var placement = placement, secondaries = secondaries
        for hosts in symmetryClasses {
            let inClass = Set(hosts)
            var smallest: [Int: Int] = [:]
            for (i, members) in items.enumerated() {
                let h = Int(placement[members[0]])
                if inClass.contains(h) && smallest[h] == nil { smallest[h] = i }
            }
            var secondaryOnly = Set<Int>()
            for v in secondaryHosts.keys where secondaries[v] >= 0 && inClass.contains(Int(secondaries[v])) {
                secondaryOnly.insert(Int(secondaries[v]))
            }
            let order = hosts.sorted {
                let a = (smallest[$0] ?? Int.max, secondaryOnly.contains($0) ? 0 : 1, $0)
                let b = (smallest[$1] ?? Int.max, secondaryOnly.contains($1) ? 0 : 1, $1)
                return a < b
            }
            var target: [Int32: Int32] = [:]
            for (k, h) in order.enumerated() { target[Int32(h)] = Int32(hosts[k]) }
            for members in items { for v in members { if let t = target[placement[v]] { placement[v] = t } } }
            for v in secondaryHosts.keys { if let t = target[secondaries[v]] { secondaries[v] = t } }
        }
        return (placement, secondaries)
    }

    /// The full column vector of a known placement (first relabelled by `canonical`, so that it
    /// meets the symmetry rows), or nil when the model cannot represent it (a split affinity
    /// group, an evicted VM, a host outside the model).
    func values(placement original: [Int32], secondaries originalSecondaries: [Int32]) -> [Double]? {
        let (placement, secondaries) = canonical(placement: original, secondaries: originalSecondaries)
        var values = [Double](repeating: 0, count: model.columns.count)
        for (i, members) in items.enumerated() {
            let hosts = Set(members.map { placement[$0] })
            guard hosts.count == 1, let host = hosts.first else { return nil }
            if host < 0 {
                guard let u = unplacedColumn[i] else { return nil }
                values[u] = 1
            } else {
                guard let k = itemHosts[i].firstIndex(of: Int(host)) else { return nil }
                values[itemColumns[i][k]] = 1
            }
        }
        for (v, hosts) in secondaryHosts {
            let placed = placement[v] >= 0
            let s = secondaries[v]
            if placed && s >= 0 {
                guard let k = hosts.firstIndex(of: Int(s)) else { return nil }
                values[secondaryColumns[v]![k]] = 1
            } else if placed {
                values[unprotectedColumn[v]!] = 1
            }
        }
        for (column, rows) in derived { values[column] = model.smallestFeasible(column, rows: rows, values) }
        // The cone's bound at the norm itself (a hair above, so that every cut holds despite rounding).
        if let cone = model.cone { values[cone.bound] = min(model.columns[cone.bound].upper, cone.value(values) * (1 + 1e-12) + 1e-15) }
        return values
    }

    /// Placement and secondaries read from a column vector.
    func placement(from values: [Double]) -> (placement: [Int32], secondaries: [Int32]) {
        var placement = [Int32](repeating: -1, count: problem.vmCount)
        var secondaries = [Int32](repeating: -1, count: problem.vmCount)
        for (i, members) in items.enumerated() {
            for (k, h) in itemHosts[i].enumerated() where values[itemColumns[i][k]] > 0.5 {
                for v in members { placement[v] = Int32(h) }
            }
        }
        for (v, hosts) in secondaryHosts where placement[v] >= 0 {
            for (k, h) in hosts.enumerated() where values[secondaryColumns[v]![k]] > 0.5 { secondaries[v] = Int32(h) }
        }
        return (placement, secondaries)
    }
}