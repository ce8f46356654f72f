import ArgumentParser
import Foundation
import OpenDRS
import DRSBench
#if canImport(Glibc)
import Glibc
#endif

/// `drs bench`: every solver on every snapshot, one JSON line per run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run solvers over snapshots and write results.",
        discussion: """
            Writes one JSON line per (snapshot, solver) run: status, every objective term, bound, gap, seconds, peak \
            memory, git revision, machine and GLPK version. Plans pass the independent checker before they count; a \
            refused plan is "rejected", a solver that cannot run is "error". The snapshot class comes from \
            manifest.json next to the snapshot when there is one.
            """
    )

    @Argument(help: "Snapshot files or directories of them.")
    var inputs: [String]

    @Option(name: .long, help: "Comma-separated solver names (\(SolverCatalog.names.joined(separator: ", "))); default: all but auto.")
    var solvers: String = SolverCatalog.names.filter { $0 != "auto" }.joined(separator: ",")

    @Option(name: .long, help: "Time limit per run, seconds.")
    var timeLimit: Double = 10

    @Option(name: .long, help: "Seed passed to the solvers.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Skip the exact solver (status \"skipped\") when powered-on VMs x hosts exceeds this.")
    var exactLimit: Int = 50_000

    @Option(name: .long, help: "JSON-lines output file, or - for standard output.")
    var output: String = "-"

    func validate() throws {
        guard timeLimit > 0, timeLimit <= InputLimits.maximumTimeLimit else {
            throw ValidationError("--time-limit must be a number of seconds > 0 and <= \(Int(InputLimits.maximumTimeLimit)) (about 11.6 days), got \(timeLimit)")
        }
        if solverNames.isEmpty { throw ValidationError("--solvers: give at least one solver name") }
    }

    var solverNames: [String] { solvers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

    func run() throws {
        try withExitCodes {
            let files: [String]
            do {
                files = try Bench.files(inputs)
            } catch {
                throw ExitFailure(code: ExitStatus.invalidInput, message: "\(error)")
            }
            if files.isEmpty { throw ExitFailure(code: ExitStatus.invalidInput, message: "no snapshot files (*.json) in \(inputs.joined(separator: ", "))") }
            var sink: FileHandle = FileHandle.standardOutput
            if output != "-" {
                guard FileManager.default.createFile(atPath: output, contents: nil), let handle = FileHandle(forWritingAtPath: output) else {
                    throw ExitFailure(code: 1, message: "--output: cannot write \(output)")
                }
                sink = handle
            }
            let environment = BenchEnvironment.current()
            let progress = isatty(STDERR_FILENO) == 1
            let total = files.count * solverNames.count
            var done = 0
            var cache: [String: [String: ManifestEntry]] = [:]
            for path in files {
                let name = (path as NSString).lastPathComponent
                let entry = Bench.manifestEntry(for: path, cache: &cache)
                let snapshot: Snapshot
                do {
                    snapshot = try loadSnapshot(path)
                } catch let failure as ExitFailure {
                    FileHandle.standardError.write(Data("\(failure.message)\nskipping \(path)\n".utf8))
                    done += solverNames.count
                    continue
                }
                for solver in solverNames {
                    if progress {
                        FileHandle.standardError.write(Data("\r\u{1B}[K[\(done + 1)/\(total)] \(name) \(solver)".utf8))
                    }
                    let size = snapshot.vms.filter { $0.powerState == .on }.count * snapshot.hosts.count
                    if ["exact", "exact-glpk", "exact-assignment"].contains(solver) && size > exactLimit {
                        var record = Bench.skipped(snapshot: snapshot, file: name, entry: entry, solver: solver, timeLimit: timeLimit,
                                                   environment: environment)
                        record.message = "skipped: \(size) VM-host pairs exceed --exact-limit \(exactLimit)"
                        sink.write(Data((record.line + "\n").utf8))
                        done += 1
                        continue
                    }
                    let record = Bench.run(snapshot: snapshot, file: name, entry: entry, solver: solver, timeLimit: timeLimit,
                                           seed: seed, environment: environment)
                    sink.write(Data((record.line + "\n").utf8))
                    done += 1
                }
            }
            if progress { FileHandle.standardError.write(Data("\r\u{1B}[K\(done) runs written to \(output == "-" ? "standard output" : output)\n".utf8)) }
            if output != "-" { try? sink.close() }
        }
    }
}
