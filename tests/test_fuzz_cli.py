"""Fuzzing the CLI (issue 8): random sources, graph files and argument lists go through
click's runner; whatever the input, the result is a normal exit (0, 1 for a failed check,
2 for bad input) with at most one error line, never a traceback, and nothing is written
outside the output directory.  The budget is bounded (a few hundred examples)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphviz_ad.cli import main

TOKENS = ["x", "y", "w", "b", "z", "f1", "1", "2.5", "-3", "1e400", "0", "+", "-", "*", "/",
          "^", "**", "(", ")", "[", "]", ",", "=", "+=", ";", "\n", " ", "sin", "exp", "log",
          "sum", "mean", "dot", "softmax", "relu", "sqrt", "tanh", "s[0]", "#c\n", "\\\n",
          "import", "__x__", "lambda", "'", "\x00", "\x1b[31m", "\r", "\u2028", "\udcff",
          "é", "∂"]
SOURCES = st.one_of(
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=30).map("".join),
    st.text(min_size=1, max_size=40),
    st.sampled_from(["y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)", "x*w + b",
                     "a = x; a += a; a *= a", "sum(softmax(z))", "log(x)", "sqrt(x - 1)"]),
)
SCALARS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**500, 10**500),
                    st.sampled_from(["1", "abc", "", "[1,2]", "nan", "1e999"]))
VALUE_TEXT = st.one_of(
    SCALARS.map(str),
    st.lists(st.floats(-1e3, 1e3), min_size=0, max_size=4).map(str),
    st.integers(0, 60).map(lambda d: "[" * d + "1" + "]" * d),
    st.text(max_size=12),
)


def toml_value(value: object) -> str:
    """A TOML literal for ``value`` (strings quoted, anything odd passed as a string)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(str(value), repr(value))
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    text = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text
                   if not 0xD800 <= ord(ch) < 0xE000)
    return f'"{text}"'


LEAVES = st.one_of(st.booleans(), st.integers(-10**30, 10**30), st.floats(), st.text(max_size=8))
HOSTILE = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
PROGRAMS = st.sampled_from(["y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)",
                            "y = x*w + sin(x)", "y = sum(softmax(x))*w", "a = x; a += w; y = a*a",
                            "L = sum((w*x - 1)^2)", "y = log(x) + sqrt(w)", "y = x / w"])
GOOD = {
    "mode": st.sampled_from(["evaluate", "forward", "reverse", "both"]),
    "wrt": st.sampled_from(["x", "w", ["x", "w"]]), "of": st.sampled_from(["y", "L", "a"]),
    "cse": st.booleans(), "title": st.text(max_size=30), "rankdir": st.sampled_from(["LR", "TB"]),
    "frame_ms": st.integers(100, 60_000), "slide": st.sampled_from(["16:9", "4:3"]),
    "show_constants": st.booleans(),
}
NUMBERS = st.one_of(st.floats(-5, 5), st.lists(st.floats(-5, 5), min_size=1, max_size=4))


def maybe_hostile(draw, good) -> object:
    """Usually a sensible value, one time in ten a hostile one."""
    return draw(HOSTILE) if draw(st.integers(0, 9)) == 9 else draw(good)


@st.composite
def graph_files(draw) -> str:
    """Mostly well-formed graph files, some values hostile; sometimes raw text."""
    if draw(st.integers(0, 19)) == 19:
        return draw(st.text(max_size=80))
    program = draw(SOURCES) if draw(st.integers(0, 9)) == 9 else draw(PROGRAMS)
    lines = [f"program = {toml_value(program)}"]
    for key in draw(st.sets(st.sampled_from(["title", "mode", "wrt", "of", "cse", "title"]),
                            max_size=3)):
        lines.append(f"{key} = {toml_value(maybe_hostile(draw, GOOD.get(key, HOSTILE)))}")
    lines.append("[inputs]")
    for name in draw(st.sets(st.sampled_from(["x", "w", "q"]), max_size=1)) | {"x", "w"}:
        lines.append(f"{name} = {toml_value(maybe_hostile(draw, NUMBERS))}")
    lines.append("[render]")
    for key in draw(st.sets(st.sampled_from(["rankdir", "frame_ms", "slide", "show_constants"]),
                            max_size=2)):
        lines.append(f"{key} = {toml_value(maybe_hostile(draw, GOOD[key]))}")
    if draw(st.integers(0, 4)) == 4:
        lines.append("[data]")
        lines.append(f"x = {{normal = {toml_value(maybe_hostile(draw, st.just([0, 1])))}, "
                     f"size = {draw(st.integers(-2, 50))}}}")
    return "\n".join(lines) + "\n"


COMMANDS = st.sampled_from(["trace", "check", "jacobian", "hessian", "cost", "render"])
GOOD_OPTIONS = st.sampled_from([["--mode", "forward"], ["--mode", "reverse"], ["--wrt", "x"],
                                 ["--of", "y"], ["--format", "json"], ["--no-cse"]])
