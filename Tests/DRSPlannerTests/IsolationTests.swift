import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// Isolated hosts (`hosts[].state: "isolated"`, `cluster.ha.isolationResponse`) and partitioned
/// clusters (`cluster.ha.partitions`): each rule held against every solver of the catalog, then
/// broken by hand for the checker.
@Suite struct IsolationTests: CatalogPlanning {
    /// Three connected hosts and an isolated one, capacity tight: `iso` runs `i1` (guest
    /// failed), `i2` (an FT primary with its secondary on `b`) and `i3`; `new` (highest
    /// priority) fits only on the isolated host's spare room or nowhere.
    static func isolated(_ response: IsolationResponse?) -> Snapshot {
        var s = Snapshot()
        s.cluster.ha = HASettings(enabled: true, master: "iso", isolationResponse: response)
        s.hosts = [Fixtures.host("a"), Fixtures.host("b"), Fixtures.host("c"), Fixtures.host("iso", state: .isolated)]
        for h in s.hosts.indices { s.hosts[h].datastores = h == 0 ? ["ds1", "ds2"] : ["ds1"] }
        s.vms = [Fixtures.vm("a1", on: "a", cpu: 60, memory: 60), Fixtures.vm("b1", on: "b", cpu: 60, memory: 60),
                 Fixtures.vm("c1", on: "c", cpu: 60, memory: 60),
                 Fixtures.vm("i1", on: "iso", cpu: 20, memory: 20), Fixtures.vm("i2", on: "iso", cpu: 10, memory: 10),
                 Fixtures.vm("i3", on: "iso", cpu: 20, memory: 20),
                 Fixtures.vm("new", on: nil, cpu: 45, memory: 45, priority: .highest)]
        s.vms[3].state = .guestFailed
        s.vms[4].ft = FaultTolerance(secondaryHost: "b")
        return s
    }

    // MARK: leaveOn

