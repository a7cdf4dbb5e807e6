"""JAX functions read into the language's Program (graphviz_ad.from_jax), checked against
jax.grad.  The checks live in jax_checks.py and run in a child process: JAX starts threads
when imported, and this process forks later (raster workers).  Skipped without JAX."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CHECKS = ["check_the_mlp_gradients_equal_jax_grad", "check_relu_sigmoid_and_where_against_jax_grad",
          "check_a_dict_of_parameters_is_named_by_its_keys",
          "check_a_primitive_with_no_rule_is_one_line",
          "check_a_broadcast_the_language_cannot_write_is_refused_not_wrong",
          "check_round_trip_through_a_graph_file"]


def run_jax_checks(script: str) -> dict[str, str]:
    """Run a check script of this folder in a child process: {check name: "ok" or the
    error}; skipped without JAX."""
    if importlib.util.find_spec("jax") is None:
        pytest.skip("JAX is not installed (pip install 'graphviz-ad[jax]')")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), str(HERE)]),
           "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, str(HERE / script)], capture_output=True,
                          text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def results():
    return run_jax_checks("jax_checks.py")


@pytest.mark.parametrize("check", CHECKS)
def test_jax(results, check):
    assert results.get(check) == "ok", results.get(check, f"{check} did not run")
