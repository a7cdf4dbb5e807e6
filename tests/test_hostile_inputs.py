"""Hostile and broken inputs (issue 8): every case ends in one `graphviz-ad: error:` line,
exit 2, no traceback; input files are read with a bound; re-binding stays linear."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from graphviz_ad.cli import main
from graphviz_ad.cli.common import MAX_MESSAGE_LINE
from graphviz_ad.core.errors import GraphvizAdError, source_lines, visible
from graphviz_ad.core.parse import parse
from graphviz_ad.core.program import program_of


def run(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def assert_one_error(result, *fragments: str) -> str:
    """Exit 2, nothing on stdout, exactly one error line (plus caret lines), no traceback;
    returns the error text."""
    assert result.exit_code == 2, (result.output, result.stderr, result.exception)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.rstrip("\n").split("\n")
    assert lines[0].startswith("graphviz-ad: error: ")
    assert sum(ln.startswith("graphviz-ad:") for ln in lines) == 1
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    return result.stderr


def graph_file(tmp_path: Path, text: str, name: str = "g.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- files that are not files ----------------------------------------------------------

def test_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    assert_one_error(run("trace", str(fifo)), "not a regular file")  # O_NONBLOCK: no hang


def test_link_to_dev_zero_is_refused(tmp_path):
    for name in ("zero.toml", "zero.txt"):
        (tmp_path / name).symlink_to("/dev/zero")
        assert_one_error(run("trace", str(tmp_path / name)), "not a regular file")
    (tmp_path / "z.csv").symlink_to("/dev/zero")
    assert_one_error(run("trace", "sum(z)", "--data", str(tmp_path / "z.csv")),
                     "not a regular file")


def test_input_size_limit_and_option(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("y = x*x\n" + "#" * 1_200_000 + "\n")
    assert_one_error(run("--max-input-mb", "1", "trace", str(path), "--at", "x=1"),
                     "file too large (limit 1,000,000 bytes", "--max-input-mb")
    assert run("--max-input-mb", "2", "trace", str(path), "--at", "x=1").exit_code == 0
    assert_one_error(run("--max-input-mb", "1", "trace", "-", "--at", "x=1",
                         input="y = x\n" + "#" * 1_200_000), "stdin: too large")


# -- bytes and characters -------------------------------------------------------------

def test_non_utf8_argument_is_one_line():
    # a non-UTF-8 byte on the command line arrives as a lone surrogate (surrogateescape)
    assert_one_error(run("trace", "x\udcff+1", "--at", "x=1"), "not UTF-8", "0xff")


def test_latin1_graph_file(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes("title = 'café'\nprogram = 'y = x'\n".encode("latin-1"))
    assert_one_error(run("trace", str(path), "--at", "x=1"), "not UTF-8 text", "0xe9")


@pytest.mark.parametrize("separator", ["\r", "\u2028", "\x85", "\x0c", "\x1c"])
def test_caret_stays_on_the_parser_line(separator):
    # the parser ends lines only at \n; the caret must point into the line it names
    source = f"a = 1{separator}b = 2\nc = (a +"
    with pytest.raises(GraphvizAdError) as info:
        parse(source)
    err = info.value
    text = str(err)
    shown = text.split("\n")
    assert len(shown) == 3  # message, source line, caret: the separator printed escaped
    assert separator not in text
    assert shown[1] == "  " + visible(source_lines(source)[err.line - 1])
    assert shown[2].index("^") - 2 == len(visible(source_lines(source)[err.line - 1]
                                                  [:err.column - 1]))


def test_terminal_escapes_are_shown_escaped():
    result = run("trace", "y = x\x1b[31m + 1\u202e", "--at", "x=1")
    text = assert_one_error(result, "\\x1b")
    assert "\x1b" not in text and "\u202e" not in text


def test_file_names_with_escapes_are_shown_escaped(tmp_path):
    name = tmp_path / "evil\x1b]0;pwned\x07.toml"
    text = assert_one_error(run("trace", str(name)), "no such file")
    assert "\x1b" not in text and "\x07" not in text


def test_long_values_are_not_echoed_whole():
    nested = "[" * 30_000 + "1" + "]" * 30_000
    text = assert_one_error(run("trace", "sum(x)", "--at", f"x={nested}"), "more characters")
    assert max(len(line) for line in text.split("\n")) < MAX_MESSAGE_LINE + 80


# -- numbers --------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "[1, NaN]", "[1, Infinity]"])
def test_non_finite_at_is_refused_like_lists(value):
    assert_one_error(run("trace", "sum(x)", "--at", f"x={value}"), "finite")


@pytest.mark.parametrize("body, fragment", [
    ("x = " + "[" * 600 + "1" + "]" * 600, "nested too deeply"),
    ("x = 1" + "0" * 400, "too large"),
    ("x = [1" + "0" * 400 + ", 2]", "too large"),
    ("x = 1" + "0" * 4400, "too large"),
    ("x = '1'", "got '1'"),
    ("x = nan", "nan or inf"),
    ("x = true", "got True"),
    ("x = " + "[" * 40 + "1" + "]" * 40, "nested more than 32"),
])
def test_bad_input_values_in_graph_files(tmp_path, body, fragment):
    path = graph_file(tmp_path, f"program = 'y = sum(x)'\n[inputs]\n{body}\n")
    assert_one_error(run("trace", path), fragment)


@pytest.mark.parametrize("table, fragment", [
    ("x = {uniform = [-1e308, 1e308], size = 3}", "spans more than a float"),
    ("x = {normal = [0, 1e308], size = 1000, seed = 1}", "overflow"),
    ("x = {normal = [0, 1], size = 0}", "positive integer"),
])
def test_bad_draws(tmp_path, table, fragment):
    path = graph_file(tmp_path, f"program = 'y = sum(x)'\n[data]\n{table}\n")
    assert_one_error(run("trace", path), fragment)


@pytest.mark.parametrize("line, fragment", [
    ("cse = 'no'", "cse = 'no': must be true or false"),
    ("mode = 'sideways'", "mode = 'sideways'"),
    ("wrt = 3", "wrt = 3"),
    ("title = 3", "title must be a string"),
    ("[render]\nframe_ms = 1e12", "frame_ms = 1000000000000.0"),
    ("[render]\nframe_ms = 'abc'", "frame_ms = 'abc'"),
    ("[render]\nframe_ms = 0", "from 100 to 60,000"),
    ("[render]\nrankdir = 'up'", "rankdir = 'up'"),
    ("[render]\nshow_constants = 'yes'", "true or false"),
    ("[render]\nbogus = 1", "unknown key 'bogus'"),
])
def test_graph_file_settings_are_checked(tmp_path, line, fragment):
    path = graph_file(tmp_path, f"program = 'y = x*x'\n{line}\n")
    assert_one_error(run("trace", path, "--at", "x=1"), fragment)
    assert not (tmp_path / "render").exists()


def test_good_settings_still_load(tmp_path):
    path = graph_file(tmp_path, "program = 'y = x*x'\ncse = false\nwrt = 'x'\n"
                                "[inputs]\nx = 2\n[render]\nframe_ms = 1500.0\n")
    result = run("trace", path, "--mode", "forward")
    assert result.exit_code == 0, result.stderr
    assert "4" in result.stdout


# -- data files -------------------------------------------------------------------------

def test_npz_named_npy(tmp_path):
    np.savez(tmp_path / "a.npz", x=np.ones(3))
    os.replace(tmp_path / "a.npz", tmp_path / "x.npy")
    assert_one_error(run("trace", "sum(x)", "--data", str(tmp_path / "x.npy")), ".npz archive")


@pytest.mark.parametrize("command", ["trace", "check", "jacobian", "hessian"])
def test_empty_npy(tmp_path, command):
    np.save(tmp_path / "x.npy", np.array([]))
    assert_one_error(run(command, "sum(x*x)", "--data", f"x={tmp_path / 'x.npy'}",
                         *(["--wrt", "x"] if command in ("jacobian", "hessian") else [])),
                     "empty")


def test_pickled_npy_is_never_unpickled(tmp_path):
    np.save(tmp_path / "x.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    assert_one_error(run("trace", "sum(x)", "--data", str(tmp_path / "x.npy")), "x.npy")


def test_non_finite_npy(tmp_path):
    np.save(tmp_path / "x.npy", np.array([1.0, np.nan]))
    assert_one_error(run("trace", "sum(x)", "--data", str(tmp_path / "x.npy")), "nan or inf")


# -- numerics ---------------------------------------------------------------------------

def test_numpy_warnings_are_not_printed_raw():
    result = run("check", "exp(x)", "--at", "x=1000")
    assert "RuntimeWarning" not in result.stderr


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_derivative_through_a_domain_error_is_flagged(mode):
    result = run("trace", "log(x)", "--at", "x=-1", "--mode", mode)
    assert result.exit_code == 0
    kind = "adjoint" if mode == "reverse" else "tangent"
    assert f"{kind} = −1 (meaningless: computed through y = log(x), which is nan" in \
        result.stderr


def test_finite_derivative_downstream_of_a_nan_input_is_not_blamed():
    # y = f2 + x: ∂y/∂f2 = 1 does not use a partial of log; only log's own partial is suspect
    result = run("trace", "y = sin(log(x)) + x", "--at", "x=-1")
    assert "f2 = sin(f1) gives value = nan\n" in result.stderr


# -- re-binding (its linear cost is measured in benchmarks/bench_rebinding.py) -----------

def _rebinding_program(n: int) -> str:
    return "acc = x\n" + "".join(f"h = sin(acc)*{i}\nacc += h\n" for i in range(n))


def test_rebinding_names_versions_in_order():
    G = parse(_rebinding_program(300))
    assert "h#299" in G and "h" in G and "acc#300" in G and program_of(G).outputs == ("acc",)
    assert G.nodes["acc#300"]["label"] == "acc⁽³⁰⁰⁾" and G.nodes["acc"]["label"] == "acc"


@pytest.mark.parametrize("program, line, column", [
    ("y = x * 2\nL = sum(y - t)", 2, 9),        # a re-read name: at its use, not its definition
    ("y = x * 2; L = sum(y - t)", 1, 20),
    ("y = t + 1\nL = sum(x - t)", 2, 9),        # an input read again
    ("y = sum(x - t)", 1, 9),                   # first use
])
def test_a_shape_error_points_at_the_expression(program, line, column):
    """The caret of a broadcast error on ``y - t`` is under that expression, wherever y and
    t were defined or first read."""
    result = CliRunner().invoke(main, ["trace", program, "--at", "x=[1,2,3]", "--at",
                                       "t=[1,2]"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    at = next(k for k, text in enumerate(lines) if text.startswith("graphviz-ad: error:"))
    first, shown, caret = lines[at:at + 3]
    assert first.startswith(f"graphviz-ad: error: {line}:{column}:"), first
    assert shown.strip() == program.splitlines()[line - 1]
    assert caret.index("^") - (len(shown) - len(shown.lstrip())) == column - 1
