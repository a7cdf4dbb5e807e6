"""``graphviz-ad gallery graphs/`` spread over processes against the sequential path
(``--jobs 1``), same run (issue 12, item 5).  Goals: at most 60 s on this machine
(2 cores), and the ratio to the sequential run.

Each run is a fresh ``graphviz-ad gallery`` process writing into an empty directory.

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


def gallery(graphs: Path, out: Path, *jobs: str) -> None:
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "graphviz_ad", "gallery", str(graphs), "--out",
                    str(out), "--no-progress", *jobs], check=True, cwd=ROOT,
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
        repeat = 1
        spread = best(lambda: gallery(graphs, out), repeat, warmup=False)
        files = sum(1 for p in out.rglob("*") if p.is_file())
        sequential = best(lambda: gallery(graphs, out, "--jobs", "1"), repeat, warmup=False)
    count = len(list(graphs.glob("*.toml"))) if not quick else len(QUICK)
    ok = spread <= GOAL_S or quick
    print(f"| `gallery graphs/` ({count} files, {files} outputs) ≤ {GOAL_S:g} s on "
          f"{os.cpu_count()} cores, over processes | sequential {sequential:.1f} s | "
          f"{spread:.1f} s, {sequential / spread:.2f}× faster "
          f"{'OK' if ok else 'MISSED'} |")


if __name__ == "__main__":
    main()
