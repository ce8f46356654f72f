import Testing
import Foundation
import DRSTestSupport

/// Each import fixture as an operator would use it after import: partial automation with one
/// VM set to manual, capacity cut until the cluster is tight (80% everywhere, the host with the
/// most VMs 10% under what they use), then `drs plan --apply`. The plan passes `drs check` and
/// recommends a mandatory migration off the overloaded host; only placements and HA steps are
/// applied (SPEC section 3), never one of the manual VM; NEXT.json validates, keeps every other
/// VM where it was, and the input is never written.
@Suite(.serialized) struct ImportedClusterPlanningTests {
    @Test(arguments: ImportTests.fixtures.map(\.format))
    func tightPartialAutomationWithApply(format: String) throws {
        let fixture = ImportTests.fixtures.first { $0.format == format }!
        let helper = ImportTests()
        let snapshot = helper.temporary("snapshot.json"), tight = helper.temporary("tight.json")
        let plan = helper.temporary("plan.json"), next = helper.temporary("next.json")
        defer { for path in [snapshot, tight, plan, next] { try? FileManager.default.removeItem(atPath: path) } }
        let imported = try Fixtures.drs(["import", format] + helper.paths(format, fixture.files) + ["--output", snapshot])
        try #require(imported.code == 0, "\(imported.err)")
        var tree = try helper.object(snapshot)
        var cluster = tree["cluster"] as! [String: Any]
        cluster["automation"] = "partial"
        tree["cluster"] = cluster
        var vms = tree["vms"] as! [[String: Any]]
        let placed = vms.indices.filter { vms[$0]["host"] is String }
        try #require(!placed.isEmpty)
        let manual = vms[placed[0]]["id"] as! String
        vms[placed[0]]["automation"] = "manual"
        tree["vms"] = vms
        // Tight and already broken: every host keeps 80% of its capacity, and the host with the
        // most VMs gets 10% less than its VMs use (so moves off it are mandatory).
        var hosts = tree["hosts"] as! [[String: Any]]
        var load: [String: [String: Double]] = [:]
        for vm in vms where vm["powerState"] as? String != "off" {
            guard let host = vm["host"] as? String else { continue }
            for (resource, value) in vm["demand"] as? [String: Double] ?? [:] { load[host, default: [:]][resource, default: 0] += value }
        }
        let counts = Dictionary(grouping: placed.map { vms[$0]["host"] as! String }, by: { $0 }).mapValues(\.count)
        let busiest = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }!.key
        for h in hosts.indices {
            var capacity = (hosts[h]["capacity"] as! [String: Double]).mapValues { ($0 * 0.8).rounded(.down) }
            if hosts[h]["id"] as? String == busiest {
                for (resource, used) in load[busiest] ?? [:] where used > 0 { capacity[resource] = (used / 1.1).rounded(.down) }
            }
            hosts[h]["capacity"] = capacity
        }
        tree["hosts"] = hosts
        try JSONSerialization.data(withJSONObject: tree).write(to: URL(fileURLWithPath: tight))
        let before = try Data(contentsOf: URL(fileURLWithPath: tight))
        let planned = try Fixtures.drs(["plan", tight, "--solver", "auto", "--time-limit", "5", "--apply", next])
        #expect([0, 3].contains(planned.code), "\(planned.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: tight)) == before, "the input is never written")
        guard planned.code == 0 else { return }
        try planned.out.write(toFile: plan, atomically: true, encoding: .utf8)
        let checked = try Fixtures.drs(["check", tight, plan])
        #expect(checked.code == 0, "\(checked.out)\(checked.err)")
        #expect(try Fixtures.drs(["validate", next]).code == 0)
        let steps = try helper.object(plan)["steps"] as! [[String: Any]]
        // Partial automation applies placements and HA steps only; migrations, the mandatory
        // ones off the overloaded host included, are recommended.
        #expect(steps.contains { $0["kind"] as? String == "migrate" && $0["from"] as? String == busiest && $0["priority"] as? Int == 1 },
                "a mandatory migration off the overloaded host \(busiest): \(steps)")
        for step in steps where step["applied"] as? Bool == true {
            #expect(["place", "restart", "promote", "elect"].contains(step["kind"] as? String ?? ""), "applied under partial: \(step)")
            #expect(step["vm"] as? String != manual, "the manual VM has no applied step: \(step)")
        }
        // NEXT.json: every VM without an applied step where it was.
        let moved = Set(steps.filter { $0["applied"] as? Bool == true }.compactMap { $0["vm"] as? String })
        let nextHosts = Dictionary(uniqueKeysWithValues: (try helper.object(next)["vms"] as! [[String: Any]]).map { ($0["id"] as! String, $0["host"] as? String) })
        for vm in tree["vms"] as! [[String: Any]] where !moved.contains(vm["id"] as! String) {
            #expect(nextHosts[vm["id"] as! String]! == vm["host"] as? String, "\(vm["id"]!) stays where it was")
        }
    }
}
