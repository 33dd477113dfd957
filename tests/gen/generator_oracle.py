#!/usr/bin/env python3
"""Oracle for corio's generator differential test (generator_diff_test.cpp).

Reads a file of cases, one JSON object per line: a chain of generators delegating with
`yield from` (a list of level specs, the last of which may delegate to a list, a["range"]) and a
script of operations on the outermost one (next, send, throw, close). For each case, prints one
line: the trace of events, joined by " | ": what each level did (started, received, caught,
returned), what each operation returned or raised, and the outer generator's state after it.
generator_diff_test.cpp renders the same trace from corio and expects the same line.

Generators abandoned while suspended (a level that yielded when closed, a list iterator sent a
value) are kept alive until the case ends, so that CPython does not finalize them (close them)
while the script runs: corio destroys such frames without running any handler, which would
otherwise differ (see "destroying a suspended generator" in docs/design.md).

Works on Python 3.8+ (tested with 3.11).
"""

import inspect
import json
import sys

ERRORS = {"ValueError": ValueError, "KeyError": KeyError, "GeneratorExit": GeneratorExit}
CATCHABLE = (ValueError, KeyError, RuntimeError, AttributeError)
STATES = {
    inspect.GEN_CREATED: "created",
    inspect.GEN_RUNNING: "running",
    inspect.GEN_SUSPENDED: "suspended",
    inspect.GEN_CLOSED: "closed",
}


def kind(error):
    """The name corio's trace gives the exception (see kind() in generator_diff_test.cpp)."""
    return type(error).__name__


def level(case, i, trace, keep):
    """Level i of the chain. Each round yields a value or delegates (to level i + 1, or to the
    list after the last level); what it catches there (GeneratorExit always, other errors if
    listed) it reacts to: raise it again, raise ValueError, return, yield a value, or go on to
    the next round."""
    spec = case["levels"][i]
    name = f"L{i}"
    trace.append(f"{name} start")
    for rnd in range(spec["rounds"]):
        caught = None
        try:
            if rnd in spec["delegate"]:
                if i + 1 < len(case["levels"]):
                    child = level(case, i + 1, trace, keep)
                    keep.append(child)
                    result = yield from child
                    trace.append(f"{name} got {result}")
                else:
                    values = iter(case["range"])
                    keep.append(values)
                    yield from values
                    trace.append(f"{name} range done")
            else:
                sent = yield spec["values"][rnd]
                trace.append(f"{name} received {sent}")
        except GeneratorExit as error:
            caught = error
        except CATCHABLE as error:
            if kind(error) not in spec["catch"]:
                raise
            caught = error
        if caught is not None:
            trace.append(f"{name} caught {kind(caught)}")
            how = spec["on_exit"] if isinstance(caught, GeneratorExit) else spec["on_error"]
            if how == "raise":
                raise caught
            if how == "raise ValueError":
                raise ValueError()
            if how == "return":
                trace.append(f"{name} returns {spec['ret']}")
                return spec["ret"]
            if how == "yield":
                sent = yield spec["react"]
                trace.append(f"{name} received {sent}")
    trace.append(f"{name} returns {spec['ret']}")
    return spec["ret"]


def run(case):
    """The trace of one case."""
    trace = []
    keep = []
    root = level(case, 0, trace, keep)
    for op, arg in case["ops"]:
        was_open = inspect.getgeneratorstate(root) != inspect.GEN_CLOSED
        try:
            if op == "close":
                root.close()
                outcome = "ok"
            else:
                if op == "next":
                    value = next(root)
                elif op == "send":
                    value = root.send(arg)
                else:
                    value = root.throw(ERRORS[arg]())
                outcome = f"-> {value}"
        except StopIteration as stop:
            outcome = f"-> stop {stop.value}" if was_open else "-> stop"
        except BaseException as error:  # pylint: disable=broad-except
            outcome = f"raised {kind(error)}"
        label = op if arg is None else f"{op} {arg}"
        trace.append(f"{label} {outcome}")
        trace.append(f"state {STATES[inspect.getgeneratorstate(root)]}")
    keep.append(root)
    return trace, keep


def main():
    # Finalizing the generators kept alive may report "generator ignored GeneratorExit".
    sys.unraisablehook = lambda unraisable: None
    with open(sys.argv[1], encoding="utf-8") as cases:
        for line in cases:
            trace, keep = run(json.loads(line))
            print(" | ".join(trace), flush=False)
            keep.clear()  # finalized now; whatever that appends to `trace` is not printed
    sys.stdout.flush()


if __name__ == "__main__":
    main()
