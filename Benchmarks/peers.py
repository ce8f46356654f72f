#!/usr/bin/env python3
"""Solve the same snapshots with peer solvers: OR-Tools CP-SAT (1 worker) and HiGHS.

Optional bridge for comparison. Needs `pip install ortools highspy`; a missing package is
skipped with a message, never an error. Writes JSON-lines records in the `drs bench` format.

What the peer model holds (goal `consolidate` only; balance snapshots are skipped):
  - capacity of every resource on every host, in the same integer milli-units as OpenDRS
    (demand rounded, capacity x maxUtilization rounded down), FT secondaries counted;
  - every powered-on VM placed exactly once, only on connected hosts;
  - pinned VMs (automation disabled) stay on their host;
  - vmHost must / mustNot rules; required affinity and anti-affinity rules;
  - FT: one secondary per FT VM, never on its primary's host;
  - objective: fewest active hosts.
What it does not model: migration cost (so it may move VMs freely), soft rules, priorities
and unplaced VMs (a snapshot that cannot place everything is reported infeasible), HA
admission control (with every VM placed the aggregate check does not depend on the
placement, so it cannot change the optimum), standby hosts, and wave ordering. Its
placements are verified by this script's own checker (`check`), not by `drs check`.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time


def limit(capacity, cap):
    return int((capacity * cap * 1000 + 1e-3) // 1)


def demand(value):
    return int(round(value * 1000))


class Model:
    """A 0-1 linear model: variables, rows lo <= sum(c x) <= hi, and a minimised objective."""

    def __init__(self):
        self.names = []
        self.rows = []
        self.objective = {}
        self.fixed = {}

    def var(self, name):
        self.names.append(name)
        return len(self.names) - 1

    def row(self, coefficients, lo, hi):
        self.rows.append((coefficients, lo, hi))


def build(snapshot):
    resources = snapshot.get("resources", ["cpu", "memory"])
    cluster = snapshot.get("cluster", {})
    caps = cluster.get("maxUtilization", {})
    hosts = snapshot["hosts"]
    host_index = {h["id"]: i for i, h in enumerate(hosts)}
    usable = [h.get("state", "connected") == "connected" for h in hosts]
    vms = [vm for vm in snapshot["vms"] if vm.get("powerState", "on") == "on"]
    vm_index = {vm["id"]: i for i, vm in enumerate(vms)}
    model = Model()
    H = len(hosts)
    x = [[model.var(f"x_{vm['id']}_{h['id']}") for h in hosts] for vm in vms]
    s = [[model.var(f"s_{vm['id']}_{h['id']}") for h in hosts] if vm.get("ft") else None for vm in vms]
    y = [model.var(f"y_{h['id']}") for h in hosts]
    allowed = [[usable[h] for h in range(H)] for _ in vms]
    for rule in snapshot.get("rules", []):
        members = [vm_index[v] for v in rule["vms"] if v in vm_index]
        if rule["kind"] == "vmHost" and rule.get("policy") in ("must", "mustNot"):
            listed = {host_index[h] for h in rule.get("hosts", [])}
            for v in members:
                for h in range(H):
                    if (h in listed) != (rule["policy"] == "must"):
                        allowed[v][h] = False
        elif rule["kind"] == "antiAffinity" and rule.get("required"):
            for h in range(H):
                model.row({x[v][h]: 1 for v in members}, 0, 1)
        elif rule["kind"] == "affinity" and rule.get("required"):
            for a, b in zip(members, members[1:]):
                for h in range(H):
                    model.row({x[a][h]: 1, x[b][h]: -1}, 0, 0)
    for v, vm in enumerate(vms):
        if vm.get("automation") == "disabled" and vm.get("host") in host_index:
            pinned = host_index[vm["host"]]
            allowed[v] = [h == pinned for h in range(H)]
        for h in range(H):
            if not allowed[v][h]:
                model.fixed[x[v][h]] = 0
        model.row({x[v][h]: 1 for h in range(H)}, 1, 1)
        if s[v] is not None:
            model.row({s[v][h]: 1 for h in range(H)}, 1, 1)
            for h in range(H):
                if not usable[h]:
                    model.fixed[s[v][h]] = 0
                model.row({x[v][h]: 1, s[v][h]: 1}, 0, 1)
    for h, host in enumerate(hosts):
        for r in resources:
            cap = limit(host.get("capacity", {}).get(r, 0), caps.get(r, 1.0))
            row = {y[h]: -cap}
            for v, vm in enumerate(vms):
                d = demand(vm.get("demand", {}).get(r, 0))
                if d:
                    row[x[v][h]] = d
                    if s[v] is not None:
                        row[s[v][h]] = d
            model.row(row, None, 0)
        # A host with anything on it is active, even with zero demand.
        for v in range(len(vms)):
            model.row({x[v][h]: 1, y[h]: -1}, None, 0)
            if s[v] is not None:
                model.row({s[v][h]: 1, y[h]: -1}, None, 0)
    for h in range(H):
        model.objective[y[h]] = 1
    return model, vms, x, s


def check(snapshot, placement, secondaries):
    """Independent check of a peer placement: capacity, host states, hard rules, FT. Returns problems."""
    problems = []
    resources = snapshot.get("resources", ["cpu", "memory"])
    caps = snapshot.get("cluster", {}).get("maxUtilization", {})
    hosts = {h["id"]: h for h in snapshot["hosts"]}
    load = {h: {r: 0 for r in resources} for h in hosts}
    for vm in snapshot["vms"]:
        if vm.get("powerState", "on") != "on":
            continue
        places = [placement.get(vm["id"])] + ([secondaries.get(vm["id"])] if vm.get("ft") else [])
        if None in places:
            problems.append(f"{vm['id']} not placed")
            continue
        if vm.get("ft") and places[0] == places[1]:
            problems.append(f"{vm['id']}: FT primary and secondary share {places[0]}")
        for h in places:
            if hosts[h].get("state", "connected") != "connected":
                problems.append(f"{vm['id']} on {h} ({hosts[h]['state']})")
            for r in resources:
                load[h][r] += demand(vm.get("demand", {}).get(r, 0))
        if vm.get("automation") == "disabled" and vm.get("host") and places[0] != vm["host"]:
            problems.append(f"{vm['id']} is pinned but moved")
    for h, host in hosts.items():
        for r in resources:
            if load[h][r] > limit(host.get("capacity", {}).get(r, 0), caps.get(r, 1.0)):
                problems.append(f"{h}: {r} over capacity")
    for rule in snapshot.get("rules", []):
        on = [placement[v] for v in rule["vms"] if v in placement]
        if rule["kind"] == "antiAffinity" and rule.get("required") and len(set(on)) != len(on):
            problems.append(f"rule {rule['id']} broken")
        if rule["kind"] == "affinity" and rule.get("required") and len(set(on)) > 1:
            problems.append(f"rule {rule['id']} broken")
        if rule["kind"] == "vmHost" and rule.get("policy") in ("must", "mustNot"):
            for h in on:
                if (h in rule.get("hosts", [])) != (rule["policy"] == "must"):
                    problems.append(f"rule {rule['id']} broken")
    return problems


def terms(snapshot, placement, secondaries):
    """Objective terms computed as SPEC section 2 defines them (migration seconds not estimated)."""
    resources = snapshot.get("resources", ["cpu", "memory"])
    hosts = snapshot["hosts"]
    load = {h["id"]: {r: 0.0 for r in resources} for h in hosts}
    migrations = 0
    for vm in snapshot["vms"]:
        if vm["id"] not in placement:
            continue
        for h in [placement[vm["id"]]] + ([secondaries[vm["id"]]] if vm["id"] in secondaries else []):
            for r in resources:
                load[h][r] += vm.get("demand", {}).get(r, 0)
        if vm.get("host") and vm["host"] != placement[vm["id"]]:
            migrations += 1
    active = sum(1 for h in hosts if any(load[h["id"]][r] > 0 for r in resources)
                 or any(p == h["id"] for p in placement.values()) or any(p == h["id"] for p in secondaries.values()))
    counted = [h for h in hosts if h.get("state", "connected") == "connected"]
    squares, count, peak = 0.0, 0, 0.0
    for r in resources:
        total_load = sum(load[h["id"]][r] for h in counted)
        total_cap = sum(h.get("capacity", {}).get(r, 0) for h in counted)
        if total_cap <= 0:
            continue
        mean = total_load / total_cap
        for h in counted:
            cap = h.get("capacity", {}).get(r, 0)
            if cap > 0:
                u = load[h["id"]][r] / cap
                peak = max(peak, u)
                squares += (u - mean) ** 2
                count += 1
    imbalance = (squares / count) ** 0.5 if count else 0.0
    return {"unplaced": 0, "unprotected": 0, "softViolations": None, "activeHosts": active,
            "peakUtilization": round(peak, 6), "imbalance": round(imbalance, 6), "migrationSeconds": None,
            "migrations": migrations, "cost": active, "goalTerm": active}


def cpsat_model(model):
    """The rows of `model` as a CP-SAT model over 0/1 variables: (CpModel, variables)."""
    from ortools.sat.python import cp_model
    m = cp_model.CpModel()
    variables = []
    for i, name in enumerate(model.names):
        fixed = model.fixed.get(i)
        variables.append(m.NewIntVar(fixed if fixed is not None else 0, fixed if fixed is not None else 1, name))
    for coefficients, lo, hi in model.rows:
        expression = sum(c * variables[i] for i, c in coefficients.items())
        if lo is not None:
            m.Add(expression >= lo)
        if hi is not None:
            m.Add(expression <= hi)
    return m, variables


def solve_cpsat(model, time_limit):
    from ortools.sat.python import cp_model
    m, variables = cpsat_model(model)
    m.Minimize(sum(c * variables[i] for i, c in model.objective.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit
    code = solver.Solve(m)
    status = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible"}.get(code, "unknown")
    values = [solver.Value(v) for v in variables] if status in ("optimal", "feasible") else None
    bound = solver.BestObjectiveBound() if status in ("optimal", "feasible") else None
    return status, values, bound


def solve_highs(model, time_limit):
    import highspy
    import numpy as np
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("time_limit", float(time_limit))
    inf = highspy.kHighsInf
    n = len(model.names)
    lower = np.array([float(model.fixed.get(i, 0)) for i in range(n)])
    upper = np.array([float(model.fixed.get(i, 1)) for i in range(n)])
    costs = np.array([float(model.objective.get(i, 0)) for i in range(n)])
    h.addVars(n, lower, upper)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), costs)
    h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n))
    for coefficients, lo, hi in model.rows:
        indices = np.array(list(coefficients.keys()), dtype=np.int32)
        values = np.array([float(c) for c in coefficients.values()])
        h.addRow(-inf if lo is None else float(lo), inf if hi is None else float(hi), len(indices), indices, values)
    h.run()
    model_status = h.getModelStatus()
    info = h.getInfo()
    names = {highspy.HighsModelStatus.kOptimal: "optimal", highspy.HighsModelStatus.kInfeasible: "infeasible"}
    status = names.get(model_status, "unknown")
    values = None
    if status == "optimal" or (status == "unknown" and info.primal_solution_status == 2):
        values = [int(round(v)) for v in h.getSolution().col_value]
        if status == "unknown":
            status = "feasible"
    bound = info.mip_dual_bound if values is not None else None
    return status, values, bound


def environment():
    try:
        revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                  check=True).stdout.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):
        revision = "unknown"
    u = platform.uname()
    return revision, f"{u.system} {u.release} {u.machine}, {os.cpu_count()} cpus"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="+", help="snapshot files or directories")
    parser.add_argument("--time-limit", type=float, default=10)
    parser.add_argument("--output", default="-")
    parser.add_argument("--solvers", default="cpsat,highs")
    args = parser.parse_args()
    available = {}
    for name, module in (("cpsat", "ortools"), ("highs", "highspy")):
        if name not in args.solvers.split(","):
            continue
        try:
            __import__(module)
            available[name] = solve_cpsat if name == "cpsat" else solve_highs
        except ImportError:
            print(f"peers.py: {module} is not installed; skipping {name} (pip install {module})", file=sys.stderr)
    if not available:
        print("peers.py: no peer solver available; nothing to do", file=sys.stderr)
        return 0
    files = []
    for path in args.inputs:
        if os.path.isdir(path):
            files += sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".json") and f != "manifest.json")
        else:
            files.append(path)
    revision, machine = environment()
    manifests = {}
    out = sys.stdout if args.output == "-" else open(args.output, "w")
    for path in files:
        directory = os.path.dirname(path)
        if directory not in manifests:
            try:
                with open(os.path.join(directory or ".", "manifest.json")) as f:
                    manifests[directory] = {e["file"]: e for e in json.load(f)["snapshots"]}
            except (OSError, ValueError, KeyError):
                manifests[directory] = {}
        entry = manifests[directory].get(os.path.basename(path), {})
        with open(path) as f:
            snapshot = json.load(f)
        if snapshot.get("cluster", {}).get("goal", "balance") != "consolidate":
            continue
        model, vms, x, s = build(snapshot)
        for name, solve in available.items():
            version = __import__("ortools").__version__ if name == "cpsat" else "highspy"
            start = time.perf_counter()
            status, values, bound = solve(model, args.time_limit)
            seconds = time.perf_counter() - start
            record = {"snapshot": os.path.basename(path), "class": entry.get("class", "unknown"), "seed": entry.get("seed"),
                      "hosts": len(snapshot["hosts"]), "vms": len(snapshot["vms"]), "goal": "consolidate",
                      "knownOptimum": entry.get("knownOptimum"), "solver": name, "solverId": f"peer-{name}",
                      "status": status}
            message = "peer model: no migration cost, soft rules, priorities or HA admission"
            if values is not None:
                hosts = [h["id"] for h in snapshot["hosts"]]
                placement = {vm["id"]: hosts[h] for v, vm in enumerate(vms) for h in range(len(hosts)) if values[x[v][h]]}
                secondaries = {vm["id"]: hosts[h] for v, vm in enumerate(vms) if s[v] is not None
                               for h in range(len(hosts)) if values[s[v][h]]}
                problems = check(snapshot, placement, secondaries)
                if problems:
                    record["status"] = "rejected"
                    message = "; ".join(problems[:3])
                else:
                    record.update(terms(snapshot, placement, secondaries))
            cost = record.get("cost")
            record.update({"bound": bound, "gap": (cost - bound) / max(abs(cost), 1e-9) if cost is not None and bound is not None else None,
                           "seconds": round(seconds, 6), "wallSeconds": round(seconds, 6), "peakMemoryKiB": None,
                           "timeLimit": args.time_limit, "message": f"{message} ({version})",
                           "revision": revision, "machine": machine, "glpk": None})
            out.write(json.dumps(record) + "\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