    @Test("leaveOn (the default): every solver leaves the isolated host's VMs where they run, restarts none, and puts nothing new there",
          arguments: SolverCatalog.names)
    func leaveOnKeepsVMs(_ solverName: String) throws {
        for response in [nil, IsolationResponse.leaveOn] {
            let plan = try Self.plan(Self.isolated(response), solverName)
            for vm in ["i1", "i2", "i3"] { #expect(plan.placement[vm] == "iso", "\(solverName) \(vm)") }
            #expect(!plan.steps.contains { $0.kind == .restart || $0.kind == .promote }, "\(solverName): \(plan.steps)")
            #expect(!plan.steps.contains { $0.to == "iso" || ($0.from == "iso" && $0.secondary != true) }, "\(solverName): \(plan.steps)")
            #expect(plan.unplaced == ["new"], "\(solverName): only the isolated host had room for it")
            #expect(plan.haMaster == "a", "the isolated master is replaced by the election winner")
            #expect(plan.notes.contains { $0.hasPrefix("isolated: iso (isolationResponse leaveOn)") }, "\(plan.notes)")
        }
    }

    @Test("HA off: an isolated host keeps its VMs whatever isolationResponse says (no agent responds)")
    func haOffIsLeaveOn() throws {
        var s = Self.isolated(.powerOff)
        s.cluster.ha?.enabled = false
        s.vms[4].ft = nil
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        #expect(plan.placement["i3"] == "iso" && !plan.steps.contains { $0.kind == .restart })
    }

    // MARK: powerOff and shutdown

    @Test("powerOff and shutdown: every solver restarts the isolated host's VMs elsewhere and promotes its FT primaries' secondaries",
          arguments: SolverCatalog.names)
    func respondingHostRestarts(_ solverName: String) throws {
        for response in [IsolationResponse.powerOff, .shutdown] {
            let plan = try Self.plan(Self.isolated(response), solverName)
            let promote = try #require(plan.steps.first { $0.kind == .promote && $0.vm == "i2" }, "\(solverName)")
            #expect(promote.to == "b" && promote.reason.contains("isolationResponse \(response.rawValue)"))
            let restarts = plan.steps.filter { $0.kind == .restart }
            #expect(Set(restarts.compactMap(\.vm)).isSubset(of: ["i1", "i3"]), "\(solverName): \(restarts)")
            for restart in restarts {
                #expect(restart.from == "iso" && restart.to != "iso" && restart.applied && restart.priority == 1)
                #expect(restart.reason.contains("host iso is isolated (isolationResponse \(response.rawValue))"))
            }
            #expect(!plan.steps.contains { $0.to == "iso" }, "\(solverName)")
            for vm in ["i1", "i3"] { #expect(plan.placement[vm] != "iso") }
        }
    }

    @Test("the response's seconds: shutdown holds the first wave of its restarts 300 s, powerOff adds none, later waves nothing more")
    func responseSeconds() throws {
        #expect(IsolationResponse.shutdown.extraSeconds == 300 && IsolationResponse.powerOff.extraSeconds == 0)
        var s = Snapshot()
        s.cluster.ha = HASettings(enabled: true, master: "a")
        s.hosts = [Fixtures.host("a"), Fixtures.host("b"), Fixtures.host("iso", state: .isolated)]
        // hi restarts first (its class), lo in a later wave.
        s.vms = [Fixtures.vm("hi", on: "iso", cpu: 30, memory: 30, priority: .highest),
                 Fixtures.vm("lo", on: "iso", cpu: 30, memory: 30, priority: .lowest)]
        for (response, seconds) in [(IsolationResponse.powerOff, 0.0), (.shutdown, 300)] {
            s.cluster.ha?.isolationResponse = response
            let plan = try Self.plan(s, "greedy")
            let hi = try #require(plan.steps.first { $0.vm == "hi" }), lo = try #require(plan.steps.first { $0.vm == "lo" })
            #expect(hi.kind == .restart && lo.kind == .restart && hi.wave < lo.wave)
            #expect(hi.seconds == seconds && lo.seconds == 0, "\(response): \(plan.steps)")
            #expect(plan.estimatedSeconds == seconds)
        }
    }

    @Test("isolation response with per-VM automation disabled: HA restarts the VM anyway; --apply keeps the HA master")
    func automationDisabled() throws {
        var s = Self.isolated(.powerOff)
        s.vms[5].automation = .disabled
        s.cluster.automation = .manual
        let plan = try Self.plan(s, "greedy")
        #expect(plan.steps.contains { $0.kind == .restart && $0.vm == "i3" && $0.applied })
        let next = try Planner.applied(s, plan: plan)
        #expect(next.cluster.ha?.master == "a")
        #expect(next.vms[5].host != "iso")
    }

    // MARK: Partitions

    /// Partitions `[[a, b], [c, d]]` and `e` unlisted (its own partition); `a` failed, `b`'s
    /// master gone: the HA master `c` (most datastores) owns the restarts.
    static var partitioned: Snapshot {
        var s = Snapshot()
        s.cluster.ha = HASettings(enabled: true, master: "a", partitions: [["a", "b"], ["c", "d"]])
        s.hosts = ["a", "b", "c", "d", "e"].map { Fixtures.host($0, cpu: 100, memory: 100) }
        s.hosts[0].state = .failed
        s.hosts[0].datastores = ["x", "y", "z"]
        s.hosts[1].datastores = ["x", "y"]
        s.hosts[2].datastores = ["x", "y", "z"]
        s.hosts[3].datastores = ["x"]
        s.hosts[4].datastores = ["x"]
        s.vms = [Fixtures.vm("f1", on: "a", cpu: 60, memory: 60), Fixtures.vm("f2", on: "a", cpu: 60, memory: 60),
                 Fixtures.vm("f3", on: "a", cpu: 60, memory: 60), Fixtures.vm("d1", on: "d", cpu: 10, memory: 10)]
        return s
    }

    @Test("partitions: every solver restarts only into the HA master's partition; each other partition elects its own master",
          arguments: SolverCatalog.names)
    func onlyMasterPartitionRestarts(_ solverName: String) throws {
        let plan = try Self.plan(Self.partitioned, solverName)
        #expect(plan.haMaster == "c")
        for step in plan.steps where step.kind == .restart {
            #expect(["c", "d"].contains(step.to!), "\(solverName): \(step)")
        }
        // c and d hold one of the three (60 each) apiece: one stays down although b and e are empty.
        #expect(plan.steps.filter { $0.kind == .restart }.count == 2, "\(solverName)")
        #expect(plan.unplaced.count == 1)
        #expect(plan.reasons[plan.unplaced[0]]?.hasSuffix("only the HA master's partition (cluster.ha.partitions) restarts VMs") == true,
                "\(plan.reasons)")
        let elects = plan.steps.filter { $0.kind == .elect }.map { $0.host! }
        #expect(elects.sorted() == ["b", "c", "e"], "\(solverName): \(elects)")
        #expect(plan.steps.first { $0.kind == .elect && $0.host == "b" }?.reason.contains("restarts nothing") == true)
        #expect(plan.notes.contains("partitioned: only the partition of HA master c (c, d) restarts VMs"), "\(plan.notes)")
    }

    @Test("one partition of every host plans exactly as no partitions (elections aside, the same steps)")
    func wholePartitionIsNoPartition() throws {
        var whole = Self.partitioned
        whole.cluster.ha?.partitions = [["a", "b", "c", "d", "e"]]
        var none = Self.partitioned
        none.cluster.ha?.partitions = nil
        for solverName in ["greedy", "local-search", "exact"] {
            let a = try Self.plan(whole, solverName), b = try Self.plan(none, solverName)
            #expect(a.steps == b.steps && a.placement == b.placement, "\(solverName)")
            #expect(a.notes.filter { !$0.hasPrefix("partitioned") } == b.notes)
        }
    }

    @Test("the current master's partition restarts while the master is connected, even with fewer datastores")
    func connectedMasterOwns() throws {
        var s = Self.partitioned
        s.cluster.ha?.master = "b"
        let plan = try Self.plan(s, "greedy")
        #expect(plan.haMaster == "b")
        #expect(plan.steps.filter { $0.kind == .restart }.allSatisfy { $0.to == "b" })
        #expect(plan.steps.filter { $0.kind == .elect }.map { $0.host! }.sorted() == ["c", "e"])
        let next = try Planner.applied(s, plan: plan)
        #expect(next.cluster.ha?.master == "b", "partition masters leave cluster.ha.master alone")
    }

    @Test("a failover sweep over a partitioned cluster restarts into the master's partition only")
    func sweepRespectsPartitions() throws {
        var s = Self.partitioned
        s.hosts[0].state = .connected
        s.cluster.ha?.master = "c"
        var problem = Problem(s)
        problem = problem.failing(3)
        #expect(problem.restartHosts.map { set in (0..<5).filter { set.contains($0) } } == [2, 3])
        let plan = try Planner.plan(problem, solver: GreedySolver())
        #expect(plan.steps.filter { $0.kind == .restart }.allSatisfy { $0.to == "c" })
    }

    @Test("the bundled example shows the isolated host and the partitions in the text report; every solver restarts into A, B, C only",
          arguments: SolverCatalog.names)
    func bundledExample(_ solverName: String) throws {
        let snapshot = try Fixtures.example("isolation-partition.json")
        let plan = try Self.plan(snapshot, solverName)
        let report = TextReport.render(snapshot, plan)
        #expect(report.contains("HA partitions: 1 A, B, C (master A, restarts VMs) | 2 E, F (master F) | 3 D"), "\(report)")
        #expect(report.contains("D [isolated: shutdown]"))
        #expect(report.contains("host D is isolated (isolationResponse shutdown): HA restart"))
        let restarts = plan.steps.filter { $0.kind == .restart }
        #expect(Set(restarts.compactMap(\.vm)) == ["D2", "D3"], "\(solverName)")
        #expect(restarts.allSatisfy { ["A", "B", "C"].contains($0.to!) }, "\(solverName): \(restarts)")
        #expect(plan.steps.contains { $0.kind == .promote && $0.vm == "D1" && $0.to == "B" })
        // The first wave of D's restarts waits for the guest shutdown.
        #expect(restarts.map(\.seconds).max() == 300)
    }

    @Test("the exact model holds isolation and partitions as masks and pins: it proves each fixture, and no heuristic beats it")
    func exactProves() throws {
        let fixtures = [Self.isolated(.leaveOn), Self.isolated(.powerOff), Self.isolated(.shutdown), Self.partitioned,
                        try Fixtures.example("isolation-partition.json")]
        for snapshot in fixtures {
            let exact = try Self.plan(snapshot, "exact")
            // `unproven`: the solver proved its target, but a plan that leaves a VM unplaced is
            // reported `feasible` (as without isolation).
            #expect(exact.termination == .optimal || (exact.termination == .unproven && !exact.unplaced.isEmpty),
                    "\(snapshot.cluster.name ?? ""): \(String(describing: exact.termination))")
            for name in ["greedy", "local-search"] {
                let other = try Self.plan(snapshot, name)
                #expect(other.objective.unplaced >= exact.objective.unplaced)
                if other.objective.unplaced == exact.objective.unplaced && other.objective.softViolations == exact.objective.softViolations {
                    #expect(other.objective.cost >= exact.objective.cost - 1e-9, "\(name)")
                }
            }
        }
    }

