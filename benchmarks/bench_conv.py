"""Speed of convolutions and of the receptive field read off the gradient (issue 21), as
ratios measured in one run.

* conv2d forward + backward (∂L/∂x and ∂L/∂w of L = Σ conv2d(x, w, padding=1)) on a
  1×3×64×64 input with 16 3×3 filters, by ``reverse_mode`` (a full trace: values, steps,
  adjoints), against a plain numpy im2col implementation of the same three products
  (the textbook one: gather the patches with index arrays, one matrix product forward,
  two backward, the patch gradients added back tap by tap): target within 3×;
* the receptive field of a 50-layer 1-D stack (kernel 3, padding 1) by the gradient
  (``compare_stack``: both ways, three reverse sweeps): target under 1 s, and as a ratio
  against one ``evaluate`` of the same program.

Run from the repository root:  python benchmarks/bench_conv.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import best  # noqa: E402

import graphviz_ad as ad  # noqa: E402
from graphviz_ad.receptive.fields import conv  # noqa: E402
from graphviz_ad.receptive.gradient import compare_stack, stack_program  # noqa: E402


def im2col_indices(shape, k: int, pad: int):
    """Index arrays gathering every k×k patch of a padded [N, C, H, W] input (stride 1)."""
    _, c, h, w = shape
    out_h, out_w = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    i0 = np.tile(np.repeat(np.arange(k), k), c)
    i1 = np.repeat(np.arange(out_h), out_w)
    j0 = np.tile(np.arange(k), k * c)
    j1 = np.tile(np.arange(out_w), out_h)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)
    ch = np.repeat(np.arange(c), k * k).reshape(-1, 1)
    return ch, i, j, out_h, out_w


def reference(x: np.ndarray, w: np.ndarray, pad: int = 1):
    """(y, ∂L/∂x, ∂L/∂w) of L = Σ conv2d(x, w) by im2col, numpy only."""
    n = x.shape[0]
    f, _, k, _ = w.shape
    ch, i, j, out_h, out_w = im2col_indices(x.shape, k, pad)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = xp[:, ch, i, j].transpose(1, 2, 0).reshape(k * k * x.shape[1], -1)
    w_rows = w.reshape(f, -1)
    y = (w_rows @ cols).reshape(f, out_h, out_w, n).transpose(3, 0, 1, 2)
    g = np.ones_like(y).transpose(1, 2, 3, 0).reshape(f, -1)  # ∂L/∂y of a sum
    dw = (g @ cols.T).reshape(w.shape)
    dcols = (w_rows.T @ g).reshape(k * k * x.shape[1], -1, n).transpose(2, 0, 1)
    dxp = np.zeros_like(xp)  # col2im: each tap's patch gradients added back in one slice
    patches = dcols.reshape(n, x.shape[1], k, k, out_h, out_w)
    for a in range(k):
        for b in range(k):
            dxp[:, :, a:a + out_h, b:b + out_w] += patches[:, :, a, b]
    return y, dxp[:, :, pad:-pad, pad:-pad], dw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(1, 3, 64, 64)), rng.normal(size=(16, 3, 3, 3))
    G = ad.parse("L = sum(conv2d(x, w, padding=1))")
    inputs = {"x": x, "w": w}
    trace = ad.reverse_mode(G, inputs)
    _, dx, dw = reference(x, w)
    assert np.allclose(trace.derivative("x"), dx) and np.allclose(trace.derivative("w"), dw)
    t_ours = best(lambda: ad.reverse_mode(G, inputs), repeat)
    t_ref = best(lambda: reference(x, w), repeat)

    layers = [conv(3, padding=1)] * 50
    text, weights = stack_program(layers)
    P = ad.parse(text)
    signal = {**weights, "x": np.ones((1, 101))}
    t_rf = best(lambda: compare_stack(layers), repeat)
    t_eval = best(lambda: ad.evaluate(P, signal), repeat)
    comparison = compare_stack(layers)
    assert comparison.agree() and comparison.gradient[0].size == 101

    conv_ratio, rf_ratio = t_ours / t_ref, t_rf / t_eval
    print(f"conv2d 1x3x64x64, 16 3x3 filters, forward+backward: reverse_mode "
          f"{t_ours * 1e3:.1f} ms, numpy im2col {t_ref * 1e3:.1f} ms")
    print(f"rf of a 50-layer stack by the gradient: {t_rf * 1e3:.0f} ms (one evaluate "
          f"{t_eval * 1e3:.1f} ms; receptive field {comparison.gradient[0].size})")
    rows = [("conv2d fwd+bwd / numpy im2col", f"{conv_ratio:.2f}x", "target <= 3x",
             conv_ratio <= 3),
            ("rf by gradient, 50 layers", f"{t_rf:.3f} s", "target < 1 s", t_rf < 1),
            ("rf by gradient / one evaluate", f"{rf_ratio:.1f}x", "(3 sweeps + arithmetic)",
             True)]
    for name, value, target, ok in rows:
        print(f"{name:40s} {value:>10s}  {target:24s} {'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
