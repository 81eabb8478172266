r"""Explorers: sliders on the LSTM cell, with figures that follow them everywhere.

Four explorers, each a row of controls (ipywidgets sliders) over one figure: :class:`GateExplorer`
(chapters 8, 11, 12) sets the gates of one step by hand, :class:`MemoryTimeline` (chapters 9, 10)
holds them constant over many steps, :class:`WeightExplorer` (chapters 9, 12) sets the weights of a
one-unit cell fed a short input, and :class:`SequenceMagnifier` (chapters 2, 15) steps through a
sequence run through a (trained) :class:`~lstm_magnifier.lstm.LSTM`.

The figure is an :class:`ExplorerFigure`, an anywidget widget whose ES module (``explorers.js``,
next to this file) follows the sliders in the browser, recomputes the cell and redraws an SVG. So
the explorers are live wherever the page is: in JupyterLab, and on the static website, where no
Python runs. The JavaScript mirrors the pure functions of :mod:`lstm_magnifier.timelines`
(:func:`gate_step`, :func:`constant_gate_timeline`, :func:`weight_timeline`,
:func:`sequence_trace`), which stay the reference: ``explorer.values`` is computed by them, and the
tests check that the browser shows the same numbers to 1e-12. ``explorer.set(f=0.5)`` moves the
sliders (checked first), and ``explorer.savefig(...)`` draws the same figure with Matplotlib
(:mod:`lstm_magnifier.viz.views`), for print.
"""

import base64
import copy
import difflib
import json
import numbers
from pathlib import Path

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets

from lstm_magnifier import _checks, timelines
from lstm_magnifier.cell import STANDARD
from lstm_magnifier.tasks import one_hot
from lstm_magnifier.viz.drawing import NETWORKS
from lstm_magnifier.viz.palette import GATE_COLORS, MEMORY_COLORS, NETWORK_COLORS, NEUTRAL, ink
from lstm_magnifier.viz.views import _WEIGHT_GATES, GateView, SequenceView, TimelineView, WeightView
from lstm_magnifier.weights import float32_layers

EXPLORER_CLASS = "lstm-magnifier-explorer"
"""CSS class of every explorer's outer box."""

DARK = "#121212"
"""The page background of the book's dark mode (and close to JupyterLab's dark theme)."""

_STEP_KEYS = ("x", "h_prev", "c_prev", "i", "f", "g", "o", "learn", "forget", "c", "h")
"""What the sequence magnifier shows of each step: the trace fields but ``read``."""


def _style():
    """The figure's CSS: the book's palette as CSS variables, light and dark, then
    ``explorers.css``."""
    colors = {**GATE_COLORS, **NETWORK_COLORS, **MEMORY_COLORS}
    colors["negative"] = NETWORK_COLORS["forget"]  # vermillion

    def variables(background, text):
        lines = [f"--lm-{k}: {v};" for k, v in colors.items()]
        lines += [f"--lm-{k}-text: {ink(v, background=background)};" for k, v in colors.items()]
        lines += [f"--lm-ink: {text};", f"--lm-muted: {ink(NEUTRAL, background=background)};"]
        return " ".join(lines)

    scope = f":is(.{EXPLORER_CLASS}, .lm-explorer-figure)"  # the figure and the controls
    dark = f'html[data-theme="dark"] {scope}, body[data-jp-theme-light="false"] {scope}'
    rules = Path(__file__).with_name("explorers.css").read_text(encoding="utf-8")
    light = variables("white", "#1a1a1a")
    return f"{scope} {{ {light} }}\n{dark} {{ {variables(DARK, '#e8e8e8')} }}\n{rules}"


