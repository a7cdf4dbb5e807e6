"""Issue 18, deliverable 3: every array's size is checked before it is computed, report
writers bound what they write, gallery survives one file's failure, and no encoding of
stdout turns into a traceback.

The hostile cases ask for 10¹⁰ elements (80 GB): the old code failed at once with a
MemoryError traceback, the new one refuses from the shapes alone, so no test allocates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from test_limits import refused  # one error line, exit 2, no traceback

import graphviz_ad as ad
from graphviz_ad.cli import main
from graphviz_ad.core import shapes
from graphviz_ad.core.autodiff import values_at
from graphviz_ad.core.errors import InputError
from graphviz_ad.core.ops import PRIMITIVES
from graphviz_ad.core.passes import run_passes
from graphviz_ad.explain import trace_json

ROOT = Path(__file__).resolve().parents[1]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")
OUTER = ("program = \"y = sum(sum(outer(u, v)))\"\n[data]\n"
         "u = {normal = [0, 1], size = 100000}\nv = {normal = [0, 1], size = 100000, seed = 1}\n")


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


# -- shape rules: each op's rule agrees with numpy wherever numpy computes ---------------------

SHAPES = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


@settings(max_examples=300, deadline=None)
@given(op=st.sampled_from(sorted(PRIMITIVES)), a=SHAPES, b=SHAPES,
       axis=st.one_of(st.none(), st.integers(-3, 2)), index=st.integers(-3, 2))
def test_each_shape_rule_is_numpys(op, a, b, axis, index):
    prim = PRIMITIVES[op]
    args = [np.ones(a) * 0.5, np.ones(b) * 0.25][:prim.arity]
    if op in ("index", "onehot"):
        args[1] = np.float64(index)  # a constant index, as the parser makes it
    params = {} if axis is None or "axis" not in prim.params else {"axis": axis}
    try:
        with np.errstate(all="ignore"):
            out = prim.fn(*args, **params)
    except (ValueError, IndexError, InputError):
        return  # evaluation refuses these operands in its own words
    shown = [np.shape(x) for x in args]
    assert shapes.result_shape(op, shown, params) == np.shape(out), (op, shown, params)


def test_every_size_in_a_program_is_the_evaluated_one():
    G = ad.parse("h = W @ x + b; z = outer(h, c)[0]; y = sum(softmax(z)) + mean(W.T @ h)")
    rng = np.random.default_rng(0)
    inputs = {"W": rng.normal(size=(4, 3)), "x": rng.normal(size=3), "b": rng.normal(size=4),
              "c": rng.normal(size=5)}
    values = values_at(G, inputs)
    sizes = [int(np.size(values[n])) for n in ad.program_of(G).order]
    for limit in range(1, sum(sizes) + 2):  # refused exactly when a node or the sum is over
        over = max(sizes) > limit or sum(sizes) > shapes.TOTAL_FACTOR * limit
        try:
            shapes.check_sizes(G, inputs, limit=limit)
        except InputError as err:
            assert over, (limit, err)
            continue
        assert not over, limit
    with pytest.raises(InputError, match="4×5 = 20 elements, over the limit of 19"):
        shapes.check_sizes(G, inputs, limit=19)


# -- the cases of the issue ---------------------------------------------------------------------

def test_outer_of_two_large_draws_is_refused_from_shapes(tmp_path):
    (tmp_path / "outer.toml").write_text(OUTER)
    line = refused(run("trace", tmp_path / "outer.toml"), "1:13:", "f1",
                   "100,000×100,000 = 10,000,000,000 elements", "limit of 50,000,000",
                   "--max-elements")
    assert "outer" in line or "vᵀ" in line


def test_a_broadcast_to_ten_billion_is_refused(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((100_000, 1)))
    np.save(tmp_path / "b.npy", np.zeros(100_000))
    refused(run("trace", "y = sum(sum(a + b))", "--data", tmp_path / "a.npy", "--data",
                tmp_path / "b.npy"), "1:13:", "100,000×100,000", "--max-elements")


def test_library_refuses_before_computing():
    G = ad.parse("y = sum(x*z)")
    huge = {"x": np.zeros((100_000, 1)), "z": np.zeros(100_000)}
    for run_pass in (ad.evaluate, ad.forward_mode, ad.reverse_mode):
        with pytest.raises(InputError, match="10,000,000,000 elements"):
            run_pass(G, huge)
    with ad.element_limit(3), pytest.raises(InputError, match="has 4 elements"):
        ad.evaluate(G, {"x": np.zeros(4), "z": 1.0})
    with pytest.raises(InputError, match="has 4 elements"):
        run_passes(G, {"x": np.zeros(4), "z": 1.0}, "both", max_elements=3)
    assert len(run_passes(G, {"x": np.zeros(4), "z": 1.0}, "both", max_elements=4)) == 2
    assert float(ad.evaluate(G, {"x": np.ones(4), "z": 2.0}).value("y")) == 8.0


def test_a_passed_check_is_reused_only_for_the_same_shapes_and_limit():
    G = ad.parse("y = sum(sum(outer(u, v)))")
    small = {"u": np.ones(3), "v": np.ones(4)}
    assert float(ad.evaluate(G, small).value("y")) == 12.0
    assert float(ad.evaluate(G, small).value("y")) == 12.0  # the check passed: reused
    with shapes.element_limit(11), pytest.raises(InputError, match="3×4 = 12 elements"):
        ad.evaluate(G, small)
    with pytest.raises(InputError, match="100,000×4 = 400,000"):
        shapes.check_sizes(G, {"u": np.ones(100_000), "v": np.ones(4)}, limit=100_000)


@pytest.mark.parametrize("command", ["trace", "check", "jacobian", "hessian"])
def test_max_elements_means_the_same_on_every_command(command):
    args = [command, "y = sum(sum(outer(x, x)))", "--at", "x=[1,2,3]", "--wrt", "x"]
    refused(run(*args, "--max-elements", "8"), "3×3 = 9 elements", "limit of 8")
    result = run(*args, "--max-elements", "16")  # the Hessian's gradient graph: 50 in all
    assert result.exit_code in (0, 1), result.output  # check: 1 would be a failed check
    assert "error" not in result.stderr


def test_jacobian_and_hessian_intermediates_are_checked_before_the_matrix(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros(100_000))
    for command in ("jacobian", "hessian"):
        refused(run(command, "y = sum(sum(outer(x, x)))", "--data", f"x={tmp_path / 'x.npy'}",
                    "--wrt", "x"), "10,000,000,000 elements")


@needs_dot
def test_render_takes_max_elements(tmp_path):
    refused(run("render", "y = sum(x*x)", "--at", "x=[1,2,3]", "--format", "svg",
                "--out", tmp_path / "r", "--max-elements", "2"), "input x has 3 elements")
    assert not (tmp_path / "r").exists()


def test_matrix_products_are_bounded_in_work(tmp_path):
    graph = tmp_path / "m.toml"  # 10⁶ elements each, 10⁹ multiply-adds: over 100× 10⁶
    graph.write_text('program = "y = sum(sum(A @ B))"\n[data]\n'
                     'A = {normal = [0, 1], shape = [1000, 1000]}\n'
                     'B = {normal = [0, 1], shape = [1000, 1000], seed = 1}\n')
    refused(run("trace", graph, "--max-elements", "1000000"), "1,000,000,000 multiply-adds",
            "100× the limit of 1,000,000")
    G = ad.parse("y = sum(sum(A @ B))")  # 49 M elements each (under 50 M), 3.4·10¹¹ work
    square = {name: np.broadcast_to(0.0, (7000, 7000)) for name in "AB"}  # views: no memory
    with pytest.raises(InputError, match="343,000,000,000 multiply-adds"):
        shapes.check_sizes(G, square)


def test_draws_follow_the_same_limit(tmp_path):
    graph = tmp_path / "g.toml"
    graph.write_text('program = "y = sum(x)"\n[data]\nx = {normal = [0, 1], size = 1000}\n')
    refused(run("trace", graph, "--max-elements", "999"), "too many draws", "1,000",
            "limit of 999", "--max-elements")
    assert run("trace", graph, "--max-elements", "1000").exit_code == 0


def test_a_program_too_large_in_all_is_refused():
    terms = " + ".join(f"x*{k}" for k in range(2, 12))  # 10 products and 9 sums of x's size
    refused(run("trace", f"y = sum({terms})", "--at", "x=[1,2,3,4,5]", "--max-elements", "10"),
            "in all", "4× the limit of 10")


def test_an_unforeseen_memory_error_is_one_line(monkeypatch):
    from graphviz_ad.cli import trace as trace_cli

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(trace_cli, "run_passes", exhausted)
    refused(run("trace", "y = x", "--at", "x=1"), "out of memory")


# -- report writers -------------------------------------------------------------------------

def _numbers(value) -> int:
    """Numbers in a JSON value (a non-finite number is the string "nan"/"inf")."""
    if isinstance(value, list):
        return sum(_numbers(v) for v in value)
    return 1 if isinstance(value, float) or value in ("nan", "inf", "-inf") else 0


@pytest.mark.parametrize("mode", ["evaluate", "forward", "reverse"])
def test_json_numbers_counts_what_json_writes(mode):
    G = ad.parse("h = W @ x; y = sum(softmax(h)*t) + dot(x, x)")
    rng = np.random.default_rng(1)
    inputs = {"W": rng.normal(size=(4, 3)), "x": rng.normal(size=3), "t": rng.normal(size=4)}
    trace = run_passes(G, inputs, mode, wrt=["x"])[0]
    doc = json.loads(trace_json.trace_json(trace))
    written = sum(_numbers(v) for v in doc["inputs"].values())
    attribute = trace.derivative_attribute
    for node in doc["nodes"].values():
        written += _numbers(node["value"]) + (_numbers(node[attribute]) if attribute else 0)
    for step in doc["steps"]:
        written += _numbers(step["value"]) + sum(
            _numbers(c[k]) for c in step["contributions"] for k in ("local", "carried",
                                                                   "product"))
    assert trace_json.json_numbers(trace) == written


def test_json_is_refused_before_anything_is_printed(monkeypatch):
    monkeypatch.setattr(trace_json, "MAX_JSON_NUMBERS", 100)
    result = run("trace", "y = sum(x*x)", "--at", "x=" + json.dumps(list(range(40))),
                 "--format", "table,json")
    refused(result, "JSON report", "over the limit of 100", "--format table")
    assert result.stdout == ""  # not even the table: all or nothing
    small = run("trace", "y = sum(x*x)", "--at", "x=[1,2]", "--format", "json")
    assert small.exit_code == 0 and json.loads(small.stdout)["mode"] == "reverse"


def test_the_issues_five_million_draws_write_bounded_text(tmp_path):
    graph = tmp_path / "big.toml"  # the issue's 87-byte file: 1.7 GB of JSON, MemoryError
    graph.write_text('program = "y = sum(x*x)"\n[data]\nx = {normal = [0, 1], size = 5000000}\n')
    assert graph.stat().st_size < 100
    refused(run("trace", graph, "--format", "json"), "JSON report", "10,000,000")
    for fmt in ("table", "markdown", "latex"):  # arrays shown in short: a few lines
        result = run("trace", graph, "--format", fmt)
        assert result.exit_code == 0 and len(result.stdout) < 5_000, fmt


# -- gallery ---------------------------------------------------------------------------------

PROGRAM = 'program = "y = sin(x)*x"\n[inputs]\nx = 1.0\n'


@needs_dot
def test_gallery_survives_one_files_failure(tmp_path, monkeypatch):
    from graphviz_ad.workflow import gallery as gallery_work

    graphs = tmp_path / "graphs"
    graphs.mkdir()
    for name in ("a.toml", "b.toml", "c.toml"):
        (graphs / name).write_text(PROGRAM)
    (graphs / "huge.toml").write_text(OUTER)
    real = gallery_work.render_graph_file

    def flaky(path, *args, **kwargs):
        if path.name == "a.toml":
            raise MemoryError
        if path.name == "b.toml":
            raise RecursionError("maximum recursion depth exceeded")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(gallery_work, "render_graph_file", flaky)
    result = run("gallery", graphs, "--out", tmp_path / "out", "--format", "svg", "--jobs", "1")
    assert result.exit_code == 1, (result.output, result.exception)
    assert "Traceback" not in result.output
    err = result.stderr
    assert "skipped a.toml: failed (out of memory)" in err
    assert "skipped b.toml: failed (RecursionError: maximum recursion depth exceeded)" in err
    assert "skipped huge.toml: 1:13: f1 = u · vᵀ would hold 100,000×100,000" in err
    assert "for 1 of 4 graphs" in err
    assert list((tmp_path / "out" / "c").glob("*.svg"))


@needs_dot
def test_gallery_lines_escape_control_characters(tmp_path):
    graphs = tmp_path / "graphs"
    graphs.mkdir()
    (graphs / "a\x1b[2Jb.toml").write_text(PROGRAM)
    (graphs / "c\x07.toml").write_text('program = "y = x +"\n')
    result = run("gallery", graphs, "--out", tmp_path / "out", "--format", "svg", "--jobs", "1",
                 "--no-progress")
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "gallery: a\\x1b[2Jb.toml: " in result.stderr
    assert "skipped c\\x07.toml: " in result.stderr


def test_written_lines_escape_control_characters(capsys):
    from graphviz_ad.cli.common import report_written

    report_written([Path("out\x1b[2J/a.svg"), Path("out\x1b[2J/s-000.png"),
                    Path("out\x1b[2J/s-001.png")])
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert err.splitlines() == ["wrote out\\x1b[2J/a.svg",
                                "wrote 2 frames out\\x1b[2J/s-000…001.png"]


def test_a_dead_gallery_worker_is_one_line(tmp_path):
    from concurrent.futures.process import BrokenProcessPool

    from graphviz_ad.core.errors import GraphvizAdError
    from graphviz_ad.workflow.gallery import GalleryTask, TaskOutcome, _outcomes

    def results():
        yield TaskOutcome()
        raise BrokenProcessPool("A process in the process pool was terminated abruptly")

    tasks = [GalleryTask(tmp_path / f"{k}.toml", tmp_path, ("svg",), None) for k in range(3)]
    seen = []
    with pytest.raises(GraphvizAdError, match="a drawing process died"):
        for task, _ in _outcomes(tasks, results()):
            seen.append(task.path.name)
    assert seen == ["0.toml"]


def test_gallery_passes_its_limit_to_every_task(tmp_path):
    from graphviz_ad.workflow.gallery import gallery_tasks

    (tmp_path / "p.toml").write_text(PROGRAM)
    tasks, _ = gallery_tasks([tmp_path / "p.toml"], tmp_path / "out", ["svg"], None, 7)
    assert [t.max_elements for t in tasks] == [7]


# -- stdout in any encoding ------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
@pytest.mark.parametrize("args", [
    ["trace", "y = sin(x)*x", "--at", "x=1", "--format", "table,json"],
    ["check", "y = sin(x)*x", "--at", "x=1"],
    ["trace", "y = sin(x", "--at", "x=1"],
    ["trace", "--help"],
], ids=["trace", "check", "error", "help"])
def test_any_stdout_encoding_is_written_without_a_traceback(encoding, args):
    env = {**os.environ, "PYTHONIOENCODING": encoding, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "graphviz_ad", *args], capture_output=True,
                          env=env, timeout=120)
    assert b"Traceback" not in done.stderr, done.stderr.decode(errors="replace")
    assert done.returncode == (2 if args[1] == "y = sin(x" else 0), done.stderr
    assert done.stdout or done.stderr
    if "json" in args[-1]:
        raw = done.stdout  # (click writes its own lines to an ascii stream as UTF-8)
        document = json.loads(raw[raw.index(b"\n{") + 1:].decode(encoding))
        assert document["derivative"] == "∂y/∂·"  # escaped on the way, same JSON value


def test_unencodable_text_becomes_json_escapes():
    from graphviz_ad.cli import streams  # registers the "graphviz-ad-escape" handler

    assert streams.tolerant_streams is not None
    text = '{"d": "∂y/∂x 𝟏₁₂ é"}'
    raw = text.encode("ascii", errors="graphviz-ad-escape")
    assert raw == b'{"d": "\\u2202y/\\u2202x \\ud835\\udfcf\\u2081\\u2082 \\u00e9"}'
    assert json.loads(raw.decode("ascii")) == json.loads(text)


@needs_dot
def test_render_writes_its_lines_in_latin1(tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "latin-1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "graphviz_ad", "render", "y = sin(x)*x",
                           "--at", "x=1", "--format", "svg", "--out", str(tmp_path / "∂r")],
                          capture_output=True, env=env, timeout=120)
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    assert b"\\u2202r" in done.stderr
