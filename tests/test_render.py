"""Derivative animations: frame content, a layout that never moves, files, CLI, bad input."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

import graphviz_ad as ad
from graphviz_ad.cli import main
from graphviz_ad.draw.derivatives import EDGE, FILL, DerivativeFrames
from graphviz_ad.explain import steps as step_text

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")
SVG = "{http://www.w3.org/2000/svg}"
PROBLEM9 = "y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)"
GRAPHS = Path(__file__).resolve().parents[1] / "graphs"


@pytest.fixture(scope="module")
def graph():
    return ad.parse(PROBLEM9)


def geometry(svg: str) -> dict[str, list]:
    """Every node's shape coordinates, by SVG group id."""
    root = ET.fromstring(svg.encode())
    out = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "node":
            shapes = []
            for el in g:
                tag = el.tag.replace(SVG, "")
                if tag in ("polygon", "ellipse", "path"):
                    shapes.append((tag, el.get("points"), el.get("cx"), el.get("cy"),
                                   el.get("rx"), el.get("d")))
            out[g.get("id")] = shapes
    return out


def node_text(svg: str, node: str) -> list[str]:
    root = ET.fromstring(svg.encode())
    for g in root.iter(f"{SVG}g"):
        if g.get("id") == f"n_{node}":
            return [t.text or "" for t in g.iter(f"{SVG}text")]
    raise KeyError(node)


def node_fill(svg: str, node: str) -> str:
    root = ET.fromstring(svg.encode())
    for g in root.iter(f"{SVG}g"):
        if g.get("id") == f"n_{node}":
            return next(el.get("fill") for el in g if el.tag.endswith(("polygon", "path",
                                                                       "ellipse")))
    raise KeyError(node)


def test_reverse_frames_tell_the_story(graph):
    trace = ad.reverse_mode(graph, {"x": 0.5})
    frames = DerivativeFrames([trace]).frames()
    assert len(frames) == len(trace.steps) + 3  # bare graph, seed, steps, everything annotated
    # the bare graph shows definitions only
    assert node_text(frames[0].svg, "f3") == ["f3 = f1 + f2", "", "", ""]
    # each step frame: caption is the chain rule with numbers; its node is highlighted
    for step, frame in zip(trace.steps, frames[2:-1]):
        assert frame.caption == step_text.equation(step)
        assert node_fill(frame.svg, step.node) == FILL["active"]
    f3 = frames[2 + [s.node for s in trace.steps].index("f3")]
    assert f3.caption.startswith("∂y/∂f3 = ∂y/∂f4·∂f4/∂f3 + ∂y/∂f5·∂f5/∂f3 = 1·78.81")
    lines = node_text(f3.svg, "f3")
    assert lines[1] == "= 4.367" and lines[2] == "∂y/∂f3 = 78.47"
    assert lines[3] == "= 78.81 − 0.3386"  # the fan-out's two contributions
    # edges used in that step are highlighted and labelled with their local derivative
    root = ET.fromstring(f3.svg.encode())
    edge = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "e_f3~f4")
    assert next(el.get("stroke") for el in edge if el.tag.endswith("path")) == EDGE["active"]
    assert [t.text for t in edge.iter(f"{SVG}text")] == ["∂f4/∂f3", "= exp(f3)", "= 78.81"]
    # the last frame: every derivative known, the result in the caption
    assert frames[-1].caption == "Done: ∂y/∂x = 556 (reverse mode, 6 steps)"
    assert all(node_fill(frames[-1].svg, n) == FILL["done"] for n in ["x", "f1", "f3", "y"])


def test_layout_is_identical_in_every_frame(graph):
    traces = [ad.forward_mode(graph, {"x": 0.5}), ad.reverse_mode(graph, {"x": 0.5})]
    frames = DerivativeFrames(traces).frames(aspect=16 / 9)
    assert len(frames) == 6 + 6 + 4
    first = geometry(frames[0].svg)
    assert set(first) == {f"n_{n}" for n in ["x", "f1", "f2", "f3", "f4", "f5", "y"]}
    sizes = set()
    for frame in frames:
        assert geometry(frame.svg) == first
        root = ET.fromstring(frame.svg.encode())
        sizes.add((root.get("width"), root.get("height"), root.get("viewBox")))
    assert len(sizes) == 1
    width, height = (float(v) for v in sizes.pop()[:2])
    assert width / height == pytest.approx(16 / 9, rel=1e-3)


