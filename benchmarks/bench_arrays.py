"""Speed of array values (issue 5), as ratios measured in one run.

* reverse_mode (gradient) of a logistic loss over 10⁶ data points: at most 3x one evaluate,
* a 201×201 surface of that loss over 1,000 points (one graph evaluation on the whole
  grid, in chunks): under 2 s,
* the size check every pass runs first (issue 18: each node's shape from its operands',
  core/shapes.py) costs under 10% of an evaluate of a 10,000-operation program over
  16-element arrays (the worst case: many nodes, cheap numpy calls): the best time of the
  check alone against the best evaluate with the check switched off (end-to-end times
  with and without it, in alternating rounds, are printed too).

Run from the repository root:  python benchmarks/bench_arrays.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_core import program  # noqa: E402
from timing import best  # noqa: E402

import graphviz_ad as ad  # noqa: E402
from graphviz_ad.core import autodiff, shapes  # noqa: E402
from graphviz_ad.plots.charts import surface_values  # noqa: E402

LOSS = """
z = phi0 + phi1*x
L = mean(softplus(z) - y*z)
"""  # binary cross-entropy −mean(y log σ(z) + (1 − y) log(1 − σ(z))), written stably


def data(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(-1, 1, n // 2), rng.normal(1, 1, n - n // 2)])
    y = np.r_[np.zeros(n // 2), np.ones(n - n // 2)]
    return {"x": x, "y": y}



def size_check_overhead(repeat: int) -> tuple[float, float, float]:
    """(evaluate with the size check, the same without it, the check alone) in seconds,
    for a 10,000-operation program over 16-element arrays."""
    G = ad.parse(program(10_000))
    rng = np.random.default_rng(2)
    inputs = {name: rng.uniform(0.5, 1.5, 16) for name in ("x", "w", "b")}
    real = autodiff.check_sizes
    walk = lambda G, values: shapes.walk_sizes(G, values, shapes.MAX_ELEMENTS)  # noqa: E731
    skip = lambda G, values: None  # noqa: E731  (the baseline: evaluate without the check)
    timed: dict[str, list[float]] = {"checked": [], "unchecked": []}
    try:  # alternating rounds (the machine is shared); the whole walk every time, though a
        for _ in range(repeat):  # graph's repeated passes at the same shapes skip it
            for name, check in (("checked", walk), ("unchecked", skip)):
                autodiff.check_sizes = check
                timed[name].append(best(lambda: ad.evaluate(G, inputs), 1, warmup=False))
    finally:
        autodiff.check_sizes = real
    checked, unchecked = min(timed["checked"]), min(timed["unchecked"])
    alone = best(lambda: shapes.walk_sizes(G, inputs, shapes.MAX_ELEMENTS), repeat)
    return checked, unchecked, alone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeat = 2 if args.quick else 5
    G = ad.parse(LOSS)
    inputs = {"phi0": 0.3, "phi1": -0.8, **data(1_000_000)}
    t_eval = best(lambda: ad.evaluate(G, inputs), repeat)
    t_rev = best(lambda: ad.reverse_mode(G, inputs), repeat)
    grad = ad.reverse_mode(G, inputs).gradient()

    small = data(1000, seed=1)
    over = [("phi0", np.linspace(-5, 5, 201)), ("phi1", np.linspace(-5, 5, 201))]
    t_surface = best(lambda: surface_values(G, small, "L", over), max(1, repeat // 2))
    Z = surface_values(G, small, "L", over)
    check = ad.evaluate(G, {"phi0": over[0][1][7], "phi1": over[1][1][11], **small}).value("L")
    assert abs(Z[11, 7] - check) < 1e-12, "surface disagrees with a point evaluation"

    checked, unchecked, alone = size_check_overhead(repeat)
    overhead = alone / unchecked  # best of each: end-to-end differences drown in the load

    ratio = t_rev / t_eval
    print(f"logistic loss, 10^6 points: evaluate {t_eval * 1e3:.0f} ms, reverse_mode "
          f"{t_rev * 1e3:.0f} ms (∂L/∂phi0 = {float(grad['phi0']):.4f})")
    print(f"201x201 surface over 1,000 points: {t_surface:.2f} s")
    rows = [("reverse_mode / evaluate, 10^6 points", f"{ratio:.2f}x", "target <= 3x",
             ratio <= 3),
            ("201x201 surface, 1,000 points", f"{t_surface:.2f} s", "target < 2 s",
             t_surface < 2),
            ("size check / evaluate, 10k-op program, 16-element arrays", f"{overhead:.1%}",
             "target < 10%", overhead < 0.10)]
    print(f"10k-op program, 16-element arrays: evaluate {unchecked * 1e3:.0f} ms without the "
          f"size check, the check alone {alone * 1e3:.1f} ms (evaluate with it, end to end: "
          f"{checked * 1e3:.0f} ms)")
    for name, value, target, ok in rows:
        print(f"| {name} | {value} | {target} | {'OK' if ok else 'MISSED'} |")
    print(f"README: gradient of a logistic loss over 10^6 points costs {ratio:.1f}x one "
          f"evaluation; a 201x201 loss surface over 1,000 points takes {t_surface:.2f} s; "
          f"the size check costs {overhead:.1%} of evaluating a 10k-op array program "
          f"({alone * 1e3:.1f} ms vs {unchecked * 1e3:.0f} ms).")


if __name__ == "__main__":
    main()
