"""Edge labels tell the truth: a forward frame shows the map the forward pass applies
along an edge (the JVP, ``dW ↦ dW · x``), a reverse frame the pullback (``G ↦ G · xᵀ``).

The oracle is independent of the display code: each expected label is printed here from
the rule table's own texts (``PRIMITIVES[op].jvp`` / ``.vjp``, parsed with Python's
``ast``), and the rule itself is checked numerically, with shapes, against central
differences (JVP) and the adjoint identity ⟨G, J·d⟩ = ⟨Jᵀ·G, d⟩ (VJP).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import graphviz_ad as ad
from graphviz_ad import parse
from graphviz_ad.core.formula import node_label
from graphviz_ad.core.ops import PRIMITIVES
from graphviz_ad.core.passes import run_passes
from graphviz_ad.draw.derivative_story import DerivativeStory, edge_key
from graphviz_ad.explain import edges as edge_text
from graphviz_ad.frontends.sources import load

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
MATRIX_FILES = ["mlp.toml", "linear-layer.toml", "problem7-matrix.toml", "problem8-matrix.toml"]
RNG = np.random.default_rng(7)
PROGRAMS = {  # programs with @ on non-square shapes, vectors on either side, indexing
    "A @ X, 2×3 by 3×4": ("F = A @ X\nL = sum(sum(F*F))",
                          {"A": RNG.normal(size=(2, 3)), "X": RNG.normal(size=(3, 4))}),
    "W @ x + b": ("z = W @ x + b\nL = sum(tanh(z))",
                  {"W": RNG.normal(size=(2, 3)), "x": RNG.normal(size=3),
                   "b": RNG.normal(size=2)}),
    "x @ A (row vector)": ("v = x @ A\nL = sum(v*v)",
                           {"x": RNG.normal(size=2), "A": RNG.normal(size=(2, 3))}),
    "A.T @ B": ("C = A.T @ B\nL = sum(sum(C))",
                {"A": RNG.normal(size=(3, 2)), "B": RNG.normal(size=(3, 4))}),
    "outer": ("M = outer(u, v)\nL = sum(sum(M*M))",
              {"u": RNG.normal(size=2), "v": RNG.normal(size=3)}),
    "indexed neuron": ("f = 1/(1 + exp(-(w[0]*x[0] + w[1]*x[1] + w[2])))",
                       {"w": np.array([2.0, -3.0, -3.0]), "x": np.array([-1.0, -2.0])}),
    "mean with axis": ("m = mean(A, axis=1)\nL = sum(m*m)", {"A": RNG.normal(size=(2, 3))}),
}

# -- the rule table's texts, printed as a lecturer writes them -------------------------
PREC = {"add": 1, "sub": 1, "mul": 2, "matmul": 2, "div": 2, "neg": 3, "post": 5, "atom": 10}


def _print(node: ast.AST, names: dict[str, str], params: dict) -> tuple[str, int]:
    """(text, precedence) of a rule expression: ``@`` → ``·``, ``*`` → ``·``, ``.T`` →
    ``ᵀ``, ``sum`` → ``Σ`` (or ``sum(…, axis=k)``), ``spread(x, …)`` → ``x·𝟙``,
    ``outer(u, v)`` → ``u · vᵀ``."""
    if isinstance(node, ast.Name):
        return names.get(node.id, node.id), PREC["atom"]
    if isinstance(node, ast.Constant):
        return str(node.value), PREC["atom"]
    if isinstance(node, ast.Attribute) and node.attr == "T":
        inner, prec = _print(node.value, names, params)
        return (f"({inner})" if prec < PREC["post"] else inner) + "ᵀ", PREC["post"]
    if isinstance(node, ast.Subscript):
        inner, _ = _print(node.value, names, params)
        index, _ = _print(node.slice, names, params)
        return f"{inner}[{index}]", PREC["post"]
    if isinstance(node, ast.BinOp):
        op, joiner = {ast.MatMult: ("matmul", " · "), ast.Mult: ("mul", "·"),
                      ast.Sub: ("sub", " − "), ast.Add: ("add", " + "),
                      ast.Div: ("div", "/")}[type(node.op)]
        prec = PREC[op]
        left, lp = _print(node.left, names, params)
        right, rp = _print(node.right, names, params)
        left = f"({left})" if lp < prec else left
        right = f"({right})" if rp <= prec and op in ("sub", "div") or rp < prec else right
        return left + joiner + right, prec
    if isinstance(node, ast.Call):
        fn = node.func.id  # type: ignore[attr-defined]
        args = [_print(a, names, params) for a in node.args]
        axis = {k.arg: params.get("axis") for k in node.keywords if "axis" in params}
        if fn == "spread":
            text, prec = args[0]
            return (f"({text})" if prec < PREC["mul"] else text) + "·𝟙", PREC["mul"]
        if fn == "onehot":
            return f"e[{args[1][0]}]", PREC["atom"]
        if fn == "outer":  # a column times a row
            return f"{args[0][0]} · {args[1][0]}ᵀ", PREC["mul"]
        if fn == "sum" and not axis:
            text, prec = args[0]
            return "Σ" + (f"({text})" if prec < PREC["atom"] else text), PREC["neg"]
        shown = [a for a, _ in args] + [f"{k}={v}" for k, v in axis.items()]
        return f"{fn}({', '.join(shown)})", PREC["atom"]
    raise AssertionError(f"no display for {ast.dump(node)}")


def _terms(node: ast.AST) -> list[ast.AST]:
    """The top-level + terms of a JVP text."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _terms(node.left) + _terms(node.right)
    return [node]


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def expected_label(G, source: str, target: str, kind: str) -> str:
    """The map a ``kind`` pass applies along source → target, from the table's text."""
    data = G.nodes[target]
    prim = PRIMITIVES[data["op"]]
    operands = [node_label(G, o) for o in data["operands"]]
    positions = [p for p, o in enumerate(data["operands"]) if o == source]
    names = {"a": operands[0], "b": operands[1] if len(operands) > 1 else "b",
             "out": node_label(G, target), "g": "G",
             "da": f"d{node_label(G, source)}", "db": f"d{node_label(G, source)}"}
    params = dict(data.get("params", ()))
    if kind == "tangent":
        terms = [t for t in _terms(ast.parse(prim.jvp, mode="eval").body)
                 if any(_mentions(t, ("da", "db")[p]) for p in positions)]
        body = " + ".join(_print(t, names, params)[0] for t in terms)
        return f"{names['da']} ↦ {body}"
    body = " + ".join(_print(ast.parse(prim.vjp[p], mode="eval").body, names, params)[0]
                      for p in positions)
    return f"G ↦ {body}"


