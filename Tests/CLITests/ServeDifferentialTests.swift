import Testing
import Foundation
import DRSTestSupport

/// `drs serve` against the command line on the inputs that broke wave 1: the harness's hostile
/// snapshots (broken rules and capacity, every field, huge magnitudes, malformed files), a
/// tightly packed cluster and partial and per-VM automation. Each body is sent as the bytes of
/// the file; the answer must be the command line's: the same plan bytes, the same located
/// errors, and the status its exit code maps to.
@Suite(.serialized) struct ServeDifferentialTests {
    /// The status `drs serve` gives the answer `drs plan` ends with `code`.
    static func statuses(forExit code: Int32) -> Set<Int> {
        switch code {
        case 0: return [200]
        case 2: return [400]
        case 3: return [422]
        default: return [422, 503]  // 1: no plan found (503 when the clock cut every attempt)
        }
    }

    static func inputs() throws -> [(name: String, file: URL)] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-serve-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var inputs: [(String, URL)] = []
        func generate(_ name: String, _ arguments: [String]) throws {
            let file = folder.appendingPathComponent(name + ".json")
            let run = try Fixtures.drs(["generate"] + arguments + ["--output", file.path])
            try #require(run.code == 0, "\(arguments): \(run.err)")
            inputs.append((name, file))
        }
        for seed in 1...20 { try generate("hostile-\(seed)", ["--class", "hostile", "--hosts", "8", "--vms", "24", "--seed", "\(seed)"]) }
        try generate("tight", ["--class", "known-optimum", "--hosts", "8", "--vms", "40", "--seed", "3"])
        // Partial automation at the cluster, one VM manual and one fully automated, one host
        // entering maintenance: placements applied, migrations recommended, overrides honoured.
        let example = Fixtures.root.appendingPathComponent("Datasets/examples/maintenance.json")
        var partial = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: example)) as? [String: Any])
        var cluster = partial["cluster"] as? [String: Any] ?? [:]
        cluster["automation"] = "partial"
        partial["cluster"] = cluster
        var vms = try #require(partial["vms"] as? [[String: Any]])
        vms[0]["automation"] = "manual"
        vms[vms.count - 1]["automation"] = "full"
        partial["vms"] = vms
        let partialFile = folder.appendingPathComponent("partial.json")
        try JSONSerialization.data(withJSONObject: partial, options: [.sortedKeys]).write(to: partialFile)
        inputs.append(("partial", partialFile))
        // Hostile magnitudes and a malformed file, written by hand.
        let written: [(String, String)] = [
            ("magnitude", Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": 1e16}}, {"id": "v2", "demand": {"memory": 1e400}}]"#)),
            ("truncated", String(Fixtures.json().dropLast(3))),
        ]
        for (name, text) in written {
            let file = folder.appendingPathComponent(name + ".json")
            try Data(text.utf8).write(to: file)
            inputs.append((name, file))
        }
        return inputs
    }

    @Test("serve answers hostile, tight and partially automated snapshots as drs plan does: plan bytes, located errors, status")
    func answersAsTheCommandLine() throws {
        let server = try ServeProcess()
        defer { _ = server.stop() }
        let inputs = try Self.inputs()
        defer { try? FileManager.default.removeItem(at: inputs[0].file.deletingLastPathComponent()) }
        var seen: [Int: Int] = [:]
        for (name, file) in inputs {
            let cli = try Fixtures.drs(["plan", file.path, "--solver", "greedy", "--time-limit", "20"])
            let reply = try server.request("POST", "/v1/plan?solver=greedy&time-limit=20", body: Array(try Data(contentsOf: file)))
            seen[reply.status, default: 0] += 1
            #expect(Self.statuses(forExit: cli.code).contains(reply.status), "\(name): drs exit \(cli.code), serve \(reply.status): \(reply.text.prefix(300))")
            if cli.code == 2 {
                // The validator's located messages, in order: the command line prefixes the file.
                let lines = cli.err.split(separator: "\n").filter { $0.hasPrefix(file.path + ": ") }.map { String($0.dropFirst(file.path.count + 2)) }
                let issues = (reply.object["issues"] as? [[String: Any]]) ?? []
                let described = issues.map { "\($0["path"] as? String ?? ""): \($0["message"] as? String ?? "")" }
                if issues.isEmpty {
                    // A file that is not JSON at all: the same message, located by line.
                    let message = reply.object["message"] as? String ?? ""
                    #expect(lines.contains { $0.contains(message) || message.contains($0) }, "\(name): \(message) vs \(cli.err.prefix(300))")
                } else {
                    #expect(described == Array(lines.prefix(described.count)), "\(name): \(described.prefix(3)) vs \(lines.prefix(3))")
                }
            } else if cli.code == 0 || cli.code == 3 {
                #expect(ServeTests.timeless(reply.text) == ServeTests.timeless(cli.out), "\(name): serve's plan differs from drs plan's")
            }
        }
        // The inputs reach every kind of answer the command line gives them.
        #expect(seen[200, default: 0] >= 3 && seen[400, default: 0] >= 4, "\(seen)")
    }
}
