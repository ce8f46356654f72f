import Testing
@testable import DRSSim
@_spi(Benchmarks) import DRSModel

@Suite struct PowerModelTests {
    @Test func interpolatesBetweenTenths() {
        let model = PowerModel.hpProLiantG4
        #expect(model.power(at: 0) == 86)
        #expect(model.power(at: 1) == 117)
        #expect(abs(model.power(at: 0.25) - (92.6 + (96 - 92.6) / 2)) < 1e-9)
        #expect(abs(PowerModel.hpProLiantG5.power(at: 0.47) - (110 + 0.7 * 6)) < 1e-9)
    }

    @Test func refusesAModelWithoutElevenValues() {
        #expect(PowerModel(watts: [1, 2, 3]) == nil)
        #expect(PowerModel(watts: Array(repeating: -1, count: 11)) == nil)
        #expect(PowerModel(watts: Array(repeating: 100, count: 11)) != nil)
    }
}

import DRSModel

@Suite struct SnapshotPowerTests {
    @Test func hostsPowerRoundTripsAndIsOptional() throws {
        let text = """
            {"schemaVersion": 1, "resources": ["cpu"],
             "hosts": [{"id": "a", "capacity": {"cpu": 10}, "power": [86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117]},
                       {"id": "b", "capacity": {"cpu": 10}}],
             "vms": []}
            """
        let snapshot = try Snapshot.read(json: text)
        #expect(snapshot.hosts[0].power == PowerModel.hpProLiantG4.watts)
        #expect(snapshot.hosts[1].power == nil)
        let again = try Snapshot.read(json: JSONWriter.write(snapshot.json))
        #expect(again == snapshot)
    }

    @Test func aPowerModelMustHoldElevenNumbersAtLeastZero() {
        func issues(_ power: String) -> [String] {
            do {
                _ = try Snapshot.read(json: "{\"schemaVersion\": 1, \"hosts\": [{\"id\": \"a\", \"capacity\": {\"cpu\": 1}, \"power\": \(power)}], \"vms\": []}")
                return []
            } catch {
                return error.issues.map(\.description)
            }
        }
        #expect(issues("[1, 2]") == ["hosts[0].power: must list 11 power values (watts at 0%, 10%, ..., 100% CPU), got 2"])
        #expect(issues("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1]") == ["hosts[0].power[10]: must be a finite number >= 0, got -1"])
        #expect(issues("\"low\"").count == 1)
    }
}