class ExplorerFigure(anywidget.AnyWidget):
    """An explorer's figure, drawn in the browser by ``explorers.js`` from its sliders.

    ``kind`` says which figure (``"gate"``, ``"timeline"``, ``"weights"``, ``"sequence"``),
    ``controls`` maps names to the slider widgets it follows (sent as model references, so the
    browser reads their values directly), and ``setup`` holds what does not move (the input
    sequences, a trace, a model's weights, the highlighted network). ``text`` is what the reader
    typed into a :class:`SequenceMagnifier` that takes text.
    """

    _esm = Path(__file__).with_name("explorers.js")
    _css = _style()
    kind = traitlets.Unicode().tag(sync=True)
    controls = traitlets.Dict().tag(sync=True, **widgets.widget_serialization)
    setup = traitlets.Dict().tag(sync=True)
    text = traitlets.Unicode().tag(sync=True)  # what the reader typed (a typed magnifier)

    def __repr__(self):
        return f"ExplorerFigure(kind={self.kind!r})"


def _encode(array, dtype="<f8"):
    """An array as ``{"shape", "b64"}``: float64 is exact and a third the size of JSON text;
    ``dtype="<f4"`` (float32, marked ``"dtype": "float32"``) halves that again."""
    array = np.ascontiguousarray(array, dtype=dtype)
    encoded = {"shape": list(array.shape), "b64": base64.b64encode(array.tobytes()).decode()}
    return {**encoded, "dtype": "float32"} if dtype == "<f4" else encoded


def read_text(typed, vocabulary, max_length):
    """What a model can run of a reader's text (``readText`` in explorers.js): a dict of
    ``text`` (the characters of ``vocabulary``, at most ``max_length``), ``skipped`` (the other
    characters, each once) and ``message`` (what was left out, or that nothing is left; "")."""
    kept = [ch for ch in typed if ch in vocabulary]
    skipped = "".join(dict.fromkeys(ch for ch in typed if ch not in vocabulary))
    messages, quote = [], lambda chars: [json.dumps(ch, ensure_ascii=False) for ch in chars]
    if skipped:
        n = len(typed) - len(kept)
        messages.append(
            f"Skipped {n} character{'' if n == 1 else 's'} the model cannot read: "
            f"{', '.join(quote(skipped))}."
        )
    if len(kept) > max_length:
        messages.append(
            f"Only the first {max_length} characters are run (the text has {len(kept)})."
        )
    if not kept:
        messages.append(f"Nothing to run: type some of {' '.join(quote(vocabulary))}.")
    return {"text": "".join(kept[:max_length]), "skipped": skipped, "message": " ".join(messages)}


def check_text(text, vocabulary, max_length, *, allow_empty=False):
    """``text`` if the model runs all of it (:func:`read_text` leaves nothing out), else an
    error that says what would be left out; ``allow_empty`` lets "" through."""
    if not isinstance(text, str):
        raise TypeError(f"the text must be a string, got {type(text).__name__}")
    message = read_text(text, vocabulary, max_length)["message"]
    if message and (text or not allow_empty):
        raise ValueError(f"text {text[:40]!r}: {message}")
    return text


def _slider(name, label, low, high, value, color, tooltip, step=0.01, *, whole=False):
    """A slider described as "**name** label" (HTML), with a readout and a handle in
    ``color``: floats to two decimals, or (``whole=True``) whole numbers in steps of 1."""
    kind = widgets.IntSlider if whole else widgets.FloatSlider
    number = {"step": 1} if whole else {"step": step, "readout_format": ".2f"}
    number.update(value=value, min=low, max=high, readout=True, continuous_update=True)
    html = {"description": f"<b>{name}</b> {label}".rstrip(), "description_allow_html": True}
    style = {"description_width": "7.5em", "handle_color": color}
    layout = widgets.Layout(width="310px", max_width="100%")
    return kind(tooltip=tooltip, style=style, layout=layout, **html, **number)


