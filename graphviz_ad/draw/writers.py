"""Every output format from one list of frames, written atomically.

All files of one call are first written into a private temporary directory in
``out_dir`` and swapped into place together only when every format succeeded (see
``staging``), so a failure leaves no half-written output and never touches files this
call did not create.

>>> paths = write_frames(frames, Path("out"), "reverse", ["gif", "html"],
...                      slide="16:9")                      # doctest: +SKIP
>>> paths["gif"]                                            # doctest: +SKIP
[PosixPath('out/reverse.gif')]
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image

from graphviz_ad.core.errors import RenderError
from graphviz_ad.draw import raster
from graphviz_ad.draw.frames import Frame
from graphviz_ad.draw.names import safe_stem
from graphviz_ad.draw.player import player_html
from graphviz_ad.draw.pptx_deck import DECK_CANVAS, deck_bytes, pptx_module
from graphviz_ad.draw.staging import Staging
from graphviz_ad.draw.video import (  # noqa: F401  (concat_script: public here too)
    MP4_MAX_SIZE,
    concat_script,
    encode_mp4,
    ffmpeg_module,
    mp4_size,
)

from ..core.formats import FRAME_FORMATS, RASTER_FORMATS

LAST_FRAME_HOLD_MS = 3000


SLIDE_HINT = "use W:H with positive whole numbers, e.g. 16:9 or 4:3"
SLIDE_MAX_RATIO = 3.0


def slide_canvas(slide: str | None) -> tuple[int, int] | None:
    """Pixel canvas for a slide ratio: ``"16:9"`` -> (1920, 1080), ``"4:3"`` -> (1440, 1080).

    Accepts ``W:H`` (also ``WxH`` or ``W/H``) with positive whole numbers and a ratio
    between 1:3 and 3:1; anything else is a RenderError naming the accepted form."""
    if slide is None:
        return None
    m = re.fullmatch(r"\s*(\d{1,6})\s*[:x/]\s*(\d{1,6})\s*", str(slide))
    if m is None:
        raise RenderError(f"slide ratio {slide!r} not understood; {SLIDE_HINT}")
    w, h = int(m.group(1)), int(m.group(2))
    if w == 0 or h == 0:
        raise RenderError(f"slide ratio {slide!r}: both sides must be positive; {SLIDE_HINT}")
    if not 1 / SLIDE_MAX_RATIO <= w / h <= SLIDE_MAX_RATIO:
        raise RenderError(f"slide ratio {slide!r} is too extreme (allowed: 1:3 to 3:1); "
                          f"{SLIDE_HINT}")
    width = round(1080 * w / h)
    return width + width % 2, 1080


def slide_aspect(slide: str | None) -> float | None:
    """``"16:9"`` → 1.777…; None stays None (validated as :func:`slide_canvas` does)."""
    canvas = slide_canvas(slide)
    return canvas[0] / canvas[1] if canvas else None


@contextmanager
def _progress(enabled: bool, length: int, label: str):  # -> Iterator[Callable[[], None]]
    if not enabled:
        yield lambda: None
        return
    import click  # deferred: click (~25 ms), only for a progress bar (library users skip it)

    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield lambda: bar.update(1)


@dataclass(frozen=True)
class WriteJob:
    """Everything a format writer may use: the frames, their rasters (empty unless a
    raster format was asked for), where to stage files, and the paths written so far."""

    frames: Sequence[Frame]
    stage: Staging
    stem: str
    images: Sequence[Image.Image] = ()
    canvas: tuple[int, int] | None = None
    progress: bool = False
    title: str = ""
    written: dict[str, list[Path]] = field(default_factory=dict)


DEFAULT_SCALE = 2.0  # raster frames: twice the SVG's CSS size ...
MAX_WIDTH = 1920  # ... but no wider than this unless a scale is asked for
MAX_SCALE = 16.0  # a larger scale makes frames no screen shows


def raster_scale(frames: Sequence[Frame], scale: float | None, video: bool) -> float:
    """The scale frames are rasterized at: ``scale`` when given; by default
    :data:`DEFAULT_SCALE`, shrunk so the widest frame is at most :data:`MAX_WIDTH` pixels
    (and, for MP4, fits :data:`MP4_MAX_SIZE`: drawn at the size it is encoded at)."""
    if scale is not None:
        return scale
    sizes = [raster.svg_size(f.svg) for f in frames]
    width, height = max(w for w, _ in sizes), max(h for _, h in sizes)
    limit = MP4_MAX_SIZE if video else (MAX_WIDTH, math.inf)
    return min(DEFAULT_SCALE, limit[0] / width, limit[1] / height)


def write_frames(frames: Sequence[Frame], out_dir: Path, stem: str, formats: Iterable[str], *,
                 slide: str | None = None, progress: bool = False, title: str = "",
                 scale: float | None = None,
                 text_files: Mapping[str, tuple[str, str]] | None = None,
                 ) -> dict[str, list[Path]]:
    """Write ``frames`` in each of ``formats``; return the paths written per format.

    svg/png/pdf give one file per frame (``stem-000.svg`` ...); gif/apng/mp4/html
    one file; beamer a ``stem.tex`` overlaying the PDF frames (so it writes them);
    pptx one PowerPoint deck, a slide per frame (``pptx_deck``).
    ``slide="16:9"`` makes raster frames exactly 1920x1080 and PDF pages 16:9,
    padded on white, never stretched; without it raster frames are ``scale`` times
    the SVG's CSS size (default: see :func:`raster_scale`).  ``progress`` shows
    progress bars on stderr.  ``text_files`` maps further formats to ``(file name,
    text)`` written in the same all-or-nothing step (e.g. ``{"dot": ("x.dot", dot)}``).

    The files written are recorded per stem in ``out_dir/.graphviz-ad.json``; files an
    earlier call wrote for the same stem and format that this call does not rewrite
    (frames beyond the new last step) are removed, and nothing else.
    """
    wanted = list(dict.fromkeys(f.lower() for f in formats))
    unknown = [f for f in wanted if f not in FRAME_FORMATS]
    if unknown:
        raise RenderError(f"unknown format(s) {', '.join(unknown)}; "
                          f"choose from {', '.join(FRAME_FORMATS)}")
    if wanted and not frames:
        raise RenderError("no frames to write")
    if scale is not None and not 0 < scale <= MAX_SCALE:
        raise RenderError(f"scale {scale:g}: choose a number above 0 and at most {MAX_SCALE:g}")
    if "mp4" in wanted:
        ffmpeg_module()  # fail before doing any work
    if "pptx" in wanted:
        pptx_module()
    canvas = slide_canvas(slide)
    stage = Staging(Path(out_dir))
    stage.check()
    job = WriteJob(frames, stage, stem, canvas=canvas, progress=progress, title=title)
    try:
        if RASTER_FORMATS & set(wanted):
            job = replace(job, images=_raster(job, raster_scale(frames, scale, "mp4" in wanted),
                                              "png" in wanted))
        for fmt in wanted:
            if fmt not in job.written:  # png frames are staged while rasterizing
                job.written[fmt] = _WRITERS[fmt](job)
        for fmt, (name, text) in (text_files or {}).items():
            job.written[fmt] = [stage.write_text(name, text)]
        stage.commit(stem, job.written)
    except BaseException:
        stage.abort()
        raise
    return {fmt: list(job.written[fmt]) for fmt in [*wanted, *(text_files or {})]}


def _name(stem: str, i: int, ext: str) -> str:
    return f"{stem}-{i:03d}.{ext}"


def _raster(job: WriteJob, scale: float, want_png: bool) -> list[Image.Image]:
    """Rasterize every frame; stage the PNG frames when asked (``written["png"]``)."""
    images = []
    pngs = []
    with _progress(job.progress, len(job.frames), "rasterizing") as tick, \
            closing(raster.render_frames([f.svg for f in job.frames], canvas=job.canvas,
                                         scale=scale, want_png=want_png,
                                         on_done=tick)) as results:
        for i, (img, png) in enumerate(results):
            images.append(img)
            if png is not None:
                pngs.append(job.stage.write_bytes(_name(job.stem, i, "png"), png))
    if want_png:
        job.written["png"] = pngs
    return images


def _write_svg(job: WriteJob) -> list[Path]:
    return [job.stage.write_text(_name(job.stem, i, "svg"), frame.svg)
            for i, frame in enumerate(job.frames)]


def _durations(frames: Sequence[Frame]) -> list[int]:
    durs = [max(20, int(f.duration_ms)) for f in frames]
    durs[-1] = max(durs[-1], LAST_FRAME_HOLD_MS)
    return durs


def _write_gif(job: WriteJob) -> list[Path]:
    palette = raster.build_palette(job.images, raster.theme_colours([f.svg for f in job.frames]))
    quantized = [raster.quantize(im, palette) for im in job.images]
    tmp = job.stage.path(f"{job.stem}.gif")
    with job.stage.guard():
        quantized[0].save(tmp, "GIF", save_all=True, append_images=quantized[1:],
                          duration=_durations(job.frames), loop=0, optimize=False, disposal=1)
    return [job.stage.pairs[-1][1]]


def _write_apng(job: WriteJob) -> list[Path]:
    tmp = job.stage.path(f"{job.stem}.png")
    with job.stage.guard():
        job.images[0].save(tmp, "PNG", save_all=True, append_images=list(job.images[1:]),
                           duration=_durations(job.frames), loop=0, default_image=False,
                           compress_level=3)
    return [job.stage.pairs[-1][1]]


def shots(frames: Sequence[Frame], images: Sequence[Image.Image],
          ) -> list[tuple[Image.Image, int]]:
    """Each run of identical consecutive frames once, with the run's total duration (ms)."""
    out: list[tuple[Image.Image, int]] = []
    previous = None
    for frame, img, ms in zip(frames, images, _durations(frames)):
        if frame.svg == previous:
            out[-1] = (out[-1][0], out[-1][1] + ms)
        else:
            out.append((img, ms))
        previous = frame.svg
    return out


