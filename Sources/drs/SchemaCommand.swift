import ArgumentParser

/// `drs schema snapshot|plan`: the JSON Schemas (draft 2020-12) of the snapshot and the plan,
/// the same text as `Schemas/*.schema.json` in the repository (a test holds them equal and
/// validates every example, generated snapshot and plan against them with an independent
/// validator).
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schema", abstract: "Print the JSON Schema (draft 2020-12) of the snapshot or the plan.")

    enum Document: String, ExpressibleByArgument, CaseIterable {
        case snapshot, plan
    }

    @Argument(help: "snapshot or plan.")
    var document: Document

    func run() throws {
        print(document == .snapshot ? JSONSchemas.snapshot : JSONSchemas.plan, terminator: "")
    }
}
