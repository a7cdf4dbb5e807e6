"""Worksheets and answer keys of a :class:`~.sheet.Sheet` as Markdown, HTML and PDF.

Each has the question, the given numbers, the graph drawn (Graphviz) with the asked fields
blank, and the table with blanks named by the ids an answer file uses.  The answer key
fills every blank and writes out each blank's step.  PDF goes through LaTeX (pdflatex),
with the drawing as a Graphviz PDF.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..draw.graphviz_run import run_graphviz
from ..draw.names import safe_stem
from ..draw.output import write_bytes_atomic, write_text_atomic
from ..draw.template import dot_quote
from ..errors import GraphvizAdError
from .sheet import Blank, Cell, Sheet, shown

FORMATS = ("md", "html", "pdf")
BLANK = "______"
LATEX_TIMEOUT = 120


def stem(sheet: Sheet) -> str:
    """``v03`` or ``v03-Ada-Lovelace``: the variant's file names start with it."""
    v = sheet.variant
    return f"v{v.number:02d}" + (f"-{safe_stem(v.student)}" if v.student else "")


def cell_text(cell: Cell, key: bool) -> str:
    """A given cell as is; a blank as ``______ [id]`` on the sheet, its number in the key."""
    if isinstance(cell, Blank):
        return shown(cell.truth) if key else f"{BLANK} [{cell.id}]"
    return cell


def dot(sheet: Sheet, key: bool) -> str:
    """The sheet's rows as a graph: one box per row, blanks blank (or filled in the key)."""
    head = sheet.columns
    out = ["digraph worksheet {", f"  rankdir={sheet.rankdir};",
           '  node [shape=box, style=rounded, fontname="DejaVu Sans", fontsize=11];',
           '  edge [color="#666666"];']
    for i, row in enumerate(sheet.rows):
        if head[1] == "definition":
            first = cell_text(row[0], key) + (" (input)" if row[1] == "input" else f" = {row[1]}")
            rest = range(2, len(row))
        else:
            first, rest = f"{row[0]} ({row[1]})", range(2, len(row))
        lines = [first] + [f"{head[k]}: " + (BLANK if isinstance(row[k], Blank) and not key
                                              else cell_text(row[k], key)) for k in rest]
        label = dot_quote("\n".join(lines))
        out.append(f'  n{i} [label={label}];')
    out += [f"  n{a} -> n{b};" for a, b in sheet.edges]
    out.append("}")
    return "\n".join(out)


def answer_names(sheet: Sheet) -> str:
    return ", ".join(b.id for b in sheet.blanks)


def _intro(sheet: Sheet, key: bool) -> tuple[str, list[str]]:
    what = "Answer key" if key else "Worksheet"
    return f"{what} — {sheet.variant.label}", sheet.given


def markdown(sheet: Sheet, key: bool, picture: str | None = None) -> str:
    """The sheet (or key) as Markdown; ``picture`` is the drawing's file name beside it."""
    esc = lambda t: t.replace("|", r"\|")  # noqa: E731
    subtitle, given = _intro(sheet, key)
    out = [f"# {sheet.title}", "", f"**{subtitle}**", ""]
    if sheet.question:
        out += [sheet.question, ""]
    out += ["Given: " + "; ".join(given), ""]
    if picture:
        out += [f"![the graph]({picture})", ""]
    out += ["| " + " | ".join(esc(c) for c in sheet.columns) + " |",
            "|" + "---|" * len(sheet.columns)]
    out += ["| " + " | ".join(esc(cell_text(c, key)) for c in row) + " |" for row in sheet.rows]
    out += [""]
    if sheet.steps_blank:
        out += ["## Chain rule, step by step", ""]
        out += [f"{i + 1}. " + (f"`{f}`" if key else f"{f.split(' = ')[0]} = {BLANK}")
                for i, f in enumerate(sheet.formulas)] + [""]
    if key:
        out += ["## Every blank, worked", ""]
        out += [f"- `{b.id}` = {shown(b.truth)}: `{b.step}`" for b in sheet.blanks] + [""]
    else:
        out += [f"Hand in a CSV file with the header `blank,answer` and one line per blank "
                f"({answer_names(sheet)}); give at least 4 significant figures.", ""]
    return "\n".join(out)


PAGE_CSS = """body{font-family:"DejaVu Sans",Verdana,sans-serif;max-width:60em;margin:2em auto;
color:#111}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;
padding:4px 8px;text-align:left;vertical-align:top}td.blank{min-width:7em;color:#888}
code{font-size:95%}svg{max-width:100%;height:auto}@media print{body{margin:0}}"""


