"""The one timing helper every benchmark uses: the best of several wall-clock runs.

The machine is shared and noisy, so each benchmark reports the best of ``repeat``
runs and compares against a baseline measured in the same process.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def best(func: Callable[[], object], repeat: int, warmup: bool = True) -> float:
    """Best wall time of ``repeat`` calls of ``func``, in seconds, after one untimed call
    (first calls pay for imports, caches and the allocator growing its heap)."""
    if warmup:
        func()
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)