BAD_OPTIONS = st.one_of(
    VALUE_TEXT.map(lambda v: ["--at", f"x={v}"]),
    st.sampled_from(["w", "b", "q", "z", "x x", "2x"]).flatmap(
        lambda n: VALUE_TEXT.map(lambda v: ["--at", f"{n}={v}"])),
    st.sampled_from([["--mode", "both"], ["--mode", "sideways"], ["--wrt", "nope"],
                     ["--of", "zz"], ["--format", "markdown"], ["--format", "latex"],
                     ["--format", "bogus"], ["--data", "missing.csv"], ["--slide", "16:9"],
                     ["--slide", "0:0"]]),
)
OPTIONS = st.lists(st.one_of(GOOD_OPTIONS, GOOD_OPTIONS, GOOD_OPTIONS, BAD_OPTIONS), max_size=3)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in root.rglob("*")}


def invoke(args: list[str], workdir: Path):
    # render output goes to workdir/out; everything else in workdir must stay unchanged
    if args[0] == "render":
        args = [*args, "--format", "svg", "--out", str(workdir / "out")]
    before = snapshot(workdir)
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        result = CliRunner().invoke(main, args, catch_exceptions=True)
    finally:
        os.chdir(cwd)
    after = {k: v for k, v in snapshot(workdir).items() if not k.startswith("out")}
    return result, before, after


def assert_clean(result, args) -> None:
    where = f"args={args!r}\nstderr={result.stderr[-2000:]!r}"
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{where}\nexception={result.exception!r}"
    assert result.exit_code in (0, 1, 2), where
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, where
    errors = [ln for ln in result.stderr.split("\n") if ln.startswith("graphviz-ad: error:")]
    assert len(errors) == (result.exit_code == 2), where


# FUZZ_EXAMPLES=5000 runs a longer, randomized hunt; the suite runs a fixed, short one
EXAMPLES = os.environ.get("FUZZ_EXAMPLES")
FUZZ = settings(max_examples=int(EXAMPLES or 120), deadline=None, derandomize=not EXAMPLES,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(command=COMMANDS, source=SOURCES, options=OPTIONS)
def test_random_sources_and_arguments(command, source, options):
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        args = [command, source, *[part for option in options for part in option]]
        result, before, after = invoke(args, workdir)
        assert_clean(result, args)
        assert after == before


@FUZZ
@given(command=COMMANDS, text=graph_files(), options=OPTIONS)
def test_random_graph_files(command, text, options):
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "g.toml").write_text(text, encoding="utf-8", errors="surrogatepass")
        args = [command, str(workdir / "g.toml"), *[part for o in options for part in o]]
        result, before, after = invoke(args, workdir)
        assert_clean(result, args)
        assert after == before


LAYER_VALUES = st.one_of(st.integers(-3, 12).map(str), st.sampled_from(
    ["same", "valid", "1:2", "3x3", "0", "-1", "1e9", "10" * 20, "x", "", "3x" * 40, "\x1b"]))
GOOD_LAYER = st.tuples(st.integers(1, 7), st.integers(1, 3), st.integers(1, 3)).map(
    lambda ksd: f"k={ksd[0]},s={ksd[1]},d={ksd[2]}")
HOSTILE_LAYER = st.lists(st.tuples(st.sampled_from(["k", "s", "d", "p", "kind", "n", "zz"]),
                                   LAYER_VALUES), min_size=1, max_size=3).map(
    lambda pairs: ",".join(f"{key}={value}" for key, value in pairs))
LAYERS = st.one_of(GOOD_LAYER, GOOD_LAYER, GOOD_LAYER, HOSTILE_LAYER)
RF_OPTIONS = st.lists(st.sampled_from([
    ["--format", "table"], ["--format", "json"], ["--format", "svg"], ["--format", "dot"],
    ["--paths"], ["--unit", "0"], ["--unit", "-5"], ["--input-size", "16"],
    ["--input-size", "0"], ["--axis", "1"], ["--max-units", "3"]]), max_size=3)


@FUZZ
@given(layers=st.lists(LAYERS, min_size=1, max_size=4), options=RF_OPTIONS)
def test_random_conv_stacks(layers, options):
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        args = ["rf", *[part for k in layers for part in ("--layer", k)],
                *[part for option in options for part in option], "--out", str(workdir / "out")]
        result, before, after = invoke(args, workdir)
        assert_clean(result, args)
        assert after == before


# -- the teaching kit: worksheets and grading (issue 18) ------------------------------------

GRAPH_FILES = sorted(str(p) for p in (Path(__file__).resolve().parents[1] / "graphs").glob(
    "*.toml"))
_BLANK_IDS: dict[str, list[str]] = {}


