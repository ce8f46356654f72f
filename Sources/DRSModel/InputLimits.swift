/// The largest inputs OpenDRS accepts; anything beyond is invalid input (exit 2) with a
/// message naming the place and the limit.
///
/// The numeric bounds keep every quantity, and every sum that the solvers, the MIP and the
/// checker form in integer milli-units (`Int64`, at most about 9.2e18), exact: a single
/// quantity is at most 1e12 units (1e15 milli-units) and each per-resource total at most 1e15
/// units (1e18 milli-units). A host's load, even counting a migrating VM on both ends and an
/// FT secondary like its primary, is part of the demand total; the cluster-wide sums of HA
/// admission control are at most twice it. So no sum reaches 2e18: a margin of more than 4x.
package enum InputLimits {
    /// Largest snapshot or plan, in bytes: 1 GiB. Standard input is read in chunks and
    /// refused as soon as it passes this; a file is refused by its size before reading.
    package static let maximumInputBytes = 1 << 30

    /// Largest single quantity, in snapshot units: a demand, a capacity, a VM's migration
    /// `memory` (MiB) and `dirtyRate` (MiB/s), the cluster's migration `bandwidth` (MiB/s).
    package static let maximumQuantity: Double = 1e12

    /// Smallest migration bandwidth, MiB/s: keeps migration-time estimates finite.
    package static let minimumBandwidth: Double = 1e-3

    /// Largest per-resource total, in snapshot units, both of the VMs' demands (every VM,
    /// powered off included, an FT VM counted twice for its secondary) and of the hosts'
    /// capacities.
    package static let maximumTotal: Double = 1e15

    /// Longest duration a snapshot states (`cluster.ha.restartDelay`), seconds (about 11.6 days).
    package static let maximumSeconds: Double = 1e6

    /// Longest `--time-limit`, seconds (about 11.6 days).
    package static let maximumTimeLimit: Double = 1e6

    /// Problems reported one by one; further ones are only counted ("... and K more").
    package static let maximumReportedIssues = 50

    /// Largest `wave` of a plan step that `Plan.read` accepts.
    package static let maximumWave = 1_000_000_000

    /// A limit as people read it: `1e12` for a power of ten from 1e6 up, else the plain number.
    static func text(_ value: Double) -> String {
        if value >= 1e6, value.isFinite {
            let exponent = value.exponentOfTen
            if let exponent { return "1e\(exponent)" }
        }
        return JSONWriter.number(value)
    }

    /// Reads a stream in chunks until `read` returns an empty chunk, refusing past `limit`
    /// bytes: the memory used stays at most `limit` plus one chunk whatever the stream.
    package static func readBounded(limit: Int = maximumInputBytes,
                                   _ read: () throws -> [UInt8]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            let chunk = try read()
            if chunk.isEmpty { return bytes }
            if bytes.count + chunk.count > limit { throw InputTooLarge(limit: limit) }
            bytes.append(contentsOf: chunk)
        }
    }
}

/// Input longer than `InputLimits.maximumInputBytes` (or the limit given).
package struct InputTooLarge: Error, Sendable, CustomStringConvertible {
    /// The limit passed, bytes.
    package var limit: Int
    /// The error for input over `limit` bytes.
    package init(limit: Int) { self.limit = limit }
    /// The message, with the limit in the largest exact unit (`bytesText`).
    package var description: String {
        "input larger than \(InputTooLarge.bytesText(limit)), the most OpenDRS reads; nothing was solved"
    }

    /// `1 GiB`, `64 KiB` or a plain byte count.
    package static func bytesText(_ bytes: Int) -> String {
        for (unit, size) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where bytes >= size && bytes % size == 0 {
            return "\(bytes / size) \(unit)"
        }
        return "\(bytes) bytes"
    }
}

extension Double {
    /// k when the value is exactly 10^k for a whole k in 0...300, else nil.
    fileprivate var exponentOfTen: Int? {
        var power = 1.0
        for k in 0...300 {
            if power == self { return k }
            if power > self { return nil }
            power *= 10
        }
        return nil
    }
}
