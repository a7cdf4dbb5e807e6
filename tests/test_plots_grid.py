"""Plots evaluate a grid of points at once through a trailing axis: programs that act on the
last axes (a negative axis, later matrix products) are refused, never plotted wrong."""

from __future__ import annotations

import numpy as np
import pytest

from graphviz_ad.core.errors import InputError
from graphviz_ad.core.parse import parse
from graphviz_ad.plots.charts import evaluate_on_grid


def test_leading_axis_reduction_matches_pointwise_evaluation():
    G = parse("y = sum(x*w, axis=0)")
    w = np.array([0.0, 0.5, 2.0])
    values = evaluate_on_grid(G, {"x": np.array([1.0, 2.0])}, "y", {"w": w})
    assert values.tolist() == pytest.approx((3 * w).tolist())


def test_negative_axis_is_refused_with_its_position():
    G = parse("y = sum(x*w, axis=-1)")
    with pytest.raises(InputError, match=r"1:5: y uses axis=-1"):
        evaluate_on_grid(G, {"x": np.array([1.0, 2.0])}, "y", {"w": np.array([0.0, 1.0])})
