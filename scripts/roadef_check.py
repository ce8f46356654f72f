#!/usr/bin/env python3
"""Checks a ROADEF/EURO Challenge 2012 solution on its own, sharing nothing with OpenDRS's
Swift code: reads the model, the original assignment and the new one, tests every hard
constraint (capacity, conflict, spread, dependency, transient) and computes the official cost.

Usage: python3 scripts/roadef_check.py MODEL ORIGINAL NEW
Prints one JSON object: {"feasible": bool, "violations": [...], "cost": {...}}.
Exit 0 when feasible, 1 when a hard constraint is broken, 2 when a file is malformed."""
import json
import sys


def numbers(path):
    with open(path) as handle:
        return [int(token) for token in handle.read().split()]


class Model:
    def __init__(self, values):
        it = iter(values)
        take = lambda: next(it)
        nres = take()
        self.transient, self.wload = [], []
        for _ in range(nres):
            self.transient.append(take() == 1)
            self.wload.append(take())
        nmach = take()
        self.neigh, self.loc, self.cap, self.safe, self.mmc = [], [], [], [], []
        for _ in range(nmach):
            self.neigh.append(take())
            self.loc.append(take())
            self.cap.append([take() for _ in range(nres)])
            self.safe.append([take() for _ in range(nres)])
            self.mmc.append([take() for _ in range(nmach)])
        nserv = take()
        self.spread, self.deps = [], []
        for _ in range(nserv):
            self.spread.append(take())
            self.deps.append([take() for _ in range(take())])
        nproc = take()
        self.serv, self.req, self.pmc = [], [], []
        for _ in range(nproc):
            self.serv.append(take())
            self.req.append([take() for _ in range(nres)])
            self.pmc.append(take())
        self.balances = []
        for _ in range(take()):
            r1, r2, target = take(), take(), take()
            self.balances.append((r1, r2, target, take()))
        self.wpmc, self.wsmc, self.wmmc = take(), take(), take()
        if next(it, None) is not None:
            raise ValueError("data after the end of the model")


def check(model, original, new):
    nres, nmach = len(model.wload), len(model.neigh)
    usage = [[0] * nres for _ in range(nmach)]
    transient = [[0] * nres for _ in range(nmach)]
    for p, m in enumerate(new):
        for r in range(nres):
            usage[m][r] += model.req[p][r]
            transient[m][r] += model.req[p][r]
            if model.transient[r] and original[p] != m:
                transient[original[p]][r] += model.req[p][r]
    violations = []
    for m in range(nmach):
        for r in range(nres):
            if usage[m][r] > model.cap[m][r]:
                violations.append(f"capacity m{m} r{r}")
            elif model.transient[r] and transient[m][r] > model.cap[m][r]:
                violations.append(f"transient m{m} r{r}")
    members = {}
    for p, s in enumerate(model.serv):
        members.setdefault(s, []).append(p)
    for s in range(len(model.spread)):
        procs = members.get(s, [])
        machines = [new[p] for p in procs]
        if len(set(machines)) < len(machines):
            violations.append(f"conflict s{s}")
        if len({model.loc[m] for m in machines}) < model.spread[s]:
            violations.append(f"spread s{s}")
        for other in model.deps[s]:
            near = {model.neigh[new[q]] for q in members.get(other, [])}
            for p in procs:
                if model.neigh[new[p]] not in near:
                    violations.append(f"dependency p{p} s{s}->s{other}")
    load = sum(model.wload[r] * max(0, usage[m][r] - model.safe[m][r]) for m in range(nmach) for r in range(nres))
    balance = 0
    for r1, r2, target, weight in model.balances:
        for m in range(nmach):
            free1 = model.cap[m][r1] - usage[m][r1]
            free2 = model.cap[m][r2] - usage[m][r2]
            balance += weight * max(0, target * free1 - free2)
    moved = [p for p in range(len(new)) if new[p] != original[p]]
    per_service = {}
    for p in moved:
        per_service[model.serv[p]] = per_service.get(model.serv[p], 0) + 1
    cost = {
        "load": load,
        "balance": balance,
        "processMove": model.wpmc * sum(model.pmc[p] for p in moved),
        "serviceMove": model.wsmc * max(per_service.values(), default=0),
        "machineMove": model.wmmc * sum(model.mmc[original[p]][new[p]] for p in moved),
    }
    cost["total"] = sum(cost.values())
    return violations, cost


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        model = Model(numbers(argv[1]))
        original, new = numbers(argv[2]), numbers(argv[3])
        for name, assignment in (("original", original), ("new", new)):
            if len(assignment) != len(model.serv) or any(not 0 <= m < len(model.neigh) for m in assignment):
                raise ValueError(f"the {name} assignment needs one machine in range per process")
    except (OSError, ValueError, StopIteration) as error:
        print(f"malformed input: {error}", file=sys.stderr)
        return 2
    violations, cost = check(model, original, new)
    print(json.dumps({"feasible": not violations, "violations": violations, "cost": cost}))
    return 0 if not violations else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
