import Foundation
import DRSModel

/// Demand of every VM over time, one value per step of `interval` seconds: what `drs simulate`
/// replays. A trace names its VMs by id; the values of `cpu` are either utilization fractions of
/// the VM's size (the PlanetLab format: 0.25 is 25% of the VM's MIPS) or absolute demands in the
/// snapshot's units (the CSV format), as `cpuIsFraction` says.
public struct Trace: Sendable, Equatable {
    /// The VM ids, in trace order (PlanetLab: the file names, sorted by name).
    public var vmIDs: [String]
    /// Values per VM: the number of steps.
    public var steps: Int
    /// CPU demand, `cpu[vm * steps + step]`.
    public var cpu: [Double]
    /// Other resources the trace gives (CSV only), by resource name, laid out like `cpu`.
    public var other: [String: [Double]]
    /// True when `cpu` holds fractions of each VM's size, false when it holds absolute demands.
    public var cpuIsFraction: Bool
    /// Where each VM's values came from (a file, or a file and its first line), for messages.
    public var sources: [String]

    /// A trace; `cpu` must hold `vmIDs.count * steps` values (checked by the readers, not here).
    public init(vmIDs: [String], steps: Int, cpu: [Double], other: [String: [Double]] = [:],
                cpuIsFraction: Bool, sources: [String]) {
        self.vmIDs = vmIDs
        self.steps = steps
        self.cpu = cpu
        self.other = other
        self.cpuIsFraction = cpuIsFraction
        self.sources = sources
    }

    /// The CPU value of VM `vm` (trace order) at `step`.
    public func cpu(_ vm: Int, step: Int) -> Double { cpu[vm * steps + step] }

    /// The first `count` VMs and `steps` steps only (a sample for tests and quick runs).
    public func prefix(vms count: Int, steps stepCount: Int? = nil) -> Trace {
        let kept = min(count, vmIDs.count)
        let newSteps = min(stepCount ?? steps, steps)
        func cut(_ values: [Double]) -> [Double] {
            var out: [Double] = []
            out.reserveCapacity(kept * newSteps)
            for vm in 0..<kept { out += values[(vm * steps)..<(vm * steps + newSteps)] }
            return out
        }
        return Trace(vmIDs: Array(vmIDs.prefix(kept)), steps: newSteps, cpu: cut(cpu),
                     other: other.mapValues(cut), cpuIsFraction: cpuIsFraction, sources: Array(sources.prefix(kept)))
    }
}

/// The trace formats `drs simulate --format` reads.
public enum TraceFormat: String, Sendable, CaseIterable {
    /// A folder with one file per VM (named by the VM id), one CPU utilization in percent per
    /// line, one line per step (CloudSim's PlanetLab workload).
    case planetlab
    /// One file of `vm,time,resource,value` rows (time in seconds from the start, a multiple of
    /// the interval; an optional header row), for any trace such as Bitbrains or Alibaba exports.
    case csv
}

/// A problem in a trace file or folder, at a 1-based line (0: the file as a whole).
public typealias TraceIssue = FileIssue

/// A trace that cannot be replayed: every problem found (at most `TraceError.limit`), then a count.
public struct TraceError: Error, Sendable, CustomStringConvertible {
    /// At most this many problems are listed; the rest are counted in `omitted`.
    public static let limit = 50
    /// The problems listed, in file and line order.
    public var issues: [TraceIssue]
    /// Problems found beyond `issues`.
    public var omitted: Int = 0

    /// The error with `issues` (and `omitted` more not listed).
    public init(issues: [TraceIssue], omitted: Int = 0) {
        self.issues = issues
        self.omitted = omitted
    }

    /// One problem per line, then the count of those not listed.
    public var description: String {
        var lines = issues.map(\.description)
        if omitted > 0 { lines.append("... and \(omitted) more problem(s)") }
        return lines.joined(separator: "\n")
    }
}

/// Collects trace problems up to `TraceError.limit`, counting the rest.
struct TraceIssues {
    private(set) var issues: [TraceIssue] = []
    private(set) var omitted = 0

    mutating func add(_ file: String, line: Int = 0, _ message: String) {
        if issues.count < TraceError.limit {
            issues.append(TraceIssue(file: file, line: line, message: message))
        } else {
            omitted += 1
        }
    }

    var isEmpty: Bool { issues.isEmpty }

    func throwIfAny() throws {
        if !issues.isEmpty { throw TraceError(issues: issues, omitted: omitted) }
    }
}

/// A number as a trace may write it: optional sign, digits, fraction and exponent; nil for
/// anything else (including nan, inf and hex, which `Double(_:)` would accept).
func traceNumber(_ text: Substring) -> Double? {
    guard !text.isEmpty, text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B || $0 == 0x65 || $0 == 0x45 }),
          let value = Double(text), value.isFinite else { return nil }
    return value
}

/// `text` quoted for a message, cut to 40 characters.
func quoted(_ text: Substring) -> String {
    let cut = text.count > 40 ? String(text.prefix(40)) + "..." : String(text)
    return "\"" + cut.unicodeScalars.map { $0.value < 0x20 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined() + "\""
}

/// The lines of a file's bytes, without line ends (`\n`, `\r\n` or `\r`); a final line end adds no line.
func traceLines(_ bytes: [UInt8]) -> [Substring] {
    let text = String(decoding: bytes, as: UTF8.self)
    // "\r\n" is one Character in Swift, so every kind of line end is one separator.
    var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    if lines.last == "" { lines.removeLast() }
    return lines
}
