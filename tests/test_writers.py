"""Writers: every format, pixel sizes, animation metadata, atomic output."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from graphviz_ad.draw import writers
from graphviz_ad.draw.frames import Frame
from graphviz_ad.draw.template import SlotDot, SvgTemplate, compose_frames
from graphviz_ad.errors import RenderError

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
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


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


def test_mp4_readable(slide_out) -> None:
    ffmpeg = pytest.importorskip("imageio_ffmpeg")
    _, paths = slide_out
    reader = ffmpeg.read_frames(str(paths["mp4"][0]))
    meta = next(reader)
    assert meta["size"] == (1920, 1080)
    assert meta["fps"] == writers.MP4_OUTPUT_FPS  # a rate every player accepts
    total_s = (500 + 700 + writers.LAST_FRAME_HOLD_MS) / 1000  # each frame shown as long as asked
    assert abs(sum(1 for _ in reader) - total_s * writers.MP4_OUTPUT_FPS) <= 1


def test_pdf_is_16_9_with_dejavu(slide_out) -> None:
    _, paths = slide_out
    data = paths["pdf"][0].read_bytes()
    assert data.startswith(b"%PDF")
    box = [float(v) for v in re.search(rb"/MediaBox \[ *([\d. ]+)\]", data).group(1).split()]
    assert (box[2] - box[0]) / (box[3] - box[1]) == pytest.approx(16 / 9, rel=0.01)
    assert b"DejaVu" in data  # the font carrying ∂ · − ² ₁ is embedded


def test_beamer_overlays(slide_out) -> None:
    out, paths = slide_out
    tex = paths["beamer"][0].read_text()
    assert tex.count(r"\only<") == 3 and "demo-002.pdf" in tex
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed: .tex not compiled")
    for needed in ("beamer.cls", "pgfmath.sty"):
        if not subprocess.run(["kpsewhich", needed], capture_output=True).stdout.strip():
            pytest.skip(f"{needed} not installed (apt-get install texlive-latex-recommended)")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           "-output-directory", str(out), paths["beamer"][0].name],
                          cwd=out, capture_output=True, timeout=180)
    assert proc.returncode == 0, proc.stdout.decode(errors="replace")[-2000:]
    assert "(3 pages" in (out / "demo.log").read_text(errors="replace")


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


def test_progress_on_stderr(frames: list[Frame], tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    writers.write_frames(frames, tmp_path, "p", ["gif"], progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "rasterizing" in captured.err
