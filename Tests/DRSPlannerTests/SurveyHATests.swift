import Testing
@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSHeuristics
@_spi(Benchmarks) import DRSPlanner
import DRSTestSupport
@_spi(Benchmarks) import DRSSolvers

/// HA as the founding survey describes it: HA off means off, a failed guest restarts on its own
/// host, and restarts go in waves by restart priority. Each rule is held against every solver
/// of the catalog, then broken by hand for the checker.
@Suite struct SurveyHATests: CatalogPlanning {
    // MARK: HA off means off

    @Test("FT with HA disabled is invalid input, located at the VM's ft; FT without a cluster.ha section stays valid")
    func ftNeedsHA() throws {
        let vms = #"[{"id": "v1", "host": "h1", "demand": {"cpu": 10, "memory": 10}}, {"id": "v2", "host": "h1", "demand": {"cpu": 10}, "ft": {"secondaryHost": "h2"}}]"#
        let off = Fixtures.issues(Fixtures.json(vms: vms, cluster: #"{"ha": {"enabled": false}}"#))
        #expect(off.map(\.description) == ["vms[1].ft: Fault Tolerance needs HA, but cluster.ha.enabled is false: turn HA on or remove ft"])
        #expect(Fixtures.issues(Fixtures.json(vms: vms)).isEmpty)
        #expect(Fixtures.issues(Fixtures.json(vms: vms, cluster: #"{"ha": {"enabled": true}}"#)).isEmpty)
    }

    static var haOffFailure: Snapshot {
        var s = Snapshot()
        s.cluster.ha = HASettings(enabled: false)
        s.hosts = [Fixtures.host("down", state: .failed), Fixtures.host("up"), Fixtures.host("spare")]
        s.vms = [Fixtures.vm("a", on: "down", cpu: 20, memory: 20, priority: .highest),
                 Fixtures.vm("b", on: "down", cpu: 20, memory: 20),
                 Fixtures.vm("c", on: "up", cpu: 50, memory: 50)]
        return s
    }

    @Test("HA off: every solver restarts nothing and reports the failed host's VMs down with the reason", arguments: SolverCatalog.names)
    func haOffRestartsNothing(_ solverName: String) throws {
        let plan = try Self.plan(Self.haOffFailure, solverName)
        #expect(plan.unplaced.sorted() == ["a", "b"], "\(solverName)")
        #expect(!plan.steps.contains { $0.kind == .restart || $0.kind == .place }, "\(solverName): \(plan.steps)")
        #expect(plan.reasons["a"]?.contains("HA is disabled") == true)
        #expect(plan.objective.unplaced == 2)
    }

    @Test("HA off: the checker refuses a restart or a placement of a failed host's VM")
    func haOffCheckerRefusesRestart() throws {
        let snapshot = Self.haOffFailure
        let base = try Planner.checkedPlan(snapshot, solver: GreedySolver())
        for kind in [Step.Kind.restart, .place] {
            var plan = base
            plan.steps.append(Step(wave: 1, kind: kind, vm: "a", from: kind == .restart ? "down" : nil, to: "spare", priority: 1, applied: true, reason: "x"))
            plan.placement["a"] = "spare"
            plan.unplaced.removeAll { $0 == "a" }
            let found = Self.refusals(snapshot, plan)
            #expect(found.contains { $0.contains("\(kind.rawValue) of a, whose host down failed, but HA is disabled") }, "\(found)")
        }
        // With HA on the same restart is what HA does.
        var on = snapshot
        on.cluster.ha = HASettings(enabled: true)
        let plan = try Planner.checkedPlan(on, solver: GreedySolver())
        #expect(plan.unplaced.isEmpty && plan.steps.filter { $0.kind == .restart }.count == 2)
    }

    @Test("an absent cluster.ha still restarts the VMs of a failed host (no admission control, no election)")
    func absentHAStillRestarts() throws {
        var s = Self.haOffFailure
        s.cluster.ha = nil
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        #expect(plan.unplaced.isEmpty)
        #expect(plan.steps.filter { $0.kind == .restart }.count == 2)
        #expect(!plan.steps.contains { $0.kind == .elect })
    }

    @Test("HA off: a failover sweep finds every failure of a loaded host leaves VMs down")
    func haOffSweep() throws {
        var s = Self.haOffFailure
        s.hosts[0].state = .connected
        let reports = FailoverSweep.run(s, solver: GreedySolver(), options: SolveOptions(timeLimit: 10))
        let lost = Dictionary(uniqueKeysWithValues: reports.map { ($0.host, $0.lost.map(\.vm).sorted()) })
        #expect(lost["down"] == ["a", "b"])
        #expect(lost["up"] == ["c"])
    }

    // MARK: Guest failure

    static var guestFailure: Snapshot {
        var s = Snapshot()
        s.cluster.ha = HASettings(enabled: true)
        s.cluster.migrationThreshold = 5
        s.hosts = [Fixtures.host("h1"), Fixtures.host("h2")]
        // g is alone with a heavy neighbour: balance would move it, but its guest failed.
        s.vms = [Fixtures.vm("g", on: "h1", cpu: 20, memory: 20), Fixtures.vm("heavy", on: "h1", cpu: 60, memory: 60)]
        s.vms[0].state = .guestFailed
        return s
    }

    @Test("a failed guest restarts on its own host in wave 1, priority 1, applied at every automation level, with every solver",
          arguments: SolverCatalog.names)
    func guestRestartsInPlace(_ solverName: String) throws {
        for level in AutomationLevel.allCases {
            var s = Self.guestFailure
            s.cluster.automation = level
            let plan = try Self.plan(s, solverName)
            let restart = try #require(plan.steps.first { $0.kind == .restart && $0.vm == "g" }, "\(solverName) \(level)")
            #expect(restart.wave == 1 && restart.from == "h1" && restart.to == "h1" && restart.priority == 1 && restart.applied)
            #expect(restart.reason.contains("guest OS"))
            #expect(plan.placement["g"] == "h1", "\(solverName): a failed guest is restarted, not migrated")
            #expect(!plan.steps.contains { $0.vm == "g" && $0.kind == .migrate })
        }
    }

    @Test("a failed guest on a host entering maintenance restarts on another host")
    func guestOnMaintenanceHost() throws {
        var s = Self.guestFailure
        s.hosts[0].state = .maintenance
        s.vms[1].host = "h2"
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        let restart = try #require(plan.steps.first { $0.kind == .restart && $0.vm == "g" })
        #expect(restart.from == "h1" && restart.to == "h2" && restart.applied)
        #expect(restart.reason.contains("entering maintenance"))
        #expect(PlanChecker.check(s, plan).isEmpty)
    }

    @Test("a failed guest with HA off, or restart priority disabled, is not restarted")
    func guestNotRestartedWhenHAOff() throws {
        var off = Self.guestFailure
        off.cluster.ha = HASettings(enabled: false)
        var disabled = Self.guestFailure
        disabled.vms[0].restartPriority = .disabled
        for s in [off, disabled] {
            let plan = try Planner.checkedPlan(s, solver: GreedySolver())
            #expect(!plan.steps.contains { $0.kind == .restart })
            #expect(plan.notes.contains { $0.contains("guest of g failed") }, "\(plan.notes)")
            var forced = plan
            forced.steps.insert(Step(wave: 1, kind: .restart, vm: "g", from: "h1", to: "h1", priority: 1, applied: true, reason: "x"), at: 0)
            #expect(!Self.refusals(s, forced).isEmpty)
        }
    }

    @Test("the checker refuses a plan that forgets a failed guest, restarts it twice, or restarts it on another connected host")
    func guestCheckerMutations() throws {
        let s = Self.guestFailure
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        var forgotten = plan
        forgotten.steps.removeAll { $0.kind == .restart }
        #expect(Self.refusals(s, forgotten).contains { $0.contains("the guest of g failed, but no step restarts it") })
        var twice = plan
        twice.steps.append(Step(wave: 2, kind: .restart, vm: "g", from: "h1", to: "h1", priority: 1, applied: true, reason: "x"))
        #expect(Self.refusals(s, twice).contains { $0.contains("whose failed guest was already restarted") })
        var elsewhere = plan
        let index = try #require(elsewhere.steps.firstIndex { $0.kind == .restart })
        elsewhere.steps[index].to = "h2"
        elsewhere.placement["g"] = "h2"
        #expect(Self.refusals(s, elsewhere).contains { $0.contains("a failed guest restarts on its own host h1") })
    }

    @Test("guestFailed needs a running guest: powered off or unplaced VMs are refused, located")
    func guestStateValidation() {
        let off = Fixtures.issues(Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1}, "powerState": "off", "state": "guestFailed"}]"#))
        #expect(off.map(\.description) == ["vms[0].state: guestFailed needs a running guest, but the VM is powered off"])
        let unplaced = Fixtures.issues(Fixtures.json(vms: #"[{"id": "v1", "demand": {"cpu": 1}, "state": "guestFailed"}]"#))
        #expect(unplaced.map(\.description) == ["vms[0].state: guestFailed needs a running guest, but the VM has no host (not placed yet)"])
        let typo = Fixtures.issues(Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1}, "state": "guestfailed"}]"#))
        #expect(typo.first?.path == "vms[0].state")
    }

