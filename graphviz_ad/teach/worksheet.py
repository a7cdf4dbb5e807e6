"""Worksheets and answer keys of a :class:`~.sheet.Sheet` as Markdown, HTML and PDF.

Each has the question, the given numbers, the graph drawn (Graphviz) with the asked fields
blank, and the table with blanks named by the ids an answer file uses.  The answer key
fills every blank and writes out each blank's step.  PDF goes through LaTeX (pdflatex),
with the drawing as a Graphviz PDF: numbers and formulas are typeset from their LaTeX
forms (:class:`~.sheet.Math`, built from the same formula trees as the steps' text), and
only prose (titles, questions, names) goes through :func:`tex`.
"""

from __future__ import annotations

import csv
import html
import io
import os
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

from ..core.errors import GraphvizAdError
from ..draw.graphviz_run import run_graphviz
from ..draw.names import safe_stem
from ..draw.palette import BLANK_TEXT, INK, RULE, SHEET_EDGE
from ..draw.player import _inline_svg
from ..draw.staging import Staging, read_manifest
from ..draw.template import dot_quote
from .build import variant_rows
from .escape import csv_cell, markdown_text, one_line
from .record import RECORD, Record
from .sheet import INPUT_CELL, Blank, Cell, Math, Sheet, Text, shown
from .variants import Variant

BLANK = "______"
WORKSHEETS_STEM = "worksheets"  # the manifest's entry for a worksheet run
LATEX_TIMEOUT = 120


def stem(sheet: Sheet) -> str:
    """``v03`` or ``v03-Ada-Lovelace``: the variant's file names start with it."""
    return sheet_stem_of(sheet.variant)


def sheet_stem_of(v: Variant) -> str:
    """:func:`stem` of a variant's sheet."""
    return f"v{v.number:02d}" + (f"-{safe_stem(v.student)}" if v.student else "")


def cell_text(cell: Cell, key: bool = False) -> str:
    """A given cell's text; a blank as ``______ [id]`` on the sheet, its number in the key."""
    if isinstance(cell, Blank):
        return shown(cell.truth) if key else f"{BLANK} [{cell.id}]"
    return cell.text if isinstance(cell, Math) else cell


def cell_latex(cell: Cell, key: bool = False) -> str:
    """A cell for LaTeX: numbers and formulas as math from their LaTeX form, words as prose;
    a blank as ``______ [id]`` on the sheet, its number (math) in the key."""
    if isinstance(cell, Blank):
        return f"${shown(cell.truth, style='latex')}$" if key else \
            rf"{tex(BLANK)} [\texttt{{{tex(cell.id)}}}]"
    return f"${cell.latex}$" if isinstance(cell, Math) else tex(cell)


def dot(sheet: Sheet, key: bool) -> str:
    """The sheet's rows as a graph: one box per row, blanks blank (or filled in the key)."""
    head = sheet.columns
    out = ["digraph worksheet {", f"  rankdir={sheet.rankdir};",
           '  node [shape=box, style=rounded, fontname="DejaVu Sans", fontsize=11];',
           f'  edge [color="{SHEET_EDGE}"];']
    for i, row in enumerate(sheet.rows):
        if head[1] == "definition":
            first = cell_text(row[0], key) + (" (input)" if row[1] == INPUT_CELL
                                              else f" = {cell_text(row[1])}")
            rest = range(2, len(row))
        else:
            first, rest = f"{cell_text(row[0])} ({cell_text(row[1])})", range(2, len(row))
        lines = [first] + [f"{cell_text(head[k])}: " + (
            BLANK if isinstance(row[k], Blank) and not key else cell_text(row[k], key))
            for k in rest]
        label = dot_quote("\n".join(lines))
        out.append(f'  n{i} [label={label}];')
    out += [f"  n{a} -> n{b};" for a, b in sheet.edges]
    out.append("}")
    return "\n".join(out)


def answer_names(sheet: Sheet) -> str:
    return ", ".join(b.id for b in sheet.blanks)


def _intro(sheet: Sheet, key: bool) -> tuple[str, list[Text]]:
    what = "Answer key" if key else "Worksheet"
    return f"{what} — {sheet.variant.label}", sheet.given


