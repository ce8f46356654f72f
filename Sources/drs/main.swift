import ArgumentParser
import Foundation
@_spi(Benchmarks) import OpenDRS
import DRSJobs

/// Exit codes (SPEC section 5): 0 plan written, 2 invalid input, 3 infeasible, 1 anything else.
enum ExitStatus {
    static let invalidInput: Int32 = 2
    static let infeasible: Int32 = 3
}

struct InputFailure: Error, CustomStringConvertible {
    var description: String
}

/// Reads SNAPSHOT ("-" for standard input) and validates it; bad input exits 2.
func loadSnapshot(_ path: String) throws -> Snapshot {
    let bytes = try readInput(path)
    StageClock.lap("read")
    do {
        return try Snapshot.read(json: bytes)
    } catch {
        let name = path == "-" ? "<stdin>" : path
        var lines = error.issues.map { "\(name): \($0)" }
        if error.omitted > 0 { lines.append("\(name): ... and \(error.omitted) more problem(s)") }
        throw ExitFailure(code: ExitStatus.invalidInput, message: lines.joined(separator: "\n") + "\n\(error.count) problem(s) in the snapshot; nothing was solved.")
    }
}

/// The bytes of PATH ("-": standard input), at most `InputLimits.maximumInputBytes` (1 GiB):
/// a larger file is refused by its size before reading, a stream as soon as it passes the
/// limit. Unreadable, too large or empty input exits 2, naming the input.
func readInput(_ path: String) throws -> [UInt8] {
    let name = path == "-" ? "<stdin>" : path
    let limit = InputLimits.maximumInputBytes
    let handle: FileHandle
    if path == "-" {
        handle = FileHandle.standardInput
    } else {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ExitFailure(code: ExitStatus.invalidInput, message: "\(name): cannot read the file (no such file)")
        }
        if isDirectory.boolValue {
            throw ExitFailure(code: ExitStatus.invalidInput, message: "\(name): is a directory, not a snapshot file")
        }
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
           attributes[.type] as? FileAttributeType == .typeRegular,
           let size = (attributes[.size] as? NSNumber)?.intValue, size > limit {
            throw ExitFailure(code: ExitStatus.invalidInput,
                              message: "\(name): the file has \(size) bytes; \(InputTooLarge(limit: limit).description)")
        }
        guard let opened = FileHandle(forReadingAtPath: path) else {
            throw ExitFailure(code: ExitStatus.invalidInput, message: "\(name): cannot read the file (permission denied?)")
        }
        handle = opened
    }
    let bytes: [UInt8]
    do {
        if path != "-", let size = fileSize(handle), size <= limit {
            bytes = try readFile(handle, size: size, limit: limit)
        } else {
            bytes = try InputLimits.readBounded(limit: limit) {
                guard let chunk = try handle.read(upToCount: 1 << 20) else { return [] }
                return Array(chunk)
            }
        }
    } catch let error as InputTooLarge {
        throw ExitFailure(code: ExitStatus.invalidInput, message: "\(name): \(error.description)")
    } catch {
        throw ExitFailure(code: ExitStatus.invalidInput, message: "\(name): cannot read: \(error.localizedDescription)")
    }
    if path != "-" { try? handle.close() }
    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
        throw ExitFailure(code: ExitStatus.invalidInput,
                          message: "\(name): empty input (\(bytes.isEmpty ? "0 bytes" : "only whitespace")); expected JSON")
    }
    return bytes
}

