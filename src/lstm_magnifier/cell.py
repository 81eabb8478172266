r"""One LSTM cell, one time step: the four networks wired together.

``LSTMCell.step`` is the readable reference: it calls the four network functions
of :mod:`lstm_magnifier.networks` one after the other and keeps every
intermediate value in a :class:`CellTrace`, which is what the book's diagrams
and widgets display. The fast multi-step, multi-layer version with backprop is
:class:`lstm_magnifier.lstm.LSTM`; both hold their weights in PyTorch's layout.
"""

from dataclasses import dataclass

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.layers import Module, Parameters
from lstm_magnifier.networks import forget_network, learn_network, remember_network, use_network

GATES = ("i", "f", "g", "o")
"""Gate order of the stacked weights (PyTorch's): input, forget, candidate, output."""


@dataclass
class CellTrace:
    """Everything one cell step computed, each array ``(B, H)`` (``(H,)`` unbatched).

    ``x`` is the event ``(B, D)``; ``h_prev``/``c_prev`` the short- and long-term
    memory coming in; ``i, f, g, o`` the gates; ``learn = i * g``;
    ``forget = f * c_prev``; ``c`` and ``h`` the memories going out.
    """

    x: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    learn: np.ndarray
    forget: np.ndarray
    c: np.ndarray
    h: np.ndarray

    @property
    def state(self):
        """The state handed to the next step: ``(h, c)``."""
        return self.h, self.c


def init_uniform(rng, shape, hidden_size, dtype):
    r"""PyTorch's default LSTM/RNN init: $U(-1/\sqrt{H}, 1/\sqrt{H})$."""
    bound = 1.0 / np.sqrt(hidden_size)
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


def init_lstm_weights(rng, input_size, hidden_size, forget_bias, dtype):
    """Weights of one LSTM layer in PyTorch's layout, gate order i, f, g, o.

    Returns ``(weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,))``;
    ``forget_bias`` is added to the forget slice ``bias_ih[H:2H]``.
    """
    H = hidden_size
    weight_ih = init_uniform(rng, (4 * H, input_size), H, dtype)
    weight_hh = init_uniform(rng, (4 * H, H), H, dtype)
    bias_ih = init_uniform(rng, (4 * H,), H, dtype)
    bias_hh = init_uniform(rng, (4 * H,), H, dtype)
    bias_ih[H : 2 * H] += forget_bias
    return weight_ih, weight_hh, bias_ih, bias_hh


def _parameter(name, doc):
    """An attribute that reads ``params[name]`` and writes into it in place (so ``+=`` works).

    Writing goes through :class:`~lstm_magnifier.layers.Parameters`, which checks the new
    value's shape and numbers first.
    """

    def write(self, value):
        self.params[name] = value

    return property(lambda self: self.params[name], write, doc=doc)


class LSTMCell(Module):
    r"""A single LSTM cell with weights in PyTorch's ``nn.LSTMCell`` layout.

    Parameters
    ----------
    input_size : int
        $D$, features of the event $x_t$.
    hidden_size : int
        $H$, units in *each* of the four networks (so the memories have $H$ entries).
    forget_bias : float
        Added to the forget gate's bias (chapter 9 shows why 1.0 helps).
    dtype : numpy float dtype
        ``np.float64`` (default) or ``np.float32``.
    rng : numpy.random.Generator or int or None
        Source of the initial weights; an int is a seed.

    ``params`` holds ``weight_ih`` ``(4H, D)``, ``weight_hh`` ``(4H, H)``, ``bias_ih``
    and ``bias_hh`` ``(4H,)`` (also readable and writable as attributes, checked like
    ``params[name] = value``), the gates stacked in the order i, f, g, o;
    ``state_dict()``/``load_state_dict(d)`` use these names, like ``torch.nn.LSTMCell``.
    """

    def __init__(self, input_size, hidden_size, *, forget_bias=0.0, dtype=np.float64, rng=None):
        self.input_size = _checks.check_positive_int("input_size", input_size)
        self.hidden_size = _checks.check_positive_int("hidden_size", hidden_size)
        self.dtype = _checks.check_float_dtype("dtype", dtype)
        rng = np.random.default_rng(rng)
        weights = init_lstm_weights(rng, input_size, hidden_size, forget_bias, self.dtype)
        self.params = Parameters(
            zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), weights, strict=True)
        )

    weight_ih = _parameter("weight_ih", "(4H, D) input weights.")
    weight_hh = _parameter("weight_hh", "(4H, H) recurrent weights.")
    bias_ih = _parameter("bias_ih", "(4H,) input bias.")
    bias_hh = _parameter("bias_hh", "(4H,) recurrent bias.")

    def gate_weights(self, name):
        """The one-layer network of gate ``name`` ("i", "f", "g" or "o") as ``(W_x, W_h, b)``.

        ``W_x`` is ``(H, D)`` and ``W_h`` is ``(H, H)`` (views into the stacked
        weights); ``b = bias_ih + bias_hh`` for that gate, ``(H,)``.
        """
        if name not in GATES:
            raise ValueError(f"gate name must be one of {GATES}, got {name!r}")
        H = self.hidden_size
        rows = slice(GATES.index(name) * H, (GATES.index(name) + 1) * H)
        return self.weight_ih[rows], self.weight_hh[rows], self.bias_ih[rows] + self.bias_hh[rows]

    def step(self, x, state=None):
        """Run one time step and return a :class:`CellTrace` of every intermediate.

        ``x`` is ``(B, D)`` or ``(D,)``; ``state`` is ``(h_prev, c_prev)`` with each
        ``(B, H)`` (``(H,)`` unbatched), or ``None`` for zero memories.
        """
        x = _checks.as_finite_array("x", x, self.dtype, ndim=(1, 2))
        _checks.check_features("x", x, self.input_size, "input_size")
        batch_shape = x.shape[:-1]
        h_prev, c_prev = self._state(state, batch_shape + (self.hidden_size,))
        learn, i, g = learn_network(x, h_prev, self.gate_weights("i"), self.gate_weights("g"))
        forget, f = forget_network(c_prev, x, h_prev, self.gate_weights("f"))
        c = remember_network(forget, learn)
        h, o = use_network(c, x, h_prev, self.gate_weights("o"))
        return CellTrace(x, h_prev, c_prev, i, f, g, o, learn, forget, c, h)

    def _state(self, state, shape):
        if state is None:
            return np.zeros(shape, self.dtype), np.zeros(shape, self.dtype)
        if not isinstance(state, tuple | list) or len(state) != 2:
            raise TypeError("state must be a pair (h_prev, c_prev) or None")
        h_prev = _checks.as_finite_array("h_prev", state[0], self.dtype)
        c_prev = _checks.as_finite_array("c_prev", state[1], self.dtype)
        _checks.check_shape("h_prev", h_prev, shape)
        _checks.check_shape("c_prev", c_prev, shape)
        return h_prev, c_prev
