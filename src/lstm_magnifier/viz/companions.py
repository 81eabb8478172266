"""Kernel-free companions of the explorers: scrubbable animations for the static site.

On the published book there is no Python behind a widget: its sliders move but
its figure stays put. Each explorer of :mod:`lstm_magnifier.viz.explorers` therefore
has a companion here that sweeps its most telling control ahead of time and
packs the frames into one piece of HTML with a play button and a slider
(Matplotlib's ``FuncAnimation.to_jshtml``), so that a reader without a kernel
can still drag through the values and watch the memories move:

- :func:`gate_animation`: a gate of the :class:`~lstm_magnifier.viz.explorers.GateExplorer`
  (``f`` by default) from one end of its range to the other;
- :func:`timeline_animation`: the forget gate of the
  :class:`~lstm_magnifier.viz.explorers.MemoryTimeline` from 0.5 to 0.99;
- :func:`weight_animation`: one weight of the
  :class:`~lstm_magnifier.viz.explorers.WeightExplorer` (the forget bias ``b_f`` by default);
- :func:`sequence_animation`: the time step of the
  :class:`~lstm_magnifier.viz.explorers.SequenceMagnifier`.

They draw with the explorers' own views and numbers, at a small size and a low
dpi, so that each stays around 300 KB. Each returns an ``IPython.display.HTML``
whose text is the same every time the same notebook runs (the random element
ids Matplotlib writes are replaced by ids derived from the content).
"""

import base64
import hashlib
import io
import itertools
import re
from html import escape

import matplotlib
import numpy as np
from IPython.display import HTML
from matplotlib.animation import FuncAnimation
from matplotlib.backend_bases import FigureCanvasBase
from PIL import Image

from lstm_magnifier import _checks
from lstm_magnifier.timelines import (
    GATE_RANGES,
    WEIGHT_NAMES,
    constant_gate_timeline,
    gate_step,
    input_sequence,
    sequence_trace,
    trace_at,
    weight_timeline,
)
from lstm_magnifier.viz.explorers import GateExplorer, MemoryTimeline, WeightExplorer
from lstm_magnifier.viz.palette import NEUTRAL
from lstm_magnifier.viz.views import GateView, SequenceView, TimelineView, WeightView, _limits

_COUNTER = itertools.count()  # tells apart two identical animations on one page


_FRAME = re.compile(r"data:image/png;base64,((?:[A-Za-z0-9+/=]|\\\n)+)")
"""A PNG frame inside ``to_jshtml``'s output (base64, lines joined by a backslash-newline)."""


_REMOTE_STYLESHEET = re.compile(r'<link rel="stylesheet"\s+href="https?://[^"]*">\s*')
"""matplotlib's jshtml links Font Awesome 4 from a CDN; the book's theme already draws
those button icons, and the site makes no request to another host."""


def animation_html(figure, update, frames, *, alt, fps=4, colors=64):
    """HTML of a scrubbable animation: ``update(k)`` draws frame ``k`` of ``frames``.

    ``alt`` describes the animation for readers who cannot see it (the frame image's
    alt text). The CDN stylesheet link matplotlib adds is dropped.

    Made by ``FuncAnimation(...).to_jshtml()`` (PNG frames, play and slider
    controls, starting on the first frame), then made smaller and stable: the
    frames are re-encoded as palette PNGs with ``colors`` colours shared by all
    frames (about a quarter of the size; ``colors=None`` keeps full colour), and
    the random element id is replaced by one derived from the content, so that
    re-running a notebook stores the same text. Returns the HTML as a string.
    """
    FigureCanvasBase(figure)  # draws nothing itself: each frame is drawn once, by savefig
    animation = FuncAnimation(figure, update, frames=frames, interval=1000 / fps, blit=False)
    with matplotlib.rc_context({"animation.frame_format": "png", "animation.embed_limit": 8.0}):
        html = animation.to_jshtml(fps=fps, default_mode="once")
    html = _REMOTE_STYLESHEET.sub("", html)
    html = html.replace("<img id=", f'<img alt="{escape(alt)}" id=', 1)
    if colors is not None:
        html = _palette_frames(html, colors)
    ids = sorted(set(re.findall(r"_anim_img([0-9a-f]{32})", html)))
    for old in ids:
        blank = html.replace(old, "")
        new = hashlib.sha1(f"{next(_COUNTER)}:{blank}".encode()).hexdigest()[:32]
        html = html.replace(old, new)
    return html


