@_spi(Benchmarks) import DRSModel
import DRSJobs
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `drs serve`: the jobs of `drs plan|check|failover|evacuate|validate` over HTTP, with
/// `/openapi.json`, `/healthz` and `/metrics`. Runs until SIGINT or SIGTERM, then finishes the
/// requests in flight and returns.
package enum DRSServer {
    /// Listens on `configuration`'s address, printing `drs serve: listening on http://HOST:PORT`
    /// to standard output once bound (with the port the system chose for port 0).
    package static func run(_ configuration: ServeConfiguration) async throws {
        let metrics = ServiceMetrics()
        let gate = SolveGate(slots: configuration.concurrency)
        let router = Router()
        router.add(middleware: CountingMiddleware(metrics: metrics))
        for route in ServiceJob.parameters.keys {
            router.post(RouterPath(route)) { request, _ in
                try await answer(request, route: route, configuration: configuration, gate: gate, metrics: metrics)
            }
        }
        router.get("/healthz") { _, _ in
            json(200, ServiceFailure.document([("status", .string("ok"))]))
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.text)))
        }
        router.get("/metrics") { _, _ in
            let text = metrics.exposition(running: await gate.running, queued: await gate.queued)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "drs"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                FileHandle.standardOutput.write(Data("drs serve: listening on http://\(configuration.host):\(port)\n".utf8))
            }
        )
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    /// Reads the body within the limit, runs the route's job in a solve slot, answers.
    private static func answer(_ request: Request, route: String, configuration: ServeConfiguration,
                               gate: SolveGate, metrics: ServiceMetrics) async throws -> Response {
        var request = request
        do {
            let job = try ServiceJob(route: route, query: request.uri.query, configuration: configuration)
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > configuration.maxBodyBytes {
                throw ServiceFailure.tooLarge(limit: configuration.maxBodyBytes)
            }
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: configuration.maxBodyBytes)
            } catch is NIOTooManyBytesError {
                throw ServiceFailure.tooLarge(limit: configuration.maxBodyBytes)
            }
            let bytes = Array(buffer.readableBytesView)
            let clock = ContinuousClock()
            let solved = await gate.run(waitingAtMost: configuration.maxQueueSeconds) {
                let start = clock.now
                let result = job.run(bytes)
                return (result, clock.now - start)
            }
            guard let (result, elapsed) = solved else {
                var response = json(503, ServiceFailure.busy(configuration).body)
                response.headers[.retryAfter] = "\(max(1, Int(configuration.maxQueueSeconds.rounded(.up))))"
                return response
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            switch result {
            case let .success(answer):
                metrics.solve(route, seconds: seconds, status: answer.planStatus)
                var response = json(answer.status, answer.body)
                if let message = answer.message { response.headers[.drsMessage] = headerText(message) }
                return response
            case let .failure(failure):
                return json(failure.status, failure.body)
            }
        } catch let failure as ServiceFailure {
            return json(failure.status, failure.body)
        }
    }

    static func json(_ status: Int, _ body: [UInt8]) -> Response {
        Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A message as a header value: printable ASCII, at most 1,000 characters.
    static func headerText(_ message: String) -> String {
        let scalars = message.unicodeScalars.prefix(1000).map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : " " }
        return String(scalars)
    }
}

extension HTTPField.Name {
    /// The message `drs` writes to standard error with an unsolved answer (exit 3).
    static let drsMessage = HTTPField.Name("drs-message")!
}

/// Counts every answered request by route and status code, errors included.
struct CountingMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        do {
            let response = try await next(request, context)
            metrics.request(path, status: response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            metrics.request(path, status: error.status.code)
            throw error
        } catch {
            metrics.request(path, status: 500)
            throw error
        }
    }
}
