#!/usr/bin/env python3
"""results/simulation.md and its plots from the runs of Benchmarks/simulation.sh.

Usage: python3 Benchmarks/simulation-report.py RESULTS_DIR RUNS_DIR
  RESULTS_DIR: DAY--POLICY.json files (the totals drs simulate prints) and run.txt
  RUNS_DIR:    DAY--POLICY.jsonl files (one line per step)
Writes RESULTS_DIR/../simulation.md and RESULTS_DIR/../simulation-*.png (matplotlib)."""
import glob
import json
import os
import sys

# CloudSim 3.0.3's own numbers for these days (shared folder, data/planetlab/README.md):
# energy kWh, migrations, SLATAH %, PDM %, SLAV.
CLOUDSIM = {
    ("20110303", "lr-mmt-1.2"): (163.48, 27859, 5.86, 0.079, 4.64e-05),
    ("20110303", "thr-mmt-0.8"): (192.62, 26711, 4.91, 0.065, 3.18e-05),
    ("20110306", "lr-mmt-1.2"): (123.28, 20878, 5.88, 0.079, 4.62e-05),
    ("20110306", "thr-mmt-0.8"): (144.74, 20908, 5.13, 0.070, 3.60e-05),
    ("20110309", "lr-mmt-1.2"): (142.09, 24959, 6.55, 0.092, 6.02e-05),
    ("20110309", "thr-mmt-0.8"): (165.27, 23475, 5.26, 0.077, 4.05e-05),
    ("20110322", "lr-mmt-1.2"): (177.48, 32038, 6.13, 0.076, 4.64e-05),
    ("20110322", "thr-mmt-0.8"): (201.70, 28902, 5.03, 0.061, 3.06e-05),
    ("20110325", "lr-mmt-1.2"): (152.58, 26513, 6.06, 0.078, 4.72e-05),
    ("20110325", "thr-mmt-0.8"): (175.24, 24883, 5.08, 0.066, 3.37e-05),
}


def load(results):
    runs = {}
    for path in sorted(glob.glob(os.path.join(results, "*--*.json"))):
        day = os.path.basename(path).split("--")[0]
        with open(path) as handle:
            total = json.load(handle)
        runs[(day, total["policy"])] = total
    return runs


def steps(runs_dir, day, policy):
    name = f"{day}--{policy.replace(':', '_').replace(',', '.').replace('=', '_')}.jsonl"
    path = os.path.join(runs_dir, name)
    if not os.path.exists(path):
        return []
    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def table(runs, days, policies):
    lines = ["| policy | day | energy kWh | SLATAH % | PDM % | SLAV | ESV | migrations | mean active hosts | runtime s |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for policy in policies:
        for day in days + ["mean"]:
            if day == "mean":
                chosen = [runs[(d, policy)] for d in days if (d, policy) in runs]
                if len(chosen) < 2:
                    continue
                row = {key: sum(r[key] for r in chosen) / len(chosen)
                       for key in ["energyKWh", "slatah", "pdm", "slav", "esv", "migrations", "meanActiveHosts", "seconds"]}
                label = f"**mean of {len(chosen)}**"
            elif (day, policy) in runs:
                row, label = runs[(day, policy)], day
            else:
                continue
            lines.append(f"| {policy} | {label} | {row['energyKWh']:.2f} | {100 * row['slatah']:.2f} | {100 * row['pdm']:.3f} | "
                         f"{row['slav']:.2e} | {row['esv']:.2e} | {row['migrations']:,.0f} | {row['meanActiveHosts']:.1f} | {row['seconds']:.1f} |")
    return lines


def cloudsim_table(runs, days):
    lines = ["| day | policy | energy kWh (CloudSim / here) | migrations (CloudSim / here) | SLATAH % | PDM % | SLAV |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for day in days:
        for policy in ["lr-mmt-1.2", "thr-mmt-0.8"]:
            if (day, policy) not in runs or (day, policy) not in CLOUDSIM:
                continue
            e, m, s, p, v = CLOUDSIM[(day, policy)]
            r = runs[(day, policy)]
            lines.append(f"| {day} | {policy} | {e:.2f} / {r['energyKWh']:.2f} ({r['energyKWh'] / e - 1:+.1%}) | "
                         f"{m:,} / {r['migrations']:,} ({r['migrations'] / m - 1:+.1%}) | {s:.2f} / {100 * r['slatah']:.2f} | "
                         f"{p:.3f} / {100 * r['pdm']:.3f} | {v:.2e} / {r['slav']:.2e} |")
    return lines


def plots(runs, runs_dir, days, policies, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    day = days[0]
    series = {policy: steps(runs_dir, day, policy) for policy in policies}
    figure, axes = plt.subplots(3, 1, figsize=(9, 10), sharex=True)
    for policy, records in series.items():
        if not records:
            continue
        hours = [r["time"] / 3600 for r in records]
        axes[0].plot(hours, [r["activeHosts"] for r in records], label=policy, linewidth=1)
        cumulative, total = [], 0.0
        for r in records:
            total += r["energyKWh"]
            cumulative.append(total)
        axes[1].plot(hours, cumulative, label=policy, linewidth=1)
        axes[2].plot(hours, [r["migrations"] for r in records], label=policy, linewidth=0.8)
    axes[0].set_ylabel("active hosts")
    axes[0].set_ylim(0, max(80, axes[0].get_ylim()[1] if axes[0].get_ylim()[1] < 120 else 120))
    axes[1].set_ylabel("energy since start (kWh)")
    axes[2].set_ylabel("migrations started per step")
    axes[2].set_xlabel(f"hour of {day}")
    axes[0].legend(fontsize=8)
    axes[0].set_title(f"drs simulate, {day}, beloglazov2012 setup (first step excluded from the host axis limit)")
    figure.tight_layout()
    figure.savefig(os.path.join(out, "simulation-day.png"), dpi=110)
    figure, axis = plt.subplots(figsize=(7, 5))
    for policy in policies:
        points = [(runs[(d, policy)]["energyKWh"], runs[(d, policy)]["slav"]) for d in days if (d, policy) in runs]
        if points:
            axis.scatter([p[0] for p in points], [p[1] for p in points], label=policy, s=18)
    axis.set_xlabel("energy (kWh per day)")
    axis.set_ylabel("SLAV = SLATAH x PDM")
    axis.set_title("energy vs SLA violation, one point per policy and day (lower left is better)")
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(os.path.join(out, "simulation-pareto.png"), dpi=110)


def main():
    results, runs_dir = sys.argv[1], sys.argv[2]
    out = os.path.dirname(os.path.abspath(results))
    runs = load(results)
    days = sorted({day for day, _ in runs})
    order = ["lr-mmt-1.2", "thr-mmt-0.8"]
    policies = [p for p in order if any(k[1] == p for k in runs)] + sorted({p for _, p in runs if p not in order})
    header = open(os.path.join(results, "run.txt")).read().strip() if os.path.exists(os.path.join(results, "run.txt")) else ""
    body = ["# drs simulate: the PlanetLab days against LR-MMT-1.2", "", "```", header, "```", "",
            "## Every policy, every day", ""] + table(runs, days, policies)
    body += ["", "## The reference policies against CloudSim 3.0.3's own numbers", ""] + cloudsim_table(runs, days)
    with open(os.path.join(out, "simulation-tables.md"), "w") as handle:
        handle.write("\n".join(body) + "\n")
    try:
        plots(runs, runs_dir, days, policies, out)
    except ImportError:
        print("matplotlib is missing: no plots (pip install matplotlib)", file=sys.stderr)


if __name__ == "__main__":
    main()
