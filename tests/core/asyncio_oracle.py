#!/usr/bin/env python3
"""Oracle for corio's asyncio differential test (asyncio_diff_test.cpp).

`asyncio_oracle.py --version` prints the interpreter's "major.minor", so that the test can leave
out the shapes this Python cannot judge (see below). `asyncio_oracle.py CASES` reads scenarios, one
JSON object per line ({"id": n, "tasks": [steps of task 0, steps of task 1, ...]}), runs each on a
fresh virtual-time event loop, and prints "python X.Y.Z" and then, per scenario, a header
"== <id> <line count>" followed by that many trace lines, or "== <id> skip <reason>".

The scenario language (asyncio_diff_scenario.hpp writes it; the C++ side interprets the same)
----------------------------------------------------------------------------------------------
A scenario is a list of numbered tasks, each a list of steps. A driver task starts task 0, sleeps
until HORIZON (every scenario is over long before) and then records each task's outcome and
cancelling() count. Steps are JSON arrays:

  ["sleep", ms]                       asyncio.sleep(ms); 0 is a bare yield
  ["rec", label]                      trace "label"
  ["spawn", k] / ["gspawn", k]        create task k (gspawn: in the innermost TaskGroup)
  ["cancel", k, msg|null]             trace "cancel k -> <returned bool>"
  ["uncancel", k]                     trace "uncancel k -> <count left>"
  ["await", k]                        trace "await k -> <value>"
  ["gather", [k...], return_exc]      trace "gather -> [values or exceptions]"
  ["shield", k]                       trace "shield k -> <value>"
  ["wait", [k...], return_when, timeout|null]      trace "wait -> done=[...] pending=[...]"
  ["as_completed", [k...], timeout|null]           trace "as_completed -> <value>" per result
  ["wait_for", k | [body steps], timeout|null]     trace "wait_for -> <value>"
  ["timeout", ms|null, [body steps]]  async with asyncio.timeout(ms): body
  ["try", [body], "cancel"|"error"|"any", [handler steps], reraise]   trace "caught <exception>"
  ["raise", msg]                      raise Boom(msg)
  ["group", [body steps]]             async with TaskGroup() as tg: body
  ["later", ms|null, action]          loop.call_later(ms, cb) (call_soon if null); the callback's
                                      action is ["rec", label] or ["cancel", k, msg|null]
  ["reschedule", ms|null]             cm.reschedule(loop.time() + ms) on the innermost timeout

A task whose steps all ran returns "v<k>"; an inline body "b". Referring to a task that was never
created traces "<op> k: none" and does nothing. Every trace line is "t=<virtual ms> <who>: ...",
who being "T<k>", "cb" for callbacks or "end" for the outcomes. Exceptions are written
Boom(msg), Timeout, Cancelled(msg), Group[...], StateError (RuntimeError, InvalidStateError).

The virtual-time loop
---------------------
VirtualLoop is a real SelectorEventLoop whose time() is a counter (one unit is one of corio's
milliseconds, so every deadline is an exact integer) and whose selector's select(timeout) adds
the timeout to the counter instead of blocking; select(None) with nothing ready means no callback
and no timer can ever run: a deadlock, reported as the trace line "deadlock". Nothing else of
asyncio is replaced. Two orders that asyncio leaves undefined are pinned to corio's:

- timers due at the same time fire in the order they were scheduled (asyncio's heap breaks ties
  arbitrarily; VirtualLoop.call_at adds a sequence number to the comparison);
- sets of tasks iterate in task-number order: scenario tasks hash to their number, so
  TaskGroup._abort, wait and as_completed visit them in that order. The test only lists tasks in
  ascending order and creates a group's children in ascending order, which is corio's input or
  creation order.

Shapes this Python cannot judge
-------------------------------
corio follows Python 3.12's wait_for and timeout, and 3.13's uncancel() and TaskGroup exit. On an
older Python the oracle reports "skip <reason>" for a scenario that reaches one of the shapes
where the versions differ, detected as it runs:

- a timeout scope entered while the task already has cancellation requests (3.12 compares
  uncancel() with the count at entry; 3.11 with zero);
- uncancel() withdrawing the last request while a cancellation is still pending (3.13 drops the
  pending cancellation; 3.11 and 3.12 deliver it anyway);
- a TaskGroup whose parent task's cancelling() count changes while the group waits for its
  children, or whose exit raises an ExceptionGroup while the parent task has cancellation
  requests (3.13 withdraws its own request after the children finished, and re-arms an outside
  cancellation; 3.11 and 3.12 withdraw before waiting and do not re-arm);
- wait_for with a positive timeout (3.12 runs it on the timeout scope; 3.11's own implementation
  takes other paths and more loop iterations): the test does not generate it below 3.12.
"""

