import ArgumentParser
import Foundation
@_spi(Benchmarks) import OpenDRS
import DRSImport

extension ImportOptions.Demand: ExpressibleByArgument {}

/// The arguments of `drs import kubernetes|proxmox|govc`.
struct InventoryImportOptions: ParsableArguments {
    @Argument(help: "Export files (- for standard input).")
    var files: [String]

    @Option(name: [.customShort("o"), .long], help: "Write the snapshot to this file (never an input) instead of standard output.")
    var output: String?

    @Option(name: .long, help: "VM demand from the active usage the export reports, or from the configured size.")
    var demand: ImportOptions.Demand = .active

    @Option(name: .long, help: "cluster.name of the snapshot (default: the platform's name).")
    var name: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("give the export file(s)") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("only one FILE can be - (standard input)") }
    }

    /// `drs import FORMAT FILE... [--output SNAPSHOT]`: a cluster inventory export as a
    /// snapshot. What could not be mapped goes to standard error and into `cluster.notes`; a
    /// malformed export exits 2 naming the file and the JSON path. The snapshot is read back
    /// through the validating reader before it is written, so it is valid input for every
    /// command. `--output` writes like `--apply`: never over an input file, atomically.
    func run(_ format: ImportFormat) throws {
        try withExitCodes {
            let target = try output.map { try ApplyTarget($0, inputs: files, option: "--output", inputKind: "one of the export files") }
            let inputs = try files.map { ImportFile(name: $0 == "-" ? "<stdin>" : $0, bytes: try readInput($0)) }
            var cluster: ImportedCluster
            let snapshot: Snapshot
            do {
                cluster = try format.read(inputs, options: ImportOptions(demand: demand, name: name))
                snapshot = try cluster.snapshot(file: inputs.map(\.name).joined(separator: ", "))
            } catch {
                throw ExitFailure(code: ExitStatus.invalidInput, message: "\(error)")
            }
            let warnings = cluster.warnings
            var report = warnings.map { "warning: \($0)" }
            report.append("imported \(snapshot.hosts.count) hosts, \(snapshot.vms.count) VMs, \(snapshot.rules.count) rules"
                          + (warnings.isEmpty ? "" : "; \(warnings.count) warning(s), also in cluster.notes"))
            FileHandle.standardError.write(Data((report.joined(separator: "\n") + "\n").utf8))
            if let target {
                try target.write(snapshot.writeJSON)
            } else {
                try printJSON(snapshot.writeJSON)
            }
        }
    }
}

struct ImportKubernetesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kubernetes", abstract: "kubectl get nodes,pods -A -o json as a snapshot.",
                                                    discussion: ImportFormat.kubernetes.exportCommands)
    @OptionGroup var options: InventoryImportOptions
    func run() throws { try options.run(.kubernetes) }
}

struct ImportProxmoxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "proxmox", abstract: "pvesh get /cluster/resources (and the HA groups and resources) as a snapshot.",
                                                    discussion: ImportFormat.proxmox.exportCommands)
    @OptionGroup var options: InventoryImportOptions
    func run() throws { try options.run(.proxmox) }
}

struct ImportRVToolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rvtools", abstract: "An RVTools export (.xlsx, or the per-tab CSV files) as a snapshot.",
                                                    discussion: ImportFormat.rvtools.exportCommands)
    @OptionGroup var options: InventoryImportOptions
    func run() throws { try options.run(.rvtools) }
}

struct ImportGovcCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "govc", abstract: "govc host.info, vm.info and object.collect configurationEx (JSON) as a snapshot.",
                                                    discussion: ImportFormat.govc.exportCommands)
    @OptionGroup var options: InventoryImportOptions
    func run() throws { try options.run(.govc) }
}
