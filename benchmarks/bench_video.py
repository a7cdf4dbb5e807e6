"""MP4 of problem 9 ``--mode both`` against its GIF (issue 12, item 4), same run.

Both are full ``graphviz-ad render`` processes (parse, passes, layout, rasterizing,
encoding), best of several runs.  Goal: the MP4 takes at most 3x the GIF's time.  The
MP4 is also checked: one encoded picture per distinct frame (plus the 1 ms repeat that
closes the last one), each shown as long as its step (ffmpeg's framecrc timestamps).

    python benchmarks/bench_video.py [--quick]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best  # noqa: E402

GRAPH = ROOT / "graphs" / "problem9.toml"
GOAL = 3.0


def render(fmt: str, out: Path) -> None:
    subprocess.run([sys.executable, "-m", "graphviz_ad", "render", str(GRAPH), "--mode", "both",
                    "--format", fmt, "--out", str(out), "--no-progress"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)


def shown_ms(mp4: Path) -> list[float]:
    """How long each encoded picture shows, from the container's timestamps."""
    import imageio_ffmpeg

    text = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(mp4),
                           "-c", "copy", "-f", "framecrc", "-"], capture_output=True, text=True,
                          check=True).stdout
    num, den = map(int, re.search(r"#tb 0: (\d+)/(\d+)", text).group(1, 2))
    pts = sorted(int(ln.split(",")[2]) for ln in text.splitlines()
                 if ln and not ln.startswith("#"))
    return [(b - a) * 1000 * num / den for a, b in zip(pts, pts[1:])]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 repetition")
    repeat = 1 if parser.parse_args(argv).quick else 3
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        gif = best(lambda: render("gif", out), repeat)
        mp4 = best(lambda: render("mp4", out), repeat)
        shown = shown_ms(out / "problem9-both.mp4")
    ratio = mp4 / gif
    print(f"| MP4 of problem 9 `--mode both` ≤ {GOAL:g}× its GIF | GIF {gif:.1f} s, MP4 "
          f"{mp4:.1f} s; {len(shown)} pictures encoded, shown {min(shown):.0f}–"
          f"{max(shown):.0f} ms | {ratio:.2f}× {'OK' if ratio <= GOAL else 'MISSED'} |")


if __name__ == "__main__":
    main()
