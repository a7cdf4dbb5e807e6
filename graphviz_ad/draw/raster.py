"""SVG frames to pixels: libvips (librsvg) when present, else cairosvg; padding; two cores.

Rasterizing is the cost centre of every raster format.  Measured on a 30-node
frame at 1920x1080: libvips' ``svgload`` (librsvg, text set by Pango in C) ~33 ms;
cairosvg ~210 ms drawn straight into a cairo image surface (its pure-Python text
layout measures every glyph), more through ``svg2png``; resvg-py ~160 ms (PNG only).
Graphviz cannot read SVG, so it is no candidate once frames are filled templates.
Two frames are drawn at once (threads with libvips, processes with cairosvg), and
PNG encoding is done by the same workers.  libvips is the optional fast path
(``pip install 'graphviz-ad[fast]'``); cairosvg is required (it also writes the PDFs).

>>> img = rasterize(frames[0].svg, canvas=(1920, 1080))   # doctest: +SKIP
>>> img.size                                               # doctest: +SKIP
(1920, 1080)
"""

from __future__ import annotations

import io
import multiprocessing
import os
import re
import signal
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from PIL import Image

from graphviz_ad.core.errors import RenderError

CAIRO_HINT = "rasterizing SVG needs cairosvg: pip install cairosvg (and the Cairo library)"
_ROOT_SIZE = re.compile(
    r'<svg\b[^>]*?\swidth="([0-9.]+)(px|pt)?"[^>]*?\sheight="([0-9.]+)(px|pt)?"', re.DOTALL)


def svg_size(svg: str) -> tuple[float, float]:
    """Width and height of an SVG document in CSS pixels (``pt`` converted at 96 dpi)."""
    m = _ROOT_SIZE.search(svg)
    if m is None:
        raise RenderError("SVG frame without width/height on its root element")
    factor = 4 / 3 if m.group(2) == "pt" else 1.0
    return float(m.group(1)) * factor, float(m.group(3)) * (4 / 3 if m.group(4) == "pt" else 1.0)


def raster_size(svg: str, canvas: tuple[int, int] | None, scale: float) -> tuple[int, int]:
    """Pixel size of the drawing itself: fitted into ``canvas``, or ``scale`` x its CSS size."""
    w, h = svg_size(svg)
    if canvas is not None:
        scale = min(canvas[0] / w, canvas[1] / h)
    return max(1, round(w * scale)), max(1, round(h * scale))


#: Set to 1 to rasterize with cairosvg even when pyvips is installed (how CI runs the
#: raster tests as on a machine without the ``fast`` extra).
NO_VIPS_VARIABLE = "GRAPHVIZ_AD_NO_VIPS"


def _vips():
    """The pyvips module when it and a libvips with SVG support load (and
    ``GRAPHVIZ_AD_NO_VIPS`` is not set to 1), else None."""
    if os.environ.get(NO_VIPS_VARIABLE) == "1":
        return None
    try:
        import pyvips  # deferred: optional libvips binding, loaded on the first raster
    except (ImportError, OSError):
        return None
    return pyvips if hasattr(pyvips.Image, "svgload_buffer") else None


def _draw(svg: str, size: tuple[int, int], frame: tuple[int, int]) -> Image.Image:
    """Render ``svg`` at ``size`` pixels, centred on a white ``frame``, as an RGB image."""
    vips = _vips()
    if vips is not None:
        return _draw_vips(vips, svg, size, frame)
    return _pad(_draw_cairo(svg, size), frame)


def _draw_vips(vips, svg: str, size: tuple[int, int], frame: tuple[int, int]) -> Image.Image:
    width, _ = svg_size(svg)
    img = vips.Image.svgload_buffer(svg.encode("utf-8"), scale=size[0] / width)
    if img.hasalpha():
        img = img.flatten(background=[255, 255, 255])
    if img.bands == 1:
        img = img.colourspace("srgb")
    if (img.width, img.height) != size and abs(img.width - size[0]) > 1:
        img = img.resize(size[0] / img.width, vscale=size[1] / img.height)
    # librsvg may round the scaled size by a pixel: embed crops or pads that too
    img = img.embed((frame[0] - size[0]) // 2, (frame[1] - size[1]) // 2, frame[0], frame[1],
                    extend="background", background=[255, 255, 255])
    return Image.frombuffer("RGB", frame, img.cast("uchar").write_to_memory(),
                            "raw", "RGB", 0, 1)


