"""Writers: every format, pixel sizes, animation metadata, atomic output."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from graphviz_ad.core.errors import RenderError
from graphviz_ad.draw import raster, staging, writers
from graphviz_ad.draw.compose import compose_frames
from graphviz_ad.draw.frames import Frame
from graphviz_ad.draw.template import SlotDot, SvgTemplate

pytest.importorskip("cairosvg", reason="cairosvg is needed to rasterize")
pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")


def make_frames(n: int = 3) -> list[Frame]:
    slots = SlotDot()
    fill = slots.color("f.fill", "white")
    label = slots.label("n_f", ["f = sin(x₁²)", ("f.adj", ["∂y/∂f = ?", "∂y/∂f = −1.00"])])
    dot = ('digraph { node [id="n_\\N", shape=box, style=filled, fontname="DejaVu Sans"]; '
           f'x -> f; f [fillcolor="{fill}", label={label}] }}')
    tpl = SvgTemplate.layout(dot, slots)
    values = [{"f.fill": c} for c in ("#ffffff", "#ffd54f", "#90caf9", "#c8e6c9")][:n]
    captions = [f"step {i}: ∂y/∂f3 = 1·23.85 + 1·(−1.00) = 22.86" for i in range(n)]
    return compose_frames(tpl, values, captions, [500, 700, 900, 1100][:n], title="demo")


@pytest.fixture(scope="module")
def frames() -> list[Frame]:
    return make_frames()


@pytest.fixture(scope="module")
def slide_out(frames: list[Frame], tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("slide")
    (out / "notes.txt").write_text("keep me")
    formats = ["svg", "png", "pdf", "gif", "apng", "html", "beamer"]
    try:
        import imageio_ffmpeg  # noqa: F401
        formats.append("mp4")
    except ImportError:
        pass
    return out, writers.write_frames(frames, out, "demo", formats, slide="16:9")


def test_every_format_written(slide_out) -> None:
    out, paths = slide_out
    assert [p.name for p in paths["svg"]] == ["demo-000.svg", "demo-001.svg", "demo-002.svg"]
    assert len(paths["png"]) == len(paths["pdf"]) == 3
    for files in paths.values():
        for p in files:
            assert p.is_file() and p.stat().st_size > 0
    assert (out / "notes.txt").read_text() == "keep me"  # unrelated file survives
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert hidden == [staging.MANIFEST]  # no temp files left, only the record of what we wrote


def test_png_frames_are_slide_sized(slide_out) -> None:
    _, paths = slide_out
    for p in paths["png"]:
        with Image.open(p) as img:
            assert img.size == (1920, 1080)
            assert img.convert("RGB").getpixel((0, 0)) == (255, 255, 255)  # padded on white


def test_gif_frames_durations_loop(slide_out) -> None:
    _, paths = slide_out
    with Image.open(paths["gif"][0]) as gif:
        assert gif.n_frames == 3 and gif.size == (1920, 1080)
        assert gif.info["loop"] == 0
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
    assert durations == [500, 700, writers.LAST_FRAME_HOLD_MS]


def test_apng(slide_out) -> None:
    _, paths = slide_out
    with Image.open(paths["apng"][0]) as png:
        assert png.is_animated and png.n_frames == 3 and png.size == (1920, 1080)


def mp4_timing(path: Path) -> tuple[tuple[int, int], list[float]]:
    """(width, height) and how long each encoded picture but the last shows (ms), read
    from the container's timestamps by ffmpeg's framecrc muxer (no ffprobe needed)."""
    ffmpeg = pytest.importorskip("imageio_ffmpeg")
    text = subprocess.run([ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-c", "copy",
                           "-f", "framecrc", "-"], capture_output=True, text=True,
                          check=True).stdout
    num, den = map(int, re.search(r"#tb 0: (\d+)/(\d+)", text).group(1, 2))
    w, h = map(int, re.search(r"#dimensions 0: (\d+)x(\d+)", text).group(1, 2))
    packets = sorted([int(v) for v in ln.split(",")[2:4]] for ln in text.splitlines()
                     if ln and not ln.startswith("#"))
    ticks = [b[0] - a[0] for a, b in zip(packets, packets[1:])]  # the last one: open-ended
    return (w, h), [t * 1000 * num / den for t in ticks]


def test_mp4_encodes_each_frame_once_with_its_duration(slide_out) -> None:
    pytest.importorskip("imageio_ffmpeg", reason="needs imageio-ffmpeg (the video extra)")
    _, paths = slide_out
    size, shown = mp4_timing(paths["mp4"][0])
    assert size == (1920, 1080)
    # three pictures for three frames, each as long as asked (the last one held), then
    # the repeat that closes the last duration (shown 1 ms)
    assert shown == [500, 700, writers.LAST_FRAME_HOLD_MS]


def test_mp4_identical_frames_merged(frames: list[Frame], tmp_path: Path) -> None:
    pytest.importorskip("imageio_ffmpeg")
    same = [frames[0], Frame(frames[0].svg, "again", 300), frames[1]]
    paths = writers.write_frames(same, tmp_path, "m", ["mp4"], slide="16:9")
    _, shown = mp4_timing(paths["mp4"][0])
    assert shown == [500 + 300, writers.LAST_FRAME_HOLD_MS]
    assert writers.concat_script(["a.png", "b.png"], [500, 2500]).splitlines()[1:] == [
        "file a.png", "option framerate 1000", "duration 0.500",
        "file b.png", "option framerate 1000", "duration 2.500",
        "file b.png", "option framerate 1000"]


def test_pdf_is_16_9_with_dejavu(slide_out) -> None:
    _, paths = slide_out
    data = paths["pdf"][0].read_bytes()
    assert data.startswith(b"%PDF")
    box = [float(v) for v in re.search(rb"/MediaBox \[ *([\d. ]+)\]", data).group(1).split()]
    assert (box[2] - box[0]) / (box[3] - box[1]) == pytest.approx(16 / 9, rel=0.01)
    assert b"DejaVu" in data  # the font carrying ∂ · − ² ₁ is embedded


def _pdflatex_or_skip() -> None:
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed: .tex not compiled")
    for needed in ("beamer.cls", "pgfmath.sty"):
        if not subprocess.run(["kpsewhich", needed], capture_output=True).stdout.strip():
            pytest.skip(f"{needed} not installed (apt-get install texlive-latex-recommended)")


def _compile(tex: Path) -> str:
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                          cwd=tex.parent, capture_output=True, timeout=180)
    assert proc.returncode == 0, proc.stdout.decode(errors="replace")[-2000:]
    return tex.with_suffix(".log").read_text(errors="replace")


def test_beamer_overlays(slide_out) -> None:
    out, paths = slide_out
    tex = paths["beamer"][0].read_text()
    assert tex.count(r"\only<") == 3 and "demo-002.pdf" in tex
    assert "aspectratio=169" in tex
    _pdflatex_or_skip()
    log = _compile(paths["beamer"][0])
    assert "(3 pages" in log  # one page per frame
    assert "Overfull \\hbox" not in log  # the image is not pushed past the right margin


def test_beamer_aspect_follows_slide() -> None:
    assert "aspectratio=43]" in writers.beamer_tex("x", 2, aspect=4 / 3)
    assert "aspectratio=169]" in writers.beamer_tex("x", 2, aspect=16 / 9)
    assert writers.beamer_aspect(3.0) == "169"  # widest beamer page for a wide drawing
    assert writers.beamer_aspect(1.3) == "43"


@pytest.mark.parametrize("slide", ["4:3", None])
def test_beamer_page_filled_and_centred(frames: list[Frame], tmp_path: Path,
                                        slide: str | None) -> None:
    paths = writers.write_frames(frames, tmp_path, "b", ["beamer"], slide=slide)
    tex = paths["beamer"][0]
    expected = "43" if slide else writers.beamer_aspect(writers._frames_aspect(frames))
    assert f"aspectratio={expected}]" in tex.read_text()
    _pdflatex_or_skip()
    log = _compile(tex)
    assert "(3 pages" in log and "Overfull \\hbox" not in log
    if shutil.which("pdftoppm") is None:
        return
    # the page looks like the frame PDF itself: same drawing, same place, nothing cut
    pages = []
    for pdf, first in ((tex.with_suffix(".pdf"), 2), (tmp_path / "b-001.pdf", 1)):
        subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", str(first), "-l", str(first),
                        "-scale-to-x", "320", "-scale-to-y", "-1", str(pdf),
                        str(tmp_path / f"look-{pdf.stem}")], check=True)
        page = Image.open(next(tmp_path.glob(f"look-{pdf.stem}*.png"))).convert("L")
        pages.append(page)
    page, frame = pages
    assert abs(page.height - frame.height) <= 1
    box_page = page.point(lambda v: 255 if v < 200 else 0).getbbox()
    box_frame = frame.point(lambda v: 255 if v < 200 else 0).getbbox()
    assert box_page is not None and box_frame is not None
    assert all(abs(a - b) <= 3 for a, b in zip(box_page, box_frame)), (box_page, box_frame)


def test_html_player_self_contained(slide_out) -> None:
    _, paths = slide_out
    page = paths["html"][0].read_text()
    assert page.count('<template class="frame"') == 3
    assert "http://" not in page.replace("http://www.w3.org/", "")
    assert "https://" not in page


def test_equal_even_sizes_without_slide(tmp_path: Path) -> None:
    frames = make_frames(3)
    frames[1] = Frame(frames[1].svg.replace('height="', 'height="1', 1), "taller", 500)
    paths = writers.write_frames(frames, tmp_path / "new", "x", ["png"])
    sizes = {Image.open(p).size for p in paths["png"]}
    assert len(sizes) == 1
    w, h = sizes.pop()
    assert w % 2 == 0 and h % 2 == 0


def test_failure_midway_leaves_nothing(frames: list[Frame], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "demo.gif").write_bytes(b"old gif")
    (tmp_path / "other.txt").write_text("unrelated")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setitem(writers._WRITERS, "gif", broken)
    with pytest.raises(RuntimeError):
        writers.write_frames(frames, tmp_path, "demo", ["svg", "png", "gif", "html"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.gif", "other.txt"]
    assert (tmp_path / "demo.gif").read_bytes() == b"old gif"


def test_errors(frames: list[Frame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RenderError, match="unknown format"):
        writers.write_frames(frames, tmp_path, "x", ["bmp"])
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    with pytest.raises(RenderError, match=r"graphviz-ad\[video\]"):
        writers.write_frames(frames, tmp_path, "x", ["mp4"])
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(RenderError, match="slide ratio"):
        writers.slide_canvas("wide")
    assert writers.slide_canvas("4:3") == (1440, 1080)


@pytest.mark.parametrize("slide", ["0:9", "9:0", "100000:1", "1:100", "1.5:1", "wide", "-4:3",
                                   "99999999999:1"])
def test_slide_rejected_before_any_work(frames: list[Frame], tmp_path: Path, slide: str) -> None:
    with pytest.raises(RenderError, match=r"slide ratio .*16:9 or 4:3"):
        writers.slide_canvas(slide)
    target = tmp_path / "new" / "dir"
    with pytest.raises(RenderError, match="slide ratio"):
        writers.write_frames(frames, target, "x", ["png", "pdf"], slide=slide)
    assert list(tmp_path.iterdir()) == []  # no directory made for nothing


def test_slide_accepted() -> None:
    assert writers.slide_canvas("16:9") == (1920, 1080)
    assert writers.slide_canvas(" 16x9 ") == (1920, 1080)
    assert writers.slide_canvas("3:1") == (3240, 1080)
    assert writers.slide_canvas("1:3") == (360, 1080)


def test_unusable_out_dir(frames: list[Frame], tmp_path: Path) -> None:
    blocker = tmp_path / "f"
    blocker.write_text("hi")
    for target in (blocker, blocker / "sub"):
        with pytest.raises(RenderError, match=rf"cannot write to {re.escape(str(target))}: "):
            writers.write_frames(frames, target, "x", ["svg", "png"])
    assert blocker.read_text() == "hi"
    from graphviz_ad.draw.output import write_text_atomic

    with pytest.raises(RenderError, match="cannot write to"):
        write_text_atomic(blocker / "sub" / "x.html", "<p>")
    with pytest.raises(RenderError, match="cannot write to .*: Is a directory"):
        (tmp_path / "d.html").mkdir()
        write_text_atomic(tmp_path / "d.html", "<p>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.html", "f"]


def test_write_failure_removes_created_dirs(frames: list[Frame], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(staging, "open", broken, raising=False)  # every staged file
    with pytest.raises(RenderError, match="cannot write to .*: No space left on device"):
        writers.write_frames(frames, tmp_path / "a" / "b", "x", ["svg", "png"])
    assert list(tmp_path.iterdir()) == []


def test_stale_frames_removed_only_ours(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "stem-009.png").write_bytes(b"not from graphviz-ad")
    eight = [Frame(make_frames(1)[0].svg, f"step {i}", 500) for i in range(8)]
    writers.write_frames(eight, tmp_path, "stem", ["png", "svg"])
    writers.write_frames(eight[:2], tmp_path, "other", ["png"])
    assert len(list(tmp_path.glob("stem-*.png"))) == 9
    paths = writers.write_frames(eight[:4], tmp_path, "stem", ["png"])
    assert [p.name for p in paths["png"]] == [f"stem-{i:03d}.png" for i in range(4)]
    names = {p.name for p in tmp_path.iterdir()}
    assert {f"stem-{i:03d}.png" for i in range(4, 8)}.isdisjoint(names)  # stale frames gone
    assert {"notes.txt", "stem-009.png", "other-000.png", "other-001.png"} <= names
    assert {f"stem-{i:03d}.svg" for i in range(8)} <= names  # a format not rewritten stays
    assert (tmp_path / "stem-009.png").read_bytes() == b"not from graphviz-ad"
    manifest = staging.read_manifest(tmp_path)
    assert list(manifest["stem"]["png"]) == [f"stem-{i:03d}.png" for i in range(4)]
    assert list(manifest["other"]["png"]) == ["other-000.png", "other-001.png"]
    assert manifest["stem"]["png"]["stem-000.png"] == (tmp_path / "stem-000.png").stat().st_size


def test_damaged_manifest_removes_nothing(tmp_path: Path) -> None:
    (tmp_path / staging.MANIFEST).write_text('{"stems": {"s": {"png": ["../x", ".hidden"]}}')
    (tmp_path / "s-005.png").write_bytes(b"x")
    writers.write_frames(make_frames(1), tmp_path, "s", ["png"])
    assert (tmp_path / "s-005.png").exists()
    # a forged or old manifest: a path outside, a hidden file, an old entry without a size
    (tmp_path / staging.MANIFEST).write_text(
        '{"stems": {"s": {"png": ["../escape.png", ".hidden.png", "s-005.png"]}}}')
    (tmp_path.parent / "escape.png").write_bytes(b"outside")
    writers.write_frames(make_frames(1), tmp_path, "s", ["png"])
    assert (tmp_path.parent / "escape.png").exists()  # never outside the directory
    assert (tmp_path / "s-005.png").exists()  # no recorded size: not provably ours
    (tmp_path.parent / "escape.png").unlink()


def test_manifest_removes_only_unchanged_files_named_like_ours(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "s-005.png").write_bytes(b"12345")
    (tmp_path / "s-006.png").write_bytes(b"1234")
    (tmp_path / staging.MANIFEST).write_text(
        '{"stems": {"s": {"png": {"notes.txt": 4, "s-005.png": 5, "s-006.png": 99}}}}')
    writers.write_frames(make_frames(1), tmp_path, "s", ["png"])
    assert (tmp_path / "notes.txt").read_text() == "mine"  # not named like an output of s
    assert not (tmp_path / "s-005.png").exists()  # ours, unchanged: stale, removed
    assert (tmp_path / "s-006.png").exists()  # changed since (size differs): kept


def test_mp4_without_slide_fits_1080p(tmp_path: Path) -> None:
    pytest.importorskip("imageio_ffmpeg")
    paths = writers.write_frames(make_frames(2), tmp_path, "v", ["mp4", "png"], scale=4.0)
    with Image.open(paths["png"][0]) as png:
        big = png.size
    assert big[0] > 1920 or big[1] > 1080  # the PNG frames stay as large as asked
    (w, h), _ = mp4_timing(paths["mp4"][0])
    assert w <= 1920 and h <= 1080 and w % 2 == 0 and h % 2 == 0
    assert max(w / 1920, h / 1080) > 0.99  # as large as fits
    assert abs(w / h - big[0] / big[1]) < 0.02  # aspect kept
    assert writers.mp4_size((4186, 1408)) == (1920, 644)
    assert writers.mp4_size((640, 481)) == (640, 480)


def wide_frames(factor: float = 2.5) -> list[Frame]:
    """Two frames whose drawing is ``factor`` times as large as make_frames' (CSS size)."""
    svg = make_frames(1)[0].svg
    w, h = raster.svg_size(svg)
    wider = re.sub(r'width="[\d.]+" height="[\d.]+"',
                   f'width="{w * factor:.2f}" height="{h * factor:.2f}"', svg, count=1)
    return [Frame(wider, "wide", 500)] * 2


