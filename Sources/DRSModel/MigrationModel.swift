/// The iterative pre-copy model of a live migration (SPEC section 2).
///
/// Round 0 copies all memory M; round k copies what the VM dirtied during round k-1,
/// M x (D/B)^k. Pre-copy stops when what is left would take at most `downtimeTarget` seconds
/// to send, after `maximumRounds` rounds, or once 3 x M has been sent; the rest is sent with
/// the VM paused (the downtime). The estimate is total MiB sent / B plus 1 s of setup.
@_spi(Benchmarks) public struct MigrationEstimate: Sendable, Equatable {
    /// Estimated wall time of the migration, seconds, setup included.
    package var seconds: Double
    /// Seconds the VM is paused for the final stop-and-copy.
    package var downtime: Double
    /// Total MiB sent.
    package var megabytesSent: Double
    /// Pre-copy rounds run before the stop-and-copy (round 0 included).
    package var rounds: Int
}

/// The constants of the pre-copy model and its estimate (see `MigrationEstimate`).
@_spi(Benchmarks) public enum MigrationModel {
    /// Setup time added to every estimate, seconds.
    package static let setupSeconds = 1.0
    /// Pre-copy stops once what is left would take at most this long to send, seconds.
    package static let downtimeTarget = 0.3
    /// Pre-copy rounds at most, round 0 included.
    package static let maximumRounds = 30
    /// Pre-copy stops once this many times the memory has been sent.
    package static let maximumVolumeFactor = 3.0

    /// Estimates one live migration. `memory` in MiB, `dirtyRate` in MiB/s, `bandwidth` in
    /// MiB/s (> 0). O(rounds) <= 30 iterations.
    public static func estimate(memory: Double, dirtyRate: Double, bandwidth: Double) -> MigrationEstimate {
        precondition(bandwidth > 0, "bandwidth must be positive")
        let ratio = dirtyRate / bandwidth
        var sent = memory
        var left = memory * ratio
        var rounds = 1
        while left / bandwidth > downtimeTarget && rounds < maximumRounds && sent < maximumVolumeFactor * memory {
            sent += left
            left *= ratio
            rounds += 1
        }
        let downtime = left / bandwidth
        sent += left
        return MigrationEstimate(seconds: sent / bandwidth + setupSeconds, downtime: downtime,
                                 megabytesSent: sent, rounds: rounds)
    }

    /// The most live migrations a host may take part in at once (1...`limit`) while a migration
    /// of this VM through it keeps its estimated downtime within `maxDowntime`: the VM's
    /// migration gets `bandwidth` / k when k migrations share a host, and every k up to the
    /// answer is within the limit. 0 when even a migration alone exceeds it (the VM cannot be
    /// live-migrated). O(limit x rounds).
    package static func maximumSharing(memory: Double, dirtyRate: Double, bandwidth: Double, maxDowntime: Double, limit: Int) -> Int {
        var sharing = 0
        while sharing < limit
                && estimate(memory: memory, dirtyRate: dirtyRate, bandwidth: bandwidth / Double(sharing + 1)).downtime <= maxDowntime {
            sharing += 1
        }
        return sharing
    }

    /// For each step, how many live migrations share the bandwidth of its busier host in its
    /// wave (the step's own included): the wave's live `migrate` steps (not cold), primaries
    /// and secondaries, counted per source and destination host; 0 for other steps. A live
    /// migration gets the cluster's bandwidth divided by this. O(steps).
    package static func sharing(of steps: [Step]) -> [Int] {
        var perHost: [Int: [String: Int]] = [:]
        func isLive(_ step: Step) -> Bool { step.kind == .migrate && step.cold != true && step.from != nil && step.to != nil }
        for step in steps where isLive(step) {
            perHost[step.wave, default: [:]][step.from!, default: 0] += 1
            perHost[step.wave, default: [:]][step.to!, default: 0] += 1
        }
        return steps.map { step in
            guard isLive(step), let hosts = perHost[step.wave] else { return 0 }
            return max(hosts[step.from!] ?? 0, hosts[step.to!] ?? 0)
        }
    }

    /// Whether pre-copy cannot converge: the VM dirties memory at least as fast as `bandwidth`
    /// sends it, so the rounds never shrink and the stop-and-copy carries what the last round left.
    package static func diverges(dirtyRate: Double, bandwidth: Double) -> Bool {
        dirtyRate > 0 && dirtyRate >= bandwidth
    }
}

/// How migration seconds are priced against the goal term, set by `migrationThreshold`.
///
/// A move whose goal improvement is Δ and whose estimated migration takes s seconds has
/// recommendation priority p (2...5) when Δ > lambda(p) x s for the smallest such p; priority 1
/// is reserved for mandatory moves. Threshold k keeps moves with priority <= k, which is
/// exactly the moves that pay for themselves at lambda(k): so the score's lambda is
/// lambda(threshold), and every solver uses this one table. Threshold 1 prices optional moves
/// out entirely (lambda = +infinity in effect; mandatory moves are forced by hard constraints).
///
/// Units: per second of migration, in units of the goal term (imbalance for `balance`,
/// hosts for `consolidate`). Each step down the scale is a factor of 4.
package enum MigrationCost {
    /// The score's lambda for `threshold`: 0.004 (`balance`) or 0.04 (`consolidate`) at 2, divided
    /// by 4 per level up to 5 (higher counts as 5); 1e6 at 1 and below.
    package static func lambda(goal: Goal, threshold: Int) -> Double {
        let base: Double = goal == .balance ? 0.004 : 0.04
        switch threshold {
        case ...1: return 1e6
        case 2: return base
        case 3: return base / 4
        case 4: return base / 16
        default: return base / 64
        }
    }

    /// The recommendation priority (2...5) of an optional move with goal improvement `benefit`
    /// costing `seconds`; 6 when it does not pay for itself even at threshold 5.
    package static func priority(goal: Goal, benefit: Double, seconds: Double) -> Int {
        for priority in 2...5 where benefit > lambda(goal: goal, threshold: priority) * seconds {
            return priority
        }
        return 6
    }
}
