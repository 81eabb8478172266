"""The weights taken apart: the cell as four dense layers, counts, shapes, pinned gates."""

import numpy as np
import pytest

from lstm_magnifier.cell import LSTMCell, sigmoid
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import Dense, count_parameters
from lstm_magnifier.weights import (
    SATURATION,
    Table,
    four_networks,
    gate_as_dense,
    gate_preactivation,
    joined_input,
    parameter_counts,
    parameter_table,
    pin_gates,
    split_layers,
    weight_shapes,
)

# --------------------------------------------------------------------------- Table


def test_table_prints_aligned_text():
    table = Table(("name", "shape"), [("weight", (4, 3)), ("bias", (4,))])
    text = repr(table).splitlines()
    assert text[0].split() == ["name", "shape"]
    assert set(text[1].replace(" ", "")) == {"-"}
    assert text[2].split() == ["weight", "(4,", "3)"] and text[3].split() == ["bias", "(4,)"]
    assert len(table) == 2 and table.column("shape") == [(4, 3), (4,)]


def test_table_rejects_ragged_rows_and_unknown_columns():
    with pytest.raises(ValueError, match="row 1 must have 2 cells"):
        Table(("a", "b"), [(1, 2), (3,)])
    with pytest.raises(KeyError, match="no column 'c'"):
        Table(("a", "b"), [(1, 2)]).column("c")


def test_table_escapes_markup_in_html():
    table = Table(("x",), [("a | b",), ("<i>",)])
    html = table._repr_html_()
    assert html.startswith("<table") and "<th>x</th>" in html
    assert "<td>&lt;i&gt;</td>" in html and html.count("<tr>") == 3


# --------------------------------------------------------------------------- four networks


def test_joined_input_puts_h_before_x():
    x, h = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0, 5.0]])
    np.testing.assert_array_equal(joined_input(x, h), [[3.0, 4.0, 5.0, 1.0, 2.0]])
    assert joined_input(np.zeros(2), np.zeros(3)).shape == (5,)
    with pytest.raises(ValueError, match="same batch shape"):
        joined_input(np.zeros((2, 2)), np.zeros((3, 3)))


@pytest.mark.parametrize("batched", [True, False])
def test_each_gate_is_a_dense_layer_on_the_joined_input(batched):
    rng = np.random.default_rng(1)
    D, H = 3, 5
    cell = LSTMCell(D, H, forget_bias=1.0, rng=rng)
    shape = (4,) if batched else ()
    x, h, c = (rng.normal(size=shape + (n,)) for n in (D, H, H))
    trace = cell.step(x, (h, c))
    layers = four_networks(cell)
    assert list(layers) == ["i", "f", "g", "o"]
    gates = {name: layer.forward(joined_input(x, h)) for name, layer in layers.items()}
    for name in "ifgo":
        assert isinstance(layers[name], Dense)
        assert layers[name].params["weight"].shape == (H, H + D)
        np.testing.assert_allclose(gates[name], getattr(trace, name), rtol=1e-12, atol=1e-14)
    c_new = gates["f"] * c + gates["i"] * gates["g"]
    np.testing.assert_allclose(c_new, trace.c, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gates["o"] * np.tanh(c_new), trace.h, rtol=1e-12, atol=1e-14)


def test_gate_as_dense_copies_and_checks_its_arguments():
    cell = LSTMCell(2, 3, rng=0)
    before = cell.weight_ih.copy()
    dense = gate_as_dense(cell, "g")
    assert dense.activation == "tanh" and gate_as_dense(cell, "o").activation == "sigmoid"
    dense.params["weight"][...] = 0.0
    np.testing.assert_array_equal(cell.weight_ih, before)
    with pytest.raises(ValueError, match="name must be one of"):
        gate_as_dense(cell, "u")
    with pytest.raises(TypeError, match="cell must be an LSTMCell"):
        four_networks(LSTM(2, 3, rng=0))


# --------------------------------------------------------------------------- parameter counts


@pytest.mark.parametrize(("D", "H"), [(1, 1), (3, 4), (10, 32), (128, 7)])
def test_parameter_counts_follow_the_formulas(D, H):
    counts = parameter_counts(D, H)
    assert counts["dense_x"] == H * D + H
    assert counts["dense_hx"] == counts["gate"] == H * (H + D) + H
    assert counts["four_gates"] == 4 * counts["dense_hx"]
    assert counts["lstm"] == 4 * H * D + 4 * H * H + 8 * H == counts["four_gates"] + 4 * H
    assert all(isinstance(value, int) for value in counts.values())


def test_parameter_table_shows_the_counts_and_ratios():
    table = parameter_table(3, 4)
    assert table.column("parameters") == [16, 32, 32, 128, 144]
    assert table.column("ratio to dense on [h, x]") == ["0.50", "1.00", "1.00", "4.00", "4.50"]
    assert "LSTM cell as stored" in repr(table)


def test_parameter_counts_reject_bad_sizes():
    with pytest.raises(ValueError, match="hidden_size"):
        parameter_counts(3, 0)
    with pytest.raises(TypeError, match="input_size"):
        parameter_counts(2.5, 4)