    @Test("applying a guest restart clears the VM's state; Planner.guestsFailed marks VMs and refuses unknown ones")
    func guestApplyAndCommandEntry() throws {
        let s = Self.guestFailure
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        #expect(try Planner.applied(s, plan: plan).vms[0].state == nil)
        var clean = s
        clean.vms[0].state = nil
        #expect(try Planner.guestsFailed(clean, ["g"]).vms[0].state == .guestFailed)
        #expect(throws: UnknownVM.self) { try Planner.guestsFailed(clean, ["nope"]) }
        var off = clean
        off.vms[0].powerState = .off
        #expect(throws: UnknownVM.self) { try Planner.guestsFailed(off, ["g"]) }
    }

    // MARK: Restart order

    static var ordered: Snapshot {
        var s = Snapshot()
        s.cluster.ha = HASettings(enabled: true, master: "up")
        s.hosts = [Fixtures.host("down", state: .failed), Fixtures.host("up", cpu: 200, memory: 200), Fixtures.host("spare", cpu: 200, memory: 200)]
        s.vms = [Fixtures.vm("low", on: "down", cpu: 10, memory: 10, priority: .highest),
                 Fixtures.vm("mid", on: "down", cpu: 10, memory: 10),
                 Fixtures.vm("top", on: "down", cpu: 10, memory: 10, priority: .low),
                 Fixtures.vm("off", on: "down", cpu: 10, memory: 10, priority: .highest),
                 Fixtures.vm("ft", on: "down", cpu: 10, memory: 10)]
        s.vms[0].restartPriority = .low       // overrides its placement priority
        s.vms[2].restartPriority = .highest
        s.vms[3].restartPriority = .disabled
        s.vms[4].ft = FaultTolerance(secondaryHost: "spare")
        return s
    }

