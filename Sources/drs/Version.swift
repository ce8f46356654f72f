/// The OpenDRS release this source tree is: `drs --version` prints it, the top entry of
/// CHANGELOG.md names it, and the release commit is tagged `v` + it (a test holds the first two
/// equal).
enum Release {
    static let version = "0.3.0"
}
