"""A self-contained HTML player for a list of frames.

One file, no network access at all (no CDN, no web fonts): every frame's SVG is
inlined in a ``<template>``; a small script shows one at a time.  Left/Right
arrows step, Space plays/pauses (using each frame's ``duration_ms``), a range
slider scrubs, and "step k / n" plus the step caption are shown as text.  The SVG
is scaled to fit the window.

Quiz mode (``quiz=``, one entry per frame, see :mod:`graphviz_ad.teach.quiz`): a frame
with a question shows the frame before it and asks for the step's number first; Enter
checks the answer within a tolerance (relative, or correctly rounded at 3 significant
figures), names the mistake behind a wrong one, then reveals the frame.

>>> html = player_html([Frame('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
...                           caption="x < 1")], "demo")
>>> "x &lt; 1" in html and "step 1 / 1" in html
True
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from string import Template
from typing import Any

from .frames import Frame
from .palette import BACKGROUND, INK, RIGHT_TEXT, WRONG_TEXT

# The page lives here (not in a data file) so it needs no package-data entry.
PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
  html, body { margin: 0; height: 100%; background: $background; color: $ink;
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
  #quiz { display: flex; gap: 8px; align-items: center; padding: 4px 16px; font-size: 18px; }
  #quiz[hidden] { display: none; }
  #quiz input { font-size: 18px; width: 10em; }
  #feedback { margin: 0 16px; min-height: 1.4em; }
  #feedback.right { color: $right_text; } #feedback.wrong { color: $wrong_text; }
</style>
</head>
<body>
<div id="stage"></div>
<p id="caption" aria-live="polite"></p>$quiz_block
<div id="controls">
  <button id="prev" title="previous step (Left arrow)">&#9664;</button>
  <button id="play" title="play / pause (Space)">&#9654;</button>
  <button id="next" title="next step (Right arrow)">&#9654;&#9654;</button>
  <input id="slider" type="range" min="1" max="$count" value="1" aria-label="step">
  <span id="counter">step 1 / $count</span>
</div>
$frames$quiz_script
<script>
(function () {
  "use strict";
  var frames = Array.prototype.slice.call(document.querySelectorAll("template.frame"));
  var stage = document.getElementById("stage"), caption = document.getElementById("caption");
  var slider = document.getElementById("slider"), counter = document.getElementById("counter");
  var playBtn = document.getElementById("play");
  var index = 0, timer = null;
  var quiz = window.graphvizAdQuiz;  // set by quiz mode only
  function paint(i) {
    var t = frames[i];
    stage.replaceChildren(t.content.cloneNode(true));
    caption.textContent = t.dataset.caption;
  }
  function show(k) {
    index = Math.max(0, Math.min(frames.length - 1, k));
    var asking = quiz && quiz.pending(frames[index]);
    paint(asking ? Math.max(0, index - 1) : index);  // predict first: the step still hidden
    if (asking) {
      stop();
      caption.textContent = "";
      var at = index;
      quiz.ask(frames[at], function () { if (index === at) show(at); });
    } else if (quiz) {
      quiz.hide();
    }
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
    if (e.target && e.target.id === "answer") { return; }  // typing an answer
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

QUIZ_BLOCK = """
<div id="quiz" hidden><label for="answer" id="ask"></label>
  <input id="answer" type="text" inputmode="decimal" autocomplete="off" spellcheck="false">
  <span>Enter checks</span></div>
