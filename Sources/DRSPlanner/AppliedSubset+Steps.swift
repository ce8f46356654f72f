@_spi(Benchmarks) import DRSModel

/// What each step names, resolved once to indices (-1 where it names nothing the problem
/// knows), with what the replay reads of it: its kind, whether it concerns a secondary, and
/// its rank in the replay order. O(steps) dictionary lookups.
struct StepFacts {
    var kind: [Step.Kind] = []
    var vm: [Int32] = []
    var host: [Int32] = []
    var from: [Int32] = []
    var to: [Int32] = []
    var secondary: [Bool] = []
    /// place, restart or migrate, except a guest restart in place or a cold migration.
    var isMoving: [Bool] = []
    /// 0 for a restart of a primary, 1 of a secondary, 2 and 3 likewise for other moves.
    var replayRank: [UInt8] = []

    init(_ steps: [Step], problem: Problem) {
        func lookUp(_ id: String?, in table: [String: Int]) -> Int32 { id.flatMap { table[$0] }.map(Int32.init) ?? -1 }
        for position in steps.indices {
            let kind = steps[position].kind
            let isSecondary = steps[position].secondary == true
            self.kind.append(kind)
            vm.append(lookUp(steps[position].vm, in: problem.vmIndex))
            host.append(lookUp(steps[position].host, in: problem.hostIndex))
            from.append(lookUp(steps[position].from, in: problem.hostIndex))
            to.append(lookUp(steps[position].to, in: problem.hostIndex))
            secondary.append(isSecondary)
            // A guest restart on the VM's own host moves nothing.
            // A cold migration (a powered-off VM) takes no capacity.
            isMoving.append((kind == .place || kind == .restart || kind == .migrate) && !steps[position].isInPlace
                && steps[position].cold != true)
            replayRank.append((kind == .restart ? 0 : 2) + (isSecondary ? 1 : 0))
        }
    }
}

/// Steps by VM, by source host and powerOn steps by host, to name what a blocked step waits for.
struct StepIndex {
    var ofVM: [Int: [Int]] = [:]
    var fromHost: [Int: [Int]] = [:]
    var powerOn: [Int: Int] = [:]

    init(_ steps: [Step], facts: StepFacts) {
        for position in steps.indices {
            if facts.kind[position] == .powerOn, facts.host[position] >= 0 { powerOn[Int(facts.host[position])] = position }
            if facts.vm[position] >= 0 { ofVM[Int(facts.vm[position]), default: []].append(position) }
            if facts.from[position] >= 0, facts.kind[position] == .migrate { fromHost[Int(facts.from[position]), default: []].append(position) }
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
