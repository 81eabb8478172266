r"""The text magnifier (chapter 17): type Python, watch a character model's units read it.

:class:`TextMagnifier` ships a trained character model (:mod:`lstm_magnifier.text`) to the page,
float32 and base64 like the typed :class:`~lstm_magnifier.viz.explorers.SequenceMagnifier`, and
names a few of its units (e.g. the one that follows strings). In the browser,
``text_magnifier.js`` (appended to ``explorers.js``, whose LSTM step it runs) reads the reader's
text and tints every character by each named unit's value, as Karpathy et al. (2015) drew them;
its *generate* button continues the text with the draws of :func:`lstm_magnifier.text.sample`,
so one seed and temperature write the same text in the page and in Python. Python keeps the
reference: ``values`` runs :func:`~lstm_magnifier.text.browser_model` (the shipped float32
numbers in float64), ``generate()`` calls :func:`~lstm_magnifier.text.sample`.
"""

from pathlib import Path

import numpy as np
import traitlets
from matplotlib import colormaps

from lstm_magnifier import _checks
from lstm_magnifier import text as real_text
from lstm_magnifier.viz.explorers import (
    ExplorerFigure,
    _encode,
    _Explorer,
    _slider,
    check_text,
    read_text,
)
from lstm_magnifier.viz.palette import NEUTRAL
from lstm_magnifier.viz.plots import draw_text_heatmap
from lstm_magnifier.weights import float32_layers


def _module():
    """``explorers.js`` without its default export, then ``text_magnifier.js`` (which exports
    the default ``render`` of both): one ES module, as anywidget needs."""
    here = Path(__file__).parent
    explorers = here.joinpath("explorers.js").read_text(encoding="utf-8")
    head, tail = explorers.rsplit("export default { render };", 1)
    if tail.strip():
        raise RuntimeError("explorers.js must end with its default export")
    return head + here.joinpath("text_magnifier.js").read_text(encoding="utf-8")


class TextFigure(ExplorerFigure):
    """The text magnifier's figure: ``text`` is what the reader typed, ``generated`` the text
    the generate button (or :meth:`TextMagnifier.generate`) wrote last."""

    _esm = _module()
    generated = traitlets.Unicode().tag(sync=True)


