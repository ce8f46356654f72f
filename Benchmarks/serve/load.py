#!/usr/bin/env python3
"""Load on `drs serve`: requests/s and latency of POST /v1/plan with 1 and 2 concurrent clients.

Starts `DRS serve --port 0` (DRS: the drs binary, default .build/release/drs), warms it up with
one request per snapshot, then for each client count sends REQUESTS requests per client, the
snapshots of Datasets/examples/ in turn, each client on its own connection per request
(Connection: close), and prints a Markdown table. Standard library only.

usage: python3 Benchmarks/serve/load.py [--drs PATH] [--requests N] [--query Q] [--clients 1,2]
"""
import argparse, glob, http.client, os, statistics, subprocess, sys, threading, time

def post(port, path, body):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    start = time.perf_counter()
    connection.request("POST", path, body=body, headers={"Content-Type": "application/json", "Connection": "close"})
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    connection.close()
    return response.status, elapsed

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--drs", default=".build/release/drs")
    parser.add_argument("--requests", type=int, default=40, help="requests per client")
    parser.add_argument("--query", default="", help="query string of /v1/plan, such as solver=greedy")
    parser.add_argument("--clients", default="1,2")
    args = parser.parse_args()
    files = sorted(glob.glob("Datasets/examples/*.json"))
    bodies = [open(f, "rb").read() for f in files]
    server = subprocess.Popen([args.drs, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = server.stdout.readline().decode()
    port = int(line.rsplit(":", 1)[1])
    path = "/v1/plan" + ("?" + args.query if args.query else "")
    try:
        statuses = {}
        for body in bodies:
            status, _ = post(port, path, body)
        print(f"| clients | requests | seconds | requests/s | median ms | p90 ms | statuses |")
        print(f"| ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for clients in [int(c) for c in args.clients.split(",")]:
            latencies, statuses, lock = [], {}, threading.Lock()
            def client(offset):
                for index in range(args.requests):
                    status, elapsed = post(port, path, bodies[(offset + index) % len(bodies)])
                    with lock:
                        latencies.append(elapsed)
                        statuses[status] = statuses.get(status, 0) + 1
            threads = [threading.Thread(target=client, args=(i * 3,)) for i in range(clients)]
            start = time.perf_counter()
            for t in threads: t.start()
            for t in threads: t.join()
            wall = time.perf_counter() - start
            latencies.sort()
            p90 = latencies[int(0.9 * (len(latencies) - 1))]
            print(f"| {clients} | {len(latencies)} | {wall:.2f} | {len(latencies) / wall:.1f} | "
                  f"{statistics.median(latencies) * 1000:.1f} | {p90 * 1000:.1f} | "
                  + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) + " |")
    finally:
        server.terminate()
        code = server.wait()
        print(f"\n(drs serve exited {code} after SIGTERM)")

if __name__ == "__main__":
    main()
