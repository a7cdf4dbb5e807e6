"""graphviz-ad: watch derivatives flow through computational graphs and receptive fields grow.

>>> import graphviz_ad as ad
>>> G = ad.parse("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)")
>>> [G.nodes[n]["name"] for n in G.graph["order"]]
['x', 'f1', '2', 'f2', 'f3', 'f4', 'f5', 'y']
"""

__version__ = "0.1.0"

from .errors import GraphvizAdError  # noqa: E402

__all__ = ["GraphvizAdError", "__version__"]
