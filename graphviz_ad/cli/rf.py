"""``graphviz-ad rf``: receptive fields of conv/pool stacks as a table, or drawn unit by unit."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from ..core.errors import GraphvizAdError
from ..core.formats import DRAW_FORMATS
from ..draw.compose import check_title
from ..draw.frames import STEP_MS
from ..receptive.fields import check_layer_count, receptive_fields
from ..receptive.gradient import (
    Comparison,
    comparison_json,
    comparison_markdown,
    comparison_text,
)
from ..receptive.spec import PRESETS, Spec, load_stack_spec, parse_layer, preset
from ..receptive.text import TEXT_FORMATS
from ..workflow.render_file import StackDrawing, draw_stack
from .common import (
    formats_option,
    frame_ms_option,
    options,
    out_option,
    progress_option,
    report_written,
    reports_errors,
    slide_option,
)
from .params import PerAxis


def load_spec(spec_file: str | None, layers: tuple[str, ...], preset_name: str | None) -> Spec:
    """The stack from exactly one of: a TOML file, ``--layer`` options, ``--preset``."""
    given = [bool(spec_file), bool(layers), bool(preset_name)]
    if sum(given) != 1:
        raise GraphvizAdError("give exactly one of: a SPEC.toml file, --layer options, --preset"
                              + ("" if sum(given) else " (try: --layer k=3 --layer k=3)"))
    if spec_file:
        return load_stack_spec(spec_file)
    if preset_name:
        return preset(preset_name)
    check_layer_count(len(layers))
    return Spec([parse_layer(text, i + 1) for i, text in enumerate(layers)])


def is_program_file(spec_file: str | None) -> bool:
    """Whether ``spec_file`` is a graph file with a top-level ``program`` key (not a layer
    stack), read line by line without parsing the TOML (a stack's loader bounds that)."""
    if not spec_file or Path(spec_file).suffix.lower() != ".toml" or not Path(spec_file).is_file():
        return False
    from ..core.files import read_text  # deferred: graph files only

    try:
        text = read_text(Path(spec_file))
    except GraphvizAdError:
        return False  # the stack's loader reports it
    for line in text.splitlines():
        if line.lstrip().startswith("["):
            return False  # the top-level keys come before the first table
        if _PROGRAM_KEY.match(line):
            return True
    return False


_PROGRAM_KEY = re.compile(r"""\s*["']?program["']?\s*=""")


def program_comparison(spec_file: str, of: str | None, unit, size) -> tuple[Spec, Comparison]:
    """A conv program's stack (for the table and drawings) and its field both ways."""
    from ..frontends.sources import load  # deferred: the parser, for programs only
    from ..receptive.gradient import compare, output_of, program_layers

    src, G, inputs = load(spec_file)
    output = output_of(G, of)
    comparison = compare(G, inputs, output, unit, size)
    layers = program_layers(G, inputs, output)
    spec = Spec(layers, title=src.title, name=src.name,
                render={k: v for k, v in src.render.items() if k in ("slide", "frame_ms")})
    return spec, comparison


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
@click.option("--unit", type=PerAxis(), metavar="N", help="Output unit to explain (0-based; "
              "'N,M' per axis). Default: the middle one.")
@click.option("--input-size", type=PerAxis(), metavar="N", help="Input length ('N,M' per "
              "axis). Default: just wide enough for the unit's whole receptive field.")
@options(formats_option([*TEXT_FORMATS, *DRAW_FORMATS], "table"), out_option(), slide_option())
@click.option("--paths/--no-paths", default=None,
              help="Add a frame shading each input unit by its number of paths to the output "
                   "unit (effective receptive field).")
@click.option("--axis", type=int, default=0, show_default=True,
              help="Which axis of a 2D stack to draw.")
@options(frame_ms_option, progress_option)
@click.option("--max-units", type=click.IntRange(1), default=100, show_default=True,
              help="Widest drawing, in grid columns (input units incl. padding); checked "
                   "before any drawing work.")
@click.option("--gradient/--no-gradient", default=None,
              help="Also read the receptive field off the gradient (the inputs with "
                   "∂unit/∂x ≠ 0) and say whether it agrees with the arithmetic; always on "
                   "for a conv program.")
@click.option("--map", "map_", metavar="NODE", help="For a conv program: the feature map "
              "whose unit is explained (default: the last convolution or pooling).")
@reports_errors
def rf(spec_file, layers, preset_name, unit, input_size, format_, out, slide, paths, axis,
       frame_ms, progress, max_units, gradient, map_):
    """Receptive fields of a 1D/2D conv or pool stack: sizes, jumps, input intervals,
    the recurrence with its numbers, and unit-level drawings that grow layer by layer.

    Formulas: Araujo, Norris & Sim, "Computing Receptive Fields of CNNs" (Distill 2019).
    padding=same follows TensorFlow SAME (= PyTorch 'same' for stride 1).

    A graph file with a program of conv1d/conv2d, pooling and elementwise ops gives its
    stack by reading the layers along the widest path, and its field by the gradient too.

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
      graphviz-ad rf graphs/conv1d.toml --map y
      graphviz-ad rf graphs/problem6.toml --gradient --format json
    """
    formats = format_
    comparison = None
    if is_program_file(spec_file) and not layers and not preset_name:
        spec, comparison = program_comparison(spec_file, map_, unit, input_size)
    else:
        spec = load_spec(spec_file, layers, preset_name)
    check_title(spec.title)
    unit_v = unit or spec.unit
    size_v = input_size or spec.input_size
    if comparison is None and gradient:
        from ..receptive.gradient import compare_stack  # deferred: the parser and autodiff

        comparison = compare_stack(spec.layers, unit_v, size_v)
    if comparison is not None:  # the same unit and input size both ways
        unit_v = [f.unit for f in comparison.arithmetic]
        size_v = [f.input_size for f in comparison.arithmetic]
    slide = slide or spec.render.get("slide")
    paths = bool(spec.render.get("paths", False)) if paths is None else paths
    frame_ms = frame_ms or int(spec.render.get("frame_ms", STEP_MS))
    fields = receptive_fields(spec.layers, unit_v, size_v)
    drawings = [f for f in formats if f in DRAW_FORMATS]
    written = []
    if drawings:  # build and write before printing, so a refusal prints nothing
        show = sys.stderr.isatty() if progress is None else progress
        drawing = StackDrawing(unit=unit_v, input_size=size_v, axis=axis, paths=paths,
                               slide=slide, frame_ms=frame_ms, progress=show,
                               max_units=max_units)
        written = draw_stack(spec, drawings, out, drawing)
    texts = [_with_gradient(f, TEXT_FORMATS[f](fields, spec.title), comparison)
             for f in formats if f in TEXT_FORMATS]
    if texts:
        click.echo("\n".join(texts), nl=False)
    report_written(written)


def _with_gradient(format_: str, text: str, comparison: Comparison | None) -> str:
    """A text format with the gradient's numbers added (JSON: a ``gradient`` key)."""
    if comparison is None:
        return text
    if format_ == "json":
        doc = json.loads(text)
        doc["gradient"] = comparison_json(comparison)
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if format_ == "table":
        return text + "\n" + comparison_text(comparison)
    if format_ == "markdown":
        return text + "\n" + comparison_markdown(comparison)
    return text  # LaTeX: the arithmetic's tables only
