"""stdout and stderr that never raise on a character their encoding lacks.

With ``PYTHONIOENCODING=latin-1`` (or ``ascii``, or a C locale) ``print("∂y/∂x")`` raises
UnicodeEncodeError.  Every command (and ``--help``) first sets both streams to write such
characters as JSON's ``\\uXXXX`` escapes: a person still reads them, and a JSON report
stays valid JSON with the same text.  Imports nothing heavy (``--help`` uses it).
"""

from __future__ import annotations

import codecs
import sys


def _json_escape(err: UnicodeError) -> tuple[str, int]:
    """Unencodable characters as JSON's ``\\uXXXX`` escapes (a surrogate pair above
    U+FFFF), which JSON reads back as the same text and a person can still read."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    out = []
    for ch in err.object[err.start:err.end]:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), err.end


codecs.register_error("graphviz-ad-escape", _json_escape)


def tolerant_streams() -> None:
    """Let stdout and stderr write what their encoding cannot (``PYTHONIOENCODING=latin-1``
    or ``ascii``, a C locale) as ``\\u2202`` escapes instead of raising: ∂ still reads,
    and JSON stays valid JSON with the same meaning."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="graphviz-ad-escape")
