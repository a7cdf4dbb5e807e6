"""A self-contained HTML player for a list of frames.

One file, no network access at all (no CDN, no web fonts): every frame's SVG is
inlined in a ``<template>``; a small script shows one at a time.  Left/Right
arrows step, Space plays/pauses (using each frame's ``duration_ms``), a range
slider scrubs, and "step k / n" plus the step caption are shown as text.  The SVG
is scaled to fit the window.

>>> html = player_html([Frame('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
...                           caption="x < 1")], "demo")
>>> "x &lt; 1" in html and "step 1 / 1" in html
True
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from string import Template

from graphviz_ad.draw.frames import Frame

# The page lives here (not in a data file) so it needs no package-data entry.
PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
  html, body { margin: 0; height: 100%; background: #fff; color: #111;
               font-family: "DejaVu Sans", Verdana, sans-serif; }
  body { display: flex; flex-direction: column; }
  #stage { flex: 1 1 auto; min-height: 0; display: flex; align-items: center;
           justify-content: center; padding: 8px; box-sizing: border-box; }
  #stage > svg { width: 100%; height: 100%; }
  /* every frame draws its caption; this copy is for screen readers and copy-paste */
  #caption { position: absolute; width: 1px; height: 1px; overflow: hidden;
             clip-path: inset(50%); white-space: nowrap; }
  #controls { display: flex; gap: 12px; align-items: center; padding: 8px 16px 12px; }
  #controls button { font-size: 18px; min-width: 3em; }
  #slider { flex: 1 1 auto; }
  #counter { font-variant-numeric: tabular-nums; white-space: nowrap; }
</style>
</head>
<body>
<div id="stage"></div>
<p id="caption" aria-live="polite"></p>
<div id="controls">
  <button id="prev" title="previous step (Left arrow)">&#9664;</button>
  <button id="play" title="play / pause (Space)">&#9654;</button>
  <button id="next" title="next step (Right arrow)">&#9654;&#9654;</button>
  <input id="slider" type="range" min="1" max="$count" value="1" aria-label="step">
  <span id="counter">step 1 / $count</span>
</div>
$frames
<script>
(function () {
  "use strict";
  var frames = Array.prototype.slice.call(document.querySelectorAll("template.frame"));
  var stage = document.getElementById("stage"), caption = document.getElementById("caption");
  var slider = document.getElementById("slider"), counter = document.getElementById("counter");
  var playBtn = document.getElementById("play");
  var index = 0, timer = null;
  function show(k) {
    index = Math.max(0, Math.min(frames.length - 1, k));
    var t = frames[index];
    stage.replaceChildren(t.content.cloneNode(true));
    caption.textContent = t.dataset.caption;
    slider.value = index + 1;
    counter.textContent = "step " + (index + 1) + " / " + frames.length;
  }
  function stop() { clearTimeout(timer); timer = null; playBtn.innerHTML = "&#9654;"; }
  function tick() {
    if (index >= frames.length - 1) { stop(); return; }
    show(index + 1);
    timer = setTimeout(tick, +frames[index].dataset.duration);
  }
  function toggle() {
    if (timer) { stop(); return; }
    if (index >= frames.length - 1) show(0);
    playBtn.innerHTML = "&#10074;&#10074;";
    timer = setTimeout(tick, +frames[index].dataset.duration);
  }
  document.getElementById("prev").onclick = function () { stop(); show(index - 1); };
  document.getElementById("next").onclick = function () { stop(); show(index + 1); };
  playBtn.onclick = toggle;
  slider.oninput = function () { stop(); show(slider.valueAsNumber - 1); };
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") { stop(); show(index + 1); }
    else if (e.key === "ArrowLeft") { stop(); show(index - 1); }
    else if (e.key === " " || e.key === "Spacebar") { toggle(); }
    else if (e.key === "Home") { stop(); show(0); }
    else if (e.key === "End") { stop(); show(frames.length - 1); }
    else { return; }
    e.preventDefault();
  });
  show(0);
})();
</script>
</body>
</html>
"""

_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.DOTALL)


def _inline_svg(svg: str) -> str:
    """The SVG without XML prolog, doctype and comments (invalid or noise inside HTML)."""
    return _PROLOG.sub("", svg).strip()


def player_html(frames: Sequence[Frame], title: str = "graphviz-ad") -> str:
    """Return the player page for ``frames`` as one HTML string."""
    page = Template(PAGE)
    blocks = [f'<template class="frame" data-caption="{html.escape(f.caption, quote=True)}" '
              f'data-duration="{int(f.duration_ms)}">{_inline_svg(f.svg)}</template>'
              for f in frames]
    return page.substitute(title=html.escape(title), count=len(frames),
                           frames="\n".join(blocks))
