"""Every output format graphviz-ad writes: one definition per family, read by the library's
checks and the command line's choices alike (no imports, so ``--help`` stays light).

``DATA_FORMATS``: a table of numbers (``check``, ``jacobian``, ``hessian``, ``cost``) as an
aligned table or JSON.  ``TEXT_FORMATS``: a report (a pass's steps, a receptive-field
table), which can also be Markdown or LaTeX.  ``FRAME_FORMATS``: a drawing's frames
(``draw/writers.py``), of which ``RASTER_FORMATS`` go through a rasterizer;
``DRAW_FORMATS`` adds the DOT source and ``PAGE_FORMATS``, pages of a program (``explorer``:
the live page of ``draw/explorer.py``, not frames).  (``pptx`` draws its own pictures at
the slide's size unless the raster formats already did.)  ``PLOT_FORMATS``: matplotlib figures.
``WORKSHEET_FORMATS``: worksheets and answer keys.
"""

DATA_FORMATS = ("table", "json")
TEXT_FORMATS = (*DATA_FORMATS, "markdown", "latex")
FRAME_FORMATS = ("svg", "png", "pdf", "gif", "apng", "mp4", "html", "beamer", "pptx")
RASTER_FORMATS = frozenset({"png", "gif", "apng", "mp4"})
PAGE_FORMATS = ("explorer",)
DRAW_FORMATS = (*FRAME_FORMATS, "dot", *PAGE_FORMATS)
PLOT_FORMATS = ("png", "svg", "pdf")
WORKSHEET_FORMATS = ("md", "html", "pdf")
