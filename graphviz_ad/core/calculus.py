"""Jacobians, gradient graphs and Hessians by automatic differentiation (never finite
differences), and the cost of forward versus reverse mode.

The Hessian reuses the one table of primitives twice.  :func:`gradient_graph` writes
reverse mode *as a graph in the same language*: each adjoint ``∂L/∂n`` becomes nodes
``Σ_c ∂L/∂c · ∂c/∂n`` with every local partial inlined from
:func:`graphviz_ad.core.rules.rule_program` (the compiled text of :mod:`graphviz_ad.core.ops`),
through the one reverse sweep of :mod:`graphviz_ad.core.sweep` with graph nodes for numbers.
Differentiating that graph again with the ordinary reverse pass gives the Hessian
(reverse over reverse); no second rule table and no symbolic algebra at run time.

>>> import graphviz_ad as ad
>>> G = ad.parse("L = phi0^2*phi1 + sin(phi1)")
>>> hessian(G, {"phi0": 1.0, "phi1": 0.0}, wrt=["phi0", "phi1"]).tolist()
[[0.0, 2.0], [2.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np

from .autodiff import (
    Inputs,
    choose_of,
    choose_wrt,
    forward_mode,
    op_nodes,
    reverse_mode,
    values_at,
)
from .build import GraphBuilder
from .errors import GraphvizAdError, InputError
from .formula import node_label
from .modes import SWEEPS, Mode
from .nodes import node, node_data
from .program import attach, program_of
from .shapes import MAX_MATRIX_ELEMENTS
from .sweep import CountAlgebra, GraphAlgebra, sweep

Wrt = str | Sequence[str] | None
#: default cap on Jacobian/Hessian entries (rows × columns), checked before any sweep
#: (``jacobian``/``hessian --max-elements`` raise it)
MAX_ELEMENTS = MAX_MATRIX_ELEMENTS


# -- Jacobians ------------------------------------------------------------------------------

def _wrt_list(G: nx.DiGraph, wrt: Wrt) -> tuple[list[str], bool]:
    """The inputs to differentiate by, and whether one name (not a list) was given."""
    inputs = program_of(G).inputs
    if wrt is None:
        names, single = list(inputs), False
    elif isinstance(wrt, str):
        names, single = [wrt], True
    else:
        names, single = list(wrt), False
    if not names:
        raise InputError("nothing to differentiate with respect to: the program has no inputs")
    for name in names:
        choose_wrt(G, name)
    if len(set(names)) != len(names):
        raise InputError("wrt names an input twice")
    return names, single


def check_size(what: str, n_out: int, n_in: int, sweeps: int, max_elements: int,
               names: Sequence[str]) -> None:
    """Refuse an empty or too large result before any work: ``n_out × n_in`` entries
    (``sweeps`` sweeps) against ``max_elements``."""
    if n_out == 0 or n_in == 0:
        raise InputError(f"the {what} is empty ({n_out}×{n_in}): "
                         f"{', '.join(names) if n_in == 0 else 'the output'} has no elements")
    if n_out * n_in > max_elements:
        raise GraphvizAdError(
            f"the {what} would have {n_out:,}×{n_in:,} = {n_out * n_in:,} entries "
            f"({sweeps:,} sweeps), over the limit of {max_elements:,}; differentiate by fewer "
            f"elements (--wrt) or raise it with --max-elements {n_out * n_in}")


def _one_hots(shape: tuple[int, ...]) -> Iterator[np.ndarray]:
    """Unit seeds e_k of the given shape, one per element, in C order."""
    for k in range(int(np.prod(shape))):
        seed = np.zeros(shape)
        seed.flat[k] = 1.0
        yield seed


def sweep_for(n_out: int, n_in: int, requested: str = "auto") -> Mode:
    """The sweeps a Jacobian with ``n_out`` output and ``n_in`` input elements is taken
    by: ``requested`` (forward or reverse), or for ``"auto"`` whichever needs fewer
    sweeps (one reverse sweep per output element, one forward sweep per input element;
    reverse on a tie).

    >>> [str(sweep_for(*shape)) for shape in [(1, 3), (3, 1), (2, 2)]]
    ['reverse', 'forward', 'reverse']
    """
    if requested == "auto":
        return Mode.REVERSE if n_out <= n_in else Mode.FORWARD
    if requested not in SWEEPS:
        raise GraphvizAdError(f"mode {requested!r}: choose forward, reverse or auto")
    return Mode(requested)


def jacobian(G: nx.DiGraph, inputs: Inputs, of: str | Sequence[str] | None = None,
             wrt: Wrt = None, mode: str = "auto", max_elements: int = MAX_ELEMENTS
             ) -> np.ndarray:
    """∂of/∂wrt as a numpy array of shape ``of.shape + wrt.shape``.

    ``wrt`` is an input name, or a list of names (their elements are flattened into one
    axis: ``wrt=["phi0", "phi1"]`` gives a length-2 last axis); default: every input.
    ``of`` is a node name or a list of them (flattened likewise); default: the first output.
    ``mode`` ``"reverse"`` runs one reverse sweep per output element, ``"forward"`` one
    forward sweep per input element, ``"auto"`` whichever needs fewer (:func:`sweep_for`).
    More than ``max_elements`` entries (or none) is refused before the first sweep.

    >>> import graphviz_ad as ad
    >>> J = jacobian(ad.parse("s = softmax(z)"), {"z": [0.0, 0.0]}, wrt="z")
    >>> J.tolist()
    [[0.25, -0.25], [-0.25, 0.25]]
    """
    names, single = _wrt_list(G, wrt)
    values = values_at(G, inputs)
    ofs = [choose_of(G, of)] if of is None or isinstance(of, str) else [
        choose_of(G, o) for o in of]
    out_shapes = [np.shape(values[o]) for o in ofs]
    in_shapes = [np.shape(values[w]) for w in names]
    n_out = sum(int(np.prod(s)) for s in out_shapes)
    n_in = sum(int(np.prod(s)) for s in in_shapes)
    mode = sweep_for(n_out, n_in, mode)
    check_size("Jacobian", n_out, n_in, n_out if mode == Mode.REVERSE else n_in, max_elements,
               names)
    rows = np.zeros((n_out, n_in))
    if mode == Mode.REVERSE:  # one sweep per output element: a row each
        seeds = [(o, seed) for o, shape in zip(ofs, out_shapes) for seed in _one_hots(shape)]
        for r, (o, seed) in enumerate(seeds):
            adj = reverse_mode(G, inputs, of=o, seed=seed).graph.nodes
            rows[r] = np.concatenate([np.ravel(adj[w]["adjoint"]) for w in names])
    else:  # one sweep per input element: a column each
        seeds = [(w, seed) for w, shape in zip(names, in_shapes) for seed in _one_hots(shape)]
        for c, (w, seed) in enumerate(seeds):
            tan = forward_mode(G, inputs, wrt=w, seed=seed).graph.nodes
            rows[:, c] = np.concatenate([np.ravel(tan[o]["tangent"]) for o in ofs])
    of_shape = out_shapes[0] if len(ofs) == 1 else (n_out,)
    wrt_shape = in_shapes[0] if single else (n_in,)
    return rows.reshape(of_shape + wrt_shape)


# -- the gradient as a graph --------------------------------------------------------------

def gradient_graph(G: nx.DiGraph, of: str | None = None, wrt: Wrt = None) -> nx.DiGraph:
    """A new graph computing G's nodes *and* ∂of/∂w for each ``w`` in ``wrt`` (its
    outputs, named ``∂L/∂phi0``): reverse mode written out in the same language.

    Adjoint of n = Σ over consumers c of ``sum_like(∂of/∂c · ∂c/∂n, n)``, where the local
    partial ∂c/∂n is inlined from the op's entry in :mod:`graphviz_ad.core.ops` and
    ``sum_like`` un-broadcasts to n's shape (a no-op when shapes already agree), so the
    graph holds for scalars, vectors and whole parameter grids alike.

    >>> import graphviz_ad as ad
    >>> Gg = gradient_graph(ad.parse("y = sin(x)*x"), wrt="x")
    >>> program_of(Gg).outputs, round(float(ad.evaluate(Gg, {"x": 1.0}).value("∂y/∂x")), 6)
    (('∂y/∂x',), 1.381773)
    """
    names, _ = _wrt_list(G, wrt)
    of = choose_of(G, of)
    b = GraphBuilder.from_graph(G, fold=True)
    nodes = node_data(G)
    of_name = node_label(G, of)
    seed = b.const(1.0, None, (nodes[of]["line"], nodes[of]["column"]))
    needed = set(names).union(*(nx.descendants(G, name) for name in names))
    # only adjoints on a path from wrt are written
    adjoint = sweep(G, {of: seed}, GraphAlgebra(G, b, Mode.REVERSE), needed)
    outputs = []
    for name in names:
        pos = (nodes[name]["line"], nodes[name]["column"])
        value = adjoint.get(name)
        if value is None:
            value = b.const(0.0, None, pos)
        if b.value_of(value) is not None:  # a constant gradient still has the input's shape
            value = b.node("sum_like", (value, b.handles[name]), pos)
        outputs.append(b.named(value, f"∂{of_name}/∂{node_label(G, name)}", pos))
    H = b.to_graph("g", outputs, program_of(G).source, drop_unused=False)
    attach(H, replace(program_of(H), inputs=program_of(G).inputs, gradient_of=of,
                      gradient_wrt=tuple(names)))
    return H


def hessian(G: nx.DiGraph, inputs: Inputs, of: str | None = None, wrt: Wrt = None,
            max_elements: int = MAX_ELEMENTS) -> np.ndarray:
    """∂²of/∂wrt² by reverse mode over :func:`gradient_graph` (reverse over reverse).

    ``of`` must be a scalar.  ``wrt`` a list (default: every input) gives a k×k matrix
    over all their elements; one name gives shape ``w.shape + w.shape`` (a 0-d array for
    a scalar input). More than ``max_elements`` entries (or none) is refused first.
    """
    names, single = _wrt_list(G, wrt)
    of = choose_of(G, of)
    values = values_at(G, inputs)
    if np.ndim(values[of]):
        raise InputError(f"the Hessian needs a scalar output; {node(G, of)['name']} has shape "
                         f"{np.shape(values[of])} (reduce it with sum(...) or mean(...))")
    n = sum(int(np.size(values[w])) for w in names)
    check_size("Hessian", n, n, n, max_elements, names)
    Gg = gradient_graph(G, of, names)
    return jacobian(Gg, inputs, of=program_of(Gg).outputs if not single else
                    program_of(Gg).outputs[0], wrt=names[0] if single else names,
                    max_elements=max_elements)


def hessian_on_grid(G: nx.DiGraph, inputs: Inputs, of: str | None, wrt: Sequence[str]
                    ) -> np.ndarray:
    """Hessians at many parameter points at once: ``inputs[w]`` for ``w`` in ``wrt`` are
    arrays of one grid shape, every other input is the same at every point (data arrays
    already carry trailing unit axes).  Returns shape ``grid + (k, k)``.

    Each grid point's loss depends only on its own parameters, so one reverse sweep of
    the gradient graph seeded with ones gives ∂g_i/∂w_j at every point together."""
    names = list(wrt)
    Gg = gradient_graph(G, of, names)
    grid = np.broadcast_shapes(*(np.shape(inputs[w]) for w in names))
    H = np.zeros(grid + (len(names), len(names)))
    for i, g in enumerate(program_of(Gg).outputs):
        adj = reverse_mode(Gg, inputs, of=g).graph.nodes
        for j, w in enumerate(names):
            H[..., i, j] = np.broadcast_to(adj[w]["adjoint"], grid)
    return H


# -- forward versus reverse cost -----------------------------------------------------------

@dataclass(frozen=True)
class Cost:
    """What the full Jacobian costs in each mode, counted on the graph's structure.

    One sweep evaluates every op once (``values``) and, along every edge, the local
    partial (the primitives of its inlined partial graph) and one chain-rule product,
    plus one addition wherever contributions meet: ``per_sweep`` primitive evaluations,
    counted on the reverse sweep and used for both modes.  (A forward sweep's own count,
    ``CountAlgebra(G, Mode.FORWARD)``, adds where terms meet at a node's operands rather
    than at its consumers and runs a linear map's JVP, so it can differ by a few.)
    Forward mode needs one sweep per input element, reverse mode one per output element.
    """

    inputs: int
    outputs: int
    values: int
    per_sweep: int

    @property
    def forward_sweeps(self) -> int:
        return self.inputs

    @property
    def reverse_sweeps(self) -> int:
        return self.outputs

    @property
    def forward(self) -> int:
        return self.forward_sweeps * self.per_sweep

    @property
    def reverse(self) -> int:
        return self.reverse_sweeps * self.per_sweep


def cost(G: nx.DiGraph, inputs: Inputs | None = None, wrt: Wrt = None,
         of: str | Sequence[str] | None = None) -> Cost:
    """Count sweeps and primitive evaluations for the full Jacobian ∂outputs/∂inputs.

    Array inputs count one sweep per element when ``inputs`` gives their values
    (without values every input counts as a scalar).

    >>> import graphviz_ad as ad
    >>> c = cost(ad.parse("y = exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)"))
    >>> c.forward_sweeps, c.reverse_sweeps, c.forward == c.reverse
    (1, 1, True)
    """
    names, _ = _wrt_list(G, wrt) if program_of(G).inputs else ([], False)
    ofs = list(program_of(G).outputs) if of is None else [of] if isinstance(of, str) else list(of)
    ofs = [choose_of(G, o) for o in ofs]
    values = values_at(G, inputs) if inputs is not None else None
    size = (lambda n: int(np.size(values[n]))) if values is not None else (lambda n: 1)
    ops = op_nodes(G)
    counter = CountAlgebra(G, Mode.REVERSE)
    sweep(G, {}, counter)
    per_sweep = len(ops) + counter.count
    return Cost(inputs=sum(size(w) for w in names), outputs=sum(size(o) for o in ofs),
                values=len(ops), per_sweep=per_sweep)


# -- convexity at a point ------------------------------------------------------------------

@dataclass(frozen=True)
class Convexity:
    """What a Hessian's eigenvalues say about convexity at the point it was taken."""

    eigenvalues: np.ndarray  # ascending
    tolerance: float         # |λ| below this counts as 0

    @property
    def convex(self) -> bool:
        return bool(self.eigenvalues.min() >= -self.tolerance)

    @property
    def definite(self) -> bool:
        return bool(self.eigenvalues.min() > self.tolerance)

    @property
    def verdict(self) -> str:
        if self.definite:
            return "convex here: every eigenvalue > 0 (positive definite)"
        if self.convex:
            return "convex here: every eigenvalue ≥ 0 (positive semidefinite)"
        return "not convex here: an eigenvalue is negative"


def convexity(H: np.ndarray) -> Convexity:
    """The eigenvalues of a square Hessian (symmetrized) and the verdict they give; an
    eigenvalue within 1e-10 of the largest entry (at least 1e-10) counts as 0.

    >>> convexity(np.array([[2.0, 0.0], [0.0, -1.0]])).verdict
    'not convex here: an eigenvalue is negative'
    """
    H = np.asarray(H, dtype=float)
    eig = np.linalg.eigvalsh((H + H.T) / 2)
    return Convexity(eig, 1e-10 * max(1.0, float(np.max(np.abs(H))) if H.size else 1.0))
