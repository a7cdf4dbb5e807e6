"""One JSON schema (issue 20, item 3): a trace's JSON is described once (the records in
graphviz_ad/explain/trace_json.py); its dict form (``Trace.to_dict``) and its fast streamed
text (``trace_json_chunks``) are both made from that description.  Checked equal, text for
text, on random programs (scalars and arrays, values that give nan and ±inf), every graph
file, and every kind of pass."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_properties import programs

from graphviz_ad import GraphvizAdError, evaluate, forward_mode, parse, reverse_mode
from graphviz_ad.core.program import program_of
from graphviz_ad.explain.jsontext import Layout, Record, plain, string
from graphviz_ad.explain.trace_json import trace_dict, trace_json_chunks
from graphviz_ad.frontends.sources import load

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
PROGRAM_FILES = sorted(p.name for p in GRAPHS.glob("*.toml")
                       if "program" in p.read_text(encoding="utf-8"))
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
# values that send log, sqrt, division and powers to nan and ±inf
SPECIAL = st.sampled_from([0.0, -1.0, -0.5, 1e300, -1e300, 700.0])


def passes(G, inputs):
    """Evaluation, a forward pass per input and a reverse pass per output (a few each)."""
    program = program_of(G)
    yield evaluate(G, inputs)
    for name in program.inputs[:3]:
        yield forward_mode(G, inputs, wrt=name)
    for name in program.outputs[:2]:
        yield reverse_mode(G, inputs, of=name)


def written_as_described(trace) -> dict:
    """The streamed text is, byte for byte, what json.dumps writes of the dict form."""
    document = trace_dict(trace)
    for indent in (2, None, 0):
        text = "".join(trace_json_chunks(trace, indent))
        assert text == json.dumps(document, indent=indent, ensure_ascii=False)
        assert json.loads(text) == document
    return document


@SETTINGS
@given(programs(), st.booleans(), st.dictionaries(st.sampled_from(["x", "w", "b"]), SPECIAL))
def test_random_programs_write_their_dict(program, arrays, special):
    _, text, _, env = program
    env = {**env, **special}
    if arrays:  # the same program elementwise over arrays, summed to one output
        text = f"y = sum({text})"
        env = {k: np.array([v, v / 2 + 0.25, -v]) for k, v in env.items()}
    try:
        G = parse(text)
        inputs = {n: env[n] for n in program_of(G).inputs}
        traces = list(passes(G, inputs))
    except GraphvizAdError:
        assume(False)
    for trace in traces:
        written_as_described(trace)


@pytest.mark.parametrize("name", PROGRAM_FILES)
def test_every_graph_file_writes_its_dict(name):
    _, G, inputs = load(GRAPHS / name)
    for trace in passes(G, inputs):
        written_as_described(trace)


def test_every_optional_member_is_written_as_described():
    """Not vacuous: params, nonfinite and noise (nodes and steps), a seed, skipped nodes."""
    cases = [
        forward_mode(parse("y = x*0.1 + x*0.2 - x*0.3"), {"x": 2.0}, wrt="x"),  # noise
        evaluate(parse("y = (x + 0.2) - 0.3"), {"x": np.array([0.1, 1.0])}),  # per element
        reverse_mode(parse("y = sum(sum(A, axis=1)*v)"),  # params
                     {"A": np.arange(6.0).reshape(2, 3), "v": np.array([1.0, -2.0])}),
        reverse_mode(parse("y = log(x - x) + 1/x"), {"x": 0.0}),  # nonfinite, nan and inf
        forward_mode(parse("y = sum(x*x)"), {"x": np.array([1.0, 2.0])}, wrt="x"),  # seed
        reverse_mode(parse("y = x*w + b"), {"x": 1.0, "w": 2.0, "b": 3.0}, wrt=["x"]),
    ]
    documents = [written_as_described(trace) for trace in cases]
    nodes = [entry for d in documents for entry in d["nodes"].values()]
    steps = [step for d in documents for step in d["steps"]]
    for member in ("params", "nonfinite", "noise"):
        assert any(member in entry for entry in nodes), member
    assert any("noise" in step for step in steps)
    assert any(isinstance(entry["noise"].get("value"), list) for entry in nodes
               if "noise" in entry)
    scalars = {str(entry[key]) for entry in nodes for key in ("value", "adjoint")
               if not isinstance(entry.get(key), list | None)}
    assert {"nan", "inf"} <= scalars
    assert any("seed" in d for d in documents) and any("skipped" in d for d in documents)


@given(st.lists(st.text(max_size=12), min_size=1, max_size=5, unique=True),
       st.lists(st.one_of(st.none(), st.text(max_size=8)), min_size=5, max_size=5),
       st.sampled_from([2, None, 0]))
def test_a_generated_writer_is_json_dumps_whatever_the_keys(keys, values, indent):
    """Any key (quotes, braces, ``{__import__('os')}``) is written as json.dumps writes it:
    keys reach the generated writer as values, never as source text."""
    members = [string(keys[0])] + [plain(k, optional=True) for k in keys[1:]]
    row = ["first", *values[:len(keys) - 1]]
    record = Record(members)
    step = None if indent is None else " " * indent
    text = record.writer(Layout(step, None if step is None else "\n"))(row)
    assert text == json.dumps(record.to_dict(row), indent=indent, ensure_ascii=False)


def test_a_record_opens_with_a_required_member():
    with pytest.raises(ValueError):
        Record([plain("noise", optional=True), string("name")])
