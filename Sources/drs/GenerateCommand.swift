import ArgumentParser
import OpenDRS

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Write benchmark snapshots (classes, sizes, seeds).")

    func run() throws {
        throw ExitFailure(code: 1, message: "drs generate: not available in this build")
    }
}