def _write_mp4(job: WriteJob) -> list[Path]:
    """H.264 with variable frame timing: every distinct frame encoded once, shown for
    its duration (see :func:`~graphviz_ad.draw.video.encode_mp4`)."""
    size = job.images[0].size if job.canvas else mp4_size(job.images[0].size)
    with _progress(job.progress, len(job.images), "encoding MP4") as tick:
        encode_mp4(shots(job.frames, job.images), size, job.stage, job.stem, tick)
    return [job.stage.pairs[-1][1]]


def _pdf_job(args: tuple[str, float | None]) -> bytes:
    svg, aspect = args
    try:
        import cairosvg  # deferred: optional, only for pdf
    except (ImportError, OSError) as exc:
        raise RenderError(raster.CAIRO_HINT) from exc
    return cairosvg.svg2pdf(bytestring=pad_svg(svg, aspect).encode("utf-8"))


def pad_svg(svg: str, aspect: float | None) -> str:
    """Widen or heighten an SVG's root viewBox (centred, white) to ``aspect``."""
    if not aspect:
        return svg
    root = re.search(r"<svg\b[^>]*>", svg)
    vb = re.search(r'viewBox="([^"]+)"', root.group(0)) if root else None
    if root is None or vb is None:
        return svg
    x, y, w, h = (float(v) for v in vb.group(1).replace(",", " ").split())
    cw, ch = raster.svg_size(svg)
    nw, nh = (h * aspect, h) if w / h < aspect else (w, w / aspect)
    k = cw / w
    head = re.sub(r'\swidth="[^"]*"', f' width="{nw * k:.2f}"', root.group(0), count=1)
    head = re.sub(r'\sheight="[^"]*"', f' height="{nh * k:.2f}"', head, count=1)
    head = head.replace(vb.group(0), f'viewBox="{x - (nw - w) / 2:.2f} {y - (nh - h) / 2:.2f} '
                                     f'{nw:.2f} {nh:.2f}"')
    backdrop = (f'<rect x="{x - (nw - w) / 2:.2f}" y="{y - (nh - h) / 2:.2f}" '
                f'width="{nw:.2f}" height="{nh:.2f}" fill="white"/>')
    return svg[:root.start()] + head + backdrop + svg[root.end():]


