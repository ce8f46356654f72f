#!/usr/bin/env python3
"""Summarise `drs bench` (and peers.py) JSON lines into results/summary.md and PNG plots.

Gap of a run (relative to the incumbent, as MIP solvers report it): (cost - reference) / cost,
where cost is the run's level-3 objective (goal term + lambda x migration seconds) and the
reference of a snapshot is, in this order:
  1. the cost of a proven optimum of OpenDRS's exact solver (status "optimal");
  2. else the snapshot's known optimum (known-optimum class, from the manifest);
  3. else the best proven lower bound any solver reported for the goal term (peer models are
     relaxations of OpenDRS's, so their bounds hold too).
A lower bound on the goal term is also one on the cost (migration cost >= 0), so gaps to (2) and
(3) are upper bounds on the true gap. Runs that leave more VMs unplaced, or break more soft
rules, than the proven optimum are counted as "worse at a higher level" and get no gap.
Peer records (solver ids peer-*) model less than OpenDRS (see peers.py): they are shown in the
tables; only their bounds serve as reference.

Usage: report.py RESULTS.jsonl [MORE.jsonl ...] --out results/
"""
import argparse
import collections
import json
import os
import statistics
import sys

OK = ("optimal", "feasible")


def load(paths):
    records = []
    for path in paths:
        if not os.path.exists(path):
            continue
        with open(path) as f:
            records += [json.loads(line) for line in f if line.strip()]
    return records


def is_peer(record):
    return (record.get("solverId") or "").startswith("peer-")


def references(records):
    """Per snapshot: (reference cost, kind, reference record or None)."""
    by_snapshot = collections.defaultdict(list)
    for r in records:
        by_snapshot[r["snapshot"]].append(r)
    result = {}
    for name, runs in by_snapshot.items():
        own = [r for r in runs if not is_peer(r) and r["status"] in OK]
        optimal = [r for r in own if r["status"] == "optimal" and (r.get("solverId") or "").startswith("exact")]
        if optimal:
            best = min(optimal, key=lambda r: r["cost"])
            result[name] = (best["cost"], "exact optimum", best)
            continue
        known = next((r.get("knownOptimum") for r in runs if r.get("knownOptimum") is not None), None)
        if known is not None:
            result[name] = (known, "known optimum", None)
            continue
        # Peer models are relaxations of OpenDRS's (fewer constraints, goal term only), so their
        # proven bounds are lower bounds on the goal term too.
        bounds = [r["bound"] for r in runs if r.get("bound") is not None and (r["status"] in OK or is_peer(r))]
        if bounds:
            result[name] = (max(bounds), "best bound", None)
    return result


def gap_of(record, refs):
    """(gap or None, worse at a higher level?)."""
    if record["status"] not in OK or record.get("cost") is None:
        return None, False
    ref = refs.get(record["snapshot"])
    if ref is None:
        return None, False
    value, kind, ref_record = ref
    if ref_record is not None and record.get("softViolations") is not None:
        if (record["unplaced"], record["softViolations"]) > (ref_record["unplaced"], ref_record["softViolations"]):
            return None, True
    cost = record["cost"]
    if abs(cost) < 1e-12:
        return 0.0, False
    return max(0.0, (cost - value) / abs(cost)), False


