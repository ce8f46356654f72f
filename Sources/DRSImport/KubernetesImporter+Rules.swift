@_spi(Benchmarks) import DRSModel

/// Kubernetes scheduling constraints as snapshot rules. Pods with the same allowed (or
/// forbidden) node set share one rule.
extension KubernetesImporter {
    static func addRules(nodes: [NodeRecord], pods: [PodRecord], to cluster: inout ImportedCluster) throws(ImportError) {
        var must: [[String]: [String]] = [:], should: [[String]: [String]] = [:]
        var mustNot: [[String]: [String]] = [:], shouldNot: [[String]: [String]] = [:]
        var podTerms: [PodTerm] = []
        let pinned = Set(cluster.vms.filter { $0.automation == .disabled }.map(\.id))
        for pod in pods {
            let spec = pod.spec
            podTerms += try self.podTerms(pod, &cluster)
            // DaemonSet, static and bare pods stay on their node, wherever the scheduler's
            // node constraints would put a new copy.
            if pinned.contains(pod.id) { continue }
            // Node selector and required node affinity: the nodes both allow.
            var allowed: Set<String>?
            if let selector = try spec["nodeSelector"]?.stringMap() {
                allowed = Set(nodes.filter { node in selector.allSatisfy { node.labels[$0.key] == $0.value } }.map(\.name))
            }
            let nodeAffinity = spec["affinity"]?["nodeAffinity"]
            if let required = nodeAffinity?["requiredDuringSchedulingIgnoredDuringExecution"] {
                let terms = try required.required("nodeSelectorTerms", "a list of node selector terms").elements()
                var matched = Set<String>()
                for node in nodes {
                    for term in terms where !matched.contains(node.name) {
                        if try matches(term, node) { matched.insert(node.name) }
                    }
                }
                allowed = allowed.map { $0.intersection(matched) } ?? matched
            }
            if let allowed { must[allowed.sorted(), default: []].append(pod.id) }
            var preferred = Set<String>()
            for entry in try nodeAffinity?["preferredDuringSchedulingIgnoredDuringExecution"]?.elements() ?? [] {
                let term = try entry.required("preference", "a node selector term")
                for node in nodes {
                    if try matches(term, node) { preferred.insert(node.name) }
                }
            }
            if !preferred.isEmpty { should[preferred.sorted(), default: []].append(pod.id) }
            // Taints the pod does not tolerate.
            let tolerations = try spec["tolerations"]?.elements() ?? []
            var forbidden: [String] = [], avoided: [String] = []
            for node in nodes {
                for taint in node.taints {
                    if try tolerates(tolerations, taint) { continue }
                    if taint.effect == "PreferNoSchedule" { avoided.append(node.name) } else { forbidden.append(node.name) }
                }
            }
            if !forbidden.isEmpty { mustNot[Array(Set(forbidden)).sorted(), default: []].append(pod.id) }
            if !avoided.isEmpty { shouldNot[Array(Set(avoided)).sorted(), default: []].append(pod.id) }
        }
        for (policy, groups, name) in [(VMHostPolicy.must, must, "node-selector"), (.should, should, "node-preference"),
                                       (.mustNot, mustNot, "taint"), (.shouldNot, shouldNot, "taint-preference")] {
            for (hosts, members) in groups.sorted(by: { $0.value[0] < $1.value[0] }) {
                cluster.addRule(Rule(id: name, kind: .vmHost, vms: members, hosts: hosts, policy: policy))
            }
        }
        addPodRules(podTerms, pods: pods, nodes: Dictionary(cluster.vms.map { ($0.id, $0.host) }, uniquingKeysWith: { a, _ in a }), to: &cluster)
    }

    /// Whether `node` matches a node selector term (`matchExpressions` on labels,
    /// `matchFields` on `metadata.name`), all of its requirements.
    static func matches(_ term: JSONNode, _ node: NodeRecord) throws(ImportError) -> Bool {
        for expression in try term["matchExpressions"]?.elements() ?? [] {
            if try !requirement(expression, node.labels, numeric: true) { return false }
        }
        for field in try term["matchFields"]?.elements() ?? [] {
            let key = try field.required("key", "metadata.name").string()
            guard key == "metadata.name" else { throw field.error("matchFields supports only metadata.name, got \(DisplayText.quoted(key))") }
            if try !requirement(field, ["metadata.name": node.name], numeric: false) { return false }
        }
        return true
    }

    /// One `{key, operator, values}` requirement against labels.
    static func requirement(_ expression: JSONNode, _ labels: [String: String], numeric: Bool) throws(ImportError) -> Bool {
        let key = try expression.required("key", "a label key").string()
        let op = try expression.required("operator", "In, NotIn, Exists, DoesNotExist, Gt or Lt")
        let values = try expression["values"]?.strings() ?? []
        let label = labels[key]
        switch try op.string() {
        case "In": return label.map(values.contains) ?? false
        case "NotIn": return label.map { !values.contains($0) } ?? true
        case "Exists": return label != nil
        case "DoesNotExist": return label == nil
        case "Gt" where numeric, "Lt" where numeric:
            guard values.count == 1, let bound = Int(values[0]) else { throw expression.error("Gt and Lt take one integer value") }
            guard let label, let number = Int(label) else { return false }
            return try op.string() == "Gt" ? number > bound : number < bound
        case let other: throw op.error("unknown operator \(DisplayText.quoted(other))")
        }
    }

