"""graphviz-ad: watch derivatives flow through computational graphs and receptive fields grow.

>>> import graphviz_ad as ad
>>> G = ad.parse("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)")
>>> [G.nodes[n]["name"] for n in G.graph["order"]]
['x', 'f1', '2', 'f2', 'f3', 'f4', 'f5', 'y']
>>> trace = ad.reverse_mode(G, {"x": 0.5})
>>> round(float(trace.derivative("x")), 4)
555.972
"""

__version__ = "0.1.0"

import sys  # noqa: E402
import types  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

if TYPE_CHECKING:  # what a type checker sees; at run time __getattr__ imports these on first use
    from .autodiff import evaluate as evaluate
    from .autodiff import forward_mode as forward_mode
    from .autodiff import reverse_mode as reverse_mode
    from .calculus import cost as cost
    from .calculus import gradient_graph as gradient_graph
    from .calculus import hessian as hessian
    from .calculus import jacobian as jacobian
    from .errors import GraphvizAdError as GraphvizAdError
    from .errors import InputError as InputError
    from .parse import parse as parse
    from .render import derivative_frames as derivative_frames
    from .render import render as render
    from .source import load as load
    from .trace import Contribution as Contribution
    from .trace import Step as Step
    from .trace import Trace as Trace

# The public API, imported on first use (PEP 562), so `graphviz-ad --version` and every CLI
# command import only what they need.
_EXPORTS = {
    "evaluate": "autodiff", "forward_mode": "autodiff", "reverse_mode": "autodiff",
    "cost": "calculus", "gradient_graph": "calculus", "hessian": "calculus",
    "jacobian": "calculus", "GraphvizAdError": "errors", "InputError": "errors",
    "parse": "parse", "derivative_frames": "render", "render": "render", "load": "source",
    "Contribution": "trace", "Step": "trace", "Trace": "trace",
}
__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'graphviz_ad' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


class _Package(types.ModuleType):
    """``graphviz_ad.parse`` and ``graphviz_ad.render`` are functions, as they were when this
    package imported them eagerly, even after their submodules are imported (importing a
    submodule binds its name on the package)."""

    def __getattribute__(self, name: str) -> object:
        value = super().__getattribute__(name)
        if isinstance(value, types.ModuleType) and name in _EXPORTS:
            return getattr(value, name)
        return value


sys.modules[__name__].__class__ = _Package
