extension PlanChecker.Replay {
    /// HA restart order: the restarts of VMs whose host failed go by class (`vms[].restartPriority`,
    /// default the VM's `priority`), each class in waves after every wave of the classes above
    /// it. Powered-on VMs a required affinity rule keeps together (transitively) restart
    /// together, in the highest class among them. Guest restarts (`vms[].state`) are not ordered.
    /// O(steps + required affinity members).
    mutating func checkRestartOrder(_ plan: Plan) {
        var restarts: [(v: Int, wave: Int)] = []
        for step in plan.steps where step.kind == .restart && step.secondary != true {
            guard let v = step.vm.flatMap({ vmIndex[$0] }) else { continue }
            let machine = snapshot.vms[v]
            guard let h = machine.host.flatMap({ hostIndex[$0] }), initialState[h] == .failed,
                  (machine.restartPriority ?? RestartPriority(machine.priority)).rank != nil else { continue }
            restarts.append((v, step.wave))
        }
        guard restarts.count > 1 else { return }
        // Union-find over the members of required affinity rules.
        var parent: [Int: Int] = [:]
        func root(_ v: Int) -> Int {
            var x = v
            while let p = parent[x], p != x { x = p }
            return x
        }
        for rule in snapshot.rules where rule.kind == .affinity && rule.required == true {
            let members = rule.vms.compactMap { vmIndex[$0] }.filter { snapshot.vms[$0].powerState == .on }
            guard let first = members.first else { continue }
            for other in members.dropFirst() {
                let a = root(first), b = root(other)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var groupRank: [Int: Int] = [:]
        for (v, _) in restarts {
            let machine = snapshot.vms[v]
            let rank = (machine.restartPriority ?? RestartPriority(machine.priority)).rank!
            groupRank[root(v)] = min(groupRank[root(v)] ?? rank, rank)
        }
        // Per class: the first and last wave of its restarts, and a VM for the message.
        var first = [Int](repeating: Int.max, count: 5), last = [Int](repeating: 0, count: 5)
        var example = [String](repeating: "", count: 5)
        for (v, wave) in restarts {
            let rank = groupRank[root(v)]!
            if wave < first[rank] { first[rank] = wave; example[rank] = vmName(v) }
            last[rank] = max(last[rank], wave)
        }
        let names = RestartPriority.allCases.map(\.rawValue)
        for lower in 1..<5 where first[lower] != Int.max {
            for higher in 0..<lower where last[higher] >= first[lower] {
                fail(first[lower], "restart of \(example[lower]) (restart priority \(names[lower])) in wave \(first[lower]) does not wait for the restarts of class \(names[higher]) (the last in wave \(last[higher]))")
            }
        }
    }
}
