#!/usr/bin/env python3
"""Turns the measurements Benchmarks/scale/run.sh left in WORK into results/scale.md (stdout).

Usage: report.py WORK "CLASSES" "SIZES" "SOLVERS" COMMAND
Per class and solver, one row per size: the CPU seconds of each stage of `drs plan` (from
DRS_STAGE_TIMES=1; the median over runs, stage by stage), the process's CPU and peak RSS (from
/usr/bin/time), drs's parse speed, orjson's parse time of the same file, the C reference's
placement time, and the growth exponents between the two largest sizes (log-log slope).
"""
import math
import os
import platform
import re
import statistics
import subprocess
import sys

STAGES = ["read", "parse", "validate", "compile", "solve", "build", "check", "write"]


def fields(path):
    """key=value pairs of a one-line output file."""
    with open(path) as handle:
        return dict(re.findall(r"(\w+)=([-0-9.e+]+)", handle.read()))


def run_values(path):
    """Stage CPU seconds, process CPU and peak RSS (MiB) of one `drs plan` run."""
    values = {}
    with open(path) as handle:
        for line in handle:
            stage = re.match(r"stage (\w+) cpu=([0-9.]+) peak_rss_kib=(\d+)", line)
            if stage:
                values[stage.group(1)] = float(stage.group(2))
            timed = re.match(r"time user=([0-9.]+) sys=([0-9.]+) maxrss_kib=(\d+)", line)
            if timed:
                values["cpu"] = float(timed.group(1)) + float(timed.group(2))
                values["rss"] = int(timed.group(3)) / 1024
            status = re.match(r"exit=(\d+)", line)
            if status:
                values["exit"] = int(status.group(1))
    return values


def median_run(work, name):
    runs = sorted(f for f in os.listdir(work) if f.startswith(name + "-run") and f.endswith(".stages"))
    measured = [run_values(os.path.join(work, f)) for f in runs]
    keys = set().union(*measured) if measured else set()
    return {k: statistics.median(m[k] for m in measured if k in m) for k in keys}, len(measured)


def slope(small, large, ratio):
    if small is None or large is None or small <= 0 or large <= 0:
        return "-"
    return f"{math.log(large / small) / math.log(ratio):.2f}"


def cell(value, digits=3):
    return "-" if value is None else f"{value:.{digits}f}"


def headline(work, classes, sizes, solvers):
    """Bullet points for the largest size measured: the issue's targets next to the numbers."""
    lines = []
    for snapshot_class in classes:
        for vms in reversed(sizes):
            name = f"{snapshot_class}-{vms}"
            if not os.path.exists(os.path.join(work, name + ".orjson")):
                continue
            python = fields(os.path.join(work, name + ".orjson"))
            reference = float(fields(os.path.join(work, name + ".cref"))["seconds"])
            megabytes = float(python["bytes"]) / 1e6
            parts = []
            for solver in solvers:
                measured, _ = median_run(work, f"{name}-{solver}")
                if "cpu" not in measured:
                    continue
                ratio = f", solve {measured['solve'] / reference:.1f}x the C reference" if measured.get("solve") and reference else ""
                parts.append(f"`{solver}` {measured['cpu']:.1f} s CPU (target 5 s), peak RSS {measured['rss']:.0f} MiB "
                             f"(target 1024){ratio}; parse {megabytes / measured['parse']:.0f} MB/s (target 150)")
            orjson = float(python["orjson_seconds"])
            lines.append(f"- {snapshot_class}, {vms:,} VMs ({megabytes:.0f} MB): " + "; ".join(parts)
                         + f"; orjson parses the file at {megabytes / orjson:.0f} MB/s.")
            break
    return lines


