"""LSTMCell: shapes, init, state dict and clear errors."""

import numpy as np
import pytest

from lstm_magnifier.cell import LSTMCell


def test_shapes_init_range_and_forget_bias():
    cell = LSTMCell(3, 4, forget_bias=1.0, rng=0)
    assert cell.weight_ih.shape == (16, 3) and cell.weight_hh.shape == (16, 4)
    assert cell.bias_ih.shape == cell.bias_hh.shape == (16,)
    bound = 1 / np.sqrt(4)
    assert np.abs(cell.weight_ih).max() <= bound and np.abs(cell.weight_hh).max() <= bound
    assert np.all(cell.bias_ih[4:8] > 1 - bound) and np.abs(cell.bias_ih[:4]).max() <= bound


def test_step_trace_batched_and_unbatched_agree():
    rng = np.random.default_rng(0)
    cell = LSTMCell(3, 4, rng=rng)
    x = rng.normal(size=(2, 3))
    batched = cell.step(x)
    single = cell.step(x[1])
    assert batched.h.shape == (2, 4) and single.h.shape == (4,)
    np.testing.assert_allclose(single.c, batched.c[1], atol=1e-15)
    np.testing.assert_array_equal(batched.c_prev, 0)
    assert batched.state[0] is batched.h


def test_step_with_state_chains():
    rng = np.random.default_rng(1)
    cell = LSTMCell(2, 3, rng=rng)
    first = cell.step(rng.normal(size=2))
    second = cell.step(rng.normal(size=2), first.state)
    np.testing.assert_array_equal(second.h_prev, first.h)
    np.testing.assert_array_equal(second.c_prev, first.c)


def test_float32_is_kept():
    cell = LSTMCell(2, 3, dtype=np.float32, rng=0)
    trace = cell.step(np.ones(2))
    assert cell.weight_ih.dtype == np.float32
    assert all(getattr(trace, n).dtype == np.float32 for n in ("i", "f", "g", "o", "c", "h"))


def test_state_dict_round_trip_copies():
    a, b = LSTMCell(2, 3, rng=0), LSTMCell(2, 3, rng=1)
    b.load_state_dict(a.state_dict())
    x = np.ones(2)
    np.testing.assert_array_equal(a.step(x).h, b.step(x).h)
    sd = a.state_dict()
    sd["weight_ih"][:] = 0
    assert np.any(a.weight_ih != 0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(input_size=0, hidden_size=3), ValueError, "input_size"),
        (dict(input_size=2, hidden_size=-1), ValueError, "hidden_size"),
        (dict(input_size=2.5, hidden_size=3), TypeError, "input_size"),
        (dict(input_size=2, hidden_size=3, dtype=np.int64), ValueError, "dtype"),
    ],
)
def test_bad_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        LSTMCell(**kwargs)


def test_bad_step_inputs():
    cell = LSTMCell(2, 3, rng=0)
    with pytest.raises(ValueError, match=r"2 features .*input_size.*got 5"):
        cell.step(np.ones(5))
    with pytest.raises(ValueError, match="dimensions"):
        cell.step(np.ones((1, 1, 2)))
    with pytest.raises(ValueError, match="finite"):
        cell.step(np.array([np.nan, 0.0]))
    with pytest.raises(ValueError, match=r"h_prev must have shape \(3,\)"):
        cell.step(np.ones(2), (np.ones(4), np.ones(3)))
    with pytest.raises(TypeError, match="pair"):
        cell.step(np.ones(2), np.ones(3))


def test_bad_state_dict_names_the_key():
    cell = LSTMCell(2, 3, rng=0)
    sd = cell.state_dict()
    with pytest.raises(KeyError, match="bias_hh"):
        cell.load_state_dict({k: v for k, v in sd.items() if k != "bias_hh"})
    with pytest.raises(KeyError, match="extra_weight"):
        cell.load_state_dict({**sd, "extra_weight": np.ones(1)})
    with pytest.raises(ValueError, match=r"weight_hh must have shape \(12, 3\)"):
        cell.load_state_dict({**sd, "weight_hh": np.ones((12, 4))})


def test_weight_attributes_write_in_place():
    cell = LSTMCell(2, 3, rng=0)
    bias = cell.params["bias_ih"]
    cell.bias_ih += 1.0
    cell.weight_hh = np.zeros((12, 3))
    assert cell.params["bias_ih"] is bias
    np.testing.assert_array_equal(cell.params["weight_hh"], 0)
    with pytest.raises(ValueError):
        cell.weight_ih = np.zeros((5, 5))


def test_assigning_a_weight_checks_it():
    cell = LSTMCell(2, 3, rng=0)
    weight = cell.weight_ih
    with pytest.raises(ValueError, match=r"'weight_ih' must have shape \(12, 2\), got \(1, 2\)"):
        cell.weight_ih = np.zeros((1, 2))  # would broadcast to every row
    with pytest.raises(ValueError, match=r"'bias_hh' must have shape \(12,\), got \(3,\)"):
        cell.params["bias_hh"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"'bias_ih' must be finite"):
        cell.bias_ih = np.full(12, np.inf)
    with pytest.raises(TypeError, match=r"'weight_hh' must hold floating-point numbers.*int64"):
        cell.weight_hh = np.zeros((12, 3), dtype=np.int64)
    with pytest.raises(TypeError, match=r"'weight_hh' must be real.*complex128"):
        cell.weight_hh = np.zeros((12, 3)) + 1j
    with pytest.raises(KeyError, match=r"'weight_x'.*'weight_ih', 'weight_hh'"):
        cell.params["weight_x"] = np.zeros((12, 2))
    assert cell.weight_ih is weight and np.all(np.isfinite(weight))
    cell.weight_ih = np.ones((12, 2), dtype=np.float32)
    assert cell.params["weight_ih"] is weight and np.all(weight == 1.0)


def test_complex_event_is_refused():
    cell = LSTMCell(2, 3, rng=0)
    with pytest.raises(TypeError, match=r"x must be real.*complex128"):
        cell.step(np.ones(2) + 1j)
    with pytest.raises(TypeError, match=r"h_prev must be real"):
        cell.step(np.ones(2), (np.zeros(3) + 1j, np.zeros(3)))
