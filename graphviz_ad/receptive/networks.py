"""Well-known networks written as 1-D programs over one channel, for the receptive field
both ways (:func:`graphviz_ad.receptive.gradient.compare`): the convolutions, strides,
paddings and pools of the originals, residual branches included.

>>> text, values = mobilenet_v1()
>>> text.count("conv1d"), len(values)
(27, 27)
"""

from __future__ import annotations

import numpy as np

Network = tuple[str, dict[str, np.ndarray]]


def _weights(values: dict[str, np.ndarray], name: str, kernel: int) -> str:
    values[name] = np.ones((1, 1, kernel))
    return name


def mobilenet_v1() -> Network:
    """MobileNet v1 (Howard et al. 2017): a 3-wide stride-2 stem, then 13 depthwise 3-wide
    and pointwise 1-wide convolutions; receptive field 315."""
    values: dict[str, np.ndarray] = {}
    lines = [f"h0 = relu(conv1d(x, {_weights(values, 'w0', 3)}, stride=2, padding=1))"]
    strides = (1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1)
    for i, s in enumerate(strides, start=1):
        stride = f", stride={s}" if s > 1 else ""
        lines.append(f"d{i} = relu(conv1d(h{i - 1}, {_weights(values, f'w{i}d', 3)}{stride}, "
                     "padding=1))")
        lines.append(f"h{i} = relu(conv1d(d{i}, {_weights(values, f'w{i}p', 1)}))")
    return "\n".join(lines), values


def resnet50() -> Network:
    """ResNet-50 (He et al. 2016, torchvision's v1.5: the stride in the 3-wide conv): a
    7-wide stride-2 stem, a 3-wide stride-2 max-pool, and 3, 4, 6, 3 bottleneck blocks
    (1, 3, 1 wide) with their shortcuts; receptive field 427."""
    values: dict[str, np.ndarray] = {}
    lines = [f"stem = relu(conv1d(x, {_weights(values, 'w0', 7)}, stride=2, padding=3))",
             "h0 = maxpool1d(stem, kernel=3, stride=2, padding=1)"]
    block = 0
    for stage, count in enumerate((3, 4, 6, 3), start=1):
        for i in range(count):
            block += 1
            h, s = f"h{block - 1}", (2 if stage > 1 and i == 0 else 1)
            stride = f", stride={s}" if s > 1 else ""
            name = f"b{block}"
            lines.append(f"{name}a = relu(conv1d({h}, {_weights(values, f'v{block}a', 1)}))")
            lines.append(f"{name}b = relu(conv1d({name}a, {_weights(values, f'v{block}b', 3)}"
                         f"{stride}, padding=1))")
            lines.append(f"{name}c = conv1d({name}b, {_weights(values, f'v{block}c', 1)})")
            shortcut = h
            if i == 0:  # the projection shortcut of each stage's first block
                shortcut = f"conv1d({h}, {_weights(values, f'v{block}s', 1)}{stride})"
            lines.append(f"h{block} = relu({name}c + {shortcut})")
    return "\n".join(lines), values


NETWORKS = {"mobilenet_v1": mobilenet_v1, "resnet50": resnet50}
