"""Display: names, symbols and expression trees as Unicode text or LaTeX.

One printer serves node definitions (``f3 = f1 + f2``), local partials
(``∂f4/∂f3 = exp(f3)``) and chain-rule lines, in both styles, with the fewest
parentheses that keep the meaning.  Numbers are formatted by
:mod:`graphviz_ad.core.number_format`.

>>> from graphviz_ad.core.rules import name_leaf, number_leaf
>>> show(op_tree("pow", (name_leaf("f1"), number_leaf(2))))
'f1²'
>>> show(op_tree("pow", (name_leaf("f1"), number_leaf(2))), "latex")
'f_{1}^{2}'
>>> fmt_number(-0.99952)
'−0.9995'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from functools import lru_cache
from typing import cast

import numpy as np

from .nodes import node_data
from .number_format import SUPERSCRIPTS, fmt_number, product
from .ops import (
    CONSTANTS,
    PREC_ATOM,
    PREC_MUL,
    PREC_NEG,
    PREC_POW,
    PRIMITIVES,
    is_constant,
    is_input,
)
from .rules import ONES, Leaf, OpTree, Tree, name_leaf, number_leaf, op_tree

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "lam": "λ", "mu": "μ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "psi": "ψ", "omega": "ω", "rho": "ρ", "xi": "ξ", "nu": "ν", "kappa": "κ", "zeta": "ζ",
}
_NAME_PARTS = re.compile(r"^([^\W\d_]+?)_?(\d+)$")
# Unicode Greek letters (names such as β0, Ω1) as LaTeX commands; capitals LaTeX lacks
# are the Latin letters they look like
_GREEK_LATEX = dict(zip(
    "αβγδεζηθικλμνξοπρσςτυφχψωΓΔΘΛΞΠΣΥΦΨΩΑΒΕΖΗΙΚΜΝΟΡΤΧ",
    [rf"\{w}" for w in ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu "
                        "nu xi").split()] + ["o"] + [rf"\{w}" for w in (
        "pi rho sigma varsigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi "
        "Sigma Upsilon Phi Psi Omega").split()] + list("ABEZHIKMNOPTX")))
_VERSION = re.compile(r"⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾$")
_PLAIN_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
NAMED_CONSTANTS = {shown for _, shown in CONSTANTS.values()}
_IDENTIFIER = re.compile(r"^[^\W\d]\w*$")


def node_label(G, node: str) -> str:
    """What every display calls ``node``: its ``label`` attribute (``c⁽²⁾`` for the
    second binding of ``c``), or its ``name`` in a graph built without labels."""
    data = G._node[node]  # node_data(G)[node], without the call
    return data.get("label") or data["name"]


def fmt_name(name: str, style: str = "text") -> str:
    """A node label for display; in LaTeX ``f1`` → ``f_{1}``, ``phi0`` → ``\\phi_{0}``,
    ``c⁽²⁾`` → ``c^{(2)}``.  Text that is not a name (an array already formatted) is
    returned unchanged."""
    if style == "text":
        return name
    return _latex_name(name)


@lru_cache(maxsize=1 << 16)  # a node's name is shown in several steps, and in both styles
def _latex_name(name: str) -> str:
    style = "latex"
    if name == "𝟙":
        return r"\mathbf{1}"
    if name == "π":
        return r"\pi"
    if name.startswith("∂") and "/∂" in name:  # a gradient graph's node, e.g. ∂L/∂phi0
        of, wrt = name[1:].split("/∂", 1)
        return derivative_symbol(of, wrt, style)
    version = _VERSION.search(name)
    if version:
        number = version.group(1).translate(_PLAIN_DIGITS)
        return f"{fmt_name(name[:version.start()], style)}^{{({number})}}"
    if not _IDENTIFIER.match(name):
        return name
    match = _NAME_PARTS.match(name)
    base, sub = (match.group(1), match.group(2)) if match else (name, "")
    if base in GREEK:
        base = "\\" + ("lambda" if base == "lam" else base)
    elif base in _GREEK_LATEX:
        base = _GREEK_LATEX[base]
    elif len(base) > 1:
        letters = "".join(_GREEK_LATEX[c] + " " if c in _GREEK_LATEX else c for c in base)
        base = rf"\mathrm{{{letters.rstrip()}}}".replace("_", r"\_")
    return f"{base}_{{{sub}}}" if sub else base


def _prec(tree: Tree) -> int:
    """How tightly the displayed tree binds (negative numbers act like unary minus)."""
    if isinstance(tree, Leaf):
        if not tree.is_number and "·" in tree.text and not tree.text.startswith("["):
            return PREC_MUL  # a seeded symbol such as ∂f/∂z·1: Σ(∂f/∂z·1)
        return PREC_NEG if tree.is_number and float(tree.text) < 0 else PREC_ATOM
    assert isinstance(tree, OpTree)
    if tree.op == "pow" and _small_integer(tree.children[1]) is not None:
        return PREC_POW
    return PRIMITIVES[tree.op].prec


def _small_integer(tree: Tree) -> int | None:
    if (isinstance(tree, Leaf) and tree.is_number and float(tree.text).is_integer()
            and 0 <= tree.text < 100):
        return int(tree.text)
    return None


def show(tree: Tree, style: str = "text") -> str:
    """Print a display tree as Unicode text (``style="text"``) or LaTeX (``"latex"``)."""
    if isinstance(tree, Leaf):
        return fmt_number(tree.text, style) if tree.is_number else fmt_name(tree.text, style)
    assert isinstance(tree, OpTree)
    op, children, params = tree.op, tree.children, tree.params
    prim = PRIMITIVES[op]
    if params and not prim.shaping:  # as a call: sum(A, axis=1), size(A, axis=1)
        args = [show(c, style) for c in children]
        if style == "latex":
            args += [rf"\mathrm{{{k}}}={v}" for k, v in params]
            return rf"\operatorname{{{op}}}({', '.join(args)})"
        return f"{op}({', '.join(args + [f'{k}={v}' for k, v in params])})"
    if op == "pow" and style == "text" and _small_integer(children[1]) is not None:
        base = _wrap(children[0], PRIMITIVES["pow"], 0, style)
        return base + str(_small_integer(children[1])).translate(SUPERSCRIPTS)
    template = prim.latex if style == "latex" else prim.text
    parts = {}
    for index, key in enumerate("ab"[: len(children)]):
        parts[key] = _wrap(children[index], prim, index, style)
    return template.format(**parts)


def _bare(template: str, key: str) -> bool:
    """Whether a template shows operand ``key`` without brackets of its own (``Σ{a}``,
    ``{a}[{b}]``, ``{a}^{2}``), so a compound operand needs parentheses."""
    at = template.find("{" + key + "}")
    return at >= 0 and (at == 0 or template[at - 1] not in "([{|⟨")


def _wrap(child: Tree, parent, index: int, style: str) -> str:
    """Show ``child`` as operand ``index`` of ``parent``, parenthesised only if needed."""
    text = show(child, style)
    template = parent.latex if style == "latex" else parent.text
    if parent.functional or parent.prec == PREC_ATOM:  # a call, or a prefix/postfix form
        if not (_bare(template, "ab"[index]) and _prec(child) < parent.prec):
            return text
        return f"({text})" if style == "text" else rf"\left({text}\right)"
    if style == "latex" and (parent.name == "div" or (parent.name == "pow" and index == 1)):
        return text  # \frac{}{} and exponents are grouped by braces already
    inner, outer = _prec(child), parent.prec
    need = inner < outer
    if inner == outer and parent.name not in ("neg",):
        side_ok = {"both": True, "left": index == 0, "right": index == 1}.get(parent.assoc, False)
        need = not side_ok
    if parent.name == "neg" and inner <= PREC_NEG:
        need = True
    if parent.name == "pow" and index == 0 and inner <= PREC_POW:
        need = True
    if (parent.name == "mul" and index == 1 and isinstance(child, Leaf) and child.is_number
            and child.text < 0):
        need = True
    if not need:
        return text
    return f"({text})" if style == "text" else rf"\left({text}\right)"


def definition_tree(G, node: str) -> OpTree:
    """The display tree of a node's own operation over its operands' names/values."""
    nodes = node_data(G)
    data = nodes[node]
    leaves = definition_leaves(G, node)
    op = data["op"]
    if op == "mul" and _matrix_product(nodes, data["operands"]):
        op = "hadamard"  # an elementwise product of arrays, a matrix among them: A ⊙ B
    return op_tree(op, leaves, data.get("params") or ())


def definition_leaves(G, node: str) -> tuple[Leaf, ...]:
    """The leaves of :func:`definition_tree`: its operands' names, a constant's number."""
    nodes = node_data(G)
    leaves = []
    for operand in nodes[node]["operands"]:
        od = nodes[operand]
        number = is_constant(od["op"]) and od["name"] not in NAMED_CONSTANTS  # e, π: named
        leaves.append(number_leaf(od["value"]) if number
                      else name_leaf(od.get("label") or od["name"]))
    return tuple(leaves)


def _matrix_product(nodes, operands: Sequence[str]) -> bool:
    """Whether a product multiplies arrays elementwise with a matrix among them."""
    values = [nodes[o].get("value", 0) for o in operands]
    if any(isinstance(v, float) for v in values):  # a scalar factor: an ordinary product
        return False
    ndims = [np.ndim(v) for v in values]
    return max(ndims) >= 2 and min(ndims) >= 1


#: Stand-ins for the names of a tree shown once as a template (see :func:`show_leaves`).
_SLOTS = ("\x00a\x00", "\x00b\x00")
_TEMPLATES: dict[Hashable, str] = {}
_MAX_TEMPLATES = 4096  # ops × operand positions × the constants programs use: few


def show_leaves(key: Hashable, build: Callable[[tuple[Tree, ...]], Tree],
                leaves: Sequence[Leaf], style: str = "text") -> str:
    """``show(build(leaves), style)``, laid out once per ``key`` and numbers among the
    leaves: how a tree prints depends on its numbers (signs, folding) but not on which
    plain names it shows, so the names go into a template.  ``key`` must say everything
    ``build`` depends on besides the leaves."""
    names: list[str] = []
    numbers: list[str | None] = []
    for leaf in leaves:
        if leaf.is_number:
            numbers.append(repr(leaf.text))
            continue
        name = leaf.text
        if "·" in name or "\x00" in name or name == ONES[1]:
            return show(build(tuple(leaves)), style)  # these bind or simplify differently
        names.append(name)
        numbers.append(None)
    if len(names) > len(_SLOTS):
        return show(build(tuple(leaves)), style)
    layout = (key, tuple(numbers), style)
    try:
        template = _TEMPLATES.get(layout)
    except TypeError:  # a parameter that is not hashable: no template
        return show(build(tuple(leaves)), style)
    if template is None:
        slots = iter(_SLOTS)
        stand_ins = tuple(leaf if leaf.is_number else name_leaf(next(slots)) for leaf in leaves)
        if len(_TEMPLATES) >= _MAX_TEMPLATES:
            _TEMPLATES.clear()
        template = _TEMPLATES[layout] = show(build(stand_ins), style)
    for slot, name in zip(_SLOTS, names):
        template = template.replace(slot, fmt_name(name, style))
    return template


def hadamard_tree(tree: Tree) -> Tree:
    """``tree`` with its products of two non-numbers written ⊙ (matrix form)."""
    if isinstance(tree, Leaf):
        return tree
    assert isinstance(tree, OpTree)
    children = tuple(hadamard_tree(c) for c in tree.children)
    op = tree.op
    if op == "mul" and not any(isinstance(c, Leaf) and c.is_number for c in children):
        op = "hadamard"
    return op_tree(op, children, tree.params)


def definition(G, node: str, style: str = "text") -> str:
    """``f1²`` for node f2 of problem 9; an input or constant shows its own name."""
    data = node_data(G)[node]
    if is_input(data["op"]):
        return fmt_name(node_label(G, node), style)
    if is_constant(data["op"]):
        return fmt_number(data["value"], style)
    tree = definition_tree(G, node)
    op, params = tree.op, tree.params
    leaves = cast(tuple[Leaf, ...], tree.children)  # a definition's children are leaves
    return show_leaves(("definition", op, params),
                       lambda stand_ins: op_tree(op, stand_ins, params), leaves, style)


@lru_cache(maxsize=1 << 16)  # a node's symbols recur in every step and term it is in
def derivative_symbol(of: str, wrt: str, style: str = "text") -> str:
    """``∂y/∂f3`` or ``\\frac{\\partial y}{\\partial f_{3}}``."""
    if style == "latex":
        return rf"\frac{{\partial {fmt_name(of, style)}}}{{\partial {fmt_name(wrt, style)}}}"
    if "/" in of:  # ∂(∂L/∂phi0)/∂phi1
        of = f"({of})"
    if "/" in wrt:
        wrt = f"({wrt})"
    return f"∂{of}/∂{wrt}"


@lru_cache(maxsize=1 << 16)
def seeded_symbol(kind: str, node: str, other: str, seed: str | None,
                  style: str = "text") -> str:
    """The symbol of a tangent (``kind="tangent"``: ∂node/∂other) or an adjoint
    (``"adjoint"``: ∂other/∂node) whose seed is described by ``seed``:

    * None, a scalar seed of 1: ``∂f/∂x``, ``∂y/∂f``;
    * ``"1"``, an array seeded with ones: ``∂f/∂z·1`` (the derivative along all-ones),
      ``∂(Σy)/∂f`` (the gradient of the sum);
    * ``"[i]"``, one-hot at element i: ``∂f/∂z[i]``, ``∂y[i]/∂f``;
    * ``"v"``, any other seed v: ``∂f/∂z·v``, ``∂(v·y)/∂f``.
    """
    if seed is None:
        return (derivative_symbol(node, other, style) if kind == "tangent"
                else derivative_symbol(other, node, style))
    latex = style == "latex"
    if kind == "tangent":
        of, wrt = _operand(node, style), _operand(other, style)
        if seed.startswith("["):
            return _partial(of, wrt + seed, style)
        vector = (r"\mathbf{1}" if seed == "1" else "v") if latex else seed
        return product([_partial(of, wrt, style), vector], style)
    of, wrt = _operand(other, style), _operand(node, style)
    if seed.startswith("["):
        of += seed
    elif seed == "1":
        of = rf"\left(\sum {of}\right)" if latex else f"(Σ{of})"
    else:
        of = rf"\left(v \cdot {of}\right)" if latex else f"(v·{of})"
    return _partial(of, wrt, style)


def _operand(name: str, style: str) -> str:
    if style == "latex":
        return fmt_name(name, style)
    return f"({name})" if "/" in name else name


def _partial(of: str, wrt: str, style: str) -> str:
    if style == "latex":
        return rf"\frac{{\partial {of}}}{{\partial {wrt}}}"
    return f"∂{of}/∂{wrt}"


def hadamard(factors: list[str], style: str = "text") -> str:
    """Join factors with the elementwise product ``⊙`` (``\\odot``)."""
    return (r" \odot " if style == "latex" else " ⊙ ").join(factors)


def sum_over(term: str, what: str = "", style: str = "text", wrap: bool = True) -> str:
    """``Σ(term)``, or over the rows of a matrix ``Σ_rows term`` (``\\sum_{\\text{rows}}``)."""
    if style == "latex":
        sigma = rf"\sum_{{\text{{{what}}}}}" if what else r"\sum"
        return rf"{sigma}\left({term}\right)" if wrap else f"{sigma} {term}"
    sigma = f"Σ_{what}" if what else "Σ"
    return f"{sigma}({term})" if wrap or not what else f"{sigma} {term}"


