r"""The gated recurrent unit (GRU, chapter 16): the LSTM's best-known relative.

No long-term memory $c$ and no output gate: one state $h$, a reset gate $r$ that decides
how much of $h_{t-1}$ the candidate $n$ reads, and an update gate $z$ that keeps a share of
$h_{t-1}$ and fills the rest with $n$, as the coupled LSTM's $f$ and $1 - f$ do:

.. math::
    r = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}), \quad
    z = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}),

    n = \tanh(W_{in} x_t + b_{in} + r \odot (W_{hn} h_{t-1} + b_{hn})), \quad
    h_t = (1 - z) \odot n + z \odot h_{t-1}.

This is ``torch.nn.GRU``'s form: gates stacked r, z, n, the same names, shapes and init,
so a ``state_dict`` moves between the two. Shapes: ``x`` ``(B, D)``, ``h`` ``(B, H)``,
``weight_ih`` ``(3H, D)``, ``weight_hh`` ``(3H, H)``, both biases ``(3H,)``.
"""

from dataclasses import dataclass

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.nn import Module, _as_sequence, sigmoid

PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


@dataclass
class GRUTrace:
    """What one :func:`step` computed, ``(B, H)`` each (``x`` ``(B, D)``); ``hn`` is
    $W_{hn} h_{t-1} + b_{hn}$, the part of the candidate's layer that $r$ scales."""

    x: np.ndarray
    h_prev: np.ndarray
    r: np.ndarray
    z: np.ndarray
    n: np.ndarray
    hn: np.ndarray
    h: np.ndarray


def step(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh, *, a_x=None):
    r"""One GRU step (equations above): a :class:`GRUTrace`. ``a_x``, if given, is
    $W_{ih} x_t + b_{ih}$ computed beforehand (the layer does all steps at once)."""
    a_x = x @ weight_ih.T + bias_ih if a_x is None else a_x
    a_h = h_prev @ weight_hh.T + bias_hh
    H = a_h.shape[-1] // 3
    r = sigmoid(a_x[..., :H] + a_h[..., :H])  # reset: how much of h_{t-1} n reads
    z = sigmoid(a_x[..., H : 2 * H] + a_h[..., H : 2 * H])  # update: how much h_{t-1} stays
    n = np.tanh(a_x[..., 2 * H :] + r * a_h[..., 2 * H :])
    h = (1.0 - z) * n + z * h_prev
    return GRUTrace(x, h_prev, r, z, n, a_h[..., 2 * H :], h)


def step_backward(trace, dh, weight_hh):
    r"""Backward of one :func:`step` given ``dh`` $= \partial L / \partial h_t$: returns the
    gradients of its two layers before the gates, ``da_x`` and ``da_h`` ``(B, 3H)``
    (they differ only in $n$'s block, where $r$ scales the recurrent part), and ``dh_prev``."""
    r, z, n, h_prev = trace.r, trace.z, trace.n, trace.h_prev
    dn = dh * (1.0 - z) * (1.0 - n * n)  # h = (1 - z) n + z h_prev, n = tanh(...)
    dz = dh * (h_prev - n) * z * (1.0 - z)
    dr = dn * trace.hn * r * (1.0 - r)
    da_x = np.concatenate([dr, dz, dn], axis=-1)
    da_h = np.concatenate([dr, dz, dn * r], axis=-1)
    return da_x, da_h, dh * z + da_h @ weight_hh


