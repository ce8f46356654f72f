import Testing
@testable import DRSSim

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