class _Explorer:
    """What every explorer shares: controls, ``set``, ``values``, the figure widget, display.

    A subclass names its figure (``KIND``), builds its controls (a dict name -> widget) and its
    Matplotlib view (``_make_view()``, for print), and defines ``_compute(params) -> values``.
    """

    KIND = None
    FIGURE = ExplorerFigure

    def __init__(self, controls, *, setup=None, initial=None):
        self.controls = controls
        for name, value in self._check_all(initial or {}).items():
            controls[name].value = value
        self._view = None
        self.figure_widget = self.FIGURE(kind=self.KIND, controls=controls, setup=setup or {})
        children = [self._controls_box(), self.figure_widget]
        self.widget = widgets.VBox(children, layout=widgets.Layout(width="100%"))
        self.widget.add_class(EXPLORER_CLASS)

    # ----------------------------------------------------------------- public
    @property
    def sliders(self):
        """The controls by name (sliders, and a dropdown in the :class:`WeightExplorer`)."""
        return dict(self.controls)

    @property
    def values(self):
        """What the figure shows: the controls' values and what follows from them (NumPy)."""
        return self._compute(self._params())

    @property
    def view(self):
        """The Matplotlib view of the figure (:mod:`~lstm_magnifier.viz.views`), showing the
        current values: what :meth:`savefig` prints."""
        if self._view is None:
            self._view = self._make_view()
        self._view.update(self.values)
        return self._view

    @property
    def figure(self):
        """The Matplotlib figure for the current values (for print)."""
        return self.view.figure

    def set(self, **values):
        """Move controls by name, e.g. ``set(f=0.5, i=1.0)``; the figure follows.

        The same as moving the sliders, checked first: an unknown name raises TypeError, a value
        outside a slider's range or of the wrong type ValueError/TypeError, and nothing changes.
        """
        checked = self._check_all(values)
        with self.figure_widget.hold_sync():
            for name, value in checked.items():
                self.controls[name].value = value

    def savefig(self, *args, **kwargs):
        """Save the figure as it is shown now (``Figure.savefig`` arguments)."""
        self.figure.savefig(*args, **kwargs)

    def close(self):
        """Close the widgets (and the print figure); the explorer stops responding."""
        for widget in (self.widget, self.figure_widget, *self.controls.values()):
            widget.close()
        if self._view is not None:
            import matplotlib.pyplot as plt

            plt.close(self._view.figure)

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self):
        shown = ", ".join(f"{name}={_short(w.value)}" for name, w in self.controls.items())
        return f"{type(self).__name__}({shown})"

    # ----------------------------------------------------------------- machinery
    def _check_all(self, values):
        return {name: self._check(name, value) for name, value in values.items()}

    def _check(self, name, value):
        if name not in self.controls:
            same = [n for n in self.controls if n.lower() == str(name).lower()]
            close = same or difflib.get_close_matches(name, self.controls, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise TypeError(
                f"{type(self).__name__} has no control named {name!r}{hint}; "
                f"its controls are {', '.join(self.controls)}"
            )
        widget = self.controls[name]
        if isinstance(widget, widgets.Dropdown):
            return _checks.check_one_of(name, value, tuple(widget.options))
        if isinstance(widget, widgets.IntSlider):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"{name} must be a whole number, got {value!r}")
            if not widget.min <= value <= widget.max:
                raise ValueError(f"{name} must be in [{widget.min}, {widget.max}], got {value}")
            return int(value)
        return timelines._number(name, value, widget.min, widget.max)

    def _params(self):
        """The controls' values by name, as the browser reads them."""
        return {name: widget.value for name, widget in self.controls.items()}

    def _controls_box(self):
        layout = widgets.Layout(display="flex", flex_flow="row wrap", width="100%")
        return widgets.Box(list(self.controls.values()), layout=layout)


def _short(value):
    return f"{value:g}" if isinstance(value, float) else repr(value)


