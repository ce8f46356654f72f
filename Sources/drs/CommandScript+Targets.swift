import OpenDRS

/// Each platform's commands for each kind of step (`CommandScript.actions(for:)`), and what it
/// does for hosts entering maintenance. A step the platform carries out by itself (an HA restart
/// on vSphere, an election) or that needs a person (powering a host on) becomes a note.
extension CommandScript {
    func actions(for step: Step) throws(CommandScriptError) -> StepActions {
        switch target {
        case .vsphere: return try vsphere(step)
        case .proxmox: return try proxmox(step)
        case .openstack: return try openstack(step)
        case .kubernetes: return try kubernetes(step)
        }
    }

    /// Commands for a host entering maintenance: before the first wave (so nothing new lands on
    /// it) or after the last (once it is empty).
    func hostActions(entering host: String, beforeWaves: Bool) throws(CommandScriptError) -> StepActions {
        var actions = StepActions()
        switch (target, beforeWaves) {
        case (.vsphere, false):
            actions.commands = [["govc", "host.maintenance.enter", "--", try quoted(host, "host")]]
        case (.proxmox, false):
            actions.commands = [["ha-manager", "crm-command", "node-maintenance", "enable", try node(host)]]
        case (.openstack, true):
            actions.commands = [["openstack", "compute", "service", "set", "--disable", "--disable-reason", "'OpenDRS: maintenance'",
                                 "--", try quoted(host, "host"), "nova-compute"]]
        case (.kubernetes, true):
            actions.commands = [["kubectl", "cordon", "--", try kubernetesName(host, "node", label: false)]]
        case (.kubernetes, false):
            actions.commands = [["kubectl", "drain", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=600s", "--",
                                 try kubernetesName(host, "node", label: false)]]
        default:
            break
        }
        return actions
    }

    // MARK: vSphere (govc)

    private func vsphere(_ step: Step) throws(CommandScriptError) -> StepActions {
        var actions = StepActions()
        let planned = "planned host: " + comment(step.to ?? step.host ?? "?")
        switch step.kind {
        case .migrate where step.secondary != true:
            actions.commands = [["govc", "vm.migrate", "-host=" + (try quoted(step.to!, "host")), "--", try quoted(step.vm!, "VM")]]
        case .place where step.secondary != true:
            let vm = try quoted(step.vm!, "VM")
            actions.commands = [["govc", "vm.migrate", "-host=" + (try quoted(step.to!, "host")), "--", vm],
                                ["govc", "vm.power", "-on", "--", vm]]
        case .migrate, .place:
            actions.notes = ["vSphere Fault Tolerance places and moves secondaries itself; no govc command (\(planned))"]
        case .restart:
            actions.notes = ["vSphere HA restarts the VM itself (\(planned)); without HA, register it there and power it on"]
        case .promote:
            actions.notes = ["vSphere Fault Tolerance promotes the secondary itself; nothing to run"]
        case .elect:
            actions.notes = ["vSphere HA elects its primary host itself; nothing to run"]
        case .standby:
            actions.notes = ["govc has no standby command: Enter Standby Mode in the vSphere Client (or the API's PowerDownHostToStandBy_Task)"]
        case .powerOn:
            actions.notes = ["govc has no power-on command for standby hosts: Power On in the vSphere Client (or PowerUpHostFromStandBy_Task)"]
        }
        return actions
    }

    // MARK: Proxmox VE (qm, pct)

