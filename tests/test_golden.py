"""Golden safety net: every displayed step text of today's programs.

``tests/golden/steps.json`` holds, for every graphs/*.toml program and a dozen vector
programs, the formula, equation and LaTeX of every step (evaluate, forward per input,
reverse per output), every contribution's local formula (text and LaTeX), the
``cost(...).per_sweep`` counts and the gradient graph's ``(node, op, operands)`` of
problems 7 and 8.  A change to the rule table or the sweeps that alters any of them fails
here, line by line.

Texts are compared as a reader compares them: the words and symbols exactly, the numbers
within a tolerance (:func:`same_texts`), since the last bits of a sum depend on the order
the BLAS kernel of the machine adds in (``OPENBLAS_CORETYPE``).

Regenerate (only for an intended, reviewed display change)::

    python3 tests/test_golden.py --regenerate
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from graphviz_ad.core.program import program_of
from graphviz_ad.explain import edges as edge_text
from graphviz_ad.explain import steps as step_text

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
    # max/min with a constant 0 first: their partials step(a − b) show 0 − f as −f
    ("relu-as-max", "y = sum(max(0, w*x - b))", {"x": [0.5, -1.0, 2.0], "w": 1.5, "b": 0.2}),
    ("min-zero", "y = sum(min(0, x) * w)", {"x": [0.5, -1.0, 2.0], "w": 1.5}),
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
        lines += [f"formula: {step_text.formula(s)}", f"equation: {step_text.equation(s)}",
                  f"latex: {step_text.latex(s)}"]
        for c in s.contributions:
            lines += [f"  local: {edge_text.local_formula(c, kind=s.kind)}",
                      f"  local latex: {edge_text.local_formula(c, 'latex', s.kind)}"]
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
    from graphviz_ad.frontends.sources import load

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


#: A number as the displays write it: ``−0.5524``, ``3``, ``−1.11×10⁻¹⁶``,
#: ``1.11 \\times 10^{-16}``, not a digit inside a name (``f12``, ``W_{2}`` is a number 2).
NUMBER = re.compile(r"(?<![\w.])([−-]?)([0-9]+(?:\.[0-9]+)?)"
                    r"(?:×10([⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)| \\times 10\^\{(-?[0-9]+)\}|e([-+]?[0-9]+))?")
_SUPERSCRIPT_DIGITS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
RTOL, ATOL = 1e-9, 1e-12  # relative; absolute, times the largest number of the step


def numbers(text: str) -> tuple[str, list[tuple[float, float]]]:
    """``text`` with each number replaced by ``#``, and the numbers as (value, unit of
    the last digit shown: 0 for an integer, shown exactly)."""
    found = []

    def take(m: re.Match) -> str:
        sign, mantissa, exp_text, exp_latex, exp_e = m.groups()
        exponent = int((exp_text or "0").translate(_SUPERSCRIPT_DIGITS) if exp_latex is None
                       else exp_latex) if exp_e is None else int(exp_e)
        value = float(f"{'-' if sign else ''}{mantissa}e{exponent}")
        rounded = "." in mantissa or exp_text or exp_latex or exp_e
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        found.append((value, 10.0 ** (exponent - decimals) if rounded else 0.0))
        return "#"

    return NUMBER.sub(take, text), found


def same_number(a: tuple[float, float], b: tuple[float, float], scale: float) -> bool:
    """Whether two shown numbers can be roundings of values equal within the tolerance
    (relative 1e-9, absolute 1e-12 × the step's scale): a value within 1e-16 of a
    rounding boundary may be shown either side of it on another machine."""
    (x, unit_x), (y, unit_y) = a, b
    tolerance = max(RTOL * max(abs(x), abs(y)), ATOL * scale)
    return abs(x - y) <= tolerance + (unit_x + unit_y) / 2


def _steps_of(lines: list[str]) -> list[list[str]]:
    """Lines grouped by step: a ``formula:`` line and the lines after it up to the next
    (every other line alone)."""
    groups: list[list[str]] = []
    for line in lines:
        if line.startswith(("equation: ", "latex: ", "  local")) and groups:
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def differences(want: dict[str, dict[str, list[str]]],
                got: dict[str, dict[str, list[str]]]) -> list[str]:
    """Where ``got`` differs from ``want`` beyond rounding noise: one line per difference."""
    found = []
    for program in sorted(set(want) | set(got)):
        passes_want, passes_got = want.get(program, {}), got.get(program, {})
        for name in sorted(set(passes_want) | set(passes_got)):
            a, b = passes_want.get(name), passes_got.get(name)
            where = f"{program} / {name}"
            if a is None or b is None:
                found.append(f"{where}: {'new' if a is None else 'gone'}")
                continue
            if len(a) != len(b):
                found.append(f"{where}: {len(a)} lines, now {len(b)}")
                continue
            steps_a, steps_b = _steps_of(a), _steps_of(b)
            for step_a, step_b in zip(steps_a, steps_b):
                parsed_a = [numbers(line) for line in step_a]
                scale = max((abs(v) for _, found_numbers in parsed_a for v, _ in found_numbers
                             if math.isfinite(v)), default=0.0)
                for line_a, line_b, (text_a, numbers_a) in zip(step_a, step_b, parsed_a):
                    text_b, numbers_b = numbers(line_b)
                    if text_a != text_b or len(numbers_a) != len(numbers_b) or not all(
                            same_number(x, y, scale) for x, y in zip(numbers_a, numbers_b)):
                        found.append(f"{where}:\n  golden: {line_a}\n  now:    {line_b}")
    return found


def load() -> dict[str, dict[str, list[str]]]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_golden_steps_are_unchanged():
    found = differences(load(), build())
    if found:
        raise AssertionError("step texts changed (regenerate with python3 tests/test_golden.py"
                             " --regenerate if intended):\n" + "\n".join(found[:20]))


def _perturbed(golden: dict, change) -> dict:
    """A copy of ``golden`` with every number of every line rewritten by ``change(value,
    scale, text)`` (returning the new number's text, or None to keep it)."""
    out: dict = {}
    for program, passes in golden.items():
        out[program] = {}
        for name, lines in passes.items():
            new_lines = []
            for step in _steps_of(lines):
                scale = max((abs(v) for line in step for v, _ in numbers(line)[1]), default=0.0)
                for line in step:
                    latex = line.startswith(("latex: ", "  local latex: "))
                    new_lines.append(NUMBER.sub(
                        lambda m, scale=scale, latex=latex: change(
                            numbers(m.group(0))[1][0][0], scale, latex) or m.group(0), line))
            out[program][name] = new_lines
    return out


def _shown(value: float, latex: bool) -> str:
    """``value`` with all its digits, written as the displays write numbers."""
    text = f"{value:.17g}"
    mantissa, _, exponent = text.partition("e")
    if exponent:
        text = (f"{mantissa} \\times 10^{{{int(exponent)}}}" if latex else
                f"{mantissa}×10" + str(int(exponent)).translate(
                    str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")))
    return text if latex else text.replace("-", "−", 1)


def test_numbers_perturbed_in_the_last_bits_still_match():
    golden = load()
    flips = iter(range(10**9))

    def last_bits(value: float, scale: float, latex: bool) -> str:
        k = next(flips)
        sign = 1 if k % 2 else -1  # alternate the direction, as summation order does
        if value == 0:  # a zero that came out as rounding noise elsewhere
            return _shown(sign * 1e-16 * scale, latex) if scale else None
        return _shown(value * (1 + sign * 3 * 2.0 ** -52), latex)

    perturbed = _perturbed(golden, last_bits)
    assert perturbed != golden  # every number was rewritten, at full precision
    assert differences(golden, perturbed) == []


def test_a_real_change_fails():
    golden = load()
    program = "graphs/mlp.toml"
    name = "reverse of L"
    changed_numbers = 0

    def one_in_a_thousand(value: float, scale: float, latex: bool) -> str | None:
        nonlocal changed_numbers
        if value in (0, 1) or not 0.01 < abs(value) < 100:
            return None
        changed_numbers += 1
        return _shown(value * 1.001, latex) if changed_numbers == 5 else None

    for change in ("number", "text"):
        copy = json.loads(json.dumps(golden))
        if change == "number":
            copy[program] = _perturbed({program: golden[program]}, one_in_a_thousand)[program]
        else:
            lines = copy[program][name]
            at = next(i for i, line in enumerate(lines) if " + " in line)
            lines[at] = lines[at].replace(" + ", " − ", 1)
        found = differences(golden, copy)
        assert len(found) == 1 and program in found[0], (change, found)


@pytest.mark.parametrize(("source", "fn"), [("y = max(0, x)", lambda x: max(0.0, x)),
                                          ("y = min(0, x)", lambda x: min(0.0, x))])
@pytest.mark.parametrize("x", [-0.75, 0.5])
def test_shown_local_derivative_is_the_derivative(source, fn, x):
    """The displayed ∂y/∂x of max(0, x) and min(0, x) (their rules say step(a − b) with
    a = 0: the display shows 0 − x as −x), read back as a program, is the derivative by
    central differences on either side of the kink (showing 0 − x as x flips it)."""
    from graphviz_ad import evaluate
    from graphviz_ad.core.parse import parse

    for name in ("forward wrt x", "reverse of y"):
        lines = _passes(parse(source), {"x": np.asarray(x)})[name]
        shown = next(line for line in lines if line.startswith("  local: ∂y/∂x = "))
        shown = shown.removeprefix("  local: ∂y/∂x = ")
        assert "step(−x)" in shown
        value = float(evaluate(parse("d = " + shown.replace("−", "-")), {"x": x}).value("d"))
        h = 1e-6
        assert value == pytest.approx((fn(x + h) - fn(x - h)) / (2 * h), abs=1e-6)


def test_number_parsing():
    text, found = numbers("∂L/∂W2·1 = mean([−1.11×10⁻¹⁶, 0, 2.5]) = f12 + 3·x² (6×3)")
    assert text == "∂L/∂W2·# = mean([#, #, #]) = f12 + #·x² (#×#)"
    assert found[1:] == [(-1.11e-16, 1e-18), (0.0, 0.0), (2.5, 0.1), (3.0, 0.0), (6.0, 0.0),
                     (3.0, 0.0)]
    text, found = numbers(r"\frac{\partial L}{\partial W_{2}} = -4.626 \times 10^{-18}")
    assert text == r"\frac{\partial L}{\partial W_{#}} = #"
    assert found[1] == pytest.approx((-4.626e-18, 1e-21))


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"),
                    reason="OPENBLAS_CORETYPE names x86 kernels")
@pytest.mark.parametrize("coretype", ["Prescott"])  # SSE3: runs on every x86-64
def test_golden_steps_hold_on_other_blas_kernels(coretype: str) -> None:
    """Another machine's BLAS adds in another order (the finding: Prescott's kernels give
    other last bits than this machine's own, which the other tests run with)."""
    env = {**os.environ, "OPENBLAS_CORETYPE": coretype,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, __file__, "--check"], env=env,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:] == ["--check"]:
        sys.exit("\n".join(differences(load(), build())) or None)
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python3 tests/test_golden.py --regenerate | --check")
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(dump(build()), encoding="utf-8")
    print(f"wrote {GOLDEN.relative_to(ROOT)}")