def table(work, snapshot_class, sizes, solver):
    head = ["VMs", "hosts", "MB"] + STAGES + ["total CPU s", "peak RSS MiB", "parse MB/s", "orjson s", "orjson MB/s",
                                               "C ref s", "solve / C ref"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    rows = {}
    for vms in sizes:
        name = f"{snapshot_class}-{vms}"
        if not os.path.exists(os.path.join(work, name + ".orjson")):
            continue
        python = fields(os.path.join(work, name + ".orjson"))
        reference = fields(os.path.join(work, name + ".cref"))
        measured, count = median_run(work, f"{name}-{solver}")
        megabytes = float(python["bytes"]) / 1e6
        orjson = float(python["orjson_seconds"])
        c_seconds = float(reference["seconds"])
        row = {stage: measured.get(stage) for stage in STAGES}
        row.update(cpu=measured.get("cpu"), rss=measured.get("rss"), orjson=orjson, cref=c_seconds)
        rows[vms] = row
        parse = row["parse"]
        cells = [f"{vms:,}", f"{vms // 10:,}", f"{megabytes:.1f}"] + [cell(row[s]) for s in STAGES]
        cells += [cell(row["cpu"], 2), cell(row["rss"], 0), cell(megabytes / parse if parse else None, 0), cell(orjson),
                  cell(megabytes / orjson if orjson else None, 0), cell(c_seconds), cell(row["solve"] / c_seconds if row["solve"] and c_seconds else None, 1)]
        if measured.get("exit", 0) != 0:
            cells[0] += f" (exit {int(measured['exit'])})"
        lines.append("| " + " | ".join(cells) + " |")
    measured_sizes = [s for s in sizes if s in rows]
    if len(measured_sizes) >= 2:
        small, large = measured_sizes[-2], measured_sizes[-1]
        ratio = large / small
        a, b = rows[small], rows[large]
        cells = [f"exponent {small:,} -> {large:,}", "", ""] + [slope(a[s], b[s], ratio) for s in STAGES]
        cells += [slope(a["cpu"], b["cpu"], ratio), slope(a["rss"], b["rss"], ratio), "", slope(a["orjson"], b["orjson"], ratio), "",
                  slope(a["cref"], b["cref"], ratio), ""]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main():
    work, classes, sizes, solvers, command = sys.argv[1], sys.argv[2].split(), [int(s) for s in sys.argv[3].split()], sys.argv[4].split(), sys.argv[5]
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    out = ["# OpenDRS at scale: per-stage CPU and peak memory from 10^3 to 10^6 VMs", ""]
    out.append(f"Measured by `{command}` at git revision {revision} on {platform.system()} {platform.release()} "
               f"{platform.machine()}, {os.cpu_count()} cores, shared with other builds and tests while it ran: CPU "
               "seconds, not wall time, but cache and memory-bandwidth contention still inflate them (the same "
               "run varies by up to 1.5x), hence medians.")
    out.append("")
    out.append("Each snapshot is `drs generate --class CLASS --hosts VMs/10 --vms VMs --seed 1`. Stage columns are the CPU "
               "seconds (user + system) `drs plan SNAPSHOT --solver SOLVER --seed 1` spends in each stage, from "
               "`DRS_STAGE_TIMES=1` (medians over the runs of a point; `check` includes building the checker's "
               "context); *total CPU* and *peak RSS* are the whole process's, from `/usr/bin/time`. *parse MB/s* is "
               "the snapshot's size over the `parse` stage (bytes to `Snapshot`, without the semantic checks of "
               "`validate`). *orjson s* is Python's orjson 3.8.3 parsing the same bytes into Python objects (best of "
               "three). *C ref s* is `Benchmarks/scale/ffd_ref.c` placing every powered-on VM from scratch by first "
               "fit decreasing (L2 size) over a max-residual segment tree (sort and placement only); *solve / C ref* "
               "compares it with drs's `solve` stage. The exponent row is the log-log slope between the two largest "
               "sizes (1 = linear).")
    out += ["", "At the largest size:", ""] + headline(work, classes, sizes, solvers)
    for snapshot_class in classes:
        for solver in solvers:
            out += ["", f"## {snapshot_class}, `--solver {solver}`", ""]
            out += table(work, snapshot_class, sizes, solver)
    print("\n".join(out))


if __name__ == "__main__":
    main()
