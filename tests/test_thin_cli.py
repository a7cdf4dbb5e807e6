"""The CLI only parses and calls (issue 20, item 4): the gallery runs from Python
(graphviz_ad.workflow.gallery) and the check/jacobian/hessian documents are built by
graphviz_ad.explain.documents, the same documents the commands print."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from graphviz_ad import parse
from graphviz_ad.cli import main
from graphviz_ad.core.autodiff import values_at
from graphviz_ad.core.calculus import hessian, jacobian
from graphviz_ad.explain.check import check_derivatives
from graphviz_ad.explain.documents import (
    check_document,
    check_table,
    hessian_document,
    jacobian_document,
)
from graphviz_ad.workflow.gallery import GalleryTask, plan_gallery, run_gallery

PROGRAM = "y = x*x*w"
X, W = 1.5, 2.0
AT = ["--at", f"x={X}", "--at", f"w={W}"]


def printed(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_jacobian_document_is_the_closed_form_and_what_the_cli_prints():
    G = parse(PROGRAM)
    inputs = {"x": X, "w": W}
    J = jacobian(G, inputs, of=["y"], wrt=["x", "w"]).reshape(1, -1)
    document = jacobian_document(G, J, ["y"], ["x", "w"], values_at(G, inputs))
    assert np.allclose(document["jacobian"], [[2 * X * W, X * X]])  # ∂(x²w)/∂x, ∂/∂w
    assert document["rows"] == ["y"] and document["columns"] == ["x", "w"]
    assert printed("jacobian", PROGRAM, *AT, "--wrt", "x", "--wrt", "w") == document


def test_hessian_document_is_the_closed_form_and_what_the_cli_prints():
    G = parse(PROGRAM)
    inputs = {"x": X, "w": W}
    H = hessian(G, inputs, of="y", wrt=["x", "w"]).reshape(2, 2)
    document = hessian_document(G, H, "y", ["x", "w"], values_at(G, inputs))
    want = np.array([[2 * W, 2 * X], [2 * X, 0.0]])
    root = math.hypot(W, 2 * X)  # eigenvalues of [[2w, 2x], [2x, 0]]: w ± √(w² + 4x²)
    assert np.allclose(document["hessian"], want)
    assert document["eigenvalues"] == pytest.approx([W - root, W + root])
    assert document["trace"] == pytest.approx(2 * W)
    assert document["determinant"] == pytest.approx(-4 * X * X)
    assert document["convex"] is False
    assert printed("hessian", PROGRAM, *AT, "--wrt", "x", "--wrt", "w") == document


@pytest.mark.parametrize("source, ok", [(PROGRAM, True), ("y = relu(x - 1.5)*w", False)])
def test_check_document_and_table_are_what_the_cli_prints(source, ok):
    G = parse(source)
    report = check_derivatives(G, {"x": X, "w": W}, 1e-6)
    assert report.ok is ok
    result = CliRunner().invoke(main, ["check", source, *AT, "--format", "json"])
    assert result.exit_code == (0 if ok else 1), result.output
    document = json.loads(result.stdout)
    reasons = document["explanations"]
    assert document == check_document(report, reasons)
    assert bool(reasons) is not ok  # a kink at x = 1.5 is named
    table = CliRunner().invoke(main, ["check", source, *AT]).stdout
    assert table == check_table(report, reasons) + "\n"
    assert ("— OK" in table) is ok


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")
def test_the_gallery_runs_from_python(tmp_path: Path):
    graphs = tmp_path / "graphs"
    graphs.mkdir()
    (graphs / "p.toml").write_text('program = "y = sin(x)*x"\n[inputs]\nx = 1.0\n')
    (graphs / "q.toml").write_text('program = "y = x +"\n')
    plan = plan_gallery(graphs, tmp_path / "out", ["svg"], None)
    assert [t.path.name for t in plan.tasks] == ["p.toml", "q.toml"]
    seen: list[tuple[str, str | None]] = []

    def done(task: GalleryTask, line: str | None) -> None:
        seen.append((task.path.name, line))

    result = run_gallery(plan, jobs=1, done=done)
    svgs = sorted((tmp_path / "out" / "p").glob("*.svg"))
    assert svgs and result.written[graphs / "p.toml"] == svgs
    assert seen == [("p.toml", f"p.toml: {len(svgs)} files"), ("q.toml", "q.toml: skipped")]
    assert (result.files, result.drawn, result.total) == (2, 1, len(svgs))
    assert len(result.skipped) == 1 and result.skipped[0].startswith("skipped q.toml: ")
