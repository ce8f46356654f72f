import Foundation
import Testing
@_spi(Benchmarks) import OpenDRS
import DRSTestSupport
import DRSBench

/// The randomized differential harness, fast form: fixed seeds of `drs generate --class
/// hostile` through the debug `drs` binary. The long form, thousands of cases with shrinking,
/// is `scripts/harness.py`; both read the same generator, so a seed names the same file.
struct HarnessTests {
    static let solvers = ["auto", "exact", "greedy", "ffd-l2", "ffd-sum", "ffd-max", "dot-product", "least-loaded",
                          "local-search", "bin-centric", "portfolio"]
    /// Two seeds per solver (each seed runs one solver through every command), and seed 118:
    /// invalid UTF-8 in two host ids that differ only in their invalid bytes.
    static let seeds: [UInt64] = Array(1...22) + [118]
    static let maxHosts = 5, maxVMs = 10
    static let timeLimit = 1.0
    /// Allowed above the time limit: process start, parsing and checking in a debug build.
    static let overhead = 5.0

    static func options(_ seed: UInt64, hosts: Int = maxHosts, vms: Int = maxVMs) -> GeneratorOptions {
        GeneratorOptions(snapshotClass: .hostile, hosts: hosts, vms: vms, seed: seed)
    }

    // MARK: The generator

    @Test("the hostile class gives the same bytes for a seed, other bytes for another seed")
    func hostileIsDeterministic() {
        for seed in UInt64(1)...40 {
            let first = Generator.generate(Self.options(seed)).bytes
            #expect(first == Generator.generate(Self.options(seed)).bytes, "seed \(seed)")
            #expect(first != Generator.generate(Self.options(seed + 1000)).bytes, "seed \(seed)")
        }
    }

