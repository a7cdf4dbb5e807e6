"""Speed of the text reports (issue 12, item 3), as ratios measured in one run.

* table / JSON / Markdown / LaTeX of the reverse pass over a 10,000-operation program
  in which every line uses the one before (so every step has terms to show): each
  format at most 1 s, printed beside the engine's own ``reverse_mode`` on that graph and
  ``json.dumps`` of the plain numbers (the floor for writing that many numbers);
* a 300,000-term chain (``v1 = sin(x)``, ``v2 = v1*v1 + x``, ``v3 = sin(v2)``, …)
  traced to JSON by the CLI in a subprocess (generous timeout), end to end, with its
  peak memory, and its last derivative checked against the closed form.

Run from the repository root:  python benchmarks/bench_reports.py [--quick] [--terms N]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_core import program as core_program  # noqa: E402
from timing import best  # noqa: E402

import graphviz_ad as ad  # noqa: E402
from graphviz_ad.core import formula, number_format  # noqa: E402

GOAL_SECONDS = 1.0
INPUTS = {"x": 0.3, "w": -0.7, "b": 0.2}


def program(operations: int) -> str:
    """bench_core's program with each line using the previous one: every step has terms."""
    return core_program(operations, chained=True)


def chain(terms: int) -> str:
    """``v1 = sin(x)``, then ``v = u*u + x`` and ``v = sin(u)`` in turn: ``terms`` lines."""
    lines = ["v1 = sin(x)"]
    for i in range(2, terms + 1):
        lines.append(f"v{i} = v{i - 1}*v{i - 1} + x" if i % 2 == 0 else f"v{i} = sin(v{i - 1})")
    return "\n".join(lines) + f"\ny = v{terms}\n"


def chain_derivative(x: float, terms: int) -> float:
    """dy/dx of :func:`chain` for an even number of terms long enough to have converged:
    u ↦ sin(u)² + x has a fixed point u* (Newton), and dy/dx → 1 / (1 − sin 2u*)."""
    assert terms % 2 == 0 and terms >= 2000
    u = x
    for _ in range(100):
        u -= (math.sin(u) ** 2 + x - u) / (math.sin(2 * u) - 1)
    return 1 / (1 - math.sin(2 * u))


def cold() -> None:
    """Forget what earlier calls laid out or remembered (per-op templates, LaTeX names,
    symbols, numbers): as a fresh CLI."""
    formula._TEMPLATES.clear()
    for cached in (formula._latex_name, number_format._fmt_scalar, formula.derivative_symbol,
                   formula.seeded_symbol):
        cached.cache_clear()


def reports(repeat: int) -> None:
    G = ad.parse(program(10_000))
    trace = ad.reverse_mode(G, INPUTS)
    ops = sum(1 for n in G if G.nodes[n]["op"] not in ("input", "const"))
    terms = sum(len(s.contributions) for s in trace.steps)
    t_rev = best(lambda: ad.reverse_mode(G, INPUTS), repeat)
    H = trace.graph
    numbers = [[float(H.nodes[n]["value"]), float(H.nodes[n]["adjoint"])] for n in H]
    numbers += [[float(c.local), float(c.carried), float(c.product)]
                for s in trace.steps for c in s.contributions]
    t_dumps = best(lambda: json.dumps(numbers, indent=2), repeat)
    print(f"graph: {ops:,} operations, {len(trace.steps):,} steps, {terms:,} terms; "
          f"reverse_mode {t_rev:.3f} s; json.dumps of its {len(numbers):,} number rows "
          f"{t_dumps:.3f} s")
    print()
    print("| report of the 10k-op reverse pass | time | / reverse_mode | / json.dumps of the "
          "numbers | goal ≤ 1 s |")
    print("|---|---|---|---|---|")
    for name in ("to_json", "table", "markdown", "latex"):
        write = getattr(ad, name)
        t = best(lambda: (cold(), write(trace)), repeat)  # noqa: B023 (called right here)
        print(f"| `ad.{name}(trace)` | {t:.3f} s | {t / t_rev:.1f}× | {t / t_dumps:.1f}× | "
              f"{'OK' if t <= GOAL_SECONDS else 'MISSED'} |")


def long_chain(terms: int, timeout: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "chain.txt"
        source.write_text(chain(terms), encoding="utf-8")
        out = Path(tmp) / "chain.json"
        start = time.perf_counter()
        with out.open("wb") as stdout:
            done = subprocess.run([sys.executable, "-m", "graphviz_ad", "trace", str(source),
                                   "--at", "x=0.3", "--format", "json"], stdout=stdout,
                                  stderr=subprocess.PIPE, timeout=timeout, cwd=ROOT)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode != 0:
            print(f"| {terms:,}-term chain → JSON (CLI) | failed, exit {done.returncode}: "
                  f"{done.stderr.decode()[-300:]} | MISSED |")
            return
        size = out.stat().st_size
        document = json.loads(out.read_bytes())
    got = document["nodes"]["x"]["adjoint"]
    want = chain_derivative(0.3, terms)
    last = document["steps"][-1]
    right = last["node"] == "x" and math.isclose(got, want, rel_tol=1e-9) and math.isclose(
        last["value"], want, rel_tol=1e-9)
    print(f"| {terms:,}-term chain → JSON (CLI, end to end) | {seconds:.0f} s, peak "
          f"{peak:,.0f} MB, {size / 1e6:,.0f} MB of JSON, {len(document['steps']):,} steps; "
          f"dy/dx = {got:.12g} vs closed form {want:.12g} | "
          f"{'OK' if right else 'MISSED'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--terms", type=int, default=300_000,
                        help="length of the chain traced end to end (0: skip it)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds for the chain")
    args = parser.parse_args()
    reports(2 if args.quick else 5)
    if args.terms:
        print()
        print("| chain | figure | verdict |")
        print("|---|---|---|")
        long_chain(args.terms, args.timeout)


if __name__ == "__main__":
    main()
