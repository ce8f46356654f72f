import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// Storage: a VM runs, restarts and is placed only on hosts that see all its datastores; a live
/// migration elsewhere is a shared-nothing migration (disk copy), allowed only when
/// `cluster.migration.sharedNothing` is true; HA restarts never copy disks.
@Suite struct StorageTests: CatalogPlanning {
    /// h1 (full) sees ds1; h2 sees ds2 (empty, tempting); h3 sees ds1 and ds2 (half full).
    static var storage: Snapshot {
        var s = Snapshot()
        s.cluster.migrationThreshold = 5
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2"), Fixtures.host("h3")]
        s.hosts[0].datastores = ["ds1"]
        s.hosts[1].datastores = ["ds2"]
        s.hosts[2].datastores = ["ds1", "ds2"]
        s.vms = [Fixtures.vm("a", on: "h1", cpu: 40, memory: 40), Fixtures.vm("b", on: "h1", cpu: 40, memory: 40),
                 Fixtures.vm("c", on: "h3", cpu: 30, memory: 30), Fixtures.vm("new", on: nil, cpu: 30, memory: 30)]
        s.vms[0].datastores = ["ds1"]
        s.vms[1].datastores = ["ds1"]
        s.vms[1].disk = 40
        s.vms[3].datastores = ["ds1"]
        return s
    }

