"""Display: numbers, names and expression trees as Unicode text or LaTeX.

One printer serves node definitions (``f3 = f1 + f2``), local partials
(``∂f4/∂f3 = exp(f3)``) and chain-rule lines, in both styles, with the fewest
parentheses that keep the meaning.

>>> from graphviz_ad.rules import name_leaf, number_leaf
>>> show(("op", "pow", (name_leaf("f1"), number_leaf(2))))
'f1²'
>>> show(("op", "pow", (name_leaf("f1"), number_leaf(2))), "latex")
'f_{1}^{2}'
>>> fmt_number(-0.99952)
'−0.9995'
"""

from __future__ import annotations

import re

import numpy as np

from .ops import PREC_ATOM, PREC_NEG, PREC_POW, PRIMITIVES
from .rules import Tree

SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "lam": "λ", "mu": "μ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "psi": "ψ", "omega": "ω", "rho": "ρ", "xi": "ξ", "nu": "ν", "kappa": "κ", "zeta": "ζ",
}
_NAME_PARTS = re.compile(r"^([A-Za-z]+?)_?(\d+)$")
MAX_SHOWN_ELEMENTS = 6


def fmt_number(value: object, style: str = "text", digits: int = 4) -> str:
    """A number as a reader wants it: 4 significant digits, integers without '.0',
    a real minus sign in text, small arrays element by element."""
    arr = np.asarray(value)
    if arr.ndim > 0:
        if arr.size > MAX_SHOWN_ELEMENTS:
            shape = "×".join(str(n) for n in arr.shape)
            kind = "vector" if arr.ndim == 1 else "array"
            return (f"[{shape}-{kind}]" if style == "text"
                    else rf"[{shape}\text{{-{kind}}}]")
        inner = ", ".join(fmt_number(v, style, digits) for v in arr.ravel())
        return f"[{inner}]" if style == "text" else rf"\left[{inner}\right]"
    v = float(arr)
    if np.isnan(v):
        return "nan" if style == "text" else r"\mathrm{NaN}"
    if np.isinf(v):
        sign = "−" if v < 0 and style == "text" else ("-" if v < 0 else "")
        return sign + ("inf" if style == "text" else r"\infty")
    if v == 0:
        return "0"
    if v.is_integer() and abs(v) < 1e9:
        text = str(int(v))
    else:
        text = f"{v:.{digits}g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            exponent = str(int(exponent))
            text = (f"{mantissa}×10{exponent.translate(SUPERSCRIPTS)}" if style == "text"
                    else rf"{mantissa} \times 10^{{{exponent}}}")
    return text.replace("-", "−") if style == "text" else text


def fmt_name(name: str, style: str = "text") -> str:
    """A node name for display; in LaTeX ``f1`` → ``f_{1}``, ``phi0`` → ``\\phi_{0}``."""
    if style == "text":
        return name
    if name.startswith("∂") and "/∂" in name:  # a gradient graph's node, e.g. ∂L/∂phi0
        of, wrt = name[1:].split("/∂", 1)
        return derivative_symbol(of, wrt, style)
    match = _NAME_PARTS.match(name)
    base, sub = (match.group(1), match.group(2)) if match else (name, "")
    if base in GREEK:
        base = "\\" + ("lambda" if base == "lam" else base)
    elif len(base) > 1:
        base = rf"\mathrm{{{base}}}".replace("_", r"\_")
    return f"{base}_{{{sub}}}" if sub else base


def _prec(tree: Tree) -> int:
    """How tightly the displayed tree binds (negative numbers act like unary minus)."""
    if tree[0] == "leaf":
        return PREC_NEG if tree[2] and float(tree[1]) < 0 else PREC_ATOM
    prim = PRIMITIVES[tree[1]]
    if tree[1] == "pow" and _small_integer(tree[2][1]) is not None:
        return PREC_POW
    return prim.prec


def _small_integer(tree: Tree) -> int | None:
    if tree[0] == "leaf" and tree[2] and float(tree[1]).is_integer() and 0 <= tree[1] < 100:
        return int(tree[1])
    return None


def show(tree: Tree, style: str = "text") -> str:
    """Print a display tree as Unicode text (``style="text"``) or LaTeX (``"latex"``)."""
    if tree[0] == "leaf":
        return fmt_number(tree[1], style) if tree[2] else fmt_name(tree[1], style)
    op, children = tree[1], tree[2]
    prim = PRIMITIVES[op]
    if op == "pow" and style == "text" and _small_integer(children[1]) is not None:
        base = _wrap(children[0], PRIMITIVES["pow"], 0, style)
        return base + str(_small_integer(children[1])).translate(SUPERSCRIPTS)
    template = prim.latex if style == "latex" else prim.text
    parts = {}
    for index, key in enumerate("ab"[: len(children)]):
        parts[key] = _wrap(children[index], prim, index, style)
    return template.format(**parts)


def _wrap(child: Tree, parent, index: int, style: str) -> str:
    """Show ``child`` as operand ``index`` of ``parent``, parenthesised only if needed."""
    text = show(child, style)
    if parent.functional or parent.prec == PREC_ATOM:
        return text
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
    if parent.name == "mul" and index == 1 and child[0] == "leaf" and child[2] and child[1] < 0:
        need = True
    if not need:
        return text
    return f"({text})" if style == "text" else rf"\left({text}\right)"


def definition_tree(G, node: str) -> Tree:
    """The display tree of a node's own operation over its operands' names/values."""
    from .rules import name_leaf, number_leaf

    data = G.nodes[node]
    leaves = []
    for operand in data["operands"]:
        od = G.nodes[operand]
        leaves.append(number_leaf(od["value"]) if od["op"] == "const" else name_leaf(od["name"]))
    return ("op", data["op"], tuple(leaves))


def definition(G, node: str, style: str = "text") -> str:
    """``f1²`` for node f2 of problem 9; an input or constant shows its own name."""
    data = G.nodes[node]
    if data["op"] == "input":
        return fmt_name(data["name"], style)
    if data["op"] == "const":
        return fmt_number(data["value"], style)
    return show(definition_tree(G, node), style)


def derivative_symbol(of: str, wrt: str, style: str = "text") -> str:
    """``∂y/∂f3`` or ``\\frac{\\partial y}{\\partial f_{3}}``."""
    if style == "latex":
        return rf"\frac{{\partial {fmt_name(of, style)}}}{{\partial {fmt_name(wrt, style)}}}"
    of, wrt = (f"({n})" if "/" in n else n for n in (of, wrt))  # ∂(∂L/∂phi0)/∂phi1
    return f"∂{of}/∂{wrt}"


def product(factors: list[str], style: str = "text") -> str:
    """Join factors with the multiplication dot of the style."""
    return (r" \cdot " if style == "latex" else "·").join(factors)


def parenthesize_negative(text: str, style: str = "text") -> str:
    """``−1.00`` → ``(−1.00)`` inside a product."""
    if text.startswith(("−", "-")):
        return f"({text})" if style == "text" else rf"\left({text}\right)"
    return text

