import ArgumentParser
import OpenDRS

/// `--target` of `--format commands`: the platform whose command-line tools the script calls.
enum CommandTarget: String, ExpressibleByArgument, CaseIterable {
    /// VMware vSphere through `govc`.
    case vsphere
    /// Proxmox VE through `qm` and `pct` (over ssh to the node that holds the guest).
    case proxmox
    /// OpenStack Nova through the `openstack` client.
    case openstack
    /// Kubernetes through `kubectl` (evictions; the scheduler picks the node).
    case kubernetes
}

/// A plan that `--format commands` cannot write for the target (an id the platform's tools
/// cannot name); bad input, exit 2.
struct CommandScriptError: Error, CustomStringConvertible {
    var description: String
}

/// What one step becomes: commands run one after the other (each a list of shell words,
/// already quoted), and notes for what the platform does by itself or needs a person for.
struct StepActions {
    var commands: [[String]] = []
    var notes: [String] = []
}

/// The plan as a POSIX shell script for one platform (`drs plan --format commands --target T`):
/// wave by wave, the steps of a wave started together in the background, then waited for; a
/// wave whose command fails stops the script before the next wave. Each step is preceded by a
/// comment with its kind, subject, route, reason, estimated seconds and priority. Only the
/// applied steps are written unless `includeRecommended` (`--all-steps`).
///
/// Ids reach the shell only inside single quotes (a `'` written as `'\''`), and after `--` or
/// as `-option=value` where the tool reads options, so no id is ever read as shell syntax or as
/// an option; an id with a NUL byte cannot be passed to a program and is refused. Comments
/// show ids and reasons escaped (`DisplayText`): no newline or control character reaches them.
/// Proxmox and Kubernetes ids are checked against the platform's own naming rules first.
struct CommandScript {
    var snapshot: Snapshot
    var plan: Plan
    var target: CommandTarget
    var includeRecommended: Bool

    /// The whole script, ending with a newline.
    func render() throws(CommandScriptError) -> String {
        let steps = plan.steps.filter { includeRecommended || $0.applied }
        let left = plan.steps.count - steps.count
        var lines = header(steps: steps.count, left: left)
        let maintenance = snapshot.hosts.filter { $0.state == .maintenance }.map(\.id)
        let before = try maintenance.map { host throws(CommandScriptError) in try hostActions(entering: host, beforeWaves: true) }
        append(before, title: "hosts entering maintenance, before the first wave", to: &lines)
        var waves: [Int: [Step]] = [:]
        for step in steps { waves[step.wave, default: []].append(step) }
        for wave in waves.keys.sorted() {
            let members = waves[wave]!
            let estimate = wave - 1 < plan.waveSeconds.count ? plan.waveSeconds[wave - 1] : members.map(\.seconds).max() ?? 0
            lines.append("")
            lines.append("# wave \(wave): \(members.count) step(s), estimated \(seconds(estimate)) s")
            lines.append("drs_pids=\"\"")
            for step in members {
                lines.append("# " + describe(step))
                let actions = try self.actions(for: step)
                for note in actions.notes { lines.append("#   " + note) }
                if actions.commands.isEmpty { continue }
                let joined = actions.commands.map { $0.joined(separator: " ") }
                lines.append(joined.count == 1 ? "\(joined[0]) &" : "{ \(joined.joined(separator: " && ")); } &")
                lines.append("drs_pids=\"$drs_pids $!\"")
            }
            lines.append("drs_wait \(wave) $drs_pids")
        }
        let after = try maintenance.map { host throws(CommandScriptError) in try hostActions(entering: host, beforeWaves: false) }
        append(after, title: "hosts entering maintenance, once they are empty", to: &lines)
        lines.append("")
        lines.append("echo \"OpenDRS: \(waves.count) wave(s) carried out\" >&2")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Commands and notes for maintenance hosts, under a comment, when there are any.
    private func append(_ actions: [StepActions], title: String, to lines: inout [String]) {
        let commands = actions.flatMap(\.commands)
        guard !commands.isEmpty || actions.contains(where: { !$0.notes.isEmpty }) else { return }
        lines.append("")
        lines.append("# \(title)")
        for action in actions {
            for note in action.notes { lines.append("#   " + note) }
            for command in action.commands { lines.append(command.joined(separator: " ")) }
        }
    }

    private func header(steps: Int, left: Int) -> [String] {
        let name = snapshot.cluster.name.map { " of cluster " + comment($0) } ?? ""
        var lines = [
            "#!/bin/sh",
            "# OpenDRS \(Release.version): the plan\(name) for \(target.rawValue), written by drs plan --format commands.",
            "# Plan status \(plan.status.rawValue), solver \(comment(plan.solver)); \(steps) step(s) in this script" +
                (left > 0 ? ", \(left) recommended step(s) left out (--all-steps writes them)." : "."),
            "# Tools: \(Self.tools[target]!). Review before running; a failed command stops the script",
            "# before the next wave.",
            "set -eu",
            "",
            "# Waits for the commands of one wave; stops the script when one of them failed.",
            "drs_wait() {",
            "  drs_wave=$1; shift; drs_failed=0",
            "  for drs_pid in \"$@\"; do wait \"$drs_pid\" || drs_failed=1; done",
            "  if [ \"$drs_failed\" -ne 0 ]; then echo \"OpenDRS: wave $drs_wave failed; later waves not started\" >&2; exit 1; fi",
            "  echo \"OpenDRS: wave $drs_wave done\" >&2",
            "}",
        ]
        if target == .proxmox {
            lines += [
                "",
                "# Runs a command on a cluster node: here when it is this node, else over the cluster's root ssh.",
                "drs_on() {",
                "  drs_node=$1; shift",
                "  if [ \"$drs_node\" = \"$(hostname)\" ]; then \"$@\"; else ssh -o BatchMode=yes \"root@$drs_node\" \"$@\"; fi",
                "}",
            ]
        }
        return lines
    }

    static let tools: [CommandTarget: String] = [
        .vsphere: "govc (GOVC_URL and credentials in the environment)",
        .proxmox: "qm and pct on a cluster node, root ssh between the nodes",
        .openstack: "the openstack client (compute API 2.30 or later, admin credentials)",
        .kubernetes: "kubectl with rights to evict pods and cordon nodes",
    ]

    /// The comment line of a step: kind, subject, route, reason, estimate and priority.
    func describe(_ step: Step) -> String {
        let subject = comment(step.vm ?? step.host ?? "?") + (step.secondary == true ? " (FT secondary)" : "")
        let route: String
        if let to = step.to {
            route = step.from.map { " \(comment($0)) -> \(comment(to))" } ?? " on \(comment(to))"
        } else {
            route = ""
        }
        let applied = step.applied ? "" : ", recommended only"
        return "\(step.kind.rawValue) \(subject)\(route): \(comment(step.reason)) (estimated \(seconds(step.seconds)) s, priority \(step.priority)\(applied))"
    }

    /// Text for a comment: escaped (no newline or control character) and cut.
    func comment(_ text: String) -> String { DisplayText.escaped(text, limit: 200) }

    func seconds(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
    }
}

/// POSIX shell quoting: the text in single quotes, each `'` as `'\''`. Text with a NUL byte
/// cannot be an argument of any program and is refused.
func shellQuoted(_ text: String, what: @autoclosure () -> String) throws(CommandScriptError) -> String {
    if text.utf8.contains(0) {
        throw CommandScriptError(description: "\(what()) \(DisplayText.quoted(text)) contains a NUL character, which no command line can carry")
    }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
