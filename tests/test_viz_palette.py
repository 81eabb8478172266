"""The book's colours: the four networks, the memories and the gates, readable as text."""

import colorsys

import pytest
from matplotlib.colors import is_color_like, to_hex, to_rgb

from lstm_magnifier.viz import palette


def test_palette_has_the_four_networks_and_memories_in_valid_distinct_colours():
    assert set(palette.NETWORK_COLORS) == {"learn", "forget", "remember", "use"}
    assert set(palette.MEMORY_COLORS) == {"c", "h", "x"}
    assert set(palette.GATE_COLORS) == {"i", "f", "g", "o"}
    colours = [*palette.NETWORK_COLORS.values(), *palette.MEMORY_COLORS.values(), palette.NEUTRAL]
    assert all(is_color_like(c) for c in [*colours, *palette.GATE_COLORS.values(), palette.MUTED])
    assert len({to_hex(c) for c in colours}) == len(colours)
    okabe_ito = {to_hex(c) for c in palette.OKABE_ITO.values()}
    assert {to_hex(c) for c in palette.NETWORK_COLORS.values()} <= okabe_ito


def test_gates_take_their_networks_colour_family():
    gates, nets = palette.GATE_COLORS, palette.NETWORK_COLORS
    assert gates["i"] == nets["learn"] and gates["f"] == nets["forget"]
    assert gates["o"] == nets["use"]
    hue_g, hue_learn = (colorsys.rgb_to_hsv(*to_rgb(c))[0] for c in (gates["g"], nets["learn"]))
    assert abs(hue_g - hue_learn) < 0.02
    assert to_hex(gates["g"]) != to_hex(gates["i"])


def test_ink_darkens_light_colours_to_readable_text_and_keeps_dark_ones():
    for colour in palette.OKABE_ITO.values():
        assert palette.contrast_ratio(palette.ink(colour)) >= 4.5
    assert palette.contrast_ratio(palette.OKABE_ITO["orange"]) < 3  # too light as text ...
    assert palette.ink(palette.OKABE_ITO["orange"]) != to_hex(palette.OKABE_ITO["orange"])
    assert palette.ink("#000000") == "#000000"  # ... while black is left alone
    assert palette.contrast_ratio("black") == pytest.approx(21.0)
