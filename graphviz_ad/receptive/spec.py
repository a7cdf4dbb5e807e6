"""Conv-stack specs for the receptive-field tools: CLI ``--layer`` strings, TOML files, presets.

CLI layer syntax (one ``--layer`` per layer, input first)::

    k=5,s=2            kernel 5, stride 2          (keys: kernel/k, stride/s, dilation/d,
    k=5,d=2,p=same     dilated, 'same' padding      padding/p, kind/type/t, name/n)
    pool,k=2           a pool layer (stride defaults to the kernel, as in PyTorch)
    type=pool,k=3,s=2  the same with an explicit key
    p=1:2              padding 1 on the left, 2 on the right; also p=(1,2) in a 1D stack
    k=3x5  or  k=(3,5) per-axis values for a 2D stack

TOML graph file (``graphs/*.toml``)::

    title = "Problem 6: receptive fields 5, 9, 25"   # shown on the drawing
    unit = 6                 # optional: the output unit to explain (per-axis list in 2D)
    input_size = 25          # optional: default is just wide enough for that unit's field
    preset = "vgg16"         # optional instead of [[layers]]: alexnet, vgg16, lenet5, wavenet,
                             # mobilenetv1, resnet50

    [variants]               # optional: `graphviz-ad worksheet` draws these per student
    vary = ["unit=0:9", "H1.kernel=3:7"]   # the output unit, LAYER.kernel|stride|dilation
    seed = 7

    [render]                 # optional drawing hints
    paths = true             # shade input units by number of paths to the output unit
    slide = "16:9"

    [[layers]]               # one table per layer, input first
    kind = "conv"            # or "pool"; default conv
    name = "H1"
    kernel = 5               # or [3, 5] per axis
    stride = 2
    dilation = 1
    padding = 2              # int, [left, right], "same" or "valid"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import GraphvizAdError
from ..core.files import read_text
from ..core.source import VARIANTS, checked_table
from .fields import Layer, check_layer_count, conv, make_layer, pool

ALIASES = {"k": "kernel", "s": "stride", "d": "dilation", "p": "padding", "t": "kind",
           "type": "kind", "n": "name"}
LAYER_KEYS = ("kernel", "stride", "dilation", "padding", "kind", "name")
TOP_KEYS = ("title", "unit", "input_size", "preset", "render", "layers", "variants")
RENDER_KEYS = ("paths", "slide", "frame_ms")


@dataclass
class Spec:
    """A parsed stack: layers plus optional title, unit, input size and drawing hints."""

    layers: list[Layer]
    title: str = ""
    unit: list[int | None] | None = None
    input_size: list[int | None] | None = None
    render: dict[str, Any] = field(default_factory=dict)
    name: str = "rf"
    variants: dict[str, Any] = field(default_factory=dict)  # [variants], as a graph file's


def _vgg16() -> list[Layer]:
    layers: list[Layer] = []
    for block, convs in enumerate([2, 2, 3, 3, 3]):
        layers += [conv(3, padding=1, name=f"conv{block + 1}_{i + 1}") for i in range(convs)]
        layers.append(pool(2, 2, name=f"pool{block + 1}"))
    return layers


def _mobilenet_v1() -> list[Layer]:
    layers = [conv(3, 2, padding=1, name="conv0")]
    for i, s in enumerate((1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1), start=1):
        layers += [conv(3, s, padding=1, name=f"dw{i}"), conv(1, name=f"pw{i}")]
    return layers


def _resnet50() -> list[Layer]:
    layers = [conv(7, 2, padding=3, name="conv1"), pool(3, 2, padding=1, name="pool1")]
    block = 0
    for stage, count in enumerate((3, 4, 6, 3), start=1):
        for i in range(count):
            block += 1
            s = 2 if stage > 1 and i == 0 else 1
            layers += [conv(1, name=f"b{block}a"), conv(3, s, padding=1, name=f"b{block}b"),
                       conv(1, name=f"b{block}c")]
    return layers


PRESETS: dict[str, tuple[str, Any]] = {
    "alexnet": ("AlexNet features (Krizhevsky et al. 2012; torchvision padding)", lambda: [
        conv(11, 4, padding=2, name="conv1"), pool(3, 2, name="pool1"),
        conv(5, padding=2, name="conv2"), pool(3, 2, name="pool2"),
        conv(3, padding=1, name="conv3"), conv(3, padding=1, name="conv4"),
        conv(3, padding=1, name="conv5"), pool(3, 2, name="pool5")]),
    "vgg16": ("VGG-16 features (Simonyan & Zisserman 2015)", _vgg16),
    "lenet5": ("LeNet-5 features (LeCun et al. 1998)", lambda: [
        conv(5, name="C1"), pool(2, name="S2"), conv(5, name="C3"), pool(2, name="S4")]),
    "mobilenetv1": ("MobileNet v1 (Howard et al. 2017): depthwise 3×3 and pointwise 1×1 "
                    "convolutions", _mobilenet_v1),
    "resnet50": ("ResNet-50 main path (He et al. 2016; torchvision: stride in the 3×3 conv)",
                 _resnet50),
    "wavenet": ("WaveNet block: causal kernel 2, dilations 1…512 (van den Oord et al. 2016)",
                lambda: [conv(2, dilation=2 ** i, padding=(2 ** i, 0), name=f"d{2 ** i}")
                         for i in range(10)]),
}


def preset(name: str) -> Spec:
    """The feature stack of a well-known network, e.g. ``preset("vgg16")``."""
    key = name.lower().replace("-", "").replace("_", "")
    if key not in PRESETS:
        raise GraphvizAdError(f"unknown preset {name!r}; choose from {', '.join(PRESETS)}")
    title, build = PRESETS[key]
    return Spec(build(), title=title, name=key)


def _split_top(text: str) -> list[str]:
    """Split on commas outside parentheses/brackets."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += 1 if ch in "([" else -1 if ch in ")]" else 0
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def _cli_value(key: str, raw: str) -> Any:
    """Parse ``5``, ``3x5``, ``(3,5)``, ``1:2``, ``same`` into Python values."""
    raw = raw.strip()
    if key in ("kind", "name"):
        return raw
    if raw.startswith(("(", "[")) and raw.endswith((")", "]")):
        return tuple(_cli_value(key, part) for part in _split_top(raw[1:-1]))
    if re.fullmatch(r"\d+(x\d+)+", raw.lower()) and key != "padding":
        return tuple(_cli_value(key, part) for part in raw.lower().split("x"))
    if key == "padding" and ":" in raw:
        return tuple(_cli_value(key, part) for part in raw.split(":"))
    if key == "padding" and raw.lower() in ("same", "valid"):
        return raw.lower()
    if re.fullmatch(r"[+-]?\d+", raw):
        if len(raw.lstrip("+-0")) > 30:  # int() refuses over 4,300 digits; no layer needs 30
            raise GraphvizAdError(f"{key} has {len(raw.lstrip('+-0'))} digits, over the "
                                  f"limit of 30")
        return int(raw)
    raise GraphvizAdError(f"{key} must be an integer, got {raw!r}")