    @Test("the hostile class covers every snapshot field and value, broken inputs, huge magnitudes and malformed files")
    func hostileCoversTheContract() {
        var seen: Set<String> = []
        var malformed = 0, invalidUTF8 = 0
        let count = 400
        for seed in UInt64(1)...UInt64(count) {
            let bytes = Generator.generate(Self.options(seed, hosts: 6, vms: 12)).bytes
            if bytes.isEmpty { seen.insert("empty file") }
            if String(validating: bytes, as: UTF8.self) == nil { invalidUTF8 += 1 }
            guard let tree = try? JSONParser.parse(bytes) else {
                malformed += 1
                continue
            }
            Self.features(tree, into: &seen)
        }
        let expected: [String] = [
            "empty file", "resources=1", "resources=16", "resources absent",
            "cluster.name", "goal=balance", "goal=consolidate", "goal absent",
            "automation=manual", "automation=partial", "automation=full", "automation absent",
            "migrationThreshold=1", "migrationThreshold=5", "maxUtilization", "bandwidth", "maxConcurrentPerHost",
            "ha.enabled=true", "ha.enabled=false", "ha.master", "ha.hostFailuresToTolerate=0", "ha.hostFailuresToTolerate=1",
            "ha.hostFailuresToTolerate=2",
            "host.state=connected", "host.state=maintenance", "host.state=failed", "host.state=standby", "host.state=isolated",
            "ha.isolationResponse=leaveOn", "ha.isolationResponse=powerOff", "ha.isolationResponse=shutdown", "ha.partitions", "host.state absent",
            "host.datastores", "vm.host=null", "vm.host absent", "vm.host on maintenance", "vm.host on failed", "vm.host on standby",
            "vm.host on isolated",
            "vm.powerState=off", "vm.powerState=on",
            "vm.priority=highest", "vm.priority=high", "vm.priority=medium", "vm.priority=low", "vm.priority=lowest",
            "ft.secondaryHost", "ft.secondaryHost=null", "ft.secondaryHost on a bad host",
            "migration.memory", "migration.dirtyRate",
            "vm.automation=disabled", "vm.automation=manual", "vm.automation=partial", "vm.automation=full",
            "rule.affinity", "rule.antiAffinity", "rule.vmHost", "policy=must", "policy=mustNot", "policy=should",
            "policy=shouldNot", "required=true", "required=false", "required absent",
            "storageBandwidth", "sharedNothing=true", "sharedNothing=false", "ha.restartDelay", "vm.datastores", "vm.disk",
            "vm.restartPriority=highest", "vm.restartPriority=lowest", "vm.restartPriority=disabled", "vm.state=guestFailed",
            "power.bootSeconds", "vm.maxDowntime",
            "overloaded host", "number >= 1e16", "number >= 1e300", "control character in an id", "duplicate id",
        ]
        for feature in expected { #expect(seen.contains(feature), "no seed of 1...\(count) gives \(feature)") }
        #expect(malformed >= count / 20 && malformed <= count / 3, "\(malformed) of \(count) seeds are not JSON")
        #expect(invalidUTF8 > 0)
    }

    /// The features a snapshot tree uses, as the names `hostileCoversTheContract` expects.
    static func features(_ tree: JSONValue, into seen: inout Set<String>) {
        func string(_ value: JSONValue?) -> String? { if case let .string(text)? = value { return text }; return nil }
        func number(_ value: JSONValue?) -> Double? { if case let .number(number)? = value { return number }; return nil }
        func list(_ value: JSONValue?) -> [JSONValue] { if case let .array(elements)? = value { return elements }; return [] }
        func walkNumbers(_ value: JSONValue) {
            switch value {
            case let .number(number): if abs(number) >= 1e16 { seen.insert("number >= 1e16") }; if abs(number) >= 1e300 { seen.insert("number >= 1e300") }
            case let .array(elements): elements.forEach(walkNumbers)
            case let .object(members): members.forEach { walkNumbers($0.value) }
            default: break
            }
        }
        walkNumbers(tree)
        if let resources = tree["resources"] { seen.insert("resources=\(list(resources).count)") } else { seen.insert("resources absent") }
        let cluster = tree["cluster"]
        if cluster?["name"] != nil { seen.insert("cluster.name") }
        seen.insert(string(cluster?["goal"]).map { "goal=\($0)" } ?? "goal absent")
        seen.insert(string(cluster?["automation"]).map { "automation=\($0)" } ?? "automation absent")
        if let threshold = number(cluster?["migrationThreshold"]) { seen.insert("migrationThreshold=\(Int(threshold))") }
        if cluster?["maxUtilization"] != nil { seen.insert("maxUtilization") }
        if cluster?["migration"]?["bandwidth"] != nil { seen.insert("bandwidth") }
        if cluster?["migration"]?["maxConcurrentPerHost"] != nil { seen.insert("maxConcurrentPerHost") }
        if cluster?["migration"]?["storageBandwidth"] != nil { seen.insert("storageBandwidth") }
        if case let .bool(flag)? = cluster?["migration"]?["sharedNothing"] { seen.insert("sharedNothing=\(flag)") }
        if cluster?["ha"]?["restartDelay"] != nil { seen.insert("ha.restartDelay") }
        if cluster?["power"]?["bootSeconds"] != nil { seen.insert("power.bootSeconds") }
        if let ha = cluster?["ha"] {
            if case let .bool(enabled)? = ha["enabled"] { seen.insert("ha.enabled=\(enabled)") }
            if ha["master"] != nil { seen.insert("ha.master") }
            if let response = string(ha["isolationResponse"]) { seen.insert("ha.isolationResponse=\(response)") }
            if ha["partitions"] != nil { seen.insert("ha.partitions") }
            if let tolerate = number(ha["hostFailuresToTolerate"]), tolerate < 10 { seen.insert("ha.hostFailuresToTolerate=\(Int(tolerate))") }
        }
        var states: [String: String] = [:]
        var ids: [String] = []
        for host in list(tree["hosts"]) {
            let state = string(host["state"])
            seen.insert(state.map { "host.state=\($0)" } ?? "host.state absent")
            if let id = string(host["id"]) { states[id] = state ?? "connected"; ids.append(id) }
            if host["datastores"] != nil { seen.insert("host.datastores") }
        }
        var load: [String: Double] = [:]
        for vm in list(tree["vms"]) {
            if let id = string(vm["id"]) { ids.append(id) }
            switch vm["host"] {
            case .null?: seen.insert("vm.host=null")
            case nil: seen.insert("vm.host absent")
            case let .string(host)?:
                if let state = states[host], state != "connected" { seen.insert("vm.host on \(state)") }
                load[host, default: 0] += number(vm["demand"]?["cpu"]) ?? 0
            default: break
            }
            if let power = string(vm["powerState"]) { seen.insert("vm.powerState=\(power)") }
            if let priority = string(vm["priority"]) { seen.insert("vm.priority=\(priority)") }
            if let ft = vm["ft"] {
                if let secondary = string(ft["secondaryHost"]) {
                    seen.insert("ft.secondaryHost")
                    if states[secondary] != "connected" || secondary == string(vm["host"]) { seen.insert("ft.secondaryHost on a bad host") }
                } else {
                    seen.insert("ft.secondaryHost=null")
                }
            }
            if vm["migration"]?["memory"] != nil { seen.insert("migration.memory") }
            if vm["migration"]?["dirtyRate"] != nil { seen.insert("migration.dirtyRate") }
            if let automation = string(vm["automation"]) { seen.insert("vm.automation=\(automation)") }
            if vm["datastores"] != nil { seen.insert("vm.datastores") }
            if vm["disk"] != nil { seen.insert("vm.disk") }
            if vm["maxDowntime"] != nil { seen.insert("vm.maxDowntime") }
            if let restart = string(vm["restartPriority"]) { seen.insert("vm.restartPriority=\(restart)") }
            if let state = string(vm["state"]) { seen.insert("vm.state=\(state)") }
        }
        for host in list(tree["hosts"]) {
            if let id = string(host["id"]), let capacity = number(host["capacity"]?["cpu"]), (load[id] ?? 0) > capacity {
                seen.insert("overloaded host")
            }
        }
        if Set(ids).count < ids.count { seen.insert("duplicate id") }
        if ids.contains(where: { $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }) { seen.insert("control character in an id") }
        for rule in list(tree["rules"]) {
            if let kind = string(rule["kind"]) { seen.insert("rule.\(kind)") }
            if let policy = string(rule["policy"]) { seen.insert("policy=\(policy)") }
            if string(rule["kind"]) != "vmHost" {
                if case let .bool(required)? = rule["required"] { seen.insert("required=\(required)") } else { seen.insert("required absent") }
            }
        }
    }

    // MARK: The properties, through the binary

    struct Run {
        var code: Int32
        var signal: Bool
        var out: [UInt8]
        var err: String
        var seconds: Double
        var cpuSeconds: Double
        var outText: String { String(decoding: out, as: UTF8.self) }
        /// How it ended: the exit code or the signal, with the line that says why.
        var ending: String {
            let why = err.split(separator: "\n").first { $0.contains("Fatal error") || $0.contains("Assertion failed") } ?? Substring(err)
            return (signal ? "signal \(code)" : "exit \(code)") + ": " + why.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Runs `drs` in `folder` with its outputs in files (no pipe can fill) and no backtrace on
    /// a crash (the exit status says enough), measuring its wall and CPU time (`wait4`).
    static func run(_ arguments: [String], in folder: URL) throws -> Run {
        let outPath = folder.appendingPathComponent("stdout").path, errPath = folder.appendingPathComponent("stderr").path
        let binary = Fixtures.drsBinary.path
        #if os(Linux)
        var actions = posix_spawn_file_actions_t()
        #else
        var actions: posix_spawn_file_actions_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Relative paths in the arguments name files in `folder`.
        let absolute = arguments.map { $0.hasSuffix(".json") && !$0.hasPrefix("/") ? folder.appendingPathComponent($0).path : $0 }
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        let argv = ([binary] + absolute).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let start = Date()
        let spawned = posix_spawn(&pid, binary, &actions, nil, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = Date().timeIntervalSince(start)
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        let signal = status & 0x7F
        let out = Array(try Data(contentsOf: URL(fileURLWithPath: outPath)))
        let errBytes = try Data(contentsOf: URL(fileURLWithPath: errPath))
        // The first line (a crash's fatal error) and the end (the checker's findings).
        let err = String(decoding: errBytes.prefix(300), as: UTF8.self)
            + (errBytes.count > 300 ? " ... " + String(decoding: errBytes.suffix(300), as: UTF8.self) : "")
        return Run(code: signal == 0 ? (status >> 8) & 0xFF : signal, signal: signal != 0, out: out, err: err, seconds: seconds,
                   cpuSeconds: cpu)
    }

    /// Whether printed plan output says the clock shaped it (`termination` feasibleTimeLimit or
    /// modelTooLarge).
    static func timeCut(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.contains("\"termination\": \"feasibleTimeLimit\"") || text.contains("\"termination\": \"modelTooLarge\"")
    }

    /// Plan output with every `"seconds": <number>` replaced, for the same-bytes comparison.
    static func masked(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let pattern = try? Regex(#""seconds": [-0-9.e+]+"#) else { return text }
        return text.replacing(pattern, with: "\"seconds\": S")
    }

    /// Where the applied steps of `plan` take `snapshot`: VM hosts, FT secondaries, host states
    /// and the HA master, replayed here independently of the planner's own applier.
    struct State: Equatable, CustomStringConvertible {
        var hosts: [String: String?] = [:]
        var secondaries: [String: String?] = [:]
        var states: [String: String] = [:]
        var master: String?
        /// `cluster.ha.partitions`: each listed host's list (the unlisted hosts share -1); empty
        /// without partitions.
        var partition: [String: Int] = [:]

        init(_ snapshot: Snapshot) {
            for vm in snapshot.vms {
                hosts[vm.id] = .some(vm.host)
                if let ft = vm.ft { secondaries[vm.id] = .some(ft.secondaryHost) }
            }
            for host in snapshot.hosts { states[host.id] = host.state.rawValue }
            master = snapshot.cluster.ha?.master
            for (p, list) in (snapshot.cluster.ha?.partitions ?? []).enumerated() { for host in list { partition[host] = p } }
        }

        /// Whether an `elect` of `host` sets `cluster.ha.master`: without partitions every one
        /// does; with them, only the election in the partition of the plan's HA master.
        func electsHAMaster(_ host: String?, haMaster: String?) -> Bool {
            guard !partition.isEmpty, let haMaster, let host else { return true }
            return partition[host, default: -1] == partition[haMaster, default: -1]
        }

        mutating func apply(_ plan: JSONValue) {
            guard case let .array(steps)? = plan["steps"] else { return }
            var haMaster: String?
            if case let .string(name)? = plan["haMaster"] { haMaster = name }
            for step in steps {
                guard case .bool(true)? = step["applied"], case let .string(kind)? = step["kind"] else { continue }
                func text(_ key: String) -> String? { if case let .string(value)? = step[key] { return value }; return nil }
                switch kind {
                case "elect": if electsHAMaster(text("host"), haMaster: haMaster) { master = text("host") }
                case "standby": if let host = text("host") { states[host] = "standby" }
                case "powerOn": if let host = text("host") { states[host] = "connected" }
                case "promote":
                    if let vm = text("vm"), hosts[vm] != nil { hosts[vm] = .some(text("to")); secondaries[vm] = .some(nil) }
                case "place", "restart", "migrate":
                    guard let vm = text("vm"), hosts[vm] != nil else { continue }
                    if case .bool(true)? = step["secondary"] { secondaries[vm] = .some(text("to")) } else { hosts[vm] = .some(text("to")) }
                default: break
                }
            }
        }

        var description: String {
            "hosts \(hosts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value ?? "-")" }), secondaries "
                + "\(secondaries.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value ?? "-")" }), states \(states.sorted { $0.key < $1.key }), master \(master ?? "-")"
        }
    }

    enum Command: String, CaseIterable { case plan, apply, fail, all, evacuate }

    @Test("every command of every solver: no signal and no exit 1, exit 2 only for invalid input, printed plans pass drs check, --apply writes exactly its applied steps, the same bytes twice, within the time limit",
          arguments: seeds)
    func properties(seed: UInt64) throws {
        let solver = Self.solvers[Int(seed) % Self.solvers.count]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-harness-\(getpid())-\(seed)")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = Generator.generate(Self.options(seed)).bytes
        let input = folder.appendingPathComponent("snapshot.json")
        try Data(bytes).write(to: input)
        func where_(_ command: Command) -> String { "seed \(seed), \(command.rawValue), --solver \(solver)" }

        // Only `drs validate` reads the hostile bytes: a reader that crashes takes down the
        // process it runs in, which must be the binary, not the test runner.
        let validation = try Self.run(["validate", "snapshot.json"], in: folder)
        #expect(!validation.signal && [0, 2].contains(validation.code), "exit: seed \(seed): validate \(validation.ending)")
        #expect(validation.code != 0 || String(validating: bytes, as: UTF8.self) != nil,
                "utf8: seed \(seed): a file that is not UTF-8 passes drs validate")
        let snapshot = validation.code == 0 ? try? Snapshot.read(json: bytes) : nil
        let hostIDs = snapshot?.hosts.map(\.id) ?? ["h1"]
        let failHost = hostIDs[Int(seed) % hostIDs.count], evacuateHost = hostIDs[Int(seed / 7) % hostIDs.count]
        let common = ["--solver", solver, "--time-limit", "1", "--seed", String(seed % 1000), "--format", "json"]

        var firstPlan: JSONValue?
        for command in Command.allCases {
            let arguments: [String]
            switch command {
            case .plan: arguments = ["plan", "snapshot.json"] + common
            case .apply: arguments = ["plan", "snapshot.json", "--apply", "next.json"] + common
            case .fail: arguments = ["failover", "snapshot.json", "--fail", failHost] + common
            case .all: arguments = ["failover", "snapshot.json", "--all"] + common
            case .evacuate: arguments = ["evacuate", "snapshot.json", "--host", evacuateHost] + common
            }
            let next = folder.appendingPathComponent("next.json")
            try? FileManager.default.removeItem(at: next)
            let first = try Self.run(arguments, in: folder)
            let summary = "\(where_(command)): \(first.ending)"
            #expect(!first.signal && [0, 2, 3].contains(first.code), "exit: \(summary)")
            guard !first.signal, [0, 2, 3].contains(first.code) else { continue }
            guard let snapshot else {
                #expect(first.code == 2, "invalid input accepted: \(summary)")
                continue
            }
            #expect(first.code != 2, "valid input refused: \(summary)")
            // Late only when over in CPU time too: waiting for a busy machine is not the
            // solver's fault, computing past its deadline is.
            #expect(first.seconds <= Self.timeLimit + Self.overhead || first.cpuSeconds <= Self.timeLimit + Self.overhead,
                    "time: \(first.seconds) s wall, \(first.cpuSeconds) s CPU: \(summary)")
            // Same input, same seed: the same answer.
            let nextBytes = command == .apply ? try? Data(contentsOf: next) : nil
            let second = try Self.run(arguments, in: folder)
            // Runs that ended before their deadline agree byte for byte; an answer whose
            // `termination` says the clock cut it short may differ in its plan, and in whether it
            // found one (exit 0 or 3), never otherwise.
            let clockCut = Self.timeCut(first.out) || Self.timeCut(second.out)
            let inTime = max(first.seconds, second.seconds) < Self.timeLimit && !clockCut
            #expect(second.code == first.code || (clockCut && !first.signal && !second.signal && Set([first.code, second.code]) == [0, 3]),
                    "same: the second run ends otherwise (\(second.ending)): \(summary)")
            #expect(!inTime || second.code != first.code || Self.masked(second.out) == Self.masked(first.out),
                    "same: the second run prints other bytes: \(summary)")
            if let nextBytes {
                let again = try? Data(contentsOf: next)
                #expect(again != nil, "same: a second --apply onto the same NEXT.json deleted it: \(summary)")
                #expect(!inTime || again == nil || again == nextBytes, "same: a second --apply onto the same NEXT.json wrote other bytes: \(summary)")
            }
            guard first.code != 2 else { continue }
            let document = try? JSONParser.parse(first.out)
            if command == .all {
                let lines = first.outText.split(separator: "\n")
                #expect(document != nil || (!lines.isEmpty && lines.allSatisfy { (try? JSONParser.parse(Array($0.utf8))) != nil }),
                        "json: failover --all --format json printed no JSON: \(summary)")
                continue
            }
            if first.code == 3 {
                if case let .array(steps)? = document?["steps"] {
                    #expect(!steps.contains { $0["applied"] == .bool(true) }, "applied: an infeasible answer applies steps: \(summary)")
                }
                continue
            }
            guard let document else {
                Issue.record("json: stdout of an exit-0 plan is not JSON: \(summary)")
                continue
            }
            if firstPlan == nil { firstPlan = document }
            // The plan passes the checker against what it was planned for.
            var checked = snapshot
            for index in checked.hosts.indices {
                if command == .fail && checked.hosts[index].id == failHost { checked.hosts[index].state = .failed }
                if command == .evacuate && checked.hosts[index].id == evacuateHost { checked.hosts[index].state = .maintenance }
            }
            try Data(JSONWriter.write(checked.json).utf8).write(to: folder.appendingPathComponent("checked.json"))
            try Data(first.out).write(to: folder.appendingPathComponent("plan.json"))
            let check = try Self.run(["check", "checked.json", "plan.json"], in: folder)
            #expect(check.code != 2, "checkinput: drs check refuses the snapshot the plan was made for: \(check.err) (\(summary))")
            #expect(check.code == 0 || check.code == 2, "check: drs check exit \(check.code): \(check.err) \(check.outText.suffix(300)) (\(summary))")
            if command == .apply {
                if let nextBytes { try nextBytes.write(to: folder.appendingPathComponent("next-first.json")) }
                let validNext = try Self.run(["validate", "next-first.json"], in: folder)
                guard let written = nextBytes, validNext.code == 0, let next = try? Snapshot.read(json: Array(written)) else {
                    Issue.record("apply: NEXT.json missing or invalid (validate exit \(validNext.code): \(validNext.err)): \(summary)")
                    continue
                }
                var expected = State(snapshot)
                expected.apply(document)
                let got = State(next)
                #expect(got == expected, "apply: NEXT.json \(got) but the applied steps give \(expected): \(summary)")
            }
        }
        #expect((try? Data(contentsOf: input)).map(Array.init) == bytes, "input: seed \(seed): the input snapshot was changed")

        // Hostile arguments: a huge time limit, and a plan with absurd numbers given to the checker.
        guard snapshot != nil else { return }
        let huge = try Self.run(["plan", "snapshot.json", "--solver", "greedy", "--time-limit", "9.3e15"], in: folder)
        #expect(!huge.signal && [0, 2, 3].contains(huge.code), "exit: seed \(seed): plan --time-limit 9.3e15: \(huge.ending)")
        guard case let .object(members)? = firstPlan, case let .array(steps)? = firstPlan?["steps"], !steps.isEmpty else { return }
        let field = ["wave", "priority", "seconds"][Int(seed) % 3]
        let value = [1e300, -1, 1e19][Int(seed / 3) % 3]
        var corrupted = steps
        if case var .object(step) = corrupted[Int(seed) % steps.count], let index = step.firstIndex(where: { $0.key == field }) {
            step[index].value = .number(value)
            corrupted[Int(seed) % steps.count] = .object(step)
        }
        let plan = JSONValue.object(members.map { $0.key == "steps" ? ($0.key, .array(corrupted)) : $0 })
        try Data(JSONWriter.write(plan).utf8).write(to: folder.appendingPathComponent("hostile-plan.json"))
        let check = try Self.run(["check", "snapshot.json", "hostile-plan.json"], in: folder)
        #expect(!check.signal, "exit: seed \(seed): drs check of a plan whose \(field) is \(value): \(check.ending)")
    }
}
