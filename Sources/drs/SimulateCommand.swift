import ArgumentParser
import DRSSim
import Foundation
import OpenDRS

/// `drs simulate`: replays a utilization trace through a consolidation policy, step by step, and
/// prints the energy, SLA and migration totals as one JSON object (per-step records to --output).
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Replay a demand trace through a policy: energy, SLA violations, migrations.",
        discussion: """
            The world comes from --setup beloglazov2012 (800 hosts and four VM types, as Beloglazov & Buyya's \
            CloudSim experiments, one VM per trace file) or from SNAPSHOT (its hosts, VMs and placement; hosts[].power \
            gives each host's watts at 0, 10, ..., 100% CPU). At every step each VM's CPU demand moves to the trace's \
            value, the policy runs, its migrations are carried out with their migration times (a migrating VM loads \
            both hosts and gets 10% less CPU while it moves) and energy, SLATAH, PDM, SLAV and ESV are accounted as \
            CloudSim 3.0.3 accounts them. Policies: \(SimulationPolicies.names.joined(separator: ", ")) \
            (default \(SimulationPolicies.defaultName)); lr-mmt-S and thr-mmt-T take any safety S or threshold T; \
            drs:key=value,... sets the planner's goal (consolidate|balance), threshold (1-5), headroom (0-1, the CPU share \
            placement may fill), forecast (last, maxN, lrN, pQ-N: a VM's demand for the next step from its last N samples), \
            solver, time (seconds per step) and spare (pool capacity over demand), e.g. \
            drs:threshold=4,headroom=0.9,forecast=lr10.
            """
    )

    @Argument(help: "Snapshot JSON file giving hosts, VMs and placement (omit with --setup).")
    var snapshot: String?

    @Option(name: .long, help: "Trace: a folder of PlanetLab files (one per VM), or a CSV file of vm,time,resource,value rows.")
    var trace: String

    @Option(name: .long, help: "Trace format: planetlab or csv.")
    var format: TraceFormatArgument = .planetlab

    @Option(name: .long, help: "Seconds per trace step and between policy runs.")
    var interval: Double = 300

    @Option(name: .long, help: "Build the world instead of reading a snapshot: beloglazov2012.")
    var setup: SetupName?

    @Option(name: .long, help: "Hosts of the built setup.")
    var hosts: Int = 800

    @Option(name: .long, help: "Simulate only the first N VMs of the trace (a quick sample).")
    var vms: Int?

    @Option(name: .long, help: "Simulate only the first N steps of the trace.")
    var steps: Int?

    @Option(name: .long, help: "Policy: a reference policy (lr-mmt-1.2, thr-mmt-0.8), an OpenDRS preset or drs:key=value,...")
    var policy: String = SimulationPolicies.defaultName

    @Option(name: .long, help: "Write one JSON line per step to this file.")
    var output: String?

    @Flag(name: .long, inversion: .prefixedNo, help: "Show a progress line on standard error (default: when it is a terminal).")
    var progress: Bool?

    func validate() throws {
        guard interval.isFinite, interval > 0, interval <= 86_400 * 366 else {
            throw ValidationError("--interval must be a number of seconds > 0, got \(interval)")
        }
        if setup == nil && snapshot == nil { throw ValidationError("give SNAPSHOT or --setup beloglazov2012") }
        if setup != nil && snapshot != nil { throw ValidationError("SNAPSHOT and --setup exclude each other: --setup builds the world") }
        guard hosts >= 1 && hosts <= 1_000_000 else { throw ValidationError("--hosts must be 1 to 1000000, got \(hosts)") }
        if let vms, vms < 1 { throw ValidationError("--vms must be at least 1, got \(vms)") }
        if let steps, steps < 2 { throw ValidationError("--steps must be at least 2, got \(steps)") }
        if SimulationPolicies.policy(named: policy) == nil {
            throw ValidationError("--policy: unknown policy \"\(policy)\"; known: \(SimulationPolicies.names.joined(separator: ", ")), lr-mmt-S, thr-mmt-T")
        }
    }

    func run() throws {
        try withExitCodes {
            let world = try buildWorld()
            var chosen = SimulationPolicies.policy(named: policy)!
            let sink = try output.map { try StepSink(path: $0) }
            let showProgress = progress ?? (isatty(STDERR_FILENO) == 1)
            let total = max(0, Int(((world.end - world.offset) / world.interval).rounded(.up)) - 1)
            let meter = ProgressMeter(total: total, enabled: showProgress)
            let result = Simulator(world: world).run(&chosen) { record in
                sink?.write(record.jsonLine)
                meter.update(record.step)
            }
            meter.finish()
            try sink?.close()
            print(result.json)
        }
    }

    private func buildWorld() throws -> SimulationWorld {
        let expected = setup == .beloglazov2012 ? SimulationSetup.stepsPerDay(interval: interval) : nil
        var loaded: Trace
        do {
            switch format {
            case .planetlab: loaded = try Trace.readPlanetLab(folder: trace, steps: expected)
            case .csv: loaded = try Trace.readCSV(path: trace, interval: interval, steps: expected)
            }
        } catch let error as TraceError {
            let count = error.issues.count + error.omitted
            throw ExitFailure(code: ExitStatus.invalidInput, message: error.description + "\n\(count) problem(s) in the trace; nothing was simulated.")
        }
        if vms != nil || steps != nil { loaded = loaded.prefix(vms: vms ?? loaded.vmIDs.count, steps: steps) }
        if let snapshot {
            let input = try loadSnapshot(snapshot)
            do {
                return try SimulationSetup.world(snapshot: input, trace: loaded, interval: interval, traceName: trace)
            } catch let error as TraceError {
                let count = error.issues.count + error.omitted
                throw ExitFailure(code: ExitStatus.invalidInput, message: error.description + "\n\(count) problem(s) matching the snapshot and the trace; nothing was simulated.")
            }
        }
        guard loaded.cpuIsFraction else {
            throw ExitFailure(code: ExitStatus.invalidInput, message: "--setup beloglazov2012 reads utilization in percent (--format planetlab); a CSV trace gives absolute demands and needs SNAPSHOT")
        }
        return SimulationSetup.beloglazov2012(trace: loaded, hosts: hosts, interval: interval)
    }
}