import asyncio
import heapq
import itertools
import json
import selectors
import sys
import warnings
from asyncio import events

HORIZON = 10000


class Boom(Exception):
    """The error a "raise" step raises (corio's side throws its own `boom`)."""


class Deadlock(Exception):
    """select(None) on the virtual loop: nothing can ever run again."""


class VirtualSelector(selectors.SelectSelector):
    """A selector that never blocks: waiting for `timeout` moves the virtual clock instead."""

    def __init__(self):
        super().__init__()
        self.loop = None

    def select(self, timeout=None):
        if timeout is None:
            raise Deadlock()
        if timeout > 0:
            self.loop.now += timeout
        return []


class SeqTimerHandle(events.TimerHandle):
    """A TimerHandle ordered by (deadline, scheduling order)."""

    __slots__ = ("_seq",)

    def __init__(self, when, callback, args, loop, context, seq):
        super().__init__(when, callback, args, loop, context)
        self._seq = seq

    def __lt__(self, other):
        return (self._when, self._seq) < (other._when, other._seq)

    def __le__(self, other):
        return (self._when, self._seq) <= (other._when, other._seq)

    def __gt__(self, other):
        return (self._when, self._seq) > (other._when, other._seq)

    def __ge__(self, other):
        return (self._when, self._seq) >= (other._when, other._seq)


class VirtualLoop(asyncio.SelectorEventLoop):
    """asyncio's own loop on a virtual clock (see the module docstring), making scenario tasks
    through ScenarioTask and keeping unretrieved errors out of stderr."""

    def __init__(self):
        self.now = 0
        self.pending_index = None
        self._timer_seq = itertools.count()
        selector = VirtualSelector()
        super().__init__(selector)
        selector.loop = self
        self.set_task_factory(self._make_task)
        self.set_exception_handler(lambda loop, context: None)  # unretrieved errors: not traced

    def time(self):
        return self.now

    def call_at(self, when, callback, *args, context=None):
        self._check_closed()
        timer = SeqTimerHandle(when, callback, args, self, context, next(self._timer_seq))
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        return timer

    def _make_task(self, loop, coro, **kwargs):
        index, self.pending_index = self.pending_index, None
        return ScenarioTask(coro, loop=loop, index=index, **kwargs)


class ScenarioTask(asyncio.Task):
    """A Task that hashes to its scenario number (see the module docstring) and reports the
    uncancel() shape on which Python versions differ."""

    world = None  # the World being run

    def __init__(self, coro, *, loop, index=None, **kwargs):
        self.index = index  # before Task.__init__, which puts the task in a WeakSet
        super().__init__(coro, loop=loop, **kwargs)

    def __hash__(self):
        return object.__hash__(self) if self.index is None else self.index

    def uncancel(self):
        if sys.version_info < (3, 13) and self.cancelling() == 1 and self._must_cancel:
            ScenarioTask.world.unsupported("uncancel() with a pending cancellation (3.13)")
        return super().uncancel()


class CheckedTaskGroup(asyncio.TaskGroup):
    """TaskGroup, reporting the exits on which 3.13 differs from older versions."""

    def __init__(self, world):
        super().__init__()
        self._world = world

    async def __aexit__(self, et, exc, tb):
        if sys.version_info >= (3, 13):
            return await super().__aexit__(et, exc, tb)
        parent = self._parent_task
        requested = self._parent_cancel_requested
        expected = parent.cancelling() - (1 if requested else 0)
        try:
            return await super().__aexit__(et, exc, tb)
        except BaseExceptionGroup:
            if parent.cancelling() > 0:
                self._world.unsupported("TaskGroup error with the parent cancelled (3.13)")
            raise
        finally:
            if self._parent_cancel_requested != requested or parent.cancelling() != expected:
                self._world.unsupported("TaskGroup parent cancelled during exit (3.13)")


