@_spi(Benchmarks) import DRSModel
import DRSPlanner
import DRSExact
import DRSSolvers
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a benchmark ran: recorded in every result line so results can be reproduced.
package struct BenchEnvironment: Sendable {
    /// `git rev-parse --short HEAD`, or "unknown" outside a git checkout.
    package var revision: String
    /// Kernel, architecture, processor count and memory, e.g. "Linux 6.1.0 x86_64, 2 cpus, 24 GiB".
    package var machine: String
    /// The GLPK version linked (`glp_version()`), e.g. "5.0".
    package var glpk: String

    /// An environment from its parts; `current()` reads this process's.
    package init(revision: String, machine: String, glpk: String) {
        self.revision = revision
        self.machine = machine
        self.glpk = glpk
    }

    /// The environment of this process.
    package static func current() -> BenchEnvironment {
        BenchEnvironment(revision: gitRevision(), machine: machineDescription(), glpk: glpkVersion)
    }

    static func gitRevision() -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "rev-parse", "--short", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return process.terminationStatus == 0 && !text.isEmpty ? text : "unknown"
        } catch {
            return "unknown"
        }
    }

    static func machineDescription() -> String {
        var name = utsname()
        uname(&name)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let info = ProcessInfo.processInfo
        let gib = Int((Double(info.physicalMemory) / 1_073_741_824).rounded())
        return "\(field(name.sysname)) \(field(name.release)) \(field(name.machine)), \(info.activeProcessorCount) cpus, \(gib) GiB"
    }
}

/// Peak resident memory of this process, read from /proc/self/status (VmHWM) on Linux, else
/// getrusage's ru_maxrss.
package enum PeakMemory {
    /// Resets the high-water mark (Linux: `5` into /proc/self/clear_refs), so the next reading
    /// covers only what follows. Without it the reading is the peak of the whole process.
    package static func reset() {
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
    }

    /// Peak resident set size in KiB.
    package static func kibibytes() -> Int {
        if let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
                if let digits { return digits }
            }
        }
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss)
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss / 1024)
        #endif
    }
}

/// One benchmark run: one solver on one snapshot (a line of the JSON-lines output).
package struct BenchRecord: Sendable {
    /// Outcome of a run: the plan status, or `rejected` (the checker refused the plan),
    /// `error` (the solver could not run, e.g. not available) or `skipped` (not attempted).
    package var status: String
    /// The snapshot file name, without its directory.
    package var snapshot: String
    /// The generator class (`SnapshotClass` raw value): from the manifest, else the file name's
    /// prefix; "unknown" when neither says.
    package var snapshotClass: String
    /// The generator seed from the manifest; nil without a manifest entry.
    package var seed: UInt64?
    /// Hosts in the snapshot.
    package var hosts: Int
    /// VMs in the snapshot, every power state.
    package var vms: Int
    /// The snapshot's goal (`Goal` raw value).
    package var goal: String
    /// The optimal goal term from the manifest; nil when none is proven or there is no entry.
    package var knownOptimum: Double?
    /// The name asked for (`--solvers`) and the id of the solver that ran.
    package var solver: String
    /// nil when no solver was built (skipped, or a name `SolverCatalog` refused).
    package var solverID: String?
    /// The plan's objective (the partial plan's for `infeasible`); nil without a plan.
    package var objective: Objective?
    /// The plan's proven lower bound on the goal term; nil when the solver has none.
    package var bound: Double?
    /// The plan's relative gap between the goal term and `bound`; nil without a bound.
    package var gap: Double?
    /// Solve seconds as the plan reports them; wall seconds add planning into waves and checking.
    package var seconds: Double?
    /// Seconds of the whole run: solver lookup, solve, waves and checking; 0 when skipped.
    package var wallSeconds: Double
    /// Peak resident memory of the run in KiB (`PeakMemory`); 0 when skipped.
    package var peakMemoryKiB: Int
    /// The solver's time limit, seconds.
    package var timeLimit: Double
    /// Why there is no plan (error, infeasible, rejected) or why the run was skipped; nil
    /// otherwise. Error and infeasibility texts are cut to 300 characters.
    package var message: String?
    /// Where the run happened.
    package var environment: BenchEnvironment

    /// The goal term of the objective: active hosts (`consolidate`) or imbalance (`balance`).
    package var goalTerm: Double? {
        guard let objective else { return nil }
        return goal == Goal.consolidate.rawValue ? Double(objective.activeHosts) : objective.imbalance
    }

    /// The record as a JSON object in a fixed field order: objective terms flattened (only with
    /// an objective), measures rounded to 6 decimals (migration seconds to 3), nil as null.
    package var json: JSONValue {
        func optional(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }
        func rounded(_ value: Double, _ digits: Double = 1e6) -> JSONValue { .number((value * digits).rounded() / digits) }
        var fields: [(key: String, value: JSONValue)] = [
            ("snapshot", .string(snapshot)), ("class", .string(snapshotClass)), ("seed", seed.map { .number(Double($0)) } ?? .null),
            ("hosts", .number(Double(hosts))), ("vms", .number(Double(vms))), ("goal", .string(goal)),
            ("knownOptimum", optional(knownOptimum)), ("solver", .string(solver)),
            ("solverId", solverID.map { .string($0) } ?? .null), ("status", .string(status)),
        ]
        if let objective {
            fields += [("unplaced", .number(Double(objective.unplaced))),
                       ("unprotected", .number(Double(objective.unprotectedByPriority.reduce(0, +)))),
                       ("softViolations", .number(Double(objective.softViolations))),
                       ("activeHosts", .number(Double(objective.activeHosts))),
                       ("peakUtilization", rounded(objective.peakUtilization)), ("imbalance", rounded(objective.imbalance)),
                       ("migrationSeconds", rounded(objective.migrationSeconds, 1e3)),
                       ("migrations", .number(Double(objective.migrations))), ("cost", rounded(objective.cost)),
                       ("goalTerm", goalTerm.map { rounded($0) } ?? .null)]
        }
        fields += [("bound", bound.map { rounded($0) } ?? .null), ("gap", gap.map { rounded($0) } ?? .null),
                   ("seconds", seconds.map { rounded($0) } ?? .null), ("wallSeconds", rounded(wallSeconds)),
                   ("peakMemoryKiB", .number(Double(peakMemoryKiB))), ("timeLimit", .number(timeLimit)),
                   ("message", message.map { .string($0) } ?? .null),
                   ("revision", .string(environment.revision)), ("machine", .string(environment.machine)),
                   ("glpk", .string(environment.glpk))]
        return .object(fields)
    }

    /// The record as one line of JSON (no newline).
    package var line: String { JSONWriter.write(json, pretty: false) }
}