def parse_layer(text: str, position: int = 1) -> Layer:
    """Parse one ``--layer`` value such as ``"k=5,s=2"`` or ``"pool,k=2"``."""
    values: dict[str, Any] = {}
    where = f"--layer {position} {text if len(text) <= 60 else text[:57] + '...'!r}"
    for item in _split_top(text):
        if "=" not in item:
            if item.lower() in ("conv", "pool"):
                values["kind"] = item.lower()
                continue
            raise GraphvizAdError(f"{where}: expected key=value or conv/pool, got {item!r}")
        key, raw = (part.strip() for part in item.split("=", 1))
        key = ALIASES.get(key.lower(), key.lower())
        if key not in LAYER_KEYS:
            raise GraphvizAdError(f"{where}: unknown key {key!r}; use kernel/k, stride/s, "
                                  f"dilation/d, padding/p, kind/type/t, name/n")
        if key in values:
            raise GraphvizAdError(f"{where}: {key} given twice")
        try:
            values[key] = _cli_value(key, raw)
        except GraphvizAdError as err:
            raise GraphvizAdError(f"{where}: {err.message}") from None
    if "kernel" not in values:
        raise GraphvizAdError(f"{where}: kernel (k=…) is required")
    try:
        return make_layer(**values)
    except GraphvizAdError as err:
        raise GraphvizAdError(f"{where}: {err.message}") from None