/// The size of a regular file, else nil.
private func fileSize(_ handle: FileHandle) -> Int? {
    var info = stat()
    guard fstat(handle.fileDescriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int(info.st_size)
}

/// A regular file of `size` bytes read into one array of that size (no chunks to gather, no
/// growth), then whatever it gained since, in chunks, within `limit`.
private func readFile(_ handle: FileHandle, size: Int, limit: Int) throws -> [UInt8] {
    let descriptor = handle.fileDescriptor
    var bytes = try [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, count in
        count = 0
        while count < buffer.count {
            let got = read(descriptor, buffer.baseAddress! + count, buffer.count - count)
            if got < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            if got == 0 { break }
            count += got
        }
    }
    if bytes.count > size {
        // The file grew while it was read: the rest, still within the limit.
        if bytes.count > limit { throw InputTooLarge(limit: limit) }
        bytes += try InputLimits.readBounded(limit: limit - bytes.count) {
            guard let chunk = try handle.read(upToCount: 1 << 20) else { return [] }
            return Array(chunk)
        }
    }
    return bytes
}

struct ExitFailure: Error {
    var code: Int32
    var message: String
}

func fail(_ failure: ExitFailure) -> Never {
    FileHandle.standardError.write((failure.message + "\n").data(using: .utf8)!)
    reportStages()
    exit(failure.code)
}

/// Runs a command body, mapping failures to the SPEC's exit codes.
func withExitCodes(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as ExitFailure {
        fail(failure)
    } catch let error as PlanningError {
        switch error {
        case let .infeasible(message, _): fail(ExitFailure(code: ExitStatus.infeasible, message: "infeasible: " + message))
        case .unknownSolver: fail(ExitFailure(code: ExitStatus.invalidInput, message: error.description))
        case .checkFailed: fail(ExitFailure(code: 1, message: error.description))
        }
    } catch let error as ValidationError {
        throw error
    } catch {
        fail(ExitFailure(code: 1, message: "error: \(error)"))
    }
}

/// `--solver` takes any `SolverKind` id (and `exact-glpk` for `exact`); help lists them.
extension SolverKind: ExpressibleByArgument {
    /// The kind named `argument` (`SolverKind(name:)`); nil for an unknown name.
    public init?(argument: String) { self.init(name: argument) }
    /// Every kind's id, as help lists them.
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
    /// The id, as help shows the default.
    public var defaultValueDescription: String { rawValue }
}

/// Prints a job's answer; an unsolved one (as data formats only) then exits 3.
func printAnswer(_ answer: PlanAnswer, options: PlanOptions, apply: ApplyTarget?) throws {
    guard answer.outcome == .planned else {
        if options.format.printsUnsolvedPlans { try printPlan(answer.plan, answer.shown, options: options) }
        throw ExitFailure(code: ExitStatus.infeasible, message: answer.message)
    }
    if let apply {
        try writeApplied(answer.shown, plan: answer.plan, to: apply)
    }
    try printPlan(answer.plan, answer.shown, options: options)
    StageClock.lap("write")
}

/// `JobInputError` (an id the snapshot lacks) exits 2 as `--OPTION: message`.
func inputFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as JobInputError {
        throw ExitFailure(code: ExitStatus.invalidInput, message: error.description)
    }
}

/// Writes the snapshot after the plan's applied steps to a target resolved before solving.
func writeApplied(_ snapshot: Snapshot, plan: Plan, to target: ApplyTarget) throws {
    let next = try Planner.applied(snapshot, plan: plan)
    try target.write(next.writeJSON)
}

