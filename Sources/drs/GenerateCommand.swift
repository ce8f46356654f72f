import ArgumentParser
import Foundation
@_spi(Benchmarks) import OpenDRS
import DRSBench

extension SnapshotClass: ExpressibleByArgument {}
extension Goal: ExpressibleByArgument {}

/// `drs generate`: deterministic benchmark snapshots (see `SnapshotClass` for what each models).
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write benchmark snapshots (classes, sizes, seeds).",
        discussion: """
            Classes: \(SnapshotClass.allCases.map(\.rawValue).joined(separator: ", ")), and hostile (the harness's \
            inputs, often invalid on purpose; --hosts and --vms are maxima). The same options and seed give the same \
            bytes. One snapshot: --output FILE (or - for standard output). Several: --count N --output-dir DIR \
            (seeds SEED ... SEED+N-1, plus DIR/manifest.json). A named suite: --suite small --output-dir DIR.
            """
    )

    @Option(name: .customLong("class"), help: "Snapshot class.")
    var snapshotClass: SnapshotClass = .rebalance

    @Option(name: .long, help: "Number of hosts.")
    var hosts: Int = 8

    @Option(name: .long, help: "Number of VMs.")
    var vms: Int = 32

    @Option(name: .long, help: "Resource dimensions, 1 to 4 (cpu, memory, network, storage).")
    var resources: Int = 2

    @Option(name: .long, help: "Seed; the first of --count seeds.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Goal: balance or consolidate (default: consolidate for known-optimum, else balance).")
    var goal: Goal?

    @Option(name: .long, help: "Fraction of VMs in rules (rebalance, failure, maintenance).")
    var rulesFraction: Double = 0.2

    @Option(name: .long, help: "known-optimum: spare hosts as a fraction of the hosts filled exactly (default: a quarter of the hosts are spare).")
    var spare: Double?

    @Option(name: .long, help: "Output file, or - for standard output.")
    var output: String?

    @Option(name: .long, help: "Write this many snapshots (consecutive seeds) into --output-dir.")
    var count: Int?

    @Option(name: .long, help: "Directory for --count or --suite (created if needed).")
    var outputDir: String?

    @Option(name: .long, help: "A named suite instead of one class: \(Suite.names.joined(separator: ", ")).")
    var suite: String?

    func validate() throws {
        if output != nil && outputDir != nil { throw ValidationError("--output and --output-dir exclude each other") }
        if (count != nil || suite != nil) && outputDir == nil { throw ValidationError("--count and --suite need --output-dir DIR") }
        if count == nil && suite == nil && output == nil { throw ValidationError("give --output FILE (or -), or --count N --output-dir DIR") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1, got \(count)") }
        if let suite, Suite.options(named: suite) == nil {
            throw ValidationError("--suite: unknown suite \"\(suite)\"; known: \(Suite.names.joined(separator: ", "))")
        }
        if suite == nil, let problem = options(seed: seed).problem { throw ValidationError(problem) }
    }

    func options(seed: UInt64) -> GeneratorOptions {
        GeneratorOptions(snapshotClass: snapshotClass, hosts: hosts, vms: vms, resources: resources, seed: seed, goal: goal,
                         rulesFraction: rulesFraction, spare: spare)
    }

    func run() throws {
        try withExitCodes {
            if let output {
                let bytes = Generator.generate(options(seed: seed)).bytes
                if output == "-" {
                    FileHandle.standardOutput.write(Data(bytes))
                } else {
                    try write(bytes, to: output)
                }
                return
            }
            let directory = outputDir!
            let list: [GeneratorOptions]
            let command: String
            if let suite {
                list = Suite.options(named: suite)!
                command = "drs generate --suite \(suite) --output-dir DIR"
            } else {
                list = (0..<count!).map { options(seed: seed &+ UInt64($0)) }
                command = "drs generate --class \(snapshotClass.rawValue) --hosts \(hosts) --vms \(vms) --resources \(resources)"
                    + " --seed \(seed)" + (goal.map { " --goal \($0.rawValue)" } ?? "")
                    + " --rules-fraction \(JSONWriter.number(rulesFraction))" + (spare.map { " --spare \(JSONWriter.number($0))" } ?? "")
                    + " --count \(count!) --output-dir DIR"
            }
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw ExitFailure(code: 1, message: "--output-dir: cannot create \(directory): \(error.localizedDescription)")
            }
            var entries: [ManifestEntry] = []
            for options in list {
                let generated = Generator.generate(options)
                try write(generated.bytes, to: (directory as NSString).appendingPathComponent(options.fileName))
                entries.append(ManifestEntry(generated))
            }
            try write(Array(Manifest.text(entries, command: command).utf8), to: (directory as NSString).appendingPathComponent("manifest.json"))
        }
    }

    func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } catch {
            throw ExitFailure(code: 1, message: "\(path): cannot write: \(error.localizedDescription)")
        }
    }
}