def _write_pdf(job: WriteJob) -> list[Path]:
    aspect = job.canvas[0] / job.canvas[1] if job.canvas else None
    jobs = [(f.svg, aspect) for f in job.frames]
    written = []
    with _progress(job.progress, len(jobs), "writing PDF") as tick, \
            raster.process_pool(raster.pool_size(len(jobs))) as pool:
        results = pool.map(_pdf_job, jobs) if pool is not None else map(_pdf_job, jobs)
        for i, data in enumerate(results):
            written.append(job.stage.write_bytes(_name(job.stem, i, "pdf"), data))
            tick()
    return written


# beamer's built-in aspectratio options (every beamer version): code -> width / height
BEAMER_ASPECTS = {"169": 16 / 9, "1610": 16 / 10, "149": 14 / 9, "141": 1.41, "54": 5 / 4,
                  "43": 4 / 3, "32": 3 / 2}


def beamer_aspect(aspect: float) -> str:
    """The beamer ``aspectratio`` option nearest to ``aspect`` (width / height)."""
    return min(BEAMER_ASPECTS, key=lambda code: abs(math.log(BEAMER_ASPECTS[code] / aspect)))


def beamer_tex(stem: str, count: int, title: str = "", aspect: float = 16 / 9) -> str:
    """A beamer document: one frame, one ``\\only<k>`` overlay per PDF frame.

    The page has the beamer aspect ratio nearest ``aspect``; each image is as large
    as the page allows (aspect kept) and centred on it, whatever the text margins.
    ``stem`` must be a :func:`~graphviz_ad.draw.names.safe_stem` (LaTeX reads the file
    names); the title goes into one comment line, so it cannot end the comment."""
    if safe_stem(stem) != stem:
        raise RenderError(f"beamer: the name {stem!r} cannot go into LaTeX's "
                          f"\\includegraphics; use letters, digits, '-', '_' and '.'")
    lines = [rf"\documentclass[aspectratio={beamer_aspect(aspect)}]{{beamer}}",
             r"\setbeamertemplate{navigation symbols}{}",
             r"\setbeamersize{text margin left=0pt,text margin right=0pt}",
             r"\begin{document}",
             f"% {_tex_comment(title)}" if title else "%",
             r"% Copy the frame below into your own slides (keep the PDFs beside the .tex).",
             r"\begin{frame}[plain]",
             r"  \centering"]
    for i in range(count):
        lines.append(f"  \\only<{i + 1}>{{\\makebox[\\textwidth][c]{{\\includegraphics["
                     f"width=\\paperwidth,height=\\paperheight,keepaspectratio]"
                     f"{{{_name(stem, i, 'pdf')}}}}}}}%")
    lines += [r"\end{frame}", r"\end{document}", ""]
    return "\n".join(lines)


