#!/usr/bin/env python3
"""Quality of the heuristics on `consolidate`: average excess of active hosts over the best
proven lower bound, per solver.

    Benchmarks/consolidate-quality.py [--drs PATH] [--time-limit S] [--solvers a,b] [--jsonl FILE]

Instances:
  * every `consolidate` snapshot of Datasets/suite-small; reference = the manifest's known
    optimum, else the exact solver's active hosts when it proves optimality, else the best lower
    bound below (the larger of this script's bound and the exact solver's reported bound);
  * a medium generated suite (`drs generate`, 200 to 2000 VMs, the classes and seeds of MEDIUM
    below, written to a temporary folder); reference = the known optimum where the class has
    one, else the lower bound below.

Lower bound on active hosts (computed here, independently of the solvers), the largest of, per
resource r, over receiving hosts (connected or standby) and every item (each powered-on VM, and
its FT secondary as a second item of the same size):
  * identical limits C: the Martello-Toth bound L2 of one-dimensional bin packing of the items'
    r-demands into bins of size C (which is at least ceil(total / C));
  * otherwise: the fewest hosts whose largest limits add up to the total r-demand.
Only capacity is used, so the bound holds whatever the rules, admission control and migration
cost: a plan can fail to reach it for those reasons too (running clusters whose moves must pay
for their migration).

Per solver: instances, plans the checker accepted (`drs bench` rejects others), the mean and
worst excess (active - reference) / reference, the instances at the reference, unplaced VMs and
soft violations summed, and the median seconds. Output: markdown on standard output.
"""
import argparse
import bisect
import json
import os
import statistics
import subprocess
import sys
import tempfile

from migration import migration_seconds

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOLVERS = "ffd-l2,ffd-sum,ffd-max,dot-product,bin-centric,greedy,local-search,portfolio,auto"

# (class, hosts, vms, resources, first seed, count): the medium generated suite.
MEDIUM = [
    ("uniform", 64, 256, 2, 101, 2),
    ("uniform", 200, 1000, 2, 111, 2),
    ("uniform", 400, 2000, 3, 121, 1),
    ("known-optimum", 64, 256, 2, 201, 2),
    ("known-optimum", 200, 1000, 3, 211, 2),
    ("known-optimum", 400, 2000, 2, 221, 1),
    ("catalog", 40, 500, 2, 301, 2),
    ("catalog", 100, 2000, 3, 311, 1),
    ("rebalance", 32, 256, 2, 401, 2),
    ("rebalance", 100, 1000, 2, 411, 1),
]


