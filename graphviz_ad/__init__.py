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
import sys
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
    from .draw.notebook import player as player
    from .explain.edges import local_formula as local_formula
    from .explain.nonfinite import nonfinite_warnings as nonfinite_warnings
    from .explain.report import trace_latex, trace_markdown, trace_table
    from .explain.steps import texts
    from .explain.trace_json import trace_dict, trace_json
    from .frontends.jaxpr import from_jax as from_jax
    from .frontends.micrograd import from_micrograd as from_micrograd
    from .frontends.numpy_trace import trace_function as trace_function
    from .frontends.numpy_trace import traceable as traceable
    from .frontends.record import Traced as Traced
    from .frontends.sources import load as load

    to_dict, to_json, latex, markdown, table = (  # exported under shorter names
        trace_dict, trace_json, trace_latex, trace_markdown, trace_table)
    explain_step = texts

# The public API, imported on first use (PEP 562), so `graphviz-ad --version` and every CLI
# command import only what they need: name -> module, or "module:attribute" where the
# module calls it otherwise.
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
    "player": "draw.notebook",
    "local_formula": "explain.edges",
    "nonfinite_warnings": "explain.nonfinite",
    "to_dict": "explain.trace_json:trace_dict",
    "to_json": "explain.trace_json:trace_json",
    "latex": "explain.report:trace_latex",
    "markdown": "explain.report:trace_markdown",
    "table": "explain.report:trace_table",
    "explain_step": "explain.steps:texts",
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
    where = _EXPORTS.get(name)
    if where is None:
        raise AttributeError(f"module 'graphviz_ad' has no attribute {name!r}")
    module, _, attribute = where.partition(":")
    value = getattr(importlib.import_module(f".{module}", __name__), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


def _trace_svg(trace: Any) -> str:
    """A Trace's SVG form in a notebook (the drawing layer, imported when first shown)."""
    svg: str = importlib.import_module(".draw.notebook", __name__).trace_svg(trace)
    return svg


def _register_notebook_display() -> None:
    """In IPython or Jupyter (when already running: never imported here), show a Trace as
    its annotated graph.  Registered by the class's module and name, so neither the
    Trace's module nor the drawing layer is imported before a trace is shown."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)()
    if shell is None:
        return
    svg = shell.display_formatter.formatters["image/svg+xml"]
    svg.for_type_by_name("graphviz_ad.core.trace", "Trace", _trace_svg)


_register_notebook_display()
