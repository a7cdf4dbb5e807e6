"""Test-wide settings.

* hypothesis runs the same examples on every run (and in CI), so the suite is
  deterministic; `HYPOTHESIS_PROFILE=hunt python3 -m pytest` explores at random with more
  examples.
* The tests of modules that rasterize frames (PNG, GIF, MP4, the player's frames, signals
  mid-render) are marked ``raster``: CI runs them a second time as on a machine without
  the ``fast`` extra, ``GRAPHVIZ_AD_NO_VIPS=1 python3 -m pytest -m raster``.
* Ctrl-C is Python's KeyboardInterrupt even when the suite was started with SIGINT
  ignored (``pytest &`` from a script does that), so the Ctrl-C tests test the same
  thing wherever they run.
"""

from __future__ import annotations

import os
import signal

import pytest
from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("hunt", derandomize=False, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

#: jax_checks.py and jax_amax_checks.py are scripts run in a child process by the JAX tests:
#: never imported here (--doctest-modules would import JAX into this process, or fail
#: without it).
collect_ignore = ["jax_checks.py", "jax_amax_checks.py"]

#: Test modules whose tests draw raster frames (with libvips when installed, else cairosvg).
RASTER_MODULES = frozenset({
    "test_cli_arrays.py", "test_cli_rf.py", "test_cli_robustness.py",
    "test_cli_vocabulary.py", "test_output_safety.py", "test_player_browser.py",
    "test_render.py", "test_slides_rf_plots.py", "test_writers.py",
})


def pytest_configure(config: pytest.Config) -> None:
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    config.addinivalue_line("markers", "raster: the test draws raster frames (PNG, GIF, MP4)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in RASTER_MODULES:
            item.add_marker(pytest.mark.raster)
