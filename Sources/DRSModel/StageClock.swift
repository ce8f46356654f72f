#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opt-in CPU accounting by stage, for scale measurements (`Benchmarks/scale/run.sh`): when
/// the environment has `DRS_STAGE_TIMES=1`, each `lap(_:)` charges the process CPU time (user +
/// system, all threads) spent since the previous lap to the stage it names, and `report()`
/// lists the stages with the peak resident memory reached by the end of each. Without the
/// variable a lap is one load and a branch. Laps are taken on the main thread only, between
/// stages: the stages themselves may use threads.
package enum StageClock {
    /// Whether `DRS_STAGE_TIMES=1` is set (read once).
    package static let enabled: Bool = {
        guard let value = getenv("DRS_STAGE_TIMES") else { return false }
        return String(cString: value) == "1"
    }()

    /// One stage's totals: CPU seconds charged to it and the process's peak RSS (KiB) when it
    /// last ended.
    package struct Stage: Sendable {
        /// The stage's name, as given to `lap`.
        package var name: String
        /// CPU seconds charged to the stage, summed over its laps.
        package var cpuSeconds: Double
        /// Peak resident set size of the process, KiB, at the end of the stage's last lap.
        package var peakKiB: Int
    }

    nonisolated(unsafe) private static var previous: Double = 0
    nonisolated(unsafe) private static var recorded: [Stage] = []

    /// Ends a stage: the CPU time since the previous lap (since the process started, for the
    /// first) is added to `name`'s total. Does nothing unless `enabled`.
    @inline(__always)
    package static func lap(_ name: String) {
        if enabled { record(name) }
    }

    /// The stages recorded so far, in the order they first ended.
    package static var stages: [Stage] { recorded }

    private static func record(_ name: String) {
        let now = cpuSeconds()
        let peak = peakKiB()
        if let index = recorded.firstIndex(where: { $0.name == name }) {
            recorded[index].cpuSeconds += now - previous
            recorded[index].peakKiB = peak
        } else {
            recorded.append(Stage(name: name, cpuSeconds: now - previous, peakKiB: peak))
        }
        previous = now
    }

    /// One line per stage, `stage NAME cpu=SECONDS peak_rss_kib=KIB`, then `stage total ...`
    /// with the process's CPU time and peak RSS; empty unless `enabled`.
    package static func report() -> String {
        guard enabled else { return "" }
        var lines = recorded.map { stage in
            "stage \(stage.name) cpu=\(format(stage.cpuSeconds)) peak_rss_kib=\(stage.peakKiB)"
        }
        lines.append("stage total cpu=\(format(cpuSeconds())) peak_rss_kib=\(peakKiB())")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func format(_ seconds: Double) -> String {
        let micro = Int((seconds * 1e6).rounded())
        let fraction = String(micro % 1_000_000)
        return "\(micro / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// CPU time of the process so far (user + system, every thread), seconds.
    package static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Peak resident set size of the process so far, KiB (getrusage's `ru_maxrss`).
    package static func peakKiB() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss)
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss / 1024)
        #endif
    }
}
