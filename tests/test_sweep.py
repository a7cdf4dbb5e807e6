"""The one sweep in reverse: its three algebras (numbers, graph nodes, counts) agree."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from graphviz_ad import parse, reverse_mode
from graphviz_ad.core.autodiff import values_at
from graphviz_ad.core.build import GraphBuilder
from graphviz_ad.core.calculus import cost
from graphviz_ad.core.modes import Mode
from graphviz_ad.core.ops import PRIMITIVES
from graphviz_ad.core.parse import parse_rule
from graphviz_ad.core.program import attach, program_of
from graphviz_ad.core.rules import partial_graph
from graphviz_ad.core.sweep import CountAlgebra, GraphAlgebra, sweep
from graphviz_ad.frontends.sources import load

ROOT = Path(__file__).resolve().parent.parent
GRAPHS = sorted(p for p in (ROOT / "graphs").glob("*.toml")
                if "program" in p.read_text(encoding="utf-8"))
PROGRAMS = [
    ("c = x + 1; c = c*c; c *= 2", {"x": 3.0}),
    ("y = sum(x*x) + x[1]*w", {"x": np.array([1.0, -2.0, 0.5]), "w": 2.0}),
    ("s = softmax(z*w); y = s[0] + mean(z)/w", {"z": np.array([0.3, -1.0, 2.0]), "w": 1.5}),
    ("y = sum(sum(a*b + c))", {"a": np.array([[1.0], [2.0]]), "b": np.array([[0.5, -1.0, 3.0]]),
                               "c": 0.25}),
]


def _cases():
    for path in GRAPHS:
        _, G, inputs = load(str(path))
        for of in program_of(G).outputs:
            yield pytest.param(G, inputs, of, id=f"{path.stem}-{of}")
    for source, inputs in PROGRAMS:
        G = parse(source)
        yield pytest.param(G, inputs, program_of(G).outputs[0], id=source)


@pytest.mark.parametrize("G, inputs, of", list(_cases()))
def test_graph_algebra_evaluates_to_the_number_algebra(G, inputs, of):
    """Every adjoint the graph algebra writes, evaluated, is reverse mode's number."""
    numbers = reverse_mode(G, inputs, of=of)
    b = GraphBuilder.from_graph(G)
    d = G.nodes[of]
    seed = b.const(1.0, None, (d["line"], d["column"]))
    written = sweep(G, {of: seed}, GraphAlgebra(G, b, Mode.REVERSE))
    H = b.to_graph("g", drop_unused=False)
    attach(H, replace(program_of(H), inputs=program_of(G).inputs))
    values = values_at(H, inputs)
    seed = np.ones(np.shape(values[of]))  # reverse mode seeds an array output with ones
    for n, node in written.items():
        got = np.broadcast_to(values[b.ids[node]], np.shape(values[n])) if n != of else seed
        np.testing.assert_allclose(got, numbers.derivative(n), rtol=1e-12, atol=1e-12,
                                   err_msg=f"adjoint of {n}")


@pytest.mark.parametrize("G, inputs, of", list(_cases()))
def test_count_algebra_counts_the_rules_products_and_sums(G, inputs, of):
    """per_sweep = ops + partial ops per edge position + 1 product per elementwise edge
    (a linear map's VJP ops instead) + consumers−1 additions per node, counted here
    directly on the parsed rule texts."""
    nodes = G.nodes
    want = 0
    for n in program_of(G).order:
        if nodes[n]["op"] == "const":
            continue
        consumers = G._succ[n]
        want += max(0, len(consumers) - 1)
        for consumer, edge in consumers.items():
            prim = PRIMITIVES[nodes[consumer]["op"]]
            want += not prim.linear  # the chain-rule product of an elementwise op
            for p in edge["positions"]:
                P = parse_rule(prim.vjp[p]) if prim.linear else partial_graph(prim.name, p)
                want += sum(P.nodes[m]["op"] not in ("input", "const", "id") for m in P)
    counter = CountAlgebra(G, Mode.REVERSE)
    sweep(G, {}, counter)
    assert counter.count == want
    ops = sum(nodes[n]["op"] not in ("input", "const") for n in G)
    assert cost(G).per_sweep == ops + want


def test_gradient_of_a_graph_file_against_central_differences():
    _, G, inputs = load(str(ROOT / "graphs" / "problem8.toml"))
    grad = reverse_mode(G, inputs, of="L").gradient()
    h = 1e-6
    for name in ("phi0", "phi1"):
        plus = values_at(G, {**inputs, name: inputs[name] + h})["L"]
        minus = values_at(G, {**inputs, name: inputs[name] - h})["L"]
        assert float(grad[name]) == pytest.approx((plus - minus) / (2 * h), rel=1e-6)


def test_one_builder_names_gradient_nodes_like_parse_names_intermediates():
    """gradient_graph goes through the parser's builder: new nodes are g1, g2, … skipping
    names already taken (a user's g1), shared, folded, and labelled like parsed nodes."""
    from graphviz_ad.core.calculus import gradient_graph

    G = parse("g1 = a*b; y = g1*1 + 0 + g1")
    H = gradient_graph(G, wrt=["a", "b"])
    new = [n for n in program_of(H).order if n not in G]
    assert all(not n.startswith("g1#") for n in new)
    assert "g2" in new and all("label" in H.nodes[n] for n in new)
    assert [H.nodes[o]["op"] for o in program_of(H).outputs] == ["id", "id"]
    values = values_at(H, {"a": 3.0, "b": 5.0})
    assert [float(values[o]) for o in program_of(H).outputs] == [10.0, 6.0]
