@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSPlanner
import DRSJobs

/// One request's job, decided from its route and query before the body is read.
package enum ServiceJob: Sendable {
    /// `POST /v1/plan`: body a snapshot.
    case plan(PlanParameters)
    /// `POST /v1/failover?fail=HOST&isolate=HOST&vm=ID` (each repeatable, with
    /// `isolation-response`) or `?all=true`: body a snapshot.
    case failover(PlanParameters, hosts: [String], isolated: [String], response: IsolationResponse?, vms: [String], all: Bool)
    /// `POST /v1/evacuate?host=HOST` (repeatable): body a snapshot.
    case evacuate(PlanParameters, hosts: [String])
    /// `POST /v1/check`: body `{"snapshot": SNAPSHOT, "plan": PLAN}`.
    case check
    /// `POST /v1/validate`: body a snapshot.
    case validate

    /// The query parameters of each job route.
    package static let parameters: [String: [String]] = [
        "/v1/plan": PlanParameters.names,
        "/v1/failover": PlanParameters.names + ["fail", "isolate", "isolation-response", "vm", "all"],
        "/v1/evacuate": PlanParameters.names + ["host"],
        "/v1/check": [],
        "/v1/validate": [],
    ]

    /// The job of `route` with `query`; 400 for a parameter it does not take or a bad value.
    package init(route: String, query: String?, configuration: ServeConfiguration) throws(ServiceFailure) {
        let parsed = try Query(query, known: Self.parameters[route] ?? [])
        switch route {
        case "/v1/plan":
            self = .plan(try PlanParameters(parsed, configuration: configuration))
        case "/v1/failover":
            let options = try PlanParameters(parsed, configuration: configuration)
            let (hosts, isolated, vms) = (parsed.all("fail"), parsed.all("isolate"), parsed.all("vm"))
            let all = try parsed.flag("all")
            let named = !(hosts.isEmpty && isolated.isEmpty && vms.isEmpty)
            if !named && !all { throw .parameter("fail", "give fail=HOST, isolate=HOST, vm=ID (each repeatable) or all=true") }
            if all && named { throw .parameter("all", "all=true excludes fail, isolate and vm") }
            if let both = hosts.first(where: { isolated.contains($0) }) {
                throw .parameter("isolate", "host \(DisplayText.quoted(both)) is given to both fail and isolate")
            }
            var response: IsolationResponse?
            if let text = try parsed.one("isolation-response") {
                guard let value = IsolationResponse(rawValue: text) else {
                    throw .parameter("isolation-response", "must be leaveOn, powerOff or shutdown, got \(DisplayText.quoted(text))")
                }
                if isolated.isEmpty { throw .parameter("isolation-response", "applies with isolate=HOST") }
                response = value
            }
            if all && options.summary { throw .parameter("format", "all=true answers the sweep as JSON only (format=json)") }
            self = .failover(options, hosts: hosts, isolated: isolated, response: response, vms: vms, all: all)
        case "/v1/evacuate":
            let hosts = parsed.all("host")
            if hosts.isEmpty { throw .parameter("host", "give host=HOST (repeatable)") }
            self = .evacuate(try PlanParameters(parsed, configuration: configuration), hosts: hosts)
        case "/v1/check": self = .check
        default: self = .validate
        }
    }

    /// Reads `body` and runs the job, as `drs` does for a file.
    package func run(_ body: [UInt8]) -> Result<ServiceAnswer, ServiceFailure> {
        ServiceJobs.run {
            switch self {
            case let .plan(parameters):
                let snapshot = try ServiceJobs.snapshot(body)
                return ServiceJobs.answer(try Jobs.plan(snapshot, solver: parameters.solver, options: parameters.options),
                                          summary: parameters.summary)
            case let .failover(parameters, hosts, isolated, response, vms, all):
                let snapshot = try ServiceJobs.snapshot(body)
                if all { return Self.sweep(snapshot, parameters) }
                let answer = try Jobs.failover(snapshot, hosts: hosts, isolated: isolated, response: response, vms: vms,
                                               solver: parameters.solver, options: parameters.options)
                return ServiceJobs.answer(answer, summary: parameters.summary)
            case let .evacuate(parameters, hosts):
                let snapshot = try ServiceJobs.snapshot(body)
                let answer = try Jobs.evacuate(snapshot, hosts: hosts, solver: parameters.solver, options: parameters.options)
                return ServiceJobs.answer(answer, summary: parameters.summary)
            case .check:
                return try Self.check(body)
            case .validate:
                let counts = SnapshotCounts(try ServiceJobs.snapshot(body))
                return ServiceAnswer(status: 200, body: ServiceFailure.document([
                    ("valid", .bool(true)), ("hosts", .number(Double(counts.hosts))), ("vms", .number(Double(counts.vms))),
                    ("poweredOn", .number(Double(counts.poweredOn))), ("rules", .number(Double(counts.rules))),
                ]))
            }
        }
    }

    /// `drs failover --all --format json`: 200 when every single-host failure is absorbed, 422
    /// when one leaves VMs down or cannot be planned, 503 when the budget ran out first.
    private static func sweep(_ snapshot: Snapshot, _ parameters: PlanParameters) -> ServiceAnswer {
        let sweep = Jobs.sweep(snapshot, solver: parameters.solver, options: parameters.options)
        let status = sweep.vmsDown || !sweep.failing.isEmpty ? 422 : sweep.absorbed ? 200 : 503
        return ServiceAnswer(status: status, body: JSONWriter.bytes { JSONWriter.write(sweep.json, to: $0) })
    }

    /// `drs check`: 200 when the plan and its applied subset hold every hard constraint, 422
    /// with the violations otherwise.
    private static func check(_ body: [UInt8]) throws(ServiceFailure) -> ServiceAnswer {
        try ServiceJobs.nonEmpty(body)
        let parts = try CheckBody(body)
        let snapshot: Snapshot
        do {
            snapshot = try Snapshot.read(json: parts.snapshot)
        } catch {
            throw .snapshot(error, under: "snapshot")
        }
        let plan: Plan
        do {
            plan = try Plan.read(json: parts.plan)
        } catch {
            throw .invalid("the plan cannot be read; nothing was checked.",
                           issues: [.object([("path", .string("plan")), ("message", .string(error.description))])])
        }
        let report = CheckReport(snapshot, plan)
        func part(_ violations: [CheckViolation], steps: Int, waves: Int) -> JSONValue {
            let listed = violations.prefix(InputLimits.maximumReportedIssues).map { violation -> JSONValue in
                .object([("wave", violation.wave.map { .number(Double($0)) } ?? .null), ("message", .string(violation.message))])
            }
            return .object([
                ("ok", .bool(violations.isEmpty)), ("steps", .number(Double(steps))), ("waves", .number(Double(waves))),
                ("violations", .array(Array(listed))), ("omitted", .number(Double(violations.count - listed.count))),
            ])
        }
        return ServiceAnswer(status: report.passed ? 200 : 422, body: ServiceFailure.document([
            ("passed", .bool(report.passed)),
            ("whole", part(report.whole, steps: report.steps, waves: report.waves)),
            ("applied", part(report.applied, steps: report.appliedSteps, waves: report.appliedWaves)),
        ]))
    }
}
