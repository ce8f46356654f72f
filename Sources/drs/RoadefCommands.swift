import ArgumentParser
import DRSRoadef
import Foundation
@_spi(Benchmarks) import OpenDRS

/// `drs import FORMAT ...`: a cluster inventory export (`ImportCommand.swift`) or a problem in
/// another format as a snapshot.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn a cluster inventory export, or a problem in another format, into a snapshot.",
        subcommands: [ImportKubernetesCommand.self, ImportProxmoxCommand.self, ImportGovcCommand.self, ImportRVToolsCommand.self, ImportRoadefCommand.self]
    )
}

/// `drs export FORMAT ...`: a plan in another format.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a plan in another format.",
        subcommands: [ExportRoadefCommand.self]
    )
}

struct ImportRoadefCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roadef",
        abstract: "A ROADEF/EURO Challenge 2012 instance (model and assignment files) as a snapshot with goal cost.",
        discussion: """
            Writes hosts m0..., VMs p0..., groups s0... with the challenge's capacities, safety capacities, \
            locations, neighborhoods, move costs, spread and dependency rules, transient resources and weights; \
            prints the official cost of the assignment, term by term, to standard error.
            """
    )

    @Argument(help: "The model file (model_*.txt).")
    var model: String

    @Argument(help: "The assignment file (assignment_*.txt).")
    var assignment: String

    @Option(name: .long, help: "Where to write the snapshot (- for standard output); never one of the inputs.")
    var output: String

    func run() throws {
        try withExitCodes {
            let target = output == "-" ? nil : try ApplyTarget(output, inputs: [model, assignment], option: "--output", inputKind: "an input file")
            let (instance, original) = try readRoadef(model: model, assignment: assignment)
            var name = URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent
            if name.hasPrefix("model_"), name.count > 6 { name.removeFirst(6) }
            let snapshot = RoadefSnapshot.snapshot(instance, assignment: original, name: name)
            if let target {
                try target.write { JSONWriter.write(snapshot, to: $0) }
            } else {
                try printJSON { JSONWriter.write(snapshot, to: $0) }
            }
            let evaluation = RoadefEvaluator.evaluate(instance, original: original, assignment: original)
            var report = "\(name): \(instance.machineCount) machines, \(instance.processCount) processes, \(instance.serviceCount) services; "
            report += "initial cost \(evaluation.cost)"
            if !evaluation.isFeasible { report += "; the assignment breaks \(evaluation.violations.count) hard constraint(s)" }
            FileHandle.standardError.write((report + "\n").data(using: .utf8)!)
        }
    }
}

/// Reads a model and an assignment file; malformed files exit 2 with the file and line.
func readRoadef(model: String, assignment: String) throws -> (RoadefInstance, [Int]) {
    do {
        let instance = try RoadefInstance.read(model: try readFile(model), file: model)
        let machines = try RoadefAssignment.read(try readFile(assignment), file: assignment,
                                                 processCount: instance.processCount, machineCount: instance.machineCount)
        return (instance, machines)
    } catch let error as RoadefFormatError {
        throw ExitFailure(code: ExitStatus.invalidInput, message: error.description)
    }
}

/// The bytes of a file (`-`: standard input), with `readInput`'s limits and errors (an empty
/// file is refused as such).
private func readFile(_ path: String) throws -> [UInt8] {
    do {
        return try readInput(path)
    } catch let failure as ExitFailure where failure.message.contains("empty input") {
        throw ExitFailure(code: ExitStatus.invalidInput, message: "\(path == "-" ? "<stdin>" : path): empty file; expected the challenge's whole numbers")
    }
}

struct ExportRoadefCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roadef",
        abstract: "The new assignment of a plan for an imported ROADEF snapshot, in the challenge's format, to standard output.",
        discussion: """
            Machine i is the snapshot's i-th host, process j its j-th VM. The assignment is checked against \
            every hard constraint of the challenge first: one that breaks any is not written (exit 1). The \
            official cost, term by term, goes to standard error.
            """
    )

    @Argument(help: "The snapshot (written by drs import roadef).")
    var snapshot: String

    @Argument(help: "The plan (drs plan's JSON); its placement gives each VM's new host.")
    var plan: String

    func run() throws {
        try withExitCodes {
            let imported: RoadefImported
            do { imported = try RoadefSnapshot.read(json: try readInput(snapshot)) } catch let error as RoadefSnapshotError {
                throw ExitFailure(code: ExitStatus.invalidInput, message: "\(snapshot): \(error.description)")
            }
            let placement: [String: String]
            do { placement = try Plan.read(json: try readInput(plan)).placement } catch let error as PlanReadError {
                throw ExitFailure(code: ExitStatus.invalidInput, message: "\(plan): \(error.description)")
            }
            let hostIndex = Dictionary(imported.hostIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            var machines: [Int] = []
            for id in imported.vmIDs {
                guard let host = placement[id] else {
                    throw ExitFailure(code: ExitStatus.invalidInput, message: "\(plan): placement: no host for VM \(DisplayText.quoted(id)); the challenge needs every process placed")
                }
                guard let m = hostIndex[host] else {
                    throw ExitFailure(code: ExitStatus.invalidInput, message: "\(plan): placement.\(DisplayText.pathKey(id)): unknown host \(DisplayText.quoted(host))")
                }
                machines.append(m)
            }
            let evaluation = RoadefEvaluator.evaluate(imported.instance, original: imported.assignment, assignment: machines)
            guard evaluation.isFeasible else {
                let shown = evaluation.violations.prefix(20).map { "  \($0)" }.joined(separator: "\n")
                let more = evaluation.violations.count > 20 ? "\n  ... and \(evaluation.violations.count - 20) more" : ""
                throw ExitFailure(code: 1, message: "the plan's assignment breaks \(evaluation.violations.count) hard constraint(s) of the challenge; nothing was written:\n\(shown)\(more)")
            }
            fflush(nil)
            let text = Array(RoadefAssignment.write(machines).utf8)
            guard text.withUnsafeBytes({ writeAll(STDOUT_FILENO, $0) }) else {
                throw ExitFailure(code: 1, message: "cannot write to standard output: \(String(cString: strerror(errno)))")
            }
            FileHandle.standardError.write("cost \(evaluation.cost)\n".data(using: .utf8)!)
        }
    }
}