    /// Whether one of the tolerations tolerates the taint.
    static func tolerates(_ tolerations: [JSONNode], _ taint: (key: String, value: String, effect: String)) throws(ImportError) -> Bool {
        for toleration in tolerations {
            let effect = try toleration["effect"]?.string() ?? ""
            guard effect.isEmpty || effect == taint.effect else { continue }
            let op = try toleration["operator"]?.string() ?? "Equal"
            let key = try toleration["key"]?.string() ?? ""
            if op == "Exists" && (key.isEmpty || key == taint.key) { return true }
            let value = try toleration["value"]?.string() ?? ""
            if op == "Equal" && key == taint.key && value == taint.value { return true }
        }
        return false
    }

    /// A pod (anti-)affinity term of one pod: the pods it selects and how.
    struct PodTerm {
        var owner: String
        var anti: Bool
        var hard: Bool
        var selector: JSONNode
        var namespaces: Set<String>?   // nil: every namespace
        var key: String                // the term, for grouping identical terms
    }

    static func podTerms(_ pod: PodRecord, _ cluster: inout ImportedCluster) throws(ImportError) -> [PodTerm] {
        var terms: [PodTerm] = []
        for (field, anti) in [("podAffinity", false), ("podAntiAffinity", true)] {
            guard let affinity = pod.spec["affinity"]?[field] else { continue }
            var entries: [(JSONNode, Bool)] = []
            for term in try affinity["requiredDuringSchedulingIgnoredDuringExecution"]?.elements() ?? [] { entries.append((term, true)) }
            for weighted in try affinity["preferredDuringSchedulingIgnoredDuringExecution"]?.elements() ?? [] {
                entries.append((try weighted.required("podAffinityTerm", "the weighted term"), false))
            }
            for (term, hard) in entries {
                let topology = try term.required("topologyKey", "the topology key").string()
                guard topology == "kubernetes.io/hostname" else {
                    cluster.warn("pod \(DisplayText.quoted(pod.id)): \(field) on topology \(DisplayText.quoted(topology)) not mapped (only kubernetes.io/hostname is a host)")
                    continue
                }
                var namespaces: Set<String>? = Set(try term["namespaces"]?.strings() ?? [])
                if let selector = term["namespaceSelector"] {
                    if try selector.members().isEmpty { namespaces = nil } else {
                        cluster.warn("pod \(DisplayText.quoted(pod.id)): a namespaceSelector is not evaluated; the pod's own and listed namespaces are used")
                    }
                }
                if namespaces?.isEmpty == true { namespaces = [pod.namespace] }
                let selector = term["labelSelector"] ?? JSONNode(value: .object([]), path: term.path + ".labelSelector", file: term.file)
                let key = "\(anti) \(hard) \(namespaces?.sorted() ?? ["*"]) \(JSONWriter.write(selector.value, pretty: false))"
                terms.append(PodTerm(owner: pod.id, anti: anti, hard: hard, selector: selector, namespaces: namespaces, key: key))
            }
        }
        return terms
    }

    /// Whether a label selector (`matchLabels`, `matchExpressions`) selects `labels`.
    static func selects(_ selector: JSONNode, _ labels: [String: String]) throws(ImportError) -> Bool {
        for (key, value) in try selector["matchLabels"]?.stringMap() ?? [:] where labels[key] != value { return false }
        for expression in try selector["matchExpressions"]?.elements() ?? [] {
            if try !requirement(expression, labels, numeric: false) { return false }
        }
        return true
    }

    /// Terms as rules. Anti-affinity: when the pods declaring a term are exactly the pods it
    /// selects (the usual spread of one workload), one rule for all of them; otherwise one rule
    /// per declaring pod and selected pod. Affinity ("on a node with at least one selected
    /// pod") has no exact rule: each declaring pod gets a soft affinity rule with one selected
    /// pod, the one on its node when there is one, with a warning.
    static func addPodRules(_ terms: [PodTerm], pods: [PodRecord], nodes: [String: String?], to cluster: inout ImportedCluster) {
        var groups: [String: [PodTerm]] = [:]
        var order: [String] = []
        for term in terms {
            if groups[term.key] == nil { order.append(term.key) }
            groups[term.key, default: []].append(term)
        }
        for key in order {
            let group = groups[key]!
            let first = group[0]
            let selected = pods.filter { pod in
                (first.namespaces?.contains(pod.namespace) ?? true) && ((try? selects(first.selector, pod.labels)) ?? false)
            }.map(\.id)
            let owners = group.map(\.owner)
            let name = (first.anti ? "pod-anti-affinity" : "pod-affinity") + "-" + (owners[0].split(separator: "/").last.map(String.init) ?? "pod")
            if !first.anti {
                for owner in owners {
                    let others = selected.filter { $0 != owner }
                    guard let partner = others.first(where: { nodes[$0] ?? nil == nodes[owner] ?? nil && nodes[owner] ?? nil != nil }) ?? others.first else { continue }
                    cluster.warn("pod \(DisplayText.quoted(owner)): \(first.hard ? "required" : "preferred") pod affinity mapped as a soft affinity rule with \(DisplayText.quoted(partner))")
                    cluster.addRule(Rule(id: name, kind: .affinity, vms: [owner, partner], required: false), minimum: 2)
                }
            } else if Set(owners) == Set(selected) {
                cluster.addRule(Rule(id: name, kind: .antiAffinity, vms: owners, required: first.hard), minimum: 2)
            } else {
                for owner in owners {
                    for other in selected where other != owner {
                        cluster.addRule(Rule(id: name, kind: .antiAffinity, vms: [owner, other], required: first.hard), minimum: 2)
                    }
                }
            }
        }
    }
}
