"""The explorer without a browser: the rule table compiled to JavaScript agrees with numpy
for every primitive (run in Node when present), unsupported ops are named, and
``render --format explorer`` writes one self-contained page."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from graphviz_ad.cli import main
from graphviz_ad.core import jsrules
from graphviz_ad.core.ops import PRIMITIVES
from graphviz_ad.core.rules import NUMBERS, OPERAND_NAMES, TANGENT_NAMES, rule_program

GRAPHS = Path(__file__).resolve().parents[1] / "graphs"
NODE = shutil.which("node")
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")


def test_unknown_and_runtime_less_ops_are_named() -> None:
    assert jsrules.unsupported_ops(["matmul", "softmax", "sigmoid"]) == []
    assert jsrules.unsupported_ops(["conv1d_new", "sin"]) == ["conv1d_new"]


def test_every_primitive_rule_compiles_to_runtime_calls() -> None:
    """Each compiled rule of an op the page supports calls only primitives
    (``R.call("op", …)``) the runtime has; the others (convolutions, pooling, reshapes)
    are named by ``unsupported_ops``, which makes the page fall back to Python's numbers."""
    supported = [op for op in PRIMITIVES if not jsrules.unsupported_ops([op])]
    code = jsrules.compile_rules(supported)
    called = set(re.findall(r'R\.call\("([a-z_]+)"', code))
    assert called and called <= jsrules.RUNTIME_OPS
    assert "exp" in supported and "matmul" in supported and "softmax" in supported
    assert "conv2d" in jsrules.unsupported_ops(["conv2d"])


# -- the compiled rules against numpy, in Node --------------------------------------------

def _shapes(op: str) -> tuple[tuple[int, ...], ...]:
    prim = PRIMITIVES[op]
    if prim.example:
        return prim.example
    if op in ("index", "onehot"):
        return ((4,), ())
    if op in ("spread",):
        return ((), (3,))
    if op in ("row", "unrow", "col", "uncol"):
        return ((2, 3), (2, 3))
    return ((2, 3),) * prim.arity


def _operands(op: str, rng: np.random.Generator) -> list[Any]:
    shapes = _shapes(op)
    args = [rng.uniform(0.3, 2.0, s) if s else np.float64(rng.uniform(0.3, 2.0)) for s in shapes]
    if op in ("index", "onehot"):
        args[1] = np.float64(2.0)
    if op == "targets_times":
        args[0] = np.eye(3)[[0, 2]]
    return args


def _js(value: Any) -> Any:
    array = np.asarray(value, dtype=float)
    return float(array) if array.ndim == 0 else {"shape": list(array.shape),
                                                 "data": array.ravel().tolist()}


def _cases() -> list[dict[str, Any]]:
    """Every primitive the runtime has: its value and every rule, by numpy."""
    rng = np.random.default_rng(3)
    cases = []
    for op, prim in sorted(PRIMITIVES.items()):
        if op not in jsrules.RUNTIME_OPS:
            continue
        args = _operands(op, rng)
        out = prim.fn(*args)
        env: dict[str, Any] = {**dict(zip(OPERAND_NAMES, args)), "out": out,
                               "g": np.ones_like(out, dtype=float) * 0.7}
        for p, a in enumerate(args):
            env[TANGENT_NAMES[p]] = np.full(np.shape(a), 0.3)
        kinds = ("vjp", "jvp") if prim.linear else ("partial", "vjp", "jvp")
        for kind in kinds:
            for p in range(prim.arity):
                expected = rule_program(op, kind, p).run(NUMBERS, env)
                cases.append({"op": op, "kind": kind, "p": p, "expected": _js(expected),
                              "env": {k: _js(v) for k, v in env.items()}})
        cases.append({"op": op, "kind": "value", "p": 0, "expected": _js(out),
                      "env": {k: _js(v) for k, v in zip(OPERAND_NAMES, args)}})
    return cases


