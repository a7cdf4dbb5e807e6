"""Rounding noise shows as 0 (issue 17, item 2): a number far below the terms it was
computed from is printed 0 in steps, tables, Markdown and LaTeX; JSON keeps the float
and flags it.  Genuinely small numbers (products, exponentials) are never zeroed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import graphviz_ad as ad
from graphviz_ad import evaluate, forward_mode, parse, reverse_mode
from graphviz_ad.cli import main
from graphviz_ad.core.number_format import NOISE, fmt_number, without_noise
from graphviz_ad.explain import steps as step_text

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
TINY = re.compile(r"10[⁻^]|\\times 10")  # a number printed with a negative power of ten


def test_the_mlp_forward_step_reads_zero():
    """The finding: `∂L/∂W2·1 = 4.626×10⁻¹⁸` (or −3.238×10⁻¹⁷, by BLAS kernel) is 0."""
    result = CliRunner().invoke(main, ["trace", str(GRAPHS / "mlp.toml"), "--mode", "forward",
                                       "--wrt", "W2"])
    assert result.exit_code == 0, result.output
    last = result.output.rstrip().splitlines()[-1]
    assert last.endswith("mean([0, 0, 0, 0, 0, 0]) = 0"), last
    assert not TINY.search(result.output)  # nor in the table: L's ∂L/∂W2·1 is 0
    row = next(line for line in result.output.splitlines() if line.startswith("L "))
    assert row.split()[-1] == "0"


def test_json_keeps_the_float_and_flags_it():
    G = parse("y = x*0.1 + x*0.2 - x*0.3")  # ∂y/∂x = 0.1 + 0.2 − 0.3 = 5.55×10⁻¹⁷
    trace = forward_mode(G, {"x": 2.0}, wrt="x")
    raw = 0.1 + 0.2 - 0.3
    assert raw != 0 and trace.derivative("y") == raw  # the library's numbers are untouched
    document = ad.to_dict(trace)
    step = document["steps"][-1]
    assert step["value"] == raw and step["noise"] is True
    assert step["equation"].endswith(" = 0") and step["latex"].endswith(" = 0")
    assert document["nodes"]["y"]["tangent"] == raw
    assert document["nodes"]["y"]["noise"]["tangent"] is True
    assert all("noise" not in s for s in document["steps"][:-1])  # 0.1·1 etc. are not noise
    assert json.loads(ad.to_json(trace)) == document  # the streamed writer says the same
    assert trace.shown_derivative("y") == 0 and trace.shown("y", "tangent") == 0
    assert trace.value("y") != 0 and trace.shown("y") == 0  # 2·0.1 + 2·0.2 − 2·0.3: noise too
    assert document["nodes"]["y"]["noise"] == {"value": True, "tangent": True}
    assert trace.shown("x") == 2.0
    assert "| 0 |" in ad.markdown(trace) and not TINY.search(ad.latex(trace))


def test_noise_in_an_array_is_flagged_element_by_element():
    trace = evaluate(parse("y = (x + 0.2) - 0.3"), {"x": np.array([0.1, 1.0])})
    entry = ad.to_dict(trace)["nodes"]["y"]
    assert entry["value"][0] != 0 and entry["noise"] == {"value": [True, False]}
    assert step_text.equation(trace.steps[-1]).endswith("= [0, 0.9]")
    assert json.loads(ad.to_json(trace))["nodes"]["y"] == entry


def test_noise_carried_through_products_and_reductions_stays_noise():
    """d is 0.1x + 0.2x − 0.3x = 5.55×10⁻¹⁷·x: noise, and so are d², their mean and sum,
    and every adjoint computed from them, in every report of both modes."""
    G = parse("d = x*0.1 + x*0.2 - x*0.3; L = mean(d*d) + sum(d)")
    inputs = {"x": np.array([0.5, 1.0, 3.0])}
    raw = reverse_mode(G, inputs)
    assert np.all(raw.value("d") != 0) and raw.derivative("x")[0] != 0  # noise, not zeros
    for trace in (raw, forward_mode(G, inputs, wrt="x"), evaluate(G, inputs)):
        shown = ad.table(trace) + ad.markdown(trace) + ad.latex(trace)
        assert not TINY.search(shown), shown


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_a_sum_is_zeroed_exactly_when_it_cancels_below_its_terms(x, y):
    """The definition, checked against its own arithmetic: x + y shows 0 iff it is below
    1e-12 of the larger term."""
    trace = evaluate(parse("z = x + y"), {"x": x, "y": y})
    z = x + y
    expected = "0" if abs(z) < NOISE * max(abs(x), abs(y)) else fmt_number(z)
    assert step_text.equation(trace.steps[-1]).endswith(f" = {expected}")


@given(st.floats(1e-150, 1e-10), st.floats(1e-150, 1e3), st.sampled_from([1, -1]))
def test_small_products_are_never_noise(x, y, sign):
    """A product has no cancellation: however small, it is shown as computed."""
    trace = forward_mode(parse("z = (x*y)*t"), {"x": sign * x, "y": y, "t": 1.0}, wrt="t")
    assert step_text.equation(trace.steps[-1]).endswith(f" = {fmt_number(sign * x * y)}")
    value_step = evaluate(parse("z = x*y"), {"x": sign * x, "y": y}).steps[-1]
    assert step_text.equation(value_step).endswith(f" = {fmt_number(sign * x * y)}")


def test_genuinely_small_values_stay():
    trace = reverse_mode(parse("y = exp(x)"), {"x": -40.0})
    assert step_text.equation(trace.steps[-1]).endswith(f"= {fmt_number(np.exp(-40.0))}")
    soft = evaluate(parse("s = softmax(z)"), {"z": np.array([0.0, -30.0])})
    assert "10⁻¹⁴" in ad.table(soft)  # e^−30 / (1 + e^−30) ≈ 9.4×10⁻¹⁴, not noise


def test_without_noise():
    assert without_noise(1e-17, 1.0) == 0 and without_noise(1e-17, None) == 1e-17
    assert without_noise(1e-11, 1.0) == 1e-11  # above the floor
    assert without_noise(-1e-17, 1e-16) == -1e-17  # small, but so is its scale
    kept = np.array([1e-17, 2.0])
    assert without_noise(kept, 1e-16) is kept  # nothing to change: the same array
    assert without_noise(np.array([1e-17, 2.0]), 2.0).tolist() == [0.0, 2.0]
    assert without_noise(np.array([np.nan, 1e-20]), np.array([np.nan, 1.0])).tolist()[1] == 0


def test_worksheets_show_noise_as_zero(tmp_path):
    """A worksheet's given numbers read as a lecturer expects: (0.1 + 0.2) − 0.3 is 0."""
    from click.testing import CliRunner

    from graphviz_ad.cli import main

    out = tmp_path / "sheets"
    result = CliRunner().invoke(main, ["worksheet", "y = (x + 0.2) - 0.3", "--vary",
                                       "x=0.1:0.1", "--blank", "adjoints", "--format", "md",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    key = (out / "v01-key.md").read_text()
    assert "| y | f1 − 0.3 | 0 | 1 |" in key
    assert "10⁻" not in key


def test_slides_show_noise_as_zero():
    """Node labels, edge labels and captions of every frame: the ±10⁻¹⁶ of softmax's
    cancelling adjoints and of the MLP's forward W2 pass read 0."""
    from graphviz_ad.core.passes import run_passes
    from graphviz_ad.draw.animate import derivative_frames
    from graphviz_ad.frontends.sources import load

    cases = [(parse("y = softmax(x*w)[1]"), {"x": np.array([0.5, -1.0, 2.0]), "w": 1.5},
              "reverse", ())]
    _, graph, inputs = load(str(GRAPHS / "mlp.toml"))
    cases.append((graph, inputs, "forward", ("W2",)))
    for graph, inputs, mode, wrt in cases:
        traces = run_passes(graph, inputs, mode, wrt=wrt)
        frames, _ = derivative_frames(traces, slide="16:9")
        texts = " ".join(f.svg + " " + f.caption for f in frames)
        assert not TINY.search(texts), TINY.search(texts)
