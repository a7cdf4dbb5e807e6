"""Golden safety net: every displayed step text of today's programs, byte for byte.

``tests/golden/steps.json`` holds, for every graphs/*.toml program and a dozen vector
programs, the formula, equation and LaTeX of every step (evaluate, forward per input,
reverse per output), every contribution's local formula (text and LaTeX), the
``cost(...).per_sweep`` counts and the gradient graph's ``(node, op, operands)`` of
problems 7 and 8.  A change to the rule table or the sweeps that alters any of them fails
here, line by line.

Regenerate (only for an intended, reviewed display change)::

    python3 tests/test_golden.py --regenerate
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

import numpy as np

from graphviz_ad.core.program import program_of

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).with_name("golden") / "steps.json"

#: (name, program, inputs, extra passes): vector programs beside the graph files.
VECTOR_PROGRAMS = [
    ("broadcast-sum", "y = sum(w*x + b)", {"x": [0.5, -1.0, 2.0, 0.25], "w": 1.5, "b": -0.5}),
    ("mean-dot", "y = mean(exp(w) * x) + dot(x, x)", {"x": [0.5, -1.0, 2.0, 0.25], "w": 0.3}),
    ("logsumexp", "y = logsumexp(w*x - b)", {"x": [0.5, -1.0, 2.0, 0.25], "w": 1.5, "b": 0.2}),
    ("softmax-w", "y = sum(softmax(x) * w)", {"x": [0.5, -1.0, 2.0, 0.25], "w": 2.0}),
    ("div-pow", "y = sum(x / (1 + w^2)) * b", {"x": [0.5, -1.0, 2.0], "w": 0.7, "b": 3.0}),
    ("max", "y = sum(max(x, w))", {"x": [0.5, -1.0, 2.0], "w": 0.25}),
    ("softmax-index", "y = softmax(x*w)[1]", {"x": [0.5, -1.0, 2.0], "w": 1.5}),
    ("sigmoid-tanh", "y = sum(sigmoid(x - b) * tanh(w))", {"x": [0.5, -1.0], "w": 0.4, "b": 0.1}),
    ("square-index", "y = sum(z*z) + z[1]", {"z": [1.0, 2.0]}),
    ("identity", "y = x", {"x": [1.0, 2.0, 3.0]}),
    ("rebound", "c = x + 1; c = c*c; c *= 2", {"x": 3.0}),
    ("logistic-outputs", "z = w*x; p = sigmoid(z); L = sum(softplus(z) - y*z)",
     {"w": 0.7, "x": [-1.0, 0.5, 2.0], "y": [0.0, 1.0, 1.0]}),
    ("softmax", "s = softmax(z)", {"z": [0.0, 1.0, -1.0]}),
    ("matrix-broadcast", "y = sum(sum(a*b + c))",
     {"a": [[1.0], [2.0], [-1.0]], "b": [[0.5, 1.5, -2.0, 1.0]], "c": 0.5}),
]

#: (name, program, inputs, mode, who, seed): passes with an explicit seed.
SEEDED = [
    ("seed-onehot-forward", "y = sum(z*z) + z[1]", {"z": [1.0, 2.0]}, "forward", "z", [0.0, 1.0]),
    ("seed-v-forward", "y = sum(z*z) + z[1]", {"z": [1.0, 2.0]}, "forward", "z", [0.5, 2.0]),
    ("seed-onehot-reverse", "y = x*x", {"x": [1.0, 2.0]}, "reverse", "y", [0.0, 1.0]),
    ("seed-v-reverse", "y = x*x", {"x": [1.0, 2.0]}, "reverse", "y", [2.0, 1.0]),
]


def _steps(trace) -> list[str]:
    lines = []
    for s in trace.steps:
        lines += [f"formula: {s.formula}", f"equation: {s.equation}", f"latex: {s.latex}"]
        for c in s.contributions:
            lines += [f"  local: {c.local_formula(kind=s.kind)}",
                      f"  local latex: {c.local_formula('latex', s.kind)}"]
    return lines


def _passes(G, inputs, seeded=()) -> dict[str, list[str]]:
    from graphviz_ad import evaluate, forward_mode, reverse_mode
    from graphviz_ad.core.calculus import cost

    out = {"evaluate": _steps(evaluate(G, inputs))}
    for w in program_of(G).inputs:
        out[f"forward wrt {w}"] = _steps(forward_mode(G, inputs, wrt=w))
    for o in program_of(G).outputs:
        out[f"reverse of {o}"] = _steps(reverse_mode(G, inputs, of=o))
    for mode, who, seed in seeded:
        run = forward_mode(G, inputs, wrt=who, seed=seed) if mode == "forward" else \
            reverse_mode(G, inputs, of=who, seed=seed)
        out[f"{mode} {who} seed {seed}"] = _steps(run)
    c = cost(G, inputs)
    out["cost"] = [f"inputs={c.inputs} outputs={c.outputs} values={c.values} "
                   f"per_sweep={c.per_sweep}", f"without values: {cost(G).per_sweep}"]
    return out


def _gradient_nodes(G, of: str) -> list[str]:
    from graphviz_ad.core.calculus import gradient_graph

    H = gradient_graph(G, of=of)
    lines = [f"{n} {H.nodes[n]['op']} {' '.join(H.nodes[n]['operands'])}".rstrip()
             for n in program_of(H).order]
    return lines + [f"outputs: {' '.join(program_of(H).outputs)}"]


def build() -> dict[str, dict[str, list[str]]]:
    """Today's texts, keyed by program then pass."""
    from graphviz_ad.core.parse import parse
    from graphviz_ad.core.source import load

    golden: dict[str, dict[str, list[str]]] = {}
    for path in sorted((ROOT / "graphs").glob("*.toml")):
        if "program" not in path.read_text(encoding="utf-8"):
            continue
        _, G, inputs = load(str(path))
        golden[f"graphs/{path.name}"] = _passes(G, inputs)
        if path.stem in ("problem7", "problem8"):
            golden[f"graphs/{path.name}"]["gradient graph"] = _gradient_nodes(G, "L")
    for name, source, inputs in VECTOR_PROGRAMS:
        arrays = {k: np.asarray(v, dtype=float) for k, v in inputs.items()}
        golden[name] = _passes(parse(source), arrays)
    for name, source, inputs, mode, who, seed in SEEDED:
        arrays = {k: np.asarray(v, dtype=float) for k, v in inputs.items()}
        G = parse(source)
        golden[name] = {k: v for k, v in _passes(G, arrays, [(mode, who, seed)]).items()
                        if "seed" in k}
    return golden


def dump(golden: dict) -> str:
    return json.dumps(golden, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def test_golden_steps_are_unchanged():
    want = GOLDEN.read_text(encoding="utf-8")
    got = dump(build())
    if got != want:
        diff = "\n".join(list(difflib.unified_diff(want.splitlines(), got.splitlines(),
                                                   "golden", "now", lineterm=""))[:80])
        raise AssertionError(f"step texts changed (regenerate with python3 "
                             f"tests/test_golden.py --regenerate if intended):\n{diff}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python3 tests/test_golden.py --regenerate")
    sys.path.insert(0, str(ROOT))
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(dump(build()), encoding="utf-8")
    print(f"wrote {GOLDEN.relative_to(ROOT)}")
