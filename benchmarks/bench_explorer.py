"""Speed of the explorer page (issue 22), measured in the page with performance.now.

One input change recomputes every value, tangent and adjoint and redraws every label and
the panel.  Targets: one animation frame (≤ 16 ms) for a 100-node scalar program and
≤ 100 ms for the MLP at 256 hidden units.  Each is reported against a baseline measured in
the same page and run: one pure recompute of the values (the forward evaluation alone,
no derivatives, no drawing), so the ratio says what the derivatives and the redraw cost.

Needs Chromium and Playwright (skips with a message otherwise).
Run from the repository root:  python benchmarks/bench_explorer.py [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphviz_ad.core.parse import parse  # noqa: E402
from graphviz_ad.core.program import program_of  # noqa: E402
from graphviz_ad.draw.explorer import explorer_html  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def scalar_program(target: int = 100) -> tuple[str, dict[str, float]]:
    """A scalar program of about ``target`` nodes: a chain mixing sin, exp, products and
    sums over two inputs, each line reusing the two lines before it (fan-in and fan-out)."""
    lines, previous = [], ["x", "w"]
    i = 0
    while True:
        i += 1
        a, b = previous[-1], previous[-2]
        lines.append(f"a{i} = sin({a})*w + 0.5*tanh({b})")
        previous.append(f"a{i}")
        text = "\n".join(lines + [f"y = {previous[-1]} + x"])
        if program_of(parse(text)).order.__len__() >= target:
            return text, {"x": 0.4, "w": 0.9}


def mlp(hidden: int = 256) -> tuple[str, dict[str, np.ndarray], set[str]]:
    rng = np.random.default_rng(0)
    text = ("Z1 = X @ W1 + b1\nH = tanh(Z1)\nZ2 = H @ W2 + b2\n"
            "L = mean(cross_entropy(Z2, T))")
    inputs = {"X": rng.normal(size=(6, 2)), "W1": rng.normal(size=(2, hidden)),
              "b1": np.zeros(hidden), "W2": rng.normal(size=(hidden, 3)) / 16,
              "b2": np.zeros(3), "T": np.eye(3)[[0, 1, 2, 0, 1, 2]]}
    return text, inputs, {"X", "T"}


def measure(page, change: str, rounds: int) -> tuple[float, float]:
    """Median ms of ``change`` (a JS expression returning the ms the page measured) and of
    the baseline (one evaluation of the values), over ``rounds`` alternating runs."""
    changes, bases = [], []
    for k in range(rounds):
        changes.append(page.evaluate(change.replace("K", str(k))))
        bases.append(page.evaluate("window.explorer.timeBaseline(200)"))
    return statistics.median(changes), statistics.median(bases)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rounds = 10 if args.quick else 60
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("skipped: playwright not installed")
    if chromium is None:
        sys.exit("skipped: Chromium missing")
    text, inputs = scalar_program()
    G = parse(text)
    nodes = len(program_of(G).order)
    cases = [(f"scalar program, {nodes} nodes, slider change", explorer_html(G, inputs),
              "window.explorer.setInput('x', 0.4 + 0.001*K)", 16.0)]
    mtext, minputs, data = mlp()
    cases.append(("MLP 6×2 → 256 tanh → 3, cross-entropy, W1 cell change",
                  explorer_html(parse(mtext), minputs, data=data),
                  "window.explorer.setCell('W1', 0, 0.1 + 0.001*K)", 100.0))
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        try:
            for name, page_html, change, target in cases:
                path = Path(tmp) / "page.html"
                path.write_text(page_html, encoding="utf-8")
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(path.as_uri())
                for k in range(3):  # warm up the JIT
                    page.evaluate(change.replace("K", str(k)))
                ms, base = measure(page, change, rounds)
                print(f"{name}: {ms:.2f} ms per change (target ≤ {target:.0f} ms); "
                      f"values alone {base:.3f} ms; ratio {ms / base:.1f}x")
                page.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