/// Runs solvers over snapshots for `drs bench`. Every plan goes through
/// `Planner.checkedPlan` (the independent checker) before its numbers count.
package enum Bench {
    /// A record for a run that was not attempted (status `skipped`).
    package static func skipped(snapshot: Snapshot, file: String, entry: ManifestEntry?, solver name: String, timeLimit: Double,
                               environment: BenchEnvironment) -> BenchRecord {
        let className = entry?.snapshotClass ?? SnapshotClass.allCases.map(\.rawValue).sorted { $0.count > $1.count }
            .first { file.hasPrefix($0 + "-") } ?? "unknown"
        return BenchRecord(status: "skipped", snapshot: file, snapshotClass: className, seed: entry?.seed,
                           hosts: snapshot.hosts.count, vms: snapshot.vms.count, goal: snapshot.cluster.goal.rawValue,
                           knownOptimum: entry?.knownOptimum, solver: name, wallSeconds: 0, peakMemoryKiB: 0,
                           timeLimit: timeLimit, environment: environment)
    }

    /// Runs one solver on one snapshot and records the outcome; never throws.
    package static func run(snapshot: Snapshot, file: String, entry: ManifestEntry?, solver name: String, timeLimit: Double,
                           seed: UInt64 = 1, environment: BenchEnvironment) -> BenchRecord {
        var record = skipped(snapshot: snapshot, file: file, entry: entry, solver: name, timeLimit: timeLimit, environment: environment)
        record.status = "error"
        PeakMemory.reset()
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let solver = try SolverCatalog.solver(named: name, for: snapshot)
            record.solverID = solver.id
            let plan = try Planner.checkedPlan(snapshot, solver: solver, options: SolveOptions(timeLimit: timeLimit, seed: seed))
            record.status = plan.status.rawValue
            record.objective = plan.objective
            record.bound = plan.bound
            record.gap = plan.gap
            record.seconds = plan.seconds
        } catch let PlanningError.infeasible(message, partial) {
            record.status = "infeasible"
            record.objective = partial.objective
            record.seconds = partial.seconds
            record.message = String(message.prefix(300))
        } catch let PlanningError.checkFailed(violations) {
            record.status = "rejected"
            record.message = "\(violations.count) checker violation(s): " + violations.prefix(3).map { "\($0)" }.joined(separator: "; ")
        } catch {
            record.status = "error"
            record.message = String("\(error)".prefix(300))
        }
        let elapsed = clock.now - start
        record.wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        record.peakMemoryKiB = PeakMemory.kibibytes()
        return record
    }

    /// The snapshot files named by `inputs`: files as given, directories' `*.json` (but not
    /// `manifest.json`) sorted by name.
    package static func files(_ inputs: [String]) throws -> [String] {
        var files: [String] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                throw BenchError.missing(input)
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: input)
                    .filter { $0.hasSuffix(".json") && $0 != "manifest.json" }.sorted()
                files += names.map { (input as NSString).appendingPathComponent($0) }
            } else {
                files.append(input)
            }
        }
        return files
    }

    /// The manifest entry of a snapshot file, from `manifest.json` in its directory (cached).
    package static func manifestEntry(for path: String, cache: inout [String: [String: ManifestEntry]]) -> ManifestEntry? {
        let directory = (path as NSString).deletingLastPathComponent
        if cache[directory] == nil {
            let manifestPath = ((directory.isEmpty ? "." : directory) as NSString).appendingPathComponent("manifest.json")
            cache[directory] = FileManager.default.contents(atPath: manifestPath).map { Manifest.read(Array($0)) } ?? [:]
        }
        return cache[directory]?[(path as NSString).lastPathComponent]
    }
}

/// Why `drs bench` could not start.
package enum BenchError: Error, CustomStringConvertible {
    case missing(String)
    /// The message `drs bench` prints.
    package var description: String {
        switch self {
        case let .missing(path): return "\(path): no such file or directory"
        }
    }
}