    private func proxmox(_ step: Step) throws(CommandScriptError) -> StepActions {
        var actions = StepActions()
        switch step.kind {
        case .migrate where step.secondary != true:
            let guest = try proxmoxGuest(step.vm!)
            let source = try node(step.from!), destination = try node(step.to!)
            actions.commands = [guest.container
                ? ["drs_on", source, "pct", "migrate", guest.id, destination, "--restart"]
                : ["drs_on", source, "qm", "migrate", guest.id, destination, "--online"]]
            if guest.container { actions.notes = ["containers cannot move live: pct restarts it on the target"] }
        case .migrate, .promote:
            actions.notes = ["Proxmox VE has no Fault Tolerance secondaries; nothing to run"]
        case .place where step.secondary == true:
            actions.notes = ["Proxmox VE has no Fault Tolerance secondaries; nothing to run"]
        case .place:
            let guest = try proxmoxGuest(step.vm!)
            actions.notes = ["a Proxmox guest always belongs to a node: create or move \(guest.id) to \(try node(step.to!)), then start it"]
        case .restart:
            let guest = try proxmoxGuest(step.vm!)
            actions.notes = ["the HA manager recovers HA-managed guests itself; for others, move /etc/pve/nodes/\(try node(step.from!))/"
                             + "\(guest.container ? "lxc" : "qemu-server")/\(guest.id).conf to node \(try node(step.to!)) and start it there"]
        case .elect:
            actions.notes = ["the HA manager elects its master itself; nothing to run"]
        case .standby:
            actions.notes = ["power node \(try node(step.host!)) off (for example: drs_on \(try node(step.host!)) poweroff)"]
        case .powerOn:
            actions.notes = ["power node \(try node(step.host!)) on (IPMI or Wake-on-LAN) and wait until it has joined the cluster"]
        }
        return actions
    }

