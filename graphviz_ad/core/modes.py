"""The passes a program can be explained by: one :class:`Mode` enum for the library and the CLI.

A ``StrEnum``, so ``Mode.FORWARD == "forward"`` and JSON or command-line text is unchanged.
"""

from __future__ import annotations

import enum


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


SWEEPS = (Mode.FORWARD, Mode.REVERSE)  # the two directions a derivative is swept in