def fmt(value, digits=4):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def summary(records, refs, out):
    classes = sorted({r["class"] for r in records})
    environment = next((r for r in records if not is_peer(r)), records[0] if records else {})
    lines = ["# Benchmark summary", ""]
    lines.append(f"Revision `{environment.get('revision')}`, machine: {environment.get('machine')}, "
                 f"GLPK {environment.get('glpk')}. {len(records)} runs over "
                 f"{len({r['snapshot'] for r in records})} snapshots. Gap: see `Benchmarks/report.py` "
                 "(relative to the run's cost; reference = exact optimum, else known optimum, else best bound).")
    lines.append("")
    lines.append("Statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(collections.Counter(r['status'] for r in records).items())))
    lines.append("")
    for cls in classes:
        runs = [r for r in records if r["class"] == cls]
        lines.append(f"## {cls}")
        lines.append("")
        lines.append("| solver | instances | checked plans | proven optima | with reference | mean gap | worst gap | "
                     "worse at a higher level | unplaced VMs | median seconds | errors / rejected |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for solver in sorted({r["solver"] for r in runs}):
            mine = [r for r in runs if r["solver"] == solver]
            ok = [r for r in mine if r["status"] in OK]
            gaps, worse = [], 0
            for r in ok:
                g, w = gap_of(r, refs)
                worse += w
                if g is not None:
                    gaps.append(g)
            times = [r["seconds"] for r in ok if r.get("seconds") is not None]
            bad = sum(r["status"] in ("error", "rejected") for r in mine)
            lines.append("| " + " | ".join([
                solver, str(len(mine)), str(len(ok)), str(sum(r["status"] == "optimal" for r in mine)), str(len(gaps)),
                fmt(statistics.mean(gaps) if gaps else None), fmt(max(gaps) if gaps else None), str(worse),
                str(sum(r.get("unplaced") or 0 for r in ok)), fmt(statistics.median(times) if times else None),
                str(bad)]) + " |")
        errors = sorted({r.get("message") for r in runs if r["status"] in ("error", "rejected") and r.get("message")})
        if errors:
            lines.append("")
            lines += [f"- message: {m}" for m in errors[:3]]
        lines.append("")
    lines.append("A gap of 1.0 means the only reference is a lower bound of 0 (balance snapshots whose exact run did not "
                 "prove optimality): no information, not a bad solution. Counts under \"worse at a higher level\" left "
                 "more VMs unplaced or broke more soft rules than the proven optimum.")
    lines.append("")
    lines.append("Peer solvers (cpsat, highs; ids peer-*) solve a reduced model: consolidate only, no migration cost, "
                 "soft rules, priorities or HA admission; their placements are checked by peers.py, not by `drs check`.")
    lines.append("")
    lines.append("Plots: `gap-by-size.png`, `time-by-size.png`, `exact-coverage-by-size.png`.")
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def plots(records, refs, out):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report.py: matplotlib is not installed; no plots (pip install matplotlib)", file=sys.stderr)
        return
    solvers = sorted({r["solver"] for r in records})
    markers = "osD^v<>p*"

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, solver in enumerate(solvers):
        points = []
        for r in records:
            if r["solver"] == solver:
                g, _ = gap_of(r, refs)
                if g is not None:
                    points.append((r["vms"], g))
        if points:
            ax.scatter([p[0] for p in points], [p[1] for p in points], label=solver, marker=markers[i % len(markers)], alpha=0.7)
    ax.set_xscale("log")
    ax.set_xlabel("VMs")
    ax.set_ylabel("gap to reference (relative)")
    ax.set_title("Gap by size")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "gap-by-size.png"), dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, solver in enumerate(solvers):
        points = [(r["vms"] * r["hosts"], r["seconds"]) for r in records
                  if r["solver"] == solver and r["status"] in OK and r.get("seconds")]
        if points:
            ax.scatter([p[0] for p in points], [p[1] for p in points], label=solver, marker=markers[i % len(markers)], alpha=0.7)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("VMs x hosts")
    ax.set_ylabel("solve seconds")
    ax.set_title("Time by size (log-log)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, "time-by-size.png"), dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    exact = [r for r in records if r["solver"] in ("exact", "exact-glpk")]
    sizes = sorted({r["vms"] for r in exact})
    coverage = [sum(r["status"] == "optimal" for r in exact if r["vms"] == s) / max(1, sum(r["vms"] == s for r in exact))
                for s in sizes]
    ax.bar([str(s) for s in sizes], coverage, color="tab:blue")
    ax.set_ylim(0, 1)
    ax.set_xlabel("VMs")
    ax.set_ylabel("share proven optimal")
    ax.set_title("Exact solver coverage by size" + ("" if any(coverage) else " (no proven optimum in these runs)"))
    fig.tight_layout()
    fig.savefig(os.path.join(out, "exact-coverage-by-size.png"), dpi=110)
    plt.close(fig)


def readme(records, args):
    """results/README.md: the command, revision, machine, GLPK version and seeds behind the results."""
    own = [r for r in records if not is_peer(r)]
    first = own[0] if own else records[0]
    peers = sorted({r["solver"] for r in records if is_peer(r)})
    lines = ["# Benchmark results", "",
             "Rebuilt from scratch by one command, from the repository root:", "",
             f"    {args.command}", "",
             f"- git revision: `{first.get('revision')}`",
             f"- machine: {first.get('machine')}",
             f"- GLPK: {first.get('glpk')}",
             f"- solvers: {', '.join(sorted({r['solver'] for r in own}))}"
             + (f"; peers: {', '.join(peers)} (Benchmarks/peers.py)" if peers else "; peers: not installed, skipped"),
             f"- time limit per run: {first.get('timeLimit')} s",
             f"- runs: {len(own)} drs, {len(records) - len(own)} peer", "",
             "Files: `results.jsonl` (one `drs bench` record per run), `peers.jsonl` (peer solvers, same format), "
             "`summary.md` (tables per class), `gap-by-size.png`, `time-by-size.png`, `exact-coverage-by-size.png`.", "",
             "## Snapshots and seeds", ""]
    for directory in args.manifests or []:
        path = os.path.join(directory, "manifest.json")
        try:
            with open(path) as f:
                manifest = json.load(f)
        except (OSError, ValueError):
            continue
        entries = manifest.get("snapshots", [])
        seeds = sorted(e["seed"] for e in entries)
        seed_text = f"{seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else str(seeds[0]) if seeds else "-"
        name = os.path.basename(directory.rstrip("/"))
        command = manifest.get("command", "").replace("DIR", name)
        lines.append(f"- `{name}`: {len(entries)} snapshot(s), seeds {seed_text}: `{command}`")
    lines += ["", "Datasets/suite-small is committed; the scaling set is generated on demand by reproduce.sh "
              "(its commands are listed above).", "",
              "## Other results in this folder", "",
              "Each names its own command, revision and machine:", "",
              "- `planner.md`: waves for 100,000 moves, `drs failover --all` on 1,000 hosts, `drs plan` end to end "
              "at 100,000 VMs (`Benchmarks/Planner`, `Benchmarks/end-to-end.sh`).",
              "- `end-to-end.md`: `drs plan` end to end at 100,000 VMs against the issue's 2 s target, before and "
              "after the local-search rework side by side, and local search with `--threads 2` "
              "(`Benchmarks/end-to-end.sh`, `Benchmarks/end-to-end-compare.sh`).",
              "- `heuristics.md` with `heuristics-raw-*.csv`: initial placement of 10^5 and 10^6 VMs, SIMD kernels "
              "against their scalar twins (`Benchmarks/Heuristics`).",
              "- `micro-benchmarks.md`: hot kernels with committed thresholds (`Benchmarks/Micro`).",
              "- `consolidate-quality.md`: active hosts above the best proven bound on `consolidate` snapshots, "
              "per heuristic, before and after host emptying (`Benchmarks/consolidate-quality.py`).",
              "- `exact-vs-cpsat.md`, when present: the exact solver against OR-Tools CP-SAT on the small suite "
              "(`Benchmarks/exact-vs-cpsat.py`).",
              "- `exact-formulations.md`: the pattern model against the assignment MIP on consolidate snapshots "
              "(`Benchmarks/formulations.sh`)."]
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description="Summarise benchmark JSON lines.")
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--out", default="results")
    parser.add_argument("--command", default="Benchmarks/reproduce.sh", help="the command that produced the records")
    parser.add_argument("--manifests", nargs="*", help="dataset folders whose manifest.json lists the seeds")
    args = parser.parse_args()
    records = load(args.inputs)
    if not records:
        print("report.py: no records", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    refs = references(records)
    summary(records, refs, args.out)
    plots(records, refs, args.out)
    readme(records, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
