import ArgumentParser
import OpenDRS

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Run solvers over snapshots and write results.")

    func run() throws {
        throw ExitFailure(code: 1, message: "drs bench: not available in this build")
    }
}
