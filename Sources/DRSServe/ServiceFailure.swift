@_spi(Benchmarks) import DRSModel
import Foundation

/// A request the service refuses: the status and the JSON body that says why.
package struct ServiceFailure: Error, Sendable {
    package var status: Int
    package var body: [UInt8]

    /// 400: located problems with the request (`issues`: each with `path` inside the body or
    /// `parameter` in the query, and `message`), `omitted` more not listed.
    package static func invalid(_ message: String, issues: [JSONValue], omitted: Int = 0) -> ServiceFailure {
        ServiceFailure(status: 400, body: document([
            ("error", .string("invalid input")),
            ("message", .string(message)),
            ("issues", .array(issues)),
            ("omitted", .number(Double(omitted))),
        ]))
    }

    /// 400 for one query parameter.
    package static func parameter(_ name: String, _ message: String) -> ServiceFailure {
        invalid("bad query parameter \(name); nothing was solved.",
                issues: [.object([("parameter", .string(name)), ("message", .string(message))])])
    }

    /// 400 for the snapshot's issues (`drs validate`'s messages), each path under `prefix`
    /// (empty: the body is the snapshot).
    package static func snapshot(_ error: SnapshotError, under prefix: String = "") -> ServiceFailure {
        let issues: [JSONValue] = error.issues.map { issue in
            let path = prefix.isEmpty ? issue.path
                : issue.path.isEmpty ? prefix : issue.path.hasPrefix("[") ? prefix + issue.path : prefix + "." + issue.path
            return .object([("path", .string(path)), ("message", .string(issue.message))])
        }
        return invalid("\(error.count) problem(s) in the snapshot; nothing was solved.", issues: issues, omitted: error.omitted)
    }

    /// 413: the body is larger than `limit` bytes.
    package static func tooLarge(limit: Int) -> ServiceFailure {
        ServiceFailure(status: 413, body: document([
            ("error", .string("request body too large")),
            ("message", .string("the body is larger than this service's limit of \(limit) bytes (drs serve --max-body-bytes)")),
        ]))
    }

    /// 503: every solve slot stayed busy for the queue limit; nothing was solved.
    package static func busy(_ configuration: ServeConfiguration) -> ServiceFailure {
        ServiceFailure(status: 503, body: document([
            ("error", .string("busy")),
            ("message", .string("every solve slot (\(configuration.concurrency)) stayed busy for \(String(format: "%g", configuration.maxQueueSeconds)) s; nothing was solved, try again (drs serve --concurrency, --max-queue-seconds)")),
        ]))
    }

    /// Pretty JSON of an object's members, as `drs` writes JSON.
    package static func document(_ members: [(key: String, value: JSONValue)]) -> [UInt8] {
        JSONWriter.bytes { JSONWriter.write(.object(members), to: $0) }
    }
}

/// A request's query: `name=value` pairs in order, percent-decoded, `+` as a space. Every
/// name must be one the route knows.
package struct Query: Sendable {
    package var pairs: [(name: String, value: String)]

    package init(_ query: String?, known: [String]) throws(ServiceFailure) {
        pairs = []
        for part in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ text: Substring) -> String? {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = decoded(halves[0]), let value = halves.count > 1 ? decoded(halves[1]) : "" else {
                throw .parameter(DisplayText.escaped(String(halves[0])), "bad percent-encoding")
            }
            guard known.contains(name) else {
                throw .parameter(DisplayText.escaped(name), known.isEmpty ? "unknown parameter; this route takes no query parameters"
                                                                         : "unknown parameter; this route takes \(known.joined(separator: ", "))")
            }
            pairs.append((name, value))
        }
    }

    /// Every value of `name`, in order.
    package func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// The one value of `name`, nil when absent; given twice is an error.
    package func one(_ name: String) throws(ServiceFailure) -> String? {
        let values = all(name)
        if values.count > 1 { throw .parameter(name, "given \(values.count) times; give it once") }
        return values.first
    }

    /// A boolean flag: absent, `true`/`1`/empty is true, `false`/`0` false.
    package func flag(_ name: String) throws(ServiceFailure) -> Bool {
        guard let value = try one(name) else { return false }
        switch value {
        case "", "true", "1": return true
        case "false", "0": return false
        default: throw .parameter(name, "must be true or false, got \(DisplayText.quoted(value))")
        }
    }
}
