import Foundation

/// How `drs serve` listens and what it accepts.
package struct ServeConfiguration: Sendable {
    /// The address to listen on (`127.0.0.1`: this machine only).
    package var host: String
    /// The TCP port; 0 lets the system choose one (the address is printed once listening).
    package var port: Int
    /// The largest request body accepted; a larger one gets 413 before it is read whole.
    package var maxBodyBytes: Int
    /// The largest `time-limit` a request may ask for (and the default when it is below 10).
    package var maxSeconds: Double
    /// Solves run at once; further requests wait their turn.
    package var concurrency: Int
    /// The longest a request waits for a solve slot; then it gets 503 (busy), nothing solved.
    package var maxQueueSeconds: Double

    package init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 64 << 20,
                 maxSeconds: Double = 60, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount,
                 maxQueueSeconds: Double = 60) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxSeconds = maxSeconds
        self.concurrency = max(1, concurrency)
        self.maxQueueSeconds = maxQueueSeconds
    }

    /// The `time-limit` of a request that gives none: the command line's 10 s, within `maxSeconds`.
    package var defaultSeconds: Double { min(10, maxSeconds) }
}
