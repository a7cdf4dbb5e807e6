"""Re-binding names costs what fresh names cost (issue 8): linear, not quadratic.

A loop-unrolled program re-binds the same two names on every line
(``h = sin(acc)*i; acc += h``); the baseline is the same operations with a fresh name
per line.  Both are parsed in the same run, so the ratio does not depend on the machine.
Quadratic re-binding (before the fix) made 8,000 re-bindings ~14x the baseline.

Run from the repository root:  python benchmarks/bench_rebinding.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import best  # noqa: E402

from graphviz_ad.core.parse import parse  # noqa: E402


def rebinding(n: int) -> str:
    return "acc = x\n" + "".join(f"h = sin(acc)*{i}\nacc += h\n" for i in range(n))


def fresh_names(n: int) -> str:
    lines = ["acc0 = x"]
    for i in range(n):
        lines += [f"h{i} = sin(acc{i})*{i}", f"acc{i + 1} = acc{i} + h{i}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    args = parser.parse_args()
    sizes = (1000, 4000) if args.quick else (2000, 8000, 16000)
    repeat = 1 if args.quick else 3
    print(f"{'lines':>7}  {'re-bound':>9}  {'fresh names':>11}  ratio")
    for n in sizes:
        rebound_text, fresh_text = rebinding(n), fresh_names(n)
        rebound = best(lambda: parse(rebound_text), repeat)  # noqa: B023 (called right here)
        fresh = best(lambda: parse(fresh_text), repeat)  # noqa: B023
        print(f"{2 * n:>7}  {rebound:8.2f}s  {fresh:10.2f}s  {rebound / fresh:5.2f}x")


if __name__ == "__main__":
    main()