/// `drs roadef ...`: the challenge's problem on its own files, without a snapshot.
struct RoadefCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roadef",
        abstract: "The ROADEF/EURO Challenge 2012 machine reassignment problem on its own files: cost and search.",
        subcommands: [RoadefCostCommand.self, RoadefSolveCommand.self]
    )
}

struct RoadefCostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "The official cost of NEW (default: the original assignment), term by term, and every hard constraint it breaks.",
        discussion: "Exit 0 when every hard constraint holds, 1 when one breaks, 2 for a malformed file."
    )

    @Argument(help: "The model file (model_*.txt).")
    var model: String

    @Argument(help: "The original assignment (assignment_*.txt).")
    var assignment: String

    @Argument(help: "A new assignment in the same format.")
    var new: String?

    func run() throws {
        try withExitCodes {
            let (instance, original) = try readRoadef(model: model, assignment: assignment)
            let (_, machines) = try readRoadef(model: model, assignment: new ?? assignment)
            let evaluation = RoadefEvaluator.evaluate(instance, original: original, assignment: machines)
            print("cost \(evaluation.cost)")
            for violation in evaluation.violations.prefix(50) { print(violation) }
            if evaluation.violations.count > 50 { print("... and \(evaluation.violations.count - 50) more") }
            if !evaluation.isFeasible { throw ExitFailure(code: 1, message: "\(evaluation.violations.count) hard constraint(s) broken") }
        }
    }
}

struct RoadefSolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Search for a cheaper assignment (late acceptance hill climbing over relocations and swaps); writes it to standard output.",
        discussion: """
            The result is checked against every hard constraint from scratch before it is written; the cost \
            before and after, term by term, and the number of moves tried go to standard error.
            """
    )

    @Argument(help: "The model file (model_*.txt).")
    var model: String

    @Argument(help: "The original assignment (assignment_*.txt).")
    var assignment: String

    @Option(name: .long, help: "Seconds to search.")
    var timeLimit: Double = 10

    @Option(name: .long, help: "Seed of the random moves.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Late acceptance: a move is also accepted when it costs at most what the solution cost this many moves ago.")
    var history: Int = 2000

    func validate() throws {
        guard timeLimit > 0, timeLimit <= InputLimits.maximumTimeLimit else {
            throw ValidationError("--time-limit must be a number of seconds > 0 and <= \(Int(InputLimits.maximumTimeLimit)), got \(timeLimit)")
        }
        guard (1...10_000_000).contains(history) else { throw ValidationError("--history must be from 1 to 10000000, got \(history)") }
    }

    func run() throws {
        try withExitCodes {
            let (instance, original) = try readRoadef(model: model, assignment: assignment)
            let before = RoadefEvaluator.evaluate(instance, original: original, assignment: original)
            guard before.isFeasible else {
                throw ExitFailure(code: ExitStatus.infeasible, message: "the original assignment breaks \(before.violations.count) hard constraint(s), first: \(before.violations[0]); the search starts from a feasible one")
            }
            let result = RoadefLocalSearch.solve(instance, original: original, timeLimit: timeLimit, seed: seed, historyLength: history)
            let after = RoadefEvaluator.evaluate(instance, original: original, assignment: result.assignment)
            guard after.isFeasible, after.cost.total == result.cost else {
                throw ExitFailure(code: 1, message: "internal error: the search's assignment does not check (cost \(after.cost.total), expected \(result.cost), \(after.violations.count) violation(s)); nothing was written")
            }
            fflush(nil)
            let text = Array(RoadefAssignment.write(result.assignment).utf8)
            guard text.withUnsafeBytes({ writeAll(STDOUT_FILENO, $0) }) else {
                throw ExitFailure(code: 1, message: "cannot write to standard output: \(String(cString: strerror(errno)))")
            }
            let report = "before: cost \(before.cost)\nafter:  cost \(after.cost)\n\(result.iterations) moves tried, \(result.accepted) accepted\n"
            FileHandle.standardError.write(report.data(using: .utf8)!)
        }
    }
}
