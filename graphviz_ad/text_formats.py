"""The text formats a command prints its result in: one definition for the library and the CLI.

``DATA_FORMATS``: a table of numbers (``check``, ``jacobian``, ``hessian``, ``cost``) as an
aligned table or JSON.  ``TEXT_FORMATS``: a report (a pass's steps, a receptive-field
table), which can also be Markdown or LaTeX.
"""

DATA_FORMATS = ("table", "json")
TEXT_FORMATS = (*DATA_FORMATS, "markdown", "latex")
