#!/usr/bin/env python3
"""Oracle for corio's itertools differential tests (itertools_diff_test.cpp and
itertools_shared_diff_test.cpp).

Reads a file of cases, one JSON object per line: {"fn": name, "args": {...}}. For each case,
prints one line: Python's repr of the list of results (e.g. list(takewhile(pred, data))), or
"ValueError" if the call raises ValueError. Callbacks are named: PREDICATES, KEYS and FUNCTIONS
below define them, and diff_support.hpp defines the same ones for the C++ side.

Works on Python 3.10+ (itertools.batched, new in 3.12, falls back to the documented recipe).
"""

import itertools
import json
import operator
import sys

PREDICATES = {
    "lt3": lambda x: x < 3,
    "even": lambda x: x % 2 == 0,
    "odd": lambda x: x % 2 != 0,
    "pos": lambda x: x > 0,
}

KEYS = {
    "half": lambda x: x // 2,
    "parity": lambda x: x % 2,
    "sign": lambda x: (x > 0) - (x < 0),
}

FUNCTIONS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "max": max,
}


def batched(iterable, n):
    """itertools.batched (3.12+), or the 3.11 documentation's recipe."""
    if hasattr(itertools, "batched"):
        return itertools.batched(iterable, n)

    def recipe():
        it = iter(iterable)
        while batch := tuple(itertools.islice(it, n)):
            yield batch

    if n < 1:
        raise ValueError("n must be at least one")
    return recipe()


def shared(a):
    """Case "shared": one generator over a["data"], read by several adaptors at once.

    a["args"] are expression trees over that generator ({"op": "g"} is the generator itself);
    a["top"] combines them. The result is the first a["limit"] items, as cycle() may be infinite.
    """
    source = (x for x in a["data"])

    def build(t):
        op = t["op"]
        if op == "g":
            return source
        if op in ("takewhile", "dropwhile", "filterfalse"):
            return getattr(itertools, op)(PREDICATES[t["pred"]], build(t["arg"]))
        if op == "islice":
            return itertools.islice(build(t["arg"]), *t["slice"])
        if op == "accumulate":
            return itertools.accumulate(build(t["arg"]), FUNCTIONS[t["func"]])
        if op == "pairwise_add":
            return itertools.starmap(operator.add, itertools.pairwise(build(t["arg"])))
        if op == "enumerate_mul":
            return itertools.starmap(operator.mul, enumerate(build(t["arg"]), t["start"]))
        if op == "cycle":
            return itertools.cycle(build(t["arg"]))
        if op == "chain":
            return itertools.chain(*[build(x) for x in t["args"]])
        if op == "compress":
            return itertools.compress(*[build(x) for x in t["args"]])
        if op == "zip_add":
            return itertools.starmap(operator.add, zip(*[build(x) for x in t["args"]]))
        raise KeyError(f"unknown operand {op!r}")

    ins = [build(t) for t in a["args"]]
    top = a["top"]
    if top == "operand":
        result = ins[0]
    elif top == "zip":
        result = zip(*ins)
    elif top == "compress":
        result = itertools.compress(*ins)
    elif top == "zip_longest" and a["fill"] is None:
        result = itertools.zip_longest(*ins)
    elif top == "zip_longest":
        result = itertools.zip_longest(*ins, fillvalue=a["fill"])
    elif top == "product":
        result = itertools.product(*ins)
    elif top == "starmap_sub":
        result = itertools.starmap(operator.sub, zip(*ins))
    elif top == "tee":
        first, second = itertools.tee(ins[0])
        result = zip(first, ins[1], second)
    else:
        raise KeyError(f"unknown top {top!r}")
    return list(itertools.islice(result, a["limit"]))


def run(fn, a):
    """The list of results of one case."""
    if fn == "shared":
        return shared(a)
    if fn == "count":
        return list(itertools.islice(itertools.count(a["start"], a["step"]), a["n"]))
    if fn == "cycle":
        return list(itertools.islice(itertools.cycle(a["data"]), a["n"]))
    if fn == "repeat":
        return list(itertools.repeat(a["value"], a["times"]))
    if fn == "accumulate":
        func = FUNCTIONS[a["func"]] if a["func"] else None
        return list(itertools.accumulate(a["data"], func, initial=a["initial"]))
    if fn == "batched":
        return list(batched(a["data"], a["n"]))
    if fn == "chain":
        return list(itertools.chain(*a["lists"]))
    if fn == "chain_from_iterable":
        return list(itertools.chain.from_iterable(a["lists"]))
    if fn == "compress":
        return list(itertools.compress(a["data"], a["selectors"]))
    if fn in ("dropwhile", "filterfalse", "takewhile"):
        return list(getattr(itertools, fn)(PREDICATES[a["pred"]], a["data"]))
    if fn == "groupby":
        key = KEYS[a["key"]] if a["key"] else None
        return [(k, list(g)) for k, g in itertools.groupby(a["data"], key)]
    if fn == "islice":
        return list(itertools.islice(a["data"], *a["slice"]))
    if fn == "pairwise":
        return list(itertools.pairwise(a["data"]))
    if fn == "starmap":
        return list(itertools.starmap(FUNCTIONS[a["func"]], a["pairs"]))
    if fn == "tee":
        return [list(t) for t in itertools.tee(a["data"], a["n"])]
    if fn == "zip_longest":
        if a["fill"] is None:
            return list(itertools.zip_longest(*a["lists"]))
        return list(itertools.zip_longest(*a["lists"], fillvalue=a["fill"]))
    if fn == "enumerate":
        return list(enumerate(a["data"], a["start"]))
    if fn == "zip":
        return list(zip(*a["lists"]))
    if fn == "product":
        if a["repeat"] is None:
            return list(itertools.product(*a["lists"]))
        return list(itertools.product(*a["lists"], repeat=a["repeat"]))
    if fn == "permutations":
        return list(itertools.permutations(a["data"], a["r"]))
    if fn in ("combinations", "combinations_with_replacement"):
        return list(getattr(itertools, fn)(a["data"], a["r"]))
    raise KeyError(f"unknown function {fn!r}")


def main():
    with open(sys.argv[1], encoding="utf-8") as cases:
        for line in cases:
            case = json.loads(line)
            try:
                result = repr(run(case["fn"], case["args"]))
            except ValueError:
                result = "ValueError"
            print(result, flush=False)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
