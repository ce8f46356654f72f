#!/usr/bin/env python3
"""`auto` against single solvers (and OR-Tools CP-SAT when installed) within one time limit.

    python3 Benchmarks/auto.py vector  [--drs PATH] [--time-limit 2] [--seeds 2] [--solvers auto,exact,local-search]
    python3 Benchmarks/auto.py suites  [--drs PATH] [--time-limit 2] [--max-vms 100000]
    python3 Benchmarks/auto.py digest  [--drs PATH] [--baseline OLD_DRS]
    python3 Benchmarks/auto.py vector|suites --rows RUNS.jsonl     (the report of runs kept by --jsonl)

Python 3 standard library; CP-SAT (1 worker, the same time limit) runs when `ortools` imports
(`pip install ortools`), and is skipped with a note otherwise. Every run is `drs plan FILE
--solver S --time-limit T --seed 1`; the plan's own `seconds` (the solve) and the wall time of
the process are both recorded. `--jsonl FILE` keeps one record per run.

`vector`: multi-dimensional vector packing as `consolidate` of new VMs on identical hosts,
items with 3, 5 and 10 resources, 20 to 500 items. No public instance set of
that shape (the Caprara-Toth and Spieksma sets are 2-dimensional, and the Brandao-Pedroso
VPSolver repository holds other families) was reachable from this machine, so the instances
are generated here with a planted optimum, seeded and reproducible: K hosts are filled, each
by 2 to 8 items whose demands split the host's capacity with random weights (as `drs generate
--class known-optimum` does for up to 4 resources). Two families:
  - `tight`: every resource of every filled host is split exactly (no slack anywhere);
  - `loose`: one resource (per instance) is split exactly, the others fill 60-100% of the host.
In both, the total of the exactly split resource is K hosts' worth, so the continuous bound
is K and the planted packing meets it: the optimum is K. These planted fills are hard (a
packing meets the optimum only if every host is full in that resource). A third family,
`random`, is the classic uncorrelated one (Caprara and Toth's class 1 in d resources): every
demand uniform in 10-40% of the capacity; its reference is the optimum when some solver proved
it, else the best lower bound. The snapshot has ceil(1.5 x reference) + 1 hosts. Reported: mean
% of active hosts above the reference, proven optima, and seconds.

`suites`: `drs generate` classes from 20 to `--max-vms` VMs, `consolidate` (known-optimum,
uniform) and `balance` (uniform, rebalance). Reference for `consolidate`: the known optimum,
else the best lower bound (Martello-Toth L2 per resource from Benchmarks/consolidate-quality.py,
or any solver's proven bound); for `balance`: the best cost any solver found (imbalance plus
migration cost), with the best proven bound shown beside it.

`digest`: every snapshot under Datasets/ with `--solver auto` (time limit 5, seed 1) by this
build and by `--baseline`: the objective (the one score, lexicographic) of each, and whether
the new one is worse anywhere.
"""
import argparse
import importlib.util
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.dirname(os.path.abspath(__file__))
CAPACITY = 10_000
SIZES = (20, 40, 60, 100, 200, 500)
DIMENSIONS = (3, 5, 10)
FAMILIES = ("tight", "loose", "random")


def load(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, HERE)
    spec.loader.exec_module(module)
    return module


def have_ortools():
    try:
        import ortools  # noqa: F401
        return True
    except ImportError:
        return False


# MARK: vector packing instances

