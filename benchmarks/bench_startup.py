"""CLI start-up as ratios against plain Python imports in the same run (issue 12, item 1).

* ``graphviz-ad --version`` and ``--help`` against ``python -c "import click"`` (goal ≤ 3×),
* ``graphviz-ad trace "x^2" --at x=1`` against ``python -c "import numpy, networkx"``
  (goal ≤ 1.5×).

Each command is a fresh process; the best of several runs is kept (the machine is shared).
Run from the repository root:  python benchmarks/bench_startup.py [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import best  # noqa: E402

PY = sys.executable


def run(*args: str) -> None:
    subprocess.run([PY, *args], check=True, stdout=subprocess.DEVNULL)


CASES = [
    ("--version", ("-m", "graphviz_ad", "--version"), ("-c", "import click"), 3.0),
    ("--help", ("-m", "graphviz_ad", "--help"), ("-c", "import click"), 3.0),
    ('trace "x^2" --at x=1', ("-m", "graphviz_ad", "trace", "x^2", "--at", "x=1"),
     ("-c", "import numpy, networkx"), 1.5),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    repeat = 3 if parser.parse_args().quick else 9
    print(f"{'command':<24} {'graphviz-ad':>11} {'baseline':>9} {'ratio':>6} goal")
    for name, ours, baseline, goal in CASES:
        mine = best(lambda: run(*ours), repeat)  # noqa: B023 (called right here)
        base = best(lambda: run(*baseline), repeat)  # noqa: B023
        print(f"{name:<24} {mine * 1000:9.0f}ms {base * 1000:7.0f}ms {mine / base:5.1f}× "
              f"≤ {goal}×")


if __name__ == "__main__":
    main()