@pytest.mark.skipif(NODE is None, reason="Node.js missing")
def test_compiled_rules_equal_numpy_for_every_primitive(tmp_path: Path) -> None:
    runtime = resources.files("graphviz_ad.draw").joinpath("explorer.js").read_text("utf-8")
    runtime = runtime.partition("/* -- the page")[0]
    cases = _cases()
    script = f"""{runtime}
var RULES = {jsrules.compile_rules(PRIMITIVES)};
var cases = {json.dumps(cases)};
function dec(x) {{ return typeof x === "number" ? x : R.make(x.shape, Float64Array.from(x.data)); }}
function enc(x) {{ return R.isArr(x) ? {{shape: x.shape, data: Array.from(x.data)}} : x; }}
var out = cases.map(function (c) {{
  var e = {{}};
  Object.keys(c.env).forEach(function (k) {{ e[k] = dec(c.env[k]); }});
  if (c.kind === "value") return enc(R.call(c.op, ["a", "b"].slice(0, Object.keys(c.env).length)
      .map(function (k) {{ return e[k]; }}), {{}}));
  return enc(RULES[c.op][c.kind][c.p](e));
}});
console.log(JSON.stringify({{fn: Object.keys(R.fn).sort(), out: out}}));
"""
    (tmp_path / "rules.js").write_text(script, encoding="utf-8")
    result = subprocess.run([str(NODE), str(tmp_path / "rules.js")], capture_output=True,
                            text=True, timeout=60, check=True)
    answer = json.loads(result.stdout)
    assert set(answer["fn"]) == jsrules.RUNTIME_OPS  # the runtime and its list agree
    assert {c["op"] for c in cases} == jsrules.RUNTIME_OPS & set(PRIMITIVES)
    for case, got in zip(cases, answer["out"]):
        want = case["expected"]
        if isinstance(want, dict):
            assert isinstance(got, dict) and got["shape"] == want["shape"], case["op"]
            want, got = want["data"], got["data"]
        assert np.allclose(got, want, rtol=1e-13, atol=1e-15), (case["op"], case["kind"])


# -- the command line ------------------------------------------------------------------------

@needs_dot
def test_render_explorer_writes_one_self_contained_page(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["render", str(GRAPHS / "mlp.toml"), "--format",
                                       "explorer", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["mlp-explorer.html"]
    page = (tmp_path / "mlp-explorer.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page and "fetch(" not in page
    assert page.count("<svg") == 1 and 'data-slot="' in page and "var RULES = {" in page


@needs_dot
def test_variants_set_the_slider_range(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["render", str(GRAPHS / "problem9.toml"), "--format",
                                       "explorer", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "problem9-explorer.html").read_text(encoding="utf-8")
    model = json.loads(re.search(r'id="model">(.*?)</script>', page, re.DOTALL).group(1))
    assert model["inputs"]["x"]["range"] == [0.1, 0.9]  # [variants] vary = ["x=0.1:0.9"]
    result = CliRunner().invoke(main, ["render", str(GRAPHS / "problem9.toml"), "--format",
                                       "explorer", "--slider", "x=-2:3", "--out", str(tmp_path)])
    page = (tmp_path / "problem9-explorer.html").read_text(encoding="utf-8")
    model = json.loads(re.search(r'id="model">(.*?)</script>', page, re.DOTALL).group(1))
    assert model["inputs"]["x"]["range"] == [-2.0, 3.0]


def test_bad_slider_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", "y = x^2", "--at", "x=1", "--format",
                                       "explorer,svg", "--slider", "x=2", "--out", str(out)])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "NAME=LOW:HIGH" in result.output
    assert not out.exists()
    result = CliRunner().invoke(main, ["render", "y = x^2", "--at", "x=1", "--format",
                                       "explorer", "--slider", "z=0:1", "--out", str(out)])
    assert result.exit_code == 2 and "z is not a scalar input" in result.output
    assert not out.exists()


@needs_dot
def test_hostile_title_is_escaped(tmp_path: Path) -> None:
    from graphviz_ad.core.parse import parse
    from graphviz_ad.draw.explorer import explorer_html

    page = explorer_html(parse("y = x^2"), {"x": 1.0}, title="</script><script>alert(1)")
    assert "<script>alert(1)" not in page
    assert page.count("</script>") == 2  # the model's and the code's


@needs_dot
def test_explorer_shows_itself_in_jupyter() -> None:
    import graphviz_ad as ad

    G = ad.parse("y = sin(x)*x")
    page = ad.explorer(ad.reverse_mode(G, {"x": 1.0}))
    assert page._repr_html_().startswith("<iframe srcdoc=")
    assert page.html == ad.explorer(G, {"x": 1.0}).html


def test_a_page_holds_a_bounded_count_of_numbers(tmp_path: Path) -> None:
    graph = tmp_path / "big.toml"
    graph.write_text('program = "L = sum(w*x)"\n[inputs]\nw = 1.0\n'
                     '[data]\nx = {normal = [0, 1], shape = [300000], seed = 1}\n',
                     encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(graph), "--format", "explorer",
                                       "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "300,001 numbers" in result.output and "at most 200,000" in result.output
    assert result.output.strip().count("\n") == 0 and not out.exists()
