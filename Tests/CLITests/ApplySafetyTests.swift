import Foundation
@_spi(Benchmarks) import OpenDRS
import DRSTestSupport
import Testing

/// `--apply` never loses a file: it refuses directories and the input however reached, writes
/// through a fresh exclusive temporary file and renames it over the target.
@Suite("--apply writes safely")
struct ApplySafetyTests {
    /// A fresh folder holding `snap.json` (the rules example); returns the folder's path.
    private func workspace(_ name: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = Fixtures.root.appendingPathComponent("Datasets/examples/rules-and-priorities.json")
        try FileManager.default.copyItem(at: source, to: folder.appendingPathComponent("snap.json"))
        return folder.path
    }

    private func contents(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test("applying onto an existing file replaces it on every run, never deletes it")
    func applyOntoAnExistingFileReplacesIt() throws {
        let folder = try workspace("repeat")
        let next = folder + "/next.json"
        for run in 1...3 {
            let result = try Fixtures.drs(["plan", folder + "/snap.json", "--solver", "greedy", "--apply", next])
            #expect(result.code == 0, "run \(run): \(result.err)")
            let written = try Snapshot.read(json: Array(try contents(next)))
            #expect(written.vms.count > 0, "run \(run)")
        }
        // Nothing but the two snapshots is left in the folder (no temporary files).
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names == ["next.json", "snap.json"])
    }

    @Test("a directory is never an apply target", arguments: ["dir", "dir/", "."])
    func aDirectoryIsRefused(target: String) throws {
        let folder = try workspace("dir")
        try FileManager.default.createDirectory(atPath: folder + "/dir", withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: folder + "/dir/keep.txt"))
        let before = try contents(folder + "/snap.json")
        let process = try Fixtures.drs(["plan", folder + "/snap.json", "--apply", target == "." ? folder : folder + "/" + target])
        #expect(process.code == 2, "\(process.err)")
        #expect(process.err.contains("directory"))
        #expect(try contents(folder + "/dir/keep.txt") == Data("keep".utf8))
        #expect(try contents(folder + "/snap.json") == before)
    }

    @Test("the input is never an apply target, through symlinks, dot-dot or hard links")
    func theInputIsRefusedHoweverReached() throws {
        let folder = try workspace("same")
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder + "/real", withIntermediateDirectories: true)
        try fm.copyItem(atPath: folder + "/snap.json", toPath: folder + "/real/snap.json")
        try fm.createSymbolicLink(atPath: folder + "/d", withDestinationPath: "real")
        try fm.createSymbolicLink(atPath: folder + "/link.json", withDestinationPath: "snap.json")
        try fm.linkItem(atPath: folder + "/snap.json", toPath: folder + "/hard.json")
        let original = try contents(folder + "/snap.json")
        let cases: [(input: String, target: String)] = [
            ("real/snap.json", "d/snap.json"),          // a symlinked folder
            ("d/../real/snap.json", "real/snap.json"), // dot-dot through a symlink
            ("snap.json", "link.json"),                // a symlink to the input
            ("snap.json", "hard.json"),                // a hard link to the input
            ("link.json", "snap.json"),                // the input given through a link
        ]
        for (input, target) in cases {
            let result = try Fixtures.drs(["plan", folder + "/" + input, "--apply", folder + "/" + target])
            #expect(result.code == 2, "\(input) -> \(target): \(result.err)")
            #expect(result.err.contains("is the input snapshot"), "\(input) -> \(target)")
        }
        #expect(try contents(folder + "/snap.json") == original)
        #expect(try contents(folder + "/real/snap.json") == original)
    }

    @Test("a symlinked target is followed: the file it names is replaced and the link stays")
    func aSymlinkedTargetIsFollowed() throws {
        let folder = try workspace("follow")
        let fm = FileManager.default
        try Data("old".utf8).write(to: URL(fileURLWithPath: folder + "/other.json"))
        try fm.createSymbolicLink(atPath: folder + "/out.json", withDestinationPath: "other.json")
        let result = try Fixtures.drs(["plan", folder + "/snap.json", "--solver", "greedy", "--apply", folder + "/out.json"])
        #expect(result.code == 0, "\(result.err)")
        #expect(try fm.destinationOfSymbolicLink(atPath: folder + "/out.json") == "other.json")
        _ = try Snapshot.read(json: Array(try contents(folder + "/other.json")))
    }

    @Test("a planted link at a guessable temporary name is never written through")
    func plantedTemporaryLinksAreNotFollowed() throws {
        let folder = try workspace("plant")
        let fm = FileManager.default
        let original = try contents(folder + "/snap.json")
        // Links at every name an older writer used (".next.json.<pid>.tmp" for nearby pids)
        // and at the plain ".next.json.tmp": none of them may be opened.
        let pid = Int(getpid())
        for candidate in (pid...(pid + 200)).map({ ".next.json.\($0).tmp" }) + [".next.json.tmp", "next.json.tmp"] {
            try fm.createSymbolicLink(atPath: folder + "/" + candidate, withDestinationPath: "snap.json")
        }
        let result = try Fixtures.drs(["plan", folder + "/snap.json", "--solver", "greedy", "--apply", folder + "/next.json"])
        #expect(result.code == 0, "\(result.err)")
        #expect(try contents(folder + "/snap.json") == original)
        _ = try Snapshot.read(json: Array(try contents(folder + "/next.json")))
    }

    @Test("an apply target in a missing folder is refused before solving")
    func aMissingFolderIsRefused() throws {
        let folder = try workspace("missing")
        let result = try Fixtures.drs(["plan", folder + "/snap.json", "--apply", folder + "/nowhere/next.json"])
        #expect(result.code == 2)
        #expect(result.err.contains("does not exist"))
        #expect(result.out.isEmpty)
    }
}

@Suite("command-line usage errors")
struct UsageExitCodeTests {
    @Test("usage errors exit 2 like any bad input, help exits 0",
          arguments: [
            (["plan"], 2),
            (["plan", "x.json", "--bogus"], 2),
            (["plan", "x.json", "--time-limit", "abc"], 2),
            (["failover", "x.json"], 2),
            (["nosuchcommand"], 2),
            (["--help"], 0),
            (["plan", "--help"], 0),
          ] as [([String], Int32)])
    func usageErrorsExitTwo(arguments: [String], expected: Int32) throws {
        let result = try Fixtures.drs(arguments)
        #expect(result.code == expected, "\(arguments): \(result.err)")
    }
}