def _palette_frames(html, colors):
    """Re-encode every PNG frame of ``html`` with one shared palette of ``colors`` colours."""
    payloads = _FRAME.findall(html)
    images = [_decode(payload) for payload in payloads]
    sample = images[:: max(1, len(images) // 8)] + images[-1:]  # every colour that occurs
    width, height = images[0].size
    montage = Image.new("RGB", (width, height * len(sample)))
    for k, image in enumerate(sample):
        montage.paste(image, (0, k * height))
    palette = montage.quantize(colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    encoded = iter(
        [_encode(image.quantize(palette=palette, dither=Image.Dither.NONE)) for image in images]
    )
    return _FRAME.sub(lambda match: "data:image/png;base64," + next(encoded), html)


def _decode(payload):
    return Image.open(io.BytesIO(base64.b64decode(payload.replace("\\\n", "")))).convert("RGB")


def _encode(image):
    buffer = io.BytesIO()
    image.save(buffer, format="png", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _frames(name, values, low, high, default):
    """The swept values as floats: ``values`` checked to lie in [low, high], or ``default``."""
    if values is None:
        return [float(v) for v in default]
    values = _checks.as_finite_array(name, values, np.float64, ndim=(1,))
    if values.size == 0:
        raise ValueError(f"{name} must hold at least one value")
    if values.min() < low or values.max() > high:
        raise ValueError(
            f"{name} must lie in [{low:g}, {high:g}], got {values.min():g} to {values.max():g}"
        )
    return [float(v) for v in values]


def _heading(figure, x=0.985, y=0.97):
    return figure.text(x, y, "", ha="right", va="top", fontsize=11, weight="bold", color="black")


def gate_animation(sweep="f", values=None, *, dpi=72, fps=3, colors=64, **fixed):
    r"""The :class:`~lstm_magnifier.viz.explorers.GateExplorer` without a kernel: one gate swept.

    ``sweep`` is the control to sweep ("i", "f", "g", "o" or "c_prev"); ``values``
    its values (default: 11 evenly spaced over its range). The other controls
    keep the explorer's defaults unless given in ``fixed``, e.g.
    ``gate_animation("f", c_prev=2.0)``. Each frame shows the memories before and
    after the step as bars, with $c_t = f c_{t-1} + i g$ and $h_t = o \tanh(c_t)$
    written out in numbers (:func:`~lstm_magnifier.viz.explorers.gate_step`).
    Returns ``IPython.display.HTML``.
    """
    ranges = {**GATE_RANGES, "c_prev": (-3.0, 3.0)}
    _checks.check_one_of("sweep", sweep, tuple(ranges))
    frames = _frames(sweep, values, *ranges[sweep], np.linspace(*ranges[sweep], 11))
    settings = dict(GateExplorer.DEFAULTS)
    for name, value in fixed.items():
        _checks.check_one_of("name of a fixed control", name, tuple(ranges))
        settings[name] = value
    view = GateView(diagram=False, dpi=dpi)
    heading = _heading(view.figure)

    def update(k):
        view.update(gate_step(**{**settings, sweep: frames[k]}))
        heading.set_text(f"{'c_t-1' if sweep == 'c_prev' else sweep} = {frames[k]:.2f}")

    alt = (
        f"Animation of one cell step as {sweep} moves: bars of the long- and "
        f"short-term memory before and after the step, with the equations in "
        f"numbers"
    )
    return HTML(animation_html(view.figure, update, len(frames), alt=alt, fps=fps, colors=colors))


def timeline_animation(f_values=None, *, dpi=72, fps=3, colors=64, **fixed):
    r"""The :class:`~lstm_magnifier.viz.explorers.MemoryTimeline` without a kernel: f swept.

    ``f_values`` default to 15 values from 0.5 to 0.99; ``fixed`` may set ``i``,
    ``g``, ``o``, ``steps`` and ``c0`` (else the explorer's defaults). The
    $c_t$ axis is the same in every frame, so the curves can be compared while
    scrubbing: the half-life $\ln 0.5 / \ln f$ moves right and the steady state
    $i g / (1 - f)$ up as $f$ nears 1. Returns ``IPython.display.HTML``.
    """
    frames = _frames("f_values", f_values, 0.0, 1.0, np.linspace(0.5, 0.99, 15))
    settings = {k: v for k, v in MemoryTimeline.DEFAULTS.items() if k != "f"}
    for name, value in fixed.items():
        _checks.check_one_of("name of a fixed control", name, tuple(settings))
        settings[name] = value
    timelines = [{**settings, "f": f, **constant_gate_timeline(f=f, **settings)} for f in frames]
    view = TimelineView(dpi=dpi, figsize=(8.0, 4.2))
    every = [v for tl in timelines for v in (tl["c0"], *tl["c"])]  # steady states may lie beyond
    view.c_limits = _limits(every)
    heading = _heading(view.figure, y=0.995)

    def update(k):
        view.update(timelines[k])
        heading.set_text(f"f = {frames[k]:.3f}")

    alt = (
        "Animation of the memories over time as the forget gate f moves from "
        "low to high: c_t and h_t curves with the half-life and steady state "
        "marked"
    )
    return HTML(animation_html(view.figure, update, len(frames), alt=alt, fps=fps, colors=colors))


def weight_animation(
    sweep="b_f", values=None, *, sequence="pulse", steps=30, dpi=72, fps=3, colors=64, **fixed
):
    r"""The :class:`~lstm_magnifier.viz.explorers.WeightExplorer` without a kernel: a weight swept.

    ``sweep`` is one of :data:`~lstm_magnifier.viz.explorers.WEIGHT_NAMES` (default the
    forget-gate bias ``b_f``: chapter 9's question of why a bias of 1 helps);
    ``values`` default to 9 values from $-3$ to 5. The input is
    :func:`~lstm_magnifier.viz.explorers.input_sequence` ``(sequence, steps)``; other
    weights keep the explorer's defaults unless given in ``fixed``. The memory
    axis is the same in every frame. Returns ``IPython.display.HTML``.
    """
    _checks.check_one_of("sweep", sweep, WEIGHT_NAMES)
    frames = _frames(sweep, values, -6.0, 6.0, np.linspace(-3.0, 5.0, 9))
    weights = dict(WeightExplorer.DEFAULTS)
    for name, value in fixed.items():
        _checks.check_one_of("name of a fixed weight", name, WEIGHT_NAMES)
        weights[name] = value
    x = input_sequence(sequence, steps)
    runs = [weight_timeline({**weights, sweep: w}, x) for w in frames]
    view = WeightView(steps, x_range=(x.min(), x.max()), dpi=dpi, figsize=(8.0, 5.0))
    view.m_limits = _limits(np.concatenate([np.r_[run["c"], run["h"]] for run in runs]))
    heading = _heading(view.figure, y=0.995)

    def update(k):
        view.update(runs[k])
        heading.set_text(f"{sweep} = {frames[k]:.1f}")

    alt = (
        f"Animation of a one-unit cell driven by an input sequence as the "
        f"weight {sweep} moves: gate values and memories over time"
    )
    return HTML(animation_html(view.figure, update, len(frames), alt=alt, fps=fps, colors=colors))


def sequence_animation(
    model,
    x,
    *,
    steps=None,
    unit=0,
    labels=None,
    layer=0,
    batch=0,
    max_frames=20,
    dpi=64,
    fps=3,
    colors=128,
):
    r"""The :class:`~lstm_magnifier.viz.explorers.SequenceMagnifier` without a kernel: time swept.

    Runs ``x`` (``(T, D)`` or ``(T, B, D)``) through ``model`` (an
    :class:`~lstm_magnifier.lstm.LSTM`, or a model whose ``.core`` is one), then
    shows the heat maps of ``i, f, g, o, c, h`` with a frame moving over the
    steps ``steps`` (1-based; default all of them, thinned to at most
    ``max_frames`` evenly spaced ones) and the values of hidden unit ``unit`` at
    that step. The heat maps need more colours than the other companions
    (``colors=128``), since their colours carry values. Returns ``IPython.display.HTML``.
    """
    trace = sequence_trace(model, x, layer=layer, batch=batch)
    T, H = trace.c.shape
    if not 0 <= unit < H:
        raise ValueError(f"unit must be in [0, {H}), got {unit}")
    if steps is None:
        max_frames = _checks.check_positive_int("max_frames", max_frames)
        steps = np.unique(np.linspace(1, T, min(T, max_frames)).round().astype(int))
    steps = [int(t) for t in steps]
    for t in steps:
        trace_at(trace, t)  # checks that 1 <= t <= T
    view = SequenceView(trace, labels=labels, diagram=False, dpi=dpi)
    heading = _heading(view.figure, y=0.995)
    view.figure.text(0.015, 0.995, f"unit {unit} of H = {H}", va="top", fontsize=9, color=NEUTRAL)

    def update(k):
        view.update({"t": steps[k], "unit": unit})  # the view reads the step from its trace
        label = "" if labels is None else f"  ({str(labels[steps[k] - 1])!r})"
        heading.set_text(f"t = {steps[k]}{label}")

    alt = (
        "Animation stepping through a sequence: heat maps of the gates and "
        "memories over time and units, the current step framed, and that "
        "step's values"
    )
    return HTML(animation_html(view.figure, update, len(steps), alt=alt, fps=fps, colors=colors))


__all__ = [
    "animation_html",
    "gate_animation",
    "sequence_animation",
    "timeline_animation",
    "weight_animation",
]