def html_page(sheet: Sheet, key: bool, svg: str) -> str:
    """One self-contained HTML file: the drawing inlined, nothing fetched."""
    e = html.escape
    subtitle, given = _intro(sheet, key)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(sheet.title)} — {e(subtitle)}</title><style>{PAGE_CSS}</style>",
             "</head><body>", f"<h1>{e(sheet.title)}</h1>", f"<p><b>{e(subtitle)}</b></p>"]
    if sheet.question:
        parts.append(f"<p>{e(sheet.question)}</p>")
    parts.append("<p>Given: " + "; ".join(e(g) for g in given) + "</p>")
    parts.append(_strip_prolog(svg))
    parts.append("<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in sheet.columns) + "</tr>")
    for row in sheet.rows:
        cells = []
        for c in row:
            text = e(cell_text(c, key))
            if isinstance(c, Blank) and not key:
                cells.append(f'<td class="blank" data-blank="{e(c.id)}">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</table>")
    if sheet.steps_blank:
        parts.append("<h2>Chain rule, step by step</h2><ol>")
        parts += [f"<li><code>{e(f if key else f.split(' = ')[0] + ' = ' + BLANK)}</code></li>"
                  for f in sheet.formulas]
        parts.append("</ol>")
    if key:
        parts.append("<h2>Every blank, worked</h2><ul>")
        parts += [f"<li><code>{e(b.id)}</code> = {e(shown(b.truth))}: <code>{e(b.step)}</code>"
                  "</li>" for b in sheet.blanks]
        parts.append("</ul>")
    else:
        parts.append(f"<p>Hand in a CSV file with the header <code>blank,answer</code> and one "
                     f"line per blank ({e(answer_names(sheet))}); give at least 4 significant "
                     f"figures.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _strip_prolog(svg: str) -> str:
    from ..draw.player import _inline_svg

    return _inline_svg(svg)


# -- LaTeX ------------------------------------------------------------------------------------

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}"}
_GREEK = "αβγδεζηθικλμνξπρστυφχψω"
_GREEK_TEX = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
              "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon",
              "phi", "chi", "psi", "omega"]
_UNICODE_TEX = {"∂": r"\partial", "·": r"\cdot", "−": "-", "×": r"\times", "…": r"\ldots",
                "Σ": r"\Sigma", "∑": r"\sum", "≤": r"\le", "≥": r"\ge", "≈": r"\approx",
                "≠": r"\ne", "∞": r"\infty", "±": r"\pm", "←": r"\leftarrow",
                "→": r"\rightarrow", "𝟏": r"\mathbf{1}", "𝟎": r"\mathbf{0}", "√": r"\surd",
                "\u0302": "", "ℝ": r"\mathbb{R}", "⊙": r"\odot", "ˣ": r"^{\times}",
                "ₓ": r"_{\times}", "↦": r"\mapsto", "∈": r"\in",
                **{c: "\\" + n for c, n in zip(_GREEK, _GREEK_TEX)},
                **{c: f"^{{{d}}}" for c, d in zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾ᵀ", "0123456789-()T")},
                **{c: f"_{{{d}}}" for c, d in zip("₀₁₂₃₄₅₆₇₈₉", "0123456789")}}

_TEXT_TEX = {"—": "---", "–": "--", "’": "'", "‘": "`", "“": "``", "”": "''"}


def tex(text: str) -> str:
    """Plain text for LaTeX: specials escaped, known symbols as math, others as ``?``."""
    out = []
    for ch in text:
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif ord(ch) < 128:
            out.append(ch)
        elif ch in _TEXT_TEX:
            out.append(_TEXT_TEX[ch])
        elif ch in _UNICODE_TEX:
            out.append(f"\\ensuremath{{{_UNICODE_TEX[ch]}}}" if _UNICODE_TEX[ch] else "")
        else:
            out.append("?")
    return "".join(out)


def latex(sheet: Sheet, key: bool, picture: str) -> str:
    """A LaTeX article: the drawing (``picture``, a PDF beside the .tex) and the table."""
    subtitle, given = _intro(sheet, key)
    cols = len(sheet.columns)
    lines = [r"\documentclass[10pt]{article}", r"\usepackage[margin=2cm]{geometry}",
             r"\usepackage{graphicx,array,longtable,amssymb}", r"\usepackage[T1]{fontenc}",
             r"\setlength{\parindent}{0pt}", r"\begin{document}",
             rf"\section*{{{tex(sheet.title)}}}", rf"\textbf{{{tex(subtitle)}}}\par\medskip"]
    if sheet.question:
        lines.append(tex(sheet.question) + r"\par\medskip")
    lines.append("Given: " + "; ".join(tex(g) for g in given) + r"\par\medskip")
    lines.append(rf"\begin{{center}}\includegraphics[width=\linewidth,height=0.45\textheight,"
                 rf"keepaspectratio]{{{picture}}}\end{{center}}")
    width = f"{0.92 / cols:.3f}"
    lines.append(r"{\small\begin{longtable}{|" + "|".join(
        [rf">{{\raggedright\arraybackslash}}p{{{width}\linewidth}}"] * cols) + "|}")
    lines.append(r"\hline " + " & ".join(rf"\textbf{{{tex(c)}}}" for c in sheet.columns)
                 + r" \\ \hline")
    for row in sheet.rows:
        lines.append(" & ".join(tex(cell_text(c, key)) for c in row) + r" \\ \hline")
    lines.append(r"\end{longtable}}")
    if sheet.steps_blank:
        lines.append(r"\subsection*{Chain rule, step by step}\begin{enumerate}")
        lines += [r"\item " + tex(f if key else f.split(" = ")[0] + " = " + BLANK)
                  for f in sheet.formulas]
        lines.append(r"\end{enumerate}")
    if key:
        lines.append(r"\subsection*{Every blank, worked}\begin{itemize}")
        lines += [rf"\item \texttt{{{tex(b.id)}}} = {tex(shown(b.truth))}: {tex(b.step)}"
                  for b in sheet.blanks]
        lines.append(r"\end{itemize}")
    else:
        lines.append(r"Hand in a CSV file with the header \texttt{blank,answer} and one line "
                     f"per blank ({tex(answer_names(sheet))}); give at least 4 significant "
                     "figures.")
    lines += [r"\end{document}", ""]
    return "\n".join(lines)


def pdf(sheet: Sheet, key: bool) -> bytes:
    """The LaTeX page compiled by pdflatex in a private directory."""
    exe = shutil.which("pdflatex")
    if exe is None:
        raise GraphvizAdError("pdf worksheets need pdflatex (TeX Live); "
                              "choose --format md,html")
    with tempfile.TemporaryDirectory(prefix="graphviz-ad-sheet-") as tmp:
        work = Path(tmp)
        (work / "graph.pdf").write_bytes(run_graphviz(dot(sheet, key), "pdf").output)
        (work / "sheet.tex").write_text(latex(sheet, key, "graph.pdf"), encoding="utf-8")
        try:
            proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error",
                                   "-no-shell-escape", "sheet.tex"], cwd=work,
                                  capture_output=True, timeout=LATEX_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise GraphvizAdError(f"pdflatex took longer than {LATEX_TIMEOUT} s") from None
        if proc.returncode != 0 or not (work / "sheet.pdf").exists():
            log = proc.stdout.decode("utf-8", "replace").splitlines()
            first = next((ln for ln in log if ln.startswith("!")), "no message")
            raise GraphvizAdError(f"pdflatex failed on {stem(sheet)}: {first}")
        return (work / "sheet.pdf").read_bytes()


def write_sheets(sheets: list[Sheet], out_dir: Path, formats: list[str]) -> list[Path]:
    """Worksheet and answer key of every sheet in every format, plus ``variants.csv``."""
    import csv
    import io

    from .build import variant_rows

    written: list[Path] = []
    for sheet in sheets:
        for key in (False, True):
            name = f"{stem(sheet)}-{'key' if key else 'worksheet'}"
            svg = run_graphviz(dot(sheet, key), "svg").output.decode("utf-8")
            if "md" in formats:
                written.append(write_text_atomic(out_dir / f"{name}.svg", svg))
                written.append(write_text_atomic(out_dir / f"{name}.md",
                                                 markdown(sheet, key, f"{name}.svg")))
            if "html" in formats:
                written.append(write_text_atomic(out_dir / f"{name}.html",
                                                 html_page(sheet, key, svg)))
            if "pdf" in formats:
                written.append(write_bytes_atomic(out_dir / f"{name}.pdf", pdf(sheet, key)))
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(variant_rows(sheets))
    written.append(write_text_atomic(out_dir / "variants.csv", text.getvalue()))
    return written
