@_spi(Benchmarks) import DRSModel

/// `drs import kubernetes`: the JSON of `kubectl get nodes,pods -A -o json` (a `List` of Node
/// and Pod objects; NodeList and PodList files, or one object, are read too, and several files
/// are merged).
///
/// - Nodes become hosts: `status.allocatable` cpu (millicores), memory (MiB) and pods (count);
///   a node whose `Ready` condition is not `True` is `failed`, a cordoned one
///   (`spec.unschedulable`) is in `maintenance`.
/// - Pods become VMs with the id `NAMESPACE/NAME`, on `spec.nodeName` (none: pending, to be
///   placed); demand is the pod's effective request, as the scheduler counts it: the larger of
///   the app and sidecar containers' summed requests and the largest init container's (with
///   the sidecars started before it), plus `spec.overhead`; and one pod. Finished
///   pods (`Succeeded`, `Failed`) are left out.
/// - `spec.priority` gives the priority: 1e9 and above (system classes) `highest`, above 0
///   `high`, 0 `medium`, below 0 `low`.
/// - DaemonSet and static pods belong to their node: their requests are taken off the node's
///   capacity and they are not VMs. Bare pods (no controller, so an eviction deletes them for
///   good) get automation `disabled`.
/// - Rules (`KubernetesImporter+Rules`): node selectors and required node affinity as `must`
///   rules, preferred node affinity as `should`, taints a pod does not tolerate as `mustNot`
///   (`shouldNot` for `PreferNoSchedule`), pod anti-affinity on `kubernetes.io/hostname` as
///   anti-affinity rules, pod affinity as soft affinity rules.
package enum KubernetesImporter {
    struct NodeRecord {
        var name: String
        var labels: [String: String]
        var taints: [(key: String, value: String, effect: String)]
    }

    struct PodRecord {
        var id: String
        var namespace: String
        var labels: [String: String]
        var spec: JSONNode
        /// A DaemonSet or static (mirror) pod: part of its node.
        var nodeBound = false
    }

    package static func read(_ files: [ImportFile], options: ImportOptions) throws(ImportError) -> ImportedCluster {
        var cluster = ImportedCluster(name: options.name ?? "kubernetes", resources: ["cpu", "memory", "pods"])
        var nodes: [NodeRecord] = []
        var pods: [PodRecord] = []
        var finished = 0
        for file in files {
            for item in try items(try file.json()) {
                let kind = try item.required("kind", "Node or Pod").string()
                switch kind {
                case "Node":
                    let (record, host) = try node(item, &cluster)
                    if nodes.contains(where: { $0.name == record.name }) { throw item.error("node \(DisplayText.quoted(record.name)) appears twice") }
                    nodes.append(record)
                    cluster.hosts.append(host)
                case "Pod":
                    guard let (record, vm) = try pod(item, &cluster, finished: &finished) else { continue }
                    if pods.contains(where: { $0.id == record.id }) { throw item.error("pod \(DisplayText.quoted(record.id)) appears twice") }
                    pods.append(record)
                    cluster.vms.append(vm)
                default:
                    cluster.warn("\(item.path): kind \(DisplayText.quoted(kind)) ignored (only Node and Pod are read)")
                }
            }
        }
        guard !nodes.isEmpty else {
            throw ImportError(file: files.map(\.name).joined(separator: ", "), place: "",
                              message: "no Node in the export; run kubectl get nodes,pods -A -o json")
        }
        if finished > 0 { cluster.warn("\(finished) finished pod(s) (Succeeded or Failed) left out: they use no resources") }
        if options.demand == .configured { cluster.warn("--demand configured: a kubectl export has no usage; demand is the pods' requests either way") }
        let known = Set(nodes.map(\.name))
        var kept: [PodRecord] = []
        var keptVMs: [VirtualMachine] = []
        var overhead = 0
        for (record, vm) in zip(pods, cluster.vms) {
            if let host = vm.host, !known.contains(host) {
                cluster.warn("pod \(DisplayText.quoted(record.id)) runs on node \(DisplayText.quoted(host)), which is not in the export; left out")
                continue
            }
            if vm.automation == .disabled, vm.host != nil, record.nodeBound {
                // A DaemonSet or static pod belongs to its node: its requests are the node's
                // overhead, not a workload to place.
                let index = cluster.hosts.firstIndex { $0.id == vm.host }!
                for (resource, amount) in vm.demand {
                    cluster.hosts[index].capacity[resource] = max(0, (cluster.hosts[index].capacity[resource] ?? 0) - amount)
                }
                overhead += 1
                continue
            }
            kept.append(record)
            keptVMs.append(vm)
        }
        cluster.vms = keptVMs
        if overhead > 0 { cluster.warn("\(overhead) DaemonSet or static pod(s) counted as their node's overhead (capacity less their requests), not as workloads") }
        try addRules(nodes: nodes, pods: kept, to: &cluster)
        return cluster
    }

    /// The objects of a List (or NodeList, PodList), or the one object.
    static func items(_ root: JSONNode) throws(ImportError) -> [JSONNode] {
        if let items = root["items"] { return try items.elements() }
        if root["kind"] != nil { return [root] }
        throw root.error("not a kubectl JSON export: expected a List with \"items\" (kubectl get nodes,pods -A -o json)")
    }

    static func node(_ item: JSONNode, _ cluster: inout ImportedCluster) throws(ImportError) -> (NodeRecord, ClusterHost) {
        let metadata = try item.required("metadata", "the node's name and labels")
        let name = try metadata.required("name", "the node name").string()
        let labels = try metadata["labels"]?.stringMap() ?? [:]
        let status = try item.required("status", "allocatable resources and conditions")
        let resources: JSONNode
        if let allocatable = status["allocatable"] {
            resources = allocatable
        } else {
            resources = try status.required("capacity", "allocatable or capacity")
            cluster.warn("node \(DisplayText.quoted(name)): no allocatable resources; its capacity is used")
        }
        var capacity: [String: Double] = [:]
        capacity["cpu"] = try quantity(resources, "cpu", scale: 1000) ?? 0
        capacity["memory"] = try quantity(resources, "memory", scale: 1.0 / 1_048_576) ?? 0
        capacity["pods"] = try quantity(resources, "pods", scale: 1) ?? 110
        var host = ClusterHost(id: name, capacity: capacity)
        var ready: JSONNode?
        for condition in try status["conditions"]?.elements() ?? [] where (try? condition["type"]?.string()) == "Ready" { ready = condition }
        let readyStatus = try ready?["status"]?.string()
        if readyStatus != "True" {
            host.state = .failed
            cluster.warn("node \(DisplayText.quoted(name)): Ready is \(readyStatus ?? "missing"); mapped as failed")
        }
        let spec = item["spec"]
        if try spec?["unschedulable"]?.bool() == true && host.state != .failed { host.state = .maintenance }
        var taints: [(key: String, value: String, effect: String)] = []
        for taint in try spec?["taints"]?.elements() ?? [] {
            let key = try taint.required("key", "the taint key").string()
            // The node lifecycle taints repeat the node's state, which the host state holds.
            if key.hasPrefix("node.kubernetes.io/") { continue }
            taints.append((key, try taint["value"]?.string() ?? "", try taint.required("effect", "NoSchedule, PreferNoSchedule or NoExecute").string()))
        }
        return (NodeRecord(name: name, labels: labels, taints: taints), host)
    }

    /// A quantity member in base units times `scale`; nil when absent.
    static func quantity(_ object: JSONNode, _ key: String, scale: Double) throws(ImportError) -> Double? {
        guard let node = object[key] else { return nil }
        let text: String
        if case let .number(number) = node.value { text = JSONWriter.number(number) } else { text = try node.string() }
        guard let value = KubernetesQuantity.parse(text), value >= 0 else {
            throw node.error("not a Kubernetes quantity: \(DisplayText.quoted(text)) (such as 250m, 2, 512Mi)")
        }
        return value * scale
    }

    static func pod(_ item: JSONNode, _ cluster: inout ImportedCluster, finished: inout Int) throws(ImportError) -> (PodRecord, VirtualMachine)? {
        let metadata = try item.required("metadata", "the pod's name and namespace")
        let name = try metadata.required("name", "the pod name").string()
        let namespace = try metadata["namespace"]?.string() ?? "default"
        let phase = try item["status"]?["phase"]?.string()
        if phase == "Succeeded" || phase == "Failed" {
            finished += 1
            return nil
        }
        let spec = try item.required("spec", "containers and nodeName")
        let id = "\(namespace)/\(name)"
        var vm = VirtualMachine(id: id, host: try spec["nodeName"]?.string(), demand: try demand(spec))
        let priority = try spec["priority"]?.number() ?? 0
        vm.priority = priority >= 1_000_000_000 ? .highest : priority > 0 ? .high : priority < 0 ? .low : .medium
        let owners = try metadata["ownerReferences"]?.elements() ?? []
        var controller: String?
        for owner in owners {
            if try owner["controller"]?.bool() == true { controller = try owner["kind"]?.string() }
        }
        let mirror = try metadata["annotations"]?.stringMap()["kubernetes.io/config.mirror"] != nil
        if controller == "DaemonSet" || controller == "Node" || mirror {
            vm.automation = .disabled
        } else if controller == nil {
            vm.automation = .disabled
            cluster.warn("pod \(DisplayText.quoted(id)) has no controller: an eviction would delete it for good, so it is not moved")
        }
        let labels = try metadata["labels"]?.stringMap() ?? [:]
        let nodeBound = controller == "DaemonSet" || controller == "Node" || mirror
        return (PodRecord(id: id, namespace: namespace, labels: labels, spec: spec, nodeBound: nodeBound), vm)
    }

    /// What the scheduler counts for a pod: per resource the larger of the summed container
    /// requests and the largest init container request, plus the overhead; and one pod.
    static func demand(_ spec: JSONNode) throws(ImportError) -> [String: Double] {
        var demand: [String: Double] = ["pods": 1]
        for (resource, scale) in [("cpu", 1000.0), ("memory", 1.0 / 1_048_576)] {
            var sum = 0.0
            for container in try spec["containers"]?.elements() ?? [] {
                if let requests = container["resources"]?["requests"] { sum += try quantity(requests, resource, scale: scale) ?? 0 }
            }
            // Init containers run one at a time; sidecars (restartPolicy Always) keep running
            // beside the app containers and add to them.
            var initial = 0.0, sidecars = 0.0
            for container in try spec["initContainers"]?.elements() ?? [] {
                guard let requests = container["resources"]?["requests"] else { continue }
                let amount = try quantity(requests, resource, scale: scale) ?? 0
                if try container["restartPolicy"]?.string() == "Always" {
                    sidecars += amount
                } else {
                    initial = max(initial, sidecars + amount)
                }
            }
            sum += sidecars
            var overhead = 0.0
            if let node = spec["overhead"] { overhead = try quantity(node, resource, scale: scale) ?? 0 }
            demand[resource] = max(sum, initial) + overhead
        }
        return demand
    }
}
