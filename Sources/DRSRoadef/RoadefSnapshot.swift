@_spi(Benchmarks) import DRSModel

/// A challenge instance as an OpenDRS snapshot with topology and costs, and back.
///
/// Names: resources `r0`..., machines are hosts `m0`..., processes are VMs `p0`..., services
/// are groups `s0`..., locations `l0`... and neighborhoods `n0`.... The snapshot holds:
/// - `cluster.goal: "cost"`, `cluster.transientResources`, `cluster.loadCostWeights`
///   (resource -> weight), `cluster.balanceTargets` (`resources` [r1, r2], `target`,
///   `weight`), `cluster.moveCostWeights` (`vm`, `group`, `host`);
/// - `hosts[].safetyCapacity`, `hosts[].location`, `hosts[].neighborhood`, `hosts[].moveCost`
///   (host id -> cost of a VM moving from this host to that one; zeros left out);
/// - `vms[].group`, `vms[].moveCost`;
/// - rules: `antiAffinity` (required) over the VMs of each group of two or more (the
///   conflict constraint), `spread` (`group`, `key: "location"`, `min`) and `dependency`
///   (`group`, `dependsOn`, `key: "neighborhood"`).
public enum RoadefSnapshot {
    /// The snapshot of `instance` with every process on its machine in `assignment`.
    package static func snapshot(_ instance: RoadefInstance, assignment: [Int], name: String) -> JSONValue {
        let resources = (0..<instance.resourceCount).map { "r\($0)" }
        func perResource(_ values: (Int) -> Int) -> JSONValue {
            .object(resources.indices.map { (key: resources[$0], value: .number(Double(values($0)))) })
        }
        var cluster: [(key: String, value: JSONValue)] = [
            ("name", .string(name)), ("goal", .string("cost")),
            ("transientResources", .array(resources.indices.filter { instance.transient[$0] }.map { .string(resources[$0]) })),
            ("loadCostWeights", perResource { instance.loadCostWeight[$0] }),
        ]
        cluster.append(("balanceTargets", .array(instance.balances.map { balance in
            .object([("resources", .array([.string(resources[balance.first]), .string(resources[balance.second])])),
                     ("target", .number(Double(balance.target))), ("weight", .number(Double(balance.weight)))])
        })))
        cluster.append(("moveCostWeights", .object([("vm", .number(Double(instance.processMoveWeight))),
                                                   ("group", .number(Double(instance.serviceMoveWeight))),
                                                   ("host", .number(Double(instance.machineMoveWeight)))])))
        let hosts: [JSONValue] = (0..<instance.machineCount).map { m in
            let moves = (0..<instance.machineCount).filter { instance.machineMoveCost(m, $0) != 0 }
                .map { (key: "m\($0)", value: JSONValue.number(Double(instance.machineMoveCost(m, $0)))) }
            return .object([("id", .string("m\(m)")), ("capacity", perResource { instance.capacity(m, $0) }),
                            ("safetyCapacity", perResource { instance.safetyCapacity(m, $0) }),
                            ("location", .string("l\(instance.location[m])")), ("neighborhood", .string("n\(instance.neighborhood[m])")),
                            ("moveCost", .object(moves))])
        }
        let vms: [JSONValue] = (0..<instance.processCount).map { p in
            .object([("id", .string("p\(p)")), ("host", .string("m\(assignment[p])")), ("demand", perResource { instance.requirement(p, $0) }),
                     ("group", .string("s\(instance.service[p])")), ("moveCost", .number(Double(instance.processMoveCost[p])))])
        }
        return .object([("schemaVersion", .number(1)), ("resources", .array(resources.map { .string($0) })),
                        ("cluster", .object(cluster)), ("hosts", .array(hosts)), ("vms", .array(vms)),
                        ("rules", .array(rules(instance)))])
    }

    /// Conflict, spread and dependency rules, service by service.
    private static func rules(_ instance: RoadefInstance) -> [JSONValue] {
        var rules: [JSONValue] = []
        for (s, processes) in instance.processesByService.enumerated() {
            if processes.count > 1 {
                rules.append(.object([("id", .string("s\(s)-conflict")), ("kind", .string("antiAffinity")),
                                      ("vms", .array(processes.map { .string("p\($0)") })), ("required", .bool(true))]))
            }
            if instance.spreadMin[s] > 0 {
                rules.append(.object([("id", .string("s\(s)-spread")), ("kind", .string("spread")), ("group", .string("s\(s)")),
                                      ("key", .string("location")), ("min", .number(Double(instance.spreadMin[s])))]))
            }
            for other in instance.dependencies[s] {
                rules.append(.object([("id", .string("s\(s)-needs-s\(other)")), ("kind", .string("dependency")),
                                      ("group", .string("s\(s)")), ("dependsOn", .string("s\(other)")),
                                      ("key", .string("neighborhood"))]))
            }
        }
        return rules
    }
}
