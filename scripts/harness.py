#!/usr/bin/env python3
"""Randomized differential harness for `drs` (long runs; python3 standard library only).

Each case is one seed of `drs generate --class hostile` (the same generator the test suite's
HarnessTests uses). Every solver runs through `plan`, `plan --apply NEXT.json`,
`failover --fail H`, `failover --all` and `evacuate --host H`, and these properties hold:

  exit      no signal and no exit 1: exit 0, 2 or 3 only;
  exit2     exit 2 only for invalid input (a snapshot `drs validate` accepts never gets 2,
            one it refuses always does);
  utf8      a file that is not valid UTF-8 is invalid input;
  json      the stdout of an exit-0 (or exit-3) JSON answer parses as JSON;
  check     an exit-0 plan passes `drs check` against the snapshot it was planned for
            (failover: those hosts failed; evacuate: those hosts in maintenance);
            `checkinput` when `drs check` refuses that snapshot itself as invalid input;
  applied   an exit-3 answer applies no step;
  apply     the `--apply` snapshot validates and equals the input with the plan's applied
            steps replayed (VM hosts, FT secondaries, host states, HA master);
  same      the same command run twice ends the same way (exit code, NEXT.json kept) and, when
            both runs ended before the time limit and neither plan's `termination` says the
            clock cut it short (`feasibleTimeLimit`, `modelTooLarge`), prints the same bytes
            (the `seconds` values aside) and writes the same `--apply` bytes;
  time      wall time within --time-limit plus --overhead (a run is counted late only when
            its CPU time is over too, so a loaded machine does not make solvers late);
  input     the input file is never changed.

Hostile arguments ride along on some cases: `--time-limit 9.3e15` and a plan whose wave,
priority or seconds is 1e300 given to `drs check` (no signal, no exit 1 from planning).

A failing case is shrunk (VMs, hosts, rules, rule members, resources and optional fields are
dropped while the same failure persists) and the minimal snapshot written to --failures.

  swift build -c release --product drs
  python3 scripts/harness.py --cases 5000 --jobs 2
"""

import argparse
import json
import multiprocessing
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

SOLVERS = ["auto", "exact", "greedy", "ffd-l2", "ffd-sum", "ffd-max", "dot-product", "least-loaded",
           "local-search", "bin-centric", "portfolio"]
COMMANDS = ["plan", "apply", "fail", "all", "evacuate"]
OK_EXITS = (0, 2, 3)
SECONDS = re.compile(rb'"seconds": [-0-9.e+]+')


def parse_args(argv=None):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--drs", default=os.path.join(root, ".build/release/drs"), help="drs binary (release)")
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1, help="first seed; cases use SEED ... SEED+CASES-1")
    p.add_argument("--jobs", type=int, default=2, help="parallel cases (at most 2 on this machine)")
    p.add_argument("--max-hosts", type=int, default=8)
    p.add_argument("--max-vms", type=int, default=24)
    p.add_argument("--time-limit", type=float, default=1.0)
    p.add_argument("--overhead", type=float, default=2.0, help="seconds allowed above the time limit")
    p.add_argument("--solvers", default=",".join(SOLVERS))
    p.add_argument("--failures", default=os.path.join(tempfile.gettempdir(), "drs-harness-failures"),
                   help="folder for shrunk failing snapshots")
    p.add_argument("--shrink", type=int, default=1, help="failing cases shrunk per class (property and command; 0: none)")
    p.add_argument("--replay", help="run the properties on this snapshot file only (no generator)")
    p.add_argument("--max-minutes", type=float, help="start no case after this many minutes (the summary counts the cases run)")
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


class Runner:
    """Runs drs in a private folder; every call is recorded with its wall time."""

    def __init__(self, drs, folder, limit):
        self.drs = drs
        self.folder = folder
        self.limit = limit

    # No backtrace on a crash: it takes a second or more, and the exit status says enough.
    ENV = dict(os.environ, SWIFT_BACKTRACE="enable=no")

    def run(self, args, stdin=None, timeout=None):
        """(exit code or "timeout", stdout, stderr, wall seconds); `self.cpu` is the child's CPU seconds."""
        start = time.monotonic()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            done = subprocess.run([self.drs] + args, input=stdin, capture_output=True, cwd=self.folder, env=self.ENV,
                                  timeout=timeout or (self.limit + 120))
            code, out, err = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as e:
            code, out, err = "timeout", e.stdout or b"", e.stderr or b""
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return code, out, err, time.monotonic() - start

    def path(self, name):
        return os.path.join(self.folder, name)


