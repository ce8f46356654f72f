import Foundation

/// The counters `/metrics` exposes in Prometheus' text format (version 0.0.4): requests by
/// route and status code, solve seconds by route (a histogram), answers by route and plan
/// status, and the solves running and waiting. Safe to update from any thread.
package final class ServiceMetrics: @unchecked Sendable {
    /// Upper bounds (seconds) of the solve histogram's buckets; `+Inf` follows.
    package static let buckets: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
    /// The paths counted by name; any other is counted as `other`, so that a client cannot
    /// grow the label set.
    package static let routes: Set<String> = [
        "/v1/plan", "/v1/check", "/v1/failover", "/v1/evacuate", "/v1/validate",
        "/openapi.json", "/healthz", "/metrics",
    ]

    private struct Histogram {
        var counts = [Int](repeating: 0, count: ServiceMetrics.buckets.count)
        var sum = 0.0
        var count = 0
    }

    private let lock = NSLock()
    private var requests: [String: [Int: Int]] = [:]
    private var solves: [String: Histogram] = [:]
    private var plans: [String: [String: Int]] = [:]

    package init() {}

    /// The label for a request path.
    package static func route(_ path: String) -> String { routes.contains(path) ? path : "other" }

    /// One request answered with `status`.
    package func request(_ path: String, status: Int) {
        let route = Self.route(path)
        lock.withLock { requests[route, default: [:]][status, default: 0] += 1 }
    }

    /// One solve on `route` that took `seconds`, answering with a plan of `status` (nil: the
    /// answer is not a plan, such as a failover sweep).
    package func solve(_ route: String, seconds: Double, status: String?) {
        lock.withLock {
            var histogram = solves[route] ?? Histogram()
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { histogram.counts[index] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            solves[route] = histogram
            if let status { plans[route, default: [:]][status, default: 0] += 1 }
        }
    }

    /// The exposition text, with `running` and `queued` solves.
    package func exposition(running: Int, queued: Int) -> String {
        lock.withLock {
            var lines: [String] = []
            lines.append("# HELP drs_http_requests_total HTTP requests answered, by route and status code.")
            lines.append("# TYPE drs_http_requests_total counter")
            for route in requests.keys.sorted() {
                for (status, count) in requests[route]!.sorted(by: { $0.key < $1.key }) {
                    lines.append("drs_http_requests_total{route=\"\(route)\",status=\"\(status)\"} \(count)")
                }
            }
            lines.append("# HELP drs_solve_seconds Wall seconds of each solve, from its start on a free slot to its answer, by route.")
            lines.append("# TYPE drs_solve_seconds histogram")
            for route in solves.keys.sorted() {
                let histogram = solves[route]!
                for (index, bound) in Self.buckets.enumerated() {
                    lines.append("drs_solve_seconds_bucket{route=\"\(route)\",le=\"\(Self.format(bound))\"} \(histogram.counts[index])")
                }
                lines.append("drs_solve_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(histogram.count)")
                lines.append("drs_solve_seconds_sum{route=\"\(route)\"} \(Self.format(histogram.sum))")
                lines.append("drs_solve_seconds_count{route=\"\(route)\"} \(histogram.count)")
            }
            lines.append("# HELP drs_plans_total Plans answered, by route and plan status.")
            lines.append("# TYPE drs_plans_total counter")
            for route in plans.keys.sorted() {
                for (status, count) in plans[route]!.sorted(by: { $0.key < $1.key }) {
                    lines.append("drs_plans_total{route=\"\(route)\",status=\"\(status)\"} \(count)")
                }
            }
            lines.append("# HELP drs_solves_running Solves running now.")
            lines.append("# TYPE drs_solves_running gauge")
            lines.append("drs_solves_running \(running)")
            lines.append("# HELP drs_solves_queued Requests waiting for a free solve slot.")
            lines.append("# TYPE drs_solves_queued gauge")
            lines.append("drs_solves_queued \(queued)")
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// A number as Prometheus reads it: whole numbers without a fraction.
    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
