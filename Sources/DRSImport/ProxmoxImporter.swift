@_spi(Benchmarks) import DRSModel

/// `drs import proxmox`: the JSON of `pvesh get /cluster/resources --output-format json`, and
/// optionally of `pvesh get /cluster/ha/groups` and `/cluster/ha/resources` (in any order; each
/// file is recognised by its entries). The API's `{"data": [...]}` wrapping is read too.
///
/// - `node` entries become hosts: `maxcpu` cores (as millicores, the snapshot's `cpu`) and
///   `maxmem` bytes (as MiB); a node whose `status` is not `online` is `failed`. `storage`
///   entries give each node's datastores.
/// - `qemu` and `lxc` entries become VMs with their `id` (`qemu/100`, `lxc/101`), on `node`;
///   templates are left out. Demand is the active use (`cpu` x `maxcpu` cores, `mem` bytes) or,
///   with `--demand configured`, the configured size (`maxcpu`, `maxmem`); guests that are not
///   running are powered off and keep their configured size.
/// - HA: guests the HA manager manages are `high` priority; the others get `restartPriority`
///   `disabled` (Proxmox VE does not restart them after a node failure; a warning says so). A guest in a restricted HA group
///   gets a `must` rule over the group's nodes; in an unrestricted one, a `should` rule over the
///   group's highest-priority nodes.
package enum ProxmoxImporter {
    struct Group {
        var nodes: [(name: String, priority: Int)]
        var restricted: Bool
    }

    package static func read(_ files: [ImportFile], options: ImportOptions) throws(ImportError) -> ImportedCluster {
        var cluster = ImportedCluster(name: options.name ?? "proxmox")
        var resources: [JSONNode] = [], groups: [String: Group] = [:], managed: [String: (group: String?, state: String)] = [:]
        var sawResources = false
        for file in files {
            var root = try file.json()
            if let data = root["data"] { root = data }
            let entries = try root.elements()
            guard let first = entries.first else { continue }
            if first["type"] != nil && first["id"] != nil {
                resources += entries
                sawResources = true
            } else if first["group"] != nil && first["nodes"] != nil {
                for entry in entries {
                    let name = try entry.required("group", "the group name").string()
                    groups[name] = Group(nodes: try groupNodes(try entry.required("nodes", "node[:priority],...")),
                                         restricted: try entry["restricted"]?.bool() ?? false)
                }
            } else if first["sid"] != nil {
                for entry in entries {
                    let sid = try entry.required("sid", "vm:VMID or ct:VMID")
                    managed[try guestId(sid)] = (try entry["group"]?.string(), try entry["state"]?.string() ?? "started")
                }
            } else {
                throw first.error("not a pvesh export this importer knows: expected /cluster/resources (type, id), /cluster/ha/groups (group, nodes) or /cluster/ha/resources (sid)")
            }
        }
        guard sawResources else {
            throw ImportError(file: files.map(\.name).joined(separator: ", "), place: "",
                              message: "no /cluster/resources export among the files; run pvesh get /cluster/resources --output-format json")
        }
        try readResources(resources, options: options, managed: managed, into: &cluster)
        addGroupRules(groups, managed: managed, into: &cluster)
        if !managed.isEmpty { cluster.cluster.ha = HASettings(enabled: true, hostFailuresToTolerate: 0) }
        return cluster
    }

    static func readResources(_ entries: [JSONNode], options: ImportOptions, managed: [String: (group: String?, state: String)],
                              into cluster: inout ImportedCluster) throws(ImportError) {
        var templates = 0, unmanaged = 0
        var datastores: [String: [String]] = [:]
        var guests: [JSONNode] = []
        for entry in entries {
            let type = try entry.required("type", "node, qemu, lxc, storage ...").string()
            switch type {
            case "node":
                let name = try entry.required("node", "the node name").string()
                if cluster.hosts.contains(where: { $0.id == name }) { throw entry.error("node \(DisplayText.quoted(name)) appears twice") }
                let status = try entry["status"]?.string() ?? "unknown"
                // An offline node is listed without its sizes.
                let online = status == "online"
                let cores = online ? try entry.required("maxcpu", "the node's cores").number() : try entry["maxcpu"]?.number() ?? 0
                let memory = online ? try entry.required("maxmem", "the node's memory in bytes").number() : try entry["maxmem"]?.number() ?? 0
                var host = ClusterHost(id: name, capacity: ["cpu": cores * 1000, "memory": mebibytes(memory)])
                if !online {
                    host.state = .failed
                    cluster.warn("node \(DisplayText.quoted(name)): status \(DisplayText.quoted(status)); mapped as failed")
                }
                cluster.hosts.append(host)
            case "storage":
                if let node = try entry["node"]?.string(), let storage = try entry["storage"]?.string(), try entry["status"]?.string() ?? "available" == "available" {
                    datastores[node, default: []].append(storage)
                }
            case "qemu", "lxc":
                guests.append(entry)
            default:
                continue  // pools, SDN zones, networks: nothing a placement needs
            }
        }
        let failed = Set(cluster.hosts.filter { $0.state == .failed }.map(\.id))
        for entry in guests {
            if try entry["template"]?.bool() == true {
                templates += 1
                continue
            }
            var vm = try guest(entry, options: options)
            // A guest the HA manager keeps started on a dead node is down, to be recovered.
            if let node = vm.host, failed.contains(node), let ha = managed[vm.id], ha.state == "started" { vm.powerState = .on }
            if let ha = managed[vm.id], ha.state != "ignored" {
                vm.priority = .high
            } else {
                // Proxmox VE recovers HA resources only.
                vm.restartPriority = .disabled
                unmanaged += 1
            }
            if cluster.vms.contains(where: { $0.id == vm.id }) { throw entry.error("guest \(DisplayText.quoted(vm.id)) appears twice") }
            cluster.vms.append(vm)
        }
        for index in cluster.hosts.indices { cluster.hosts[index].datastores = datastores[cluster.hosts[index].id] ?? [] }
        let known = Set(cluster.hosts.map(\.id))
        let lost = cluster.vms.filter { $0.host.map { !known.contains($0) } ?? false }
        for vm in lost { cluster.warn("guest \(DisplayText.quoted(vm.id)) is on node \(DisplayText.quoted(vm.host!)), which is not in the export; left out") }
        cluster.vms.removeAll { $0.host.map { !known.contains($0) } ?? false }
        if templates > 0 { cluster.warn("\(templates) template(s) left out: they never run") }
        if unmanaged > 0 {
            cluster.warn("\(unmanaged) guest(s) not managed by the HA manager: Proxmox VE does not restart them after a node failure (restartPriority disabled)")
        }
    }

    /// One qemu or lxc entry as a VM.
    static func guest(_ entry: JSONNode, options: ImportOptions) throws(ImportError) -> VirtualMachine {
        let id = try entry.required("id", "qemu/VMID or lxc/VMID").string()
        let node = try entry.required("node", "the node the guest is on").string()
        let cores = try entry.required("maxcpu", "the guest's cores").number()
        let configured = mebibytes(try entry.required("maxmem", "the guest's memory in bytes").number())
        let running = try entry["status"]?.string() == "running"
        var vm = VirtualMachine(id: id, host: node, demand: ["cpu": cores * 1000, "memory": configured])
        if !running {
            vm.powerState = .off
        } else if options.demand == .active {
            let usage = try entry["cpu"]?.number() ?? 0
            let memory = mebibytes(try entry["mem"]?.number() ?? 0)
            vm.demand = ["cpu": max(0, usage) * cores * 1000, "memory": min(max(0, memory), configured)]
        }
        vm.migration = VMMigration(memory: configured, dirtyRate: 0)
        return vm
    }

    /// `vm:100` as `qemu/100`, `ct:101` as `lxc/101`.
    static func guestId(_ sid: JSONNode) throws(ImportError) -> String {
        let text = try sid.string()
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let kind = ["vm": "qemu", "ct": "lxc"][String(parts[0])], Int(parts[1]) != nil else {
            throw sid.error("not an HA resource id (vm:VMID or ct:VMID): \(DisplayText.quoted(text))")
        }
        return "\(kind)/\(parts[1])"
    }

    /// `pve1:2,pve2:1,pve3`: node names with optional priorities (default 0).
    static func groupNodes(_ node: JSONNode) throws(ImportError) -> [(name: String, priority: Int)] {
        var nodes: [(name: String, priority: Int)] = []
        for part in try node.string().split(separator: ",") {
            let fields = part.split(separator: ":")
            guard fields.count <= 2, let name = fields.first, fields.count == 1 || Int(fields[1]) != nil else {
                throw node.error("not a node list (node[:priority],...): \(DisplayText.quoted(String(part)))")
            }
            nodes.append((String(name.filter { $0 != " " }), fields.count == 2 ? Int(fields[1])! : 0))
        }
        return nodes
    }

    static func addGroupRules(_ groups: [String: Group], managed: [String: (group: String?, state: String)], into cluster: inout ImportedCluster) {
        var members: [String: [String]] = [:]
        for vm in cluster.vms {
            if let group = managed[vm.id]?.group { members[group, default: []].append(vm.id) }
        }
        for (name, vms) in members.sorted(by: { $0.key < $1.key }) {
            guard let group = groups[name] else {
                cluster.warn("HA group \(DisplayText.quoted(name)) is not in the groups export; its node preferences are not mapped")
                continue
            }
            if group.restricted {
                cluster.addRule(Rule(id: "ha-group-\(name)", kind: .vmHost, vms: vms, hosts: group.nodes.map(\.name), policy: .must))
            }
            let top = group.nodes.map(\.priority).max() ?? 0
            let preferred = group.nodes.filter { $0.priority == top }.map(\.name)
            if !group.restricted || preferred.count < group.nodes.count {
                cluster.addRule(Rule(id: "ha-group-\(name)-preferred", kind: .vmHost, vms: vms, hosts: preferred, policy: .should))
            }
        }
    }
}
