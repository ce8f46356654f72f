#!/usr/bin/env python3
"""Proven optima within a time limit: OpenDRS's exact solver (GLPK) against OR-Tools CP-SAT.

Runs `drs plan FILE --solver exact --time-limit T` and CP-SAT (1 worker, the same T) on every
snapshot of a suite, and writes a side-by-side table: status, level-3 cost, seconds, and per goal
the number of proven optima and the median ratio of CP-SAT seconds to exact seconds.
Needs `pip install ortools` (the script says so and stops when it is missing).

The CP-SAT model reuses `peers.py`'s constraints (capacity in the same integer milli-units,
connected hosts only, pinned VMs, vmHost must/mustNot, required affinity/anti-affinity, FT
secondaries, every VM placed) and adds the SPEC level-3 objective:
  - migration cost: lambda(goal, migrationThreshold) x the iterative pre-copy estimate of
    every VM (and FT secondary) that leaves its running host, as `MigrationModel` computes it;
    a VM on a failed host costs nothing (restarts are not migrations);
  - consolidate: active hosts;
  - balance: the imbalance itself, as an integer I with n x I^2 >= sum of squared deviations,
    each deviation scaled by SCALE and its per-VM coefficients rounded to integers (so CP-SAT's
    imbalance is exact to about 1e-5; its cost is re-scored in floating point below).
Objective terms are scaled by SCALE and rounded to integers.
What it does not model (so its optimum may differ from OpenDRS's and the proof is of a
simpler problem): soft rules (level 2), priorities and unplaced VMs (level 1; a snapshot that
cannot place everything is infeasible for CP-SAT), HA admission control, standby hosts, FT
promotion after a host failure. Both solvers' costs are shown; compare proof counts and times
with that in mind.
"""
import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from migration import migration_seconds

SCALE = 100_000


