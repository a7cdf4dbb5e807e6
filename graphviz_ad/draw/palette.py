"""The drawings' and plots' colours: one definition per role.

Hues are Okabe & Ito's (2008), distinguishable with every common colour-vision
deficiency; fills are light tints of them, text is near-black.  Every drawing module,
plot and worksheet (DOT and CSS) names a role from here instead of writing a hex string,
so one edit recolours everything that plays that role.  (Template slot sentinels,
``#c0dXXX`` in :mod:`graphviz_ad.draw.template`, are placeholders, not colours, and live
there.)

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
PINK = "#CC79A7"  # Okabe & Ito's reddish purple
YELLOW = "#F0E442"
BLACK = "#000000"
WHITE = "#FFFFFF"

# -- canvas, text and chrome (every drawing) -------------------------------------------
BACKGROUND = WHITE  # behind the graph and the bands (Graphviz bgcolor, SVG fill)
NO_COLOUR = "none"  # an element that is laid out but not drawn in this frame
#: every text and dark outline: labels, titles, legends, captions, receptive-field units
#: (15.9:1 against BACKGROUND; once three near-blacks, #111111, #222222 and #333333)
INK = "#222222"
SWATCH_BORDER = "#444444"  # a legend swatch's outline
MUTED = "#888888"  # secondary marks that must stay legible but not draw the eye
OVERVIEW_FRAME = MUTED  # the follow camera's overview box
#: thin mid-grey rules: table borders, legend frames, zero-padding outlines (the plots'
#: legend frame #999999 and the worksheets' table borders #999 were this colour by eye)
RULE = "#9A9A9A"
#: faint guide lines behind the content: plot grids, idle tap edges (plot grids were
#: #DDDDDD, a near-identical shade)
GRID_LINE = "#D9D9D9"
CAMERA_WINDOW = VERMILLION  # the window the follow camera shows, outlined in the overview
RIGHT_TEXT = "#1A7F37"  # the quiz's "right" feedback: a green dark enough for text (5:1)
WRONG_TEXT = "#B42318"  # the quiz's "wrong" feedback: a red dark enough for text (6:1)

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

#: a worksheet graph's edges: the graph before any pass, every node still pending
SHEET_EDGE = PENDING_BORDER

FILL_OF = {"pending": PENDING_FILL, "value": VALUE_FILL, "active": ACTIVE_FILL,
           "done": DONE_FILL}
BORDER_OF = {"pending": PENDING_BORDER, "value": VALUE, "active": ACTIVE, "done": DONE}
EDGE_OF = {"idle": PENDING_EDGE, "used": VALUE, "active": ACTIVE}

# -- receptive fields: units, taps, the span -------------------------------------------
OUTPUT_UNIT = ORANGE  # the output unit and the units on its path
DEPENDENT_UNIT = SKY  # hidden units the output depends on
SEEN_INPUT = BLUE  # input units inside the receptive field; lit tap edges
HOLE = VERMILLION  # a unit inside the span that no path reaches (stacked dilations)
IDLE_EDGE = GRID_LINE  # tap edges outside the field
FAINT_EDGE = "#EAEAEA"  # idle tap edges in frames that shade the span
BAND = "#DDEFFA"  # the receptive-field span, behind units and edges
PAD_FILL = "#F2F2F2"  # zero-padding units
PAD_LINE = RULE  # their dashed outline
#: path counts, light to dark (ColorBrewer Purples; ordered by lightness, unlike ORANGE)
COUNT_RAMP = ("#EFEDF5", "#DADAEB", "#BCBDDC", "#9E9AC8", "#807DBA", "#6A51A3", "#54278F",
              "#3F007D")

# -- worksheets (HTML) -----------------------------------------------------------------
BLANK_TEXT = MUTED  # an unfilled blank's line and id

# -- plots (matplotlib) ----------------------------------------------------------------
#: matplotlib's colour cycle: all eight Okabe & Ito colours in their published order
PLOT_CYCLE = (BLUE, ORANGE, GREEN, PINK, SKY, VERMILLION, YELLOW, BLACK)
#: curves told apart at a distance: the cycle without orange (too near vermillion),
#: yellow (too light on white) and black
CURVE_COLOURS = (BLUE, VERMILLION, GREEN, PINK, SKY)
LEVEL_LINE = WHITE  # contour lines over a heatmap
MARK_HALO = WHITE  # the ring around a start marker, a hollow marker's inside
MINIMUM_MARK = YELLOW  # the star at a surface's grid minimum ...
MARK_OUTLINE = BLACK  # ... and its outline
TEXT_ON_LIGHT, TEXT_ON_DARK = BLACK, WHITE  # numbers written on heatmap cells
#: a gradient-descent path (and its start); the same hue as the step being computed in
#: the derivative drawings (ACTIVE): the path is the steps being taken
DESCENT_PATH = ACTIVE
COMPARED_PATH = VALUE  # the path a descent path is checked against (weight decay)
PATH_START = DONE  # where two compared paths both start
NOT_CONVEX = ACTIVE  # the level line λmin = 0 that disproves convexity
#: the cost of each mode's full Jacobian.  The derivative drawings colour a node's
#: state (value, active, done), not the mode, so the modes get hues of their own here.
FORWARD_MODE = VERMILLION
REVERSE_MODE = BLUE

# -- matrix cells: a diverging scale centred on 0 ----------------------------------------
CELL_NEGATIVE = BLUE  # the colour of −max|x| ...
CELL_POSITIVE = VERMILLION  # ... and of +max|x|; 0 is white
#: a cell that shows its number is tinted at most this far towards the ends, so that INK
#: stays readable on it (at least 6.2:1 against the darkest tint)
NUMBERED_STRENGTH = 0.6


def diverging(x: float, strength: float = 1.0) -> str:
    """The cell colour of ``x`` in [−1, 1] (clipped): white at 0, blending linearly to
    CELL_NEGATIVE at −1 and CELL_POSITIVE at +1 (only ``strength`` of the way there).

    >>> diverging(0.0), diverging(1.0), diverging(-1.0), diverging(1.0, strength=0.5)
    ('#FFFFFF', '#D55E00', '#0072B2', '#EAAE80')
    """
    x = max(-1.0, min(1.0, float(x))) if x == x else 0.0  # nan: white
    end = CELL_POSITIVE if x > 0 else CELL_NEGATIVE
    rgb = [int(end[i:i + 2], 16) for i in (1, 3, 5)]
    t = abs(x) * strength
    return "#" + "".join(f"{round(255 + t * (c - 255)):02X}" for c in rgb)
