"""The blanks of one worksheet variant: what is asked, its answer, and its wrong paths.

One mechanism serves both kinds of sheet.  A :class:`Sheet` is a table whose cells are
plain words, :class:`Math` (a number or formula in both a Unicode text and a LaTeX form,
so Markdown/HTML and the PDF each print their own) or :class:`Blank` objects; every
blank knows

* its ``truth`` and the worked ``step`` the answer key prints (as :class:`Math`);
* ``consistent(look)``: the number it should have when recomputed from the student's own
  earlier numbers (``look(id)`` is the student's answer for a blank they answered, the true
  number otherwise), so an error carried forward costs one blank, not all that follow;
* ``wrong_paths(look)``: the numbers the common mistakes give, as ``(mistake, number,
  detail)``, found by recomputing the wrong path (one fan-out term only, the local factor
  without the upstream one, a sign flip, the value instead of the derivative; for conv
  stacks the kernel without its dilation, the jump left out, the padding left out, an
  interval end off by one).

Pass sheets (:mod:`.pass_sheet`) come from a Trace's public Steps and Contributions;
conv-stack sheets (:mod:`.stack_sheet`) from :func:`graphviz_ad.receptive.fields.receptive_fields`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.errors import GraphvizAdError
from ..core.number_format import fmt_number
from .variants import Variant

Look = Callable[[str], Any]
Path_ = tuple[str, Any, str]  # (mistake, number, detail)

#: what each mistake is called in reports, by its key
MISTAKES = {
    "carried": "an error carried from an earlier blank (graded as consistent)",
    "missing-term": "a fan-out sum missing a term",
    "no-upstream": "the local derivative without the upstream factor",
    "sign": "a sign error",
    "shape": "an answer of another shape than the blank's",
    "value-for-derivative": "a value given where a derivative was asked",
    "no-dilation": "the kernel used without its dilation",
    "no-jump": "the jump (product of earlier strides) left out",
    "jump-not-multiplied": "the stride alone, not multiplied by the previous jump",
    "no-padding": "the padding left out of the interval",
    "off-by-one": "the interval end off by one",
}
BLANK_KINDS = ("values", "tangents", "adjoints", "steps")
STACK_BLANKS = ("r", "j", "interval")
KEY_DIGITS = 6
INPUT_CELL = "input"  # an input's definition cell: the word, not a formula


@dataclass(frozen=True)
class Math:
    """A number or formula in two forms: Unicode ``text`` (Markdown, HTML, the drawing,
    grading messages) and LaTeX math ``latex`` (the PDF), both from the same source."""

    text: str
    latex: str

    def lhs(self) -> Math:
        """What an equation computes: its part before the first ``=``.

        >>> Math("f2 = f1² = 4", "f_{2} = f_{1}^{2} = 4").lhs()
        Math(text='f2', latex='f_{2}')
        """
        return Math(self.text.split(" = ")[0], self.latex.split(" = ")[0])


Text = str | Math  # str: plain words (prose: escaped, not typeset as math, in LaTeX)


@dataclass(eq=False)
class Blank:
    """One number the student fills in; ``id`` is what the answer file calls it."""

    id: str
    kind: str  # value | tangent | adjoint | r | j | start | end
    truth: Any
    step: Math
    consistent: Callable[[Look], Any]
    wrong_paths: Callable[[Look], list[Path_]]
    depends: tuple[str, ...] = ()
    symbol: str = ""  # as the step writes it: ∂y/∂f3 (the quiz matches frame captions)


Cell = Text | Blank


@dataclass
class Sheet:
    """One variant's worksheet: a table of given cells and blanks, in grading order."""

    title: str
    question: str
    variant: Variant
    given: list[Text]
    columns: list[Text]
    rows: list[list[Cell]]
    blanks: list[Blank]
    formulas: list[Math] = field(default_factory=list)  # the "steps" column (key only)
    steps_blank: bool = False
    edges: list[tuple[int, int]] = field(default_factory=list)  # row → row, for the drawing
    rankdir: str = "LR"
    truth: dict[str, Any] = field(default_factory=dict)  # every quantity by id, blank or given

    def blank(self, blank_id: str) -> Blank:
        for b in self.blanks:
            if b.id == blank_id:
                return b
        raise KeyError(blank_id)


def shown(value: Any, digits: int = KEY_DIGITS, style: str = "text") -> str:
    """A key's number: 6 significant digits; arrays element by element, never previewed
    (a sheet gives every number).  ``style="latex"``: the same number as LaTeX math, free
    to break after each comma (a long array then wraps inside its table cell)."""
    if np.ndim(value) == 0:
        return fmt_number(value, style, digits=digits)
    comma = r",\allowbreak " if style == "latex" else ", "
    return "[" + comma.join(shown(v, digits, style) for v in np.asarray(value)) + "]"


def number(value: Any, digits: int = KEY_DIGITS) -> Math:
    """:func:`shown` in both forms."""
    return Math(shown(value, digits), shown(value, digits, "latex"))


def parse_blanks(text: str) -> tuple[str, ...]:
    """``"values,adjoints"`` → ``("values", "adjoints")``; unknown kinds are an error."""
    kinds = tuple(dict.fromkeys(k.strip().lower() for k in text.split(",") if k.strip()))
    for kind in kinds:
        if kind not in BLANK_KINDS + STACK_BLANKS:
            raise GraphvizAdError(f"--blank: unknown kind {kind!r}; choose from "
                                  f"{', '.join(BLANK_KINDS)} (conv stacks: "
                                  f"{', '.join(STACK_BLANKS)})")
    return kinds
