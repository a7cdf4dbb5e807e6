"""One look for every plot: DejaVu Sans, big type, Okabe-Ito lines, viridis/cividis maps.

``figure(slide="16:9")`` gives a 1920×1080 px figure (12.8 × 7.2 in at 150 dpi) with type
sized for a projector; without ``slide`` a 9 × 5.6 in figure for documents.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from cycler import cycler  # noqa: E402  (matplotlib's own dependency)

from ..core.errors import GraphvizAdError  # noqa: E402
from ..core.formats import PLOT_FORMATS  # noqa: E402
from ..draw.compose import wrap_text
from ..draw.output import write_bytes_atomic  # noqa: E402
from ..draw.palette import PLOT_CYCLE  # noqa: E402
from ..draw.writers import slide_canvas  # noqa: E402

SEQUENTIAL = "viridis"
DIVERGING = "RdBu"  # red below 0, blue above: a convexity verdict at a glance
DPI = 150
GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "eta": "η", "theta": "θ",
         "lambda": "λ", "lam": "λ", "mu": "μ", "sigma": "σ", "tau": "τ", "phi": "φ",
         "psi": "ψ", "omega": "ω", "rho": "ρ", "xi": "ξ"}
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def pretty(name: str) -> str:
    """``phi1`` → ``φ₁``, ``x`` → ``x``: names as a reader writes them."""
    match = re.fullmatch(r"([A-Za-z]+?)_?(\d*)", name)
    if not match:
        return name
    base, digits = match.groups()
    return GREEK.get(base, base) + digits.translate(_SUB)


def _size(slide: str | None) -> tuple[tuple[float, float], float]:
    """Figure size (inches) and base font size; a slide is read as every drawing reads
    it (:func:`graphviz_ad.draw.writers.slide_canvas`), 1920 px wide at :data:`DPI`."""
    if slide is None:
        return (9.0, 5.6), 13.0
    canvas = slide_canvas(slide)
    width, height = canvas if canvas else (1920, 1080)
    return (12.8, 12.8 * height / width), 19.0


def figure(slide: str | None = None):
    """A styled (fig, ax)."""
    (w, h), base = _size(slide)
    plt.rcParams.update({
        "font.family": "DejaVu Sans", "font.size": base, "axes.titlesize": base * 1.15,
        "axes.labelsize": base * 1.05, "xtick.labelsize": base * 0.9,
        "ytick.labelsize": base * 0.9, "legend.fontsize": base * 0.85,
        "axes.prop_cycle": cycler(color=list(PLOT_CYCLE)), "axes.spines.top": False,
        "axes.spines.right": False, "axes.grid": False, "lines.linewidth": 2.6,
        "figure.dpi": DPI, "savefig.dpi": DPI, "svg.fonttype": "none",
    })
    fig, ax = plt.subplots(figsize=(w, h), layout="constrained")
    return fig, ax


def _wrap_titles(fig) -> None:
    """Break long titles into lines that fit the figure's width (no clipped text)."""
    width_pt = 0.92 * fig.get_figwidth() * 72
    titles = [ax.title for ax in fig.axes] + ([fig._suptitle] if fig._suptitle else [])
    for title in titles:
        text = title.get_text()
        if text:
            title.set_text("\n".join(wrap_text(text, width_pt, title.get_fontsize())))


PlotOut = str | Path | Sequence[str | Path]  # one file, or one figure in several formats


def save(fig, out: PlotOut) -> list[Path]:
    """Write ``fig`` to ``out`` (format from the extension: png, svg or pdf) and close it;
    several paths save the one figure in each of their formats (drawn once)."""
    paths = [Path(out)] if isinstance(out, (str, Path)) else [Path(p) for p in out]
    try:
        for path in paths:
            if path.suffix.lower().lstrip(".") not in PLOT_FORMATS:
                raise GraphvizAdError(f"--out {path}: the extension must be one of "
                                      f"{', '.join('.' + f for f in PLOT_FORMATS)}")
        _wrap_titles(fig)
        data = []
        for path in paths:
            buffer = io.BytesIO()
            fig.savefig(buffer, format=path.suffix.lower().lstrip("."))
            data.append(buffer.getvalue())
    finally:
        plt.close(fig)
    return [write_bytes_atomic(path, blob) for path, blob in zip(paths, data)]  # staged
