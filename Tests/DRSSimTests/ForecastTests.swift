import Testing
@testable import DRSSim

@Suite struct ForecastTests {
    let history: ArraySlice<Double> = [0.5, 0.2, 0.9, 0.1, 0.3]   // newest first

    @Test func predictions() {
        #expect(Forecast.last.predict(history) == 0.5)
        #expect(Forecast.movingMax(window: 2).predict(history) == 0.5)
        #expect(Forecast.movingMax(window: 3).predict(history) == 0.9)
        #expect(Forecast.percentile(quantile: 0.5, window: 5).predict(history) == 0.3)
        #expect(Forecast.percentile(quantile: 1, window: 5).predict(history) == 0.9)
        // Oldest first 0.3, 0.1, 0.9, 0.2, 0.5: slope 0.05, intercept 0.25, next value 0.55.
        #expect(abs(Forecast.localRegression(window: 5).predict(history) - 0.55) < 1e-12)
        #expect(Forecast.movingMax(window: 6).predict([]) == 0)
    }

    @Test func namesRoundTrip() {
        for name in ["last", "max6", "lr10", "p90-12"] { #expect(Forecast(name: name)?.description == name) }
        for name in ["max0", "lr2", "p0-5", "p90", "mean"] { #expect(Forecast(name: name) == nil) }
    }
}
