"""Speed of the core engine (issue 2), as ratios measured in one run.

* parse + evaluate + reverse_mode of a generated 10,000-operation program (target < 1 s),
* the same for 100,000 operations: at most 12x the 10,000 time (linear growth),
* reverse_mode (values + adjoints) at most 3x evaluate on the same graph.

Run from the repository root:  python benchmarks/bench_core.py [--quick]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import best  # noqa: E402

import graphviz_ad as ad  # noqa: E402

FUNCTIONS = ["sin", "cos", "exp", "tanh", "sigmoid", "softplus"]


def program(operations: int, seed: int = 0, chained: bool = False) -> str:
    """A random straight-line program with about ``operations`` operations, 3 inputs;
    ``chained``: each line uses the previous one (so every reverse step has terms) and
    ``y`` is the last line, else a line uses one of the last 20 and ``y`` sums the last 5."""
    rng = random.Random(seed)
    lines, names, count = [], ["x", "w", "b"], 0
    while count < operations:
        a = names[-1] if chained else rng.choice(names[-20:])
        b = rng.choice(names)
        kind = rng.random()
        if kind < 0.4:
            expr, ops = f"{a}*{b} + {rng.uniform(-1, 1):.3f}", 2
        elif kind < 0.7:
            expr, ops = f"{rng.choice(FUNCTIONS)}({a}) - {b}", 2
        else:
            expr, ops = f"{a}/({rng.uniform(1, 2):.3f} + {b}^2)", 3
        name = f"v{len(lines)}"
        lines.append(f"{name} = 0.5*({expr})")
        names.append(name)
        count += ops + 1
    lines.append(f"y = {names[-1]}" if chained else "y = " + " + ".join(names[-5:]))
    return "\n".join(lines)




def pipeline(source: str) -> None:
    G = ad.parse(source)
    inputs = {"x": 0.3, "w": -0.7, "b": 0.2}
    ad.evaluate(G, inputs)
    ad.reverse_mode(G, inputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeat = 2 if args.quick else 5
    small, large = program(10_000), program(100_000)
    G = ad.parse(small)
    ops = sum(1 for n in G if G.nodes[n]["op"] not in ("input", "const"))
    inputs = {"x": 0.3, "w": -0.7, "b": 0.2}

    t_small = best(lambda: pipeline(small), repeat)
    t_large = best(lambda: pipeline(large), max(1, repeat // 2))
    t_eval = best(lambda: ad.evaluate(G, inputs), repeat)
    t_rev = best(lambda: ad.reverse_mode(G, inputs), repeat)
    t_parse = best(lambda: ad.parse(small), repeat)

    print(f"graph: {ops:,} operation nodes (10k program)")
    print(f"parse 10k: {t_parse * 1e3:.0f} ms; evaluate: {t_eval * 1e3:.0f} ms; "
          f"reverse_mode: {t_rev * 1e3:.0f} ms")
    print(f"| parse+evaluate+reverse, 10k ops | {t_small:.2f} s | target < 1 s | "
          f"{'OK' if t_small < 1 else 'MISSED'} |")
    ratio = t_large / t_small
    print(f"| 100k ops / 10k ops | {ratio:.1f}x | target <= 12x | "
          f"{'OK' if ratio <= 12 else 'MISSED'} |")
    ratio = t_rev / t_eval
    print(f"| reverse_mode / evaluate | {ratio:.2f}x | target <= 3x | "
          f"{'OK' if ratio <= 3 else 'MISSED'} |")


if __name__ == "__main__":
    main()