struct Drs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drs",
        abstract: "OpenDRS: placement, migration plans, HA and FT for virtualized clusters.",
        version: Release.version,
        subcommands: [PlanCommand.self, ValidateCommand.self, CheckCommand.self, FailoverCommand.self, EvacuateCommand.self,
                      GenerateCommand.self, BenchCommand.self, SimulateCommand.self, SchemaCommand.self,
                      ImportCommand.self, ExportCommand.self, RoadefCommand.self, ServeCommand.self]
    )
}

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Write a migration plan for a snapshot.")

    @Argument(help: "Snapshot JSON file, or - for standard input.")
    var snapshot: String

    @OptionGroup var options: PlanOptions

    @Option(name: .long, help: "Also write the snapshot after the applied steps to this file (never the input).")
    var apply: String?

    @Flag(name: .customLong("all"), help: "With --format commands: the same as --all-steps.")
    var allSteps = false

    func validate() throws {
        if allSteps && options.format != .commands { throw ValidationError("--all applies to --format commands only") }
    }

    func run() throws {
        try withExitCodes {
            // The target is resolved and judged before anything is read or solved.
            let target = try apply.map { try ApplyTarget($0, input: snapshot) }
            let input = try loadSnapshot(snapshot)
            var options = self.options
            options.allSteps = options.allSteps || allSteps
            try printAnswer(Jobs.plan(input, solver: options.solver, options: options.solveOptions), options: options, apply: target)
        }
    }
}

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "validate", abstract: "Check a snapshot only.")

    @Argument(help: "Snapshot JSON file, or - for standard input.")
    var snapshot: String

    func run() throws {
        try withExitCodes {
            let counts = SnapshotCounts(try loadSnapshot(snapshot))
            print("\(snapshot == "-" ? "<stdin>" : snapshot): valid (\(counts.hosts) hosts, \(counts.vms) VMs, \(counts.poweredOn) powered on, \(counts.rules) rules)")
        }
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Verify a plan against a snapshot, independently of the solver.")

    @Argument(help: "Snapshot JSON file, or - for standard input.")
    var snapshot: String

    @Argument(help: "Plan JSON file.")
    var plan: String

    func run() throws {
        try withExitCodes {
            if snapshot == "-" && plan == "-" { throw ExitFailure(code: ExitStatus.invalidInput, message: "only one of SNAPSHOT and PLAN can be - (standard input)") }
            let input = try loadSnapshot(snapshot)
            let planValue: Plan
            do {
                planValue = try Plan.read(json: try readInput(plan))
            } catch let error as PlanReadError {
                throw ExitFailure(code: ExitStatus.invalidInput, message: "\(plan): \(error.description)")
            }
            // The whole plan, then its applied subset alone (what --apply carries out).
            let report = CheckReport(input, planValue)
            let (whole, applied) = (report.whole, report.applied)
            let (waves, appliedWaves) = (report.waves, report.appliedWaves)
            let appliedSteps = report.appliedSteps
            if whole.isEmpty && applied.isEmpty {
                print("plan OK: \(report.steps) steps in \(waves) waves; every hard constraint holds at every wave")
                print("applied subset OK: \(appliedSteps) applied steps in \(appliedWaves) waves hold every hard constraint on their own")
                return
            }
            // At most `InputLimits.maximumReportedIssues` violations each, then a count.
            func listed(_ violations: [CheckViolation]) -> [String] {
                let shown = violations.prefix(InputLimits.maximumReportedIssues).map { "  \($0)" }
                let more = violations.count - shown.count
                return more > 0 ? shown + ["  ... and \(more) more violation(s)"] : shown
            }
            var lines: [String] = []
            if whole.isEmpty {
                lines.append("whole plan OK: \(report.steps) steps in \(waves) waves")
            } else {
                lines.append("whole plan REJECTED: \(whole.count) violation(s):")
                lines += listed(whole)
            }
            if applied.isEmpty {
                lines.append("applied subset OK: \(appliedSteps) applied steps in \(appliedWaves) waves")
            } else {
                lines.append("applied subset REJECTED: \(applied.count) violation(s) when only the \(appliedSteps) applied steps run:")
                lines += listed(applied)
            }
            let failed = [whole.isEmpty ? nil : "the whole plan", applied.isEmpty ? nil : "its applied subset"].compactMap { $0 }
            throw ExitFailure(code: 1, message: "plan REJECTED (\(failed.joined(separator: " and ")) failed):\n" + lines.joined(separator: "\n"))
        }
    }
}

struct FailoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "failover", abstract: "Plan the HA response to host failures.")

    @Argument(help: "Snapshot JSON file, or - for standard input.")
    var snapshot: String

    @Option(name: .long, parsing: .upToNextOption, help: "Hosts that fail.")
    var fail: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "VMs whose guest OS fails (HA restarts each on its own host).")
    var vm: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Hosts that lose their management network (state isolated).")
    var isolate: [String] = []

    @Option(name: .customLong("isolation-response"), help: "leaveOn, powerOff or shutdown: sets cluster.ha.isolationResponse.")
    var isolationResponse: IsolationResponse?

    @Flag(name: .long, help: "Try every single-host failure and report what could not be restarted.")
    var all = false

    @OptionGroup var options: PlanOptions

    func validate() throws {
        if fail.isEmpty && vm.isEmpty && isolate.isEmpty && !all { throw ValidationError("give --fail HOST..., --isolate HOST..., --vm ID... or --all") }
        if (!fail.isEmpty || !vm.isEmpty || !isolate.isEmpty) && all { throw ValidationError("--all excludes --fail, --isolate and --vm") }
        if let both = fail.first(where: { isolate.contains($0) }) { throw ValidationError("host \(both) is given to both --fail and --isolate") }
        if isolationResponse != nil && isolate.isEmpty { throw ValidationError("--isolation-response applies with --isolate") }
        if all && options.format == .commands {
            throw ValidationError("--format commands writes one plan; --all is a sweep of every failure (use --fail HOST...)")
        }
    }

    func run() throws {
        try withExitCodes {
            let input = try loadSnapshot(snapshot)
            if all {
                try FailoverSweepCommand.run(input, options: options)
                return
            }
            let answer = try inputFailures {
                try Jobs.failover(input, hosts: fail, isolated: isolate, response: isolationResponse, vms: vm,
                                  solver: options.solver, options: options.solveOptions)
            }
            try printAnswer(answer, options: options, apply: nil)
        }
    }
}

extension IsolationResponse: ExpressibleByArgument {}

