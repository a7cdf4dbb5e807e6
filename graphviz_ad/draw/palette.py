"""The drawings' colours: one definition per role.

Hues are Okabe & Ito's (2008), distinguishable with every common colour-vision
deficiency; fills are light tints of them, text is near-black.  Every drawing module
names a role from here instead of writing a hex string, so one edit recolours every
drawing that plays that role.  (Template slot sentinels, ``#c0dXXX`` in
:mod:`graphviz_ad.draw.template`, are placeholders, not colours, and live there.)

>>> FILL_OF["active"], BORDER_OF["active"], EDGE_OF["active"]
('#FBDCC4', '#D55E00', '#D55E00')
"""

from __future__ import annotations

# -- hues (Okabe & Ito) ----------------------------------------------------------------
VERMILLION = "#D55E00"
BLUE = "#0072B2"
GREEN = "#009E73"
SKY = "#56B4E9"
ORANGE = "#E69F00"
WHITE = "#FFFFFF"

# -- canvas, text and chrome (every drawing) -------------------------------------------
BACKGROUND = WHITE  # behind the graph and the bands (Graphviz bgcolor, SVG fill)
NO_COLOUR = "none"  # an element that is laid out but not drawn in this frame
#: every text and dark outline: labels, titles, legends, captions, receptive-field units
#: (15.9:1 against BACKGROUND; once three near-blacks, #111111, #222222 and #333333)
INK = "#222222"
SWATCH_BORDER = "#444444"  # a legend swatch's outline
OVERVIEW_FRAME = "#888888"  # the follow camera's overview box
CAMERA_WINDOW = VERMILLION  # the window the follow camera shows, outlined in the overview

# -- derivative passes: a node's state, an edge's use ----------------------------------
ACTIVE = VERMILLION  # the step being computed: its node's border, the edges it uses
VALUE = BLUE  # a known value's border; edges used by earlier steps
DONE = GREEN  # a node whose derivative (tangent or adjoint) is known
PENDING_BORDER = "#666666"  # a node nothing is known of yet
PENDING_EDGE = "#B8B8B8"  # an edge no step of this pass has used yet
PENDING_FILL = WHITE
VALUE_FILL = "#E4F1FA"  # light tint of VALUE
ACTIVE_FILL = "#FBDCC4"  # light tint of ACTIVE
DONE_FILL = "#D4EFE6"  # light tint of DONE

FILL_OF = {"pending": PENDING_FILL, "value": VALUE_FILL, "active": ACTIVE_FILL,
           "done": DONE_FILL}
BORDER_OF = {"pending": PENDING_BORDER, "value": VALUE, "active": ACTIVE, "done": DONE}
EDGE_OF = {"idle": PENDING_EDGE, "used": VALUE, "active": ACTIVE}

# -- receptive fields: units, taps, the span -------------------------------------------
OUTPUT_UNIT = ORANGE  # the output unit and the units on its path
DEPENDENT_UNIT = SKY  # hidden units the output depends on
SEEN_INPUT = BLUE  # input units inside the receptive field; lit tap edges
HOLE = VERMILLION  # a unit inside the span that no path reaches (stacked dilations)
IDLE_EDGE = "#D9D9D9"  # tap edges outside the field
FAINT_EDGE = "#EAEAEA"  # idle tap edges in frames that shade the span
BAND = "#DDEFFA"  # the receptive-field span, behind units and edges
PAD_FILL = "#F2F2F2"  # zero-padding units
PAD_LINE = "#9A9A9A"  # their dashed outline
#: path counts, light to dark (ColorBrewer Purples; ordered by lightness, unlike ORANGE)
COUNT_RAMP = ("#EFEDF5", "#DADAEB", "#BCBDDC", "#9E9AC8", "#807DBA", "#6A51A3", "#54278F",
              "#3F007D")
