import ArgumentParser
import DRSServe
@_spi(Benchmarks) import OpenDRS
import Foundation

/// `drs serve`: the HTTP JSON service (DRSServe). Runs until SIGINT or SIGTERM, then exits 0
/// after the requests in flight are answered.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve plan, check, failover, evacuate and validate over HTTP (JSON), with /openapi.json, /healthz and /metrics."
    )

    @Option(name: .long, help: "TCP port (0: any free port; the address is printed once listening).")
    var port = 8080

    @Option(name: .long, help: "Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface).")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Largest request body in bytes; a larger one gets 413.")
    var maxBodyBytes = 64 << 20

    @Option(name: .long, help: "Largest time-limit a request may ask for, in seconds (the default time-limit is 10, or this when lower).")
    var maxSeconds: Double = 60

    @Option(name: .long, help: "Solves run at once (default: the number of cores); further requests wait their turn.")
    var concurrency = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: "Longest a request waits for a solve slot, in seconds; then it gets 503 (busy), nothing solved.")
    var maxQueueSeconds: Double = 60

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
        guard maxBodyBytes >= 1 else { throw ValidationError("--max-body-bytes must be at least 1, got \(maxBodyBytes)") }
        guard maxSeconds > 0, maxSeconds <= InputLimits.maximumTimeLimit else {
            throw ValidationError("--max-seconds must be a number of seconds > 0 and <= \(Int(InputLimits.maximumTimeLimit)), got \(maxSeconds)")
        }
        guard maxQueueSeconds >= 0, maxQueueSeconds <= InputLimits.maximumTimeLimit else {
            throw ValidationError("--max-queue-seconds must be a number of seconds >= 0 and <= \(Int(InputLimits.maximumTimeLimit)), got \(maxQueueSeconds)")
        }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1, got \(concurrency)") }
        // The stage clock keeps one process-wide tally: it times one command, not concurrent solves.
        if StageClock.enabled { throw ValidationError("DRS_STAGE_TIMES=1 times the stages of one command; unset it for drs serve") }
    }

    func run() throws {
        let configuration = ServeConfiguration(host: host, port: port, maxBodyBytes: maxBodyBytes,
                                               maxSeconds: maxSeconds, concurrency: concurrency,
                                               maxQueueSeconds: maxQueueSeconds)
        let outcome = ServeOutcome()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                try await DRSServer.run(configuration)
            } catch {
                outcome.set(error)
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error {
            fail(ExitFailure(code: 1, message: "drs serve: \(error)"))
        }
    }
}

/// The error `DRSServer.run` ended with, handed from its task to the waiting command.
private final class ServeOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Error)?
    var error: (any Error)? { lock.withLock { stored } }
    func set(_ error: any Error) { lock.withLock { stored = error } }
}
