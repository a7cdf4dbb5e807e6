"""What a name is: a Python identifier, Unicode included (β0, Ω1, λ, नाम), checked with
``str.isidentifier`` and NFKC-normalised as Python does (ﬁ and fi are one name).  The
grammar's NAME pattern reads letters and then any non-ASCII non-blank character; these
rules decide which of those are names, and say why not in one line.

>>> as_name("λ"), as_name("ﬁ"), as_name("x²")
('λ', 'fi', None)
>>> name_problem("x²")
(1, "invalid character '²' (U+00B2) in the name x²; write ^ for a power")
"""

from __future__ import annotations

import unicodedata

# Characters a name may not contain although the NAME pattern reads them (Python allows
# the middle dots in identifiers; here they are products): what to write instead
NOT_IN_NAMES = {c: "; write * for a product" for c in "·⋅×⊙∙"} | {
    c: "; write ^ for a power" for c in "⁰¹²³⁴⁵⁶⁷⁸⁹"} | {"−": "; write - for minus"}


def name_problem(text: str) -> tuple[int, str] | None:
    """None when ``text`` is a name, else the offset of its first bad character and one
    line saying what it is and what to write."""
    for at, char in enumerate(text):
        if char in NOT_IN_NAMES or not ("a" + char if at else char).isidentifier():
            return at, (f"invalid character {char!r} (U+{ord(char):04X}) in the name "
                        f"{text}{NOT_IN_NAMES.get(char, '')}")
    return None


def as_name(text: str) -> str | None:
    """``text`` as the language reads a name (NFKC-normalised), or None when it is not
    one (``"x²"``, ``"2x"``)."""
    if not text or name_problem(text) is not None:
        return None
    return text if text.isascii() else unicodedata.normalize("NFKC", text)
