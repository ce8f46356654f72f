import Testing
import OpenDRS

/// The stages made linear for large clusters answer as a scan of every host would: the
/// two-host fit question of FT VMs, hard vmHost restrictions kept as host sets, and the
/// constructive solvers' scan of a restricted VM's allowed hosts only.
@Suite("linear stages")
struct LinearStagesTests {
    static func hostsJSON(_ hosts: [(String, Double, Double)]) -> String {
        "[" + hosts.map { #"{"id": "\#($0.0)", "capacity": {"cpu": \#($0.1), "memory": \#($0.2)}}"# }.joined(separator: ", ") + "]"
    }

    /// Many small hosts, plus `large`.
    static func cluster(_ large: [(String, Double, Double)]) -> String {
        hostsJSON(large + (0..<40).map { ("s\($0)", 10, 10) })
    }

    static let ftVM = #"[{"id": "ft", "demand": {"cpu": 50, "memory": 50}, "ft": {"secondaryHost": null}}]"#

    @Test("an FT VM that only one host can hold is refused, whatever the number of small hosts")
    func ftFitsOneHost() {
        let issues = Fixtures.issues(Fixtures.json(hosts: Self.cluster([("big", 100, 100)]), vms: Self.ftVM))
        #expect(issues.contains { $0.path == "vms[0].demand" && $0.message.contains("fits only one host") })
    }

    @Test("an FT VM fits two hosts: two copies of one vector, two skyline vectors, or a dominated host that still fits",
          arguments: [
              [("a", 100.0, 100.0), ("b", 100.0, 100.0)],
              [("a", 200.0, 60.0), ("b", 60.0, 200.0)],
              [("a", 100.0, 100.0), ("b", 60.0, 60.0)],
          ])
    func ftFitsTwoHosts(_ large: [(String, Double, Double)]) {
        #expect(Fixtures.issues(Fixtures.json(hosts: Self.cluster(large), vms: Self.ftVM)).isEmpty)
    }

    @Test("a dominated host too small for the FT VM does not count as its second host")
    func dominatedHostTooSmall() {
        let issues = Fixtures.issues(Fixtures.json(hosts: Self.cluster([("a", 100, 100), ("b", 49, 100)]), vms: Self.ftVM))
        #expect(issues.contains { $0.message.contains("fits only one host") })
    }

    @Test("must rules with disjoint hosts leave a VM no allowed host; must and mustNot together leave the rest")
    func restrictionSets() {
        let hosts = Self.hostsJSON([("h1", 100, 100), ("h2", 100, 100), ("h3", 100, 100)])
        let vms = #"[{"id": "v1", "demand": {"cpu": 1, "memory": 1}}]"#
        let disjoint = #"[{"id": "a", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1"], "policy": "must"}, {"id": "b", "kind": "vmHost", "vms": ["v1"], "hosts": ["h2"], "policy": "must"}]"#
        #expect(Fixtures.issues(Fixtures.json(hosts: hosts, vms: vms, rules: disjoint)).contains { $0.message.contains("left no allowed host") })
        let overlapping = #"[{"id": "a", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1", "h2"], "policy": "must"}, {"id": "b", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1"], "policy": "mustNot"}]"#
        #expect(Fixtures.issues(Fixtures.json(hosts: hosts, vms: vms, rules: overlapping)).isEmpty)
        let allForbidden = #"[{"id": "a", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1", "h2"], "policy": "mustNot"}, {"id": "b", "kind": "vmHost", "vms": ["v1"], "hosts": ["h3"], "policy": "mustNot"}]"#
        #expect(Fixtures.issues(Fixtures.json(hosts: hosts, vms: vms, rules: allForbidden)).contains { $0.message.contains("left no allowed host") })
    }

    @Test("an affinity group whose allowed hosts cannot hold it together is refused; one that fits is not")
    func affinityGroupOnAllowedHosts() {
        let hosts = Self.hostsJSON((0..<20).map { ("h\($0)", $0 == 7 ? 100 : 30, 100) })
        let vms = #"[{"id": "v1", "demand": {"cpu": 20, "memory": 1}}, {"id": "v2", "demand": {"cpu": 20, "memory": 1}}]"#
        let together = #"{"id": "together", "kind": "affinity", "vms": ["v1", "v2"], "required": true}"#
        let onSmall = #"[\#(together), {"id": "small", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1", "h2"], "policy": "must"}]"#
        #expect(Fixtures.issues(Fixtures.json(hosts: hosts, vms: vms, rules: onSmall)).contains { $0.message.contains("together fits no allowed host") })
        let onLarge = #"[\#(together), {"id": "large", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1", "h7"], "policy": "must"}]"#
        #expect(Fixtures.issues(Fixtures.json(hosts: hosts, vms: vms, rules: onLarge)).isEmpty)
    }

    /// 64 hosts; VM i (of 96) must run on hosts 2k and 2k+1 for k = i mod 8 (each allowed set
    /// is 2 of 64 hosts, small enough for the restricted scan), and the rest are free.
    static func restrictedSnapshot() throws -> Snapshot {
        let hosts = (0..<64).map { Fixtures.host("h\($0)", cpu: 100, memory: 100) }
        var vms: [VirtualMachine] = []
        var rules: [Rule] = []
        for i in 0..<96 {
            vms.append(Fixtures.vm("v\(i)", on: i < 48 ? "h\(i % 64)" : nil, cpu: Double(10 + i % 25), memory: Double(5 + (i * 7) % 30)))
        }
        for k in 0..<8 {
            let members = (0..<96).filter { $0 % 8 == k && $0 % 3 == 0 }.map { "v\($0)" }
            rules.append(Rule(id: "pin\(k)", kind: .vmHost, vms: members, hosts: ["h\(2 * k)", "h\(2 * k + 1)"], policy: .must))
        }
        return Snapshot(hosts: hosts, vms: vms, rules: rules)
    }

    /// First-fit decreasing places the free VMs first and may fill a restricted VM's hosts
    /// before it comes (it then stays unplaced or where it was, reported as kept); the others
    /// place every VM here.
    @Test("constructive solvers place restricted VMs on their allowed hosts only, and the plans check",
          arguments: ["ffd-l2", "ffd-sum", "ffd-max", "dot-product", "least-loaded", "greedy", "local-search", "auto"])
    func restrictedPlacement(_ solverName: String) throws {
        let firstFit = solverName.hasPrefix("ffd")
        let snapshot = try Self.restrictedSnapshot()
        let solver = try SolverCatalog.solver(named: solverName, for: snapshot)
        let plan = try Planner.checkedPlan(snapshot, solver: solver, options: SolveOptions(timeLimit: 5))
        #expect(PlanChecker.check(snapshot, plan).isEmpty)
        for rule in snapshot.rules {
            for vm in rule.vms {
                let host = plan.placement[vm]
                let kept = plan.notes.contains { $0.contains("\(vm) on host \(host ?? "-")") }
                #expect(host == nil || rule.hosts!.contains(host!) || (firstFit && kept), "\(solverName): \(vm) on \(host ?? "-"), allowed \(rule.hosts!)")
            }
        }
        #expect(firstFit || plan.unplaced.isEmpty, "\(solverName): unplaced \(plan.unplaced)")
    }

    @Test("the checker names placement entries that are no powered-on VM, even when the count of entries looks right")
    func placementNamesOthers() throws {
        var snapshot = try Self.restrictedSnapshot()
        snapshot.vms.append(VirtualMachine(id: "off", host: "h1", demand: ["cpu": 1, "memory": 1], powerState: .off))
        let solver = try SolverCatalog.solver(named: "greedy", for: snapshot)
        let plan = try Planner.checkedPlan(snapshot, solver: solver, options: SolveOptions(timeLimit: 5))
        var ghost = plan
        ghost.placement["ghost"] = "h1"
        #expect(PlanChecker.check(snapshot, ghost).contains { $0.message.contains("ghost, which is not a VM of the snapshot") })
        var powered = plan
        powered.placement["off"] = "h1"
        #expect(PlanChecker.check(snapshot, powered).contains { $0.message.contains("off, which is powered off") })
        // One entry swapped for a ghost: the count matches, the VM left out and the ghost are named.
        var swapped = plan
        let dropped = swapped.placement.keys.sorted()[0]
        swapped.placement[dropped] = nil
        swapped.placement["ghost"] = "h1"
        let violations = PlanChecker.check(snapshot, swapped)
        #expect(violations.contains { $0.message.contains("ghost, which is not a VM of the snapshot") })
        #expect(violations.contains { $0.message.contains("the steps leave \(dropped) ") })
    }
}