    /// A Proxmox guest id: `qemu/N`, `lxc/N` or `N` (a VM), N a VMID of 1 to 9 digits.
    func proxmoxGuest(_ id: String) throws(CommandScriptError) -> (id: String, container: Bool) {
        var number = Substring(id)
        var container = false
        if id.hasPrefix("qemu/") { number = number.dropFirst(5) } else if id.hasPrefix("lxc/") { number = number.dropFirst(4); container = true }
        guard (1...9).contains(number.count), number.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw CommandScriptError(description: "--target proxmox: VM id \(DisplayText.quoted(id)) is not a Proxmox guest (qemu/VMID, lxc/VMID or VMID)")
        }
        return (String(number), container)
    }

    /// A Proxmox node name: letters, digits, `-` and `.`, starting with a letter or digit, at
    /// most 63 characters.
    func node(_ name: String) throws(CommandScriptError) -> String {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || ("0"..."9").contains(first), name.count <= 63,
              name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == ".") })
        else {
            throw CommandScriptError(description: "--target proxmox: host id \(DisplayText.quoted(name)) is not a Proxmox node name (letters, digits, - and .)")
        }
        return name
    }

    // MARK: OpenStack (openstack)

    private func openstack(_ step: Step) throws(CommandScriptError) -> StepActions {
        var actions = StepActions()
        let compute = ["openstack", "--os-compute-api-version", "2.30"]
        switch step.kind {
        case .migrate where step.secondary != true:
            actions.commands = [compute + ["server", "migrate", "--live-migration", "--host=" + (try quoted(step.to!, "host")), "--wait",
                                           "--", try quoted(step.vm!, "server")]]
        case .restart where step.secondary != true:
            actions.commands = [compute + ["server", "evacuate", "--host=" + (try quoted(step.to!, "host")), "--wait",
                                           "--", try quoted(step.vm!, "server")]]
        case .place where step.secondary != true:
            actions.notes = ["create the server on \(comment(step.to!)): openstack server create ... --availability-zone ZONE:\(comment(step.to!))"]
        case .migrate, .restart, .place, .promote:
            actions.notes = ["OpenStack Nova has no Fault Tolerance secondaries; nothing to run"]
        case .elect:
            actions.notes = ["Nova has no HA master; nothing to run"]
        case .standby:
            actions.commands = [["openstack", "compute", "service", "set", "--disable", "--disable-reason", "'OpenDRS: standby'",
                                 "--", try quoted(step.host!, "host"), "nova-compute"]]
            actions.notes = ["then power \(comment(step.host!)) off"]
        case .powerOn:
            actions.notes = ["power \(comment(step.host!)) on first and wait until its nova-compute reports up"]
            actions.commands = [["openstack", "compute", "service", "set", "--enable", "--", try quoted(step.host!, "host"), "nova-compute"]]
        }
        return actions
    }

    // MARK: Kubernetes (kubectl)

    private func kubernetes(_ step: Step) throws(CommandScriptError) -> StepActions {
        var actions = StepActions()
        switch step.kind {
        case .migrate where step.secondary != true:
            let pod = try kubernetesPod(step.vm!)
            let eviction = #"{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"\#(pod.name)","namespace":"\#(pod.namespace)"}}"#
            actions.commands = [
                ["printf", "'%s\\n'", try quoted(eviction, "eviction"), "|", "kubectl", "create", "--raw",
                 try quoted("/api/v1/namespaces/\(pod.namespace)/pods/\(pod.name)/eviction", "path"), "-f", "-"],
                ["kubectl", "wait", "--for=delete", "--timeout=600s", "-n", try quoted(pod.namespace, "namespace"),
                 try quoted("pod/" + pod.name, "pod")],
            ]
            actions.notes = ["the pod's controller recreates it and the scheduler picks the node (planned: \(comment(step.to!)))"]
        case .restart where step.secondary != true:
            let pod = try kubernetesPod(step.vm!)
            actions.commands = [["kubectl", "delete", "pod", "-n", try quoted(pod.namespace, "namespace"), "--grace-period=0", "--force",
                                 "--", try quoted(pod.name, "pod")]]
            actions.notes = ["its node failed: the pod is deleted for its controller to recreate it (planned: \(comment(step.to!)))"]
        case .place where step.secondary != true:
            actions.notes = ["the scheduler places pending pods itself (planned: \(comment(step.to!)))"]
        case .migrate, .restart, .place, .promote:
            actions.notes = ["Kubernetes has no Fault Tolerance secondaries; nothing to run"]
        case .elect:
            actions.notes = ["Kubernetes has no HA master to elect among nodes; nothing to run"]
        case .standby:
            actions.commands = [["kubectl", "cordon", "--", try kubernetesName(step.host!, "node", label: false)]]
            actions.notes = ["then power the node off"]
        case .powerOn:
            let node = try kubernetesName(step.host!, "node", label: false)
            actions.notes = ["power the node on first"]
            actions.commands = [["kubectl", "wait", "--for=condition=Ready", "--timeout=900s", try quoted("node/" + node, "node")],
                                ["kubectl", "uncordon", "--", node]]
        }
        return actions
    }

    /// A pod id as the Kubernetes importer writes it, `NAMESPACE/NAME` (or `NAME` in the
    /// `default` namespace), both DNS-1123 names.
    func kubernetesPod(_ id: String) throws(CommandScriptError) -> (namespace: String, name: String) {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else {
            throw CommandScriptError(description: "--target kubernetes: VM id \(DisplayText.quoted(id)) is not a pod (NAMESPACE/NAME)")
        }
        let namespace = parts.count == 2 ? parts[0] : "default"
        return (try kubernetesName(namespace, "namespace", label: true), try kubernetesName(parts.last!, "pod", label: false))
    }

    /// A DNS-1123 name: lowercase letters, digits and `-` (and `.` unless a label), starting and
    /// ending with a letter or digit; at most 63 characters for a label, 253 otherwise.
    func kubernetesName(_ name: String, _ what: String, label: Bool) throws(CommandScriptError) -> String {
        func alphanumeric(_ scalar: Unicode.Scalar) -> Bool { ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) }
        let scalars = name.unicodeScalars
        guard let first = scalars.first, let last = scalars.last, alphanumeric(first), alphanumeric(last),
              scalars.count <= (label ? 63 : 253),
              scalars.allSatisfy({ alphanumeric($0) || $0 == "-" || (!label && $0 == ".") })
        else {
            throw CommandScriptError(description: "--target kubernetes: \(what) name \(DisplayText.quoted(name)) is not a Kubernetes name (DNS-1123: lowercase letters, digits, -\(label ? "" : " and ."))")
        }
        return name
    }

    func quoted(_ text: String, _ what: String) throws(CommandScriptError) -> String {
        try shellQuoted(text, what: "--target \(target.rawValue): \(what) id")
    }
}
