import Testing
import Foundation
import DRSTestSupport

/// `--format commands --target T`: the script is valid POSIX shell, calls each platform's tool
/// with exactly the plan's ids (run here against stand-in tools that record their arguments,
/// hostile ids included), waits between waves, stops at a failed wave, writes applied steps only
/// unless asked, and refuses ids a platform cannot name.
@Suite(.serialized) struct CommandScriptTests {
    /// A temporary folder with stand-ins for govc, openstack, kubectl, ssh, hostname and
    /// ha-manager: each appends its name and arguments to `calls.log` (arguments separated by
    /// 0x1F, calls by 0x1E) in one write, so calls of a wave's background commands never
    /// interleave, and fails when an argument equals $DRS_FAIL_ON.
    struct Sandbox {
        let folder: URL
        var log: URL { folder.appendingPathComponent("calls.log") }

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-commands-\(UUID().uuidString)")
            let bin = folder.appendingPathComponent("bin")
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            let recorder = """
                #!/bin/sh
                drs_call=$(printf '%s\\037' "$(basename "$0")" "$@"; printf '\\036')
                printf '%s' "$drs_call" >> "$DRS_LOG"
                for drs_argument in "$@"; do
                  if [ -n "${DRS_FAIL_ON:-}" ] && [ "$drs_argument" = "$DRS_FAIL_ON" ]; then exit 7; fi
                done
                exit 0

                """
            for tool in ["govc", "openstack", "kubectl", "ssh", "ha-manager", "qm", "pct"] {
                let path = bin.appendingPathComponent(tool).path
                try recorder.write(toFile: path, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
            }
            let hostname = bin.appendingPathComponent("hostname").path
            try "#!/bin/sh\necho control-node\n".write(toFile: hostname, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hostname)
        }

        /// Runs `script` with sh, the stand-ins first on PATH; returns the exit code and the calls.
        func run(_ script: String, failOn: String? = nil) throws -> (code: Int32, calls: [[String]], err: String) {
            let file = folder.appendingPathComponent("plan.sh")
            try script.write(to: file, atomically: true, encoding: .utf8)
            try? FileManager.default.removeItem(at: log)
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            // Process starts children with signals blocked, which leaves sh's `wait` asleep
            // forever: the script runs from a clean signal mask.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv('/bin/sh', ['sh', sys.argv[1]])", file.path]
            process.currentDirectoryURL = folder
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = folder.appendingPathComponent("bin").path + ":/usr/bin:/bin"
            environment["DRS_LOG"] = log.path
            environment["DRS_FAIL_ON"] = failOn
            process.environment = environment
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let text = try String(contentsOf: log, encoding: .utf8)
            let calls = text.split(separator: "\u{1E}").map { call in
                call.split(separator: "\u{1F}", omittingEmptySubsequences: false).dropLast().map(String.init)
            }
            return (process.terminationStatus, calls, errText)
        }
    }

    /// A snapshot whose host `src` holds `vms` (each 10 cpu/memory) beside two empty hosts.
    func snapshot(hosts: [String], vms: [String], automation: String = "full", concurrency: Int = 8) -> String {
        let hostList = hosts.map { #"{"id": \#(jsonString($0)), "capacity": {"cpu": 100, "memory": 100}}"# }
        let vmList = vms.map { #"{"id": \#(jsonString($0)), "host": \#(jsonString(hosts[0])), "demand": {"cpu": 10, "memory": 10}}"# }
        return Fixtures.json(hosts: "[" + hostList.joined(separator: ", ") + "]", vms: "[" + vmList.joined(separator: ", ") + "]",
                             cluster: #"{"automation": "\#(automation)", "migration": {"maxConcurrentPerHost": \#(concurrency)}}"#)
    }

    func jsonString(_ text: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]), as: UTF8.self)
    }

    /// `drs evacuate - --host FIRST --format commands --target T` and the plan's migrations.
    func evacuation(_ json: String, host: String, target: String, extra: [String] = []) throws -> (script: String, moves: [(vm: String, from: String, to: String)], result: (code: Int32, out: String, err: String)) {
        let result = try Fixtures.drs(["evacuate", "-", "--host", host, "--solver", "greedy", "--format", "commands", "--target", target] + extra, stdin: json)
        let plan = try Fixtures.drs(["evacuate", "-", "--host", host, "--solver", "greedy"], stdin: json)
        var moves: [(String, String, String)] = []
        if let object = try? JSONSerialization.jsonObject(with: Data(plan.out.utf8)) as? [String: Any] {
            for step in object["steps"] as? [[String: Any]] ?? [] where step["kind"] as? String == "migrate" {
                moves.append((step["vm"] as! String, step["from"] as! String, step["to"] as! String))
            }
        }
        return (result.out, moves, result)
    }