class GateExplorer(_Explorer):
    r"""Set the gates by hand and watch one step of the cell.

    Sliders: ``i``, ``f``, ``o`` in $[0, 1]$, ``g`` in $[-1, 1]$ and ``c_prev`` ($c_{t-1}$) in
    $[-3, 3]$. The figure is the cell diagram with the values on its wires, bars for the long-term
    memory before ($c_{t-1}$), the forget and learn contributions, the long-term memory after
    ($c_t$) and the short-term memory after ($h_t$), and the two equations with numbers:
    $c_t = f c_{t-1} + i g$, $h_t = o \tanh(c_t)$ (see :func:`gate_step`).

    ``values`` holds ``i, f, g, o, c_prev, learn, forget, c, tanh_c, h`` (floats). ``highlight``
    ("learn", "forget", "remember", "use" or None) greys out the other networks of the diagram.
    Initial slider values can be passed by name, e.g. ``GateExplorer(f=0.9, c_prev=2.0)``.
    """

    DEFAULTS = {"i": 0.5, "f": 0.8, "g": 0.6, "o": 0.7, "c_prev": 1.0}

    KIND = "gate"

    def __init__(self, *, highlight=None, dpi=90, **initial):
        controls = {}
        for name, (role, tip) in {  # name -> (role, tooltip)
            "i": ("ignore", "input gate: how much of the candidate g is written (0 ignores it)"),
            "f": ("forget", "forget gate: how much of the old long-term memory is kept"),
            "g": ("combine", "candidate: the new information, between -1 and 1"),
            "o": ("output", "output gate: how much of tanh(c) becomes the short-term memory"),
            "c_prev": ("", "the long-term memory coming in"),
        }.items():
            low, high = timelines.GATE_RANGES.get(name, (-3.0, 3.0))
            color = GATE_COLORS.get(name, MEMORY_COLORS["c"])
            controls[name] = _slider(name, role, low, high, self.DEFAULTS[name], color, tip)
        if highlight is not None and highlight not in NETWORKS:
            raise ValueError(
                f"highlight must be None, 'learn', 'forget', 'remember' or 'use', got {highlight!r}"
            )
        self._print = {"highlight": highlight, "dpi": dpi}
        super().__init__(controls, setup={"highlight": highlight}, initial=initial)

    def _make_view(self):
        return GateView(**self._print)

    def _compute(self, params):
        return {k: float(v) for k, v in timelines.gate_step(**params).items()}


class MemoryTimeline(_Explorer):
    r"""Hold the gates constant and watch the memories over time.

    Sliders: ``f``, ``i``, ``g``, ``o`` (constant over time), ``steps`` ($T$, 1 to 200) and ``c0``
    ($c_0$, $-3$ to 3). Plots $c_t$ and $h_t$ for $t = 1 \dots T$ (see
    :func:`constant_gate_timeline`), what is left of $c_0$ ($f^t c_0$), the half-life
    $\ln 0.5 / \ln f$ and the steady state $i g / (1 - f)$.

    ``values["c"]`` and ``values["h"]`` are arrays of length ``steps`` ($c_1 \dots c_T$); ``values``
    also holds the slider values, ``t``, ``kept``, ``half_life`` and ``steady_state``.
    """

    DEFAULTS = {"f": 0.9, "i": 0.2, "g": 0.5, "o": 1.0, "steps": 40, "c0": 2.0}

    KIND = "timeline"

    def __init__(self, *, dpi=90, **initial):
        d, controls = self.DEFAULTS, {}
        gates = (("f", "forget", "forget gate"), ("i", "ignore", "input gate"))
        gates += (("g", "combine", "candidate"), ("o", "output", "output gate"))
        for name, role, tip in gates:
            low, step = timelines.GATE_RANGES[name][0], 0.005 if name == "f" else 0.01
            tip = f"{tip}, the same at every step"
            controls[name] = _slider(name, role, low, 1.0, d[name], GATE_COLORS[name], tip, step)
        tip = "number of time steps"
        controls["steps"] = _slider("steps", "T", 1, 200, d["steps"], NEUTRAL, tip, whole=True)
        tip = "long-term memory before step 1"
        controls["c0"] = _slider("c0", "start", -3.0, 3.0, d["c0"], MEMORY_COLORS["c"], tip)
        self._dpi = dpi
        super().__init__(controls, initial=initial)

    def _make_view(self):
        return TimelineView(dpi=self._dpi)

    def _compute(self, params):
        return {**params, **timelines.constant_gate_timeline(**params)}