def test_default_png_no_wider_than_1920_unless_scaled(tmp_path: Path) -> None:
    frames = wide_frames()
    assert raster.svg_size(frames[0].svg)[0] * writers.DEFAULT_SCALE > 1920
    default = writers.write_frames(frames, tmp_path / "a", "w", ["png"])
    with Image.open(default["png"][0]) as png:
        assert png.width == 1920
    scaled = writers.write_frames(frames, tmp_path / "b", "w", ["png"], scale=1.5)
    with Image.open(scaled["png"][0]) as png:
        assert png.width == round(raster.svg_size(frames[0].svg)[0] * 1.5)
    with pytest.raises(RenderError, match="scale 0"):
        writers.write_frames(frames, tmp_path / "c", "w", ["png"], scale=0)


def test_identical_frames_rasterized_once(frames: list[Frame],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []
    real = raster._draw
    monkeypatch.setattr(raster, "_draw", lambda svg, *a: drawn.append(svg) or real(svg, *a))
    svgs = [frames[0].svg, frames[1].svg, frames[0].svg, frames[1].svg, frames[2].svg]
    images = [img for img, _ in raster.render_frames(svgs, canvas=(640, 360), workers=1)]
    assert len(drawn) == 3 and images[0] is images[2] and images[1] is images[3]


def test_fallback_without_pyvips_gives_the_same_frames(frames: list[Frame], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """pyvips is optional: cairosvg draws the same pixel sizes (and nearly the same pixels)."""
    monkeypatch.setitem(sys.modules, "pyvips", None)  # import pyvips fails
    assert raster._vips() is None
    for slide in ("16:9", None):
        out = tmp_path / str(slide).replace(":", "x")
        paths = writers.write_frames(frames, out, "f", ["png", "gif"], slide=slide)
        sizes = {Image.open(p).size for p in paths["png"]}
        monkeypatch.undo()
        if raster._vips() is not None:  # compare with the fast path when it is installed
            fast = writers.write_frames(frames, out / "fast", "f", ["png"], slide=slide)
            assert sizes == {Image.open(p).size for p in fast["png"]}
            a, b = (np.asarray(Image.open(x["png"][1]).convert("L"), dtype=float)
                    for x in (paths, fast))
            assert np.abs(a - b).mean() < 8  # anti-aliasing differs, the drawing does not
        monkeypatch.setitem(sys.modules, "pyvips", None)
        assert len(sizes) == 1 and (slide is None or sizes == {(1920, 1080)})


def test_progress_on_stderr(frames: list[Frame], tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    writers.write_frames(frames, tmp_path, "p", ["gif"], progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "rasterizing" in captured.err