struct EvacuateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evacuate", abstract: "Plan putting hosts into maintenance mode.")

    @Argument(help: "Snapshot JSON file, or - for standard input.")
    var snapshot: String

    @Option(name: .long, parsing: .upToNextOption, help: "Hosts to put into maintenance.")
    var host: [String] = []

    @OptionGroup var options: PlanOptions

    @Flag(name: .customLong("all"), help: "With --format commands: the same as --all-steps.")
    var allSteps = false

    func validate() throws {
        if host.isEmpty { throw ValidationError("give --host HOST...") }
        if allSteps && options.format != .commands { throw ValidationError("--all applies to --format commands only") }
    }

    func run() throws {
        try withExitCodes {
            let input = try loadSnapshot(snapshot)
            var options = self.options
            options.allSteps = options.allSteps || allSteps
            let answer = try inputFailures {
                try Jobs.evacuate(input, hosts: host, solver: options.solver, options: options.solveOptions)
            }
            try printAnswer(answer, options: options, apply: nil)
        }
    }
}

/// `drs failover --all`: every single-host failure, planned for real within one time budget
/// (`--time-limit` is the budget of the whole sweep, split across the failures). Exit 3 when
/// some failure would leave VMs down or could not be planned (so the sweep can gate CI), 1 when
/// the budget ran out before every host was tried, 0 when every single-host failure can be absorbed. `--format json` writes one
/// object with a report per host.
enum FailoverSweepCommand {
    static func run(_ snapshot: Snapshot, options: PlanOptions) throws {
        let sweep = Jobs.sweep(snapshot, solver: options.solver, options: options.solveOptions)
        switch options.format {
        case .json:
            try printJSON { JSONWriter.write(sweep.json, to: $0) }
        case .text, .summary, .commands:
            // The summary is the verdict alone; the text lists every host first.
            for report in sweep.reports where options.format == .text {
                if let error = report.error {
                    print("\(report.host): could not be planned: \(error)")
                } else if report.lost.isEmpty {
                    let extra = report.unprotected.isEmpty ? "" : "; \(report.unprotected.count) FT VM(s) left without a secondary: \(report.unprotected.joined(separator: ", "))"
                    print("\(report.host): ok, \(report.restarted) restarted, \(report.promoted) promoted\(extra)")
                } else {
                    print("\(report.host): \(report.lost.count) could not be restarted: " + report.lost.map { "\($0.vm) (\($0.reason))" }.joined(separator: "; "))
                }
            }
            if !sweep.skipped.isEmpty {
                print("not tried (the --time-limit budget of \(sweep.timeLimit) s for the whole sweep ran out): \(sweep.skipped.joined(separator: ", "))")
            }
            if sweep.vmsDown {
                print("some single-host failures would leave VMs down")
            } else if sweep.absorbed {
                print("every single-host failure can be absorbed (\(sweep.reports.count) hosts tried)")
            } else {
                print("incomplete: \(sweep.failing.count) failure(s) could not be planned, \(sweep.skipped.count) not tried")
            }
        }
        if sweep.vmsDown {
            throw ExitFailure(code: ExitStatus.infeasible, message: "\(sweep.reports.filter { !$0.lost.isEmpty }.count) single-host failure(s) would leave VMs down")
        }
        if !sweep.failing.isEmpty {
            // A failure no plan absorbs is not absorbed: the same answer as VMs left down.
            throw ExitFailure(code: ExitStatus.infeasible, message: "\(sweep.failing.count) single-host failure(s) could not be planned")
        }
        if !sweep.absorbed {
            throw ExitFailure(code: 1, message: "failover sweep incomplete: \(sweep.failing.count) failure(s) could not be planned, \(sweep.skipped.count) host(s) not tried within --time-limit \(sweep.timeLimit) s (the budget of the whole sweep)")
        }
    }
}

/// With `DRS_STAGE_TIMES=1`: flushes standard output, then writes the CPU time and peak memory
/// of each stage to standard error (`StageClock.report`).
func reportStages() {
    guard StageClock.enabled else { return }
    fflush(nil)
    FileHandle.standardError.write(Data(StageClock.report().utf8))
}

/// Parses and runs a command. Usage errors (unknown options, bad values, missing arguments)
/// exit 2 like any other bad input (SPEC section 5), not ArgumentParser's 64; help exits 0.
func runCommandLine() -> Never {
    do {
        var command = try Drs.parseAsRoot()
        StageClock.lap("startup")
        try command.run()
        reportStages()
        exit(0)
    } catch {
        let code = Drs.exitCode(for: error)
        if code == .validationFailure {
            let message = Drs.fullMessage(for: error)
            FileHandle.standardError.write(Data((message + "\n").utf8))
            exit(ExitStatus.invalidInput)
        }
        Drs.exit(withError: error)
    }
}

runCommandLine()
