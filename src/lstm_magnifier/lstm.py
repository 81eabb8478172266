r"""A multi-layer LSTM over whole sequences, with exact backpropagation through time.

Same equations as :class:`lstm_magnifier.cell.LSTMCell` (the four networks), written
for speed without hiding them: the four gates of a step come from one fused
matrix product, the input projection of all time steps is one product hoisted out
of the time loop, and the time loop writes into preallocated arrays. Weights use
``torch.nn.LSTM``'s names, shapes and gate order (i, f, g, o), so a ``state_dict``
moves between the two as plain arrays.

Forward, for each layer and step (chapter 12):

.. math::
    z_t = W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh} = [z^i, z^f, z^g, z^o]

    i, f, o = \sigma(z^i), \sigma(z^f), \sigma(z^o), \qquad g = \tanh(z^g)

    c_t = f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t)

Backward (chapter 13) runs the same loop in reverse; see :meth:`LSTM.backward`.
"""

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.cell import LSTMCell, init_lstm_weights
from lstm_magnifier.layers import Module, Parameters

PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class LSTM(Module):
    r"""A stack of LSTM layers, like ``torch.nn.LSTM`` (sequence-first, no projections).

    Parameters
    ----------
    input_size, hidden_size : int
        $D$ and $H$. Layer 0 reads $D$ features; layers above read the $H$ outputs below.
    num_layers : int
        How many LSTM layers are stacked (chapter 6).
    dropout : float in [0, 1)
        Inverted dropout on the outputs of every layer but the last, only when
        ``forward(..., train=True)``.
    forget_bias : float
        Added to each layer's forget-gate bias (``bias_ih[H:2H]``).
    dtype : ``np.float64`` (default) or ``np.float32``.
    rng : numpy.random.Generator, int seed or None
        Initial weights (PyTorch's $U(-1/\sqrt{H}, 1/\sqrt{H})$) and dropout masks.

    Attributes
    ----------
    params : dict of arrays, keys ``weight_ih_l{k}`` ``(4H, D_k)``, ``weight_hh_l{k}``
        ``(4H, H)``, ``bias_ih_l{k}`` and ``bias_hh_l{k}`` ``(4H,)``. Optimizers update
        these arrays in place; ``params[name] = value`` checks ``value`` and copies it in
        (:class:`~lstm_magnifier.layers.Parameters`).
    grads : dict with the same keys, written by :meth:`backward`.

    ``state_dict()``, ``load_state_dict(d)`` (checks every key and shape) and
    ``num_parameters()`` come from :class:`~lstm_magnifier.layers.Module`.
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        *,
        dropout=0.0,
        forget_bias=0.0,
        dtype=np.float64,
        rng=None,
    ):
        self.input_size = _checks.check_positive_int("input_size", input_size)
        self.hidden_size = _checks.check_positive_int("hidden_size", hidden_size)
        self.num_layers = _checks.check_positive_int("num_layers", num_layers)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.dropout = float(dropout)
        self.dtype = _checks.check_float_dtype("dtype", dtype)
        self.rng = np.random.default_rng(rng)
        params = {}
        for k in range(self.num_layers):
            d_in = self.input_size if k == 0 else self.hidden_size
            weights = init_lstm_weights(self.rng, d_in, self.hidden_size, forget_bias, self.dtype)
            params.update({f"{name}_l{k}": w for name, w in zip(PARAM_NAMES, weights, strict=True)})
        self.params = Parameters(params)
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}
        self._cache = None

    # ----------------------------------------------------------------- weights
    def cell(self, layer=0):
        """An :class:`LSTMCell` that shares layer ``layer``'s weights (no copy)."""
        if not 0 <= layer < self.num_layers:
            raise ValueError(f"layer must be in [0, {self.num_layers}), got {layer}")
        d_in = self.input_size if layer == 0 else self.hidden_size
        cell = LSTMCell(d_in, self.hidden_size, dtype=self.dtype, rng=0)
        cell.params = Parameters({name: self.params[f"{name}_l{layer}"] for name in PARAM_NAMES})
        return cell

    # ----------------------------------------------------------------- forward
    def forward(self, x, state=None, *, train=False):
        """Run the whole sequence.

        ``x`` is ``(T, B, D)``, or ``(T, D)`` for one unbatched sequence. ``state`` is
        ``(h_0, c_0)``, each ``(num_layers, B, H)`` (``(num_layers, H)`` unbatched), or
        ``None`` for zeros. Returns ``out`` ``(T, B, H)``, the top layer's $h_t$ at every
        step, and ``(h_n, c_n)``, each ``(num_layers, B, H)``: every layer's last memories.

        ``x`` and the state are copied for :meth:`backward`, and the returned arrays are
        new, so the caller may change any of them in place (``out -= y``) before calling
        :meth:`backward`.
        """
        x = _checks.as_finite_array("x", x, self.dtype, ndim=(2, 3), copy=True)
        _checks.check_features("x", x, self.input_size, "input_size")
        _checks.check_time_steps("x", x)
        unbatched = x.ndim == 2
        if unbatched:
            x = x[:, None, :]
        T, B, _ = x.shape
        h0, c0 = self._initial_state(state, B, unbatched)
        layers, masks = [], []
        inputs = x
        for k in range(self.num_layers):
            layer = self._forward_layer(k, inputs, h0[k], c0[k])
            layers.append(layer)
            inputs = layer["h"]
            if train and self.dropout > 0 and k < self.num_layers - 1:
                keep = 1.0 - self.dropout
                mask = (self.rng.random(inputs.shape) < keep).astype(self.dtype) / keep
                masks.append(mask)
                inputs = inputs * mask
            else:
                masks.append(None)
        self._cache = {"layers": layers, "masks": masks, "unbatched": unbatched}
        out = layers[-1]["h"].copy()  # the caller's to change: backward reads the cached h
        h_n = np.stack([layer["h"][-1] for layer in layers])
        c_n = np.stack([layer["c"][-1] for layer in layers])
        if unbatched:
            return out[:, 0], (h_n[:, 0], c_n[:, 0])
        return out, (h_n, c_n)

    def _initial_state(self, state, B, unbatched):
        shape = (
            (self.num_layers, self.hidden_size)
            if unbatched
            else (self.num_layers, B, self.hidden_size)
        )
        if state is None:
            zeros = np.zeros((self.num_layers, B, self.hidden_size), self.dtype)
            return zeros, zeros
        if not isinstance(state, tuple | list) or len(state) != 2:
            raise TypeError("state must be a pair (h_0, c_0) or None")
        # copies: backward reads them, and the caller may change theirs in place meanwhile
        h0 = _checks.as_finite_array("h_0", state[0], self.dtype, copy=True)
        c0 = _checks.as_finite_array("c_0", state[1], self.dtype, copy=True)
        _checks.check_shape("h_0", h0, shape)
        _checks.check_shape("c_0", c0, shape)
        if unbatched:
            h0, c0 = h0[:, None, :], c0[:, None, :]
        return h0, c0

    def _forward_layer(self, k, x, h0, c0):
        """One layer over all steps; returns the arrays backward needs."""
        T, B, D = x.shape
        H = self.hidden_size
        W_ih, W_hh = self.params[f"weight_ih_l{k}"], self.params[f"weight_hh_l{k}"]
        bias = self.params[f"bias_ih_l{k}"] + self.params[f"bias_hh_l{k}"]
        # sigma(z) = (1 + tanh(z/2)) / 2: with the i, f, o rows of the weights halved once
        # here, one in-place tanh per step activates all four gates (see activate_gates).
        half = gate_scale(H, self.dtype)
        # Input projection for every step at once: (T*B, D) @ (D, 4H).
        gates = ((x.reshape(T * B, D) @ W_ih.T + bias) * half).reshape(T, B, 4 * H)
        W_hh_T = np.ascontiguousarray(W_hh.T * half)  # contiguous: h @ W_hh^T twice as fast
        c = np.empty((T, B, H), self.dtype)
        h = np.empty((T, B, H), self.dtype)
        tanh_c = np.empty((T, B, H), self.dtype)
        recurrent = np.empty((B, 4 * H), self.dtype)
        learn = np.empty((B, H), self.dtype)
        h_prev, c_prev = h0, c0
        for t in range(T):
            z = gates[t]
            z += np.matmul(h_prev, W_hh_T, out=recurrent)
            activate_gates(z, H)
            i, f, g, o = z[:, :H], z[:, H : 2 * H], z[:, 2 * H : 3 * H], z[:, 3 * H :]
            np.multiply(f, c_prev, out=c[t])  # forget network
            c[t] += np.multiply(i, g, out=learn)  # remember = forget + learn
            np.tanh(c[t], out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=h[t])  # use network
            h_prev, c_prev = h[t], c[t]
        return {"x": x, "h0": h0, "c0": c0, "gates": gates, "c": c, "h": h, "tanh_c": tanh_c}

    def trace(self, layer=0):
        """Gates and memories of the last forward for one layer.

        Returns a dict with ``i, f, g, o, c, h``, each ``(T, B, H)`` (``(T, H)`` if the
        input was unbatched): copies, so changing them leaves :meth:`backward` alone.
        """
        if self._cache is None:
            raise RuntimeError("no trace yet: call forward first")
        cache = self._cache["layers"][layer]
        H = self.hidden_size
        gates = cache["gates"]
        result = {name: gates[..., n * H : (n + 1) * H] for n, name in enumerate("ifgo")}
        result.update(c=cache["c"], h=cache["h"])
        if self._cache["unbatched"]:
            result = {name: value[:, 0] for name, value in result.items()}
        return {name: value.copy() for name, value in result.items()}

    # ---------------------------------------------------------------- backward
    def backward(self, d_out, d_state=None):
        r"""Backpropagation through time for the last :meth:`forward`.

        ``d_out`` is $\partial L / \partial\,\mathrm{out}$, shape of ``out``; ``d_state`` is
        ``(dh_n, dc_n)`` shaped like ``(h_n, c_n)``, or ``None`` for zeros. Fills
        ``self.grads`` (overwriting) and returns ``(dx, (dh_0, dc_0))``.

        Per step, from $t = T$ down to 1, with $\delta h$ and $\delta c$ the gradients
        arriving from above and from step $t+1$:

        .. math::
            \delta o = \delta h \odot \tanh c_t, \qquad
            \delta c \mathrel{+}= \delta h \odot o \odot (1 - \tanh^2 c_t)

            \delta i = \delta c \odot g, \quad \delta g = \delta c \odot i, \quad
            \delta f = \delta c \odot c_{t-1}, \quad \delta c_{t-1} = \delta c \odot f

            \delta z = [\delta i\, i(1-i),\ \delta f\, f(1-f),\ \delta g\,(1-g^2),\
            \delta o\, o(1-o)], \qquad \delta h_{t-1} = \delta z\, W_{hh}
        """
        if self._cache is None:
            raise RuntimeError("backward needs a forward pass first: call forward first")
        layers, masks = self._cache["layers"], self._cache["masks"]
        unbatched = self._cache["unbatched"]
        T, B, _ = layers[0]["x"].shape
        L, H = self.num_layers, self.hidden_size
        out_shape = (T, H) if unbatched else (T, B, H)
        d_out = _checks.as_finite_array("d_out", d_out, self.dtype)
        _checks.check_shape("d_out", d_out, out_shape)
        dh_n, dc_n = self._state_grads(d_state, B, unbatched)
        grad = d_out[:, None, :] if unbatched else d_out
        dh0 = np.empty((L, B, H), self.dtype)
        dc0 = np.empty((L, B, H), self.dtype)
        for k in reversed(range(L)):
            if masks[k] is not None:
                grad = grad * masks[k]
            grad, dh0[k], dc0[k] = self._backward_layer(k, layers[k], grad, dh_n[k], dc_n[k])
        if unbatched:
            return grad[:, 0], (dh0[:, 0], dc0[:, 0])
        return grad, (dh0, dc0)

    def _state_grads(self, d_state, B, unbatched):
        zeros = np.zeros((self.num_layers, B, self.hidden_size), self.dtype)
        if d_state is None:
            return zeros, zeros
        shape = zeros.shape[::2] if unbatched else zeros.shape
        if not isinstance(d_state, tuple | list) or len(d_state) != 2:
            got = f"one {type(d_state).__name__}"
            if isinstance(d_state, tuple | list):
                got = f"a {type(d_state).__name__} of length {len(d_state)}"
            raise TypeError(
                f"d_state must be a pair (dh_n, dc_n), each of shape {shape} like "
                f"(h_n, c_n), or None; got {got}"
            )
        grads = []
        for name, value in zip(("dh_n", "dc_n"), d_state, strict=True):
            if value is None:
                grads.append(zeros)
                continue
            value = _checks.as_finite_array(name, value, self.dtype)
            _checks.check_shape(name, value, shape)
            grads.append(value[:, None, :] if unbatched else value)
        return grads

    def _backward_layer(self, k, cache, d_h_seq, dh_next, dc_next):
        """Reverse one layer's time loop; returns (dx, dh0, dc0) and writes its grads."""
        x, gates, c, tanh_c = cache["x"], cache["gates"], cache["c"], cache["tanh_c"]
        T, B, D = x.shape
        H = self.hidden_size
        W_ih, W_hh = self.params[f"weight_ih_l{k}"], self.params[f"weight_hh_l{k}"]
        i, f, g, o = (gates[..., n * H : (n + 1) * H] for n in range(4))
        c_prev = np.concatenate([cache["c0"][None], c[:-1]])
        # Local derivatives of every step at once, so the time loop below is short:
        # dz^{i,f,g} = dc * d_ifg and dz^o = dh * d_o; dc gains dh * d_c.
        d_ifg = np.empty((T, B, 3, H), self.dtype)
        np.multiply(g * i, 1 - i, out=d_ifg[:, :, 0])
        np.multiply(c_prev * f, 1 - f, out=d_ifg[:, :, 1])
        np.multiply(i, 1 - g * g, out=d_ifg[:, :, 2])
        d_o = tanh_c * o * (1 - o)
        d_c = o * (1 - tanh_c * tanh_c)
        dz = np.empty((T, B, 4 * H), self.dtype)
        dz_ifg = dz[..., : 3 * H].reshape(T, B, 3, H)
        dh, dc = np.empty((B, H), self.dtype), np.empty((B, H), self.dtype)
        dh_next, dc_next = dh_next.copy(), dc_next.copy()
        for t in reversed(range(T)):
            np.add(d_h_seq[t], dh_next, out=dh)
            np.multiply(dh, d_c[t], out=dc)
            dc += dc_next
            np.multiply(dc[:, None, :], d_ifg[t], out=dz_ifg[t])
            np.multiply(dh, d_o[t], out=dz[t, :, 3 * H :])
            np.multiply(dc, f[t], out=dc_next)
            np.matmul(dz[t], W_hh, out=dh_next)
        h_prev = np.concatenate([cache["h0"][None], cache["h"][:-1]])
        dz_flat = dz.reshape(T * B, 4 * H)
        self.grads[f"weight_ih_l{k}"] = dz_flat.T @ x.reshape(T * B, D)
        self.grads[f"weight_hh_l{k}"] = dz_flat.T @ h_prev.reshape(T * B, H)
        self.grads[f"bias_ih_l{k}"] = dz_flat.sum(axis=0)
        self.grads[f"bias_hh_l{k}"] = self.grads[f"bias_ih_l{k}"].copy()
        dx = (dz_flat @ W_ih).reshape(T, B, D)
        return dx, dh_next, dc_next