    // MARK: Validation

    @Test("malformed partitions and responses are refused, located, every problem at once")
    func validation() {
        let hosts = #"[{"id": "h1", "capacity": {"cpu": 100, "memory": 100}}, {"id": "h2", "capacity": {"cpu": 100, "memory": 100}}, {"id": "h3", "capacity": {"cpu": 100, "memory": 100}, "state": "isolated"}]"#
        func issues(_ ha: String) -> [String] {
            Fixtures.issues(Fixtures.json(hosts: hosts, cluster: #"{"ha": \#(ha)}"#)).map(\.description)
        }
        #expect(issues(#"{"partitions": []}"#) == ["cluster.ha.partitions: must list at least one partition (a list of host ids); leave it out for an unpartitioned cluster"])
        #expect(issues(#"{"partitions": [[]]}"#) == ["cluster.ha.partitions[0]: must list at least one host id"])
        #expect(issues(#"{"partitions": [["h1", "hx"]]}"#) == [#"cluster.ha.partitions[0][1]: unknown host "hx"; did you mean "h1"?"#])
        #expect(issues(#"{"partitions": [["h1"], ["h2", "h1"]]}"#) == [#"cluster.ha.partitions[1][1]: host "h1" is already in cluster.ha.partitions[0][0]: a host is in one partition"#])
        #expect(issues(#"{"partitions": [["h2", "h2"]]}"#) == [#"cluster.ha.partitions[0][1]: host "h2" is already in cluster.ha.partitions[0][0]: a host is in one partition"#])
        #expect(issues(#"{"partitions": [["h1", "h3"]]}"#) == [#"cluster.ha.partitions[0][1]: host "h3" is isolated: it reaches no other host, so it cannot share a partition"#])
        #expect(issues(#"{"partitions": [["h1"], 3]}"#) == ["cluster.ha.partitions[1]: must be an array, got 3"])
        #expect(issues(#"{"partitions": [[1]]}"#) == ["cluster.ha.partitions[0][0]: must be a string, got 1"])
        #expect(issues(#"{"partitions": "h1"}"#) == ["cluster.ha.partitions: must be an array, got a string"])
        #expect(issues(#"{"isolationResponse": "reboot"}"#) == [#"cluster.ha.isolationResponse: must be one of leaveOn, powerOff, shutdown, got "reboot""#])
        #expect(issues(#"{"isolationResponse": "shutdown", "partitions": [["h3"], ["h1"]]}"#).isEmpty, "the rest (h2) forms a partition")
    }

    @Test("the new fields read the same through both readers and survive writing")
    func roundTrip() throws {
        let text = Fixtures.json(hosts: #"[{"id": "h1", "capacity": {"cpu": 100, "memory": 100}}, {"id": "h2", "capacity": {"cpu": 100, "memory": 100}, "state": "isolated"}]"#,
                                 cluster: #"{"ha": {"enabled": true, "isolationResponse": "powerOff", "partitions": [["h1"], ["h2"]]}}"#)
        let snapshot = try Snapshot.read(json: text)
        #expect(snapshot.cluster.ha?.isolationResponse == .powerOff)
        #expect(snapshot.cluster.ha?.partitions == [["h1"], ["h2"]])
        #expect(snapshot.hosts[1].state == .isolated)
        #expect(snapshot.effectiveHostStates == [.connected, .failed])
        let again = try Snapshot.read(json: JSONWriter.write(snapshot.json))
        #expect(again == snapshot)
    }

    // MARK: Checker

    @Test("the checker refuses a restart of a leaveOn host's VM, a migration off it, a new VM onto it, and a guest restart there")
    func checkerIsolatedHost() throws {
        let s = Self.isolated(.leaveOn)
        let base = try Planner.checkedPlan(s, solver: GreedySolver())
        func with(_ step: Step, place vm: String, on host: String?) -> [String] {
            var plan = base
            plan.steps.append(step)
            plan.placement[vm] = host
            plan.unplaced.removeAll { $0 == vm }
            return Self.refusals(s, plan)
        }
        let restart = with(Step(wave: 1, kind: .restart, vm: "i3", from: "iso", to: "c", priority: 1, applied: true, reason: "x"), place: "i3", on: "c")
        #expect(restart.contains { $0.contains("restart of i3, which is already running on iso (its host is isolated and the isolation response is leaveOn") }, "\(restart)")
        let migrate = with(Step(wave: 1, kind: .migrate, vm: "i3", from: "iso", to: "c", priority: 1, applied: true, reason: "x"), place: "i3", on: "c")
        #expect(migrate.contains { $0.contains("migrate of i3 from iso, which is isolated") }, "\(migrate)")
        let place = with(Step(wave: 1, kind: .place, vm: "new", to: "iso", priority: 1, applied: true, reason: "x"), place: "new", on: "iso")
        #expect(place.contains { $0.contains("place of new to host iso, which is isolated") }, "\(place)")
        let guest = with(Step(wave: 1, kind: .restart, vm: "i1", from: "iso", to: "iso", priority: 1, applied: true, reason: "x"), place: "i1", on: "iso")
        #expect(guest.contains { $0.contains("restart of i1 on iso, which is isolated: no HA master reaches it") }, "\(guest)")
        // The unmutated plan passes, and a restart under powerOff is what HA does.
        #expect(Self.refusals(s, base).isEmpty)
    }

    @Test("the checker refuses a restart outside the master's partition and a wrong partition master")
    func checkerPartitions() throws {
        let s = Self.partitioned
        let base = try Planner.checkedPlan(s, solver: GreedySolver())
        let restart = try #require(base.steps.firstIndex { $0.kind == .restart })
        var outside = base
        outside.steps[restart].to = "e"
        outside.placement[outside.steps[restart].vm!] = "e"
        let found = Self.refusals(s, outside)
        #expect(found.contains { $0.contains("to e, outside the HA master's partition (cluster.ha.partitions): only the master's partition restarts VMs") }, "\(found)")
        // Partition [a, b, b2]: b2 sees more datastores than b, so it is that partition's master.
        var s2 = s
        s2.hosts[1].datastores = ["x"]
        s2.hosts.append(Fixtures.host("b2"))
        s2.hosts[5].datastores = ["x", "y"]
        s2.cluster.ha?.partitions = [["a", "b", "b2"], ["c", "d"]]
        var wrongOther = try Planner.checkedPlan(s2, solver: GreedySolver())
        let b2 = try #require(wrongOther.steps.firstIndex { $0.kind == .elect && $0.host == "b2" })
        #expect(Self.refusals(s2, wrongOther).isEmpty)
        wrongOther.steps[b2].host = "b"
        #expect(Self.refusals(s2, wrongOther).contains { $0.contains("elect makes b master of its partition, but the election there picks b2") })
    }
}