/// `--setup` values.
enum SetupName: String, ExpressibleByArgument, CaseIterable {
    case beloglazov2012
}

/// `--format` values.
enum TraceFormatArgument: String, ExpressibleByArgument, CaseIterable {
    case planetlab, csv
}

/// Writes `--output` lines as the steps come.
final class StepSink {
    private let handle: FileHandle
    private let path: String

    init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw ExitFailure(code: ExitStatus.invalidInput, message: "--output \(path): cannot create the file (does its folder exist?)")
        }
        self.handle = handle
    }

    func write(_ line: String) { handle.write(Data((line + "\n").utf8)) }

    func close() throws {
        do { try handle.close() } catch {
            throw ExitFailure(code: 1, message: "--output \(path): cannot write: \(error.localizedDescription)")
        }
    }
}

/// A one-line progress display on standard error: steps done, elapsed time and ETA.
final class ProgressMeter {
    private let total: Int
    private let enabled: Bool
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var shown = ContinuousClock.Instant.now

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
        start = clock.now
    }

    func update(_ done: Int) {
        guard enabled, clock.now - shown > .milliseconds(200) || done == total else { return }
        shown = clock.now
        let elapsed = (clock.now - start) / .seconds(1)
        let remaining = done > 0 ? elapsed / Double(done) * Double(max(0, total - done)) : 0
        let percent = total > 0 ? 100 * done / total : 100
        let line = String(format: "\rstep %d/%d (%d%%), %.1f s elapsed, ETA %.1f s ", done, total, percent, elapsed, remaining)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