def _tex_comment(text: str) -> str:
    """``text`` on one line (every kind of line break is a space), printable only."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _frames_aspect(frames: Sequence[Frame]) -> float:
    sizes = [raster.svg_size(f.svg) for f in frames]
    return max(w for w, _ in sizes) / max(h for _, h in sizes)


def _write_beamer(job: WriteJob) -> list[Path]:
    aspect = job.canvas[0] / job.canvas[1] if job.canvas else _frames_aspect(job.frames)
    page = BEAMER_ASPECTS[beamer_aspect(aspect)]
    if "pdf" not in job.written:  # the overlays' PDF frames, padded to the page
        job.written["pdf"] = _write_pdf(replace(job, canvas=job.canvas
                                                or (round(1080 * page), 1080)))
    tex = beamer_tex(job.stem, len(job.frames), job.title, aspect)
    return [job.stage.write_text(f"{job.stem}.tex", tex)]


def _write_html(job: WriteJob) -> list[Path]:
    page = player_html(job.frames, job.title or job.stem)
    return [job.stage.write_text(f"{job.stem}.html", page)]


def _write_pptx(job: WriteJob) -> list[Path]:
    """One PowerPoint deck: the frames as full-slide pictures at the slide's pixel size
    (the ``--slide`` canvas, 1920×1080 without one), captions as speaker notes."""
    canvas = job.canvas or DECK_CANVAS
    if job.canvas and job.images:  # already drawn at exactly the slide's size
        pngs = [raster.png_bytes(img) for img in job.images]
    else:
        pngs = []
        with _progress(job.progress, len(job.frames), "drawing slides") as tick, \
                closing(raster.render_frames([f.svg for f in job.frames], canvas=canvas,
                                             want_png=True, on_done=tick)) as results:
            pngs = [png for _, png in results if png is not None]
    deck = deck_bytes(pngs, [f.caption for f in job.frames], job.title or job.stem, canvas)
    return [job.stage.write_bytes(f"{job.stem}.pptx", deck)]


_WRITERS: dict[str, Callable[[WriteJob], list[Path]]] = {
    "svg": _write_svg, "pdf": _write_pdf, "gif": _write_gif,
    "apng": _write_apng, "mp4": _write_mp4, "beamer": _write_beamer, "html": _write_html,
    "pptx": _write_pptx,
}
