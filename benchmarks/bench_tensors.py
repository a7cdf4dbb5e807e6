"""Speed of tensor graphs (issue 9), as ratios measured in one run.

The MLP of graphs/mlp.toml at size: a batch of 1,000 examples with d = 256 features (and
d = 20, where the per-node costs weigh more than the matrix products), 256 tanh hidden
units, softmax cross-entropy over 3 classes.

* reverse_mode (with its steps) at most 3× one evaluate;
* the gradient within 2× of the same backprop written by hand in numpy (forward and
  backward pass, the gradients of the four parameters).

reverse_mode is timed twice: with every adjoint (the data X and T included, as a trace
shows them) and with ``wrt=`` the four parameters (what the hand-written backprop
computes).  BLAS runs on one thread (set before numpy loads): on a shared machine a
threaded BLAS makes single runs vary several-fold.

Run from the repository root:  python benchmarks/bench_tensors.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the BLAS thread settings)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import best  # noqa: E402

import graphviz_ad as ad  # noqa: E402

MLP = """
Z1 = X @ W1 + b1
H = tanh(Z1)
Z2 = H @ W2 + b2
L = mean(cross_entropy(Z2, T))
"""
PARAMS = ("W1", "b1", "W2", "b2")


def inputs(n: int = 1000, d: int = 20, hidden: int = 256, classes: int = 3,
           seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"X": rng.normal(size=(n, d)), "T": np.eye(classes)[rng.integers(classes, size=n)],
            "W1": rng.normal(size=(d, hidden)) / np.sqrt(d), "b1": np.zeros(hidden),
            "W2": rng.normal(size=(hidden, classes)) / np.sqrt(hidden),
            "b2": np.zeros(classes)}


def by_hand(X, T, W1, b1, W2, b2) -> dict[str, np.ndarray]:
    """The backprop a course writes in numpy: forward, then the four gradients."""
    H = np.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    Z = Z - Z.max(axis=1, keepdims=True)
    S = np.exp(Z)
    S /= S.sum(axis=1, keepdims=True)
    G2 = (S - T) / len(X)
    G1 = (G2 @ W2.T) * (1 - H * H)
    return {"W1": X.T @ G1, "b1": G1.sum(axis=0), "W2": H.T @ G2, "b2": G2.sum(axis=0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeat = 3 if args.quick else 9
    G = ad.parse(MLP)
    for d in (256, 20):
        _measure(G, inputs(d=d), d, repeat)


def _measure(G, x: dict[str, np.ndarray], d: int, repeat: int) -> None:
    t_eval = best(lambda: ad.evaluate(G, x), repeat)
    t_all = best(lambda: ad.reverse_mode(G, x, of="L"), repeat)
    t_rev = best(lambda: ad.reverse_mode(G, x, of="L", wrt=PARAMS), repeat)
    t_hand = best(lambda: by_hand(**x), repeat)
    grad = ad.reverse_mode(G, x, of="L", wrt=PARAMS).gradient()
    hand = by_hand(**x)
    for name in PARAMS:
        np.testing.assert_allclose(grad[name], hand[name], rtol=1e-9, atol=1e-12)

    print(f"MLP 1000×{d} → 256 tanh → 3 classes: evaluate {t_eval * 1e3:.1f} ms, "
          f"reverse_mode {t_all * 1e3:.1f} ms (wrt the parameters {t_rev * 1e3:.1f} ms), "
          f"numpy backprop by hand {t_hand * 1e3:.1f} ms")
    checks = [("reverse_mode (every adjoint) / evaluate", t_all / t_eval, 3.0),
              ("reverse_mode (wrt the parameters) / evaluate", t_rev / t_eval, 3.0),
              ("reverse_mode (wrt the parameters) / hand-written numpy", t_rev / t_hand, 2.0)]
    for what, ratio, target in checks:
        verdict = "ok" if ratio <= target else "MISSED"
        print(f"  {what}: {ratio:.2f}x (target ≤ {target:g}x) {verdict}")

if __name__ == "__main__":
    main()
