@_spi(Benchmarks) import DRSModel

/// `drs import rvtools`: an RVTools export of a vCenter, as the `.xlsx` workbook or as the
/// per-tab CSV files (`RVTools_tabvInfo.csv`, ...), in any order; CSV tabs are recognised by
/// their header. Tabs read: `vInfo` and `vHost` (required), `vCluster`, `vDatastore`, `vCPU`
/// and `vMemory` (optional: what they add is warned about when they are missing).
///
/// - Cluster: the one cluster of `vHost` (with several, `--name` picks one; hosts and VMs of
///   other clusters are left out). `vCluster`: `HA enabled`, `AdmissionControlEnabled` with
///   `Failover Level` as host failures to tolerate, `DRS enabled` and `DRS default VM
///   behavior` as the automation level, `DRS vmotion rate` as the migration threshold (6 -
///   rate), `Restart Priority` as the default of `HA Restart Priority`.
/// - Hosts (`vHost`): capacity `Speed` (MHz per core) x `# Cores` MHz and `# Memory` MiB; `in
///   Maintenance Mode` is `maintenance`; datastores from `vDatastore`'s `Hosts` column.
/// - VMs (`vInfo`): id = `VM` (a repeated name gets its `VM ID`), on `Host`; templates left out;
///   `poweredOn` or else off. Demand is the active use (`vCPU` `Overall` MHz, `Active Memory`
///   MiB, or `vMemory` `Active`) or, with `--demand configured` (and for powered-off VMs), the
///   configured size (`CPUs` x the host's MHz per core, `Memory` MiB). The datastore of the
///   configuration file (`Path`, `[datastore] folder/vm.vmx`) as `datastores`, `In Use MiB`
///   as `disk` (GiB), `HA Restart Priority` as `restartPriority`.
/// - Not in an RVTools export, so never guessed: DRS rules (vInfo names them, without kind or
///   members), Fault Tolerance secondaries' hosts, HA isolation responses. Each is a warning.
package enum RVToolsImporter {
    /// The tabs read, with the columns that recognise each one in a CSV file (checked in order).
    static let signatures: [(sheet: String, columns: [String])] = [
        ("vInfo", ["VM", "Powerstate", "CPUs", "Memory", "Host"]),
        ("vHost", ["Host", "Speed", "# Cores", "# Memory"]),
        ("vCluster", ["Name", "HA enabled", "DRS enabled"]),
        ("vCPU", ["VM", "Sockets", "Overall"]),
        ("vMemory", ["VM", "Size MiB", "Active"]),
        ("vDatastore", ["Name", "Capacity MiB", "Free MiB", "Type"]),
    ]

    package static func read(_ files: [ImportFile], options: ImportOptions) throws(ImportError) -> ImportedCluster {
        var tabs: [String: ImportTable] = [:]
        func add(_ table: ImportTable) throws(ImportError) {
            if let earlier = tabs[table.sheet] {
                throw ImportError(file: table.file, message: "a second \(table.sheet) tab (the first is in \(earlier.file)): import one vCenter export at a time")
            }
            tabs[table.sheet] = table
        }
        for file in files {
            if file.bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
                let tables = try XLSXReader.tables(file) { name in signatures.contains { $0.sheet == name } }
                guard !tables.isEmpty else { throw ImportError(file: file.name, message: "a workbook without the vInfo or vHost tab: not an RVTools export") }
                for table in tables { try add(table) }
            } else {
                var table = try CSVReader.table(file)
                guard let sheet = signatures.first(where: { table.has($0.columns) })?.sheet else {
                    throw ImportError(file: file.name, line: 1, message: "not an RVTools tab this importer reads: the header has the columns of none of "
                                      + signatures.map { "\($0.sheet) (\($0.columns.joined(separator: ", ")))" }.joined(separator: "; "))
                }
                table.sheet = sheet
                try add(table)
            }
        }
        let names = files.map(\.name).joined(separator: ", ")
        guard let vHost = tabs["vHost"] else { throw ImportError(file: names, message: "no vHost tab among the files: the hosts are needed") }
        guard let vInfo = tabs["vInfo"] else { throw ImportError(file: names, message: "no vInfo tab among the files: the VMs are needed") }
        for (sheet, columns) in signatures where tabs[sheet] != nil {
            if let missing = columns.first(where: { !tabs[sheet]!.has($0) }) {
                throw tabs[sheet]!.error(row: nil, "missing the column \(DisplayText.quoted(missing))")
            }
        }
        let chosen = try chooseCluster(vHost, options: options)
        var cluster = ImportedCluster(name: options.name ?? chosen ?? "vsphere")
        let coreMHz = try readHosts(vHost, cluster: chosen, into: &cluster)
        let mappedDatastores = try readDatastores(tabs["vDatastore"], into: &cluster)
        let defaultRestart = try readCluster(tabs["vCluster"], name: chosen, into: &cluster)
        try readVMs(vInfo, tabs: tabs, cluster: chosen, coreMHz: coreMHz, datastores: mappedDatastores,
                    defaultRestart: defaultRestart, options: options, into: &cluster)
        return cluster
    }

    /// The cluster to import: `--name` when the export has it, the only one otherwise; nil when
    /// the hosts name no cluster (standalone hosts: all are imported).
    static func chooseCluster(_ vHost: ImportTable, options: ImportOptions) throws(ImportError) -> String? {
        var clusters: [String] = []
        for row in vHost.rows.indices {
            if let name = vHost.text(row, "Cluster"), !clusters.contains(name) { clusters.append(name) }
        }
        if let wanted = options.name, clusters.contains(wanted) { return wanted }
        if clusters.count > 1 {
            throw vHost.error(row: nil, column: "Cluster", "the export holds \(clusters.count) clusters ("
                              + clusters.prefix(10).map { DisplayText.quoted($0) }.joined(separator: ", ")
                              + "): choose one with --name" + (options.name.map { " (\(DisplayText.quoted($0)) is none of them)" } ?? ""))
        }
        return clusters.first
    }

    /// The hosts of `cluster`; returns the MHz per core of each host by name.
    static func readHosts(_ vHost: ImportTable, cluster name: String?, into cluster: inout ImportedCluster) throws(ImportError) -> [String: Double] {
        var coreMHz: [String: Double] = [:]
        for row in vHost.rows.indices where name == nil || vHost.text(row, "Cluster") == name {
            let id = try vHost.required(row, "Host")
            guard coreMHz[id] == nil else { throw vHost.error(row: row, column: "Host", "host \(DisplayText.quoted(id)) appears twice") }
            guard let speed = try vHost.number(row, "Speed"), let cores = try vHost.number(row, "# Cores"),
                  let memory = try vHost.number(row, "# Memory") else {
                throw vHost.error(row: row, "a host needs Speed, # Cores and # Memory")
            }
            var host = ClusterHost(id: id, capacity: ["cpu": try vHost.product(speed, cores, row: row, "Speed x # Cores"), "memory": memory])
            if try vHost.flag(row, "in Maintenance Mode") == true { host.state = .maintenance }
            if try vHost.flag(row, "in Quarantine Mode") == true {
                cluster.warn("host \(DisplayText.quoted(id)) is in quarantine mode: mapped as connected (DRS would avoid placing VMs on it)")
            }
            coreMHz[id] = speed
            cluster.hosts.append(host)
        }
        guard !cluster.hosts.isEmpty else { throw vHost.error(row: nil, "no host rows") }
        return coreMHz
    }

    /// The datastores each host sees, from `vDatastore`'s `Hosts` lists; false when the export
    /// does not say (then no VM gets datastores either, so none is kept from any host).
    static func readDatastores(_ vDatastore: ImportTable?, into cluster: inout ImportedCluster) throws(ImportError) -> Bool {
        guard let vDatastore, vDatastore.has("Hosts") else {
            cluster.warn("no vDatastore tab with a Hosts column: datastores not mapped (every host is taken to see every VM's disks)")
            return false
        }
        var byHost: [String: Int] = [:]
        for (index, host) in cluster.hosts.enumerated() { byHost[host.id] = index }
        for row in vDatastore.rows.indices {
            let name = try vDatastore.required(row, "Name")
            if try vDatastore.flag(row, "Accessible") == false {
                cluster.warn("datastore \(DisplayText.quoted(name)) is not accessible: no host is taken to see it")
                continue
            }
            for host in (vDatastore.text(row, "Hosts") ?? "").split(separator: ",") {
                if let index = byHost[String(host).trimmingSpaces], !cluster.hosts[index].datastores.contains(name) {
                    cluster.hosts[index].datastores.append(name)
                }
            }
        }
        return true
    }

    /// The cluster's HA and DRS settings; returns its default restart priority.
    static func readCluster(_ vCluster: ImportTable?, name: String?, into cluster: inout ImportedCluster) throws(ImportError) -> RestartPriority? {
        guard let vCluster, let row = vCluster.rows.indices.first(where: { name == nil || vCluster.text($0, "Name") == name }) else {
            cluster.warn("no vCluster row for the cluster: HA and DRS settings not mapped (defaults: HA off, DRS fully automated)")
            return nil
        }
        var ha = HASettings(enabled: try vCluster.flag(row, "HA enabled") ?? false)
        if try vCluster.flag(row, "AdmissionControlEnabled") == true {
            if let level = try vCluster.number(row, "Failover Level"), level == level.rounded() {
                ha.hostFailuresToTolerate = min(Int(level), max(0, cluster.hosts.count - 1))
            } else {
                cluster.warn("HA admission control is on, but vCluster has no Failover Level (a percentage or dedicated-host policy): not mapped")
            }
        }
        cluster.cluster.ha = ha
        switch vCluster.text(row, "DRS default VM behavior") {
        case "manual": cluster.cluster.automation = .manual
        case "partiallyAutomated": cluster.cluster.automation = .partial
        default: cluster.cluster.automation = .full
        }
        if try vCluster.flag(row, "DRS enabled") == false {
            cluster.cluster.automation = .manual
            cluster.warn("DRS is disabled on the cluster: every move is only recommended (automation manual)")
        }
        if let rate = try vCluster.number(row, "DRS vmotion rate"), (1...5).contains(rate), rate == rate.rounded() {
            cluster.cluster.migrationThreshold = 6 - Int(rate)
        }
        if let response = vCluster.text(row, "Isolation Response") {
            cluster.warn("HA isolation response \(DisplayText.quoted(response)) not mapped")
        }
        return vCluster.text(row, "Restart Priority").flatMap { RestartPriority(rawValue: $0) }
    }

    static func readVMs(_ vInfo: ImportTable, tabs: [String: ImportTable], cluster name: String?, coreMHz: [String: Double],
                        datastores: Bool, defaultRestart: RestartPriority?, options: ImportOptions,
                        into cluster: inout ImportedCluster) throws(ImportError) {
        let activeCPU = try usage(tabs["vCPU"], "Overall")
        let activeMemory = try usage(tabs["vMemory"], "Active")
        var templates = 0, otherClusters = 0, suspended: [String] = [], faultTolerant: [String] = [], ruled = 0
        var ruleNames: [String] = []
        var cpuFromSize = 0
        var ids = Set<String>()
        for row in vInfo.rows.indices {
            let vmName = try vInfo.required(row, "VM")
            if try vInfo.flag(row, "Template") == true { templates += 1; continue }
            if let name, let own = vInfo.text(row, "Cluster"), own != name { otherClusters += 1; continue }
            let hostName = vInfo.text(row, "Host")
            guard let hostName, let mhz = coreMHz[hostName] else {
                cluster.warn("VM \(DisplayText.quoted(vmName)) is on host \(DisplayText.quoted(hostName ?? "")), which is not in the cluster's vHost rows; left out")
                continue
            }
            var vm = VirtualMachine(id: vmName, host: hostName, demand: [:])
            if !ids.insert(vmName).inserted {
                vm.id = "\(vmName) (\(vInfo.text(row, "VM ID") ?? "row \(vInfo.rowNumbers[row])"))"
                cluster.warn("two VMs are named \(DisplayText.quoted(vmName)); this one is \(DisplayText.quoted(vm.id))")
                ids.insert(vm.id)
            }
            let state = vInfo.text(row, "Powerstate") ?? "poweredOff"
            vm.powerState = state == "poweredOn" ? .on : .off
            if state == "suspended" { suspended.append(vmName) }
            guard let cpus = try vInfo.number(row, "CPUs"), let memory = try vInfo.number(row, "Memory") else {
                throw vInfo.error(row: row, "a VM needs CPUs and Memory")
            }
            vm.demand = ["cpu": try vInfo.product(cpus, mhz, row: row, "CPUs x the host's Speed"), "memory": memory]
            if vm.powerState == .on && options.demand == .active {
                let key = vInfo.text(row, "VM ID") ?? vmName
                if let cpu = activeCPU[key] ?? activeCPU[vmName] { vm.demand["cpu"] = cpu } else { cpuFromSize += 1 }
                if let active = try vInfo.number(row, "Active Memory") ?? activeMemory[key] ?? activeMemory[vmName] {
                    vm.demand["memory"] = min(memory, active)
                }
            }
            vm.migration = VMMigration(memory: memory, dirtyRate: 0)
            if datastores, let path = vInfo.text(row, "Path"), path.hasPrefix("["), let close = path.firstIndex(of: "]") {
                vm.datastores = [String(path[path.index(after: path.startIndex)..<close])]
            }
            if let used = try vInfo.number(row, "In Use MiB") { vm.disk = used / 1024 }
            if let restart = vInfo.text(row, "HA Restart Priority") {
                vm.restartPriority = restart == "clusterRestartPriority" ? defaultRestart : RestartPriority(rawValue: restart)
            } else if let defaultRestart {
                vm.restartPriority = defaultRestart
            }
            if let ft = vInfo.text(row, "FT State"), ft != "notConfigured" { faultTolerant.append(vmName) }
            if vInfo.text(row, "Cluster rule(s)") != nil || vInfo.text(row, "Cluster rule name(s)") != nil { ruled += 1 }
            for rule in (vInfo.text(row, "Cluster rule name(s)") ?? "").split(separator: ",") {
                let name = String(rule).trimmingSpaces
                if !name.isEmpty && !ruleNames.contains(name) { ruleNames.append(name) }
            }
            cluster.vms.append(vm)
        }
        if templates > 0 { cluster.warn("\(templates) template(s) left out: they never run") }
        if otherClusters > 0 { cluster.warn("\(otherClusters) VM(s) of other clusters left out") }
        if !suspended.isEmpty { cluster.warn("\(suspended.count) suspended VM(s) mapped as powered off: " + listed(suspended)) }
        if !faultTolerant.isEmpty {
            cluster.warn("Fault Tolerance of \(faultTolerant.count) VM(s) not mapped (an RVTools export does not name the secondary's host): " + listed(faultTolerant))
        }
        if ruled > 0 {
            cluster.warn("DRS rules of \(ruled) VM(s) not mapped (\(listed(ruleNames))): vInfo names them without their kind or members; import the cluster with govc for its rules")
        }
        if cpuFromSize > 0 {
            cluster.warn("CPU demand of \(cpuFromSize) powered-on VM(s) is their configured size (CPUs x host MHz per core): "
                         + (tabs["vCPU"] == nil ? "no vCPU tab with Overall usage" : "no Overall usage in vCPU"))
        }
    }

    /// Usage per VM (by `VM ID` when the tab has it, and by name) from `column` of a usage tab.
    static func usage(_ table: ImportTable?, _ column: String) throws(ImportError) -> [String: Double] {
        guard let table else { return [:] }
        var values: [String: Double] = [:]
        for row in table.rows.indices {
            guard let value = try table.number(row, column), let name = table.text(row, "VM") else { continue }
            values[name] = value
            if let id = table.text(row, "VM ID") { values[id] = value }
        }
        return values
    }

    static func listed(_ names: [String]) -> String {
        names.prefix(5).map { DisplayText.quoted($0) }.joined(separator: ", ") + (names.count > 5 ? ", ..." : "")
    }
}
