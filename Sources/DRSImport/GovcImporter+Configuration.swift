@_spi(Benchmarks) import DRSModel

/// A vSphere cluster's `configurationEx` (ClusterConfigInfoEx) as snapshot settings and rules:
/// see `GovcImporter`.
struct GovcConfiguration {
    /// VM and host names by managed object id.
    var vmNames: [String: String]
    var hostNames: [String: String]

    func apply(_ configuration: JSONNode, to cluster: inout ImportedCluster) throws(ImportError) {
        if let drs = configuration.member("drsConfig") {
            let enabled = try drs.member("enabled")?.bool() ?? true
            switch try drs.member("defaultVmBehavior")?.string() ?? "fullyAutomated" {
            case "manual": cluster.cluster.automation = .manual
            case "partiallyAutomated": cluster.cluster.automation = .partial
            default: cluster.cluster.automation = .full
            }
            if !enabled {
                cluster.cluster.automation = .manual
                cluster.warn("DRS is disabled on the cluster: every move is only recommended (automation manual)")
            }
            if let rate = try drs.member("vmotionRate")?.number(), (1...5).contains(rate), rate == rate.rounded() {
                cluster.cluster.migrationThreshold = 6 - Int(rate)
            }
        }
        if let das = configuration.member("dasConfig") {
            var ha = HASettings(enabled: try das.member("enabled")?.bool() ?? false)
            if try das.member("admissionControlEnabled")?.bool() == true, let policy = das.member("admissionControlPolicy") {
                if let level = try policy.member("failoverLevel")?.number(), level >= 0 {
                    ha.hostFailuresToTolerate = min(Int(level), max(0, cluster.hosts.count - 1))
                } else {
                    let type = try policy.member("_typeName")?.string() ?? "of an unknown type"
                    cluster.warn("HA admission control policy \(type) not mapped (only a host failure count is)")
                }
            }
            cluster.cluster.ha = ha
            let clusterPriority = try das.member("defaultVmSettings")?.member("restartPriority")?.string()
            for entry in try configuration.member("dasVmConfig")?.elements() ?? [] {
                guard let vm = try vmIndex(entry.member("key"), cluster) else { continue }
                var priority = try entry.member("dasSettings")?.member("restartPriority")?.string()
                if priority == nil { priority = try entry.member("restartPriority")?.string() }
                if priority == "clusterRestartPriority" { priority = clusterPriority }
                if let priority, let restart = RestartPriority(rawValue: priority) { cluster.vms[vm].restartPriority = restart }
            }
        }
        for entry in try configuration.member("drsVmConfig")?.elements() ?? [] {
            guard let vm = try vmIndex(entry.member("key"), cluster) else { continue }
            if try entry.member("enabled")?.bool() == false {
                cluster.vms[vm].automation = .disabled
                continue
            }
            switch try entry.member("behavior")?.string() {
            case "manual": cluster.vms[vm].automation = .manual
            case "partiallyAutomated": cluster.vms[vm].automation = .partial
            case "fullyAutomated": cluster.vms[vm].automation = .full
            default: break
            }
        }
        try addRules(configuration, to: &cluster)
    }

    func vmIndex(_ key: JSONNode?, _ cluster: ImportedCluster) throws(ImportError) -> Int? {
        guard let id = try GovcImporter.reference(key), let name = vmNames[id] else { return nil }
        return cluster.vms.firstIndex { $0.id == name }
    }

    func addRules(_ configuration: JSONNode, to cluster: inout ImportedCluster) throws(ImportError) {
        var vmGroups: [String: [String]] = [:], hostGroups: [String: [String]] = [:]
        for group in try configuration.member("group")?.elements() ?? [] {
            let name = try group.required("name", "the group name").string()
            if let vms = group.member("vm") {
                vmGroups[name] = try GovcImporter.names(vms, vmNames)
            } else if let hosts = group.member("host") {
                hostGroups[name] = try GovcImporter.names(hosts, hostNames)
            } else {
                vmGroups[name] = []
            }
        }
        for rule in try configuration.member("rule")?.elements() ?? [] {
            let name = try rule.required("name", "the rule name").string()
            if try rule.member("enabled")?.bool() == false {
                cluster.warn("rule \(DisplayText.quoted(name)) is disabled; left out")
                continue
            }
            let type = try rule.member("_typeName")?.string()
            let mandatory = try rule.member("mandatory")?.bool() ?? false
            if let vmGroup = try rule.member("vmGroupName")?.string() {
                let vms = vmGroups[vmGroup] ?? []
                if let hosts = try rule.member("affineHostGroupName")?.string() {
                    cluster.addRule(Rule(id: name, kind: .vmHost, vms: vms, hosts: hostGroups[hosts] ?? [], policy: mandatory ? .must : .should))
                } else if let hosts = try rule.member("antiAffineHostGroupName")?.string() {
                    cluster.addRule(Rule(id: name, kind: .vmHost, vms: vms, hosts: hostGroups[hosts] ?? [], policy: mandatory ? .mustNot : .shouldNot))
                } else {
                    cluster.warn("rule \(DisplayText.quoted(name)): a VM-host rule without a host group; left out")
                }
            } else if type == "ClusterAffinityRuleSpec" || type == "ClusterAntiAffinityRuleSpec" {
                let vms = try GovcImporter.names(rule.member("vm"), vmNames)
                cluster.addRule(Rule(id: name, kind: type == "ClusterAffinityRuleSpec" ? .affinity : .antiAffinity, vms: vms, required: true), minimum: 2)
            } else if rule.member("vm") != nil {
                cluster.warn("rule \(DisplayText.quoted(name)): VM-VM rule without _typeName (govc before 0.30 does not say affinity or anti-affinity); left out")
            } else {
                cluster.warn("rule \(DisplayText.quoted(name)) of type \(DisplayText.quoted(type ?? "unknown")) not mapped")
            }
        }
    }
}