def load_json(data):
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def mark_hosts(snapshot, hosts, state):
    marked = json.loads(json.dumps(snapshot))
    for host in marked.get("hosts", []):
        if host.get("id") in hosts:
            host["state"] = state
    return marked


def replay_applied(snapshot, plan):
    """What the applied steps of `plan` make of `snapshot`: VM hosts, secondaries, host states, master."""
    vms = {vm["id"]: [vm.get("host"), (vm.get("ft") or {}).get("secondaryHost") if "ft" in vm else None, "ft" in vm]
           for vm in snapshot.get("vms", [])}
    states = {h["id"]: h.get("state", "connected") for h in snapshot.get("hosts", [])}
    ha = (snapshot.get("cluster") or {}).get("ha") or {}
    master = ha.get("master")
    has_ha = "ha" in (snapshot.get("cluster") or {})
    # With HA partitions only the election in the HA master's partition sets cluster.ha.master
    # (the unlisted hosts form one partition together).
    partition = {host: p for p, hosts in enumerate(ha.get("partitions") or []) for host in hosts}
    ha_master = plan.get("haMaster")
    for step in plan.get("steps", []):
        if not step.get("applied"):
            continue
        kind = step.get("kind")
        if kind == "elect":
            host = step.get("host")
            if not partition or ha_master is None or partition.get(host, -1) == partition.get(ha_master, -1):
                master = host
        elif kind == "standby":
            states[step.get("host")] = "standby"
        elif kind == "powerOn":
            states[step.get("host")] = "connected"
        elif kind == "promote" and step.get("vm") in vms:
            vms[step["vm"]][0] = step.get("to")
            vms[step["vm"]][1] = None
        elif kind in ("place", "restart", "migrate") and step.get("vm") in vms:
            vms[step["vm"]][1 if step.get("secondary") else 0] = step.get("to")
    return vms, states, master if has_ha else None


def snapshot_state(snapshot):
    vms = {vm["id"]: [vm.get("host"), (vm.get("ft") or {}).get("secondaryHost") if "ft" in vm else None, "ft" in vm]
           for vm in snapshot.get("vms", [])}
    states = {h["id"]: h.get("state", "connected") for h in snapshot.get("hosts", [])}
    ha = (snapshot.get("cluster") or {}).get("ha")
    return vms, states, (ha or {}).get("master") if ha is not None else None


def command_args(command, solver, options, fail_host, evacuate_host, seed):
    common = ["--solver", solver, "--time-limit", repr(options.time_limit), "--seed", str(seed % 1000), "--format", "json"]
    if command == "plan":
        return ["plan", "snapshot.json"] + common
    if command == "apply":
        return ["plan", "snapshot.json", "--apply", "next.json"] + common
    if command == "fail":
        return ["failover", "snapshot.json", "--fail", fail_host] + common
    if command == "all":
        return ["failover", "snapshot.json", "--all"] + common
    return ["evacuate", "snapshot.json", "--host", evacuate_host] + common


def masked(out):
    return SECONDS.sub(b'"seconds": S', out)