def test_forward_frames_show_values_and_tangents(graph):
    trace = ad.forward_mode(graph, {"x": 0.5})
    frames = DerivativeFrames([trace]).frames()
    f2 = frames[2 + 1]  # the second step computes f2
    assert f2.caption == "f2 = f1² = 2.718\n∂f2/∂x = ∂f2/∂f1·∂f1/∂x = 3.297·1.649 = 5.437"
    assert node_text(f2.svg, "f2")[1:3] == ["= 2.718", "∂f2/∂x = 5.437"]
    assert node_text(f2.svg, "f4")[1:] == ["", ""]  # value and tangent not computed yet


def test_dot_is_deterministic_and_constants_fold(graph):
    trace = ad.reverse_mode(graph, {"x": 0.5})
    one = DerivativeFrames([trace]).dot()
    two = DerivativeFrames([ad.reverse_mode(ad.parse(PROBLEM9), {"x": 0.5})]).dot()
    assert one == two
    assert not re.search(r"^\s*\"?2\"? ", one, re.M) and "f2 = f1²" in one
    shown = DerivativeFrames([trace], show_constants=True).dot()
    assert re.search(r'^\s*"?2"? -> "?f2"? ', shown, re.M)


def test_render_writes_every_format(graph, tmp_path):
    keep = tmp_path / "notes.txt"
    keep.write_text("mine")
    trace = ad.reverse_mode(graph, {"x": 0.5})
    paths = ad.render(trace, tmp_path, ["svg", "png", "gif", "html", "dot"], stem="p9",
                      slide="16:9")
    names = {p.name for p in paths}
    assert {"p9-000.svg", "p9-008.svg", "p9-000.png", "p9.gif", "p9.html", "p9.dot"} <= names
    assert keep.read_text() == "mine"
    sizes = {Image.open(p).size for p in paths if p.suffix == ".png"}
    assert sizes == {(1920, 1080)}
    with Image.open(tmp_path / "p9.gif") as gif:
        assert gif.n_frames == 9
    html = (tmp_path / "p9.html").read_text()
    assert html.count("<svg") >= 9 and "http://" not in html.replace(
        "http://www.w3.org", "")
    leftovers = [p for p in tmp_path.iterdir()
                 if p.name.startswith(".") and p.name != ".graphviz-ad.json"]  # the manifest
    assert not leftovers  # no temp files left


NOTEBOOK = """
import sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()  # as a Jupyter kernel: IPython runs before the user's import
import graphviz_ad as ad
trace = ad.reverse_mode(ad.parse("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)"),
                        {"x": 0.5})
assert "graphviz_ad.draw.notebook" not in sys.modules  # registered by name, drawn when shown
data, _ = shell.display_formatter.format(trace)
print(data["image/svg+xml"])
"""


def test_trace_displays_itself_in_a_notebook():
    """A Trace (a plain record) shows as its annotated graph in IPython: the formatter
    `import graphviz_ad` registers by the class's name draws it; outside IPython nothing
    is registered and IPython is not imported."""
    pytest.importorskip("IPython")
    done = subprocess.run([sys.executable, "-c", NOTEBOOK], capture_output=True, text=True,
                          encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    svg = done.stdout
    assert svg.lstrip().startswith("<?xml") and "∂y/∂x = 556" in svg
    plain = subprocess.run([sys.executable, "-c", "import sys, graphviz_ad; "
                            "print('IPython' in sys.modules)"], capture_output=True, text=True)
    assert plain.stdout.strip() == "False"


def test_player_shows_itself_in_a_notebook(graph):
    player = ad.player(ad.reverse_mode(graph, {"x": 0.5}))
    assert player.html.count("<svg") >= 9 and "<iframe srcdoc=" in player._repr_html_()


def test_cli_render_graph_file(tmp_path):
    result = CliRunner().invoke(main, ["render", str(GRAPHS / "problem10.toml"), "--out",
                                       str(tmp_path), "--format", "svg,dot"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "problem10-forward-000.svg").exists()
    dot = (tmp_path / "problem10-forward.dot").read_text()
    assert "∂y/∂x = 556" in dot and "rankdir=LR" in dot
    assert "wrote 9 frames" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["render", "y = exp(", "--at", "x=1"], "1:9: unexpected end of input"),
    (["render", "y = x^2", "--at", "x=1", "--format", "svg,jpg"], "unknown format 'jpg'"),
    (["render", "y = x^2"], "missing value for input x"),
    (["render", "y = x^2", "--at", "x=1", "--mode", "sideways"], "Invalid value for '--mode'"),
    (["render", "nope.toml"], "nope.toml: no such file"),
])
def test_cli_render_bad_input(tmp_path, args, message):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert not out.exists()  # nothing half-written


