"""Kernel-free companions: the explorers as scrubbable HTML animations (Agg backend)."""

import base64
import io
import re

import matplotlib
import pytest
from PIL import Image

from lstm_magnifier.viz import companions

matplotlib.use("Agg")


def frames_of(html):
    return re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)


def test_gate_animation_is_a_scrubbable_html_animation():
    html = companions.gate_animation("f", [0.1, 0.5, 0.9]).data
    assert "<img" in html and 'type="range"' in html  # the picture and its slider
    frames = frames_of(html)
    assert len(frames) == 3
    images = [Image.open(io.BytesIO(base64.b64decode(f))) for f in frames]
    assert all(image.mode == "P" for image in images)  # palette PNGs, small
    assert len(html) < 300_000
    with pytest.raises(ValueError, match="sweep"):
        companions.gate_animation("z")
    with pytest.raises(ValueError, match=r"f must lie in \[0, 1\]"):
        companions.gate_animation("f", [0.5, 1.5])


def test_companion_html_is_stable_apart_from_its_element_id():
    first = companions.gate_animation("g", [-0.5, 0.5]).data
    second = companions.gate_animation("g", [-0.5, 0.5]).data
    ids = [re.search(r"_anim_img([0-9a-f]{32})", html).group(1) for html in (first, second)]
    assert ids[0] != ids[1]  # two animations on one page must not share element ids
    assert first.replace(ids[0], "ID") == second.replace(ids[1], "ID")


def test_timeline_and_weight_animations():
    timeline = companions.timeline_animation([0.5, 0.9, 0.99], steps=30).data
    weights = companions.weight_animation("b_f", [-2.0, 1.0, 4.0], steps=12).data
    for html in (timeline, weights):
        assert len(frames_of(html)) == 3 and 'type="range"' in html
    with pytest.raises(ValueError, match="name of a fixed control"):
        companions.timeline_animation([0.5], fx=0.3)
    with pytest.raises(ValueError, match="sweep"):
        companions.weight_animation("W_xx")


def test_sequence_animation_thins_the_steps(stacked):
    model, x = stacked
    html = companions.sequence_animation(model, x[:, 0], max_frames=4, unit=4).data
    assert len(frames_of(html)) == 4
    html = companions.sequence_animation(model, x[:, 0], steps=[2, 9]).data
    assert len(frames_of(html)) == 2
    with pytest.raises(ValueError, match="unit"):
        companions.sequence_animation(model, x[:, 0], unit=5)
    with pytest.raises(ValueError, match=r"t must be a whole number in \[1, 9\]"):
        companions.sequence_animation(model, x[:, 0], steps=[0])