def check_case(runner, data, options, seed, solvers, repeat_solver, only=None):
    """Runs every command of every solver on the snapshot bytes `data`; returns failures as
    (signature, message) pairs. `only` = (command, solver, property) limits the run to that one
    check (used while shrinking)."""
    failures = []

    def fail(prop, command, solver, message):
        failures.append(("%s:%s:%s" % (prop, command, solver), message))

    snap_path = runner.path("snapshot.json")
    with open(snap_path, "wb") as f:
        f.write(data)
    code, out, err, _ = runner.run(["validate", "snapshot.json"])
    if code not in (0, 2):
        fail("exit", "validate", "-", "validate exit %s: %s" % (code, err[-300:].decode("utf-8", "replace")))
        return failures
    valid = code == 0
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        if valid:
            fail("utf8", "validate", "-", "a file that is not UTF-8 passes drs validate")
    snapshot = load_json(data) if valid else None
    if valid and not isinstance(snapshot, dict):
        # drs accepted what Python's strict reader refuses (invalid UTF-8): read it the lossy way.
        try:
            snapshot = json.loads(data.decode("utf-8", "replace"))
        except ValueError:
            snapshot = None
        if not isinstance(snapshot, dict):
            fail("harness", "validate", "-", "drs validate accepts a file the harness cannot read as a JSON object")
            return failures
    # A command-line argument cannot hold a NUL byte: a host whose id has one is never named.
    host_ids = [h.get("id") for h in (snapshot or {}).get("hosts", []) if isinstance(h, dict)]
    # With no host to name (none, or every id holds a NUL), `fail` and `evacuate` are not run.
    host_ids = [i for i in host_ids if isinstance(i, str) and "\x00" not in i]
    nameable = bool(host_ids) or not valid
    host_ids = host_ids or ["h1"]
    fail_host = host_ids[seed % len(host_ids)]
    evacuate_host = host_ids[(seed // 7) % len(host_ids)]
    if only is not None and only[0] not in COMMANDS:
        # A hostile-argument signature: plan with greedy for the plan to corrupt, then rerun it.
        if valid:
            code, out, _, _ = runner.run(command_args("plan", "greedy", options, fail_host, evacuate_host, seed))
            if code == 0 and load_json(out) is not None:
                failures += hostile_arguments(runner, out, seed, options)
        return [f for f in failures if f[0].split(":")[0] == only[2]]
    if only is not None:
        commands, solver_list = [only[0]], [only[1]]
    else:
        commands, solver_list = COMMANDS, (solvers if valid else solvers[seed % len(solvers):][:1])
    first_plan = None
    check_cache = {}
    for solver in solver_list:
        for command in commands:
            if command in ("fail", "evacuate") and not nameable:
                continue
            if os.path.exists(runner.path("next.json")):
                os.remove(runner.path("next.json"))
            args = command_args(command, solver, options, fail_host, evacuate_host, seed)
            code, out, err, wall = runner.run(args)
            message = "drs %s -> exit %s; stderr: %s" % (" ".join(args), code, stderr_summary(err))
            if code not in OK_EXITS:
                fail("exit", command, solver, message)
                continue
            if valid and code == 2:
                fail("exit2", command, solver, message)
                continue
            if not valid:
                if code != 2:
                    fail("exit2", command, solver, "invalid input accepted: " + message)
                continue
            # Over the limit in wall time and in CPU time: waiting for a busy machine is not
            # the solver's fault, computing past its deadline is.
            if wall > options.time_limit + options.overhead and runner.cpu > options.time_limit + options.overhead:
                fail("time", command, solver, "%.2f s wall, %.2f s CPU > %.1f + %.1f: %s" % (
                    wall, runner.cpu, options.time_limit, options.overhead, message))
            document = load_json(out) if out.strip() else None
            if code == 0 and document is None and command != "all":
                fail("json", command, solver, "stdout is not JSON: %r ... (%s)" % (out[:200], message))
                continue
            if command == "all":
                if out.strip() and document is None and not all(load_json(line) is not None for line in out.splitlines() if line.strip()):
                    fail("json", command, solver, "--format json ignored: %r" % out[:200])
                continue
            if code == 3:
                if isinstance(document, dict) and any(s.get("applied") for s in document.get("steps", [])):
                    fail("applied", command, solver, "exit 3 (%s) with applied steps: %s" % (document.get("status"), message))
                continue
            if not isinstance(document, dict):
                fail("json", command, solver, "stdout is not a plan object: " + message)
                continue
            if first_plan is None:
                first_plan = out
            checked = snapshot
            if command == "fail":
                checked = mark_hosts(snapshot, [fail_host], "failed")
            elif command == "evacuate":
                checked = mark_hosts(snapshot, [evacuate_host], "maintenance")
            with open(runner.path("checked.json"), "w") as f:
                json.dump(checked, f)
            with open(runner.path("plan.json"), "wb") as f:
                f.write(out)
            # Solvers often print the same plan: check each distinct one once per snapshot.
            key = (command, masked(out))
            if key not in check_cache:
                check_cache[key] = runner.run(["check", "checked.json", "plan.json"])
            c_code, c_out, c_err, _ = check_cache[key]
            if c_code == 2:
                fail("checkinput", command, solver, "drs check refuses the snapshot the plan was made for: %s (%s)" % (
                    (c_err or c_out)[-500:].decode("utf-8", "replace").strip(), " ".join(args)))
            elif c_code != 0:
                fail("check", command, solver, "drs check exit %s: %s (%s)" % (
                    c_code, (c_err or c_out)[-500:].decode("utf-8", "replace").strip(), " ".join(args)))
            if command == "apply":
                if not os.path.exists(runner.path("next.json")):
                    fail("apply", command, solver, "exit 0 but NEXT.json missing: " + message)
                else:
                    v_code, _, v_err, _ = runner.run(["validate", "next.json"])
                    if v_code != 0:
                        fail("apply", command, solver, "NEXT.json does not validate: %s" % v_err[-300:].decode("utf-8", "replace"))
                    with open(runner.path("next.json"), "rb") as f:
                        nxt = load_json(f.read())
                    expected = replay_applied(snapshot, document)
                    got = snapshot_state(nxt or {})
                    if got != expected:
                        diff = describe_diff(expected, got)
                        fail("apply", command, solver, "NEXT.json differs from the applied steps replayed: %s" % diff)
            if solver == repeat_solver or only is not None:
                first_next = open(runner.path("next.json"), "rb").read() if command == "apply" and os.path.exists(runner.path("next.json")) else None
                code2, out2, err2, wall2 = runner.run(args)
                second_next = open(runner.path("next.json"), "rb").read() if os.path.exists(runner.path("next.json")) else None
                # Runs that ended before their deadline must agree byte for byte; a run the
                # deadline cut may differ in its plan, and in whether one was found (exit 0 or 3,
                # an unknown answer the clock cut says `feasibleTimeLimit` too).
                in_time = max(wall, wall2) < options.time_limit and not (time_cut(out) or time_cut(out2))
                if code2 != code and not ({code, code2} == {0, 3} and (time_cut(out) or time_cut(out2))):
                    fail("same", command, solver, "second run ends otherwise: exit %s then %s: %s" % (code, code2, stderr_summary(err2)))
                elif in_time and masked(out2) != masked(out):
                    fail("same", command, solver, "second run differs: %s" % first_difference(out, out2))
                elif first_next is not None and second_next is None:
                    fail("same", command, solver, "second --apply onto the same NEXT.json deleted it")
                elif in_time and first_next is not None and second_next != first_next:
                    fail("same", command, solver, "second --apply onto the same NEXT.json wrote other bytes")
    with open(snap_path, "rb") as f:
        if f.read() != data:
            fail("input", "any", "-", "the input snapshot was changed")
    if only is None and valid and first_plan is not None:
        failures += hostile_arguments(runner, first_plan, seed, options)
    if only is not None:
        failures = [f for f in failures if f[0].split(":")[0] == only[2]]
    return failures


def stderr_summary(err):
    """The line that says why (a crash's fatal error first), else the end of stderr."""
    text = err.decode("utf-8", "replace")
    for line in text.splitlines():
        if "Fatal error" in line or "Assertion failed" in line or "Precondition failed" in line:
            return line.strip()[:400]
    return text[-400:].strip() or "(nothing: a trap without a message)"


def hostile_arguments(runner, plan_bytes, seed, options):
    """A huge time limit, and plans with absurd numbers given to `drs check`."""
    failures = []
    kind = seed % 3
    if kind == 0:
        args = ["plan", "snapshot.json", "--solver", "greedy", "--time-limit", "9.3e15"]
        code, out, err, wall = runner.run(args, timeout=60)
        if code not in OK_EXITS:
            failures.append(("exit:time-limit-9.3e15:greedy", "drs %s -> exit %s: %s" % (" ".join(args), code, stderr_summary(err))))
    else:
        plan = json.loads(plan_bytes)
        steps = plan.get("steps") or []
        field = ["wave", "priority", "seconds"][(seed // 3) % 3]
        value = [1e300, -1, 1e19][(seed // 9) % 3]
        if steps:
            steps[seed % len(steps)][field] = value
        else:
            plan["seconds"] = value
        with open(runner.path("hostile-plan.json"), "w") as f:
            json.dump(plan, f)
        code, out, err, _ = runner.run(["check", "snapshot.json", "hostile-plan.json"], timeout=60)
        if not isinstance(code, int) or code < 0 or code > 3:
            failures.append(("exit:check-%s-%g:-" % (field, value),
                             "drs check with a plan whose %s is %g -> exit %s: %s" % (field, value, code, stderr_summary(err))))
    return failures


def describe_diff(expected, got):
    parts = []
    names = ["vm", "host state", "master"]
    for index, (e, g) in enumerate(zip(expected, got)):
        if e == g:
            continue
        if isinstance(e, dict):
            keys = sorted(set(e) | set(g), key=str)
            diffs = ["%s: replayed %s, NEXT %s" % (k, e.get(k), g.get(k)) for k in keys if e.get(k) != g.get(k)]
            parts.append("%s: %s" % (names[index], "; ".join(diffs[:4])))
        else:
            parts.append("%s: replayed %s, NEXT %s" % (names[index], e, g))
    return " | ".join(parts)


def first_difference(a, b):
    a, b = masked(a), masked(b)
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "at byte %d: %r vs %r" % (i, a[max(0, i - 60):i + 60], b[max(0, i - 60):i + 60])
    return "lengths %d vs %d" % (len(a), len(b))


# Shrinking -------------------------------------------------------------------------------

def without_vm(snapshot, vm_id):
    s = json.loads(json.dumps(snapshot))
    s["vms"] = [vm for vm in s.get("vms", []) if vm.get("id") != vm_id]
    rules = []
    for rule in s.get("rules", []):
        rule["vms"] = [v for v in rule.get("vms", []) if v != vm_id]
        if rule["vms"]:
            rules.append(rule)
    if "rules" in s:
        s["rules"] = rules
    return s


def without_host(snapshot, host_id):
    s = json.loads(json.dumps(snapshot))
    s["hosts"] = [h for h in s.get("hosts", []) if h.get("id") != host_id]
    for vm in s.get("vms", []):
        if vm.get("host") == host_id:
            vm["host"] = None
        if isinstance(vm.get("ft"), dict) and vm["ft"].get("secondaryHost") == host_id:
            vm["ft"]["secondaryHost"] = None
    rules = []
    for rule in s.get("rules", []):
        if "hosts" in rule:
            rule["hosts"] = [h for h in rule["hosts"] if h != host_id]
            if not rule["hosts"]:
                continue
        rules.append(rule)
    if "rules" in s:
        s["rules"] = rules
    ha = (s.get("cluster") or {}).get("ha")
    if isinstance(ha, dict) and ha.get("master") == host_id:
        del ha["master"]
    return s


def without_resource(snapshot, name):
    s = json.loads(json.dumps(snapshot))
    resources = s.get("resources", ["cpu", "memory"])
    if len(resources) <= 1 or name not in resources:
        return None
    s["resources"] = [r for r in resources if r != name]
    for item in s.get("hosts", []) + s.get("vms", []):
        for key in ("capacity", "demand"):
            if isinstance(item.get(key), dict):
                item[key].pop(name, None)
    mu = (s.get("cluster") or {}).get("maxUtilization")
    if isinstance(mu, dict):
        mu.pop(name, None)
    return s


def field_removals(snapshot):
    """Snapshots with one optional field less (ids, hosts' capacities and VMs' demands kept)."""
    keep = {"id", "schemaVersion", "hosts", "vms", "kind"}
    out = []

    def walk(value, path):
        if isinstance(value, dict):
            for key in list(value):
                if key not in keep and not (len(path) == 0 and key in ("hosts", "vms")):
                    out.append(path + [key])
                walk(value[key], path + [key])
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, path + [i])
    walk(snapshot, [])
    for path in out:
        s = json.loads(json.dumps(snapshot))
        node = s
        for step in path[:-1]:
            node = node[step]
        del node[path[-1]]
        yield s


def shrink(runner, snapshot, options, seed, signature, fixed_hosts, budget=400):
    """Greedy reduction of a parseable snapshot while `signature` still fails."""
    prop, command, solver = signature.split(":")[:3]
    trials = [0]

    def fails(candidate):
        if candidate is None or trials[0] >= budget:
            return False
        hosts = [h.get("id") for h in candidate.get("hosts", [])]
        if any(h not in hosts for h in fixed_hosts):
            return False
        trials[0] += 1
        data = json.dumps(candidate, indent=1).encode()
        found = check_case(runner, data, options, seed, [solver], solver, only=(command, solver, prop))
        return any(sig == signature for sig, _ in found)

    current = snapshot
    changed = True
    while changed and trials[0] < budget:
        changed = False
        for vm in [v.get("id") for v in current.get("vms", [])]:
            c = without_vm(current, vm)
            if fails(c):
                current, changed = c, True
        for host in [h.get("id") for h in current.get("hosts", [])]:
            c = without_host(current, host)
            if fails(c):
                current, changed = c, True
        for index in range(len(current.get("rules", [])) - 1, -1, -1):
            c = json.loads(json.dumps(current))
            del c["rules"][index]
            if fails(c):
                current, changed = c, True
        for index, rule in enumerate(current.get("rules", [])):
            for member in list(rule.get("vms", [])):
                if len(current["rules"][index]["vms"]) <= 1:
                    break
                c = json.loads(json.dumps(current))
                c["rules"][index]["vms"].remove(member)
                if fails(c):
                    current, changed = c, True
        for name in list(current.get("resources", [])):
            c = without_resource(current, name)
            if fails(c):
                current, changed = c, True
        progress = True
        while progress and trials[0] < budget:
            progress = False
            for c in field_removals(current):
                if fails(c):
                    current, changed, progress = c, True, True
                    break
    return current, trials[0]


# Driver ----------------------------------------------------------------------------------

def time_cut(out):
    """Whether a printed plan says the clock shaped it (its `termination`): such runs may differ."""
    document = load_json(out)
    return isinstance(document, dict) and document.get("termination") in ("feasibleTimeLimit", "modelTooLarge")


def run_case(job):
    seed, options = job
    if options.deadline is not None and time.time() > options.deadline:
        return seed, None, None
    folder = tempfile.mkdtemp(prefix="drs-harness-")
    try:
        runner = Runner(options.drs, folder, options.time_limit)
        if options.replay:
            data = open(options.replay, "rb").read()
        else:
            args = ["generate", "--class", "hostile", "--hosts", str(options.max_hosts), "--vms", str(options.max_vms),
                    "--seed", str(seed), "--output", "-"]
            code, data, err, _ = runner.run(args)
            code2, data2, _, _ = runner.run(args)
            if code != 0 or data != data2:
                return seed, None, [("generate:-:-", "generate exit %s, same bytes %s: %s" % (code, data == data2, err[-200:]))]
        solvers = options.solvers.split(",")
        repeat_solver = solvers[seed % len(solvers)]
        try:
            failures = check_case(runner, data, options, seed, solvers, repeat_solver)
        except Exception as error:  # a harness bug is a finding of its own, never the end of the run
            failures = [("harness:error:-", "%s: %s" % (type(error).__name__, error))]
        return seed, data, failures
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def shrink_failure(job):
    seed, data, signature, message, options = job
    folder = tempfile.mkdtemp(prefix="drs-shrink-")
    try:
        runner = Runner(options.drs, folder, options.time_limit)
        snapshot = load_json(data)
        if snapshot is None or not isinstance(snapshot, dict):
            return signature, seed, data, 0, message
        host_ids = [h.get("id") for h in snapshot.get("hosts", []) if isinstance(h, dict)]
        host_ids = [i for i in host_ids if isinstance(i, str) and "\x00" not in i] or ["h1"]
        fixed = []
        command = signature.split(":")[1]
        if command == "fail":
            fixed = [host_ids[seed % len(host_ids)]]
        elif command == "evacuate":
            fixed = [host_ids[(seed // 7) % len(host_ids)]]
        small, trials = shrink(runner, snapshot, options, seed, signature, fixed)
        text = json.dumps(small, indent=1).encode()
        again = check_case(runner, text, options, seed, [signature.split(":")[2]], signature.split(":")[2],
                           only=(command, signature.split(":")[2], signature.split(":")[0]))
        message = next((m for s, m in again if s == signature), message)
        return signature, seed, text, trials, message
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv=None):
    options = parse_args(argv)
    options.drs = os.path.abspath(options.drs)
    options.deadline = time.time() + 60 * options.max_minutes if options.max_minutes else None
    if not os.access(options.drs, os.X_OK):
        sys.exit("no drs binary at %s: swift build -c release --product drs" % options.drs)
    jobs = max(1, min(2, options.jobs))
    seeds = [options.seed] if options.replay else list(range(options.seed, options.seed + options.cases))
    os.makedirs(options.failures, exist_ok=True)
    start = time.monotonic()
    passed, failed, skipped = 0, 0, 0
    by_signature = {}
    log = open(os.path.join(options.failures, "failures.jsonl"), "w")
    with multiprocessing.Pool(jobs) as pool:
        for seed, data, failures in pool.imap_unordered(run_case, [(s, options) for s in seeds]):
            if failures is None:
                skipped += 1
                continue
            for signature, message in failures:
                log.write(json.dumps({"seed": seed, "signature": signature, "message": message}) + "\n")
            log.flush()
            if failures:
                failed += 1
                for signature, message in failures:
                    by_signature.setdefault(signature, []).append((seed, data, message))
                if not options.quiet:
                    print("seed %d: %s" % (seed, "; ".join(sorted(set(s for s, _ in failures)))), flush=True)
            else:
                passed += 1
        # Shrink the smallest failing cases of each class (property and command, any solver).
        by_class = {}
        for signature, cases in by_signature.items():
            for seed, data, message in cases:
                if data is not None:
                    by_class.setdefault(":".join(signature.split(":")[:2]), []).append((len(data), seed, data, signature, message))
        shrink_jobs = []
        for name, cases in sorted(by_class.items()):
            for _, seed, data, signature, message in sorted(cases, key=lambda c: (c[0], c[1], c[3]))[:options.shrink]:
                shrink_jobs.append((seed, data, signature, message, options))
        for signature, seed, text, trials, message in pool.imap_unordered(shrink_failure, shrink_jobs):
            name = re.sub(r"[^A-Za-z0-9_.-]", "_", signature) + "-seed%d" % seed
            with open(os.path.join(options.failures, name + ".json"), "wb") as f:
                f.write(text)
            with open(os.path.join(options.failures, name + ".txt"), "w") as f:
                f.write("%s\nseed %d (%d shrink trials)\n%s\n" % (signature, seed, trials, message))
    elapsed = time.monotonic() - start
    print("\nfailures by signature (property:command:solver  cases  first seeds):")
    for signature, cases in sorted(by_signature.items()):
        print("  %-40s %5d  %s" % (signature, len(cases), ", ".join(str(s) for s, _, _ in sorted(cases)[:5])))
    classes = {}
    for signature, cases in by_signature.items():
        classes.setdefault(":".join(signature.split(":")[:2]), set()).update(seed for seed, _, _ in cases)
    print("\nfailing cases by class (property:command, any solver):")
    for name, cases in sorted(classes.items()):
        print("  %-40s %5d  %s" % (name, len(cases), ", ".join(str(s) for s in sorted(cases)[:8])))
    log.close()
    print("every failure in %s, shrunk snapshots beside it" % os.path.join(options.failures, "failures.jsonl"))
    if skipped:
        print("%d cases not started (--max-minutes)" % skipped)
    print("%d passed, %d failed (%d cases, %.0f s)" % (passed, failed, passed + failed, elapsed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