def markdown(sheet: Sheet, key: bool, picture: str | None = None) -> str:
    """The sheet (or key) as Markdown; ``picture`` is the drawing's file name beside it."""
    esc = lambda t: t.replace("|", r"\|")  # noqa: E731
    subtitle, given = _intro(sheet, key)
    out = [f"# {markdown_text(one_line(sheet.title))}", "",
           f"**{markdown_text(one_line(subtitle))}**", ""]
    if sheet.question:
        out += [markdown_text(sheet.question), ""]
    out += ["Given: " + "; ".join(cell_text(g) for g in given), ""]
    if picture:
        out += [f"![the graph]({picture})", ""]
    out += ["| " + " | ".join(esc(cell_text(c)) for c in sheet.columns) + " |",
            "|" + "---|" * len(sheet.columns)]
    out += ["| " + " | ".join(esc(cell_text(c, key)) for c in row) + " |" for row in sheet.rows]
    out += [""]
    if sheet.steps_blank:
        out += ["## Chain rule, step by step", ""]
        out += [f"{i + 1}. " + (f"`{f.text}`" if key else f"{f.lhs().text} = {BLANK}")
                for i, f in enumerate(sheet.formulas)] + [""]
    if key:
        out += ["## Every blank, worked", ""]
        out += [f"- `{b.id}` = {shown(b.truth)}: `{b.step.text}`" for b in sheet.blanks] + [""]
    else:
        out += [f"Hand in a CSV file with the header `blank,answer` and one line per blank "
                f"({answer_names(sheet)}); give at least 4 significant figures.", ""]
    return "\n".join(out)


PAGE_CSS = f"""body{{font-family:"DejaVu Sans",Verdana,sans-serif;max-width:60em;margin:2em auto;
color:{INK}}}table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid {RULE};
padding:4px 8px;text-align:left;vertical-align:top}}td.blank{{min-width:7em;color:{BLANK_TEXT}}}
code{{font-size:95%}}svg{{max-width:100%;height:auto}}@media print{{body{{margin:0}}}}"""


def html_page(sheet: Sheet, key: bool, svg: str) -> str:
    """One self-contained HTML file: the drawing inlined, nothing fetched."""
    e = html.escape
    subtitle, given = _intro(sheet, key)
    title, subtitle = one_line(sheet.title), one_line(subtitle)
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(title)} — {e(subtitle)}</title><style>{PAGE_CSS}</style>",
             "</head><body>", f"<h1>{e(title)}</h1>", f"<p><b>{e(subtitle)}</b></p>"]
    if sheet.question:
        parts.append(f"<p>{e(sheet.question)}</p>")
    parts.append("<p>Given: " + "; ".join(e(cell_text(g)) for g in given) + "</p>")
    parts.append(_inline_svg(svg))  # the drawing without its XML prolog
    parts.append("<table><tr>" + "".join(f"<th>{e(cell_text(c))}</th>" for c in sheet.columns)
                 + "</tr>")
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
        parts += [f"<li><code>{e(f.text if key else f.lhs().text + ' = ' + BLANK)}</code></li>"
                  for f in sheet.formulas]
        parts.append("</ol>")
    if key:
        parts.append("<h2>Every blank, worked</h2><ul>")
        parts += [f"<li><code>{e(b.id)}</code> = {e(shown(b.truth))}: <code>{e(b.step.text)}</code>"
                  "</li>" for b in sheet.blanks]
        parts.append("</ul>")
    else:
        parts.append(f"<p>Hand in a CSV file with the header <code>blank,answer</code> and one "
                     f"line per blank ({e(answer_names(sheet))}); give at least 4 significant "
                     f"figures.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


# -- LaTeX ------------------------------------------------------------------------------------

_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                "#": r"\#", "^": r"\^{}", "_": r"\_", "%": r"\%", "~": r"\~{}"}
_GREEK = "αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΥΦΨΩ"
_GREEK_TEX = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
              "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon",
              "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi",
              "Sigma", "Upsilon", "Phi", "Psi", "Omega"]
#: symbols the sheets' words and formulas use, declared to LaTeX as math (in the preamble),
#: so prose and LaTeX formulas (a node named α) may both contain them as they are
MATH_CHARACTERS = {
    "∂": r"\partial", "·": r"\cdot", "−": "-", "×": r"\times", "…": r"\ldots",
    "∑": r"\sum", "≤": r"\le", "≥": r"\ge", "≈": r"\approx", "≠": r"\ne", "∞": r"\infty",
    "±": r"\pm", "←": r"\leftarrow", "→": r"\rightarrow", "𝟙": r"\mathbf{1}",
    "𝟘": r"\mathbf{0}", "√": r"\surd", "ℝ": r"\mathbb{R}", "⊙": r"\odot", "ˣ": r"^{\times}",
    "ₓ": r"_{\times}", "↦": r"\mapsto", "∈": r"\in", "ᵀ": "^{T}", "∇": r"\nabla",
    "⋅": r"\cdot", "∏": r"\prod", "∫": r"\int",
    **{c: "\\" + n for c, n in zip(_GREEK, _GREEK_TEX)},
    **{c: f"^{{{d}}}" for c, d in zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾", "0123456789-()")},
    **{c: f"_{{{d}}}" for c, d in zip("₀₁₂₃₄₅₆₇₈₉", "0123456789")}}
#: Latin letters beyond ASCII that T1-encoded fonts lack (TeX Live's t1enc.dfu): every other
#: character from U+00A0 to U+017F (é, ß, ø, ł, …) is typeset by inputenc as it is
_NOT_IN_T1 = set("ĦħĸĿŀŉŦŧſ")
#: combining accents (k̂: k and U+0302) as LaTeX accent commands on the letter before them
_ACCENTS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=",
            "\u0307": ".", "\u0308": '"'}