    @Test("restarts go in waves by class, highest first; disabled is never restarted; FT promotes in wave 1, with every solver",
          arguments: SolverCatalog.names)
    func restartWavesByClass(_ solverName: String) throws {
        let plan = try Self.plan(Self.ordered, solverName)
        let wave = Dictionary(uniqueKeysWithValues: plan.steps.filter { $0.kind == .restart }.map { ($0.vm!, $0.wave) })
        #expect(wave.keys.sorted() == ["low", "mid", "top"], "\(solverName): \(plan.steps)")
        if let top = wave["top"], let mid = wave["mid"], let low = wave["low"] {
            #expect(top < mid && mid < low, "\(solverName): \(wave)")
        }
        #expect(plan.unplaced == ["off"])
        #expect(plan.reasons["off"]?.contains("restartPriority is disabled") == true)
        #expect(plan.steps.contains { $0.kind == .promote && $0.vm == "ft" && $0.wave == 1 })
    }

    @Test("cluster.ha.restartDelay: each class but the last holds the next one back that long")
    func restartDelayTiming() throws {
        var s = Self.ordered
        s.cluster.ha?.restartDelay = 30
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        let seconds = Dictionary(uniqueKeysWithValues: plan.steps.filter { $0.kind == .restart }.map { ($0.vm!, $0.seconds) })
        #expect(seconds == ["top": 30, "mid": 30, "low": 0])
        #expect(plan.estimatedSeconds >= 60)
        // Without a delay, restarts take no time.
        let undelayed = try Planner.checkedPlan(Self.ordered, solver: GreedySolver())
        #expect(undelayed.steps.filter { $0.kind == .restart }.allSatisfy { $0.seconds == 0 })
    }

    @Test("the checker refuses restarts of two classes in one wave, and a restart of a disabled VM")
    func restartOrderCheckerMutations() throws {
        let s = Self.ordered
        let plan = try Planner.checkedPlan(s, solver: GreedySolver())
        var together = plan
        for index in together.steps.indices where together.steps[index].kind == .restart { together.steps[index].wave = 1 }
        together.steps.sort { $0.wave < $1.wave }
        #expect(Self.refusals(s, together).contains { $0.contains("does not wait for the restarts of class highest") }, "\(Self.refusals(s, together))")
        var disabled = plan
        disabled.steps.append(Step(wave: disabled.steps.map(\.wave).max()!, kind: .restart, vm: "off", from: "down", to: "spare", priority: 1, applied: true, reason: "x"))
        disabled.placement["off"] = "spare"
        disabled.unplaced = []
        #expect(Self.refusals(s, disabled).contains { $0.contains("restartPriority is disabled") })
    }

    @Test("restartPriority and restartDelay are read by both readers; bad values are located")
    func restartFieldsRead() throws {
        let text = Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1}, "restartPriority": "disabled", "state": "guestFailed"}]"#,
                                 cluster: #"{"ha": {"enabled": true, "restartDelay": 12.5}}"#)
        let direct = try #require(Snapshot.readDirectly(json: Array(text.utf8)))
        #expect(direct == (try Snapshot.readThroughTree(json: Array(text.utf8))))
        #expect(direct.vms[0].restartPriority == .disabled && direct.vms[0].state == .guestFailed)
        #expect(direct.cluster.ha?.restartDelay == 12.5)
        let bad = Fixtures.issues(Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1}, "restartPriority": "urgent"}]"#,
                                                cluster: #"{"ha": {"restartDelay": -1}}"#))
        #expect(bad.map(\.path) == ["cluster.ha.restartDelay", "vms[0].restartPriority"])
    }
}
