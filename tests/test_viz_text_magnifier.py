"""The text magnifier's Python side: what it ships to the page, its values, generate, errors.

The page's side (the same numbers and text in Chromium) is in ``tests/test_text_magnifier_js.py``.
"""

import matplotlib
import numpy as np
import pytest

from lstm_magnifier import text
from lstm_magnifier.viz import text_magnifier
from lstm_magnifier.viz.text_magnifier import TextFigure, TextMagnifier

from cells import decode_array

matplotlib.use("Agg")

VOCAB = "\n" + "".join(chr(k) for k in range(32, 127))


@pytest.fixture(scope="module")
def small():
    """A small random character model (16 units) and units named as a chapter names them."""
    model = text.char_model(len(VOCAB), 16, rng=3)
    return model, {"first": ("c", 2, 0.5), "second": ("h", 7, -0.3)}


def decode(encoded):
    assert encoded["dtype"] == "float32"
    return decode_array(encoded)


def test_the_page_gets_the_float32_weights_with_one_bias_per_layer(small):
    model, units = small
    setup = TextMagnifier(model, VOCAB, units).figure_widget.setup
    p = model.core.params
    (layer,) = setup["weights"]
    assert np.array_equal(decode(layer["weight_ih"]), p["weight_ih_l0"])
    assert np.array_equal(decode(layer["weight_hh"]), p["weight_hh_l0"])
    assert np.array_equal(decode(layer["bias"]), p["bias_ih_l0"] + p["bias_hh_l0"])
    assert np.array_equal(decode(setup["head"]["weight"]), model.head.params["weight"])
    assert setup["vocabulary"] == VOCAB and setup["length"] == 200 and setup["max_length"] == 400


def test_values_are_the_units_of_the_model_s_run_over_the_text(small):
    model, units = small
    typed = 'def f(x):\n    return "x"  # y\n'
    magnifier = TextMagnifier(model, VOCAB, units, text=typed)
    values = magnifier.values
    _, h, c = text.run(model, text.encode(typed, VOCAB))
    assert values["text"] == typed and values["message"] == "" and values["generated"] == ""
    assert np.abs(values["units"]["first"] - c[:, 2]).max() < 1e-5  # float32 vs float64
    assert np.abs(values["units"]["second"] - h[:, 7]).max() < 1e-5
    shown = {u["name"]: u for u in magnifier.figure_widget.setup["units"]}
    assert shown["first"]["sign"] == 1.0 and shown["second"]["sign"] == -1.0
    assert shown["first"]["scale"] == pytest.approx(np.abs(c[:, 2]).max())  # the default
    assert "(a unit of c, r = 0.50)" in shown["first"]["label"]
    magnifier.text = "x = 1\n"
    assert magnifier.values["text"] == "x = 1\n" and len(magnifier.values["units"]["first"]) == 6


def test_generate_is_text_sample_with_the_sliders_settings(small):
    model, units = small
    magnifier = TextMagnifier(model, VOCAB, units, text="import ", length=50)
    magnifier.set(temperature=1.2, seed=17)
    written = magnifier.generate()
    assert written == text.sample(model, VOCAB, 50, temperature=1.2, seed=17, prompt="import ")
    assert magnifier.generated == written == magnifier.values["generated"]
    magnifier.set(seed=18)
    assert magnifier.generate() != written


def test_the_module_is_the_explorers_then_the_text_magnifier():
    esm = TextFigure._esm
    assert "export default { render };" not in esm  # one default export: the last line's
    assert esm.count("export default") == 1
    assert esm.index("export function lstmStep") < esm.index("export function readChars")
    assert text_magnifier._module() == esm


def test_the_print_view_draws_each_unit_over_the_text(small, tmp_path):
    model, units = small
    magnifier = TextMagnifier(model, VOCAB, units, text="a = (1, 2)\n")
    magnifier.generate()
    magnifier.savefig(tmp_path / "text.png")
    assert (tmp_path / "text.png").stat().st_size > 1000
    titles = [ax.get_title(loc="left") for ax in magnifier.figure.axes]
    assert titles[:2] == [u["label"] for u in magnifier.figure_widget.setup["units"]]
    assert titles[-1] == "generated"
    magnifier.close()


def test_bad_arguments_are_named(small):
    model, units = small
    with pytest.raises(TypeError, match="character model"):
        TextMagnifier(model.core, VOCAB, units)
    with pytest.raises(ValueError, match="vocabulary must be a string of 96 different"):
        TextMagnifier(model, "abc", units)
    with pytest.raises(ValueError, match="units must be a dict"):
        TextMagnifier(model, VOCAB, {})
    with pytest.raises(ValueError, match=r"units\['first'\] must be \(memory, unit, r\)"):
        TextMagnifier(model, VOCAB, {"first": ("c", 2)})
    with pytest.raises(ValueError, match="memory must be one of"):
        TextMagnifier(model, VOCAB, {"first": ("x", 2, 0.1)})
    with pytest.raises(ValueError, match="unit must be below 16, got 16"):
        TextMagnifier(model, VOCAB, {"first": ("c", 16, 0.1)})
    with pytest.raises(ValueError, match="scale names units that are not shown"):
        TextMagnifier(model, VOCAB, units, scale={"third": 1.0})
    with pytest.raises(ValueError, match='cannot read: "\\\\t"'):
        TextMagnifier(model, VOCAB, units, text="a\tb")
    with pytest.raises(ValueError, match="Only the first 10 characters"):
        TextMagnifier(model, VOCAB, units, presets={"long": "x" * 11}, max_length=10)
    magnifier = TextMagnifier(model, VOCAB, units)
    with pytest.raises(TypeError, match="must be a string"):
        magnifier.text = 5
    with pytest.raises(ValueError, match="seed must be in"):
        magnifier.set(seed=1000)
