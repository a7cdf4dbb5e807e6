"""The CLI as capable as the library (issue 17.7): --wrt restricts reverse mode to the
steps on the paths from the named inputs, data inputs get no adjoint steps unless asked,
and tables fit the terminal (COLUMNS, --width) with long arrays previewed.  Oracles:
networkx's own path sets, the library's reverse_mode(wrt=…), the numbers themselves."""

from __future__ import annotations

import re

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

import graphviz_ad as ad
from graphviz_ad.cli import main
from graphviz_ad.core.passes import run_passes
from graphviz_ad.core.program import program_of
from graphviz_ad.frontends.sources import load

MLP = "graphs/mlp.toml"


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env)


def _step_nodes(stdout: str) -> list[str]:
    """The node of each printed step: '  3. ∂L/∂f4 = …' → 'f4' (labels are ids here)."""
    return re.findall(r"^\s+\d+\. ∂L/∂(\S+) =", stdout, flags=re.M)


def _on_paths(G: nx.DiGraph, sources: list[str], target: str) -> set[str]:
    """Nodes on some path from a source to the target, by networkx (the oracle)."""
    down = set(sources).union(*(nx.descendants(G, s) for s in sources))
    return (down & (nx.ancestors(G, target) | {target})) - {target}


def test_wrt_restricts_reverse_mode_to_the_paths_from_the_named_inputs():
    G = load(MLP)[1]
    result = run("trace", MLP, "--wrt", "W1", "--wrt", "b1", "--width", "0")
    assert result.exit_code == 0, result.stderr
    steps = _step_nodes(result.stdout)
    consts = {n for n in G if G.nodes[n]["op"] == "const"}
    assert set(steps) == _on_paths(G, ["W1", "b1"], "L") - consts
    assert "W2" not in steps and "b2" not in steps and "X" not in steps
    unrestricted = _step_nodes(run("trace", MLP, "--width", "0").stdout)
    assert set(unrestricted) - set(steps) == {"W2", "b2"}


def test_data_inputs_get_no_adjoint_steps_unless_asked():
    src, G, inputs = load(MLP)
    assert src.data_inputs == {"X", "T"}
    result = run("trace", MLP, "--width", "0")
    steps = _step_nodes(result.stdout)
    parameters = ["W1", "b1", "W2", "b2"]
    assert set(steps) == _on_paths(G, parameters, "L")
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line[:1].strip()}
    assert rows["X"].rstrip().endswith("—") and rows["T"].rstrip().endswith("—")
    import json

    document = json.loads(run("trace", MLP, "--format", "json").stdout)
    assert document["skipped"] == ["X", "T"]  # said in JSON too (their adjoints are not 0)
    asked = _step_nodes(run("trace", MLP, "--wrt", "X", "--width", "0").stdout)
    assert "X" in asked and "W1" not in asked
    # the shared place: run_passes, used by trace and render alike
    (t,) = run_passes(G, inputs, "reverse", data=src.data_inputs)
    reference = ad.reverse_mode(G, inputs, wrt=parameters)
    assert [s.node for s in t.steps] == [s.node for s in reference.steps]
    for name in parameters:  # the restricted gradient is the whole gradient's
        np.testing.assert_allclose(t.derivative(name),
                                   ad.reverse_mode(G, inputs).derivative(name), rtol=1e-12)
    (f,) = run_passes(G, inputs, "forward", data=src.data_inputs)
    assert f.wrt == "W1"  # forward mode's default input is a parameter, not the data X


@pytest.mark.parametrize("how", [("--width", "80"), ("--width", "60"), ("COLUMNS", "72")])
def test_tables_fit_the_terminal(how):
    option, value = how
    if option == "COLUMNS":
        result, limit = run("trace", MLP, env={"COLUMNS": value}), int(value)
    else:
        result, limit = run("trace", MLP, option, value), int(value)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= limit
    assert any("…" in line for line in lines)  # long arrays are previewed
    G = load(MLP)[1]
    W1 = next(line for line in lines if line.startswith("W1 "))
    grad = ad.reverse_mode(G, load(MLP)[2]).derivative("W1")
    shown = W1.split("  ")[-1]  # the derivative column: first and last element are right
    numbers = [float(x.replace("−", "-")) for x in re.findall(r"−?\d+\.?\d*(?:e[−-]?\d+)?",
                                                               shown.split(" (")[0])]
    assert numbers[0] == pytest.approx(grad.flat[0], rel=1e-3)
    if ", …, " in shown:  # a preview with its last element
        assert numbers[-1] == pytest.approx(grad.flat[-1], rel=1e-3)
    assert shown.endswith("(2×4)")


def test_width_zero_means_no_limit_and_the_library_default_is_unchanged():
    wide = run("trace", MLP, "--width", "0").stdout
    assert max(len(line) for line in wide.splitlines()) > 200
    src, G, inputs = load(MLP)
    t = ad.reverse_mode(G, inputs)
    assert ad.table(t) == ad.table(t, None) and max(len(x) for x in ad.table(t).splitlines()) > 200
    assert program_of(G).inputs  # a graph file still loads as before


def test_render_runs_the_same_restricted_passes(monkeypatch, tmp_path):
    """render goes through run_passes too: --wrt W1 animates only the steps on W1's paths,
    and without it the data X and T get no steps."""
    from graphviz_ad.workflow import render_file

    seen = []

    def record(group, out, formats, **options):
        seen.append([s.node for t in group for s in t.steps])
        return []

    monkeypatch.setattr(render_file, "render", record)
    G = load(MLP)[1]
    for extra, sources in ((["--wrt", "W1"], ["W1"]), ([], ["W1", "b1", "W2", "b2"])):
        seen.clear()
        result = run("render", MLP, "--format", "svg", "--out", str(tmp_path), *extra)
        assert result.exit_code == 0, result.stderr
        assert set(seen[0]) == _on_paths(G, sources, "L")
