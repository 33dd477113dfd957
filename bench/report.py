#!/usr/bin/env python3
"""Print a comparison table from benchmark result JSON lines.

Usage: python3 bench/report.py RESULTS.jsonl [...]

Each result line is a JSON object
    {"bench": str, "impl": str, "metric": str, "value": number, "unit": str}
Any other line (Google Benchmark's console output, logs, JSON that is not a
result object) is ignored. Results are grouped by (bench, metric); every impl's
value is shown with its ratio to the `corio` impl's value (value / corio value,
printed as "N.NNx corio"; for time-like metrics, > 1 means corio is faster).
If an (bench, impl, metric) triple appears more than once, the last one wins.
"""

from __future__ import annotations

import json
import math
import sys
from collections import OrderedDict

REFERENCE_IMPL = "corio"
REQUIRED = ("bench", "impl", "metric", "value")


def parse_results(lines):
    """Yield result dicts from an iterable of text lines, skipping non-results."""
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(obj, dict) or any(k not in obj for k in REQUIRED):
            continue
        value = obj["value"]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        yield {
            "bench": str(obj["bench"]),
            "impl": str(obj["impl"]),
            "metric": str(obj["metric"]),
            "value": float(value),
            "unit": str(obj.get("unit", "")),
        }


def group(results):
    """(bench, metric) -> OrderedDict(impl -> result), in first-seen order."""
    groups: "OrderedDict[tuple[str, str], OrderedDict[str, dict]]" = OrderedDict()
    for r in results:
        groups.setdefault((r["bench"], r["metric"]), OrderedDict())[r["impl"]] = r
    return groups


def fmt_value(value: float) -> str:
    if value == 0 or math.isnan(value) or math.isinf(value):
        return str(value)
    if abs(value) >= 1e6 or abs(value) < 1e-3:
        return f"{value:.3e}"
    if value == int(value):
        return str(int(value))
    return f"{value:.4g}" if abs(value) < 100 else f"{value:.1f}"


def build_rows(groups):
    rows = []
    for (bench, metric), impls in groups.items():
        ref = impls.get(REFERENCE_IMPL)
        # corio first, then the others in the order they were reported.
        ordered = ([ref] if ref else []) + [r for i, r in impls.items() if i != REFERENCE_IMPL]
        for r in ordered:
            if ref is None:
                ratio = "(no corio)"
            elif r is ref:
                ratio = "1.00x corio"
            elif ref["value"] == 0:
                ratio = "n/a"
            else:
                ratio = f"{r['value'] / ref['value']:.2f}x corio"
            rows.append((bench, metric, r["impl"], fmt_value(r["value"]), r["unit"], ratio))
    return rows


def render(rows) -> str:
    header = ("bench", "metric", "impl", "value", "unit", "vs corio")
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    right = {3}  # right-align numeric values

    def line(cells):
        out = []
        for i, (cell, w) in enumerate(zip(cells, widths)):
            out.append(str(cell).rjust(w) if i in right else str(cell).ljust(w))
        return "  ".join(out).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    prev = None
    for row in rows:
        key = row[:2]
        # Show bench/metric only on the first row of each group.
        cells = row if key != prev else ("", "") + row[2:]
        out.append(line(cells))
        prev = key
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    results = []
    for path in argv[1:]:
        with open(path, encoding="utf-8", errors="replace") as f:
            results.extend(parse_results(f))
    if not results:
        print("bench/report.py: no benchmark results found in " + ", ".join(argv[1:]))
        return 0
    print(render(build_rows(group(results))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