def split(total, count, rng):
    weights = [rng.randint(1, 1000) for _ in range(count)]
    scale = sum(weights)
    shares = [total * w // scale for w in weights]
    for k in range(total - sum(shares)):
        shares[k % count] += 1
    return shares


def vector_instance(n, d, family, seed):
    """(items, optimum): items as lists of d integer demands, capacity CAPACITY each; the
    optimum is None for the random family."""
    rng = random.Random(f"{n}-{d}-{family}-{seed}")
    if family == "random":
        return [[rng.randint(CAPACITY // 10, 4 * CAPACITY // 10) for _ in range(d)] for _ in range(n)], None
    counts = []
    while sum(counts) < n:
        counts.append(rng.randint(2, 8))
    counts[-1] -= sum(counts) - n
    if counts[-1] < 2:  # fold a one-item host into the previous one
        counts[-2] += counts.pop()
    exact = rng.randrange(d)
    items = []
    for k in counts:
        columns = []
        for r in range(d):
            fill = 1.0 if family == "tight" or r == exact else rng.uniform(0.6, 1.0)
            columns.append(split(int(CAPACITY * fill), k, rng))
        items += [[columns[r][i] for r in range(d)] for i in range(k)]
    rng.shuffle(items)
    return items, len(counts)


def continuous_bound(items):
    return max(math.ceil(sum(item[r] for item in items) / CAPACITY) for r in range(len(items[0])))


def vector_snapshot(items, optimum, name):
    d = len(items[0])
    resources = [f"r{r}" for r in range(d)]
    hosts = math.ceil(1.5 * (optimum or continuous_bound(items))) + 1
    return {
        "schemaVersion": 1, "resources": resources,
        "cluster": {"name": name, "goal": "consolidate", "automation": "full", "migrationThreshold": 3},
        "hosts": [{"id": f"h{h + 1}", "capacity": {r: CAPACITY for r in resources}} for h in range(hosts)],
        "vms": [{"id": f"v{i + 1}", "host": None, "demand": dict(zip(resources, item))} for i, item in enumerate(items)],
    }


def cpsat_vector(items, hosts, limit):
    """Fewest bins for `items` (capacity CAPACITY per resource) by CP-SAT, 1 worker."""
    from ortools.sat.python import cp_model
    n, d = len(items), len(items[0])
    order = sorted(range(n), key=lambda i: -sum(items[i]))
    m = cp_model.CpModel()
    y = [m.NewBoolVar(f"y{b}") for b in range(hosts)]
    x = {}
    for rank, i in enumerate(order):  # the k-th largest item goes to one of the first k + 1 bins
        for b in range(min(hosts, rank + 1)):
            x[i, b] = m.NewBoolVar(f"x{i}_{b}")
        m.AddExactlyOne(x[i, b] for b in range(min(hosts, rank + 1)))
    for b in range(hosts):
        members = [i for i in range(n) if (i, b) in x]
        for r in range(d):
            m.Add(sum(items[i][r] * x[i, b] for i in members) <= CAPACITY * y[b])
        if b + 1 < hosts:
            m.Add(y[b] >= y[b + 1])
    m.Add(sum(y) >= max(math.ceil(sum(it[r] for it in items) / CAPACITY) for r in range(d)))
    # Start from first fit decreasing (by total demand), as drs starts from a construction:
    # the k-th item opens at most bin k, so the hint keeps the symmetry rows.
    loads, where = [], {}
    for i in order:
        b = next((b for b, load in enumerate(loads) if all(load[r] + items[i][r] <= CAPACITY for r in range(d))), None)
        if b is None:
            b = len(loads)
            loads.append([0] * d)
        loads[b] = [loads[b][r] + items[i][r] for r in range(d)]
        where[i] = b
    if len(loads) <= hosts:
        for (i, b), var in x.items():
            m.AddHint(var, where[i] == b)
        for b in range(hosts):
            m.AddHint(y[b], b < len(loads))
    m.Minimize(sum(y))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = limit
    start = time.perf_counter()
    code = solver.Solve(m)
    wall = time.perf_counter() - start
    status = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible"}.get(code, "unknown")
    hosts_used = int(round(solver.ObjectiveValue())) if status != "unknown" else None
    return {"status": status, "activeHosts": hosts_used, "bound": solver.BestObjectiveBound(), "seconds": wall, "wall": wall}


# MARK: running drs

def run_drs(drs, path, solver, limit, extra=()):
    start = time.perf_counter()
    done = subprocess.run([drs, "plan", path, "--solver", solver, "--time-limit", str(limit), "--seed", "1",
                           "--format", "json", *extra], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode not in (0,) or not done.stdout.strip():
        return {"status": "error", "wall": wall, "seconds": wall, "message": done.stderr.strip()[:300]}
    plan = json.loads(done.stdout)
    objective = plan["objective"]
    return {"status": plan["status"], "termination": plan.get("termination"), "plannedBy": plan.get("solver"),
            "activeHosts": objective["activeHosts"], "unplaced": objective["unplaced"], "cost": objective["cost"],
            "imbalance": objective["imbalance"], "softViolations": objective["softViolations"],
            "objective": objective, "bound": plan.get("bound"), "seconds": plan.get("seconds", wall), "wall": wall}


def environment(drs):
    def capture(command):
        try:
            return subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"
    u = platform.uname()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {"revision": capture(["git", "rev-parse", "--short", "HEAD"]),
            "dirty": bool(capture(["git", "status", "--porcelain", "--untracked-files=no", "Sources"])),
            "machine": f"{u.system} {u.release} {u.machine}, {os.cpu_count()} cpus", "load": load, "drs": drs,
            "ortools": __import__("ortools").__version__ if have_ortools() else None}


def mean(values):
    return statistics.mean(values) if values else float("nan")


def pct(value):
    return "-" if value != value else f"{100 * value:.2f}%"


# MARK: vector suite

def reference_of(items, optimum, runs, quality):
    """The planted optimum, else the best proven value or the best lower bound: Martello-Toth L2
    per resource (Benchmarks/consolidate-quality.py) or any solver's bound."""
    if optimum is not None:
        return optimum, "optimum"
    proven = [r["activeHosts"] for r in runs if r.get("status") == "optimal" and r.get("activeHosts") is not None]
    if proven:
        return min(proven), "proven"
    bounds = [quality.l2_bound([item[r] for item in items], CAPACITY) for r in range(len(items[0]))]
    bounds += [math.ceil(r["bound"] - 1e-6) for r in runs if r.get("bound") is not None]
    return max(bounds), "bound"


def vector_suite(args, sink):
    quality = load("consolidate-quality")
    solvers = args.solvers.split(",") + (["cp-sat"] if have_ortools() and not args.skip_cpsat else [])
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for n in args.sizes:
            for d in DIMENSIONS:
                for family in FAMILIES:
                    for seed in range(1, args.seeds + 1):
                        items, optimum = vector_instance(n, d, family, seed)
                        name = f"vbp-{family}-n{n}-d{d}-s{seed}"
                        snapshot = vector_snapshot(items, optimum, name)
                        path = os.path.join(work, name + ".json")
                        with open(path, "w") as f:
                            json.dump(snapshot, f)
                        instance = []
                        for solver in solvers:
                            if solver == "cp-sat":
                                result = cpsat_vector(items, len(snapshot["hosts"]), args.time_limit)
                            else:
                                result = run_drs(args.drs, path, solver, args.time_limit, args.extra)
                            row = {"instance": name, "n": n, "d": d, "family": family, "seed": seed, "solver": solver,
                                   "pairs": n * len(snapshot["hosts"]), **result}
                            row.pop("objective", None)
                            instance.append(row)
                        reference, kind = reference_of(items, optimum, instance, quality)
                        for row in instance:
                            row.update({"optimum": reference, "reference": kind})
                            rows.append(row)
                            if sink:
                                sink.write(json.dumps(row) + "\n")
                                sink.flush()
                        if not args.quiet:
                            got = {r["solver"]: r.get("activeHosts") for r in rows if r["instance"] == name}
                            print(f"{name}: reference {reference} ({kind}), {got}", file=sys.stderr)
    return solvers, rows


def with_auto_before(solvers, rows):
    """Adds `auto-before` rows: `auto` as it chose before the portfolio (the exact solver up to 200
    active VMs x hosts, local search above), taken from the exact and local-search runs."""
    if "exact" not in solvers or "local-search" not in solvers:
        return solvers, rows
    added = []
    for row in rows:
        pairs = row.get("pairs")
        if pairs is not None and row["solver"] == ("exact" if pairs <= 200 else "local-search"):
            added.append({**row, "solver": "auto-before"})
    return solvers + ["auto-before"], rows + added


def excess(row):
    if row.get("activeHosts") is None or row.get("unplaced", 0):
        return None
    return (row["activeHosts"] - row["optimum"]) / row["optimum"]


def vector_report(args, solvers, rows, env):
    out = ["# Vector packing: `auto` against single solvers", "",
           f"- command: `python3 Benchmarks/{os.path.basename(sys.argv[0])} {' '.join(sys.argv[1:])}`",
           f"- git revision: {env['revision']}{' (uncommitted changes in Sources)' if env['dirty'] else ''}; "
           f"machine: {env['machine']}, load average {env['load']:.1f} at the end; OR-Tools {env['ortools'] or '-'}",
           "- `auto-before`: `auto` as it was before the portfolio (the exact solver up to 200 VMs x hosts, local "
           "search above), read off the `exact` and `local-search` runs of the same instance",
           f"- time limit {args.time_limit:g} s per run; {len({r['instance'] for r in rows})} instances "
           f"(sizes {', '.join(map(str, args.sizes))}; 3, 5 and 10 resources; families tight, loose and random; {args.seeds} seed(s) each)",
           "- excess: (active hosts - reference) / reference, where the reference is the planted optimum (tight, "
           "loose) or, for the random family, the optimum when a solver proved it and the best lower bound otherwise "
           "(so the random family's excess over the optimum is at most the figure shown); a plan leaving a VM "
           "unplaced or an error counts as failed and is left out of the mean (see the failed column)",
           f"- references of the random family: {sum(1 for r in rows if r['family'] == 'random' and r['reference'] == 'proven') // max(1, len(solvers))} proven optima, "
           f"{sum(1 for r in rows if r['family'] == 'random' and r['reference'] == 'bound') // max(1, len(solvers))} lower bounds", ""]
    header = "| items | " + " | ".join(f"{s} mean | {s} proven" for s in solvers) + " |"
    out += ["## Mean % above the reference, by items", "", header, "|---|" + "---:|---:|" * len(solvers)]
    groups = [(str(n), [r for r in rows if r["n"] == n]) for n in args.sizes]
    groups.append(("all", rows))
    groups.append(("all, planted (optimum known)", [r for r in rows if r["family"] != "random"]))
    groups.append(("all, random (vs best bound)", [r for r in rows if r["family"] == "random"]))
    for label, chosen in groups:
        cells = []
        for s in solvers:
            mine = [r for r in chosen if r["solver"] == s]
            values = [e for e in map(excess, mine) if e is not None]
            proven = sum(1 for r in mine if r.get("status") == "optimal")
            cells.append(f"{pct(mean(values))} | {proven}/{len(mine)}")
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    out += ["", "## By resources and family", "", "| resources | family | " + " | ".join(solvers) + " |",
            "|---|---|" + "---:|" * len(solvers)]
    for d in DIMENSIONS:
        for family in FAMILIES:
            chosen = [r for r in rows if r["d"] == d and r["family"] == family]
            cells = [pct(mean([e for e in map(excess, [r for r in chosen if r["solver"] == s]) if e is not None])) for s in solvers]
            out.append(f"| {d} | {family} | " + " | ".join(cells) + " |")
    out += ["", "## Time and failures", "", "| solver | mean solve s | max solve s | mean wall s | at optimum | failed |",
            "|---|---:|---:|---:|---:|---:|"]
    for s in solvers:
        mine = [r for r in rows if r["solver"] == s]
        values = [excess(r) for r in mine]
        out.append(f"| {s} | {mean([r['seconds'] for r in mine]):.3f} | {max(r['seconds'] for r in mine):.3f} | "
                   f"{mean([r['wall'] for r in mine]):.3f} | {sum(1 for e in values if e is not None and e <= 0)}/{len(mine)} | "
                   f"{sum(1 for e in values if e is None)} |")
    return "\n".join(out) + "\n"


# MARK: generated suites

def suite_plan(max_vms):
    """(class, goal, hosts, vms, resources, seed) rows of the generated suites."""
    plan = []
    for vms in (20, 60, 200, 1000, 10_000, 100_000):
        if vms > max_vms:
            continue
        hosts = max(5, vms // 4)
        for seed in ((1, 2) if vms < 10_000 else (1,)):
            plan.append(("known-optimum", "consolidate", hosts, vms, 2, seed))
            plan.append(("uniform", "consolidate", max(5, vms // 3), vms, 2, seed))
            plan.append(("uniform", "balance", max(4, vms // 5), vms, 2, seed))
            plan.append(("rebalance", "balance", max(4, vms // 5), vms, 2, seed))
    return plan


def generated_suites(args, sink):
    quality = load("consolidate-quality")
    cpsat = load("exact-vs-cpsat") if have_ortools() and not args.skip_cpsat else None
    peers = cpsat.load_peers() if cpsat else None
    solvers = args.solvers.split(",")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for cls, goal, hosts, vms, res, seed in suite_plan(args.max_vms):
            out = os.path.join(work, f"{cls}-{goal}-{vms}-{seed}.json")
            subprocess.run([args.drs, "generate", "--class", cls, "--goal", goal, "--hosts", str(hosts), "--vms", str(vms),
                            "--resources", str(res), "--seed", str(seed), "--output", out], check=True,
                           stdout=subprocess.DEVNULL)
            known = None
            if cls == "known-optimum" and goal == "consolidate":
                subprocess.run([args.drs, "generate", "--class", cls, "--goal", goal, "--hosts", str(hosts),
                                           "--vms", str(vms), "--resources", str(res), "--seed", str(seed), "--count", "1",
                                           "--output-dir", out + ".d"], check=True, stdout=subprocess.DEVNULL)
                known = json.load(open(os.path.join(out + ".d", "manifest.json")))["snapshots"][0].get("knownOptimum")
            snapshot = json.load(open(out))
            bound = quality.lower_bound(snapshot) if goal == "consolidate" else None
            instance = []
            for solver in solvers:
                instance.append({"solver": solver, **run_drs(args.drs, out, solver, args.time_limit, args.extra)})
            if cpsat and vms * hosts <= 20_000:
                result = cpsat.run_cpsat(peers, snapshot, args.time_limit)
                instance.append({"solver": "cp-sat", "status": result["status"], "cost": result["cost"],
                                 "seconds": result["seconds"], "wall": result["seconds"]})
            for row in instance:
                row.pop("objective", None)
                row.update({"instance": os.path.basename(out), "class": cls, "goal": goal, "vms": vms, "hosts": hosts,
                            "knownOptimum": known, "l2": bound, "pairs": vms * hosts})
                rows.append(row)
                if sink:
                    sink.write(json.dumps(row) + "\n")
                    sink.flush()
            if not args.quiet:
                print(f"{os.path.basename(out)}: " + ", ".join(f"{r['solver']} {r.get('cost')} ({r['status']})" for r in instance),
                      file=sys.stderr)
    return solvers + (["cp-sat"] if cpsat else []), rows


def suites_report(args, solvers, rows, env):
    out = ["# Generated suites: `auto` against single solvers", "",
           f"- command: `python3 Benchmarks/{os.path.basename(sys.argv[0])} {' '.join(sys.argv[1:])}`",
           f"- git revision: {env['revision']}{' (uncommitted changes in Sources)' if env['dirty'] else ''}; "
           f"machine: {env['machine']}, load average {env['load']:.1f} at the end; OR-Tools {env['ortools'] or '-'}",
           "- `auto-before`: `auto` as it was before the portfolio (the exact solver up to 200 VMs x hosts, local "
           "search above), read off the `exact` and `local-search` runs of the same snapshot",
           f"- time limit {args.time_limit:g} s; CP-SAT only up to 20,000 VM x host pairs", ""]
    instances = sorted({r["instance"] for r in rows}, key=lambda n: (rows[[r["instance"] for r in rows].index(n)]["vms"], n))
    reference = {}
    for name in instances:
        mine = [r for r in rows if r["instance"] == name and r["status"] in ("optimal", "feasible") and r.get("cost") is not None]
        first = next(r for r in rows if r["instance"] == name)
        if first["goal"] == "consolidate":
            bounds = [first["l2"] or 0] + [r["bound"] for r in mine if r.get("bound") is not None]
            ref = first["knownOptimum"] if first["knownOptimum"] is not None else max(bounds)
            reference[name] = ("hosts", ref, None)
        else:
            # The one score: unplaced, soft violations, then cost (CP-SAT models no soft rule,
            # so its cost is not a reference).
            drs_rows = [r for r in mine if r["solver"] != "cp-sat"]
            best = min(drs_rows, key=rank, default=None)
            reference[name] = ("cost", best["cost"] if best else None, rank(best)[:2] if best else None)
    out += ["| class | goal | VMs | hosts | reference | " + " | ".join(solvers) + " |",
            "|---|---|---:|---:|---|" + "---|" * len(solvers)]
    for name in instances:
        first = next(r for r in rows if r["instance"] == name)
        kind, ref, level = reference[name]
        cells = []
        for s in solvers:
            r = next((x for x in rows if x["instance"] == name and x["solver"] == s), None)
            if r is None:
                cells.append("-")
                continue
            if r["status"] not in ("optimal", "feasible") or r.get("cost") is None:
                cells.append(f"{r['status']}")
                continue
            if kind == "hosts" and "activeHosts" in r:
                gap = (r["activeHosts"] - ref) / ref if ref else 0
                value = f"{r['activeHosts']} ({pct(gap)})"
            elif kind == "hosts":
                value = f"{r['cost']:.4g}"
            elif r["solver"] != "cp-sat" and rank(r)[:2] != level:
                value = f"{r['cost']:.4g} (+{r.get('unplaced', 0)} unplaced, {r.get('softViolations', 0)} soft)"
            else:
                gap = (r["cost"] - ref) / ref if ref else 0
                value = f"{r['cost']:.4g} ({pct(gap)})"
            mark = "*" if r["status"] == "optimal" else ""
            cells.append(f"{value}{mark} {r['seconds']:.2f}s")
        label = (f"{ref} {'known' if first['knownOptimum'] is not None else 'bound'}" if kind == "hosts"
                 else f"best {ref:.4g}" if ref is not None else "-")
        out.append(f"| {first['class']} | {first['goal']} | {first['vms']} | {first['hosts']} | {label} | " + " | ".join(cells) + " |")
    out += ["", "Cells: active hosts (consolidate) or cost (balance), % above the reference, `*` proven optimal, solve seconds. "
            "A `balance` plan with more unplaced VMs or soft violations than the reference is lexicographically worse "
            "whatever its cost (shown as `+N unplaced, M soft`); CP-SAT models no soft rule, priority or HA reserve, so "
            "its `balance` cost is of a simpler problem.", ""]
    out += suites_summary(solvers, rows, reference)
    return "\n".join(out) + "\n"


def rank(row):
    """The one score of a run, as far as the benchmark records it: unplaced, soft violations, cost."""
    return (row.get("unplaced") or 0, row.get("softViolations") or 0, row["cost"])


def suites_summary(solvers, rows, reference):
    """Mean gap per solver by goal and size: consolidate against the known optimum or best bound,
    balance against the best plan by the one score (runs lexicographically worse are counted apart)."""
    out = ["## Summary", "", "| goal | VMs | reference | " + " | ".join(f"{s} mean | {s} proven" for s in solvers) + " |",
           "|---|---:|---|" + "---:|---:|" * len(solvers)]
    groups = sorted({(r["goal"], r["vms"]) for r in rows}, key=lambda g: (g[0], g[1]))
    if any(r["goal"] == "consolidate" and r.get("knownOptimum") is not None for r in rows):
        known = sorted({r["vms"] for r in rows if r.get("knownOptimum") is not None})
        groups += [("consolidate, known optimum", v) for v in known]
        groups.append(("consolidate, known optimum, <= 60 VMs", None))
    for goal, vms in groups:
        if goal.startswith("consolidate, known"):
            chosen = [r for r in rows if r.get("knownOptimum") is not None and (r["vms"] == vms if vms else r["vms"] <= 60)]
        else:
            chosen = [r for r in rows if r["goal"] == goal and r["vms"] == vms]
        cells = []
        for s in solvers:
            gaps, worse, proven, mine = [], 0, 0, [r for r in chosen if r["solver"] == s]
            for r in mine:
                kind, ref, level = reference[r["instance"]]
                proven += r["status"] == "optimal"
                if r["status"] not in ("optimal", "feasible") or r.get("cost") is None or not ref:
                    worse += 1
                elif kind == "hosts":
                    gaps.append((r.get("activeHosts", r["cost"]) - ref) / ref)  # CP-SAT's cost is its host count
                elif s != "cp-sat" and rank(r)[:2] != level:
                    worse += 1
                else:
                    gaps.append((r["cost"] - ref) / ref)
            label = pct(mean(gaps)) + (f" ({worse} apart)" if worse else "")
            cells.append(f"{label} | {proven}/{len(mine)}")
        what = "known optimum" if goal.startswith("consolidate, known") else ("best bound or known" if goal == "consolidate" else "best plan")
        out.append(f"| {goal} | {vms if vms else '20-60'} | {what} | " + " | ".join(cells) + " |")
    out += ["", "Mean % above the reference; `(N apart)`: runs left out of the mean (no plan, a plan lexicographically "
            "worse than the reference).", ""]
    return out


# MARK: committed suites

def digest(args):
    files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(ROOT, "Datasets")) for f in fs
                   if f.endswith(".json") and f != "manifest.json")
    worse, lines = 0, []
    for path in files:
        new = run_drs(args.drs, path, "auto", 5)
        old = run_drs(args.baseline, path, "auto", 5)
        def key(r):
            o = r.get("objective")
            return None if o is None else (o["unplacedByPriority"], o["unprotectedByPriority"], o["softViolations"], round(o["cost"], 9))
        a, b = key(new), key(old)
        verdict = "same" if a == b else ("error" if a is None else "better" if b is None or a < b else "WORSE")
        worse += verdict in ("WORSE", "error")
        lines.append(f"| {os.path.relpath(path, ROOT)} | {old.get('plannedBy', old['status'])} {old.get('cost', '-')} | "
                     f"{new.get('plannedBy', new['status'])} {new.get('cost', '-')} | {verdict} |")
        if not args.quiet:
            print(lines[-1], file=sys.stderr)
    out = ["| snapshot | baseline auto: solver cost | this auto: solver cost | verdict |", "|---|---|---|---|"] + lines
    out.append(f"\n{len(files)} snapshots, {worse} worse or failed (compared by the one score: unplaced, unprotected, "
               "soft violations, cost).")
    return "\n".join(out) + "\n", worse


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["vector", "suites", "digest"])
    parser.add_argument("--drs", default=os.path.join(ROOT, ".build/release/drs"))
    parser.add_argument("--baseline", help="digest: the drs binary to compare with")
    parser.add_argument("--time-limit", type=float, default=2)
    parser.add_argument("--seeds", type=int, default=2, help="vector: instances per (items, resources, family)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="vector: item counts")
    parser.add_argument("--max-vms", type=int, default=100_000, help="suites: largest snapshot")
    parser.add_argument("--solvers", default="auto,exact,local-search")
    parser.add_argument("--extra", default="", help="more `drs plan` arguments, space-separated (e.g. \"--threads 2\")")
    parser.add_argument("--skip-cpsat", action="store_true")
    parser.add_argument("--jsonl", help="also write every run here")
    parser.add_argument("--rows", help="vector, suites: write the report from the runs a --jsonl file kept, running nothing")
    parser.add_argument("--markdown", help="write the report here (default: standard output)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    args.sizes = [int(s) for s in str(args.sizes).split(",")]
    args.extra = args.extra.split()
    if not have_ortools() and not args.skip_cpsat:
        print("auto.py: ortools is not installed (pip install ortools); CP-SAT is left out", file=sys.stderr)
    sink = open(args.jsonl, "w") if args.jsonl else None
    status = 0
    if args.rows and args.mode != "digest":
        rows = [json.loads(line) for line in open(args.rows)]
        solvers = list(dict.fromkeys(r["solver"] for r in rows))
        solvers, rows = with_auto_before(solvers, rows)
        report = vector_report if args.mode == "vector" else suites_report
        text = report(args, solvers, rows, environment(args.drs))
    elif args.mode == "vector":
        solvers, rows = with_auto_before(*vector_suite(args, sink))
        text = vector_report(args, solvers, rows, environment(args.drs))
    elif args.mode == "suites":
        solvers, rows = with_auto_before(*generated_suites(args, sink))
        text = suites_report(args, solvers, rows, environment(args.drs))
    else:
        if not args.baseline:
            parser.error("digest needs --baseline")
        text, status = digest(args)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    else:
        print(text)
    return 1 if status else 0


if __name__ == "__main__":
    sys.exit(main())