def _pad(img: Image.Image, frame: tuple[int, int]) -> Image.Image:
    """``img`` centred on a white ``frame`` (cropped by a pixel of rounding if need be)."""
    if img.size == frame:
        return img
    canvas = Image.new("RGB", frame, "white")
    canvas.paste(img, ((frame[0] - img.width) // 2, (frame[1] - img.height) // 2))
    return canvas


def _draw_cairo(svg: str, size: tuple[int, int]) -> Image.Image:
    """cairosvg fallback (pure Python text layout: about 6x slower than libvips)."""
    try:  # deferred: optional cairosvg, only when libvips is missing
        from cairosvg.parser import Tree
        from cairosvg.surface import PNGSurface
    except (ImportError, OSError) as exc:
        raise RenderError(CAIRO_HINT) from exc

    class _RawSurface(PNGSurface):  # keep the pixels; skip PNG encoding in finish()
        def finish(self) -> None:
            self.cairo.flush()

    surface = _RawSurface(Tree(bytestring=svg.encode("utf-8")), None, 96,
                          output_width=size[0], output_height=size[1],
                          background_color="white")
    cairo = surface.cairo
    cairo.flush()
    img = Image.frombuffer("RGBA", (cairo.get_width(), cairo.get_height()),
                           bytes(cairo.get_data()), "raw", "BGRA", cairo.get_stride(), 1)
    return img.convert("RGB")


def rasterize(svg: str, canvas: tuple[int, int] | None = None, scale: float = 2.0,
              size: tuple[int, int] | None = None) -> Image.Image:
    """One SVG frame as an RGB image.

    With ``canvas`` the drawing is scaled to fit and centred on a white canvas of
    exactly that size (never stretched).  Otherwise it is drawn at ``scale`` times
    its CSS size, then padded to ``size`` when given (keeps all frames equal).
    """
    drawn = raster_size(svg, canvas, scale)
    return _draw(svg, drawn, canvas or size or drawn)


def png_bytes(img: Image.Image) -> bytes:
    """PNG encoding tuned for speed (flat-colour diagrams compress well anyway)."""
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=3)
    return buf.getvalue()


def _job(args: tuple[str, tuple[int, int] | None, float, tuple[int, int] | None, bool],
         ) -> tuple[Image.Image, bytes | None]:
    svg, canvas, scale, size, want_png = args
    img = rasterize(svg, canvas, scale, size)
    return img, (png_bytes(img) if want_png else None)


def quantize(img: Image.Image, palette: Image.Image) -> Image.Image:
    """Map ``img`` onto a fixed palette image, no dithering (crisp flat colours)."""
    return img.quantize(palette=palette, dither=Image.Dither.NONE)


def _worker_init() -> None:
    """Pool workers leave Ctrl-C to the parent (which cancels the pool) and die on SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextmanager
def process_pool(workers: int, threads: bool = False, fresh: Sequence[str] | None = None,
                 ) -> Iterator[Executor | None]:
    """A pool of ``workers`` (None for one: run in this process), always shut down: on an
    error or interrupt the queued jobs are cancelled and the workers joined.

    Processes are forked from this one; with ``fresh`` (module names to preload) they
    are forked from a clean server process instead (``forkserver``): use it when the
    workers draw with libvips, since a fork of a process whose libvips threads run
    hangs.  With ``threads`` the workers are threads (for work that releases the GIL)."""
    if workers <= 1:
        yield None
        return
    if threads:
        pool: Executor = ThreadPoolExecutor(max_workers=workers)
    else:
        context = None
        if fresh is not None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(fresh))
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init,
                                   mp_context=context)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _deliver(signum: int, previous: Any) -> None:
    """Act on a deferred signal from Python code, as its previous handler would have."""
    if callable(previous):
        previous(signum, None)  # e.g. default_int_handler -> KeyboardInterrupt
    elif signum == signal.SIGINT:
        raise KeyboardInterrupt
    else:
        raise SystemExit(128 + signum)


@contextmanager
def deferred_signals() -> Iterator[Callable[[], None]]:
    """While the block runs, SIGINT and SIGTERM only set a flag; the yielded ``check()``
    raises for them (KeyboardInterrupt, or whatever the previous handler does).

    libvips calls back into Python (cffi) while it draws, and an exception raised by a
    signal handler inside such a callback is printed and swallowed, so Ctrl-C would
    not stop a render.  Checked between frames instead.  Only in the main thread;
    ignored signals stay ignored; the previous handlers are restored afterwards and a
    signal caught after the last check is delivered on a normal exit."""
    caught: list[int] = []
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            old = signal.getsignal(sig)
            if old is None or old == signal.SIG_IGN:
                continue
            previous[sig] = old
            signal.signal(sig, lambda signum, frame: caught.append(signum))

    def check() -> None:
        if caught:
            signum = caught[0]
            caught.clear()
            _deliver(signum, previous.get(signum))

    try:
        yield check
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    check()


def render_frames(svgs: Sequence[str], *, canvas: tuple[int, int] | None = None,
                  scale: float = 2.0, want_png: bool = False, workers: int | None = None,
                  on_done: Callable[[], None] | None = None,
                  ) -> Generator[tuple[Image.Image, bytes | None], None, None]:
    """Rasterize frames in order, yielding (RGB image, PNG bytes if ``want_png``).

    All frames get the pixel size of the largest one, rounded up to even numbers
    (H.264's yuv420p needs even sizes).  Identical frames are drawn once (the same
    image is yielded again).  ``workers`` frames are drawn at once (default
    :data:`WORKERS`; 1 for tiny jobs): on threads with libvips (its calls release the
    GIL; a fork of a process whose libvips threads run would hang), on processes with
    the pure-Python cairosvg fallback.  Ctrl-C and SIGTERM are honoured between frames
    (see ``deferred_signals``); close the generator (``contextlib.closing``) when not
    running it to the end.
    """
    if not svgs:
        return
    sizes = [raster_size(s, canvas, scale) for s in svgs]
    size = None
    if canvas is None:
        w, h = max(w for w, _ in sizes), max(h for _, h in sizes)
        size = (w + w % 2, h + h % 2)
    jobs = [(s, canvas, scale, size, want_png) for s in dict.fromkeys(svgs)]
    n = pool_size(len(jobs), workers)
    done: dict[str, tuple[Image.Image, bytes | None]] = {}
    with deferred_signals() as check, process_pool(n, threads=_vips() is not None) as pool:
        results = pool.map(_job, jobs) if pool is not None else map(_job, jobs)
        check()
        for svg in svgs:
            if svg not in done:
                done[svg] = next(results)
            check()
            yield done[svg]
            if on_done:
                on_done()
            check()


# frames drawn at once: the CPU count, at most 4 (the gallery sets 1 in its own processes)
WORKERS = min(os.cpu_count() or 1, 4)


def pool_size(jobs: int, workers: int | None = None) -> int:
    """How many workers to draw ``jobs`` frames with (1: in this thread)."""
    n = min(WORKERS if workers is None else workers, os.cpu_count() or 1)
    return 1 if jobs < 3 else max(1, n)


_HEX = re.compile(r'(?:fill|stroke)="#([0-9a-fA-F]{6})"')


def theme_colours(svgs: Sequence[str], limit: int = 96) -> list[tuple[int, int, int]]:
    """The exact flat colours the frames use (white and black first), most frequent first."""
    counts: dict[str, int] = {}
    for svg in svgs:
        for hexa in _HEX.findall(svg):
            counts[hexa.lower()] = counts.get(hexa.lower(), 0) + 1
    ordered = ["ffffff", "000000"] + sorted(counts, key=lambda h: -counts[h])
    unique = list(dict.fromkeys(ordered))[:limit]
    return [(int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)) for h in unique]


def build_palette(images: Sequence[Image.Image], exact: Sequence[tuple[int, int, int]] = (),
                  ) -> Image.Image:
    """One global GIF palette: the ``exact`` theme colours plus median-cut colours
    from a few sample frames (for anti-aliased edges), so flat fills stay exact."""
    picks = list(images)
    if len(picks) > 6:
        step = (len(picks) - 1) / 5
        picks = [picks[round(i * step)] for i in range(6)]
    thumbs = [im.reduce(4) for im in picks]  # a quarter size: median cut costs per pixel
    sheet = Image.new("RGB", (sum(t.width for t in thumbs), max(t.height for t in thumbs)),
                      "white")
    x = 0
    for t in thumbs:
        sheet.paste(t, (x, 0))
        x += t.width
    exact = list(dict.fromkeys(exact))[:255]
    sampled = sheet.quantize(256 - len(exact), method=Image.Quantize.MEDIANCUT,
                             dither=Image.Dither.NONE).getpalette() or []
    extra = [tuple(sampled[i:i + 3]) for i in range(0, len(sampled) - 2, 3)]
    # Pillow's palette lookup is approximate: keep sampled colours away from exact ones,
    # otherwise white may land on a sampled near-white.
    extra = [c for c in extra if all(max(abs(a - b) for a, b in zip(c, e)) > 12 for e in exact)]
    flat = [v for rgb in exact + extra[: 256 - len(exact)] for v in rgb]
    flat += flat[-3:] * ((768 - len(flat)) // 3)
    palette = Image.new("P", (1, 1))
    palette.putpalette(flat[:768])
    return palette
