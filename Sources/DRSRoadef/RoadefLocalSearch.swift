@_spi(Benchmarks) import DRSModel

/// What `RoadefLocalSearch.solve` found: the best assignment seen, its cost, and how the search
/// went.
public struct RoadefSearchResult: Sendable {
    /// The best feasible assignment found (the original when nothing better was).
    public var assignment: [Int]
    /// Its official cost (`RoadefEvaluator`'s total).
    public var cost: Int
    /// Moves evaluated and moves accepted.
    public var iterations: Int
    public var accepted: Int
    /// (seconds since the start, best cost then) at every new best, the first at 0.
    public var trace: [(seconds: Double, cost: Int)]
}

/// Late acceptance hill climbing (Burke and Bykov) over two moves, with the official cost as
/// the objective and every hard constraint kept at every step:
/// - relocate: a random process to a random other machine;
/// - swap: two random processes on different machines exchange machines.
/// A feasible move is accepted when the cost after it is at most the current cost or at most
/// the cost `historyLength` iterations ago. Each move is applied to `RoadefState`, checked
/// where it changed something, and undone when refused: O(R + B + D) per move.
///
/// Deterministic for a seed and a number of iterations; with a time limit, the number of
/// iterations depends on the machine's speed and load. The original assignment must be
/// feasible (the challenge's always are); otherwise it is returned unchanged.
public enum RoadefLocalSearch {
    /// Searches until `timeLimit` seconds have passed or `maximumIterations` moves were tried.
    public static func solve(_ instance: RoadefInstance, original: [Int], timeLimit: Double, seed: UInt64,
                             historyLength: Int = 2000, maximumIterations: Int = .max) -> RoadefSearchResult {
        let clock = ContinuousClock(), start = clock.now
        func elapsed() -> Double {
            let duration = clock.now - start
            return Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        }
        var state = RoadefState(instance, original: original, assignment: original)
        var result = RoadefSearchResult(assignment: original, cost: state.total, iterations: 0, accepted: 0, trace: [(0, state.total)])
        guard RoadefEvaluator.evaluate(instance, original: original, assignment: original).isFeasible,
              instance.machineCount > 1, instance.processCount > 0 else { return result }
        var random = SplitMix64(seed: seed)
        var current = state.total
        var history = Array(repeating: current, count: max(1, historyLength))
        var currentIsBest = true
        var iteration = 0
        while iteration < maximumIterations {
            if iteration & 1023 == 0, elapsed() >= timeLimit { break }
            let p = random.below(instance.processCount), from = state.assignment[p]
            var q = -1, to: Int
            if random.next() & 1 == 0 {
                to = random.below(instance.machineCount - 1)
                if to >= from { to += 1 }
                state.move(p, to: to)
            } else {
                q = random.below(instance.processCount)
                to = state.assignment[q]
                if to == from { iteration += 1; continue }
                state.move(p, to: to)
                state.move(q, to: from)
            }
            let feasible = state.fits(to) && (q < 0 || state.fits(from))
                && state.serviceHolds(instance.service[p], machines: from, to)
                && (q < 0 || state.serviceHolds(instance.service[q], machines: from, to))
            let cost = state.total
            let slot = iteration % history.count
            if feasible, cost <= current || cost <= history[slot] {
                if cost < result.cost {
                    result.cost = cost
                    currentIsBest = true
                    result.trace.append((elapsed(), cost))
                } else if cost > result.cost, currentIsBest {
                    // Leaving the best assignment: keep it (as it was before this move).
                    result.assignment = state.assignment
                    result.assignment[p] = from
                    if q >= 0 { result.assignment[q] = to }
                    currentIsBest = false
                }
                current = cost
                result.accepted += 1
            } else {
                if q >= 0 { state.move(q, to: to) }
                state.move(p, to: from)
            }
            history[slot] = current
            iteration += 1
        }
        if currentIsBest { result.assignment = state.assignment }
        result.iterations = iteration
        return result
    }
}
