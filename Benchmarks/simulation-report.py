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


def change(ratio):
    """A relative change, `0.0%` when it rounds to nothing."""
    text = f"{ratio - 1:+.1%}"
    return "0.0%" if text in ("+0.0%", "-0.0%") else text


def cloudsim_table(runs, days):
    lines = ["| day | policy | energy kWh (CloudSim / here) | migrations (CloudSim / here) | SLATAH % | PDM % | SLAV |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for day in days:
        for policy in ["lr-mmt-1.2", "thr-mmt-0.8"]:
            if (day, policy) not in runs or (day, policy) not in CLOUDSIM:
                continue
            e, m, s, p, v = CLOUDSIM[(day, policy)]
            r = runs[(day, policy)]
            lines.append(f"| {day} | {policy} | {e:.2f} / {r['energyKWh']:.2f} ({change(r['energyKWh'] / e)}) | "
                         f"{m:,} / {r['migrations']:,} ({change(r['migrations'] / m)}) | {s:.2f} / {100 * r['slatah']:.2f} | "
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
    axes[0].set_ylim(0, 120)
    axes[1].set_ylabel("energy since start (kWh)")
    axes[2].set_ylabel("migrations started per step")
    axes[2].set_yscale("symlog", linthresh=10)
    axes[2].set_ylim(bottom=0)
    axes[2].set_xlabel(f"hour of {day}")
    axes[1].legend(fontsize=8, loc="upper left")
    axes[0].set_title(f"drs simulate, {day}, beloglazov2012 setup (the first step's ~800 hosts of the reference policies are off the scale)",
                      fontsize=9)
    figure.tight_layout()
    figure.savefig(os.path.join(out, "simulation-day.png"), dpi=110)
    figure, axis = plt.subplots(figsize=(8, 5))
    markers = "osD^vP*X"
    for number, policy in enumerate(policies):
        points = [(runs[(d, policy)]["energyKWh"] / runs[(d, "lr-mmt-1.2")]["energyKWh"], runs[(d, policy)]["slav"])
                  for d in days if (d, policy) in runs and (d, "lr-mmt-1.2") in runs]
        if points:
            axis.scatter([p[0] for p in points], [p[1] for p in points], label=policy, s=22, marker=markers[number % len(markers)])
    axis.set_yscale("log")
    axis.axvline(1, color="grey", linewidth=0.5)
    axis.set_xlabel("energy relative to LR-MMT-1.2 on the same day")
    axis.set_ylabel("SLAV = SLATAH x PDM (log)")
    axis.set_title("energy vs SLA violation, one point per policy and day (lower left is better)", fontsize=10)
    axis.legend(fontsize=7, loc="upper right")
    figure.tight_layout()
    figure.savefig(os.path.join(out, "simulation-pareto.png"), dpi=110)


def goal_check(runs, days, policies):
    """Per OpenDRS policy: against LR-MMT-1.2 on each day, energy and migrations as ratios, SLAV
    as a ratio, and whether the issue's goal (less energy, SLAV no higher, at most half the
    migrations) holds on every day."""
    lines = ["| policy | energy vs LR-MMT-1.2 (per day) | SLAV vs LR-MMT-1.2 | migrations vs LR-MMT-1.2 | goal held on |",
             "| --- | --- | --- | --- | --- |"]
    for policy in policies:
        if not policy.startswith("drs"):
            continue
        pairs = [(runs[(d, policy)], runs[(d, "lr-mmt-1.2")]) for d in days if (d, policy) in runs and (d, "lr-mmt-1.2") in runs]
        if not pairs:
            continue
        energy = ", ".join(f"{r['energyKWh'] / b['energyKWh'] - 1:+.0%}" for r, b in pairs)
        slav = ", ".join(f"{r['slav'] / b['slav']:.2g}x" for r, b in pairs)
        migrations = ", ".join(f"{r['migrations'] / b['migrations']:.3f}x" for r, b in pairs)
        held = sum(1 for r, b in pairs if r["energyKWh"] < b["energyKWh"] and r["slav"] <= b["slav"] and 2 * r["migrations"] <= b["migrations"])
        lines.append(f"| {policy} | {energy} | {slav} | {migrations} | {held} of {len(pairs)} days |")
    return lines


def main():
    results, runs_dir = sys.argv[1], sys.argv[2]
    out = os.path.dirname(os.path.abspath(results))
    runs = load(results)
    days = sorted({day for day, _ in runs})
    order = ["lr-mmt-1.2", "thr-mmt-0.8", "drs-best", "drs-consolidate", "drs-balance"]
    policies = [p for p in order if any(k[1] == p for k in runs)] + sorted({p for _, p in runs if p not in order})
    run_file = os.path.join(results, "run.txt")
    header = open(run_file).read().strip() if os.path.exists(run_file) else ""
    intro = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "simulation-intro.md")).read().strip()
    body = ["# drs simulate: five PlanetLab days, the published baseline and OpenDRS", "", "```", header, "```", "", intro, "",
            "## The reference policies against CloudSim 3.0.3's own numbers", "",
            "CloudSim's numbers are those of the shared folder's `data/planetlab/README.md`; here: this repository's simulator.", ""]
    body += cloudsim_table(runs, days)
    body += ["", "## OpenDRS against LR-MMT-1.2", "",
             "The issue's goal: less energy than LR-MMT-1.2 at no higher SLAV, with at most half its migrations.", ""]
    body += goal_check(runs, days, policies)
    body += ["", "## Every policy, every day", "", "SLATAH and PDM in percent; SLAV = SLATAH x PDM and ESV = energy x SLAV as fractions; "
             "runtime: wall-clock seconds of the whole `drs simulate` run (two runs at a time on two cores).", ""]
    body += table(runs, days, policies)
    body += ["", "## Plots", "", "![active hosts, energy and migrations over 20110303](simulation-day.png)", "",
             "![energy against SLAV, every policy and day](simulation-pareto.png)", ""]
    with open(os.path.join(out, "simulation.md"), "w") as handle:
        handle.write("\n".join(body) + "\n")
    try:
        plots(runs, runs_dir, days, policies, out)
    except ImportError:
        print("matplotlib is missing: no plots (pip install matplotlib)", file=sys.stderr)


if __name__ == "__main__":
    main()
