"""MP4 through ffmpeg (the ``video`` extra, imageio-ffmpeg): the encoded size, and the
concat-demuxer script that shows each distinct frame for exactly its duration."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PIL import Image

from ..core.errors import RenderError
from .staging import Staging

VIDEO_HINT = "MP4 needs the video extra: pip install 'graphviz-ad[video]'"


def ffmpeg_module() -> Any:
    """imageio-ffmpeg, or the one-line hint to install it."""
    try:
        import imageio_ffmpeg  # deferred: optional, only for mp4
    except ImportError as exc:
        raise RenderError(VIDEO_HINT) from exc
    return imageio_ffmpeg


MP4_MAX_SIZE = (1920, 1080)  # without --slide: many hardware decoders cap width at 4096


def mp4_size(size: tuple[int, int], limit: tuple[int, int] = MP4_MAX_SIZE) -> tuple[int, int]:
    """``size`` scaled down (never up) to fit ``limit``, aspect kept, both sides even."""
    w, h = size
    k = min(1.0, limit[0] / w, limit[1] / h)
    if k >= 1.0:
        return w - w % 2, h - h % 2
    return max(2, int(w * k) // 2 * 2), max(2, int(h * k) // 2 * 2)


def concat_script(names: Sequence[str], durations_ms: Sequence[int]) -> str:
    """An ffconcat script showing each image for its duration, timed in milliseconds
    (``framerate 1000``: the image demuxer's default 1/25 s would round 2.5 s to 2.52 s).
    The last image is listed again (shown 1 ms): the demuxer gives an entry its
    duration only when another follows."""
    lines = ["ffconcat version 1.0"]
    for name, ms in [*zip(names, durations_ms), (names[-1], None)]:
        lines += [f"file {name}", "option framerate 1000"]
        if ms is not None:
            lines.append(f"duration {ms / 1000:.3f}")
    return "\n".join([*lines, ""])


def encode_mp4(clips: Iterable[tuple[Image.Image, int]], size: tuple[int, int],
               stage: Staging, stem: str, tick: Callable[[], None] = lambda: None) -> None:
    """Stage ``stem.mp4``: H.264 with variable frame timing, each ``(image, ms)`` clip
    encoded once and shown for its duration (ffmpeg's concat demuxer over the images as
    PNG files).  ``tick`` is called per image."""
    exe = ffmpeg_module().get_ffmpeg_exe()
    work = stage.scratch()
    names, durations = [], []
    for k, (img, ms) in enumerate(clips):
        if img.size != size:  # only when an explicit scale exceeds MP4_MAX_SIZE
            img = img.resize(size, Image.Resampling.LANCZOS)
        names.append(f"{k:05d}.png")
        durations.append(ms)
        with stage.guard():
            img.save(work / names[-1], "PNG", compress_level=1)
        tick()
    script = work / "frames.ffconcat"
    with stage.guard():
        script.write_text(concat_script(names, durations), encoding="utf-8")
    tmp = stage.path(f"{stem}.mp4")
    proc = subprocess.run(
        [exe, "-nostdin", "-v", "error", "-f", "concat", "-safe", "0", "-i", str(script),
         "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage",
         "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-n", str(tmp)],
        capture_output=True, check=False)
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"]
        raise RenderError(f"ffmpeg could not encode {stem}.mp4: {lines[-1]}")