def _line_of(source: str, key: str) -> int | None:
    for number, line in enumerate(source.splitlines(), 1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return None


def _toml_error(source: str, path: str, message: str, key: str | None = None) -> GraphvizAdError:
    line = _line_of(source, key) if key else None
    if key is None or line is None:
        return GraphvizAdError(f"{path}: {message}")
    column = source.splitlines()[line - 1].index(key) + 1
    return GraphvizAdError(f"{path}: {message}", source=source, line=line, column=column)


def _toml_layer(table: Any, index: int, source: str, path: str) -> Layer:
    if not isinstance(table, dict):
        raise _toml_error(source, path, f"layers[{index}] must be a table ([[layers]])", "layers")
    for key in table:
        if key not in LAYER_KEYS:
            raise _toml_error(source, path, f"layers[{index}]: unknown key {key!r}; use "
                              f"{', '.join(LAYER_KEYS)}", key)
    if "kernel" not in table:
        raise _toml_error(source, path, f"layers[{index}]: kernel is required")
    values: dict[str, Any] = {k: (tuple(tuple(e) if isinstance(e, list) else e for e in v)
                  if isinstance(v, list) else v) for k, v in table.items()}
    try:
        return make_layer(**values)
    except GraphvizAdError as err:
        name = table.get("name", "")
        label = f"layers[{index}]" + (f" ({name})" if name else "")
        bad = next((k for k in ("kernel", "stride", "dilation", "padding", "kind")
                    if k in err.message), None)
        raise _toml_error(source, path, f"{label}: {err.message}", bad) from None


def _per_axis(value: Any, what: str, source: str, path: str) -> list[int | None] | None:
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise _toml_error(source, path, f"{what} must be an integer or a list of integers", what)
    return list(values)


def parse_toml(source: str, path: str = "<spec>") -> Spec:
    """Parse a TOML graph file (format in the module docstring)."""
    # count the tables before parsing: a million of them takes tomllib ~16 s
    check_layer_count(len(re.findall(r"^[ \t]*\[\[[ \t]*layers[ \t]*\]\]", source, re.M)))
    try:
        data = tomllib.loads(source)
    except ValueError as err:  # TOMLDecodeError, or an integer of over 4,300 digits
        if not isinstance(err, tomllib.TOMLDecodeError):
            raise GraphvizAdError(f"{path}: an integer has over 4,300 digits") from None
        msg = str(err)
        found = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        text = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg) or "invalid TOML"
        if found:
            raise GraphvizAdError(f"{path}: {text}", source=source, line=int(found[1]),
                                  column=int(found[2])) from None
        raise GraphvizAdError(f"{path}: {text}") from None
    if "program" in data:
        raise GraphvizAdError(f"{path} is a program, not a conv stack: use "
                              f"`graphviz-ad trace {path}` or `graphviz-ad render {path}`")
    for key in data:
        if key not in TOP_KEYS:
            raise _toml_error(source, path, f"unknown key {key!r}; use {', '.join(TOP_KEYS)}",
                              key)
    render = data.get("render", {})
    if not isinstance(render, dict) or any(k not in RENDER_KEYS for k in render):
        raise _toml_error(source, path, f"[render] accepts only {', '.join(RENDER_KEYS)}")
    if "preset" in data:
        if "layers" in data:
            raise _toml_error(source, path, "give either preset or [[layers]], not both", "preset")
        spec = preset(str(data["preset"]))
    else:
        tables = data.get("layers")
        if not isinstance(tables, list) or not tables:
            raise GraphvizAdError(f"{path}: no layers: add [[layers]] tables or a preset")
        check_layer_count(len(tables))
        spec = Spec([_toml_layer(t, i + 1, source, path) for i, t in enumerate(tables)])
    spec.title = str(data.get("title", spec.title))
    spec.unit = _per_axis(data.get("unit"), "unit", source, path)
    spec.input_size = _per_axis(data.get("input_size"), "input_size", source, path)
    spec.render = dict(render)
    if "variants" in data:
        spec.variants = checked_table(data["variants"], VARIANTS, f"{path}: [variants]")
    spec.name = Path(path).stem if path != "<spec>" else spec.name
    return spec


def load_stack_spec(path: str | Path) -> Spec:
    """Read (bounded, regular files only: see :mod:`graphviz_ad.core.files`) and parse a TOML
    conv-stack file."""
    source = read_text(path)
    return parse_toml(source, str(path))
