@_spi(Benchmarks) import DRSModel

/// `drs import govc`: the JSON of `govc vm.info -json`, `govc host.info -json` and, for the
/// cluster's settings and rules, `govc object.collect -json CLUSTER name configurationEx`
/// (files in any order, recognised by their content). Field names are matched whatever the case
/// of their first letter: govc before 0.30 wrote `VirtualMachines[].Config.Hardware.NumCPU`,
/// later versions `virtualMachines[].config.hardware.numCPU`.
///
/// - Hosts (`hostSystems`): capacity `cpuMhz` x `numCpuCores` MHz and `memorySize` bytes as MiB;
///   not `connected` is `failed`, `inMaintenanceMode` is `maintenance`, power state `standBy`
///   is `standby`; datastores by their managed object ids.
/// - VMs (`virtualMachines`): id = name, on `runtime.host`; templates left out; `poweredOn` or
///   else off. Demand is the active use (`summary.quickStats.overallCpuUsage` MHz,
///   `guestMemoryUsage` MiB) or, with `--demand configured`, the configured size
///   (`runtime.maxCpuUsage` MHz, else `numCPU` x the host's MHz per core; `memoryMB`). A
///   Fault Tolerance pair (`config.ftInfo.role` 1 and 2, one name) is one VM whose
///   `ft.secondaryHost` is the secondary's host.
/// - Cluster (`configurationEx`): DRS `defaultVmBehavior` as the automation level and
///   `vmotionRate` as the migration threshold (6 - rate: rate 1 is the most aggressive), per-VM
///   `drsVmConfig` overrides, HA `enabled`, admission control `failoverLevel` as host failures
///   to tolerate, `dasVmConfig` restart priorities as `restartPriority`; rules (by `_typeName`): VM-VM affinity and
///   anti-affinity (hard: DRS keeps them), VM-host rules over their VM and host groups (`must`
///   and `mustNot` when `mandatory`, else `should` and `shouldNot`). Disabled rules, dependency
///   rules and percentage admission control are warned about and left out.
package enum GovcImporter {
    package static func read(_ files: [ImportFile], options: ImportOptions) throws(ImportError) -> ImportedCluster {
        var vmNodes: [JSONNode] = [], hostNodes: [JSONNode] = []
        var configuration: JSONNode?
        var name: String?
        for file in files {
            let root = try file.json()
            if let list = root.member("virtualMachines") {
                vmNodes += try list.elements()
            } else if let list = root.member("hostSystems") {
                hostNodes += try list.elements()
            } else if case .array = root.value {
                for property in try root.elements() {
                    guard let key = try property.member("name")?.string(), let value = property.member("val") else {
                        if case .string = property.value { continue }  // cluster.rule.ls -json: names only
                        throw property.error("not an object.collect property (name, val)")
                    }
                    if key == "configurationEx" { configuration = value }
                    if key == "name" { name = try value.string() }
                }
                if configuration == nil && name == nil {
                    throw root.error("a list without configurationEx: run govc object.collect -json CLUSTER name configurationEx (cluster.rule.ls -json lists rule names only)")
                }
            } else {
                throw root.error("not a govc export this importer knows: expected vm.info -json (virtualMachines), host.info -json (hostSystems) or object.collect -json CLUSTER configurationEx")
            }
        }
        guard !hostNodes.isEmpty else {
            throw ImportError(file: files.map(\.name).joined(separator: ", "), place: "", message: "no host.info -json export among the files (hostSystems)")
        }
        var cluster = ImportedCluster(name: options.name ?? name ?? "vsphere")
        var hostNames: [String: String] = [:], coreMHz: [String: Double] = [:]
        for node in hostNodes {
            let (reference, host, mhz) = try self.host(node, &cluster)
            if cluster.hosts.contains(where: { $0.id == host.id }) { throw node.error("host \(DisplayText.quoted(host.id)) appears twice") }
            hostNames[reference] = host.id
            coreMHz[host.id] = mhz
            cluster.hosts.append(host)
        }
        let vmNames = try readVMs(vmNodes, hostNames: hostNames, coreMHz: coreMHz, options: options, into: &cluster)
        if let configuration {
            try GovcConfiguration(vmNames: vmNames, hostNames: hostNames).apply(configuration, to: &cluster)
        } else {
            cluster.warn("no object.collect -json CLUSTER configurationEx among the files: DRS and HA settings and rules not mapped")
        }
        return cluster
    }

    /// A managed object reference's id (`value`).
    static func reference(_ node: JSONNode?) throws(ImportError) -> String? {
        try node?.member("value")?.string()
    }

    /// The names of a list of references that `names` knows (others are left out).
    static func names(_ list: JSONNode?, _ names: [String: String]) throws(ImportError) -> [String] {
        var result: [String] = []
        for element in try list?.elements() ?? [] {
            if let id = try reference(element), let name = names[id] { result.append(name) }
        }
        return result
    }

    static func host(_ node: JSONNode, _ cluster: inout ImportedCluster) throws(ImportError) -> (String, ClusterHost, Double) {
        let name = try node.required("name", "the host name").string()
        let self_ = try reference(node.member("self")) ?? name
        let summary = try node.required("summary", "hardware and runtime")
        let hardware = try summary.required("hardware", "cpuMhz, numCpuCores, memorySize")
        let mhz = try hardware.required("cpuMhz", "MHz per core").number()
        let cores = try hardware.required("numCpuCores", "cores").number()
        let memory = try hardware.required("memorySize", "bytes").number()
        var host = ClusterHost(id: name, capacity: ["cpu": mhz * cores, "memory": mebibytes(memory)])
        let runtime = summary.member("runtime") ?? node.member("runtime")
        let connection = try runtime?.member("connectionState")?.string() ?? "connected"
        if connection != "connected" {
            host.state = .failed
            cluster.warn("host \(DisplayText.quoted(name)): connection state \(DisplayText.quoted(connection)); mapped as failed")
        } else if try runtime?.member("inMaintenanceMode")?.bool() == true {
            host.state = .maintenance
        } else if try runtime?.member("powerState")?.string() == "standBy" {
            host.state = .standby
        }
        for datastore in try node.member("datastore")?.elements() ?? [] {
            if let id = try reference(datastore) { host.datastores.append(id) }
        }
        return (self_, host, mhz)
    }

    /// The VMs; returns VM names by managed object id, for the cluster configuration.
    static func readVMs(_ nodes: [JSONNode], hostNames: [String: String], coreMHz: [String: Double], options: ImportOptions,
                        into cluster: inout ImportedCluster) throws(ImportError) -> [String: String] {
        var names: [String: String] = [:]
        var secondaries: [String: String] = [:]   // FT secondary's name -> its host
        var templates = 0
        for node in nodes {
            let name = try node.required("name", "the VM name").string()
            let config = node.member("config")
            if try config?.member("template")?.bool() == true {
                templates += 1
                continue
            }
            let runtime = try node.required("runtime", "host and power state")
            let hostReference = try reference(runtime.member("host"))
            let host = hostReference.flatMap { hostNames[$0] }
            if hostReference != nil && host == nil {
                cluster.warn("VM \(DisplayText.quoted(name)) is on host \(DisplayText.quoted(hostReference!)), which is not in the host.info export; left out")
                continue
            }
            if let role = try config?.member("ftInfo")?.member("role")?.number(), role >= 2 {
                secondaries[name] = host
                continue
            }
            var vm = VirtualMachine(id: name, host: host, demand: [:])
            let id = try reference(node.member("self")) ?? name
            if cluster.vms.contains(where: { $0.id == name }) {
                vm.id = "\(name) (\(id))"
                cluster.warn("two VMs are named \(DisplayText.quoted(name)); this one is \(DisplayText.quoted(vm.id))")
            }
            names[id] = vm.id
            let hardware = config?.member("hardware")
            let summaryConfig = node.member("summary")?.member("config")
            var memoryMB = try hardware?.member("memoryMB")?.number() ?? 0
            if hardware?.member("memoryMB") == nil { memoryMB = try summaryConfig?.member("memorySizeMB")?.number() ?? 0 }
            var cpus = try hardware?.member("numCPU")?.number() ?? 0
            if hardware?.member("numCPU") == nil { cpus = try summaryConfig?.member("numCpu")?.number() ?? 0 }
            var configuredCPU = cpus * (host.flatMap { coreMHz[$0] } ?? 0)
            if let maximum = try runtime.member("maxCpuUsage")?.number() { configuredCPU = maximum }
            vm.powerState = try runtime.member("powerState")?.string() == "poweredOn" ? .on : .off
            vm.demand = ["cpu": configuredCPU, "memory": memoryMB]
            if vm.powerState == .on && options.demand == .active {
                let stats = node.member("summary")?.member("quickStats")
                vm.demand = ["cpu": try stats?.member("overallCpuUsage")?.number() ?? 0,
                             "memory": min(memoryMB, try stats?.member("guestMemoryUsage")?.number() ?? 0)]
            }
            vm.migration = VMMigration(memory: memoryMB, dirtyRate: 0)
            if try config?.member("ftInfo")?.member("role")?.number() == 1 { vm.ft = FaultTolerance(secondaryHost: nil) }
            cluster.vms.append(vm)
        }
        for index in cluster.vms.indices where cluster.vms[index].ft != nil {
            cluster.vms[index].ft = FaultTolerance(secondaryHost: secondaries[cluster.vms[index].id] ?? nil)
        }
        if templates > 0 { cluster.warn("\(templates) template(s) left out: they never run") }
        return names
    }
}