class WeightExplorer(_Explorer):
    r"""Set the weights of a one-unit cell and watch gates and memories over an input sequence.

    The cell has $D = H = 1$, so each gate $k \in \{i, f, g, o\}$ has three numbers: the input
    weight ``W_ik``, the recurrent weight ``W_hk`` and the bias ``b_k`` (12 sliders, $-6$ to 6; see
    :data:`WEIGHT_NAMES`). The dropdown ``sequence`` picks the input (:data:`SEQUENCES`;
    ``"custom"`` when ``x`` is given). The figure shows $x_t$, the four gates and the two memories
    over time (:func:`weight_timeline`).

    ``values`` holds the 12 weights, ``sequence``, and ``x, i, f, g, o, c, h``, arrays of shape
    ``(steps,)``.
    """

    # Every weight 0 but these: the input gate opens on a large x, the forget gate keeps
    # most of c, and the candidate follows x.
    DEFAULTS = dict.fromkeys(timelines.WEIGHT_NAMES, 0.0)
    DEFAULTS.update(W_ii=6.0, b_i=-3.0, b_f=2.0, W_ig=3.0)

    KIND = "weights"

    def __init__(self, *, steps=30, x=None, dpi=90, **initial):
        steps = _checks.check_positive_int("steps", steps)
        if x is not None:
            x = _checks.as_finite_array("x", x, np.float64, ndim=(1, 2))
            if x.ndim == 2 and x.shape[1] != 1:
                raise ValueError(
                    f"x must have shape (T,) or (T, 1) for a one-unit cell, got {x.shape}"
                )
            steps = len(x)
        self._sequences = {} if x is None else {"custom": x.reshape(-1)}
        self._sequences.update({n: timelines.input_sequence(n, steps) for n in timelines.SEQUENCES})
        options = list(self._sequences)
        style, layout = {"description_width": "7.5em"}, widgets.Layout(width="310px")
        dropdown = {"description": "input x", "style": style, "layout": layout}
        controls = {"sequence": widgets.Dropdown(options=options, value=options[0], **dropdown)}
        for name in timelines.WEIGHT_NAMES:
            k, role = name[-1], {"W_i": "(x)", "W_h": "(h)", "b_": ""}[name[:-1]]
            tip, color = f"{_WEIGHT_GATES[k][0]}: {name}", GATE_COLORS[k]
            controls[name] = _slider(name, role, -6.0, 6.0, self.DEFAULTS[name], color, tip, 0.1)
        self._print = {"steps": steps, "dpi": dpi}
        sequences = {name: [float(v) for v in x] for name, x in self._sequences.items()}
        super().__init__(controls, setup={"sequences": sequences}, initial=initial)

    def _make_view(self):
        every = np.concatenate(list(self._sequences.values()))
        return WeightView(x_range=(every.min(), every.max()), **self._print)

    def _compute(self, params):
        weights = {name: params[name] for name in timelines.WEIGHT_NAMES}
        return {**params, **timelines.weight_timeline(weights, self._sequences[params["sequence"]])}

    def _controls_box(self):
        columns = []
        for k in "ifgo":
            name, role = _WEIGHT_GATES[k]
            color = f"var(--lm-{k}-text, {ink(GATE_COLORS[k])})"  # light or dark page
            header = widgets.HTML(f"<b style='color:{color}'>{name}</b> <span>({role})</span>")
            names = (f"W_i{k}", f"W_h{k}", f"b_{k}")
            columns.append(widgets.VBox([header, *(self.controls[n] for n in names)]))
        grid = widgets.Box(columns, layout=widgets.Layout(display="flex", flex_flow="row wrap"))
        return widgets.VBox([self.controls["sequence"], grid])


