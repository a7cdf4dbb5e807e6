"""``graphviz-ad rf``: receptive fields of conv/pool stacks as a table, or drawn unit by unit."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..draw.compose import check_title
from ..draw.frames import STEP_MS
from ..draw.names import safe_stem
from ..draw.output import DRAW_FORMATS, write_drawing
from ..draw.writers import slide_aspect
from ..errors import GraphvizAdError
from ..receptive import check_layer_count, receptive_fields, stack_ndim
from ..receptive_spec import PRESETS, Spec, load_toml, parse_layer, preset
from ..receptive_text import TEXT_FORMATS
from .common import report_written, reports_errors, split_formats


def _ints(value: str | None, option: str) -> list[int | None] | None:
    """``"3"`` or ``"3,4"`` (per axis) into a list of ints."""
    if value is None:
        return None
    try:
        return [int(part) for part in value.replace("x", ",").split(",")]
    except ValueError:
        raise GraphvizAdError(f"{option} needs an integer (or one per axis), got {value!r}"
                              ) from None


def load_spec(spec_file: str | None, layers: tuple[str, ...], preset_name: str | None) -> Spec:
    """The stack from exactly one of: a TOML file, ``--layer`` options, ``--preset``."""
    given = [bool(spec_file), bool(layers), bool(preset_name)]
    if sum(given) != 1:
        raise GraphvizAdError("give exactly one of: a SPEC.toml file, --layer options, --preset"
                              + ("" if sum(given) else " (try: --layer k=3 --layer k=3)"))
    if spec_file:
        return load_toml(spec_file)
    if preset_name:
        return preset(preset_name)
    check_layer_count(len(layers))
    return Spec([parse_layer(text, i + 1) for i, text in enumerate(layers)])


def draw(spec: Spec, formats: list[str], out: str | None, unit, input_size, axis: int,
         paths: bool, slide: str | None, frame_ms: int, progress: bool,
         max_units: int = 100) -> list[Path]:
    """Build the frames (all checks happen here), then write every format."""
    from ..draw.receptive import rf_frames

    ndim = stack_ndim(spec.layers)
    if not 0 <= axis < ndim:
        raise GraphvizAdError(f"--axis {axis}: the stack has {ndim} ax{'i' if ndim == 1 else 'e'}s")
    pick = lambda values: None if values is None else values[axis if len(values) > 1 else 0]
    title = spec.title + (f" (axis {axis})" if ndim > 1 else "")
    frames, dot, _ = rf_frames(spec.layers, pick(unit), pick(input_size), axis, paths, title,
                               slide_aspect(slide), frame_ms, max_units)
    name = safe_stem(spec.name)  # from a file name: never a path, never hidden
    out_dir = Path(out) if out else Path("render") / name
    return write_drawing(frames, dot, out_dir, name, formats, slide=slide,
                         progress=progress, title=spec.title)


@click.command()
@click.argument("spec_file", metavar="[SPEC.toml]", required=False,
                type=click.Path(dir_okay=False))
@click.option("--layer", "-l", "layers", multiple=True, metavar="K=V,…",
              help="One layer, input first; repeat. Keys: kernel/k, stride/s, dilation/d, "
                   "padding/p (int, L:R, same, valid), kind/type/t (conv, pool), name/n. "
                   "A bare 'pool' makes a pool layer (stride defaults to its kernel). "
                   "Per-axis values: k=3x5 or k=(3,5).")
@click.option("--preset", "preset_name", metavar="NAME",
              help=f"A well-known feature stack: {', '.join(PRESETS)}.")
@click.option("--unit", metavar="N", help="Output unit to explain (0-based; 'N,M' per axis). "
              "Default: the middle one.")
@click.option("--input-size", metavar="N", help="Input length ('N,M' per axis). Default: just "
              "wide enough for the unit's whole receptive field.")
@click.option("--format", "format_", default="table", show_default=True, metavar="LIST",
              help="Comma list. Printed: table, json, markdown, latex. Written under --out: "
                   + ", ".join(DRAW_FORMATS) + ".")
@click.option("--out", metavar="DIR", help="Directory for drawings (default render/<name>/).")
@click.option("--slide", metavar="W:H", default=None, help="Frame aspect, e.g. 16:9.")
@click.option("--paths/--no-paths", default=None,
              help="Add a frame shading each input unit by its number of paths to the output "
                   "unit (effective receptive field).")
@click.option("--axis", type=int, default=0, show_default=True,
              help="Which axis of a 2D stack to draw.")
@click.option("--frame-ms", type=click.IntRange(100, 60000), default=None,
              help=f"How long each animation frame shows (default {STEP_MS}, as in render; "
                   "a spec file's [render] frame_ms).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bars while writing (default: when stderr is a terminal).")
@click.option("--max-units", type=click.IntRange(1), default=100, show_default=True,
              help="Widest drawing, in grid columns (input units incl. padding); checked "
                   "before any drawing work.")
@reports_errors
def rf(spec_file, layers, preset_name, unit, input_size, format_, out, slide, paths, axis,
       frame_ms, progress, max_units):
    """Receptive fields of a 1D/2D conv or pool stack: sizes, jumps, input intervals,
    the recurrence with its numbers, and unit-level drawings that grow layer by layer.

    Formulas: Araujo, Norris & Sim, "Computing Receptive Fields of CNNs" (Distill 2019).
    padding=same follows TensorFlow SAME (= PyTorch 'same' for stride 1).

    \b
    Examples:
      graphviz-ad rf --layer k=3,p=1 --layer k=3,p=1 --layer k=3,p=1
      graphviz-ad rf --layer k=5,s=2 --layer k=3 --layer k=5,d=2 --format json
      graphviz-ad rf graphs/problem6.toml --format svg,gif --slide 16:9
      graphviz-ad rf graphs/problem4.toml --format png --out slides/ --paths
      graphviz-ad rf --layer k=3,d=2 --layer k=3,d=2 --format table,dot
      graphviz-ad rf --layer pool,k=2 --layer k=3x5,p=same --format markdown
      graphviz-ad rf --preset vgg16 --format latex
      graphviz-ad rf --layer k=3 --input-size 150 --format svg --max-units 160
    """
    formats = split_formats(format_, [*TEXT_FORMATS, *DRAW_FORMATS])
    spec = load_spec(spec_file, layers, preset_name)
    check_title(spec.title)
    unit_v = _ints(unit, "--unit") or spec.unit
    size_v = _ints(input_size, "--input-size") or spec.input_size
    slide = slide or spec.render.get("slide")
    paths = bool(spec.render.get("paths", False)) if paths is None else paths
    frame_ms = frame_ms or int(spec.render.get("frame_ms", STEP_MS))
    fields = receptive_fields(spec.layers, unit_v, size_v)
    drawings = [f for f in formats if f in DRAW_FORMATS]
    written = []
    if drawings:  # build and write before printing, so a refusal prints nothing
        show = sys.stderr.isatty() if progress is None else progress
        written = draw(spec, drawings, out, unit_v, size_v, axis, paths, slide, frame_ms, show,
                       max_units)
    texts = [TEXT_FORMATS[f](fields, spec.title) for f in formats if f in TEXT_FORMATS]
    if texts:
        click.echo("\n".join(texts), nl=False)
    report_written(written)
