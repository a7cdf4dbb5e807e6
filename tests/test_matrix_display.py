"""Matrix display (issue 9, S4): nested matrices up to 4×4, shapes as ℝ²ˣ³, ⊙ and Σ_rows in
matrix-form steps, 𝟙 for an array of ones, never a scalar equal to a vector."""

from __future__ import annotations

import json

import numpy as np

import graphviz_ad as ad
from graphviz_ad import evaluate, forward_mode, parse, reverse_mode
from graphviz_ad.core.number_format import fmt_number, fmt_shape
from graphviz_ad.explain import steps as step_text

W = [[1.0, -1.0, 2.0], [0.5, 2.0, 3.0]]


def test_matrices_up_to_4x4_are_shown_whole():
    assert fmt_number(np.array([[1.0, -1.0], [0.5, 2.0]])) == "[[1, −1], [0.5, 2]]"
    assert fmt_number(np.array([[1.0, -1.0], [0.5, 2.0]]), "latex") == (
        r"\begin{bmatrix} 1 & -1 \\ 0.5 & 2 \end{bmatrix}")
    assert fmt_number(np.ones((3, 4))).count("[") == 4
    assert fmt_number(np.arange(25.0).reshape(5, 5)) == "[0, 1, …, 24] (5×5)"


def test_repeated_values_are_ones_with_a_shape():
    assert fmt_number(np.ones(12)) == "𝟙₁₂"
    assert fmt_number(np.ones((3, 5))) == "𝟙₃ₓ₅"
    assert fmt_number(np.zeros(8), "latex") == r"\mathbf{0}_{8}"
    assert fmt_number(np.ones(3)) == "[1, 1, 1]"  # small ones stay whole


def test_shapes():
    assert fmt_shape((2, 3)) == "ℝ²ˣ³"
    assert fmt_shape((3,)) == "ℝ³"
    assert fmt_shape((2, 3), "latex") == r"\mathbb{R}^{2 \times 3}"


def test_a_scalar_never_equals_a_vector():
    t = forward_mode(parse("y = x + v"), {"x": 2.0, "v": np.arange(12.0)}, wrt="x")
    assert step_text.equation(t.steps[0]) == "∂y/∂x = 1 = 1·𝟙₁₂ = 𝟙₁₂"
    assert r"1 \cdot \mathbf{1}_{12}" in step_text.latex(t.steps[0])


def test_matrix_steps_use_hadamard_and_row_sums():
    G = parse("z = W*x + b; L = sum(sum(z*z, axis=1))")
    t = reverse_mode(G, {"W": W, "x": [1.0, 2.0, 3.0], "b": [1.0, 2.0, 3.0]}, of="L")
    by = {s.node: s for s in t.steps}
    assert step_text.equation(by["b"]) == (
        "∂L/∂b = Σ_rows ∂L/∂z = Σ_rows [[4, 0, 18], [3, 12, 24]] = [7, 12, 42]")
    assert step_text.latex(by["b"]).startswith(
        r"\frac{\partial L}{\partial b} = \sum_{\text{rows}} \frac{\partial L}{\partial z}")
    assert step_text.formula(by["W"]) == "∂L/∂W = ∂L/∂f1 ⊙ ∂f1/∂W"
    assert "⊙ [1, 2, 3] = [[4, 0, 54], [3, 24, 72]]" in step_text.equation(by["W"])
    assert r"\odot" in step_text.latex(by["W"]) and "bmatrix" in step_text.latex(by["W"])
    assert step_text.formula(by["x"]) == "∂L/∂x = Σ_rows(∂L/∂f1 ⊙ ∂f1/∂x)"
    np.testing.assert_allclose(by["x"].result, np.sum(np.array(by["f1"].result) * W, axis=0))


def test_vector_steps_keep_the_dot():
    t = reverse_mode(parse("y = sum(x*x)"), {"x": [1.0, 2.0, 3.0]})
    assert "⊙" not in "".join(step_text.equation(s) for s in t.steps)


def test_json_has_nested_values_and_shapes():
    data = json.loads(ad.to_json(evaluate(parse("y = sum(W, axis=1)"), {"W": W})))
    assert data["nodes"]["W"]["value"] == W
    assert data["nodes"]["W"]["shape"] == [2, 3]
    assert data["nodes"]["y"]["shape"] == [2]
    assert data["nodes"]["y"]["params"] == {"axis": 1}
    data = json.loads(ad.to_json(reverse_mode(parse("y = sum(sum(W))"), {"W": W})))
    assert data["nodes"]["W"]["adjoint"] == [[1.0] * 3] * 2
    assert data["steps"][-1]["shape"] == [2, 3]
