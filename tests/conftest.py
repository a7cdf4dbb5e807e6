"""Test-wide settings: hypothesis runs the same examples on every run (and in CI), so the
suite is deterministic; `HYPOTHESIS_PROFILE=hunt python3 -m pytest` explores at random with
more examples."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("hunt", derandomize=False, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