def load_peers():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers.py")
    spec = importlib.util.spec_from_file_location("peers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lam(goal, threshold):
    base = 0.004 if goal == "balance" else 0.04
    if threshold <= 1:
        return 1e6
    return base / {2: 1, 3: 4, 4: 16}.get(threshold, 64)


def run_exact(drs, path, limit):
    start = time.perf_counter()
    done = subprocess.run([drs, "plan", path, "--solver", "exact", "--time-limit", str(limit), "--format", "json"],
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        return {"status": "error", "seconds": wall, "cost": None, "message": done.stderr.strip()[:200]}
    plan = json.loads(done.stdout)
    return {"status": plan["status"], "seconds": plan.get("seconds", wall), "wall": wall,
            "cost": plan["objective"]["cost"], "bound": plan.get("bound")}


def run_cpsat(peers, snapshot, limit):
    from ortools.sat.python import cp_model
    cluster = snapshot.get("cluster", {})
    goal = cluster.get("goal", "balance")
    resources = snapshot.get("resources", ["cpu", "memory"])
    hosts = snapshot["hosts"]
    H = len(hosts)
    model, vms, x, s = peers.build(snapshot)
    m, var = peers.cpsat_model(model)

    lam_value = lam(goal, cluster.get("migrationThreshold", 3))
    bandwidth = cluster.get("migration", {}).get("bandwidth", 1250)
    index = {h["id"]: k for k, h in enumerate(hosts)}
    state = [h.get("state", "connected") for h in hosts]
    objective = []
    move_cost = []  # (variable, seconds) of every move, to re-score
    for v, vm in enumerate(vms):
        memory = vm.get("migration", {}).get("memory", vm.get("demand", {}).get("memory", 0))
        seconds = migration_seconds(memory, vm.get("migration", {}).get("dirtyRate", 0), bandwidth)
        for variables, initial in ((x[v], vm.get("host")), (s[v], (vm.get("ft") or {}).get("secondaryHost"))):
            if variables is None or initial not in index or state[index[initial]] == "failed":
                continue
            for h in range(H):
                if h != index[initial]:
                    move_cost.append((variables[h], seconds))
                    objective.append(int(round(lam_value * seconds * SCALE)) * var[variables[h]])

    if goal == "consolidate":
        y = [i for i, name in enumerate(model.names) if name.startswith("y_")]
        objective += [SCALE * var[i] for i in y]
    else:
        caps = cluster.get("maxUtilization", {})
        counted = [h for h in range(H) if state[h] == "connected"]
        deviations = []
        for r in resources:
            total_capacity = sum(hosts[h].get("capacity", {}).get(r, 0) for h in counted)
            if total_capacity <= 0:
                continue
            total = sum(vm.get("demand", {}).get(r, 0) * (2 if vm.get("ft") else 1) for vm in vms)
            mean = total / total_capacity
            for h in counted:
                capacity = hosts[h].get("capacity", {}).get(r, 0)
                if capacity <= 0:
                    continue
                terms = []
                for v, vm in enumerate(vms):
                    a = int(round(vm.get("demand", {}).get(r, 0) / capacity * SCALE))
                    if a:
                        terms.append(a * var[x[v][h]])
                        if s[v] is not None:
                            terms.append(a * var[s[v][h]])
                d = m.NewIntVar(-2 * SCALE, 2 * SCALE, f"d_{h}_{r}")
                m.Add(d == sum(terms) - int(round(mean * SCALE)))
                square = m.NewIntVar(0, 4 * SCALE * SCALE, f"q_{h}_{r}")
                m.AddMultiplicationEquality(square, [d, d])
                deviations.append(square)
        n = max(1, len(deviations))
        imbalance = m.NewIntVar(0, 2 * SCALE, "imbalance")
        imbalance_square = m.NewIntVar(0, 4 * SCALE * SCALE, "imbalance_square")
        m.AddMultiplicationEquality(imbalance_square, [imbalance, imbalance])
        m.Add(n * imbalance_square >= sum(deviations))
        objective.append(imbalance)
    m.Minimize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = limit
    start = time.perf_counter()
    code = solver.Solve(m)
    wall = time.perf_counter() - start
    status = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible"}.get(code, "unknown")
    result = {"status": status, "seconds": wall, "cost": None}
    if status in ("optimal", "feasible"):
        ids = [h["id"] for h in hosts]
        placement = {vm["id"]: ids[h] for v, vm in enumerate(vms) for h in range(H) if solver.Value(var[x[v][h]])}
        secondaries = {vm["id"]: ids[h] for v, vm in enumerate(vms) if s[v] is not None for h in range(H) if solver.Value(var[s[v][h]])}
        problems = peers.check(snapshot, placement, secondaries)
        if problems:
            result["status"] = "rejected"
            return result
        terms = peers.terms(snapshot, placement, secondaries)
        migration = sum(seconds for j, seconds in move_cost if solver.Value(var[j]))
        goal_term = terms["imbalance"] if goal == "balance" else terms["activeHosts"]
        result["cost"] = goal_term + lam_value * migration
    return result


def environment():
    def capture(command):
        try:
            return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"
    u = platform.uname()
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "unknown")
    except OSError:
        pass
    return {"revision": capture(["git", "rev-parse", "--short", "HEAD"]),
            "machine": f"{u.system} {u.release} {u.machine}, {os.cpu_count()} cpus, {cpu}",
            "swift": capture(["swift", "--version"]).splitlines()[0] if capture(["swift", "--version"]) != "unknown" else "unknown",
            "glpk": capture(["sh", "-c", "awk '/define GLP_MAJOR_VERSION/ {a=$3} /define GLP_MINOR_VERSION/ {b=$3} END {print a \".\" b}' /usr/include/glpk.h"]) }


def median(values):
    return statistics.median(values) if values else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("suite", help="directory of snapshots (with manifest.json)")
    parser.add_argument("--drs", default=".build/release/drs")
    parser.add_argument("--time-limit", type=float, default=10)
    parser.add_argument("--jsonl", help="also write one record per snapshot and solver here")
    parser.add_argument("--markdown", help="write the table here (default: standard output)")
    parser.add_argument("--skip-cpsat", action="store_true")
    args = parser.parse_args()
    if not args.skip_cpsat:
        try:
            import ortools
        except ImportError:
            print("exact-vs-cpsat.py: ortools is not installed (pip install ortools); use --skip-cpsat to run the exact solver alone",
                  file=sys.stderr)
            return 1
    peers = load_peers()
    files = sorted(f for f in os.listdir(args.suite) if f.endswith(".json") and f != "manifest.json")
    rows = []
    records = open(args.jsonl, "w") if args.jsonl else None
    for name in files:
        path = os.path.join(args.suite, name)
        with open(path) as f:
            snapshot = json.load(f)
        goal = snapshot.get("cluster", {}).get("goal", "balance")
        exact = run_exact(args.drs, path, args.time_limit)
        cpsat = None if args.skip_cpsat else run_cpsat(peers, snapshot, args.time_limit)
        rows.append((name, goal, exact, cpsat))
        if records:
            for solver, result in (("exact-glpk", exact), ("cp-sat", cpsat)):
                if result is not None:
                    records.write(json.dumps({"snapshot": name, "goal": goal, "solver": solver, **result}) + "\n")
                    records.flush()
        print(f"{name}: exact {exact['status']} {exact['seconds']:.2f}s"
              + ("" if cpsat is None else f", cp-sat {cpsat['status']} {cpsat['seconds']:.2f}s"), file=sys.stderr)

    env = environment()
    lines = ["| snapshot | goal | exact status | exact cost | exact s | CP-SAT status | CP-SAT cost | CP-SAT s |",
             "|---|---|---|---|---|---|---|---|"]
    def fmt(value, digits=6):
        return "-" if value is None else f"{value:.{digits}g}"
    for name, goal, exact, cpsat in rows:
        c = cpsat or {"status": "-", "cost": None, "seconds": None}
        lines.append(f"| {name} | {goal} | {exact['status']} | {fmt(exact['cost'])} | {fmt(exact['seconds'], 3)} | "
                     f"{c['status']} | {fmt(c['cost'])} | {fmt(c['seconds'], 3)} |")
    summary = ["| goal | snapshots | exact proven | CP-SAT proven | median exact s | median CP-SAT s | median ratio CP-SAT / exact (all) | (both proven) |",
               "|---|---|---|---|---|---|---|---|"]
    for goal in ("consolidate", "balance", "all"):
        chosen = [r for r in rows if goal == "all" or r[1] == goal]
        exact_proven = sum(1 for r in chosen if r[2]["status"] == "optimal")
        cpsat_proven = sum(1 for r in chosen if r[3] and r[3]["status"] == "optimal")
        # Unproven runs count at the time limit.
        def capped(result):
            return result["seconds"] if result["status"] == "optimal" else args.time_limit
        ratios = [capped(r[3]) / max(capped(r[2]), 1e-3) for r in chosen if r[3]]
        both = [r[3]["seconds"] / max(r[2]["seconds"], 1e-3) for r in chosen
                if r[3] and r[2]["status"] == "optimal" and r[3]["status"] == "optimal"]
        summary.append(f"| {goal} | {len(chosen)} | {exact_proven} | {cpsat_proven if not args.skip_cpsat else '-'} | "
                       f"{fmt(median([capped(r[2]) for r in chosen]), 3)} | "
                       f"{fmt(median([capped(r[3]) for r in chosen if r[3]]), 3)} | {fmt(median(ratios), 3)} | {fmt(median(both), 3)} |")
    command = " ".join(["python3"] + sys.argv)
    text = "\n".join([
        "# Exact solver (GLPK) vs OR-Tools CP-SAT: proven optima within the time limit", "",
        f"- command: `{command}`",
        f"- git revision: {env['revision']}",
        f"- machine: {env['machine']}",
        f"- {env['swift']}; GLPK {env['glpk']}; OR-Tools {'-' if args.skip_cpsat else __import__('ortools').__version__}",
        f"- time limit: {args.time_limit} s each, CP-SAT with 1 worker; exact seconds are the plan's solver seconds,"
        " CP-SAT's the wall time of `Solve`; an unproven run counts at the time limit in the medians.", "",
        "## Summary", ""] + summary + ["", "## Per snapshot", ""] + lines + [""])
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