# --------------------------------------------------------------------------- shapes and layers


@pytest.mark.parametrize(("D", "H", "L"), [(1, 1, 1), (3, 4, 2), (5, 2, 3)])
def test_weight_shapes_match_the_lstm(D, H, L):
    table = weight_shapes(D, H, L)
    lstm = LSTM(D, H, L, rng=0)
    shapes = dict(zip(table.column("parameter"), table.column("shape"), strict=True))
    assert shapes == {name: value.shape for name, value in lstm.state_dict().items()}
    assert list(shapes) == list(lstm.state_dict())
    assert sum(table.column("count")) == count_parameters(lstm)
    assert table.column("in symbols")[:2] == ["(4H, D)", "(4H, H)"]
    assert "on x_t" in table.column("what it holds")[0]
    if L > 1:
        assert table.column("in symbols")[4] == "(4H, H)"
        assert "on h_t of layer 0" in table.column("what it holds")[4]


def test_weight_shapes_rejects_bad_sizes():
    with pytest.raises(ValueError, match="num_layers"):
        weight_shapes(3, 4, 0)


def test_split_layers_reproduce_the_stack_and_hold_copies():
    rng = np.random.default_rng(3)
    lstm = LSTM(2, 3, 3, dropout=0.5, rng=rng)
    x = rng.normal(size=(5, 2, 2))
    out, (h_n, c_n) = lstm.forward(x)
    layers = split_layers(lstm)
    assert [layer.input_size for layer in layers] == [2, 3, 3]
    inputs = x
    for k, layer in enumerate(layers):
        inputs, (h_k, c_k) = layer.forward(inputs)
        np.testing.assert_allclose(h_k[0], h_n[k], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(c_k[0], c_n[k], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(inputs, out, rtol=1e-12, atol=1e-14)
    layers[0].params["weight_ih_l0"][...] = 0.0
    assert np.any(lstm.params["weight_ih_l0"] != 0.0)
    with pytest.raises(TypeError, match="lstm must be an LSTM"):
        split_layers(LSTMCell(2, 3, rng=0))
    with pytest.raises(ValueError, match="standard LSTM"):
        split_layers(LSTM(2, 3, 2, output="article", rng=0))


# --------------------------------------------------------------------------- gates held fixed


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saturated_gates_are_exact(dtype):
    z = np.array([SATURATION, -SATURATION], dtype)
    np.testing.assert_array_equal(sigmoid(z), [1.0, 0.0])
    np.testing.assert_array_equal(np.tanh(z), [1.0, -1.0])


def test_gate_preactivation_inverts_the_activation():
    values = np.array([0.0, 0.1, 0.5, 0.99, 1.0])
    np.testing.assert_allclose(sigmoid(gate_preactivation(values, "f")), values, atol=1e-15)
    np.testing.assert_allclose(
        np.tanh(gate_preactivation([-1, -0.3, 0.7, 1], "g")), [-1, -0.3, 0.7, 1]
    )
    assert (
        gate_preactivation(1.0, "i") == SATURATION and gate_preactivation(0.0, "o") == -SATURATION
    )
    assert isinstance(gate_preactivation(0.5, "f"), float)


@pytest.mark.parametrize(
    ("value", "gate", "message"),
    [
        (1.5, "f", r"\[0, 1\]"),
        (-0.1, "i", r"\[0, 1\]"),
        (-1.5, "g", r"\[-1, 1\]"),
        (0.5, "u", "gate"),
    ],
)
def test_gate_preactivation_rejects_bad_values(value, gate, message):
    with pytest.raises(ValueError, match=message):
        gate_preactivation(value, gate)


def test_pinned_gates_ignore_the_input_and_other_gates_do_not():
    rng = np.random.default_rng(0)
    cell = pin_gates(LSTMCell(3, 4, rng=1), f=1.0, i=0.0, o=[0.2, 0.4, 0.6, 0.8])
    trace = cell.step(rng.normal(size=(5, 3)), (rng.normal(size=(5, 4)), rng.normal(size=(5, 4))))
    np.testing.assert_array_equal(trace.f, 1.0)
    np.testing.assert_array_equal(trace.i, 0.0)
    np.testing.assert_allclose(trace.o, np.broadcast_to([0.2, 0.4, 0.6, 0.8], (5, 4)), atol=1e-15)
    assert np.ptp(trace.g, axis=0).min() > 0  # g was not pinned: it still reads the input
    np.testing.assert_array_equal(trace.c, trace.c_prev)


def test_pin_gates_reaches_the_lstm_through_its_cell():
    lstm = LSTM(2, 3, rng=0)
    pin_gates(lstm.cell(0), f=1.0, i=0.0)
    H = 3
    np.testing.assert_array_equal(lstm.params["weight_ih_l0"][: 2 * H], 0.0)
    np.testing.assert_array_equal(lstm.params["bias_ih_l0"][H : 2 * H], SATURATION)


def test_pin_gates_errors():
    cell = LSTMCell(2, 3, rng=0)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        pin_gates(cell, f=[0.5, 0.5])
    with pytest.raises(TypeError, match="LSTMCell"):
        pin_gates(LSTM(2, 3, rng=0), f=1.0)
