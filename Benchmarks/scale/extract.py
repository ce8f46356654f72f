#!/usr/bin/env python3
"""Snapshot JSON -> the flat instance ffd_ref.c places, and orjson's parse time of the file.

Usage: extract.py SNAPSHOT.json INSTANCE.bin
Writes INSTANCE.bin (int32 H, V, R; int64 limit[H][R]; int64 demand[V][R], little-endian) with
the connected hosts' limits (capacity x maxUtilization, milli-units rounded down, as OpenDRS's
Units.limit) and the powered-on VMs' demands (milli-units rounded, as Units.demand). Prints one
line: `orjson_seconds=S bytes=B hosts=H vms=V resources=R`, S being the CPU time (user + system)
of orjson.loads on the file's bytes, read beforehand, best of three.
"""
import math
import struct
import sys
import time

import orjson


def cpu():
    return time.process_time()


def main():
    source, target = sys.argv[1], sys.argv[2]
    with open(source, "rb") as handle:
        data = handle.read()
    best = math.inf
    snapshot = None
    for _ in range(3):
        snapshot = None
        start = cpu()
        snapshot = orjson.loads(data)
        best = min(best, cpu() - start)
    resources = snapshot.get("resources", ["cpu", "memory"])
    utilization = snapshot.get("cluster", {}).get("maxUtilization", {})
    limits = []
    for host in snapshot["hosts"]:
        if host.get("state", "connected") != "connected":
            continue
        capacity = host.get("capacity", {})
        limits.append([math.floor(capacity.get(r, 0) * utilization.get(r, 1.0) * 1000 + 1e-3) for r in resources])
    demands = []
    for vm in snapshot.get("vms", []):
        if vm.get("powerState", "on") != "on":
            continue
        demand = vm.get("demand", {})
        demands.append([round(demand.get(r, 0) * 1000) for r in resources])
    R = len(resources)
    with open(target, "wb") as out:
        out.write(struct.pack("<3i", len(limits), len(demands), R))
        out.write(struct.pack(f"<{len(limits) * R}q", *[x for row in limits for x in row]))
        out.write(struct.pack(f"<{len(demands) * R}q", *[x for row in demands for x in row]))
    print(f"orjson_seconds={best:.6f} bytes={len(data)} hosts={len(limits)} vms={len(demands)} resources={R}")


if __name__ == "__main__":
    main()
