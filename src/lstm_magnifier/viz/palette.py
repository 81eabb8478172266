"""One colour scheme for the whole book: the four networks, the memories, the gates.

Every figure, widget and diagram takes its colours from here, so that "Forget" is the same
vermillion in chapter 2 and in chapter 12: learn is blue, forget vermillion, remember bluish green,
use reddish purple; the long-term memory ``c`` is orange, the short-term memory ``h`` sky blue, the
event ``x`` black, and each gate wears its network's colour.

The colours are the palette of Okabe and Ito (2008), *Color Universal Design (CUD): how to make
figures and presentations that are friendly to colorblind people*
(https://jfly.uni-koeln.de/color/). Its eight colours stay distinguishable for readers with the
common forms of colour-vision deficiency (protanopia, deuteranopia, tritanopia) and differ in
lightness as well as hue, so they also survive greyscale printing reasonably well. Wong (2011,
*Nature Methods* 8:441) recommends the same set for scientific figures. The book never relies on
colour alone: every coloured region, wire and box also carries a text label, and text is drawn in
:func:`ink`, a darker shade of its colour that keeps the WCAG contrast of 4.5 : 1 against white.
"""

from matplotlib.colors import to_hex, to_rgb

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
"""The eight colours of Okabe & Ito (2008) as hex strings."""

NETWORK_COLORS = {
    "learn": OKABE_ITO["blue"],
    "forget": OKABE_ITO["vermillion"],
    "remember": OKABE_ITO["bluish_green"],
    "use": OKABE_ITO["reddish_purple"],
}
"""Colour of each of the four networks, keyed by the book's names."""

MEMORY_COLORS = {"c": OKABE_ITO["orange"], "h": OKABE_ITO["sky_blue"], "x": OKABE_ITO["black"]}
"""Colour of the long-term memory ``c``, the short-term memory ``h`` and the event ``x``."""

GATE_COLORS = {
    "i": NETWORK_COLORS["learn"],
    "f": NETWORK_COLORS["forget"],
    "g": "#00507D",  # learn's blue darkened by 30 %: same family, still told apart from i
    "o": NETWORK_COLORS["use"],
}
"""Colour of each gate ``i, f, g, o``; each belongs to its network's colour family."""

NEUTRAL = "#6B6B6B"
"""Plain wires and text that belong to no network (e.g. the joined input ``[h, x]``)."""

MUTED = "#C4C4C4"
"""Colour for parts of a figure that are greyed out to put another part in focus."""


def contrast_ratio(color, background="white"):
    """WCAG 2 contrast ratio between two colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((_luminance(color), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def ink(color, min_contrast=4.5, background="white"):
    """``color`` shaded just enough to be read as text on ``background`` (WCAG AA: 4.5 : 1).

    Several Okabe-Ito colours (orange, sky blue, reddish purple) are fine for lines and fills but
    too light for small text on white; labels use their darker shade of the same hue. On a dark
    ``background`` (dark mode) the colour is lightened instead. Returns a hex string.
    """
    rgb = to_rgb(color)
    towards = 1.0 if _luminance(background) < 0.18 else 0.0
    for step in range(101):
        shade = tuple(c + (towards - c) * step / 100 for c in rgb)
        if contrast_ratio(shade, background) >= min_contrast:
            return to_hex(shade)
    return to_hex((towards,) * 3)


def _luminance(color):
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(color)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
