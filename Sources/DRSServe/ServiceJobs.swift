@_spi(Benchmarks) import DRSModel
@_spi(Benchmarks) import DRSPlanner
import DRSJobs
import Foundation

/// An answer to send: the status, the JSON body, and for a plan its status (for `/metrics`).
package struct ServiceAnswer: Sendable {
    package var status: Int
    package var body: [UInt8]
    /// The plan's `status` when the body is a plan or its summary.
    package var planStatus: String?
    /// For an unsolved answer, the message `drs` writes to standard error (sent as the header
    /// `drs-message`).
    package var message: String?
}

/// The options of `/v1/plan`, `/v1/failover` and `/v1/evacuate`, as query parameters named
/// like `drs plan`'s options: `solver`, `time-limit`, `seed`, `threads`, `format`.
package struct PlanParameters: Sendable {
    package static let names = ["solver", "time-limit", "seed", "threads", "format"]

    package var solver: SolverKind = .auto
    package var options: SolveOptions
    /// `format=summary`: the short summary instead of the plan.
    package var summary = false

    package init(_ query: Query, configuration: ServeConfiguration) throws(ServiceFailure) {
        options = SolveOptions(timeLimit: configuration.defaultSeconds, seed: 1, threads: 1)
        if let name = try query.one("solver") {
            guard let kind = SolverKind(name: name) else {
                throw .parameter("solver", "unknown solver \(DisplayText.quoted(name)); known: \(SolverKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            solver = kind
        }
        if let text = try query.one("time-limit") {
            guard let seconds = Double(text), seconds > 0, seconds <= configuration.maxSeconds else {
                throw .parameter("time-limit", "must be a number of seconds > 0 and <= \(ServiceJobs.number(configuration.maxSeconds)) (this service's --max-seconds), got \(DisplayText.quoted(text))")
            }
            options.timeLimit = seconds
        }
        if let text = try query.one("seed") {
            guard let seed = UInt64(text) else { throw .parameter("seed", "must be a whole number from 0 to \(UInt64.max), got \(DisplayText.quoted(text))") }
            options.seed = seed
        }
        if let text = try query.one("threads") {
            guard let threads = Int(text), threads >= 1, threads <= configuration.concurrency else {
                throw .parameter("threads", "must be a whole number from 1 to \(configuration.concurrency) (this service's solve slots), got \(DisplayText.quoted(text))")
            }
            options.threads = threads
        }
        switch try query.one("format") {
        case nil, "json": summary = false
        case "summary": summary = true
        case let other?: throw .parameter("format", "must be json or summary (the text report and command scripts are for the command line), got \(DisplayText.quoted(other))")
        }
    }
}

/// The routes' work on bytes, without HTTP: read the body, run the job `drs` runs, answer
/// with the bytes `drs` prints.
package enum ServiceJobs {
    /// The snapshot in `bytes`, read and validated as `drs validate` reads a file.
    package static func snapshot(_ bytes: [UInt8]) throws(ServiceFailure) -> Snapshot {
        try nonEmpty(bytes)
        do {
            return try Snapshot.read(json: bytes)
        } catch {
            throw .snapshot(error)
        }
    }

    /// Refuses a body of whitespace only, as `drs` refuses an empty file.
    package static func nonEmpty(_ bytes: [UInt8]) throws(ServiceFailure) {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw .invalid("empty body (\(bytes.isEmpty ? "0 bytes" : "only whitespace")); expected JSON", issues: [
                .object([("path", .string("")), ("message", .string("empty body; expected JSON"))]),
            ])
        }
    }

    /// A job's answer: 200 with the plan; 422 with the unsolved plan (`infeasible`, or `unknown`
    /// with nothing cut by the clock); 503 with it when the time limit cut every attempt.
    package static func answer(_ answer: PlanAnswer, summary: Bool) -> ServiceAnswer {
        let body = summary ? PlanBytes.summary(answer.plan, answer.shown) : PlanBytes.json(answer.plan)
        let status: Int
        switch answer.outcome {
        case .planned: status = 200
        case .infeasible: status = 422
        case .unknown: status = answer.plan.termination == .feasibleTimeLimit ? 503 : 422
        }
        return ServiceAnswer(status: status, body: body, planStatus: answer.plan.status.rawValue,
                             message: answer.outcome == .planned ? nil : answer.message)
    }

    /// Runs a job, turning `JobInputError` into 400 naming the query parameter and a planning
    /// failure (a plan the checker refused) into 500.
    package static func run(_ job: () throws -> ServiceAnswer) -> Result<ServiceAnswer, ServiceFailure> {
        do {
            return .success(try job())
        } catch let failure as ServiceFailure {
            return .failure(failure)
        } catch let error as JobInputError {
            return .failure(.parameter(error.option, error.message))
        } catch {
            return .failure(ServiceFailure(status: 500, body: ServiceFailure.document([
                ("error", .string("internal error")), ("message", .string("\(error)")),
            ])))
        }
    }

    /// A number as `drs` writes it.
    package static func number(_ value: Double) -> String { JSONWriter.number(value) }
}
