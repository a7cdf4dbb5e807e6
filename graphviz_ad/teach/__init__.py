"""A teaching kit: per-student worksheet variants, answer keys and grading with diagnosis.

* :mod:`.variants`  — inputs drawn reproducibly from ranges, one set per student;
* :mod:`.sheet`     — the blanks of one variant (a pass's Wengert table, or a conv stack's
  r, j and interval per layer), each with its truth, its step and its wrong paths;
* :mod:`.worksheet` — worksheets and answer keys as Markdown, HTML and PDF;
* :mod:`.grade`     — answers graded within a sig-fig-aware tolerance, mistakes diagnosed,
  reported as text or Gradescope JSON.
"""