def gate_scale(H, dtype):
    r"""``(4H,)`` factors that halve the i, f and o rows: $z^{i,f,o}/2$, $z^g$ unchanged."""
    half = np.full(4 * H, 0.5, dtype)
    half[2 * H : 3 * H] = 1.0
    return half


def activate_gates(z, H):
    r"""Gate activations in place on the stacked pre-activations ``z`` ``(B, 4H)``.

    ``z`` arrives with its i, f and o slices already halved (:func:`gate_scale`), so one
    $\tanh$ over the whole row gives $g = \tanh(z^g)$ and, after
    $\sigma(z) = \tfrac12(1 + \tanh(z/2))$ (:func:`~lstm_magnifier.networks.sigmoid`),
    the gates $i, f, o$.
    """
    np.tanh(z, out=z)
    for gate in (z[:, : 2 * H], z[:, 3 * H :]):  # i and f, then o
        gate *= 0.5
        gate += 0.5


def from_keras_weights(kernel, recurrent_kernel, bias, *, layer=0):
    """Convert one Keras ``LSTM`` layer's weights to our (PyTorch's) state-dict entries.

    Keras stores ``kernel`` ``(D, 4H)`` and ``recurrent_kernel`` ``(H, 4H)`` (transposed
    relative to PyTorch) and one ``bias`` ``(4H,)``; its gate order i, f, c, o is our
    i, f, g, o. Returns ``{weight_ih_l{layer}, weight_hh_l{layer}, bias_ih_l{layer},
    bias_hh_l{layer}}`` with the Keras bias in ``bias_ih`` and zeros in ``bias_hh``.
    """
    kernel = _checks.as_finite_array("kernel", kernel, None, ndim=(2,))
    recurrent_kernel = _checks.as_finite_array(
        "recurrent_kernel", recurrent_kernel, None, ndim=(2,)
    )
    bias = _checks.as_finite_array("bias", bias, None, ndim=(1,))
    D, four_h = kernel.shape
    if four_h % 4:
        raise ValueError(f"kernel must have 4*H columns (gates i, f, c, o), got {four_h}")
    H = four_h // 4
    _checks.check_shape("recurrent_kernel", recurrent_kernel, (H, 4 * H))
    _checks.check_shape("bias", bias, (4 * H,))
    return {
        f"weight_ih_l{layer}": kernel.T.copy(),
        f"weight_hh_l{layer}": recurrent_kernel.T.copy(),
        f"bias_ih_l{layer}": bias.copy(),
        f"bias_hh_l{layer}": np.zeros_like(bias),
    }
