"""1920x1080 GIF of 60 frames: our pipeline vs ``dot -Tpng`` per frame + Pillow's default GIF.

Ours: one layout, 60 filled SVG frames, cairosvg rasterizing on all cores, one
global palette without dithering.  Baseline: every frame its own
``dot -Tpng -Gsize=13.333,7.5 -Gdpi=144`` call, padded to 1920x1080, saved with
Pillow's default GIF writer (an adaptive palette per frame).  Same graph, same
run; best of several repetitions; the target ratio is >= 2.5x.

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

from bench_frames import (  # noqa: E402
    baseline_dot,
    best_of,
    build_template_dot,
    captions_for,
    frame_states,
    synthetic_graph,
)

from graphviz_ad.draw.graphviz_run import run_graphviz  # noqa: E402
from graphviz_ad.draw.template import SvgTemplate, compose_frames  # noqa: E402
from graphviz_ad.draw.writers import write_frames  # noqa: E402

SLIDE_ARGS = ["-Gsize=13.333,7.5", "-Gdpi=144"]


def ours(nodes, states, out: Path) -> None:
    dot, slots = build_template_dot(nodes)
    tpl = SvgTemplate.layout(dot, slots)
    frames = compose_frames(tpl, states, captions_for(len(states)), title="Reverse mode",
                            aspect=16 / 9)
    write_frames(frames, out, "ours", ["gif"], slide="16:9")


def baseline(nodes, states, out: Path) -> None:
    images = []
    for state in states:
        png = run_graphviz(baseline_dot(nodes, state), "png", args=SLIDE_ARGS).output
        img = Image.open(io.BytesIO(png)).convert("RGB")
        images.append(ImageOps.pad(img, (1920, 1080), color="white"))
    images[0].save(out / "baseline.gif", save_all=True, append_images=images[1:],
                   duration=[1500] * len(images), loop=0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 ops, 20 steps, 1 repetition")
    opts = parser.parse_args(argv)
    n_ops, n_steps, repeat = (10, 20, 1) if opts.quick else (30, 60, 3)
    nodes = synthetic_graph(n_ops)
    states = frame_states(nodes, n_steps)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        fast = best_of(lambda: ours(nodes, states, out), repeat)
        slow = best_of(lambda: baseline(nodes, states, out), repeat)
        sizes = {p.name: p.stat().st_size / 1e6 for p in out.glob("*.gif")}
    print(f"GIF 1920x1080, {n_ops} ops x {n_steps} frames: dot -Tpng per frame + Pillow default "
          f"{slow:.2f} s ({sizes['baseline.gif']:.1f} MB) | template + fixed palette "
          f"{fast:.2f} s ({sizes['ours.gif']:.1f} MB) | {slow / fast:.1f}x faster")


if __name__ == "__main__":
    main()
