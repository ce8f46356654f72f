import Foundation

/// The ROADEF/EURO Challenge 2012 set A, which is not committed: the archive
/// `roadef2012-setA.tar.xz` in `../shared/data/roadef2012` beside the repository (the folder
/// `ROADEF2012_DATA` names instead, when set), unpacked once per test process into a temporary
/// folder. Tests that need it are disabled with `RoadefData.missing` as the reason when the
/// archive is absent.
package enum RoadefData {
    /// The ten set A instances with the initial cost published with the challenge data.
    package static let initialCosts: [(name: String, cost: Int)] = [
        ("a1_1", 49_528_750), ("a1_2", 1_061_649_570), ("a1_3", 583_662_270), ("a1_4", 632_499_600),
        ("a1_5", 782_189_690), ("a2_1", 391_189_190), ("a2_2", 1_876_768_120), ("a2_3", 2_272_487_840),
        ("a2_4", 3_223_516_130), ("a2_5", 787_355_300),
    ]

    /// A small model whose costs are worked out by hand in the tests (`TinyRoadef`).
    package static let tinyModel = """
        2
        0 10
        1 5
        4
        0 0 12 12 8 8 0 1 2 3
        0 1 12 12 8 8 1 0 1 2
        1 0 12 12 8 8 2 1 0 1
        1 1 12 12 8 8 3 2 1 0
        3
        2 0
        0 1 0
        0 0
        4
        0 5 5 1
        0 5 5 1
        1 4 4 2
        2 4 8 3
        1
        0 1 2
        2
        1 10 100

        """

    /// The folder holding the archive.
    package static var dataFolder: URL {
        if let given = ProcessInfo.processInfo.environment["ROADEF2012_DATA"], !given.isEmpty {
            return URL(fileURLWithPath: given)
        }
        return Fixtures.root.deletingLastPathComponent().appendingPathComponent("shared/data/roadef2012")
    }

    static var archive: URL { dataFolder.appendingPathComponent("roadef2012-setA.tar.xz") }

    /// True when the archive exists.
    package static var available: Bool { FileManager.default.fileExists(atPath: archive.path) }

    /// Why the tests that need the data are skipped.
    package static var missing: String {
        "ROADEF 2012 set A not found: expected \(archive.path) (set ROADEF2012_DATA to its folder)"
    }

    /// The unpacked files (`model_a1_1.txt`, `assignment_a1_1.txt`, ...), or nil when the archive
    /// is missing or cannot be unpacked.
    package static let folder: URL? = {
        guard available else { return nil }
        let target = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("opendrs-roadef-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tar", "-xJf", archive.path, "-C", target.path]
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        return process.terminationStatus == 0 ? target : nil
    }()

    /// The bytes of one unpacked file.
    package static func bytes(_ name: String) throws -> [UInt8] {
        guard let folder else { throw CocoaError(.fileNoSuchFile) }
        return Array(try Data(contentsOf: folder.appendingPathComponent(name)))
    }

    /// The path of one unpacked file.
    package static func path(_ name: String) -> String {
        (folder ?? URL(fileURLWithPath: "/nonexistent")).appendingPathComponent(name).path
    }
}
