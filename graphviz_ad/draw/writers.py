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
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from PIL import Image

from graphviz_ad.draw import raster
from graphviz_ad.draw.frames import Frame
from graphviz_ad.draw.names import safe_stem
from graphviz_ad.draw.output import FRAME_FORMATS
from graphviz_ad.draw.staging import Staging
from graphviz_ad.errors import RenderError

FORMATS = FRAME_FORMATS  # listed in output.py, which stays light enough for --help
RASTER_FORMATS = {"png", "gif", "apng", "mp4"}
LAST_FRAME_HOLD_MS = 3000
VIDEO_HINT = "MP4 needs the video extra: pip install 'graphviz-ad[video]'"


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
    import click

    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield lambda: bar.update(1)


def write_frames(frames: Sequence[Frame], out_dir: Path, stem: str, formats: Iterable[str], *,
                 slide: str | None = None, progress: bool = False, title: str = "",
                 scale: float = 2.0, text_files: Mapping[str, tuple[str, str]] | None = None,
                 ) -> dict[str, list[Path]]:
    """Write ``frames`` in each of ``formats``; return the paths written per format.

    svg/png/pdf give one file per frame (``stem-000.svg`` ...); gif/apng/mp4/html
    one file; beamer a ``stem.tex`` overlaying the PDF frames (so it writes them).
    ``slide="16:9"`` makes raster frames exactly 1920x1080 and PDF pages 16:9,
    padded on white, never stretched; without it raster frames are ``scale`` times
    the SVG's CSS size (MP4 frames at most 1920x1080).  ``progress`` shows progress
    bars on stderr.  ``text_files`` maps further formats to ``(file name, text)``
    written in the same all-or-nothing step (e.g. ``{"dot": ("x.dot", dot)}``).

    The files written are recorded per stem in ``out_dir/.graphviz-ad.json``; files an
    earlier call wrote for the same stem and format that this call does not rewrite
    (frames beyond the new last step) are removed, and nothing else.
    """
    wanted = list(dict.fromkeys(f.lower() for f in formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise RenderError(f"unknown format(s) {', '.join(unknown)}; "
                          f"choose from {', '.join(FORMATS)}")
    if wanted and not frames:
        raise RenderError("no frames to write")
    if "mp4" in wanted:
        _ffmpeg_module()  # fail before doing any work
    canvas = slide_canvas(slide)
    out_dir = Path(out_dir)
    stage = Staging(out_dir)
    stage.check()
    written: dict[str, list[Path]] = {}
    try:
        images: list[Image.Image] = []
        if RASTER_FORMATS & set(wanted):
            images = _raster(frames, canvas, scale, "png" in wanted, stage, stem, written,
                             progress)
        for fmt in wanted:
            if fmt == "png":
                continue
            _WRITERS[fmt](frames, images, stage, stem, written, canvas, progress, title)
        for fmt, (name, text) in (text_files or {}).items():
            written[fmt] = [stage.write_text(name, text)]
        stage.commit(stem, written)
    except BaseException:
        stage.abort()
        raise
    return {fmt: list(written[fmt]) for fmt in [*wanted, *(text_files or {})]}


def _name(stem: str, i: int, ext: str) -> str:
    return f"{stem}-{i:03d}.{ext}"


def _raster(frames, canvas, scale, want_png, stage, stem, written, progress):
    images = []
    pngs = []
    with _progress(progress, len(frames), "rasterizing") as tick, closing(raster.render_frames(
            [f.svg for f in frames], canvas=canvas, scale=scale, want_png=want_png,
            on_done=tick)) as results:
        for i, (img, png) in enumerate(results):
            images.append(img)
            if png is not None:
                pngs.append(stage.write_bytes(_name(stem, i, "png"), png))
    if want_png:
        written["png"] = pngs
    return images


def _write_svg(frames, images, stage, stem, written, canvas, progress, title) -> None:
    written["svg"] = [stage.write_text(_name(stem, i, "svg"), frame.svg)
                      for i, frame in enumerate(frames)]


def _durations(frames: Sequence[Frame]) -> list[int]:
    durs = [max(20, int(f.duration_ms)) for f in frames]
    durs[-1] = max(durs[-1], LAST_FRAME_HOLD_MS)
    return durs


def _write_gif(frames, images, stage, stem, written, canvas, progress, title) -> None:
    palette = raster.build_palette(images, raster.theme_colours([f.svg for f in frames]))
    quantized = [raster.quantize(im, palette) for im in images]
    tmp = stage.path(f"{stem}.gif")
    with stage.guard():
        quantized[0].save(tmp, "GIF", save_all=True, append_images=quantized[1:],
                          duration=_durations(frames), loop=0, optimize=False, disposal=1)
    written["gif"] = [stage.pairs[-1][1]]


def _write_apng(frames, images, stage, stem, written, canvas, progress, title) -> None:
    tmp = stage.path(f"{stem}.png")
    with stage.guard():
        images[0].save(tmp, "PNG", save_all=True, append_images=images[1:],
                       duration=_durations(frames), loop=0, default_image=False,
                       compress_level=3)
    written["apng"] = [stage.pairs[-1][1]]


def _ffmpeg_module() -> Any:
    try:
        import imageio_ffmpeg
    except ImportError as exc:
        raise RenderError(VIDEO_HINT) from exc
    return imageio_ffmpeg


MP4_OUTPUT_FPS = 24  # frames are sent at 1/gcd(durations); ffmpeg repeats them for players
MP4_MAX_SIZE = (1920, 1080)  # without --slide: many hardware decoders cap width at 4096


def _mp4_timing(durations: Sequence[int]) -> tuple[float, list[int]]:
    """Frame rate and per-frame repeat counts: the rate is 1 / gcd of the durations
    (rounded to 100 ms, at most 10 fps), so each frame is piped to ffmpeg rarely."""
    step = 0
    for d in durations:
        step = math.gcd(step, max(100, round(d / 100) * 100))
    return 1000 / step, [max(1, round(d / step)) for d in durations]


def mp4_size(size: tuple[int, int], limit: tuple[int, int] = MP4_MAX_SIZE) -> tuple[int, int]:
    """``size`` scaled down (never up) to fit ``limit``, aspect kept, both sides even."""
    w, h = size
    k = min(1.0, limit[0] / w, limit[1] / h)
    if k >= 1.0:
        return w - w % 2, h - h % 2
    return max(2, int(w * k) // 2 * 2), max(2, int(h * k) // 2 * 2)


def _write_mp4(frames, images, stage, stem, written, canvas, progress, title) -> None:
    ffmpeg = _ffmpeg_module()
    size = images[0].size if canvas else mp4_size(images[0].size)
    tmp = stage.path(f"{stem}.mp4")
    fps, repeats = _mp4_timing(_durations(frames))
    writer = ffmpeg.write_frames(str(tmp), size, fps=fps, codec="libx264",
                                 pix_fmt_in="rgb24", pix_fmt_out="yuv420p", macro_block_size=1,
                                 ffmpeg_log_level="error",
                                 output_params=["-preset", "veryfast", "-tune", "stillimage",
                                                "-r", str(MP4_OUTPUT_FPS),
                                                "-movflags", "+faststart"])
    writer.send(None)  # even size: see raster.render_frames and mp4_size
    try:
        with _progress(progress, len(images), "encoding MP4") as tick:
            for img, count in zip(images, repeats):
                if img.size != size:
                    img = img.resize(size, Image.Resampling.LANCZOS)
                data = img.tobytes()
                for _ in range(count):
                    writer.send(data)
                tick()
    finally:
        writer.close()
    written["mp4"] = [stage.pairs[-1][1]]


def _pdf_job(args: tuple[str, float | None]) -> bytes:
    svg, aspect = args
    try:
        import cairosvg
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


def _write_pdf(frames, images, stage, stem, written, canvas, progress, title) -> None:
    if "pdf" in written:
        return
    aspect = canvas[0] / canvas[1] if canvas else None
    jobs = [(f.svg, aspect) for f in frames]
    written["pdf"] = []
    with _progress(progress, len(jobs), "writing PDF") as tick, \
            raster.process_pool(min(os.cpu_count() or 1, 4) if len(jobs) >= 3 else 1) as pool:
        results = pool.map(_pdf_job, jobs) if pool is not None else map(_pdf_job, jobs)
        for i, data in enumerate(results):
            written["pdf"].append(stage.write_bytes(_name(stem, i, "pdf"), data))
            tick()


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


def _write_beamer(frames, images, stage, stem, written, canvas, progress, title) -> None:
    aspect = canvas[0] / canvas[1] if canvas else _frames_aspect(frames)
    page = BEAMER_ASPECTS[beamer_aspect(aspect)]
    _write_pdf(frames, images, stage, stem, written, canvas or (round(1080 * page), 1080),
               progress, title)
    tex = beamer_tex(stem, len(frames), title, aspect)
    written["beamer"] = [stage.write_text(f"{stem}.tex", tex)]


def _write_html(frames, images, stage, stem, written, canvas, progress, title) -> None:
    from graphviz_ad.draw.player import player_html

    written["html"] = [stage.write_text(f"{stem}.html", player_html(frames, title or stem))]


_WRITERS: dict[str, Callable[..., None]] = {
    "svg": _write_svg, "pdf": _write_pdf, "gif": _write_gif, "apng": _write_apng,
    "mp4": _write_mp4, "beamer": _write_beamer, "html": _write_html,
}