    static let hostileVMs = ["web'; touch pwned; echo '", "$(touch pwned)", "`touch pwned`", "-rf", "a\nb c", "x\"y\\z", "ünï code", "*", "--help"]
    static let hostileHosts = ["esx 1; touch pwned", "-host=evil", "esx'3"]

    @Test(arguments: ["vsphere", "openstack"])
    func hostileIdsReachTheToolsExactly(target: String) throws {
        let sandbox = try Sandbox()
        defer { try? FileManager.default.removeItem(at: sandbox.folder) }
        let (script, moves, result) = try evacuation(snapshot(hosts: Self.hostileHosts, vms: Self.hostileVMs), host: Self.hostileHosts[0], target: target)
        try #require(result.code == 0, "\(result.err)")
        #expect(script.hasPrefix("#!/bin/sh\n"))
        #expect(moves.count == Self.hostileVMs.count)
        let run = try sandbox.run(script)
        #expect(run.code == 0, "\(run.err)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.folder.appendingPathComponent("pwned").path), "an id ran as shell code")
        var expected: [[String]] = moves.map { move in
            target == "vsphere" ? ["govc", "vm.migrate", "-host=" + move.to, "--", move.vm]
                : ["openstack", "--os-compute-api-version", "2.30", "server", "migrate", "--live-migration", "--host=" + move.to, "--wait", "--", move.vm]
        }
        if target == "vsphere" {
            expected.append(["govc", "host.maintenance.enter", "--", Self.hostileHosts[0]])
        } else {
            expected.insert(["openstack", "compute", "service", "set", "--disable", "--disable-reason", "OpenDRS: maintenance", "--", Self.hostileHosts[0], "nova-compute"], at: 0)
        }
        // Commands of one wave run in the background: compare as sets within the run.
        #expect(run.calls.count == expected.count)
        #expect(Set(run.calls) == Set(expected), "got \(run.calls)")
        // No id leaks into a comment unescaped: every line is a comment, blank, or shell code.
        for line in script.split(separator: "\n") where line.contains("touch pwned") {
            #expect(line.hasPrefix("#") || line.contains("'"), "unquoted id on: \(line)")
        }
    }

    @Test func proxmoxMigratesOverSshOnTheSourceNode() throws {
        let sandbox = try Sandbox()
        defer { try? FileManager.default.removeItem(at: sandbox.folder) }
        let (script, moves, result) = try evacuation(snapshot(hosts: ["pve1", "pve2", "pve3"], vms: ["qemu/101", "lxc/102", "103"]), host: "pve1", target: "proxmox")
        try #require(result.code == 0, "\(result.err)")
        let run = try sandbox.run(script)
        #expect(run.code == 0, "\(run.err)")
        var expected = moves.map { move -> [String] in
            let (tool, id, mode) = move.vm.hasPrefix("lxc/") ? ("pct", "102", "--restart") : ("qm", move.vm == "103" ? "103" : "101", "--online")
            return ["ssh", "-o", "BatchMode=yes", "root@pve1", tool, "migrate", id, move.to, mode]
        }
        expected.append(["ha-manager", "crm-command", "node-maintenance", "enable", "pve1"])
        #expect(Set(run.calls) == Set(expected), "got \(run.calls)")
        #expect(script.contains("containers cannot move live"))
    }

    @Test func kubernetesEvictsAndWaits() throws {
        let sandbox = try Sandbox()
        defer { try? FileManager.default.removeItem(at: sandbox.folder) }
        let (script, moves, result) = try evacuation(snapshot(hosts: ["node-a", "node-b", "node-c"], vms: ["shop/web-1", "shop/web-2", "cache"]), host: "node-a", target: "kubernetes")
        try #require(result.code == 0, "\(result.err)")
        let run = try sandbox.run(script)
        #expect(run.code == 0, "\(run.err)")
        #expect(run.calls.first == ["kubectl", "cordon", "--", "node-a"])
        #expect(run.calls.last == ["kubectl", "drain", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=600s", "--", "node-a"])
        for move in moves {
            let (namespace, name) = move.vm.contains("/") ? (String(move.vm.split(separator: "/")[0]), String(move.vm.split(separator: "/")[1])) : ("default", move.vm)
            #expect(run.calls.contains(["kubectl", "create", "--raw", "/api/v1/namespaces/\(namespace)/pods/\(name)/eviction", "-f", "-"]))
            #expect(run.calls.contains(["kubectl", "wait", "--for=delete", "--timeout=600s", "-n", namespace, "pod/" + name]))
        }
        #expect(run.calls.count == 2 + 2 * moves.count)
    }