def describe(e):
    if isinstance(e, asyncio.CancelledError):
        return f"Cancelled({e})"
    if isinstance(e, TimeoutError):
        return "Timeout"
    if isinstance(e, BaseExceptionGroup):
        return "Group[" + ", ".join(describe(x) for x in e.exceptions) + "]"
    if isinstance(e, (RuntimeError, asyncio.InvalidStateError)):
        return "StateError"
    if isinstance(e, Boom):
        return f"Boom({e})"
    return f"Other({type(e).__name__}: {e})"


def describe_value(v):
    return describe(v) if isinstance(v, BaseException) else v


CATCHES = {
    "cancel": lambda e: isinstance(e, asyncio.CancelledError),
    "error": lambda e: isinstance(e, Exception),
    "any": lambda e: not isinstance(e, GeneratorExit),
}


class World:
    """One scenario being run: its tasks, its trace, and whether it reached a shape this Python
    cannot judge."""

    def __init__(self, scenario, loop):
        self.steps = scenario["tasks"]
        self.loop = loop
        self.trace = []
        self.tasks = {}
        self.skip = None

    def unsupported(self, reason):
        self.skip = self.skip or reason

    def record(self, who, text):
        now = self.loop.time()
        assert now == int(now), now
        self.trace.append(f"t={int(now)} {who}: {text}")

    def spawn(self, k, group=None):
        coro = run_task(self, k)
        self.loop.pending_index = k
        try:
            self.tasks[k] = group.create_task(coro) if group else self.loop.create_task(coro)
        except BaseException:
            coro.close()  # refused: never started (as 3.12 does)
            raise
        finally:
            self.loop.pending_index = None

    def task(self, who, what, k):
        """Task k, or None after tracing that it was never created."""
        t = self.tasks.get(k)
        if t is None:
            self.record(who, f"{what} {k}: none")
        return t

    def task_list(self, who, what, ks):
        ts = [self.tasks.get(k) for k in ks]
        if any(t is None for t in ts):
            self.record(who, f"{what}: none")
            return None
        return ts

    def callback(self, action):
        if action[0] == "rec":
            self.record("cb", action[1])
        else:
            t = self.task("cb", "cancel", action[1])
            if t is not None:
                self.record("cb", f"cancel {action[1]} -> {t.cancel(action[2])}")


NO_CONTEXT = (None, None)  # (innermost TaskGroup, innermost Timeout) around a body


async def run_task(w, k):
    await run_steps(w, k, w.steps[k], NO_CONTEXT)
    return f"v{k}"


async def run_body(w, me, steps, cx):
    await run_steps(w, me, steps, cx)
    return "b"


async def run_steps(w, me, steps, cx):
    for s in steps:
        await run_step(w, me, s, cx)


