"""graphviz-ad: watch derivatives flow through computational graphs and receptive fields grow.

>>> import graphviz_ad as ad
>>> G = ad.parse("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)")
>>> [G.nodes[n]["name"] for n in ad.program_of(G).order]
['x', 'f1', '2', 'f2', 'f3', 'f4', 'f5', 'y']
>>> trace = ad.reverse_mode(G, {"x": 0.5})
>>> round(float(trace.derivative("x")), 4)
555.972
"""

__version__ = "0.1.0"

import importlib
from typing import TYPE_CHECKING, Any  # noqa: E402

if TYPE_CHECKING:  # what a type checker sees; at run time __getattr__ imports these on first use
    from .core.autodiff import evaluate as evaluate
    from .core.autodiff import forward_mode as forward_mode
    from .core.autodiff import reverse_mode as reverse_mode
    from .core.calculus import cost as cost
    from .core.calculus import gradient_graph as gradient_graph
    from .core.calculus import hessian as hessian
    from .core.calculus import jacobian as jacobian
    from .core.errors import GraphvizAdError as GraphvizAdError
    from .core.errors import InputError as InputError
    from .core.parse import parse as parse
    from .core.program import Program as Program
    from .core.program import program_of as program_of
    from .core.shapes import element_limit as element_limit
    from .core.trace import Contribution as Contribution
    from .core.trace import Step as Step
    from .core.trace import Trace as Trace
    from .draw.animate import derivative_frames as derivative_frames
    from .draw.animate import render as render
    from .draw.explorer import explorer as explorer
    from .frontends.jaxpr import from_jax as from_jax
    from .frontends.micrograd import from_micrograd as from_micrograd
    from .frontends.numpy_trace import trace_function as trace_function
    from .frontends.numpy_trace import traceable as traceable
    from .frontends.record import Traced as Traced
    from .frontends.sources import load as load

# The public API, imported on first use (PEP 562), so `graphviz-ad --version` and every CLI
# command import only what they need.
_EXPORTS = {
    "evaluate": "core.autodiff",
    "forward_mode": "core.autodiff",
    "reverse_mode": "core.autodiff",
    "cost": "core.calculus",
    "gradient_graph": "core.calculus",
    "hessian": "core.calculus",
    "jacobian": "core.calculus",
    "GraphvizAdError": "core.errors",
    "InputError": "core.errors",
    "parse": "core.parse",
    "Program": "core.program",
    "program_of": "core.program",
    "element_limit": "core.shapes",
    "derivative_frames": "draw.animate",
    "render": "draw.animate",
    "explorer": "draw.explorer",
    "load": "frontends.sources",
    "Contribution": "core.trace",
    "Step": "core.trace",
    "Trace": "core.trace",
    "from_jax": "frontends.jaxpr",
    "from_micrograd": "frontends.micrograd",
    "trace_function": "frontends.numpy_trace",
    "traceable": "frontends.numpy_trace",
    "Traced": "frontends.record",
}
__all__ = sorted([*_EXPORTS, "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'graphviz_ad' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