    @Test(arguments: [("proxmox", ["qemu/1; reboot"], ["pve1", "pve2"]), ("proxmox", ["101"], ["pve1", "-o ProxyCommand=x"]),
                      ("kubernetes", ["shop/Web_1"], ["node-a", "node-b"]), ("kubernetes", ["a/b/c"], ["node-a", "node-b"]),
                      ("kubernetes", ["shop/web"], ["$(reboot)", "node-b"])])
    func idsAPlatformCannotNameAreRefused(target: String, vms: [String], hosts: [String]) throws {
        let (script, _, result) = try evacuation(snapshot(hosts: hosts, vms: vms), host: hosts[0], target: target)
        #expect(result.code == 2)
        #expect(script.isEmpty)
        #expect(result.err.contains("--target \(target)"), "\(result.err)")
    }

    @Test func anIdWithNulIsRefused() throws {
        let json = snapshot(hosts: ["h1", "h2"], vms: ["a\u{0}b"])
        let (script, _, result) = try evacuation(json, host: "h1", target: "vsphere")
        #expect(result.code == 2, "\(result.err)")
        #expect(script.isEmpty && result.err.contains("NUL"))
    }

    @Test func wavesWaitAndAFailedWaveStopsTheScript() throws {
        let sandbox = try Sandbox()
        defer { try? FileManager.default.removeItem(at: sandbox.folder) }
        // One migration per host at a time: three VMs leave h1 in three waves.
        let (script, moves, result) = try evacuation(snapshot(hosts: ["h1", "h2", "h3"], vms: ["v1", "v2", "v3"], concurrency: 1), host: "h1", target: "vsphere")
        try #require(result.code == 0, "\(result.err)")
        #expect(script.contains("drs_wait 1 ") && script.contains("drs_wait 3 "))
        let whole = try sandbox.run(script)
        #expect(whole.code == 0)
        #expect(whole.calls.map { $0.last! } == moves.map(\.vm) + ["h1"], "waves run in order")
        let broken = try sandbox.run(script, failOn: moves[0].vm)
        #expect(broken.code == 1)
        #expect(broken.calls.count == 1, "nothing after the failed wave ran: \(broken.calls)")
        #expect(broken.err.contains("wave 1 failed"))
    }

    @Test func recommendedStepsOnlyWithAllSteps() throws {
        let json = snapshot(hosts: ["h1", "h2", "h3"], vms: ["v1", "v2"], automation: "manual")
        let applied = try evacuation(json, host: "h1", target: "vsphere")
        try #require(applied.result.code == 0, "\(applied.result.err)")
        #expect(!applied.script.contains("govc vm.migrate"))
        #expect(applied.script.contains("recommended step(s) left out"))
        for flag in ["--all-steps", "--all"] {
            let all = try evacuation(json, host: "h1", target: "vsphere", extra: [flag])
            #expect(all.result.code == 0)
            #expect(all.script.components(separatedBy: "govc vm.migrate").count - 1 == all.moves.count)
            #expect(all.script.contains("recommended only"))
        }
    }

    @Test func commentsCarryReasonAndSeconds() throws {
        let seed = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        let result = try Fixtures.drs(["failover", seed, "--fail", "A", "--solver", "greedy", "--format", "commands", "--target", "vsphere"])
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.contains("# restart A2 A -> D: host A failed: HA restart (estimated 0 s, priority 1)"))
        #expect(result.out.contains("vSphere HA restarts the VM itself"))
        #expect(result.out.contains("# wave 1: "))
    }

    @Test func usageAndUnsolvedPlans() throws {
        let seed = Fixtures.root.appendingPathComponent("Datasets/examples/seed-figure-1.json").path
        #expect(try Fixtures.drs(["plan", seed, "--format", "commands"]).code == 2)
        #expect(try Fixtures.drs(["plan", seed, "--target", "vsphere"]).code == 2)
        #expect(try Fixtures.drs(["plan", seed, "--all"]).code == 2)
        #expect(try Fixtures.drs(["failover", seed, "--all", "--format", "commands", "--target", "vsphere"]).code == 2)
        // Evacuating every host is refused: no script is printed.
        let refused = try Fixtures.drs(["evacuate", seed, "--host", "A", "B", "C", "D", "--format", "commands", "--target", "vsphere"])
        #expect(refused.code == 3)
        #expect(refused.out.isEmpty)
    }
}
