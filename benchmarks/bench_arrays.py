"""Speed of array values (issue 5), as ratios measured in one run.

* reverse_mode (gradient) of a logistic loss over 10⁶ data points: at most 3x one evaluate,
* a 201×201 surface of that loss over 1,000 points (one graph evaluation on the whole
  grid, in chunks): under 2 s.

Run from the repository root:  python benchmarks/bench_arrays.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import best  # noqa: E402

import graphviz_ad as ad  # noqa: E402
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

    ratio = t_rev / t_eval
    print(f"logistic loss, 10^6 points: evaluate {t_eval * 1e3:.0f} ms, reverse_mode "
          f"{t_rev * 1e3:.0f} ms (∂L/∂phi0 = {float(grad['phi0']):.4f})")
    print(f"201x201 surface over 1,000 points: {t_surface:.2f} s")
    rows = [("reverse_mode / evaluate, 10^6 points", f"{ratio:.2f}x", "target <= 3x",
             ratio <= 3),
            ("201x201 surface, 1,000 points", f"{t_surface:.2f} s", "target < 2 s",
             t_surface < 2)]
    for name, value, target, ok in rows:
        print(f"| {name} | {value} | {target} | {'OK' if ok else 'MISSED'} |")
    print(f"README: gradient of a logistic loss over 10^6 points costs {ratio:.1f}x one "
          f"evaluation; a 201x201 loss surface over 1,000 points takes {t_surface:.2f} s.")


if __name__ == "__main__":
    main()
