import Testing
import DRSModel
import DRSHeuristics
import DRSPlanner
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// The stages made linear for large clusters answer as a scan of every host would: the
/// constructive solvers' scan of a restricted VM's allowed hosts only, and the checker's
/// placement entries on a plan of such a cluster (the validation's two-host fit question and
/// restriction sets are in DRSModelTests).
@Suite("linear stages")
struct LinearStagesTests {
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