def _typeset(ch: str) -> bool:
    """Whether LaTeX (utf8 inputenc, T1 fonts, the preamble's math characters) prints ``ch``."""
    code = ord(ch)
    return (32 <= code < 127 or ch in "\n\t" or ch in MATH_CHARACTERS or ch in "—–‘’“”"
            or (0xA0 <= code <= 0x17F and ch not in _NOT_IN_T1))


def tex(text: str) -> str:
    """Prose for LaTeX (titles, questions, names): specials escaped, every character kept
    as it is when LaTeX can print it; a combining accent joins its letter (k̂ is k with
    a circumflex), compatibility forms are decomposed (ﬁ → fi, xᵢ → x\\textsubscript{i}),
    and what is left is named by
    its code point, never dropped or replaced by ``?``.

    >>> print(tex("Müller's 50% k̂ ∂y/∂x ﬁt ♞"))
    Müller's 50\\% \\^{k} ∂y/∂x fit \\textsc{u+265e}
    """
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif _typeset(ch):
            out.append(ch)
        elif ch in _ACCENTS:
            out.append(f"\\{_ACCENTS[ch]}{{{out.pop() if out else ''}}}")
        elif all(_typeset(c) for c in unicodedata.normalize("NFKD", ch)):
            plain = tex(unicodedata.normalize("NFKD", ch))
            tag = unicodedata.decomposition(ch).split()[0]
            out.append({"<sub>": rf"\textsubscript{{{plain}}}",
                        "<super>": rf"\textsuperscript{{{plain}}}"}.get(tag, plain))
        else:
            out.append(rf"\textsc{{u+{ord(ch):04x}}}")
    return "".join(out)


def preamble() -> list[str]:
    """The article's preamble: UTF-8 input, T1 fonts, AMS math, and the math characters."""
    declared = [rf"\DeclareUnicodeCharacter{{{ord(c):04X}}}{{\ensuremath{{{m}}}}}"
                for c, m in MATH_CHARACTERS.items() if m]
    return [r"\documentclass[10pt]{article}", r"\usepackage[margin=2cm]{geometry}",
            r"\usepackage[T1]{fontenc}", r"\usepackage[utf8]{inputenc}",
            r"\usepackage{graphicx,array,longtable,amsmath,amssymb}", *declared,
            r"\setlength{\parindent}{0pt}"]


def latex(sheet: Sheet, key: bool, picture: str) -> str:
    """A LaTeX article: the drawing (``picture``, a PDF beside the .tex) and the table; each
    step, number and formula typeset from its LaTeX form."""
    subtitle, given = _intro(sheet, key)
    cols = len(sheet.columns)
    lines = [*preamble(), r"\begin{document}",
             rf"\section*{{{tex(one_line(sheet.title))}}}",
             rf"\textbf{{{tex(one_line(subtitle))}}}\par\medskip"]
    if sheet.question:
        lines.append(tex(sheet.question) + r"\par\medskip")
    lines.append("Given: " + "; ".join(cell_latex(g) for g in given) + r"\par\medskip")
    lines.append(rf"\begin{{center}}\includegraphics[width=\linewidth,height=0.45\textheight,"
                 rf"keepaspectratio]{{{picture}}}\end{{center}}")
    width = rf"\dimexpr 0.98\linewidth/{cols} - 2\tabcolsep - 2\arrayrulewidth\relax"  # fits
    lines.append(r"{\small\begin{longtable}{|" + "|".join(
        [rf">{{\raggedright\arraybackslash}}p{{{width}}}"] * cols) + "|}")
    lines.append(r"\hline " + " & ".join(rf"\textbf{{{cell_latex(c)}}}" for c in sheet.columns)
                 + r" \\ \hline")
    for row in sheet.rows:
        lines.append(" & ".join(cell_latex(c, key) for c in row) + r" \\ \hline")
    lines.append(r"\end{longtable}}")
    if sheet.steps_blank:
        lines.append(r"\subsection*{Chain rule, step by step}\begin{enumerate}")
        lines += [r"\item " + (f"${f.latex}$" if key else f"${f.lhs().latex}$ = {tex(BLANK)}")
                  for f in sheet.formulas]
        lines.append(r"\end{enumerate}")
    if key and sheet.blanks:
        lines.append(r"\subsection*{Every blank, worked}\begin{itemize}")
        lines += [rf"\item \texttt{{{tex(b.id)}}} = ${shown(b.truth, style='latex')}$: "
                  rf"${b.step.latex}$" for b in sheet.blanks]
        lines.append(r"\end{itemize}")
    else:
        lines.append(r"Hand in a CSV file with the header \texttt{blank,answer} and one line "
                     f"per blank ({tex(answer_names(sheet))}); give at least 4 significant "
                     "figures.")
    lines += [r"\end{document}", ""]
    return "\n".join(lines)


