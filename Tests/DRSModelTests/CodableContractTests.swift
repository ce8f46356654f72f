import Testing
import Foundation
@_spi(Benchmarks) import DRSModel
import DRSTestSupport

/// `Codable` goes through the contract's own reader and writer: `JSONDecoder` reads what `drs`
/// writes and refuses what the validating reader refuses, with the place.
@Suite struct CodableContractTests {
    @Test("JSONDecoder reads every bundled example as Snapshot.read does, and JSONEncoder's output reads back equal",
          arguments: ["seed-figure-1.json", "maintenance.json", "rules-and-priorities.json", "storage-maintenance.json", "restart-order.json"])
    func snapshotRoundTrip(_ name: String) throws {
        let data = try Data(contentsOf: Fixtures.root.appendingPathComponent("Datasets/examples/\(name)"))
        let read = try Snapshot.read(json: Array(data))
        let decoded = try JSONDecoder().decode(Snapshot.self, from: data)
        #expect(decoded == read)
        let encoded = try JSONEncoder().encode(read)
        #expect(try Snapshot.read(json: Array(encoded)) == read)
        #expect(try JSONDecoder().decode(Snapshot.self, from: encoded) == read)
    }

    @Test("JSONDecoder refuses an invalid snapshot with the validating reader's located issues")
    func invalidSnapshot() throws {
        let text = #"{"resources": ["cpu"], "hosts": [{"id": "h1", "capacity": {"cpu": 10}}], "vms": [{"id": "a", "host": "h1", "demnad": {"cpu": 1}}]}"#
        do {
            _ = try JSONDecoder().decode(Snapshot.self, from: Data(text.utf8))
            Issue.record("an unknown field was decoded")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.debugDescription.contains("vms[0].demnad"), "\(context.debugDescription)")
        }
        let overloaded = #"{"resources": ["cpu"], "hosts": [{"id": "h1", "capacity": {"cpu": 10}}], "vms": [{"id": "a", "host": "h9", "demand": {"cpu": 1}}]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Snapshot.self, from: Data(overloaded.utf8)) }
    }

    @Test("JSONEncoder writes a plan as drs writes it: Plan.read reads it back")
    func planEncodes() throws {
        let steps = [Step(wave: 1, kind: .migrate, vm: "a", from: "h1", to: "h2", seconds: 12.5, priority: 1, applied: true, reason: "maintenance"),
                     Step(wave: 2, kind: .standby, host: "h1", seconds: 0, priority: 2, applied: true, reason: "consolidate")]
        let plan = Plan(status: .feasible, solver: "greedy", automation: .full, objective: Objective(), seconds: 0.25,
                        placement: ["a": "h2"], secondaries: [:], unplaced: [], reasons: [:], haMaster: "h2", steps: steps)
        let encoded = try JSONEncoder().encode(plan)
        let back = try Plan.read(json: Array(encoded))
        #expect(back.status == .feasible && back.placement == ["a": "h2"] && back.haMaster == "h2")
        #expect(back.steps.map(\.kind) == [.migrate, .standby] && back.steps[0].to == "h2" && back.steps[0].seconds == 12.5)
        let object = try JSONSerialization.jsonObject(with: encoded) as! [String: Any]
        #expect(object["schemaVersion"] as? Int == 1 && object["solver"] as? String == "greedy")
    }
}