def test_missing_dot_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = CliRunner().invoke(main, ["render", "y = x^2", "--at", "x=1", "--out",
                                       str(tmp_path / "o"), "--format", "svg"])
    assert result.exit_code == 2
    assert re.search(r"'dot' not found on PATH; install it: sudo apt-get install graphviz",
                     result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1


def test_gallery_renders_programs_and_stacks(tmp_path):
    graphs = tmp_path / "graphs"
    graphs.mkdir()
    for name in ("problem9.toml", "problem4.toml"):
        (graphs / name).write_text((GRAPHS / name).read_text())
    result = CliRunner().invoke(main, ["gallery", str(graphs), "--out", str(tmp_path / "r"),
                                       "--format", "svg"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "problem9" / "problem9-reverse-000.svg").exists()
    assert list((tmp_path / "r" / "problem4").glob("*.svg"))


def test_cli_scale_sets_the_png_size(tmp_path):
    from graphviz_ad.draw.raster import svg_size

    args = ["render", "y = sin(x)*x", "--at", "x=1", "--format", "svg,png"]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "a"), "--scale", "1.5"])
    assert result.exit_code == 0, result.output
    svg = next((tmp_path / "a").glob("*-000.svg")).read_text()
    with Image.open(next((tmp_path / "a").glob("*-000.png"))) as png:
        assert png.width == round(svg_size(svg)[0] * 1.5) + round(svg_size(svg)[0] * 1.5) % 2
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "b"), "--scale", "0"])
    assert result.exit_code == 2 and "--scale" in result.stderr


def test_gallery_splits_files_into_drawing_and_plot_tasks(tmp_path):
    from graphviz_ad.workflow.gallery import gallery_tasks

    graphs = tmp_path / "graphs"
    graphs.mkdir()
    for name in ("problem4.toml", "problem9.toml", "problem8.toml"):
        (graphs / name).write_text((GRAPHS / name).read_text())
    files = sorted(graphs.glob("*.toml"))
    tasks, skipped = gallery_tasks(files, tmp_path / "out", ["png"], "16:9")
    assert skipped == []
    pieces = [(t.path.name, t.plot) for t in tasks]
    plots = sum(1 for line in (graphs / "problem8.toml").read_text().splitlines()
                if line.strip() == "[[plots]]")
    assert plots == 3
    # each file drawn once, each of its plots once (the longer plots first): nothing twice
    assert pieces == [*[("problem8.toml", k) for k in range(plots)], ("problem4.toml", None),
                      ("problem8.toml", None), ("problem9.toml", None)]
    assert {t.target for t in tasks} == {tmp_path / "out" / n for n in ("problem4", "problem8",
                                                                          "problem9")}


def test_gallery_over_processes_writes_what_one_process_writes(tmp_path):
    from graphviz_ad.draw.staging import read_manifest

    def names(folder: Path) -> dict:  # the manifest without sizes (PNG bytes may differ)
        return {stem: {fmt: sorted(files) for fmt, files in entry.items()}
                for stem, entry in read_manifest(folder).items()}

    graphs = tmp_path / "graphs"
    graphs.mkdir()
    for name in ("problem4.toml", "problem9.toml"):
        (graphs / name).write_text((GRAPHS / name).read_text())
    (graphs / "broken.toml").write_text('program = "y = x +"\n[inputs]\nx = 1\n')
    runs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        result = CliRunner().invoke(main, ["gallery", str(graphs), "--out", str(out),
                                           "--format", "svg,png", "--jobs", jobs])
        assert result.exit_code == 1, result.output  # a file was not drawn
        assert "skipped broken.toml: " in result.stderr  # one line, the run goes on
        runs[jobs] = {p.relative_to(out): (Image.open(p).size if p.suffix == ".png" else
                                           names(p.parent) if p.suffix == ".json" else
                                           p.stat().st_size)
                      for p in out.rglob("*") if p.is_file()}
    assert runs["1"] == runs["2"] and len(runs["1"]) > 10
    assert not [p for p in tmp_path.rglob(".graphviz-ad-*")]  # no staging left behind


def test_gallery_plot_is_drawn_once_and_saved_per_format(tmp_path, monkeypatch):
    from graphviz_ad.plots import drawing as plot_draw

    calls = []
    real = plot_draw.draw_plot
    monkeypatch.setattr(plot_draw, "draw_plot", lambda *a, **k: calls.append(a) or real(*a, **k))
    paths = plot_draw.draw_file_plot(GRAPHS / "problem8.toml", 0, tmp_path,
                                     ["svg", "png", "gif"], "16:9")
    assert len(calls) == 1  # one figure ...
    assert sorted(p.suffix for p in paths) == [".png", ".svg"]  # ... in each plot format
    assert paths[0].stem == paths[1].stem and all(p.parent == tmp_path for p in paths)
    with Image.open(next(p for p in paths if p.suffix == ".png")) as png:
        assert png.size == (1920, 1080)
    assert paths[0].read_bytes() != paths[1].read_bytes()
