import Testing
import Foundation
@_spi(Benchmarks) import OpenDRS
import DRSJobs
import DRSServe
import DRSTestSupport

/// `drs serve`, started on a loopback port and driven over HTTP: the same bytes as the command
/// line, located errors, limits, metrics, the OpenAPI document, shutdown.
@Suite(.serialized) struct ServeTests {
    static func example(_ name: String) throws -> String {
        try String(contentsOf: Fixtures.root.appendingPathComponent("Datasets/examples/\(name)"), encoding: .utf8)
    }

    /// Plan JSON with the top-level `"seconds"` (the measured solve time) blanked: the one field
    /// that differs between two runs of the same solve.
    static func timeless(_ text: String) -> String {
        text.replacingOccurrences(of: #"(?m)^  "seconds": [-0-9.e+]+,$"#, with: #"  "seconds": S,"#, options: .regularExpression)
    }

    /// What `drs ARGUMENTS` prints for `snapshot` on standard input, its exit code.
    static func cli(_ arguments: [String], _ snapshot: String) throws -> (code: Int32, out: String, err: String) {
        try Fixtures.drs(arguments, stdin: snapshot)
    }

    @Test func planAnswersTheCommandLinesBytes() throws {
        let server = try ServeProcess()
        defer { _ = server.stop() }
        let cases: [(file: String, query: String, arguments: [String])] = [
            ("seed-figure-1.json", "?solver=greedy", ["plan", "-", "--solver", "greedy"]),
            ("rules-and-priorities.json", "?solver=local-search&seed=7&time-limit=20", ["plan", "-", "--solver", "local-search", "--seed", "7", "--time-limit", "20"]),
            ("maintenance.json", "?solver=greedy&format=summary", ["plan", "-", "--solver", "greedy", "--format", "summary"]),
            ("seed-figure-1.json", "?fail=A&solver=greedy", ["failover", "-", "--fail", "A", "--solver", "greedy"]),
            ("seed-figure-1.json", "?isolate=B&isolation-response=powerOff&vm=C1&solver=greedy",
             ["failover", "-", "--isolate", "B", "--isolation-response", "powerOff", "--vm", "C1", "--solver", "greedy"]),
            ("maintenance.json", "?host=n1&solver=greedy", ["evacuate", "-", "--host", "n1", "--solver", "greedy"]),
            ("seed-figure-1.json", "?host=B&host=D&solver=local-search", ["evacuate", "-", "--host", "B", "D", "--solver", "local-search"]),
        ]
        for item in cases {
            let snapshot = try Self.example(item.file)
            let expected = try Self.cli(item.arguments, snapshot)
            try #require(expected.code == 0, "\(item.arguments): \(expected.err)")
            let route = item.arguments[0] == "plan" ? "/v1/plan" : "/v1/\(item.arguments[0])"
            let reply = try server.post(route + item.query, snapshot)
            #expect(reply.status == 200, "\(route)\(item.query): \(reply.text)")
            #expect(reply.headers["content-type"] == "application/json")
            #expect(Self.timeless(reply.text) == Self.timeless(expected.out), "\(route)\(item.query) differs from drs \(item.arguments)")
        }
    }

    @Test func concurrentPlansEachAnswerTheirOwnSnapshot() throws {
        let server = try ServeProcess(["--concurrency", "2"])
        defer { _ = server.stop() }
        let names = ["seed-figure-1.json", "rules-and-priorities.json", "restart-order.json", "maintenance.json"]
        let snapshots = try names.map(Self.example)
        let expected = try snapshots.map { try Self.cli(["plan", "-", "--solver", "local-search"], $0).out }
        let replies = ConcurrentResults(count: names.count)
        let port = server.port
        DispatchQueue.concurrentPerform(iterations: names.count) { index in
            replies.set(index, Result { try RawHTTP.request(port: port, "POST", "/v1/plan?solver=local-search", body: Array(snapshots[index].utf8)) })
        }
        for index in names.indices {
            let reply = try replies.get(index).get()
            #expect(reply.status == 200, "\(names[index]): \(reply.text)")
            #expect(Self.timeless(reply.text) == Self.timeless(expected[index]), "\(names[index]) answered with another plan")
        }
        let metrics = try server.request("GET", "/metrics").text
        #expect(metrics.contains(#"drs_http_requests_total{route="/v1/plan",status="200"} 4"#), "\(metrics)")
        #expect(metrics.contains(#"drs_solve_seconds_count{route="/v1/plan"} 4"#), "\(metrics)")
    }

    @Test func badInputGets400WithTheValidatorsPathsAndMessages() throws {
        let server = try ServeProcess()
        defer { _ = server.stop() }
        let bad = Fixtures.json(vms: #"[{"id": "v1", "host": "h1", "demand": {"cpu": -5, "memory": 10}}, {"id": "v2", "host": "h9", "demand": {"cpu": 1}}]"#)
        let validate = try Self.cli(["validate", "-"], bad)
        #expect(validate.code == 2)
        let cliIssues = validate.err.split(separator: "\n").filter { $0.hasPrefix("<stdin>: ") }.map { String($0.dropFirst("<stdin>: ".count)) }
        try #require(cliIssues.count >= 2, "\(validate.err)")
        for route in ["/v1/plan", "/v1/validate", "/v1/failover?fail=h1", "/v1/evacuate?host=h2"] {
            let reply = try server.post(route, bad)
            #expect(reply.status == 400, "\(route): \(reply.status) \(reply.text)")
            let issues = (reply.object["issues"] as? [[String: Any]]) ?? []
            let described = issues.map { "\($0["path"] as? String ?? ""): \($0["message"] as? String ?? "")" }
            #expect(described == cliIssues, "\(route): \(described) vs \(cliIssues)")
            #expect(issues.contains { $0["path"] as? String == "vms[0].demand.cpu" })
        }
        // Syntax errors, an empty body, the check envelope: the place is named.
        let syntax = try server.post("/v1/plan", #"{"schemaVersion": 1, "hosts": [}"#)
        #expect(syntax.status == 400)
        #expect(syntax.text.contains("invalid JSON at line 1"), "\(syntax.text)")
        #expect(try server.post("/v1/validate", "  ").status == 400)
        let check = try server.post("/v1/check", #"{"snapshot": \#(bad), "plan": {"steps": []}}"#)
        #expect(check.status == 400)
        #expect(((check.object["issues"] as? [[String: Any]]) ?? []).contains { $0["path"] as? String == "snapshot.vms[0].demand.cpu" }, "\(check.text)")
        let envelope = try server.post("/v1/check", #"{"snapshot": {}, "plans": {}}"#)
        #expect(envelope.status == 400)
        #expect(envelope.text.contains(#""path": "plans""#) && envelope.text.contains(#""path": "plan""#), "\(envelope.text)")
        // Query parameters: unknown, out of range, an id the snapshot lacks (the CLI's message).
        let good = try Self.example("seed-figure-1.json")
        for (query, parameter) in [("/v1/plan?solvr=greedy", "solvr"), ("/v1/plan?time-limit=0", "time-limit"),
                                   ("/v1/plan?time-limit=61", "time-limit"), ("/v1/plan?solver=fast", "solver"),
                                   ("/v1/plan?format=text", "format"), ("/v1/failover", "fail"), ("/v1/evacuate", "host")] {
            let reply = try server.post(query, good)
            #expect(reply.status == 400, "\(query): \(reply.text)")
            #expect(((reply.object["issues"] as? [[String: Any]])?.first?["parameter"] as? String) == parameter, "\(query): \(reply.text)")
        }
        let noQuery = try server.post("/v1/validate?solver=greedy", good)
        #expect(noQuery.status == 400)
        #expect(((noQuery.object["issues"] as? [[String: Any]])?.first?["message"] as? String) == "unknown parameter; this route takes no query parameters",
                "\(noQuery.text)")
        let unknown = try server.post("/v1/failover?fail=Z", good)
        let cliUnknown = try Self.cli(["failover", "-", "--fail", "Z"], good)
        #expect(unknown.status == 400 && cliUnknown.code == 2)
        let message = ((unknown.object["issues"] as? [[String: Any]])?.first?["message"] as? String) ?? ""
        #expect(cliUnknown.err == "--fail: \(message)\n", "\(unknown.text) vs \(cliUnknown.err)")
    }

    @Test func oversizedBodyGets413() throws {
        let server = try ServeProcess(["--max-body-bytes", "4096"])
        defer { _ = server.stop() }
        let small = try Self.example("seed-figure-1.json")
        try #require(small.utf8.count <= 4096)
        #expect(try server.post("/v1/validate", small).status == 200)
        let large = Fixtures.json(vms: "[" + (0..<200).map { #"{"id": "v\#($0)", "host": "h1", "demand": {"cpu": 0.1, "memory": 0.1}}"# }.joined(separator: ",") + "]")
        try #require(large.utf8.count > 4096)
        let reply = try server.post("/v1/plan", large)
        #expect(reply.status == 413, "\(reply.text)")
        #expect(reply.text.contains("4096"))
        #expect(try server.request("GET", "/healthz").status == 200, "the service still answers after a refused body")
    }

    @Test func unsolvedAnswersCarryThePlanThatDrsPrints() throws {
        let server = try ServeProcess()
        defer { _ = server.stop() }
        let snapshot = Fixtures.json()
        let cli = try Self.cli(["evacuate", "-", "--host", "h1", "h2", "--solver", "greedy"], snapshot)
        #expect(cli.code == 3)
        let reply = try server.post("/v1/evacuate?host=h1&host=h2&solver=greedy", snapshot)
        #expect(reply.status == 422, "\(reply.text)")
        #expect(Self.timeless(reply.text) == Self.timeless(cli.out))
        // The message drs writes to standard error, on one line.
        let message = cli.err.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        #expect(reply.headers["drs-message"] == message, "\(reply.headers) vs \(cli.err)")
        let metrics = try server.request("GET", "/metrics").text
        #expect(metrics.contains(#"drs_plans_total{route="/v1/evacuate",status="infeasible"} 1"#), "\(metrics)")
    }

    @Test func checkReplaysAPlan() throws {
        let server = try ServeProcess()
        defer { _ = server.stop() }
        let snapshot = try Self.example("seed-figure-1.json")
        let plan = try Self.cli(["plan", "-", "--solver", "greedy"], snapshot).out
        let passed = try server.post("/v1/check", #"{"snapshot": \#(snapshot), "plan": \#(plan)}"#)
        #expect(passed.status == 200, "\(passed.text)")
        #expect(passed.object["passed"] as? Bool == true)
        // The same plan against a snapshot where its target host is gone breaks it.
        let broken = plan.replacingOccurrences(of: #""to": ""#, with: #""to": "nowhere-"#)
        let rejected = try server.post("/v1/check", #"{"snapshot": \#(snapshot), "plan": \#(broken)}"#)
        #expect(rejected.status == 422, "\(rejected.text)")
        #expect(rejected.object["passed"] as? Bool == false)
    }

    @Test func healthMetricsAndOpenAPI() throws {
        let server = try ServeProcess()
        defer { _ = server.stop() }
        let health = try server.request("GET", "/healthz")
        #expect(health.status == 200 && health.object["status"] as? String == "ok")
        _ = try server.post("/v1/validate", try Self.example("seed-figure-1.json"))
        _ = try server.post("/v1/validate", "{")
        #expect(try server.request("GET", "/nowhere").status == 404)
        let document = try server.request("GET", "/openapi.json")
        #expect(document.status == 200)
        #expect(document.object["openapi"] as? String == "3.1.0")
        let paths = Set(((document.object["paths"] as? [String: Any]) ?? [:]).keys)
        #expect(paths == ["/v1/plan", "/v1/check", "/v1/failover", "/v1/evacuate", "/v1/validate", "/openapi.json", "/healthz", "/metrics"])
        let metrics = try server.request("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        for line in [#"drs_http_requests_total{route="/healthz",status="200"} 1"#,
                     #"drs_http_requests_total{route="/v1/validate",status="200"} 1"#,
                     #"drs_http_requests_total{route="/v1/validate",status="400"} 1"#,
                     #"drs_http_requests_total{route="/openapi.json",status="200"} 1"#,
                     #"drs_http_requests_total{route="other",status="404"} 1"#,
                     #"drs_solve_seconds_count{route="/v1/validate"} 1"#, "drs_solves_running 0", "drs_solves_queued 0"] {
            #expect(metrics.text.split(separator: "\n").contains(Substring(line)), "missing \(line) in\n\(metrics.text)")
        }
        #expect(server.stop() == 0, "SIGTERM ends drs serve with exit 0")
    }

    @Test func sigtermAnswersTheSolveInFlightThenExits0() throws {
        let generated = try Fixtures.drs(["generate", "--class", "rebalance", "--hosts", "40", "--vms", "2000", "--output", "-"])
        try #require(generated.code == 0)
        let server = try ServeProcess()
        let port = server.port
        let pending = PendingReply(port: port, "/v1/plan?solver=local-search&time-limit=3", body: Array(generated.out.utf8))
        // SIGTERM once the solve runs (or once it has answered, on a fast machine).
        while try !server.request("GET", "/metrics").text.contains("drs_solves_running 1")
                && !server.request("GET", "/metrics").text.contains(#"drs_plans_total{route="/v1/plan""#) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(server.stop() == 0)
        let answer = try pending.reply()
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.object["solver"] as? String == "local-search")
    }

    @Test func aRequestThatWaitsPastTheQueueLimitGets503Busy() throws {
        let generated = try Fixtures.drs(["generate", "--class", "rebalance", "--hosts", "40", "--vms", "2000", "--output", "-"])
        try #require(generated.code == 0)
        let server = try ServeProcess(["--concurrency", "1", "--max-queue-seconds", "0.5"])
        defer { _ = server.stop() }
        let port = server.port
        let slow = PendingReply(port: port, "/v1/failover?all=true&time-limit=20", body: Array(generated.out.utf8))
        // A failover sweep over 40 hosts: 40 plans of 2,000 VMs, seconds of work.
        while try !server.request("GET", "/metrics").text.contains("drs_solves_running 1") {
            Thread.sleep(forTimeInterval: 0.05)
        }
        // The one slot is taken: a second request waits 0.5 s, then is refused, nothing solved.
        let small = try Self.example("seed-figure-1.json")
        let queued = PendingReply(port: port, "/v1/validate", body: Array(small.utf8))
        let running = try server.request("GET", "/metrics").text
        let busy = try queued.reply()
        let stillRunning = try server.request("GET", "/metrics").text.contains("drs_solves_running 1")
        try #require(stillRunning, "the slow solve ended first; the queue limit was not reached")
        #expect(busy.status == 503, "\(busy.text)")
        #expect(busy.object["error"] as? String == "busy", "\(busy.text)")
        #expect(busy.headers["retry-after"] == "1")
        #expect(running.contains("drs_solves_running 1"))
        #expect(try slow.reply().status == 200)
        // Once the slot is free, the same request is answered.
        #expect(try server.post("/v1/validate", small).status == 200)
        let metrics = try server.request("GET", "/metrics").text
        #expect(metrics.contains(#"drs_http_requests_total{route="/v1/validate",status="503"} 1"#), "\(metrics)")
        #expect(metrics.contains("drs_solves_queued 0"), "\(metrics)")
    }

    /// The document against an independent validator, Python's `openapi-spec-validator`, when
    /// it is installed.
    @Test(.enabled(if: ServeTests.hasSpecValidator)) func openAPIDocumentIsValid() throws {
        let server = try ServeProcess()
        defer { _ = server.stop() }
        let document = try server.request("GET", "/openapi.json").body
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-openapi-\(UUID().uuidString).json")
        try Data(document).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try Self.python(["-c", "import json, sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print('valid')", file.path])
        #expect(run.code == 0 && run.out == "valid\n", "\(run.err)")
    }

    static let hasSpecValidator: Bool = ((try? python(["-c", "import openapi_spec_validator"]))?.code ?? 1) == 0

    static func python(_ arguments: [String]) throws -> (code: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text, errors)
    }

    @Test func unknownAnswerCutByTheClockIs503() throws {
        let snapshot = try Snapshot.read(json: Fixtures.json())
        var plan = Plan(status: .unknown, solver: "greedy", automation: .full, objective: Objective(), seconds: 0, placement: [:],
                        secondaries: [:], unplaced: [], reasons: [:], haMaster: nil, steps: [])
        plan.termination = .feasibleTimeLimit
        let cut = ServiceJobs.answer(PlanAnswer(outcome: .unknown, plan: plan, shown: snapshot, message: "no plan found"), summary: false)
        #expect(cut.status == 503)
        #expect(cut.body == PlanBytes.json(plan))
        plan.termination = .noPlan
        #expect(ServiceJobs.answer(PlanAnswer(outcome: .unknown, plan: plan, shown: snapshot, message: "x"), summary: false).status == 422)
        #expect(ServiceJobs.answer(PlanAnswer(outcome: .infeasible, plan: plan, shown: snapshot, message: "x"), summary: false).status == 422)
    }
}

/// Results written by concurrent workers, one slot each.
final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<HTTPReply, any Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<HTTPReply, any Error>) { lock.withLock { slots[index] = value } }
    func get(_ index: Int) -> Result<HTTPReply, any Error> { lock.withLock { slots[index]! } }
}

/// A POST sent on a thread of its own; `reply()` waits for its answer.
final class PendingReply: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let result = ConcurrentResults(count: 1)

    init(port: Int, _ path: String, body: [UInt8]) {
        Thread.detachNewThread { [result, done] in
            result.set(0, Result { try RawHTTP.request(port: port, "POST", path, body: body) })
            done.signal()
        }
    }

    func reply() throws -> HTTPReply {
        done.wait()
        done.signal()
        return try result.get(0).get()
    }
}
