import Testing
import Foundation
import DRSTestSupport

/// The release metadata agree: `drs --version`, the top entry of CHANGELOG.md, the LICENSE and
/// the README's license section.
@Suite struct ReleaseTests {
    func file(_ name: String) throws -> String {
        try String(contentsOf: Fixtures.root.appendingPathComponent(name), encoding: .utf8)
    }

    @Test func versionIsTheChangelogsLatestRelease() throws {
        let result = try Fixtures.drs(["--version"])
        #expect(result.code == 0)
        let version = result.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.split(separator: ".").count == 3 && version.split(separator: ".").allSatisfy { Int($0) != nil },
                "drs --version should print X.Y.Z, got \(version)")
        let heading = try file("CHANGELOG.md").split(separator: "\n").first { $0.hasPrefix("## ") && $0.dropFirst(3).first?.isNumber == true }
        #expect(heading?.hasPrefix("## \(version) ") == true, "CHANGELOG.md's latest release is \(heading ?? "missing"), drs says \(version)")
    }

    @Test func licenseAndReadmeSayWhatAppliesToWhat() throws {
        let license = try file("LICENSE")
        #expect(license.contains("Apache License") && license.contains("Version 2.0, January 2004"))
        #expect(license.contains("END OF TERMS AND CONDITIONS"))
        let readme = try file("README.md")
        #expect(readme.contains("Apache License 2.0") && readme.contains("GPL-3.0-or-later"))
    }
}