class TextMagnifier(_Explorer):
    """A character model's units over a text the reader types, and text it generates.

    ``model`` and ``vocabulary`` as :func:`lstm_magnifier.text.load_char_model` returns them;
    ``units`` maps a name to ``(memory, unit, r)`` (``"h"`` or ``"c"``, the unit, and its
    correlation with what it follows, as :func:`lstm_magnifier.text.best_units` gives): the sign
    of ``r`` turns each unit so that orange goes with its property. ``scale`` (per name) is the
    value shown at full colour; by default the largest ``|value|`` over the presets and
    ``text``. The sliders set the temperature and seed of ``generate``, which writes ``length``
    characters after the text. At most ``max_length`` characters of the text are read.
    """

    KIND = "text"
    FIGURE = TextFigure

    def __init__(
        self,
        model,
        vocabulary,
        units,
        *,
        text="",
        presets=None,
        scale=None,
        length=200,
        max_length=400,
        note="",
        temperature=0.8,
        seed=0,
    ):
        core = getattr(model, "core", None)
        head = getattr(model, "head", None)
        if core is None or head is None:
            raise TypeError(
                "model must be a character model (lstm_magnifier.text.char_model), "
                f"got {type(model).__name__}"
            )
        if not isinstance(vocabulary, str) or len(set(vocabulary)) != core.input_size:
            raise ValueError(
                f"vocabulary must be a string of {core.input_size} different characters "
                f"(one per input of the model), got {vocabulary!r}"
            )
        self._model, self._browser = model, real_text.browser_model(model)
        self._vocabulary = vocabulary
        self._length = _checks.check_positive_int("length", length)
        self._max_length = _checks.check_positive_int("max_length", max_length)
        presets = {str(k): self._check_text(v) for k, v in (presets or {}).items()}
        shown = [self._check_text(text), *presets.values()]
        self._units = self._check_units(units, core.hidden_size)
        scale = dict(scale or {})
        unknown = set(scale) - set(self._units)
        if unknown:
            raise ValueError(f"scale names units that are not shown: {sorted(unknown)}")
        colors = colormaps["PuOr_r"]
        setup = {
            "weights": [
                {k: _encode(v, "<f4") for k, v in layer.items()} for layer in float32_layers(core)
            ],
            "head": {k: _encode(v, "<f4") for k, v in head.params.items()},
            "vocabulary": vocabulary,
            "max_length": self._max_length,
            "length": self._length,
            "presets": [[k, v] for k, v in presets.items()],
            "prompt": f"Your text ({len(vocabulary)} characters the model knows; "
            f"at most {self._max_length} are read)",
            "note": str(note),
            "generate_note": f"Generate writes {self._length} characters after your text, "
            "drawn at the temperature with the seed of the sliders.",
            "colors": {
                "positive": [round(255 * v) for v in colors(0.9)[:3]],
                "negative": [round(255 * v) for v in colors(0.1)[:3]],
            },
        }
        values = [self._unit_values(t) for t in shown if t]
        for name in self._units:
            peak = max([float(np.abs(v[name]).max()) for v in values], default=0.0)
            scale[name] = float(scale.get(name) or peak or 1.0)
        setup["units"] = [
            {
                "name": name,
                "memory": memory,
                "layer": 0,
                "unit": unit,
                "sign": 1.0 if r >= 0 else -1.0,
                "scale": scale[name],
                "label": f"{name} (a unit of {memory}, r = {abs(r):.2f})",
            }
            for name, (memory, unit, r) in self._units.items()
        ]
        controls = {
            "temperature": _slider(
                "T", "temperature", 0.1, 2.0, 0.8, NEUTRAL, "sampling temperature"
            ),
            "seed": _slider("seed", "", 0, 999, 0, NEUTRAL, "seed of the draws", whole=True),
        }
        super().__init__(controls, setup=setup, initial={"temperature": temperature, "seed": seed})
        self.figure_widget.text = text

    # ----------------------------------------------------------------- public
    @property
    def text(self):
        """The reader's text; assigning one (checked) shows it, as typing does."""
        return self.figure_widget.text

    @text.setter
    def text(self, value):
        self.figure_widget.text = self._check_text(value)

    @property
    def generated(self):
        """The text generated last ("" before any)."""
        return self.figure_widget.generated

    def generate(self):
        """Continue the text as the generate button does, with the sliders' temperature and
        seed: :func:`lstm_magnifier.text.sample`. Shows the result and returns it."""
        params = self._params()
        prompt = read_text(self.text, self._vocabulary, self._max_length)["text"]
        more = real_text.sample(
            self._model,
            self._vocabulary,
            self._length,
            temperature=params["temperature"],
            seed=params["seed"],
            prompt=prompt,
        )
        self.figure_widget.generated = more
        return more

    def __repr__(self):
        return f"TextMagnifier(units={list(self._units)}, text={self.text[:30]!r})"

    # ----------------------------------------------------------------- machinery
    @staticmethod
    def _check_units(units, hidden_size):
        if not isinstance(units, dict) or not units:
            raise ValueError(f"units must be a dict name -> (memory, unit, r), got {units!r}")
        checked = {}
        for name, spec in units.items():
            try:
                memory, unit, r = spec
            except (TypeError, ValueError):
                raise ValueError(
                    f"units[{name!r}] must be (memory, unit, r), got {spec!r}"
                ) from None
            _checks.check_one_of(f"units[{name!r}] memory", memory, ("h", "c"))
            if not 0 <= _checks.check_whole_number(f"units[{name!r}] unit", unit) < hidden_size:
                raise ValueError(f"units[{name!r}] unit must be below {hidden_size}, got {unit}")
            checked[str(name)] = (memory, int(unit), float(r))
        return checked

    def _check_text(self, value):
        return check_text(value, self._vocabulary, self._max_length, allow_empty=True)

    def _unit_values(self, typed):
        """Each named unit's value after every character of ``typed`` (as read)."""
        chars = read_text(typed, self._vocabulary, self._max_length)["text"]
        if not chars:
            return {name: np.zeros(0) for name in self._units}
        _, h, c = real_text.run(self._browser, real_text.encode(chars, self._vocabulary))
        memories = {"h": h, "c": c}
        return {name: memories[m][:, u].copy() for name, (m, u, _) in self._units.items()}

    def _compute(self, params):
        read = read_text(self.text, self._vocabulary, self._max_length)
        return {**read, "units": self._unit_values(self.text), "generated": self.generated}

    def _make_view(self):
        return _TextView(self.figure_widget.setup["units"])


class _TextView:
    """The magnifier for print (Matplotlib): one tinted copy of the text per named unit, as
    :func:`~lstm_magnifier.viz.plots.draw_text_heatmap` draws it, and the generated text."""

    def __init__(self, units, width=72):
        import matplotlib.pyplot as plt

        self.units, self.width = units, width
        self.figure = plt.figure(figsize=(8, 8), layout="constrained")

    def update(self, values):
        """Draw ``values`` (TextMagnifier.values); each panel as high as the text's rows."""
        rows = sum(-(-max(len(line), 1) // self.width) for line in values["text"].split("\n"))
        generated = [
            line[k : k + 96]
            for line in values["generated"].splitlines() or [""]
            for k in range(0, len(line) or 1, 96)
        ]
        # draw_text_heatmap sizes its font to the cells: 8 inches over 72 cells is ~13 points,
        # a row 1.25 of that; a title and a margin above each panel
        heights = [0.23 * rows + 0.45] * len(self.units) + [0.14 * len(generated) + 0.45]
        self.figure.clear()
        self.figure.set_size_inches(8, sum(heights))
        axes = self.figure.subplots(len(heights), 1, height_ratios=heights)
        for ax, unit in zip(axes, self.units, strict=False):
            shown = np.asarray(values["units"][unit["name"]]) * unit["sign"]
            if values["text"]:
                draw_text_heatmap(ax, values["text"], shown, width=self.width, vmax=unit["scale"])
            ax.set_title(unit["label"], loc="left", fontsize=10)
            ax.axis("off")
        axes[-1].axis("off")
        axes[-1].set_title("generated", loc="left", fontsize=10)
        text = "\n".join(generated)
        axes[-1].text(0, 1, text, family="monospace", size=7, va="top", parse_math=False)