async def run_step(w, me, s, cx):
    op, who = s[0], f"T{me}"
    if op == "sleep":
        await asyncio.sleep(s[1])
    elif op == "rec":
        w.record(who, s[1])
    elif op == "spawn":
        w.spawn(s[1])
    elif op == "gspawn":
        w.spawn(s[1], cx[0])
    elif op == "cancel":
        t = w.task(who, "cancel", s[1])
        if t is not None:
            w.record(who, f"cancel {s[1]} -> {t.cancel(s[2])}")
    elif op == "uncancel":
        t = w.task(who, "uncancel", s[1])
        if t is not None:
            w.record(who, f"uncancel {s[1]} -> {t.uncancel()}")
    elif op == "await":
        t = w.task(who, "await", s[1])
        if t is not None:
            w.record(who, f"await {s[1]} -> {await t}")
    elif op == "gather":
        ts = w.task_list(who, "gather", s[1])
        if ts is not None:
            results = await asyncio.gather(*ts, return_exceptions=s[2])
            w.record(who, "gather -> [" + ", ".join(map(describe_value, results)) + "]")
    elif op == "shield":
        t = w.task(who, "shield", s[1])
        if t is not None:
            w.record(who, f"shield {s[1]} -> {await asyncio.shield(t)}")
    elif op == "wait":
        ts = w.task_list(who, "wait", s[1])
        if ts is not None:
            done, pending = await asyncio.wait(ts, timeout=s[3], return_when=getattr(asyncio, s[2]))
            w.record(who, f"wait -> done={sorted(t.index for t in done)} "
                          f"pending={sorted(t.index for t in pending)}")
    elif op == "as_completed":
        ts = w.task_list(who, "as_completed", s[1])
        if ts is not None:
            for f in asyncio.as_completed(ts, timeout=s[2]):
                w.record(who, f"as_completed -> {await f}")
    elif op == "wait_for":
        if s[2] is not None and s[2] > 0 and sys.version_info < (3, 12):
            w.unsupported("wait_for with a timeout (3.12)")
        if isinstance(s[1], list):
            aw = run_body(w, me, s[1], cx)
        else:
            aw = w.task(who, "wait_for", s[1])
        if aw is not None:
            w.record(who, f"wait_for -> {await asyncio.wait_for(aw, s[2])}")
    elif op == "timeout":
        if sys.version_info < (3, 12) and asyncio.current_task().cancelling() != 0:
            w.unsupported("timeout entered with cancellation requests (3.12)")
        async with asyncio.timeout(s[1]) as cm:
            await run_steps(w, me, s[2], (cx[0], cm))
    elif op == "try":
        _, body, kind, handler, reraise = s
        try:
            await run_steps(w, me, body, cx)
        except BaseException as e:
            if not CATCHES[kind](e):
                raise
            w.record(who, f"caught {describe(e)}")
            await run_steps(w, me, handler, cx)
            if reraise:
                raise e
    elif op == "raise":
        raise Boom(s[1])
    elif op == "group":
        async with CheckedTaskGroup(w) as tg:
            await run_steps(w, me, s[1], (tg, cx[1]))
    elif op == "later":
        action = s[2]
        if s[1] is None:
            w.loop.call_soon(w.callback, action)
        else:
            w.loop.call_later(s[1], w.callback, action)
    elif op == "reschedule":
        cx[1].reschedule(None if s[1] is None else w.loop.time() + s[1])
    else:
        raise KeyError(f"unknown step {s!r}")


def outcome(t):
    if t.cancelled():
        what = "cancelled"  # no message: CPython gives it to the first reader only
    elif not t.done():
        what = "pending"
    elif t.exception() is not None:
        what = f"err {describe(t.exception())}"
    else:
        what = f"ok {t.result()}"
    return f"{what} c={t.cancelling()}"


async def driver(w):
    w.spawn(0)
    await asyncio.sleep(HORIZON)
    for k in range(len(w.steps)):
        t = w.tasks.get(k)
        w.record("end", f"T{k} " + ("never" if t is None else outcome(t)))


def run_scenario(scenario):
    loop = VirtualLoop()
    w = World(scenario, loop)
    ScenarioTask.world = w
    try:
        loop.run_until_complete(driver(w))
    except Deadlock:
        w.trace.append("deadlock")
    finally:
        loop.close()
    return w


def main():
    if sys.argv[1:] == ["--version"]:
        print(f"{sys.version_info.major}.{sys.version_info.minor}")
        return
    warnings.simplefilter("ignore")  # "coroutine was never awaited" for refused tasks and the like
    out = [f"python {sys.version.split()[0]}"]
    with open(sys.argv[1], encoding="utf-8") as cases:
        for line in cases:
            scenario = json.loads(line)
            w = run_scenario(scenario)
            if w.skip:
                out.append(f"== {scenario['id']} skip {w.skip}")
            else:
                out.append(f"== {scenario['id']} {len(w.trace)}")
                out.extend(w.trace)
    print("\n".join(out))


if __name__ == "__main__":
    main()