class SequenceMagnifier(_Explorer):
    r"""Step through a sequence run through an LSTM and look inside the cell at each step.

    ``model`` is an :class:`~lstm_magnifier.lstm.LSTM` (or a model whose ``.core`` is one), ``x`` a
    sequence ``(T, D)`` or a batch ``(T, B, D)`` (item ``batch`` is shown). The sequence is run once
    (``model.forward``, which replaces the model's cache) at construction; ``state`` is passed on to
    it.

    Sliders: ``t``, the time step (1 to $T$, as in $x_1 \dots x_T$), and ``unit``, the hidden unit
    (0 to $H - 1$) whose values the cell diagram shows. Heat maps show ``i, f, g, o, c, h`` of layer
    ``layer`` for every step and unit. ``labels`` (one string per step, e.g. the characters of the
    input) label the time axis.

    ``values`` holds ``t``, ``unit``, and the step's ``x`` ``(D,)`` and
    ``h_prev, c_prev, i, f, g, o, learn, forget, c, h`` ``(H,)``, the fields of
    ``model.trace(layer).at(t - 1)`` (``label`` too when labels are given).

    **Typed input.** With ``vocabulary`` (a string of the characters the model reads, one-hot in
    that order) ``x`` is a text, and the reader can type another into a box above the figure (or
    pick one of ``presets``, a dict name -> text): the browser runs the model on it
    (``explorers.js``, from the weights stored with the widget as float32) and redraws.
    ``sequence`` is the text:
    ``magnifier.sequence = "(()("`` runs a new one here, checked first (only characters of the
    vocabulary, 1 to ``max_length`` of them). What a reader types is not checked ahead: characters
    outside the vocabulary are skipped and past ``max_length`` cut, and ``values`` gains ``text``
    (what was run), ``skipped`` and ``message`` (what was left out, or ``""``; with nothing left
    to run, ``values`` is only those three). ``names`` (name -> unit) names units by what they do,
    the first plotted over the text with the running sum ``count = (name, {char: step})``;
    ``note`` says what the model was trained on. The model here is a copy with the weights the
    browser reads (float32), so Python and the browser show the same numbers.
    """

    KIND = "sequence"

    def __init__(
        self,
        model,
        x,
        *,
        layer=0,
        batch=0,
        state=None,
        labels=None,
        diagram=True,
        dpi=80,
        vocabulary=None,
        presets=None,
        names=None,
        count=None,
        note="",
        max_length=200,
        **initial,
    ):
        self._typed = None
        if vocabulary is not None:
            model, typed = self._typed_setup(model, layer, state, vocabulary, max_length)
            typed.update(
                presets=[
                    [k, check_text(v, vocabulary, max_length)] for k, v in (presets or {}).items()
                ]
            )
            typed.update(
                names=dict(names or {}), count=count and {"name": count[0], "steps": count[1]}
            )
            typed.update(note=str(note), prompt=f"Your text (characters {vocabulary!r})")
            self._typed, self._model, self._layer = typed, model, layer
            x = check_text(x, vocabulary, max_length)
            x, labels = self._one_hot(x), list(x)
        self.trace = timelines.sequence_trace(model, x, layer=layer, batch=batch, state=state)
        steps, hidden = self.trace.c.shape
        if labels is not None:
            labels = [str(label) for label in labels]
            if len(labels) != steps:
                raise ValueError(
                    f"labels must have one entry per step ({steps}), got {len(labels)}"
                )
        self.labels = labels
        tips = ("time step, 1 to T", "hidden unit shown on the diagram")
        controls = {
            "t": _slider("t", "step", 1, steps, 1, NEUTRAL, tips[0], whole=True),
            "unit": _slider("unit", "", 0, hidden - 1, 0, NEUTRAL, tips[1], whole=True),
        }
        play = {"interval": 400, "description": "play", "layout": widgets.Layout(width="auto")}
        self.play = widgets.Play(value=controls["t"].value, min=1, max=steps, **play)
        # Play follows t in both places: in the kernel (``initial`` and ``set(t=...)`` move the
        # slider) and in the browser, where the stored page has no kernel and the link first
        # copies its source onto its target (the slider leads). A typed text moves the range.
        for name in ("value", "max"):
            widgets.link((controls["t"], name), (self.play, name))
            widgets.jslink((controls["t"], name), (self.play, name))
        self._print = {"labels": labels, "diagram": diagram, "dpi": dpi}
        colors = {**GATE_COLORS, **MEMORY_COLORS, "negative": NETWORK_COLORS["forget"]}
        setup = {
            "diagram": bool(diagram),
            "colors": {k: colors[k] for k in (*"ifgoch", "negative")},
        }
        if self._typed is None:
            setup["trace"] = {k: _encode(getattr(self.trace, k)) for k in _STEP_KEYS}
            setup["labels"] = labels
        else:
            setup.update(self._typed, layer=layer)
        super().__init__(controls, setup=setup, initial=initial)
        if self._typed is not None:
            self.figure_widget.text = "".join(labels)
            self.figure_widget.observe(self._run, names="text")

    # ----------------------------------------------------------------- typed input
    @staticmethod
    def _typed_setup(model, layer, state, vocabulary, max_length):
        """A copy of ``model``'s LSTM with float32 weights, and the widget's setup for it."""
        core = getattr(model, "core", model)
        if not hasattr(core, "num_layers") or state is not None:
            raise TypeError(
                "typed input needs an lstm_magnifier LSTM (or a model whose .core is one) "
                f"started from zero memories (state=None), got {type(model).__name__}"
            )
        if getattr(core, "variant", STANDARD) != STANDARD or getattr(core, "peepholes", False):
            raise ValueError(
                "typed input runs the standard LSTM cell only (no variant, no peepholes)"
            )
        if not isinstance(vocabulary, str) or len(set(vocabulary)) != core.input_size:
            raise ValueError(
                f"vocabulary must be a string of {core.input_size} different characters (one per "
                f"input feature of the model), got {vocabulary!r}"
            )
        _checks.check_positive_int("max_length", max_length)
        layers, core = float32_layers(core), copy.deepcopy(core)
        for k, layer in enumerate(layers):
            p = core.params
            p[f"bias_ih_l{k}"][...], p[f"bias_hh_l{k}"][...] = layer["bias"], 0.0
            for name in ("weight_ih", "weight_hh"):
                p[f"{name}_l{k}"][...] = layer[name]
        encoded = [{k: _encode(v, "<f4") for k, v in layer.items()} for layer in layers]
        setup = {"weights": encoded, "vocabulary": vocabulary, "max_length": max_length}
        return core, setup

    def _one_hot(self, text):
        vocabulary = self._typed["vocabulary"]
        return one_hot([vocabulary.index(ch) for ch in text], len(vocabulary))

    @property
    def sequence(self):
        """The text shown (typed input only); assigning runs a new one, checked first."""
        if self._typed is None:
            raise AttributeError("this magnifier shows a fixed sequence: give vocabulary= to type")
        return self.figure_widget.text

    @sequence.setter
    def sequence(self, text):
        if self._typed is None:
            raise AttributeError("this magnifier shows a fixed sequence: give vocabulary= to type")
        self.figure_widget.text = check_text(
            text, self._typed["vocabulary"], self._typed["max_length"]
        )

    def _read(self):
        return read_text(
            self.figure_widget.text, self._typed["vocabulary"], self._typed["max_length"]
        )

    def _run(self, change=None):
        """A new text (typed in the browser or set here): its trace, and the step's range."""
        read = self._read()
        if self._view is not None:
            import matplotlib.pyplot as plt

            plt.close(self._view.figure)
            self._view = None
        if not read["text"]:
            return
        x = self._one_hot(read["text"])
        self.trace = timelines.sequence_trace(self._model, x, layer=self._layer)
        self.labels = self._print["labels"] = list(read["text"])
        t, steps = self.controls["t"], len(read["text"])
        with self.figure_widget.hold_sync():
            t.max = max(steps, t.min)  # the slider lowers its value with its max
            t.value = min(t.value, steps)

    # ----------------------------------------------------------------- machinery
    def _make_view(self):
        if self._typed is not None and not self._read()["text"]:
            raise ValueError(f"nothing to draw: {self._read()['message']}")
        return SequenceView(self.trace, **self._print)

    def _compute(self, params):
        read = self._read() if self._typed is not None else {}
        if read and not read["text"]:
            return read
        t, unit = params["t"], params["unit"]
        step_trace = timelines.trace_at(self.trace, t)
        values = {"t": t, "unit": unit, **{k: getattr(step_trace, k).copy() for k in _STEP_KEYS}}
        if self.labels is not None:
            values["label"] = self.labels[t - 1]
        return {**values, **read}

    def _controls_box(self):
        layout = widgets.Layout(display="flex", flex_flow="row wrap")
        return widgets.Box([self.play, *self.controls.values()], layout=layout)
