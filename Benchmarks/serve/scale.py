#!/usr/bin/env python3
"""`drs serve` at scale: one POST /v1/plan of a large generated snapshot against `drs plan` of
the same file, side by side, alternating, REPEAT times each; prints a Markdown table of medians
and checks that both give the same plan (the measured `seconds` field aside).

usage: python3 Benchmarks/serve/scale.py [--drs PATH] [--hosts 1000] [--vms 100000]
                                         [--query solver=greedy] [--repeat 3]
"""
import argparse, http.client, json, os, re, statistics, subprocess, tempfile, time

def timeless(text):
    return re.sub(r'(?m)^  "seconds": [-0-9.e+]+,$', '  "seconds": S,', text)

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--drs", default=".build/release/drs")
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--vms", type=int, default=100000)
    parser.add_argument("--query", default="solver=greedy")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="opendrs-serve-scale-")
    snapshot = os.path.join(folder, "snapshot.json")
    subprocess.run([args.drs, "generate", "--class", "rebalance", "--hosts", str(args.hosts), "--vms", str(args.vms),
                    "--output", snapshot], check=True)
    body = open(snapshot, "rb").read()
    options = []
    for pair in args.query.split("&"):
        name, value = pair.split("=", 1)
        options += ["--" + name, value]
    server = subprocess.Popen([args.drs, "serve", "--port", "0", "--max-body-bytes", str(1 << 30)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    port = int(server.stdout.readline().decode().rsplit(":", 1)[1])
    served, command, same = [], [], True
    try:
        for _ in range(args.repeat):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            start = time.perf_counter()
            connection.request("POST", "/v1/plan?" + args.query, body=body,
                               headers={"Content-Type": "application/json", "Connection": "close"})
            response = connection.getresponse()
            answer = response.read().decode()
            served.append(time.perf_counter() - start)
            connection.close()
            start = time.perf_counter()
            run = subprocess.run([args.drs, "plan", snapshot] + options, capture_output=True, text=True)
            command.append(time.perf_counter() - start)
            same = same and response.status == 200 and run.returncode == 0 and timeless(answer) == timeless(run.stdout)
    finally:
        server.terminate()
        server.wait()
    print(f"{args.vms:,} VMs on {args.hosts:,} hosts ({len(body) / 1e6:.1f} MB), query {args.query}, {args.repeat} runs each, alternating")
    print()
    print("| path | median s | min s | max s |")
    print("| --- | ---: | ---: | ---: |")
    for name, values in [("POST /v1/plan (body sent, solved, answer read)", served), ("drs plan FILE (process start to exit)", command)]:
        print(f"| {name} | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f} |")
    print()
    print(f"serve / command: {statistics.median(served) / statistics.median(command):.2f}x; same plan bytes: {same}")

if __name__ == "__main__":
    main()
