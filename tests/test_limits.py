"""Size guards and hostile inputs (issue 8, items 4 and 6): every limit is checked before the
heavy work, names its number (and the option that raises it), and ends in one
``graphviz-ad: error:`` line with exit code 2, no traceback and no output directory."""

from __future__ import annotations

import os
import stat
import subprocess
import xml.dom.minidom
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from graphviz_ad.cli import main
from graphviz_ad.draw import graphviz_run
from graphviz_ad.draw.compose import MAX_TITLE
from graphviz_ad.draw.template import xml_safe
from graphviz_ad.receptive import layers as receptive_layers
from graphviz_ad.receptive import spec as receptive_spec

needs_dot = pytest.mark.skipif(
    subprocess.run(["which", "dot"], capture_output=True).returncode != 0,
    reason="Graphviz 'dot' missing")


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def refused(result, *words: str) -> str:
    """Assert one error line (plus, for a TOML position, the indented source line and its
    caret), exit 2, no traceback, each of ``words`` in it; return it."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    lines = result.stderr.rstrip("\n").splitlines()
    assert lines[0].startswith("graphviz-ad: error: "), result.stderr
    assert len(lines) == 1 or (len(lines) == 3 and lines[2].strip() == "^"), result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


# -- rf ----------------------------------------------------------------------------------------

def test_rf_drawing_width_is_refused_before_enumerating_units(tmp_path):
    out = tmp_path / "out"
    result = run("rf", "--layer", "k=1000000000", "--format", "svg", "--out", out)
    refused(result, "1,000,000,000 units wide", "limit 100", "--max-units")
    assert not out.exists()


def test_rf_max_units_raises_the_width_limit(tmp_path):
    args = ["rf", "--layer", "k=3", "--input-size", "120", "--format", "dot"]
    refused(run(*args, "--out", tmp_path / "a"), "120 units wide", "--max-units 120")
    assert not (tmp_path / "a").exists()
    assert run(*args, "--out", tmp_path / "b", "--max-units", "130").exit_code == 0


@pytest.mark.parametrize("layers", [["k=1000000000"], ["k=3", "k=1000000000"]],
                         ids=["one-layer", "huge-kernel-above"])
def test_rf_table_of_a_huge_kernel_is_instant(layers):
    result = run("rf", *(x for k in layers for x in ("--layer", k)))
    assert result.exit_code == 0, result.output
    assert "receptive field 100000000" in result.stdout


def test_rf_layer_count_is_refused_at_load(monkeypatch, tmp_path):
    monkeypatch.setattr(receptive_layers, "MAX_LAYERS", 5)
    refused(run("rf", *["--layer", "k=3"] * 6), "6 layers", "limit of 5")
    spec = tmp_path / "deep.toml"
    spec.write_text("[[layers]]\nkernel = 3\n" * 6)

    def no_parsing(*_):
        raise AssertionError("the layers were parsed before being counted")

    monkeypatch.setattr(receptive_spec.tomllib, "loads", no_parsing)
    refused(run("rf", spec), "6 layers", "limit of 5")


def test_rf_15000_stride_2_layers_is_one_line(tmp_path):
    spec = tmp_path / "strided.toml"
    spec.write_text("[[layers]]\nkernel = 3\nstride = 2\n" * 15_000)
    refused(run("rf", spec), "15000 layers", "10,000")


def test_rf_jump_too_large_to_print_is_one_line():
    result = run("rf", *["--layer", "k=3,s=1000000000000000"] * 70)
    refused(result, "layer 67", "jump", "digit", "10^1000")


def test_rf_latin1_file_is_one_line(tmp_path):
    spec = tmp_path / "latin.toml"
    spec.write_bytes('title = "café"\n[[layers]]\nkernel = 3\n'.encode("latin-1"))
    refused(run("rf", spec), "not UTF-8", "0xe9", "byte 12: 0xe9")


def test_rf_axis_count_is_limited():
    refused(run("rf", "--layer", "k=" + "x".join(["3"] * 40)), "40 axes", "limit of 3")


@pytest.mark.parametrize("text, words", [
    ("kernel = 1" + "0" * 400, ["401 digits", "limit of 30"]),   # --layer form below
    ("kernel = 1" + "0" * 5000, ["4,300 digits"]),
    ("kernel = 100000000000000000000", ["over the limit of 1e+15"]),
], ids=["401-digits", "5001-digits", "over-1e15"])
def test_rf_huge_integers_are_one_line(tmp_path, text, words):
    if "401" in words[0]:
        refused(run("rf", "--layer", "k=1" + "0" * 400), *words)
        return
    spec = tmp_path / "huge.toml"
    spec.write_text(f"[[layers]]\n{text}\n")
    refused(run("rf", spec), *words)


# -- jacobian, hessian, check ---------------------------------------------------------------

def test_jacobian_of_a_million_elements_is_refused_before_allocating(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros(10**6))
    result = run("jacobian", "y = sin(x)", "--data", f"x={tmp_path / 'x.npy'}", "--wrt", "x")
    refused(result, "1,000,000,000,000 entries", "limit of 1,000,000", "--max-elements")


def test_max_elements_is_an_option():
    args = ["jacobian", "y = sin(z)", "--at", "z=[1,2,3,4]", "--wrt", "z"]
    refused(run(*args, "--max-elements", "15"), "16 entries", "4 sweeps", "limit of 15")
    assert run(*args, "--max-elements", "16").exit_code == 0


def test_hessian_over_many_inputs_is_refused_before_any_sweep(tmp_path):
    np.save(tmp_path / "x.npy", np.ones(10**4))
    result = run("hessian", "y = sum(x*x*x)", "--data", f"x={tmp_path / 'x.npy'}", "--wrt", "x")
    refused(result, "100,000,000 entries", "10,000 sweeps", "--max-elements")
    refused(run("hessian", "y = sum(z*z)", "--at", "z=[1,2,3]", "--wrt", "z",
                "--max-elements", "8"), "9 entries", "limit of 8")


@pytest.mark.parametrize("command", ["jacobian", "hessian", "check"])
def test_empty_array_is_one_line(tmp_path, command):
    np.save(tmp_path / "x.npy", np.zeros(0))
    refused(run(command, "y = sum(x*x)", "--data", f"x={tmp_path / 'x.npy'}"), "empty",
            "x")


def test_check_spends_a_bounded_number_of_probes(monkeypatch, tmp_path):
    from graphviz_ad.explain import check

    monkeypatch.setattr(check, "PROBE_BUDGET", 1)
    csv = tmp_path / "d.csv"
    csv.write_text("x\n" + "\n".join(str(i / 1000) for i in range(1000)) + "\n")
    result = run("check", "L = mean((w*x - 1)^2)", "--data", csv, "--at", "w=2")
    assert result.exit_code == 0, result.output
    assert "(probed 2 of 1000 elements of x)" in result.stdout


# -- drawing ----------------------------------------------------------------------------------

@needs_dot
def test_layout_time_is_capped_and_graphviz_killed(monkeypatch, tmp_path):
    pid_file = tmp_path / "pid"
    slow = tmp_path / "dot"
    slow.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 30\n")
    slow.chmod(slow.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(graphviz_run, "find_engine", lambda engine="dot": str(slow))
    out = tmp_path / "out"
    result = run("render", "y = sin(x)", "--at", "x=1", "--format", "svg", "--out", out,
                 "--layout-timeout", "1")
    refused(result, "longer than 1 s", "--layout-timeout")
    assert not out.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_large_graphs_bound_dots_network_simplex():
    import graphviz_ad as ad
    from graphviz_ad.draw.derivatives import DerivativeFrames

    def dot(terms: int) -> str:
        G = ad.parse("y = " + "^".join(["x"] * terms))
        return DerivativeFrames([ad.reverse_mode(G, {"x": 1.0})]).dot()

    assert "nslimit" in dot(70) and "nslimit" not in dot(5)


@pytest.mark.parametrize("where", ["option", "file"])
def test_long_titles_are_refused_before_drawing(tmp_path, where):
    title = "t" * (MAX_TITLE + 1)
    out = tmp_path / "out"
    if where == "option":
        result = run("render", "y = sin(x)", "--at", "x=1", "--title", title, "--out", out)
    else:
        spec = tmp_path / "long.toml"
        spec.write_text(f'title = "{title}"\n[[layers]]\nkernel = 3\n')
        result = run("rf", spec, "--format", "svg", "--out", out)
    refused(result, f"{MAX_TITLE + 1} characters", f"limit of {MAX_TITLE}")
    assert not out.exists()


def test_xml_safe_replaces_what_xml_forbids():
    assert xml_safe("a\x00b\x01c\uffff\ufffed\te\n") == "a\ufffdb\ufffdc\ufffd\ufffdd\te\n"
    assert xml_safe("∂y/∂x 😀") == "∂y/∂x 😀"


@needs_dot
def test_control_characters_make_valid_svg(tmp_path):
    spec = tmp_path / "ctl.toml"
    spec.write_text('title = "a\\u0000b\\uFFFFc"\n[[layers]]\nkernel = 3\nname = "h\\u0001"\n')
    assert run("rf", spec, "--format", "svg", "--out", tmp_path / "rf").exit_code == 0
    result = run("render", "y = sin(x)", "--at", "x=1", "--title", "t\x01\uffff",
                 "--format", "svg", "--out", tmp_path / "render")
    assert result.exit_code == 0, result.output
    svgs = sorted(Path(tmp_path).rglob("*.svg"))
    assert len(svgs) >= 4
    for svg in svgs:
        xml.dom.minidom.parse(str(svg))  # raises on a character XML forbids
