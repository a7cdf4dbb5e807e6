"""A trace's graph shares the parsed graph's structure: slotted node annotations over the
parsed node's attributes, and read-only adjacency whose edges read ``local`` from the steps."""

import math

import networkx as nx
import numpy as np
import pytest

from graphviz_ad.core.autodiff import evaluate, forward_mode, reverse_mode
from graphviz_ad.core.parse import parse


def test_forward_edges_read_their_local_from_the_target_step():
    G = parse("y = sin(x)*x")
    t = forward_mode(G, {"x": 0.5})
    f1 = next(n for n in G if G.nodes[n]["op"] == "sin")
    assert float(t.graph.edges["x", f1]["local"]) == pytest.approx(math.cos(0.5))
    assert float(t.graph.pred[f1]["x"]["local"]) == pytest.approx(math.cos(0.5))
    assert float(t.graph.edges["x", "y"]["local"]) == pytest.approx(math.sin(0.5))
    assert float(t.graph.edges[f1, "y"]["local"]) == 0.5
    assert [(u, v) for u, v in t.graph.edges] == [(u, v) for u, v in G.edges]


def test_evaluate_edges_have_no_local_and_nodes_no_derivative():
    G = parse("y = x^2")
    t = evaluate(G, {"x": 3.0})
    assert all("local" not in d for _, _, d in t.graph.edges(data=True))
    assert t.graph.nodes["y"]["value"] == 9.0
    assert "adjoint" not in t.graph.nodes["y"] and "tangent" not in t.graph.nodes["y"]


def test_node_annotations_read_write_and_copy_like_dicts():
    G = parse("y = log(x)")
    t = reverse_mode(G, {"x": -1.0})
    d = t.graph.nodes["y"]
    assert np.isnan(d["value"]) and d["nonfinite"] is True and d.get("missing", 7) == 7
    assert set(d) == set(G.nodes["y"]) | {"value", "adjoint", "nonfinite"}
    assert len(d) == len(set(d))
    d["note"] = "kept"
    assert t.graph.nodes["y"]["note"] == "kept" and "note" not in G.nodes["y"]
    with pytest.raises(KeyError):
        del d["op"]
    plain = t.graph.copy()
    assert type(plain.nodes["y"]) is dict and plain.nodes["y"]["note"] == "kept"
    assert nx.is_directed_acyclic_graph(t.graph) and list(t.graph.predecessors("y")) == ["x"]


def test_trace_structure_is_read_only_and_traces_are_independent():
    G = parse("y = x*x")
    t1, t2 = reverse_mode(G, {"x": 1.0}), reverse_mode(G, {"x": 3.0})
    assert float(t1.graph.edges["x", "y"]["local"]) == 2.0
    assert float(t2.graph.edges["x", "y"]["local"]) == 6.0
    with pytest.raises(TypeError):
        t1.graph.add_edge("y", "x")
    assert "local" not in G.edges["x", "y"] and "value" not in G.nodes["x"]