class GRU(Module):
    r"""A stack of ``num_layers`` GRU layers like ``torch.nn.GRU`` (sequence first), the first
    reading $D$ = ``input_size`` features, each $H$ = ``hidden_size`` units; ``rng`` draws
    the weights from $U(\pm 1/\sqrt H)$. ``params`` (and ``grads``): ``weight_ih_l{k}``
    ``(3H, D_k)``, ``weight_hh_l{k}`` ``(3H, H)``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` ``(3H,)``.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, *, dtype=np.float64, rng=None):
        self.input_size = _checks.check_positive_int("input_size", input_size)
        self.hidden_size = H = _checks.check_positive_int("hidden_size", hidden_size)
        self.num_layers = _checks.check_positive_int("num_layers", num_layers)
        self.dtype = _checks.check_float_dtype("dtype", dtype)
        shapes = {}
        for k in range(self.num_layers):
            sizes = ((3 * H, input_size if k == 0 else H), (3 * H, H), (3 * H,), (3 * H,))
            shapes.update({f"{n}_l{k}": s for n, s in zip(PARAM_NAMES, sizes, strict=True)})
        self._init_params(rng, 1.0 / np.sqrt(H), **shapes)

    def __repr__(self):
        return f"GRU({self.input_size}, {self.hidden_size}, num_layers={self.num_layers})"

    def _weights(self, k):
        return [self.params[f"{name}_l{k}"] for name in PARAM_NAMES]

    def _state(self, name, value, B, unbatched):
        """``h_0`` or ``dh_n`` as ``(num_layers, B, H)``: zeros for None, else checked."""
        shape = (self.num_layers, B, self.hidden_size)
        if value is None:
            return np.zeros(shape, self.dtype)
        value = _checks.as_finite_array(name, value, self.dtype, copy=True)
        _checks.check_shape(name, value, shape[::2] if unbatched else shape)
        return value.reshape(shape)

    def forward(self, x, state=None, *, train=False):
        """Run ``x`` ``(T, B, D)`` (or ``(T, D)``) from ``state`` $h_0$ ``(num_layers, B, H)``
        (``None``: zeros): ``(out, h_n)``, the top layer's $h_t$ ``(T, B, H)`` and every
        layer's last $h$ ``(num_layers, B, H)``. ``train`` changes nothing (no dropout)."""
        x, unbatched = _as_sequence(x, self.dtype, self.input_size, "input_size", copy=True)
        h0 = self._state("state", state, x.shape[1], unbatched)
        layers = []
        for k in range(self.num_layers):
            weight_ih, weight_hh, bias_ih, bias_hh = w = self._weights(k)
            a_x = x @ weight_ih.T + bias_ih  # the one fusion: every step's input at once
            traces, h = [], h0[k]
            for t in range(len(x)):
                traces.append(step(x[t], h, *w, a_x=a_x[t]))
                h = traces[-1].h
            layers.append((x, traces))
            x = np.stack([trace.h for trace in traces])  # the next layer's input
        self._cache = (layers, unbatched)
        out, h_n = x.copy(), np.stack([traces[-1].h for _, traces in layers])
        return (out[:, 0], h_n[:, 0]) if unbatched else (out, h_n)

    def backward(self, d_out, d_state=None):
        """Backpropagation through time for the last :meth:`forward`: ``d_out`` like ``out``,
        ``d_state`` like ``h_n`` (or ``None``). Fills ``grads``; returns ``(dx, dh_0)``."""
        layers, unbatched = _checks.require_cache(self._cache)
        (T, B, _), H = layers[0][0].shape, self.hidden_size
        d_out = _checks.as_finite_array("d_out", d_out, self.dtype)
        _checks.check_shape("d_out", d_out, (T, H) if unbatched else (T, B, H))
        dh_n = self._state("d_state", d_state, B, unbatched)
        grad, dh0 = d_out.reshape(T, B, H), np.empty((self.num_layers, B, H), self.dtype)
        for k in reversed(range(self.num_layers)):
            x, traces = layers[k]
            weight_ih, weight_hh = self._weights(k)[:2]
            da_x, da_h = np.empty((2, T, B, 3 * H), self.dtype)
            dh = dh_n[k]
            for t in reversed(range(T)):
                da_x[t], da_h[t], dh = step_backward(traces[t], grad[t] + dh, weight_hh)
            # the weights are shared by every step: their gradients sum over steps and batch
            h_prev = np.stack([trace.h_prev for trace in traces]).reshape(T * B, H)
            flat_x, flat_h = da_x.reshape(T * B, -1), da_h.reshape(T * B, -1)
            grads = (flat_x.T @ x.reshape(T * B, -1), flat_h.T @ h_prev, flat_x.sum(0),
                     flat_h.sum(0))  # fmt: skip
            for name, value in zip(PARAM_NAMES, grads, strict=True):
                self.grads[f"{name}_l{k}"][...] = value
            grad, dh0[k] = da_x @ weight_ih, dh
        return (grad[:, 0], dh0[:, 0]) if unbatched else (grad, dh0)
