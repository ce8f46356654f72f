import Testing
import DRSModel
import DRSTestSupport

/// The stages made linear for large clusters answer as a scan of every host would: the
/// two-host fit question of FT VMs and hard vmHost restrictions kept as host sets (the
/// constructive solvers' scan of a restricted VM's allowed hosts is in DRSHeuristicsTests).
@Suite("linear stages")
struct LinearStagesTests {
    static func hostsJSON(_ hosts: [(String, Double, Double)]) -> String {
        "[" + hosts.map { #"{"id": "\#($0.0)", "capacity": {"cpu": \#($0.1), "memory": \#($0.2)}}"# }.joined(separator: ", ") + "]"
    }

    /// Many small hosts, plus `large`.
    static func cluster(_ large: [(String, Double, Double)]) -> String {
        hostsJSON(large + (0..<40).map { ("s\($0)", 10, 10) })
    }

    static let ftVM = #"[{"id": "ft", "demand": {"cpu": 50, "memory": 50}, "ft": {"secondaryHost": null}}]"#

    @Test("an FT VM that only one host can hold is refused, whatever the number of small hosts")
    func ftFitsOneHost() {
        let issues = Fixtures.issues(Fixtures.json(hosts: Self.cluster([("big", 100, 100)]), vms: Self.ftVM))
        #expect(issues.contains { $0.path == "vms[0].demand" && $0.message.contains("fits only one host") })
    }

    @Test("an FT VM fits two hosts: two copies of one vector, two skyline vectors, or a dominated host that still fits",
          arguments: [
              [("a", 100.0, 100.0), ("b", 100.0, 100.0)],
              [("a", 200.0, 60.0), ("b", 60.0, 200.0)],
              [("a", 100.0, 100.0), ("b", 60.0, 60.0)],
          ])
    func ftFitsTwoHosts(_ large: [(String, Double, Double)]) {
        #expect(Fixtures.issues(Fixtures.json(hosts: Self.cluster(large), vms: Self.ftVM)).isEmpty)
    }

    @Test("a dominated host too small for the FT VM does not count as its second host")
    func dominatedHostTooSmall() {
        let issues = Fixtures.issues(Fixtures.json(hosts: Self.cluster([("a", 100, 100), ("b", 49, 100)]), vms: Self.ftVM))
        #expect(issues.contains { $0.message.contains("fits only one host") })
    }

    @Test("must rules with disjoint hosts leave a VM no allowed host; must and mustNot together leave the rest")
    func restrictionSets() {
        let hosts = Self.hostsJSON([("h1", 100, 100), ("h2", 100, 100), ("h3", 100, 100)])
        let vms = #"[{"id": "v1", "demand": {"cpu": 1, "memory": 1}}]"#
        let disjoint = #"[{"id": "a", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1"], "policy": "must"}, {"id": "b", "kind": "vmHost", "vms": ["v1"], "hosts": ["h2"], "policy": "must"}]"#
        #expect(Fixtures.issues(Fixtures.json(hosts: hosts, vms: vms, rules: disjoint)).contains { $0.message.contains("left no allowed host") })
        let overlapping = #"[{"id": "a", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1", "h2"], "policy": "must"}, {"id": "b", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1"], "policy": "mustNot"}]"#
        #expect(Fixtures.issues(Fixtures.json(hosts: hosts, vms: vms, rules: overlapping)).isEmpty)
        let allForbidden = #"[{"id": "a", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1", "h2"], "policy": "mustNot"}, {"id": "b", "kind": "vmHost", "vms": ["v1"], "hosts": ["h3"], "policy": "mustNot"}]"#
        #expect(Fixtures.issues(Fixtures.json(hosts: hosts, vms: vms, rules: allForbidden)).contains { $0.message.contains("left no allowed host") })
    }

    @Test("an affinity group whose allowed hosts cannot hold it together is refused; one that fits is not")
    func affinityGroupOnAllowedHosts() {
        let hosts = Self.hostsJSON((0..<20).map { ("h\($0)", $0 == 7 ? 100 : 30, 100) })
        let vms = #"[{"id": "v1", "demand": {"cpu": 20, "memory": 1}}, {"id": "v2", "demand": {"cpu": 20, "memory": 1}}]"#
        let together = #"{"id": "together", "kind": "affinity", "vms": ["v1", "v2"], "required": true}"#
        let onSmall = #"[\#(together), {"id": "small", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1", "h2"], "policy": "must"}]"#
        #expect(Fixtures.issues(Fixtures.json(hosts: hosts, vms: vms, rules: onSmall)).contains { $0.message.contains("together fits no allowed host") })
        let onLarge = #"[\#(together), {"id": "large", "kind": "vmHost", "vms": ["v1"], "hosts": ["h1", "h7"], "policy": "must"}]"#
        #expect(Fixtures.issues(Fixtures.json(hosts: hosts, vms: vms, rules: onLarge)).isEmpty)
    }
}
