"""``graphviz-ad gallery graphs/`` spread over processes against the sequential path,
same run (issue 12, item 5).  Goal: at most 60 s on this machine (2 cores).
Best of two rounds, run in alternating order.

Three runs, each a fresh process writing into an empty directory: the default (graph
files and plots over processes), ``--jobs 1`` (one process; frames still rasterized on
two threads) and the fully sequential path (one process, one frame at a time, as the
gallery ran before).  Ratios are to the fully sequential run.

    python benchmarks/bench_gallery.py [--quick]    # --quick: five graph files, 1 run
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best  # noqa: E402

GOAL_S = 60.0
QUICK = ["problem1.toml", "problem4.toml", "problem9.toml", "mlp.toml", "dilation-holes.toml"]


ONE_AT_A_TIME = ("import sys; from graphviz_ad.draw import raster; raster.WORKERS = 1; "
                 "from graphviz_ad.cli import main; main(sys.argv[1:])")


def gallery(graphs: Path, out: Path, *jobs: str, serial: bool = False) -> None:
    shutil.rmtree(out, ignore_errors=True)
    command = ["-c", ONE_AT_A_TIME] if serial else ["-m", "graphviz_ad"]
    subprocess.run([sys.executable, *command, "gallery", str(graphs), "--out", str(out),
                    "--no-progress", *jobs], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=__doc__.splitlines()[-1])
    quick = parser.parse_args(argv).quick
    with tempfile.TemporaryDirectory() as tmp:
        graphs = ROOT / "graphs"
        if quick:
            graphs = Path(tmp) / "graphs"
            graphs.mkdir()
            for name in QUICK:
                shutil.copy(ROOT / "graphs" / name, graphs)
        out = Path(tmp) / "out"
        runs = {"processes": lambda: gallery(graphs, out),
                "jobs 1": lambda: gallery(graphs, out, "--jobs", "1"),
                "serial": lambda: gallery(graphs, out, "--jobs", "1", serial=True)}
        times: dict[str, list[float]] = {name: [] for name in runs}
        order = list(runs)
        for _ in range(1 if quick else 2):  # alternating, so load changes hit every run
            for name in order:
                times[name].append(best(runs[name], 1, warmup=False))
                if name == "processes":
                    files = sum(1 for p in out.rglob("*") if p.is_file())
            order.reverse()
        spread, one, serial = (min(times[name]) for name in runs)
    count = len(QUICK) if quick else len(list(graphs.glob("*.toml")))
    ok = spread <= GOAL_S or quick
    print(f"| `gallery graphs/` ({count} files, {files} files written) ≤ {GOAL_S:g} s on "
          f"{os.cpu_count()} cores | fully sequential {serial:.1f} s; `--jobs 1` {one:.1f} s "
          f"({serial / one:.2f}×) | over processes {spread:.1f} s, {serial / spread:.2f}× "
          f"{'OK' if ok else 'MISSED'} |")


if __name__ == "__main__":
    main()
