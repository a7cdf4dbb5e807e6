"""Fuzzing the array limits (issue 18, deliverable 3): random programs over random-shaped
inputs, random ``--max-elements`` and huge draws.

* The size check refuses a program exactly when one of its values, evaluated, would hold
  more than the limit, all of them more than 4× it, or its matrix products would take
  more than 100× it in multiply-adds (evaluation is the oracle).
* Through the CLI, whatever the shapes, a command ends normally (0, 1 for a failed check,
  2 with one error line), never a traceback or a MemoryError; when it ran, no value was
  over the limit; a draw of 100,000 against another never allocates their outer product.

``FUZZ_EXAMPLES=2000`` runs a longer, randomized hunt; the suite runs a fixed, short one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphviz_ad as ad
from graphviz_ad.cli import main
from graphviz_ad.core import shapes
from graphviz_ad.core.autodiff import values_at
from graphviz_ad.core.errors import GraphvizAdError, InputError

EXAMPLES = os.environ.get("FUZZ_EXAMPLES")
FUZZ = settings(max_examples=int(EXAMPLES or 80), deadline=None, derandomize=not EXAMPLES,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

LEAVES = st.sampled_from(["x", "y", "2"])
EXPRESSIONS = st.recursive(LEAVES, lambda inner: st.one_of(
    st.tuples(st.sampled_from(["exp({})", "sum({})", "mean({})", "softmax({})", "({}).T",
                               "({})[0]", "sum({}, axis=-1)", "logsumexp({})"]), inner
              ).map(lambda t: t[0].format(t[1])),
    st.tuples(st.sampled_from(["({}) + ({})", "({}) * ({})", "outer({}, {})", "({}) @ ({})",
                               "dot({}, {})", "max({}, {})"]), inner, inner
              ).map(lambda t: t[0].format(t[1], t[2]))), max_leaves=6)
SHAPES = st.lists(st.sampled_from([1, 2, 3, 4, 30]), min_size=0, max_size=2).map(tuple)


def _sizes(G, inputs) -> tuple[list[int], int] | None:
    """Every node's size and the multiply-adds of its matrix products, evaluated (None
    when evaluation refuses the shapes)."""
    with shapes.element_limit(10**9):
        try:
            values = values_at(G, inputs)
        except GraphvizAdError:
            return None
    order = ad.program_of(G).order
    work = sum(int(np.size(values[n])) * np.shape(values[G.nodes[n]["operands"][0]])[-1]
               for n in order if G.nodes[n]["op"] == "matmul")
    return [int(np.size(values[n])) for n in order], work


def _over(measured: tuple[list[int], int], limit: int) -> bool:
    sizes, work = measured
    return (max(sizes) > limit or sum(sizes) > shapes.TOTAL_FACTOR * limit
            or work > shapes.WORK_FACTOR * limit)


@FUZZ
@given(expression=EXPRESSIONS, x=SHAPES, y=SHAPES, limit=st.integers(1, 80))
def test_the_check_refuses_exactly_the_programs_over_the_limit(expression, x, y, limit):
    G = ad.parse(f"z = {expression} + x*0 + y*0")  # both inputs always used
    inputs = {"x": np.full(x, 0.5), "y": np.full(y, 0.25)}
    measured = _sizes(G, inputs)
    try:
        shapes.check_sizes(G, inputs, limit=limit)
        refused = False
    except InputError as err:
        assert "--max-elements" in err.message and err.line is not None
        refused = True
    if measured is not None:  # it evaluates: refused exactly when over, by any bound
        assert refused == _over(measured, limit)


def _clean(result, args) -> None:
    where = f"args={args!r}\nstderr={result.stderr[-2000:]!r}"
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{where}\nexception={result.exception!r}"
    assert result.exit_code in (0, 1, 2), where
    assert "Traceback" not in result.stderr, where
    errors = [ln for ln in result.stderr.split("\n") if ln.startswith("graphviz-ad: error:")]
    assert len(errors) == (result.exit_code == 2), where


def _array_text(shape: tuple[int, ...]) -> str:
    return str(np.full(shape, 0.5).tolist()) if shape else "0.5"


@FUZZ
@given(command=st.sampled_from(["trace", "check", "jacobian", "hessian"]),
       expression=EXPRESSIONS, x=SHAPES, y=SHAPES, limit=st.integers(1, 60),
       json=st.booleans())
def test_cli_with_random_shapes_and_limits(command, expression, x, y, limit, json):
    source = f"z = {expression} + x*0 + y*0"
    args = [command, source, "--at", f"x={_array_text(x)}", "--at", f"y={_array_text(y)}",
            "--max-elements", str(limit), *(["--format", "json"] if json else [])]
    result = CliRunner().invoke(main, args)
    _clean(result, args)
    if result.exit_code != 2:  # it ran: no value of the program was over the limit
        measured = _sizes(ad.parse(source), {"x": np.full(x, 0.5), "y": np.full(y, 0.25)})
        assert measured is not None and not _over(measured, limit), args


DRAWN = st.sampled_from([1, 3, 100_000])


@FUZZ
@given(command=st.sampled_from(["trace", "check", "jacobian"]), expression=EXPRESSIONS,
       n=DRAWN, m=DRAWN, column=st.booleans())
def test_large_draws_never_allocate_what_the_limit_refuses(command, expression, n, m, column):
    """[n] or [n, 1] against [m], n and m up to 100,000: outer products and broadcasts of
    10¹⁰ elements are refused from their shapes (the old code died of a MemoryError)."""
    shape = f"shape = [{n}, 1]" if column else f"size = {n}"
    text = (f'program = "z = {expression} + x*0 + y*0"\n[data]\n'
            f"x = {{normal = [0, 1], {shape}, seed = 1}}\n"
            f"y = {{uniform = [0, 1], size = {m}, seed = 2}}\n")
    with tempfile.TemporaryDirectory() as tmp:
        graph = Path(tmp) / "g.toml"
        graph.write_text(text)
        args = [command, str(graph), *(["--wrt", "x"] if command != "trace" else [])]
        result = CliRunner().invoke(main, args)
    _clean(result, args)
    if n * m >= 10**10 and "outer(x, y)" in expression:
        assert result.exit_code == 2


@pytest.mark.parametrize("limit", [1, 7, 50])
def test_every_draw_over_the_limit_is_refused_before_drawing(limit, tmp_path):
    graph = tmp_path / "g.toml"
    graph.write_text(f'program = "z = sum(x)"\n[data]\nx = {{normal = [0, 1], size = '
                     f'{limit + 1}}}\n')
    result = CliRunner().invoke(main, ["trace", str(graph), "--max-elements", str(limit)])
    _clean(result, ["trace"])
    assert result.exit_code == 2 and "too many draws" in result.stderr
