"""1920x1080 GIF of a derivative animation: our pipeline vs ``dot -Tpng`` per frame +
Pillow's default GIF writer.

The graph is bench_frames.py's generated 30-operation program, forward then reverse
mode (about 60 frames).  Ours: graphviz_ad's renderer (one layout, slot filling),
rasterized on all cores, one global palette without dithering.  Baseline: every
frame's plain DOT rendered by its own ``dot -Tpng -Gsize=13.333,7.5 -Gdpi=144`` call,
padded to 1920x1080, saved with Pillow's default GIF writer (adaptive palette per
frame).  Same run; best of several repetitions; the target ratio is >= 2.5x.
Ours draws two frames at once (libvips on two threads) and each distinct frame once.

    python benchmarks/bench_gif.py [--quick]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_frames import builder  # noqa: E402
from timing import best  # noqa: E402

from graphviz_ad.draw.graphviz_run import run_graphviz  # noqa: E402
from graphviz_ad.draw.writers import write_frames  # noqa: E402

SLIDE_ARGS = ["-Gsize=13.333,7.5", "-Gdpi=144"]


def ours(frames, out: Path) -> None:
    write_frames(frames.frames(aspect=16 / 9), out, "ours", ["gif"], slide="16:9")


def baseline(frames, out: Path) -> None:
    images = []
    for state in frames.states:
        png = run_graphviz(frames.dot(state=state), "png", args=SLIDE_ARGS).output
        img = Image.open(io.BytesIO(png)).convert("RGB")
        images.append(ImageOps.pad(img, (1920, 1080), color="white"))
    images[0].save(out / "baseline.gif", save_all=True, append_images=images[1:],
                   duration=frames.durations, loop=0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 operations, 1 repetition")
    opts = parser.parse_args(argv)
    n_ops, repeat = (10, 1) if opts.quick else (30, 3)
    frames = builder(n_ops)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        fast = best(lambda: ours(frames, out), repeat)
        slow = best(lambda: baseline(frames, out), repeat)
        sizes = {p.name: p.stat().st_size / 1e6 for p in out.glob("*.gif")}
    ratio = slow / fast
    print(f"| GIF 1920x1080, {n_ops} ops, {len(frames.states)} frames | dot -Tpng per frame + "
          f"Pillow default {slow:.2f} s ({sizes['baseline.gif']:.1f} MB) | ours "
          f"{fast:.2f} s ({sizes['ours.gif']:.1f} MB) | {ratio:.1f}x (target >= 2.5x) "
          f"{'OK' if ratio >= 2.5 else 'MISSED'} |")


if __name__ == "__main__":
    main()