<p id="feedback" aria-live="polite"></p>"""

# Substituted into the page as a value (so its dollar signs stay as they are).
QUIZ_SCRIPT = r"""
<script>
window.graphvizAdQuiz = (function () {
  "use strict";
  var RTOL = %(rtol)r, SIG_FIGS = %(sig_figs)d, ATOL = 1e-9;
  var box = document.getElementById("quiz"), ask = document.getElementById("ask");
  var input = document.getElementById("answer"), feedback = document.getElementById("feedback");
  var answered = new Map(), right = 0, total = 0, current = null, reveal = null;
  function question(t) { return t.dataset.quiz ? JSON.parse(t.dataset.quiz) : null; }
  // the grammar of graphviz_ad.teach.answers: ASCII digits only, at most 60 characters,
  // an exponent of at most 4 digits, a finite value (100e309 is refused, not Infinity)
  function parse(text) {
    text = text.trim().replace(/\u2212/g, "-");
    if (text.length > 60) { return null; }
    var m = /^[+-]?(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))(?:[eE]([+-]?[0-9]{1,4}))?$/.exec(text);
    if (!m) { return null; }
    var whole = m[1] || "", fraction = (m[3] !== undefined ? m[3] : m[2]) || "";
    var value = parseFloat(text);
    if (!isFinite(value)) { return null; }
    var digits = (whole + fraction).replace(/^0+/, "");
    var exp = parseInt(m[4] || "0", 10) - fraction.length;
    return {value: value, half: exp < 308 ? 0.5 * Math.pow(10, exp) : Infinity,
            figures: Math.max(digits.length, 1)};
  }
  function close(a, target) {
    var err = Math.abs(a.value - target);
    return err <= Math.max(RTOL * Math.abs(target), ATOL) ||
      (a.figures >= SIG_FIGS && isFinite(a.half) && err <= a.half * (1 + 1e-9) + ATOL);
  }
  function shown(x) { return String(Number(x.toPrecision(6))).replace("-", "\u2212"); }
  function pending(t) { return question(t) !== null && !answered.has(t); }
  function hide() { box.hidden = true; }
  function start(t, then) {
    var q = question(t);
    current = t; reveal = then;
    ask.textContent = q.ask + " = ?";
    input.value = "";
    box.hidden = false;
    feedback.textContent = ""; feedback.className = "";
    input.focus();
  }
  function check() {
    var q = question(current), a = parse(input.value);
    if (a === null) { feedback.textContent = "type a number, e.g. 1.65"; return; }
    var ok = close(a, q.answer), text;
    total += 1;
    if (ok) {
      right += 1;
      text = "\u2713 right: " + q.ask + " = " + shown(q.answer);
    } else {
      var why = q.paths.filter(function (p) { return close(a, p[1]); })[0];
      text = "\u2717 " + input.value.trim() + " is wrong" + (why ? ": " + why[0] : "") +
        "; " + q.ask + " = " + shown(q.answer);
    }
    answered.set(current, ok);
    feedback.textContent = text + "  (" + right + " / " + total + " right)";
    feedback.className = ok ? "right" : "wrong";
    box.hidden = true;
    input.blur();
    reveal();
  }
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); check(); }
  });
  return {pending: pending, ask: start, hide: hide, parse: parse, close: close};
})();
</script>"""

_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", re.DOTALL)


def _inline_svg(svg: str) -> str:
    """The SVG without XML prolog, doctype and comments (invalid or noise inside HTML)."""
    return _PROLOG.sub("", svg).strip()


def player_html(frames: Sequence[Frame], title: str = "graphviz-ad",
                quiz: Sequence[dict[str, Any] | None] | None = None, *, rtol: float = 1e-3,
                sig_figs: int = 3) -> str:
    """Return the player page for ``frames`` as one HTML string; with ``quiz`` (one entry
    per frame: None or ``{"ask", "answer", "paths"}``) the predict-then-reveal page."""
    page = Template(PAGE)
    if quiz is not None and len(quiz) != len(frames):
        raise ValueError(f"quiz: {len(quiz)} entries for {len(frames)} frames")
    asks = list(quiz) if quiz is not None else [None] * len(frames)
    blocks = [f'<template class="frame" data-caption="{html.escape(f.caption, quote=True)}" '
              f'data-duration="{int(f.duration_ms)}"'
              + (f' data-quiz="{html.escape(json.dumps(q), quote=True)}"' if q else "")
              + f">{_inline_svg(f.svg)}</template>"
              for f, q in zip(frames, asks)]
    script = QUIZ_SCRIPT % {"rtol": float(rtol), "sig_figs": int(sig_figs)}
    return page.substitute(background=BACKGROUND, ink=INK, right_text=RIGHT_TEXT,
                           wrong_text=WRONG_TEXT, title=html.escape(title), count=len(frames),
                           frames="\n".join(blocks),
                           quiz_block=QUIZ_BLOCK if quiz is not None else "",
                           quiz_script=script if quiz is not None else "")
