import ArgumentParser
@_spi(Benchmarks) import OpenDRS

/// `--format`: the plan as JSON (SPEC section 3), a report for people, or a short JSON summary
/// (`Plan.summary(for:)`).
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case json, text, summary, commands

    /// Whether an infeasible or unknown answer is printed too (before exit 3): as data, yes;
    /// as a report or a script to run, never.
    var printsUnsolvedPlans: Bool { self == .json || self == .summary }
}

struct PlanOptions: ParsableArguments {
    @Option(name: .long, help: "Solver: auto (a portfolio that spends the time limit: local search, the exact solver, neighbourhood search), exact, or a heuristic.")
    var solver: SolverKind = .auto

    @Option(name: .long, help: "Time limit in seconds.")
    var timeLimit: Double = 10

    @Option(name: .long, help: "Output format: json (the whole plan), text (a report), summary (counts and scores as JSON), or commands (a shell script for --target).")
    var format: OutputFormat = .json

    @Option(name: .long, help: "With --format commands: the platform whose tools the script calls (vsphere: govc, proxmox: qm/pct, openstack, kubernetes: kubectl).")
    var target: CommandTarget?

    @Flag(name: .customLong("all-steps"), help: "With --format commands: also write the steps that are only recommended (applied: false).")
    var allSteps = false

    @Option(name: .long, help: "With --format text: at most N entries per list (the most important steps, unplaced VMs, hosts whose utilization changes most), saying how many were left out.")
    var top: Int?

    @Option(name: .long, help: "Seed for randomised solvers.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Threads: local search evaluates moves on them (the plan is the same for any number); with 2 or more, auto runs the exact solver and the neighbourhood search side by side.")
    var threads: Int = 1

    func validate() throws {
        guard timeLimit > 0, timeLimit <= InputLimits.maximumTimeLimit else {
            throw ValidationError("--time-limit must be a number of seconds > 0 and <= \(Int(InputLimits.maximumTimeLimit)) (about 11.6 days), got \(timeLimit)")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let top {
            guard top >= 0 else { throw ValidationError("--top must be at least 0, got \(top)") }
            guard format == .text else { throw ValidationError("--top applies to --format text only") }
        }
        if format == .commands && target == nil {
            throw ValidationError("--format commands needs --target \(CommandTarget.allCases.map(\.rawValue).joined(separator: "|"))")
        }
        if format != .commands && (target != nil || allSteps) {
            throw ValidationError("--target and --all-steps apply to --format commands only")
        }
    }

    var solveOptions: SolveOptions { SolveOptions(timeLimit: timeLimit, seed: seed, threads: threads) }
}

/// Prints `plan` in the format asked for: JSON streamed to standard output, the summary, or
/// the text report (`--top`).
func printPlan(_ plan: Plan, _ snapshot: Snapshot, options: PlanOptions) throws {
    switch options.format {
    case .json: try printJSON(plan.writeJSON)
    case .summary: try printJSON { JSONWriter.write(plan.summary(for: snapshot), to: $0) }
    case .text: print(TextReport.render(snapshot, plan, top: options.top), terminator: "")
    case .commands:
        let script = CommandScript(snapshot: snapshot, plan: plan, target: options.target!, includeRecommended: options.allSteps)
        do {
            print(try script.render(), terminator: "")
        } catch {
            throw ExitFailure(code: ExitStatus.invalidInput, message: error.description)
        }
    }
}