# -- the labels the drawings show --------------------------------------------------------
def _cases():
    for name in MATRIX_FILES:
        src, graph, inputs = load(str(GRAPHS / name))
        yield name, graph, inputs, src.data_inputs
    for name, (program, inputs) in PROGRAMS.items():
        yield name, parse(program), inputs, ()


CASES = list(_cases())


def shown_labels(graph, inputs, quiet, mode: str, compact: bool) -> dict[tuple, set[str]]:
    """Every map label each linear-op edge shows over a ``mode`` animation."""
    traces = run_passes(graph, inputs, mode)
    story = DerivativeStory(traces, compact=compact, quiet=quiet)
    line = 0 if compact else 1
    found: dict[tuple, set[str]] = {}
    for u, v in story.edges:
        if not PRIMITIVES[graph.nodes[v]["op"]].linear:
            continue
        texts = {state[f"{edge_key(u, v)}.label{line}"] for state in story.states}
        found[(u, v)] = texts - {""}
    return found


@pytest.mark.parametrize("compact", [False, True], ids=["full", "slide"])
@pytest.mark.parametrize("mode", ["forward", "reverse"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_map_edge_shows_the_rule_tables_map_for_its_pass(case, mode, compact):
    _, graph, inputs, quiet = case
    kind = "tangent" if mode == "forward" else "adjoint"
    labels = shown_labels(graph, inputs, quiet, mode, compact)
    assert labels, "no linear-map edge drawn"
    used = 0
    for (u, v), texts in labels.items():
        if texts:  # an edge the pass never used (a data input in forward mode) shows none
            used += 1
            assert texts == {expected_label(graph, u, v, kind)}, (u, v)
    assert used


def test_forward_matmul_edge_is_the_jvp_not_the_pullback():
    """The finding: forward frames showed ``G ↦ G · xᵀ`` (and ``G ↦ Aᵀ · G`` on a 2×3
    product); they show ``dW ↦ dW · x`` and ``dX ↦ A · dX``."""
    _, graph, inputs, quiet = next(c for c in CASES if c[0] == "linear-layer.toml")
    forward = shown_labels(graph, inputs, quiet, "forward", True)
    assert forward[("W", "f1")] == {"dW ↦ dW · x"}
    reverse = shown_labels(graph, inputs, quiet, "reverse", True)
    assert reverse[("W", "f1")] == {"G ↦ G · xᵀ"}
    _, graph, inputs, _ = next(c for c in CASES if c[0].startswith("A @ X"))
    labels = shown_labels(graph, inputs, (), "forward", True)
    assert labels[("A", "F")] == {"dA ↦ dA · X"}


# -- the rule behind each label is true, with compatible shapes --------------------------
def _evaluate(node: ast.AST, env: dict, params: dict):
    """A rule text over numpy arrays (vectors lifted as :func:`_lifted` says); calls are
    the table's own numeric functions, the rule is what is checked."""
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Attribute):
        value = _evaluate(node.value, env, params)
        return np.swapaxes(value, -1, -2) if np.ndim(value) >= 2 else value
    if isinstance(node, ast.Subscript):
        return _evaluate(node.value, env, params)[int(
            _evaluate(node.slice, env, params))]
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, env, params)
        right = _evaluate(node.right, env, params)
        return {ast.MatMult: np.matmul, ast.Mult: np.multiply, ast.Sub: np.subtract,
                ast.Add: np.add, ast.Div: np.divide}[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        return -_evaluate(node.operand, env, params)
    assert isinstance(node, ast.Call)
    fn = node.func.id  # type: ignore[attr-defined]
    args = [_evaluate(a, env, params) for a in node.args]
    keywords = {k.arg: params[k.arg] for k in node.keywords if k.arg in params}
    return PRIMITIVES[fn].fn(*args, **keywords)  # the helper's own numbers (sum, spread, …)


def _lifted(op: str, operands: list) -> list:
    """Operands as a slide reads them: a matmul's vector is a row on the left and a column
    on the right (numpy's promotion, which the shown pullback ``G · xᵀ`` assumes)."""
    if op != "matmul":
        return operands
    a, b = operands
    return [a[None, :] if np.ndim(a) == 1 else a, b[:, None] if np.ndim(b) == 1 else b]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_map_edge_rule_is_true_and_shapes_fit(case):
    """For every linear-map edge: the JVP (as shown) matches central differences and has
    the target's shape; the VJP (as shown) satisfies ⟨G, J·d⟩ = ⟨Jᵀ·G, d⟩ and has the
    source's shape: a shape-incompatible label such as ``G ↦ G · Xᵀ`` on a 2×3 cannot."""
    _, graph, inputs, _ = case
    values = {n: d["value"] for n, d in run_passes(graph, inputs, "forward")[0].graph.nodes(
        data=True)}
    checked = 0
    for u, v in graph.edges:
        data = graph.nodes[v]
        prim = PRIMITIVES[data["op"]]
        if not prim.linear or data["operands"].count(u) != 1 or graph.nodes[u]["op"] == "const":
            continue
        p = data["operands"].index(u)
        params = dict(data.get("params", ()))
        operands = [np.asarray(values[o], dtype=float) for o in data["operands"]]
        lifted = _lifted(data["op"], operands)
        out = np.asarray(prim.fn(*lifted, **params))
        env = dict(zip(("a", "b"), lifted), out=out)
        d = RNG.normal(size=np.shape(operands[p]))
        G = RNG.normal(size=np.shape(values[v]))
        tangent = ("da", "db")[p]
        term = next(t for t in _terms(ast.parse(prim.jvp, mode="eval").body)
                    if _mentions(t, ("da", "db")[p]))
        jvp = _evaluate(term, {**env, tangent: np.reshape(d, np.shape(lifted[p]))}, params)
        assert np.shape(jvp) == np.shape(out), (u, v, "jvp shape")

        def f(x, p=p, operands=operands, data=data, params=params):
            args = list(operands)
            args[p] = x
            return PRIMITIVES[data["op"]].fn(*args, **params)

        eps = 1e-6
        fd = (f(operands[p] + eps * d) - f(operands[p] - eps * d)) / (2 * eps)
        np.testing.assert_allclose(np.reshape(jvp, np.shape(fd)), fd, rtol=1e-5, atol=1e-7)
        vjp = _evaluate(ast.parse(prim.vjp[p], mode="eval").body,
                        {**env, "g": np.reshape(G, np.shape(out))}, params)
        assert np.shape(vjp) == np.shape(lifted[p]), (u, v, "vjp shape")
        assert np.vdot(G, fd) == pytest.approx(float(np.vdot(vjp, np.reshape(
            d, np.shape(lifted[p])))), rel=1e-5, abs=1e-7)
        checked += 1
    assert checked


def test_trace_reports_write_the_map_of_their_own_pass():
    """The JSON report (streamed text and dict alike) and the LaTeX of a contribution
    write a forward step's JVP, not the pullback."""
    import json

    from graphviz_ad import forward_mode, reverse_mode

    G = parse("z = W @ x")
    inputs = {"W": RNG.normal(size=(2, 3)), "x": RNG.normal(size=3)}
    expected = {"forward": "∂z/∂W: dW ↦ dW · x", "reverse": "∂z/∂W: G ↦ G · xᵀ"}
    for mode, trace in (("forward", forward_mode(G, inputs, wrt="W")),
                        ("reverse", reverse_mode(G, inputs))):
        streamed = json.loads(ad.to_json(trace))
        formulas = {c["local_formula"] for step in streamed["steps"]
                    for c in step["contributions"] if c["edge"] == ["W", "z"]}
        assert formulas == {expected[mode]}
        assert {c["local_formula"] for step in ad.to_dict(trace)["steps"]
                for c in step["contributions"] if c["edge"] == ["W", "z"]} == formulas
    step = forward_mode(G, inputs, wrt="W").steps[-1]
    assert edge_text.local_formula(step.contributions[0], "latex", step.kind).endswith(
        r"\colon \mathrm{d}W \mapsto \mathrm{d}W x")