    @Test("every solver keeps VMs on hosts that see their datastores", arguments: SolverCatalog.names)
    func visibilityEverySolver(_ solverName: String) throws {
        let s = Self.storage
        let plan = try Self.plan(s, solverName)
        for vm in ["a", "b", "new"] {
            if let host = plan.placement[vm] { #expect(host != "h2", "\(solverName): \(vm) on h2, which does not see ds1") }
        }
        #expect(plan.unplaced.isEmpty, "\(solverName): \(plan.reasons)")
    }

    @Test("a failover restarts only on hosts that see the VM's datastores, even with shared-nothing on", arguments: SolverCatalog.names)
    func restartsNeverCopyDisks(_ solverName: String) throws {
        var s = Self.storage
        s.cluster.migration.sharedNothing = true
        s.hosts[0].state = .failed
        s.vms[2].demand = ["cpu": 90, "memory": 90]
        let plan = try Self.plan(s, solverName)
        for step in plan.steps where step.kind == .restart { #expect(step.to == "h3" && step.datastore == nil, "\(solverName): \(step)") }
        #expect(plan.placement["a"] != "h2" && plan.placement["b"] != "h2")
    }

    @Test("shared-nothing: a live migration to a host that does not see the disks copies them, names the datastore and takes longer")
    func sharedNothingMigration() throws {
        var s = Self.storage
        s.cluster.migration.sharedNothing = true
        s.cluster.migration.storageBandwidth = 100
        s.hosts[0].state = .maintenance
        s.vms[2].demand = ["cpu": 70, "memory": 70]
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        let copy = try #require(plan.steps.first { $0.kind == .migrate && $0.vm == "b" })
        #expect(copy.to == "h2")
        #expect(copy.datastore == "ds2")
        // 40 GiB at 100 MiB/s: 409.6 s on top of the memory copy.
        #expect(copy.seconds > 409.6)
        #expect(try Planner.applied(s, plan: plan).vms.first { $0.id == copy.vm }?.datastores == ["ds2"])
        // Without sharedNothing, h2 is no candidate: the VMs cannot leave (exit 3, no plan).
        var off = s
        off.cluster.migration.sharedNothing = false
        #expect(throws: (any Error).self) { try Planner.checkedPlan(off, solver: GreedySolver()) }
    }

    @Test("the checker refuses a VM moved, placed or restarted where its datastores are not seen, and a copy without sharedNothing")
    func checkerMutations() throws {
        let s = Self.storage
        let base = try Planner.checkedPlan(s, solver: GreedySolver())
        var moved = base
        moved.steps = [Step(wave: 1, kind: .migrate, vm: "a", from: "h1", to: "h2", priority: 2, applied: true, reason: "x")]
        moved.placement = ["a": "h2", "b": "h1", "c": "h3"]
        moved.unplaced = ["new"]
        #expect(Self.refusals(s, moved).contains { $0.contains("migrate of a to h2, which does not see datastore ds1") }, "\(Self.refusals(s, moved))")
        var copied = moved
        copied.steps[0].datastore = "ds2"
        #expect(Self.refusals(s, copied).contains { $0.contains("sharedNothing") })
        var allowed = s
        allowed.cluster.migration.sharedNothing = true
        #expect(Self.refusals(allowed, copied).isEmpty, "\(Self.refusals(allowed, copied))")
        var placed = base
        placed.steps = [Step(wave: 1, kind: .place, vm: "new", to: "h2", priority: 1, applied: true, reason: "x")]
        placed.placement = ["a": "h1", "b": "h1", "c": "h3", "new": "h2"]
        placed.unplaced = []
        #expect(Self.refusals(allowed, placed).contains { $0.contains("place of new to h2, which does not see datastore ds1") })
        var failed = allowed
        failed.hosts[0].state = .failed
        var restarted = base
        restarted.steps = [Step(wave: 1, kind: .restart, vm: "a", from: "h1", to: "h2", priority: 1, applied: true, reason: "x")]
        restarted.steps[0].datastore = "ds2"
        restarted.placement = ["a": "h2", "c": "h3"]
        restarted.unplaced = ["b", "new"]
        #expect(Self.refusals(failed, restarted).contains { $0.contains("restart of a to h2, which does not see datastore ds1") })
    }

    @Test("an FT secondary goes only where the VM's disks are, and an FT VM never copies them", arguments: SolverCatalog.names)
    func secondaryFollowsTheDisks(_ solverName: String) throws {
        // h2 (empty, ds2 only) is the tempting secondary host for "a"; only h3 sees ds1. A
        // secondary there would become a primary without its disks (harness seed 82253).
        var s = Self.storage
        s.cluster.migration.sharedNothing = true
        s.vms[0].ft = FaultTolerance(secondaryHost: nil)
        s.vms.remove(at: 3)
        let plan = try Self.plan(s, solverName)
        #expect(plan.secondaries["a"] == "h3" || plan.secondaries["a"] == "h1", "\(solverName): \(plan.steps)")
        #expect(!plan.steps.contains { $0.vm == "a" && $0.datastore != nil }, "\(solverName): \(plan.steps)")
        // The checker holds both: a secondary on h2, and a disk copy of the FT VM's primary.
        var there = plan
        there.steps = plan.steps.map { step in
            var step = step
            if step.vm == "a" && step.secondary == true { step.to = "h2" }
            return step
        }
        there.secondaries["a"] = "h2"
        #expect(Self.refusals(s, there).contains { $0.contains("a's secondary to h2, which does not see datastore ds1") }, "\(Self.refusals(s, there))")
        var copy = plan
        copy.steps = [Step(wave: 1, kind: .migrate, vm: "a", from: "h1", to: "h2", priority: 2, applied: true, reason: "x")]
        copy.steps[0].datastore = "ds2"
        #expect(Self.refusals(s, copy).contains { $0.contains("an FT-protected VM does not copy its disks") }, "\(Self.refusals(s, copy))")
    }

    @Test("datastores are validated: unknown, repeated, or not seen by the VM's host, each located")
    func validation() {
        let hosts = #"[{"id": "h1", "capacity": {"cpu": 100, "memory": 100}, "datastores": ["ds1"]}, {"id": "h2", "capacity": {"cpu": 100, "memory": 100}, "datastores": ["ds2"]}]"#
        let unknown = Fixtures.issues(Fixtures.json(hosts: hosts, vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1}, "datastores": ["ds1", "dsx"]}]"#))
        #expect(unknown.map(\.path) == ["vms[0].datastores[1]"])
        let repeated = Fixtures.issues(Fixtures.json(hosts: hosts, vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1}, "datastores": ["ds1", "ds1"]}]"#))
        #expect(repeated.map(\.path) == ["vms[0].datastores[1]"])
        let unseen = Fixtures.issues(Fixtures.json(hosts: hosts, vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1}, "datastores": ["ds2"]}]"#))
        #expect(unseen.map(\.description) == ["vms[0].datastores: host \"h1\" does not see datastore \"ds2\"; a VM runs only where its disks are"])
        // An FT secondary becomes the primary where it runs (harness seed 82253: promoted onto a
        // host without the disks, the --apply snapshot did not validate).
        let secondary = Fixtures.issues(Fixtures.json(hosts: hosts, vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1}, "datastores": ["ds1"], "ft": {"secondaryHost": "h2"}}]"#))
        #expect(secondary.map(\.path) == ["vms[0].ft.secondaryHost"], "\(secondary)")
        #expect(secondary.first?.description.contains("host \"h2\" does not see datastore \"ds1\"") == true)
        let nowhere = Fixtures.issues(Fixtures.json(hosts: hosts, vms: #"[{"id": "v1", "demand": {"cpu": 1}, "datastores": ["ds1", "ds2"]}]"#))
        #expect(nowhere.map(\.description) == ["vms[0].datastores: no host sees all of them"])
        let disk = Fixtures.issues(Fixtures.json(hosts: hosts, vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1}, "disk": -3}]"#))
        #expect(disk.map(\.path) == ["vms[0].disk"])
        let settings = Fixtures.issues(Fixtures.json(hosts: hosts, cluster: #"{"migration": {"storageBandwidth": 0, "sharedNothing": "yes"}}"#))
        #expect(settings.map(\.path) == ["cluster.migration.storageBandwidth", "cluster.migration.sharedNothing"])
    }

    @Test("storage fields are read the same by both readers")
    func bothReaders() throws {
        let hosts = #"[{"id": "h1", "capacity": {"cpu": 100, "memory": 100}, "datastores": ["ds1"]}]"#
        let text = Fixtures.json(hosts: hosts, vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1}, "datastores": ["ds1"], "disk": 80}]"#,
                                 cluster: #"{"migration": {"bandwidth": 1000, "storageBandwidth": 500, "sharedNothing": true}}"#)
        let direct = try #require(Snapshot.readDirectly(json: Array(text.utf8)))
        #expect(direct == (try Snapshot.readThroughTree(json: Array(text.utf8))))
        #expect(direct.vms[0].datastores == ["ds1"] && direct.vms[0].disk == 80)
        #expect(direct.cluster.migration.storageBandwidth == 500 && direct.cluster.migration.sharedNothing == true)
    }
}