def blank_ids(path: str) -> list[str]:
    """The blank ids of variant 1 of a shipped graph file (made once per file)."""
    if path not in _BLANK_IDS:
        from graphviz_ad.teach.build import Options, one_sheet  # deferred: teach only here
        _BLANK_IDS[path] = [b.id for b in one_sheet(path, 1, Options(seed=1)).blanks]
    return _BLANK_IDS[path]


NUMERAL = st.one_of(
    st.from_regex(r"[+\-−]?[0-9]{0,12}(\.[0-9]{0,12})?([eE][+-]?[0-9]{1,5})?", fullmatch=True),
    st.sampled_from(["0e400", "1e" + "9" * 5000, "100e309", "nan", "-inf", "١٢", "1_0", "",
                     "e", "[", "]", "{}", "null", "true", '"1"', "1" * 200]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr))


@st.composite
def answer_texts(draw) -> str:
    """A numeral, or a nested list of them of random (possibly ragged) shape and depth."""
    depth = draw(st.integers(0, 12))
    if depth == 0:
        return draw(NUMERAL)
    if draw(st.integers(0, 9)) == 9:
        return "[" * depth + draw(NUMERAL) + "]" * depth
    width = draw(st.integers(0, 6))
    rows = [draw(answer_texts()) if draw(st.integers(0, 3)) == 0 else draw(NUMERAL)
            for _ in range(width)] if depth < 4 else [draw(NUMERAL)]
    return "[" + ", ".join(r or "0" for r in rows) + "]"


@st.composite
def answer_files(draw, path: str) -> tuple[str, str]:
    """(suffix, text) of an answer file for ``path``: real and made-up blank names."""
    names = draw(st.lists(st.one_of(st.sampled_from(blank_ids(path)),
                                    st.text(max_size=6)), max_size=8))
    answers = [(n, draw(answer_texts())) for n in names]
    if draw(st.booleans()):
        body = ", ".join(f"{json_text(n)}: {a}" for n, a in answers)
        return ".json", "{" + body + "}"
    rows = ["blank,answer"] + [f"{csv_text(n)},{csv_text(a)}" for n, a in answers]
    return ".csv", "\n".join(rows) + "\n"


def json_text(text: str) -> str:
    import json  # deferred: only the teach fuzz writes JSON
    return json.dumps(text)


def csv_text(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


TEACH_FUZZ = settings(max_examples=int(EXAMPLES or 80), deadline=None,
                      derandomize=not EXAMPLES,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@TEACH_FUZZ
@given(data=st.data(), path=st.sampled_from(GRAPH_FILES))
def test_random_answers_against_every_graph_file(data, path):
    suffix, text = data.draw(answer_files(path))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / f"a{suffix}").write_text(text, encoding="utf-8", errors="surrogatepass")
        args = ["grade", path, "--seed", "1", "--answers", str(workdir / f"a{suffix}"),
                "--format", data.draw(st.sampled_from(["report", "gradescope"]))]
        result, before, after = invoke(args, workdir)
        assert_clean(result, args)
        assert after == before


RANGE_ENDS = st.one_of(st.floats(-3, 3).map(repr), st.sampled_from(
    ["-1e308", "1e308", "1e20", "-1e20", "0", "0.5", "nan", "inf", "x", "", "1e400"]))
WORKSHEET_OPTIONS = st.lists(st.one_of(
    st.tuples(st.sampled_from(["x", "w", "unit", "q", "1.kernel", "x.y"]), RANGE_ENDS,
              RANGE_ENDS).map(lambda t: ["--vary", f"{t[0]}={t[1]}:{t[2]}"]),
    st.integers(-1, 8).map(lambda d: ["--decimals", str(d)]),
    st.integers(-1, 4).map(lambda n: ["--variants", str(n)]),
    st.sampled_from([["--blank", "steps"], ["--blank", "values,adjoints"], ["--blank", "r"],
                     ["--blank", "bogus"], ["--seed", "3"], ["--seed", "-1"],
                     ["--format", "md"], ["--format", "html"]])), max_size=3)


@settings(max_examples=int(EXAMPLES or 30), deadline=None, derandomize=not EXAMPLES,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(source=st.one_of(st.sampled_from(GRAPH_FILES), graph_files()),
       options=WORKSHEET_OPTIONS)
def test_random_worksheets(source, options):
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if source not in GRAPH_FILES:
            (workdir / "g.toml").write_text(source, encoding="utf-8", errors="surrogatepass")
            source = str(workdir / "g.toml")
        flat = [part for option in options for part in option]
        if "--format" not in flat:
            flat += ["--format", "md"]
        args = ["worksheet", source, *flat, "--out", str(workdir / "out")]
        result, before, after = invoke(args, workdir)
        assert_clean(result, args)
        assert after == before
        out = workdir / "out"
        if result.exit_code != 0:  # all or nothing
            assert not out.exists() or not any(out.iterdir()), args
