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

from .autodiff import evaluate, forward_mode, reverse_mode  # noqa: E402
from .calculus import cost, gradient_graph, hessian, jacobian  # noqa: E402
from .errors import GraphvizAdError, InputError  # noqa: E402
from .parse import parse  # noqa: E402
from .render import derivative_frames, render  # noqa: E402
from .source import load  # noqa: E402
from .trace import Contribution, Step, Trace  # noqa: E402

__all__ = ["Contribution", "GraphvizAdError", "InputError", "Step", "Trace", "__version__",
           "cost", "derivative_frames", "evaluate", "forward_mode", "gradient_graph", "hessian",
           "jacobian", "load", "parse", "render", "reverse_mode"]
