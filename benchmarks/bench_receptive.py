"""Speed of the receptive-field feature (issue 4), printed as figures and in-run ratios.

* arithmetic for a 1,000-layer stack (target < 50 ms): formulas only, and formulas plus the
  enumerated reached set; baseline: the same stack walked unit by unit in pure Python,
* drawing plus all frames (SVG) for a 64-input-unit, 4-layer stack (target < 2 s); baseline:
  one bare ``neato -n2`` call on the same DOT (the layout cost every frame shares).

Run from the repository root:  python benchmarks/bench_receptive.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import best  # noqa: E402

from graphviz_ad.draw.graphviz_run import run_graphviz  # noqa: E402
from graphviz_ad.receptive.drawing import build, rf_frames  # noqa: E402
from graphviz_ad.receptive.fields import REACHED_LIMIT, conv, pool, receptive_field  # noqa: E402


def naive_walk(layers, unit: int) -> set[int]:
    """Baseline: the input units of ``unit`` by a set walk, one Python step per tap."""
    frontier = {unit}
    for lay in reversed(layers):
        k, s, d, (left, _) = lay.kernel[0], lay.stride[0], lay.dilation[0], lay.padding[0]
        frontier = {u * s - left + t * d for u in frontier for t in range(k)}
    return frontier


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    repeat = 3 if parser.parse_args().quick else 7

    strided = [conv(3, 2 if i % 100 == 0 else 1, padding=1) for i in range(1000)]
    plain = [conv(3, padding=1) for _ in range(1000)]
    mixed = [conv(3, padding=1) if i % 3 else pool(2, 1) for i in range(1000)]
    print("arithmetic, 1,000-layer stacks (target < 50 ms)")
    holes = [conv(3, dilation=2) for _ in range(1000)]
    for name, layers in [("k3 s1", plain), ("k3 + pool2 s1", mixed),
                         ("k3, stride 2 every 100th layer", strided),
                         ("k3 d2 (holes: every other input)", holes)]:
        rf = receptive_field(layers)
        seconds = best(lambda layers=layers: receptive_field(layers), repeat)
        note = (f", {len(rf.reached):,} reached" if rf.reached is not None
                else f" (r > {REACHED_LIMIT:,}: reached set not enumerated)")
        print(f"  {name:<42} {seconds * 1e3:7.2f} ms   r = {rf.receptive_field:,}{note}")
    base = best(lambda: naive_walk(plain, 1000), max(1, repeat // 3))
    ours = best(lambda: receptive_field(plain), repeat)
    print(f"  baseline: pure-Python set walk of the k3 s1 stack {base * 1e3:7.1f} ms "
          f"({base / ours:.1f}x slower than receptive_field)")

    layers = [conv(3, padding=1), conv(3, padding=1), conv(3, 2, padding=1),
              conv(3, padding=2, dilation=2)]
    print("\ndrawing, 64 input units, 4 layers, every frame as SVG (target < 2 s)")
    total = best(lambda: rf_frames(layers, input_size=64, paths=True), repeat)
    frames, dot, _ = rf_frames(layers, input_size=64, paths=True)
    layout = best(lambda: run_graphviz(dot, "svg", "neato", ["-n2"]), repeat)
    dot_build = best(lambda: build(layers, input_size=64, paths=True), repeat)
    print(f"  DOT + slots built                       {dot_build * 1e3:7.1f} ms")
    print(f"  one neato -n2 layout (baseline)         {layout * 1e3:7.1f} ms")
    print(f"  all {len(frames)} frames, end to end              {total * 1e3:7.1f} ms "
          f"({total / layout:.1f}x one layout; {len(dot.splitlines())} DOT lines)")


if __name__ == "__main__":
    main()
