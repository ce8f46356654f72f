import Testing
import Foundation
import DRSTestSupport
import DRSImport

/// `drs import`: each fixture under `Datasets/import/FORMAT` (written to match the tool's
/// documented output) becomes a snapshot that validates, matches the JSON Schema, plans, passes
/// `drs check` and turns into commands for every target; malformed exports exit 2 naming the
/// file and the place; `--output` never overwrites an export.
@Suite(.serialized) struct ImportTests {
    static let fixtures: [(format: String, files: [String], target: String)] = [
        ("kubernetes", ["cluster.json"], "kubernetes"),
        ("proxmox", ["resources.json", "ha-groups.json", "ha-resources.json"], "proxmox"),
        ("govc", ["hosts.json", "vms.json", "cluster.json"], "vsphere"),
        ("rvtools", ["rvtools.xlsx"], "vsphere"),
    ]

    func paths(_ format: String, _ files: [String]) -> [String] {
        files.map { Fixtures.root.appendingPathComponent("Datasets/import/\(format)/\($0)").path }
    }

    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("opendrs-import-\(UUID().uuidString)-\(name)").path
    }

    func object(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    @Test(arguments: fixtures.map(\.format))
    func fixtureToSnapshotToPlanToCommands(format: String) throws {
        let fixture = Self.fixtures.first { $0.format == format }!
        let snapshot = temporary("snapshot.json"), plan = temporary("plan.json")
        defer { for path in [snapshot, plan] { try? FileManager.default.removeItem(atPath: path) } }
        let imported = try Fixtures.drs(["import", format] + paths(format, fixture.files) + ["--output", snapshot])
        try #require(imported.code == 0, "\(imported.err)")
        #expect(imported.err.contains("imported "))
        #expect(try Fixtures.drs(["validate", snapshot]).code == 0)
        let schema = try SchemaTests().verdicts("snapshot", [snapshot], in: FileManager.default.temporaryDirectory)
        #expect(schema[snapshot]! == nil, "the JSON Schema refuses the imported snapshot: \(schema[snapshot]!!)")
        // Every warning on standard error is a note in the snapshot.
        let notes = (try object(snapshot)["cluster"] as! [String: Any])["notes"] as? [String] ?? []
        let warnings = imported.err.split(separator: "\n").filter { $0.hasPrefix("warning: ") }.map { String($0.dropFirst(9)) }
        #expect(!warnings.isEmpty && notes == warnings)
        let planned = try Fixtures.drs(["plan", snapshot, "--solver", "greedy"])
        try #require(planned.code == 0, "\(planned.err)")
        try planned.out.write(toFile: plan, atomically: true, encoding: .utf8)
        let checked = try Fixtures.drs(["check", snapshot, plan])
        #expect(checked.code == 0, "\(checked.out)\(checked.err)")
        let steps = (try object(plan)["steps"] as! [[String: Any]])
        #expect(!steps.isEmpty, "the fixture should need some steps")
        for target in Set([fixture.target, "vsphere", "openstack"]) {
            let script = try Fixtures.drs(["plan", snapshot, "--solver", "greedy", "--format", "commands", "--target", target, "--all"])
            #expect(script.code == 0, "\(target): \(script.err)")
            #expect(script.out.hasPrefix("#!/bin/sh\n") && script.out.contains("drs_wait 1 "))
        }
    }

    @Test func kubernetesMapsNodesPodsAndRules() throws {
        let path = temporary("k8s.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Fixtures.drs(["import", "kubernetes"] + paths("kubernetes", ["cluster.json"]) + ["-o", path])
        try #require(result.code == 0, "\(result.err)")
        let snapshot = try object(path)
        #expect(snapshot["resources"] as? [String] == ["cpu", "memory", "pods"])
        let hosts = snapshot["hosts"] as! [[String: Any]]
        #expect(hosts.map { $0["id"] as! String } == ["cp-1", "worker-1", "worker-2", "worker-3"])
        #expect(hosts[3]["state"] as? String == "maintenance")
        // worker-1: allocatable 7800m less kube-proxy's (no) requests.
        #expect((hosts[1]["capacity"] as! [String: Double])["cpu"] == 7800)
        // cp-1: 3800m less the static kube-apiserver's 250m.
        #expect((hosts[0]["capacity"] as! [String: Double])["cpu"] == 3550)
        let vms = Dictionary(uniqueKeysWithValues: (snapshot["vms"] as! [[String: Any]]).map { ($0["id"] as! String, $0) })
        #expect(vms["kube-system/kube-proxy-h7s4k"] == nil, "DaemonSet pods are node overhead")
        #expect(vms["batch/nightly-report-29411520-7wq2m"] == nil, "finished pods are left out")
        let web = vms["shop/web-5d8f7b9c4-2kd8s"]!
        // max(500m + 100m, init 1) = 1 core; 512Mi + 64Mi.
        #expect(web["demand"] as! [String: Double] == ["cpu": 1000, "memory": 576, "pods": 1])
        #expect(web["priority"] as? String == "high")
        #expect(vms["shop/web-5d8f7b9c4-p4n6v"]!["host"] is NSNull)
        #expect(vms["shop/debug-shell"]!["automation"] as? String == "disabled")
        #expect(vms["analytics/spark-worker-0"]!["priority"] as? String == "low")
        #expect(vms["kube-system/coredns-7c65d6cfc9-4xk2p"]!["priority"] as? String == "highest")
        let rules = snapshot["rules"] as! [[String: Any]]
        let spread = rules.first { $0["kind"] as? String == "antiAffinity" && $0["required"] as? Bool == true }!
        #expect(Set(spread["vms"] as! [String]) == ["shop/web-5d8f7b9c4-2kd8s", "shop/web-5d8f7b9c4-x9zr1", "shop/web-5d8f7b9c4-p4n6v"])
        let ssd = rules.first { ($0["vms"] as! [String]) == ["shop/db-0"] }!
        #expect(ssd["policy"] as? String == "must" && ssd["hosts"] as? [String] == ["worker-2", "worker-3"])
        let taint = rules.first { $0["policy"] as? String == "mustNot" }!
        #expect(taint["hosts"] as? [String] == ["cp-1"] && !(taint["vms"] as! [String]).contains { $0.hasPrefix("kube-system/coredns") })
        #expect(result.err.contains("topology.kubernetes.io/zone") && result.err.contains("not mapped"))
    }

    @Test func proxmoxMapsNodesGuestsAndHA() throws {
        let path = temporary("pve.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let files = paths("proxmox", ["ha-resources.json", "resources.json", "ha-groups.json"])  // any order
        let result = try Fixtures.drs(["import", "proxmox"] + files + ["-o", path])
        try #require(result.code == 0, "\(result.err)")
        let snapshot = try object(path)
        let hosts = Dictionary(uniqueKeysWithValues: (snapshot["hosts"] as! [[String: Any]]).map { ($0["id"] as! String, $0) })
        #expect(hosts["pve4"]!["state"] as? String == "failed")
        #expect(hosts["pve1"]!["capacity"] as! [String: Double] == ["cpu": 32000.0, "memory": 270_157_905_920.0 / 1_048_576.0])
        #expect(hosts["pve1"]!["datastores"] as? [String] == ["local", "ceph-vm"])
        let vms = Dictionary(uniqueKeysWithValues: (snapshot["vms"] as! [[String: Any]]).map { ($0["id"] as! String, $0) })
        #expect(vms["qemu/9000"] == nil, "templates are left out")
        #expect(vms["qemu/132"]!["powerState"] as? String == "off")
        #expect(vms["qemu/140"]!["powerState"] == nil, "an HA guest on the dead node is down, to be recovered")
        #expect(vms["qemu/101"]!["priority"] as? String == "high" && vms["lxc/131"]!["restartPriority"] as? String == "disabled")
        let web = vms["qemu/101"]!["demand"] as! [String: Double]
        #expect(abs(web["cpu"]! - 0.3611 * 4000) < 1e-6)
        let rules = Dictionary(uniqueKeysWithValues: (snapshot["rules"] as! [[String: Any]]).map { ($0["id"] as! String, $0) })
        #expect(rules["ha-group-db-nodes"]!["policy"] as? String == "must" && rules["ha-group-db-nodes"]!["hosts"] as? [String] == ["pve2", "pve3"])
        #expect(Set(rules["ha-group-db-nodes"]!["vms"] as! [String]) == ["qemu/120", "qemu/121"])
        #expect(rules["ha-group-prefer-pve1-preferred"]!["policy"] as? String == "should" && rules["ha-group-prefer-pve1-preferred"]!["hosts"] as? [String] == ["pve1"])
        // The plan restarts the HA guest of the dead node.
        let plan = try Fixtures.drs(["plan", path, "--solver", "greedy"])
        #expect(plan.out.contains(#""kind": "restart", "vm": "qemu/140""#))
        let configured = try Fixtures.drs(["import", "proxmox"] + files + ["--demand", "configured"])
        #expect(configured.out.contains(#""cpu": 4000, "memory": 8192"#))
    }

    @Test func govcMapsHostsVMsSettingsAndRules() throws {
        let path = temporary("vsphere.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Fixtures.drs(["import", "govc"] + paths("govc", ["cluster.json", "vms.json", "hosts.json"]) + ["-o", path])
        try #require(result.code == 0, "\(result.err)")
        let snapshot = try object(path)
        let cluster = snapshot["cluster"] as! [String: Any]
        #expect(cluster["name"] as? String == "Cluster-01" && cluster["automation"] as? String == "full" && cluster["migrationThreshold"] as? Int == 3)
        #expect((cluster["ha"] as! [String: Any])["hostFailuresToTolerate"] as? Int == 1)
        let hosts = Dictionary(uniqueKeysWithValues: (snapshot["hosts"] as! [[String: Any]]).map { ($0["id"] as! String, $0) })
        #expect(hosts["esx-01.lab.example"]!["capacity"] as! [String: Double] == ["cpu": 62400, "memory": 524288])
        #expect(hosts["esx-03.lab.example"]!["state"] as? String == "maintenance")
        let vms = Dictionary(uniqueKeysWithValues: (snapshot["vms"] as! [[String: Any]]).map { ($0["id"] as! String, $0) })
        #expect(vms.count == 8, "the template and the FT secondary are no VMs of their own")
        #expect((vms["sql-01"]!["ft"] as! [String: Any])["secondaryHost"] as? String == "esx-01.lab.example")
        #expect(vms["sql-01"]!["restartPriority"] as? String == "highest" && vms["backup-proxy"]!["restartPriority"] as? String == "disabled")
        #expect(vms["web-01"]!["demand"] as! [String: Double] == ["cpu": 2410, "memory": 3120])
        #expect(vms["license-srv"]!["automation"] as? String == "disabled" && vms["app-01"]!["automation"] as? String == "partial")
        #expect(vms["backup-proxy"]!["powerState"] as? String == "off")
        let rules = Dictionary(uniqueKeysWithValues: (snapshot["rules"] as! [[String: Any]]).map { ($0["id"] as! String, $0) })
        #expect(rules["web-spread"]!["kind"] as? String == "antiAffinity" && rules["web-spread"]!["required"] as? Bool == true)
        #expect(rules["app-pair"]!["kind"] as? String == "affinity")
        #expect(rules["license-on-small-hosts"]!["policy"] as? String == "must" && rules["license-on-small-hosts"]!["hosts"] as? [String] == ["esx-04.lab.example"])
        #expect(rules["sql-avoid-old"]!["policy"] as? String == "shouldNot")
        #expect(rules["app-after-sql"] == nil && rules["old-spread"] == nil)
        #expect(result.err.contains("app-after-sql") && result.err.contains("old-spread"))
        #expect(vms["license-srv"]!["restartPriority"] as? String == "high")
        // The plan separates web-01 and web-02 and empties esx-03.
        let plan = try Fixtures.drs(["plan", path, "--solver", "greedy", "--format", "commands", "--target", "vsphere"])
        #expect(plan.code == 0, "\(plan.err)")
        #expect(plan.out.contains("govc vm.migrate -host=") && plan.out.contains("govc host.maintenance.enter -- 'esx-03.lab.example'"))
        let configured = try Fixtures.drs(["import", "govc"] + paths("govc", ["cluster.json", "vms.json", "hosts.json"]) + ["--demand", "configured"])
        #expect(configured.out.contains(#""cpu": 10400, "memory": 8192"#))
    }

    static let rvtoolsTabs = ["vInfo", "vCPU", "vHost", "vDatastore", "vCluster"].map { "RVTools_tab\($0).csv" }

    @Test func rvtoolsMapsHostsVMsSettingsAndTheCSVTabsAlike() throws {
        let path = temporary("rvtools.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Fixtures.drs(["import", "rvtools"] + paths("rvtools", ["rvtools.xlsx"]) + ["-o", path])
        try #require(result.code == 0, "\(result.err)")
        let snapshot = try object(path)
        let cluster = snapshot["cluster"] as! [String: Any]
        #expect(cluster["name"] as? String == "Prod-A" && cluster["automation"] as? String == "full" && cluster["migrationThreshold"] as? Int == 3)
        let ha = cluster["ha"] as! [String: Any]
        #expect(ha["enabled"] as? Bool == true && ha["hostFailuresToTolerate"] as? Int == 1)
        let hosts = Dictionary(uniqueKeysWithValues: (snapshot["hosts"] as! [[String: Any]]).map { ($0["id"] as! String, $0) })
        #expect(hosts.count == 4)
        #expect(hosts["esx-a01.lab.example"]!["capacity"] as! [String: Double] == ["cpu": 83200, "memory": 524288])
        #expect(hosts["esx-a04.lab.example"]!["capacity"] as! [String: Double] == ["cpu": 42000, "memory": 262144])
        #expect(hosts["esx-a03.lab.example"]!["state"] as? String == "maintenance")
        #expect(hosts["esx-a04.lab.example"]!["datastores"] as? [String] == ["vsan-prod-a", "nfs-backup"])
        #expect(hosts["esx-a03.lab.example"]!["datastores"] as? [String] == ["vsan-prod-a", "san-gold-01"], "an inaccessible datastore is seen by none")
        let vms = Dictionary(uniqueKeysWithValues: (snapshot["vms"] as! [[String: Any]]).map { ($0["id"] as! String, $0) })
        #expect(vms.count == 8, "the template is left out")
        #expect(vms["web-01"]!["demand"] as! [String: Double] == ["cpu": 2410, "memory": 3120])
        #expect(vms["web-01"]!["restartPriority"] as? String == "medium", "clusterRestartPriority is the cluster's default")
        #expect(vms["sql-01"]!["restartPriority"] as? String == "high" && vms["sql-01"]!["datastores"] as? [String] == ["san-gold-01"])
        #expect(abs((vms["sql-01"]!["disk"] as! Double) - 402113.0 / 1024) < 1e-6)
        #expect(vms["backup-proxy"]!["powerState"] as? String == "off" && vms["backup-proxy"]!["restartPriority"] as? String == "disabled")
        #expect(vms["backup-proxy"]!["demand"] as! [String: Double] == ["cpu": 8400, "memory": 8192], "powered off: the configured size")
        #expect(vms["build-07"]!["powerState"] as? String == "off")
        #expect(vms["sql-01"]!["ft"] == nil)
        for expected in ["web-spread", "Fault Tolerance", "\"sql-01\"", "isolation response \"powerOff\"", "suspended", "1 template(s)"] {
            #expect(result.err.contains(expected), "no warning with \(expected): \(result.err)")
        }
        // The per-tab CSV export, in any order, gives the same snapshot.
        let csv = try Fixtures.drs(["import", "rvtools"] + paths("rvtools", Self.rvtoolsTabs.reversed()))
        try #require(csv.code == 0, "\(csv.err)")
        #expect(csv.out == (try String(contentsOfFile: path, encoding: .utf8)))
        // The plan empties the host in maintenance and keeps each VM on hosts that see its datastore.
        let plan = try Fixtures.drs(["plan", path, "--solver", "greedy", "--format", "json"])
        #expect(plan.code == 0, "\(plan.err)")
        let answer = try JSONSerialization.jsonObject(with: Data(plan.out.utf8)) as! [String: Any]
        let target = answer["placement"] as! [String: String]
        #expect(target["sql-01"] == "esx-a01.lab.example" || target["sql-01"] == "esx-a02.lab.example")
        #expect(!target.values.contains("esx-a03.lab.example"))
        let configured = try Fixtures.drs(["import", "rvtools"] + paths("rvtools", ["rvtools.xlsx"]) + ["--demand", "configured"])
        #expect(configured.out.contains(#""cpu": 10400, "memory": 8192"#))
    }

    @Test func rvtoolsPicksOneClusterOfSeveralByName() throws {
        let host = temporary("RVTools_tabvHost.csv"), info = temporary("RVTools_tabvInfo.csv")
        defer { for path in [host, info] { try? FileManager.default.removeItem(atPath: path) } }
        try "Host;Cluster;Speed;# Cores;# Memory\nh1;A;2000;8;65536\nh2;B;2000;8;65536\nh3;B;2000;8;65536\n".write(toFile: host, atomically: true, encoding: .utf8)
        try "VM;Powerstate;CPUs;Memory;Host;Cluster\nv1;poweredOn;2;4096;h1;A\nv2;poweredOn;2;4096;h2;B\n\"v;3\";poweredOn;2;4096;h3;B\n".write(toFile: info, atomically: true, encoding: .utf8)
        let both = try Fixtures.drs(["import", "rvtools", host, info])
        #expect(both.code == 2 && both.err.contains("2 clusters") && both.err.contains("--name"), "\(both.err)")
        let b = try Fixtures.drs(["import", "rvtools", info, host, "--name", "B"])
        try #require(b.code == 0, "\(b.err)")
        let snapshot = try JSONSerialization.jsonObject(with: Data(b.out.utf8)) as! [String: Any]
        #expect((snapshot["hosts"] as! [[String: Any]]).map { $0["id"] as! String } == ["h2", "h3"])
        #expect((snapshot["vms"] as! [[String: Any]]).map { $0["id"] as! String } == ["v2", "v;3"])
        #expect(b.err.contains("1 VM(s) of other clusters left out") && b.err.contains("no vCPU tab"))
    }

    @Test(arguments: [
        (["\"VM\",\"Powerstate\"\n\"a\",\"poweredOn\""], "not an RVTools tab"),
        (["Host,Speed,# Cores,# Memory\r\nh1,fast,8,1024\r\n", "VM,Powerstate,CPUs,Memory,Host\na,poweredOn,2,1024,h1\n"],
         "sheet vHost, row 2, column \"Speed\": must be a number"),
        (["Host,Speed,# Cores,# Memory\nh1,2000,8,1024\n", "VM,Powerstate,CPUs,Memory,Host\na,poweredOn,2,lots,h1\n"],
         "sheet vInfo, row 2, column \"Memory\": must be a number"),
        (["Host,Speed,# Cores,# Memory\nh1,2000,8,1024\n\"h2,2000,8,1024\n"], ":3: a quoted field is not closed"),
        (["Host,Speed,# Cores,# Memory\nh1,2000,8,1e300\n", "VM,Powerstate,CPUs,Memory,Host\na,poweredOn,2,1024,h1\n"],
         "sheet vHost, row 2, column \"# Memory\": must be a number >= 0 and <= 1e12"),
        (["Host,Speed,# Cores,# Memory\nh1,900000000,9000,1024\n", "VM,Powerstate,CPUs,Memory,Host\na,poweredOn,2,1024,h1\n"],
         "sheet vHost, row 2: Speed x # Cores = 8100000000000.0, above 1e12"),
        (["Host,Speed,# Cores,# Memory\nh1,2000,8,1024,extra\n"], ":2: 5 fields, but the header has 4"),
        (["Host,Speed,# Cores,# Memory\nh1,2000,8,1024\n"], "no vInfo tab"),
        (["PK\u{3}\u{4}not a zip at all"], "not an .xlsx workbook"),
    ])
    func malformedRVToolsExportsExit2WithThePlace(texts: [String], place: String) throws {
        let files = texts.indices.map { temporary("tab\($0).csv") }
        for (text, path) in zip(texts, files) { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        defer { for path in files { try? FileManager.default.removeItem(atPath: path) } }
        let result = try Fixtures.drs(["import", "rvtools"] + files)
        #expect(result.code == 2)
        #expect(result.out.isEmpty)
        #expect(files.contains { result.err.contains($0) } && result.err.contains(place), "\(result.err)")
    }

    @Test func csvBytesThatAreNotUTF8AreRefusedWithTheirLine() throws {
        let hosts = temporary("hosts.csv"), vms = temporary("vms.csv")
        defer { for path in [hosts, vms] { try? FileManager.default.removeItem(atPath: path) } }
        try Data("Host,Speed,# Cores,# Memory\nh1,2000,8,1024\n".utf8).write(to: URL(fileURLWithPath: hosts))
        let bytes = Array("VM,Powerstate,CPUs,Memory,Host\na,poweredOn,2,1024,h1\n\"b".utf8) + [0xFF] + Array("\",poweredOn,2,1024,h1\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: vms))
        let result = try Fixtures.drs(["import", "rvtools", hosts, vms])
        #expect(result.code == 2)
        #expect(result.err.contains("\(vms):3: not UTF-8 text"), "\(result.err)")
    }

    @Test(arguments: [
        ("govc", #"{"hostSystems": [{"name": "h", "summary": {"hardware": {"cpuMhz": "fast", "numCpuCores": 2, "memorySize": 1}}}]}"#, "hostSystems[0].summary.hardware.cpuMhz"),
        ("govc", #"{"something": []}"#, "not a govc export"),
        ("kubernetes", #"{"kind": "List", "items": [{"kind": "Node", "metadata": {"name": "n"}, "status": {"allocatable": {"cpu": "12x"}}}]}"#, "items[0].status.allocatable.cpu"),
        ("kubernetes", #"{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "p"}, "spec": {}}]}"#, "no Node in the export"),
        ("kubernetes", #"{"kind": "List", "items": [{"kind": "Node", "metadata": {"name": "n"}, "status": {"allocatable": {}}}, {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"resources": {"requests": {"memory": "1Qi"}}}]}}]}"#, "items[1].spec.containers[0].resources.requests.memory"),
        ("kubernetes", #"{"kind": "List", "items": [{"kind": "Node"}]}"#, "items[0]: missing \"metadata\""),
        ("kubernetes", #"{"kind": "List", "items": [1, 2"#, "not valid JSON"),
        ("kubernetes", #"[1, 2]"#, "not a kubectl JSON export"),
        ("proxmox", #"[{"id": "node/a", "type": "node", "node": "a", "status": "online", "maxmem": 1}]"#, "[0]: missing \"maxcpu\""),
        ("proxmox", #"[{"sid": "vm:abc", "state": "started"}]"#, "[0].sid: not an HA resource id"),
        ("proxmox", #"[{"name": "x"}]"#, "not a pvesh export"),
        ("proxmox", #"{"data": [{"id": "qemu/1", "type": "qemu", "node": "a", "maxcpu": "two", "maxmem": 1}]}"#, "[0].maxcpu: must be a finite number"),
    ])
    func malformedExportsExit2WithThePlace(format: String, text: String, place: String) throws {
        let path = temporary("bad.json")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Fixtures.drs(["import", format, path])
        #expect(result.code == 2)
        #expect(result.out.isEmpty)
        #expect(result.err.contains(path) && result.err.contains(place), "\(result.err)")
    }

    @Test func outputNeverOverwritesAnExport() throws {
        let path = temporary("cluster.json")
        try FileManager.default.copyItem(atPath: paths("kubernetes", ["cluster.json"])[0], toPath: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let result = try Fixtures.drs(["import", "kubernetes", path, "--output", path])
        #expect(result.code == 2 && result.err.contains("never overwritten"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func quantities() {
        #expect(KubernetesQuantity.parse("250m") == 0.25)
        #expect(KubernetesQuantity.parse("2") == 2)
        #expect(KubernetesQuantity.parse("1.5Gi") == 1.5 * 1_073_741_824)
        #expect(KubernetesQuantity.parse("129e6") == 129_000_000)
        #expect(KubernetesQuantity.parse("1k") == 1000)
        #expect(KubernetesQuantity.parse("4Ki") == 4096)
        #expect(KubernetesQuantity.parse("128974848") == 128_974_848)
        for bad in ["", "m", "1.2.3", "12x", "Gi", "1e", "--1"] { #expect(KubernetesQuantity.parse(bad) == nil, "\(bad)") }
    }
}
