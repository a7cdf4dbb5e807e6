"""The table's convolution, pooling and reshaping entries (:data:`ARRAY_ENTRIES`), each
generated for one and two spatial dimensions; :mod:`graphviz_ad.core.ops` holds them with
the rest.  The numbers are :mod:`graphviz_ad.core.convolution`'s."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from . import convolution as cv
from .primitive import PREC_ADD, PREC_MUL, Primitive


def _keywords(*names: str) -> str:
    """``, stride=stride, …``: a rule's call passing the op's own params on."""
    return "".join(f", {n}={n}" for n in names)


def _convolutions(nd: int) -> list[Primitive]:
    """conv{nd}d and its two adjoints, each bilinear: the VJP wrt the input is the full
    convolution with the flipped kernel (``⊛ flip(W)``), wrt the weights the correlation
    of the input with the gradient (``⋆``); ``fit_to`` trims each to its operand.  The
    helpers here and in :func:`_poolings` are ``shaping``: never folded from numbers, and
    shown by their template (the lecture's notation; the settings are the op's own)."""
    name, kw = f"conv{nd}d", _keywords("stride", "padding", "dilation")
    dx, dw = f"{name}_dx", f"{name}_dw"
    settings = ("stride", "padding", "dilation")
    entries = [
        Primitive(name, 2, partial(cv.conv, nd=nd), None, f"{name}({{a}}, {{b}})",
                  rf"\operatorname{{{{{name}}}}}({{a}}, {{b}})", params=settings,
                  jvp=f"{name}(da, b{kw}) + {name}(a, db{kw})",
                  vjp=(f"fit_to({dx}(g, b{kw}), a)", f"fit_to({dw}(a, g{kw}), b)"),
                  matrix=True, source=f"{name}({{a}}, {{b}})",
                  example=((1, 5), (1, 1, 3)) if nd == 1 else ((1, 4, 4), (1, 1, 3, 3))),
        Primitive(dx, 2, partial(cv.conv_dx, nd=nd), None, "{a} ⊛ flip({b})",
                  r"{a} \circledast \operatorname{{flip}}({b})", PREC_MUL, "none",
                  params=settings, helper=True, matrix=True, shaping=True,
                  jvp=f"{dx}(da, b{kw}) + {dx}(a, db{kw})",
                  vjp=(f"fit_to({name}(g, b{kw}), a)", f"fit_to({dw}(g, a{kw}), b)")),
        Primitive(dw, 2, partial(cv.conv_dw, nd=nd), None, "{a} ⋆ {b}", r"{a} \star {b}",
                  PREC_MUL, "none", params=settings, helper=True, matrix=True, shaping=True,
                  jvp=f"{dw}(da, b{kw}) + {dw}(a, db{kw})",
                  vjp=(f"fit_to({dx}(b, g{kw}), a)", f"fit_to({name}(a, g{kw}), b)")),
    ]
    return [replace(p, spatial=nd, convolution=p.name == name) for p in entries]


def _poolings(nd: int) -> list[Primitive]:
    """maxpool{nd}d (the gradient routed to each window's argmax) and avgpool{nd}d
    (shared equally), with the helpers that are their tangent and adjoint maps."""
    settings = ("kernel", "stride", "padding")
    kw = _keywords(*settings)
    mx, av = f"maxpool{nd}d", f"avgpool{nd}d"
    pick, route, share = f"{mx}_pick", f"{mx}_route", f"{av}_t"
    example = ((1, 4),) if nd == 1 else ((1, 4, 4),)
    entries = [
        Primitive(mx, 1, partial(cv.maxpool, nd=nd), None, f"{mx}({{a}})",
                  rf"\operatorname{{{{{mx}}}}}({{a}})", params=settings,
                  jvp=f"{pick}(da, a{kw})", vjp=(f"{route}(g, a{kw})",), nonlinear=True,
                  matrix=True, example=example, source=f"{mx}({{a}})"),
        Primitive(pick, 2, partial(cv.pool_pick, nd=nd), None, "{a}[argmax {b}]",
                  r"{{{a}}}_{{[\arg\max {b}]}}", params=settings, helper=True, shaping=True,
                  jvp=f"{pick}(da, b{kw})", vjp=(f"{route}(g, b{kw})", "0")),
        Primitive(route, 2, partial(cv.pool_route, nd=nd), None, "{a} → argmax {b}",
                  r"{a} \to \arg\max {b}", PREC_MUL, "none", params=settings, helper=True,
                  shaping=True,
                  jvp=f"{route}(da, b{kw})", vjp=(f"{pick}(g, b{kw})", "0")),
        Primitive(av, 1, partial(cv.avgpool, nd=nd), None, f"{av}({{a}})",
                  rf"\operatorname{{{{{av}}}}}({{a}})", params=settings,
                  jvp=f"{av}(da{kw})", vjp=(f"{share}(g, a{kw})",), matrix=True,
                  example=example, source=f"{av}({{a}})"),
        Primitive(share, 2, partial(cv.avgpool_t, nd=nd), None, "{a} → mean {b}",
                  r"{a} \to \operatorname{{mean}} {b}", PREC_MUL, "none", params=settings,
                  helper=True, shaping=True, jvp=f"{share}(da, b{kw})", vjp=(f"{av}(g{kw})", "0")),
    ]
    kinds = {mx: "max", av: "avg"}
    return [replace(p, spatial=nd, pool=kinds.get(p.name)) for p in entries]


ARRAY_ENTRIES: list[Primitive] = [
    *_convolutions(1), *_convolutions(2), *_poolings(1), *_poolings(2),
    # shown as its operand, which keeps its own precedence (PREC_ADD: never parenthesized)
    Primitive("fit_to", 2, cv.fit_to, None, "{a}", "{a}", PREC_ADD, "both", helper=True,
              shaping=True,
              jvp="fit_to(da, b)", vjp=("fit_to(g, a)", "0")),
    Primitive("flatten", 1, cv.flatten, None, "flatten({a})",
              r"\operatorname{{flatten}}({a})", params=("start",),
              jvp="flatten(da, start=start)", vjp=("reshape_like(g, a)",), matrix=True,
              example=((2, 3),), source="flatten({a})"),
    Primitive("reshape", 1, cv.reshape, None, "reshape({a})",
              r"\operatorname{{reshape}}({a})", params=("shape",),
              jvp="reshape(da, shape=shape)", vjp=("reshape_like(g, a)",), matrix=True,
              example=((2, 3),), source="reshape({a})"),
    Primitive("reshape_like", 2, cv.reshape_like, None, "{a}", "{a}", helper=True,
              shaping=True, jvp="reshape_like(da, b)", vjp=("reshape_like(g, a)", "0")),
]
