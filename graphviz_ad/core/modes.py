"""The passes a program can be explained by: one :class:`Mode` enum for the library and the CLI.

A ``StrEnum``, so ``Mode.FORWARD == "forward"`` and JSON or command-line text is unchanged.
"""

from __future__ import annotations

import enum


class Kind(enum.StrEnum):
    """What a step computes and what node attribute holds it: ``value`` (evaluate),
    ``tangent`` (forward: ∂node/∂wrt) or ``adjoint`` (reverse: ∂of/∂node)."""

    VALUE = "value"
    TANGENT = "tangent"
    ADJOINT = "adjoint"


class Mode(enum.StrEnum):
    """``evaluate``: values only; ``forward``: tangents ∂node/∂wrt; ``reverse``: adjoints
    ∂of/∂node; ``both``: the forward passes, then the reverse ones (a request, never a
    :class:`~graphviz_ad.core.trace.Trace`'s mode)."""

    EVALUATE = "evaluate"
    FORWARD = "forward"
    REVERSE = "reverse"
    BOTH = "both"

    def passes(self) -> tuple[Mode, ...]:
        """The single passes this mode asks for, in order."""
        return (Mode.FORWARD, Mode.REVERSE) if self is Mode.BOTH else (self,)

    @property
    def kind(self) -> Kind:
        """What a single pass of this mode computes: the one mode → kind rule."""
        kinds = {Mode.EVALUATE: Kind.VALUE, Mode.FORWARD: Kind.TANGENT, Mode.REVERSE: Kind.ADJOINT}
        if self not in kinds:
            raise ValueError(f"{self} is a request for several passes, not one pass")
        return kinds[self]


SWEEPS = (Mode.FORWARD, Mode.REVERSE)  # the two directions a derivative is swept in