def pdf(sheet: Sheet, key: bool, work: Path | None = None, texmf: Path | None = None
        ) -> bytes:
    """The LaTeX page compiled by pdflatex in ``work`` (a private directory: a staging
    scratch directory under --out, else a temporary one); TeX's caches (fonts it makes)
    and HOME point into ``texmf`` (default ``work``; one per worksheet run, so fonts are
    made once), so nothing is written under $HOME and an unset HOME does not matter."""
    exe = shutil.which("pdflatex")
    if exe is None:
        raise GraphvizAdError("pdf worksheets need pdflatex (TeX Live); "
                              "choose --format md,html")
    if work is None:
        with tempfile.TemporaryDirectory(prefix="graphviz-ad-sheet-") as tmp:
            return pdf(sheet, key, Path(tmp), texmf)
    work = work.resolve()  # TeX runs inside it: its cache paths must not be relative
    (work / "graph.pdf").write_bytes(run_graphviz(dot(sheet, key), "pdf").output)
    (work / "sheet.tex").write_text(latex(sheet, key, "graph.pdf"), encoding="utf-8")
    cache = str((texmf or work).resolve())
    env = {**os.environ, **{name: cache for name in (
        "HOME", "TEXMFVAR", "TEXMFCONFIG", "TEXMFCACHE")}}
    try:
        proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error",
                               "-no-shell-escape", "sheet.tex"], cwd=work, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=LATEX_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise GraphvizAdError(f"pdflatex took longer than {LATEX_TIMEOUT} s") from None
    if proc.returncode != 0 or not (work / "sheet.pdf").exists():
        log = proc.stdout.decode("utf-8", "replace").splitlines()
        first = next((ln for ln in log if ln.startswith("!")), "no message")
        raise GraphvizAdError(f"pdflatex failed on {stem(sheet)}: {first}")
    return (work / "sheet.pdf").read_bytes()


def write_sheets(sheets: list[Sheet], out_dir: Path, formats: list[str],
                 record: Record | None = None) -> tuple[list[Path], list[str]]:
    """Worksheet and answer key of every sheet in every format, plus ``variants.csv`` and
    the record ``variants.json``: all committed together into ``out_dir`` (under its lock,
    recorded in its manifest), or nothing when anything fails or is interrupted.  Returns
    the files written and the names of an earlier run's sheets left beside them."""
    stage = Staging(out_dir)
    stage.check()
    written: dict[str, list[Path]] = {}

    def put(fmt: str, name: str, data: str | bytes) -> None:
        final = stage.write_bytes(name, data.encode("utf-8") if isinstance(data, str)
                                  else data)
        written.setdefault(fmt, []).append(final)

    try:
        texmf = stage.scratch() if "pdf" in formats else None
        for sheet in sheets:
            for key in (False, True):
                name = f"{stem(sheet)}-{'key' if key else 'worksheet'}"
                svg = run_graphviz(dot(sheet, key), "svg").output.decode("utf-8")
                if "md" in formats:
                    put("md", f"{name}.svg", svg)
                    put("md", f"{name}.md", markdown(sheet, key, f"{name}.svg"))
                if "html" in formats:
                    put("html", f"{name}.html", html_page(sheet, key, svg))
                if "pdf" in formats:
                    put("pdf", f"{name}.pdf", pdf(sheet, key, stage.scratch(), texmf))
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(
            [[csv_cell(c) for c in row] for row in variant_rows(sheets)])
        put("csv", "variants.csv", text.getvalue())
        if record is not None:
            put("json", RECORD, record.to_json())
        earlier = earlier_sheets(out_dir, written)
        stage.commit(WORKSHEETS_STEM, written)
    except BaseException:
        stage.abort()
        raise
    return [p for paths in written.values() for p in paths], earlier


def earlier_sheets(out_dir: Path, written: dict[str, list[Path]]) -> list[str]:
    """Files an earlier worksheet run wrote into ``out_dir`` (by its manifest) that this
    run does not replace: they do not belong to this run's ``variants.json``."""
    now = {p.name for paths in written.values() for p in paths}
    before = read_manifest(out_dir).get(WORKSHEETS_STEM, {})
    return sorted(n for names in before.values() for n in names
                  if n not in now and (out_dir / n).is_file())