def limit(capacity, max_utilization):
    return int((capacity * max_utilization * 1000 + 1e-3) // 1)


def demand(value):
    return int(round(value * 1000))


def l2_bound(sizes, capacity):
    """Martello-Toth L2 for one-dimensional bin packing (sizes and capacity integers)."""
    sizes = sorted(s for s in sizes if s > 0)
    if not sizes:
        return 0
    n = len(sizes)
    prefix = [0]
    for s in sizes:
        prefix.append(prefix[-1] + s)
    half = capacity / 2
    best = -(-prefix[-1] // capacity)
    alphas = {0} | {s for s in sizes if s <= half}
    for alpha in alphas:
        # J1: s > C - alpha; J2: C/2 < s <= C - alpha; J3: alpha <= s <= C/2.
        j1_start = bisect.bisect_right(sizes, capacity - alpha)
        j2_start = bisect.bisect_right(sizes, half)
        j3_start = bisect.bisect_left(sizes, alpha)
        j1 = n - j1_start
        j2 = j1_start - j2_start
        sum_j2 = prefix[j1_start] - prefix[j2_start]
        sum_j3 = prefix[j2_start] - prefix[j3_start]
        free = j2 * capacity - sum_j2
        extra = max(0, -(-(sum_j3 - free) // capacity))
        best = max(best, j1 + j2 + extra)
    return best


def lower_bound(snapshot):
    resources = snapshot.get("resources", ["cpu", "memory"])
    cluster = snapshot.get("cluster", {})
    caps = cluster.get("maxUtilization", {})
    hosts = [h for h in snapshot["hosts"] if h.get("state", "connected") in ("connected", "standby")]
    best = 0
    items = [vm for vm in snapshot["vms"] if vm.get("powerState", "on") == "on"]
    if items:
        best = 1
    if any(vm.get("ft") for vm in items):
        best = max(best, 2)
    for r in resources:
        limits = sorted((limit(h.get("capacity", {}).get(r, 0), caps.get(r, 1.0)) for h in hosts), reverse=True)
        sizes = []
        for vm in items:
            d = demand(vm.get("demand", {}).get(r, 0))
            sizes.append(d)
            if vm.get("ft"):
                sizes.append(d)
        total = sum(sizes)
        if total == 0 or not limits:
            continue
        if limits[0] == limits[-1]:
            best = max(best, l2_bound(sizes, limits[0]))
        else:
            running, k = 0, 0
            while running < total and k < len(limits):
                running += limits[k]
                k += 1
            best = max(best, k)
    return best


def costly_hosts(snapshot):
    """Running hosts that no plan empties alone at a profit: they hold a pinned VM, or their
    own VMs (and FT secondaries) need more migration seconds than one host is worth at the
    cluster's threshold (1 / lambda, lambda = 0.04 / 4^(threshold - 2) for consolidate)."""
    cluster = snapshot.get("cluster", {})
    threshold = cluster.get("migrationThreshold", 3)
    if threshold <= 1:
        worth = 0.0
    else:
        worth = 1 / (0.04 / 4 ** (min(threshold, 5) - 2))
    bandwidth = cluster.get("migration", {}).get("bandwidth", 1250)
    alive = {h["id"] for h in snapshot["hosts"] if h.get("state", "connected") == "connected"}
    seconds, pinned, used = {}, set(), set()
    for vm in snapshot["vms"]:
        if vm.get("powerState", "on") != "on":
            continue
        memory = vm.get("migration", {}).get("memory", vm.get("demand", {}).get("memory", 0))
        cost = migration_seconds(memory, vm.get("migration", {}).get("dirtyRate", 0), bandwidth)
        places = [vm.get("host")] + [(vm.get("ft") or {}).get("secondaryHost")]
        for h in places:
            if h in alive:
                used.add(h)
                seconds[h] = seconds.get(h, 0) + cost
        if vm.get("automation") == "disabled" and vm.get("host") in alive:
            pinned.add(vm["host"])
    return len(used), sum(1 for h in used if h in pinned or seconds.get(h, 0) >= worth)


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, text=True, **kwargs)


def bench(drs, files, solvers, time_limit, seed):
    out = run([drs, "bench", *files, "--solvers", solvers, "--time-limit", str(time_limit), "--seed", str(seed)],
              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drs", default=os.path.join(ROOT, ".build/release/drs"))
    parser.add_argument("--time-limit", type=float, default=10)
    parser.add_argument("--exact-time-limit", type=float, default=10)
    parser.add_argument("--solvers", default=SOLVERS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jsonl", help="also write every run, with its reference, to this file")
    parser.add_argument("--label", help="name the measured build (default: the work tree's git revision)")
    args = parser.parse_args()

    small_dir = os.path.join(ROOT, "Datasets/suite-small")
    manifest = {e["file"]: e for e in json.load(open(os.path.join(small_dir, "manifest.json")))["snapshots"]}
    small = sorted(f for f, e in manifest.items() if e["goal"] == "consolidate")
    references = {}  # (suite, file) -> (reference, kind)
    snapshot_costs = {}  # (suite, file) -> (hosts active before, hosts that cannot pay)
    runs = []

    exact = {r["snapshot"]: r for r in bench(args.drs, [os.path.join(small_dir, f) for f in small], "exact",
                                             args.exact_time_limit, args.seed)}
    for f in small:
        snapshot = json.load(open(os.path.join(small_dir, f)))
        bound = lower_bound(snapshot)
        snapshot_costs[("small", f)] = costly_hosts(snapshot)
        e = exact.get(f, {})
        if manifest[f].get("knownOptimum") is not None:
            references[("small", f)] = (manifest[f]["knownOptimum"], "known optimum")
        elif e.get("status") == "optimal":
            references[("small", f)] = (e["activeHosts"], "exact optimum")
        else:
            references[("small", f)] = (max(bound, e.get("bound") or 0), "lower bound")
    for r in bench(args.drs, [os.path.join(small_dir, f) for f in small], args.solvers, args.time_limit, args.seed):
        runs.append(("small", r))

    with tempfile.TemporaryDirectory() as work:
        files = []
        for cls, h, v, res, seed, count in MEDIUM:
            out = os.path.join(work, f"{cls}-h{h}-v{v}-r{res}-s{seed}")
            run([args.drs, "generate", "--class", cls, "--goal", "consolidate", "--hosts", str(h), "--vms", str(v),
                 "--resources", str(res), "--seed", str(seed), "--count", str(count), "--output-dir", out],
                stdout=subprocess.DEVNULL)
            entries = json.load(open(os.path.join(out, "manifest.json")))["snapshots"]
            for e in entries:
                path = os.path.join(out, e["file"])
                files.append(path)
                snapshot = json.load(open(path))
                bound = lower_bound(snapshot)
                snapshot_costs[("medium", e["file"])] = costly_hosts(snapshot)
                if e.get("knownOptimum") is not None:
                    references[("medium", e["file"])] = (e["knownOptimum"], "known optimum")
                else:
                    references[("medium", e["file"])] = (bound, "lower bound")
        for r in bench(args.drs, files, args.solvers, args.time_limit, args.seed):
            runs.append(("medium", r))

    if args.jsonl:
        with open(args.jsonl, "w") as sink:
            for suite, r in runs:
                ref, kind = references[(suite, r["snapshot"])]
                sink.write(json.dumps({"suite": suite, "reference": ref, "referenceKind": kind, **r}) + "\n")

    revision = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE).stdout.strip()
    dirty = run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "Sources"],
                stdout=subprocess.PIPE).stdout.strip()
    machine = runs[0][1].get("machine", "?") if runs else "?"
    if args.label:
        revision, dirty = args.label, ""
    print(f"Revision `{revision}`{' (with uncommitted changes in Sources)' if dirty else ''}, machine: {machine}, "
          f"time limit {args.time_limit:g} s, seed {args.seed}.\n")
    running_classes = {"rebalance", "failure", "maintenance"}
    groups = [
        ("small", False, "Datasets/suite-small, initial placement (uniform, catalog, known-optimum)"),
        ("small", True, "Datasets/suite-small, running clusters (rebalance, failure, maintenance)"),
        ("medium", False, "medium suite, initial placement (uniform, catalog, known-optimum)"),
        ("medium", True, "medium suite, running clusters (rebalance)"),
        (None, False, "both suites, initial placement"),
        (None, None, "both suites, every consolidate snapshot"),
    ]
    for suite, running, title in groups:
        chosen = [(s, r) for s, r in runs if (suite is None or s == suite)
                  and (running is None or (r.get("class") in running_classes) == running)]
        count = len({(s, r["snapshot"]) for s, r in chosen})
        print(f"### {title} ({count} snapshots)\n")
        print("| solver | instances | checked plans | mean excess | worst excess | at reference | unplaced VMs | soft violations | median seconds |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for solver in args.solvers.split(","):
            mine = [(s, r) for s, r in chosen if r["solver"] == solver]
            ok = [(s, r) for s, r in mine if r["status"] in ("optimal", "feasible")]
            excess = []
            for s, r in ok:
                ref = references[(s, r["snapshot"])][0]
                excess.append((r["activeHosts"] - ref) / ref if ref else 0.0)
            if not mine:
                continue
            mean = f"{statistics.mean(excess):.4f}" if excess else "-"
            worst = f"{max(excess):.4f}" if excess else "-"
            at = sum(1 for x in excess if x <= 1e-12)
            unplaced = sum(r["unplaced"] for _, r in ok)
            soft = sum(r["softViolations"] for _, r in ok)
            seconds = statistics.median(r["seconds"] for _, r in ok) if ok else float("nan")
            print(f"| {solver} | {len(mine)} | {len(ok)} | {mean} | {worst} | {at} | {unplaced} | {soft} | {seconds:.4f} |")
        print()
    print("### Running clusters: why the capacity bound is out of reach\n")
    print("Active before: hosts running something in the snapshot. Cannot pay: of those, hosts holding a pinned VM or "
          "whose own VMs need more migration seconds than one host is worth at the threshold (emptying one alone "
          "never pays). Cannot pay is not a bound (mandatory moves, such as evacuating a host in maintenance, pay for "
          "themselves whatever they cost), only a scale.\n")
    shown = [x for x in args.solvers.split(",") if x in ("greedy", "local-search")]
    print("| suite | snapshot | reference | active before | cannot pay | " + " | ".join(shown) + " |")
    print("| --- | --- | ---: | ---: | ---: | " + " | ".join("---:" for _ in shown) + " |")
    for (suite, name), (ref, kind) in sorted(references.items()):
        chosen = {r["solver"]: r for s, r in runs if s == suite and r["snapshot"] == name}
        any_run = next(iter(chosen.values()), None)
        if any_run is None or any_run.get("class") not in running_classes:
            continue
        before, costly = snapshot_costs[(suite, name)]
        cells = " | ".join(str(chosen[x]["activeHosts"]) if x in chosen else "-" for x in shown)
        print(f"| {suite} | {name} | {ref} ({kind}) | {before} | {costly} | {cells} |")
    print()
    kinds = {}
    for (suite, _), (_, kind) in references.items():
        kinds.setdefault(suite, {}).setdefault(kind, 0)
        kinds[suite][kind] += 1
    print("References: " + "; ".join(f"{suite}: " + ", ".join(f"{n} {k}" for k, n in sorted(v.items()))
                                     for suite, v in sorted(kinds.items())) + ".")


if __name__ == "__main__":
    sys.exit(main())
