r"""An LSTM layer with swappable activations, for the ablations of chapters 8, 9 and 11.

The standard cell fixes three choices that the article takes on trust:

* the **gates** $i, f, o$ use the sigmoid $\sigma$, a soft switch in $(0, 1)$;
* the **candidate** $g$ uses $\tanh$, a zero-centred squash in $(-1, 1)$;
* the **use network** reads the memory out through $\tanh(c_t)$.

:class:`VariantLSTM` is one LSTM layer in which each of these can be replaced, so
that a chapter can ask "what if it were otherwise?" and train the answer:

.. math::
    i_t = \phi_i(z^i_t), \quad f_t = \phi_f(z^f_t), \quad g_t = \phi_g(z^g_t), \quad
    o_t = \phi_o(z^o_t)

    c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \psi(c_t)

with $z_t = W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}$ split into $[z^i, z^f, z^g, z^o]$
(PyTorch's gate order). Each $\phi$ and $\psi$ is one of :data:`ACTIVATIONS`:
``"sigmoid"``, ``"tanh"``, ``"identity"`` or ``"one"`` (the constant 1, which removes a
gate: it is always open). ``output="article"`` replaces the read-out by the use network
of the article's source lesson (chapter 11), a learned layer on the forget network's
output:

.. math::
    u_t = \tanh\left(W_u (f_t \odot c_{t-1}) + b_u\right), \qquad h_t = u_t \odot o_t

With the defaults (sigmoid gates, tanh candidate, tanh output) the layer computes
exactly what :class:`lstm_magnifier.lstm.LSTM` computes, from the same seed, with the
same parameter names; it is written for reading rather than speed.
"""

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.cell import GATES, init_lstm_weights, init_uniform
from lstm_magnifier.lstm import PARAM_NAMES
from lstm_magnifier.networks import sigmoid


def _identity(z):
    return z


ACTIVATIONS = {
    "sigmoid": (sigmoid, lambda y: y * (1.0 - y)),
    "tanh": (np.tanh, lambda y: 1.0 - y * y),
    "identity": (_identity, np.ones_like),
    "one": (np.ones_like, np.zeros_like),
}
r"""Each activation $\phi$ as ``(phi, dphi)``, with the derivative written with the
*output* $y = \phi(z)$: $\sigma' = y(1-y)$, $\tanh' = 1 - y^2$, identity $1$, and
``"one"`` ($\phi(z) = 1$, a removed gate) $0$."""

OUTPUTS = (*ACTIVATIONS, "article")
"""Allowed read-outs of the use network: an activation $\\psi$ of $c_t$, or ``"article"``."""


def _gate_activations(gate, candidate):
    """The activation of each of i, f, g, o from the ``gate`` and ``candidate`` arguments."""
    names = tuple(ACTIVATIONS)
    if isinstance(gate, str):
        gate = dict.fromkeys("ifo", gate)
    elif hasattr(gate, "items"):
        unknown = [key for key in gate if key not in ("i", "f", "o")]
        if unknown:
            raise ValueError(f"gate keys must be among 'i', 'f', 'o', got {unknown}")
        gate = {"i": "sigmoid", "f": "sigmoid", "o": "sigmoid", **gate}
    else:
        raise TypeError(
            f"gate must be an activation name or a dict like {{'i': 'tanh'}}, got {gate!r}"
        )
    for key, value in gate.items():
        _checks.check_one_of(f"gate[{key!r}]", value, names)
    _checks.check_one_of("candidate", candidate, names)
    return {"i": gate["i"], "f": gate["f"], "g": candidate, "o": gate["o"]}


class VariantLSTM:
    r"""One LSTM layer whose gate, candidate and output activations can be swapped.

    Parameters
    ----------
    input_size, hidden_size : int
        $D$ and $H$.
    gate : str or dict
        Activation of the gates $i, f, o$: one name for all three, or a dict that
        overrides some of them, e.g. ``{"i": "tanh"}`` (the others stay sigmoid).
        Names: ``"sigmoid"`` (default), ``"tanh"``, ``"identity"``, ``"one"``.
    candidate : str
        Activation of the candidate $g$ (default ``"tanh"``).
    output : str
        $\psi$ in $h_t = o_t \odot \psi(c_t)$ (default ``"tanh"``), or ``"article"`` for
        $h_t = \tanh(W_u (f_t \odot c_{t-1}) + b_u) \odot o_t$.
    forget_bias : float
        Added to the forget gate's bias ``bias_ih[H:2H]`` (chapter 9).
    dtype : ``np.float64`` (default) or ``np.float32``.
    rng : numpy.random.Generator, int seed or None
        Initial weights, drawn exactly as :class:`~lstm_magnifier.lstm.LSTM` draws them
        ($U(-1/\sqrt H, 1/\sqrt H)$); ``W_u`` and ``b_u`` are drawn after them.

    Attributes
    ----------
    params : dict
        ``weight_ih_l0`` ``(4H, D)``, ``weight_hh_l0`` ``(4H, H)``, ``bias_ih_l0`` and
        ``bias_hh_l0`` ``(4H,)`` (``torch.nn.LSTM``'s names), plus ``weight_u`` ``(H, H)``
        and ``bias_u`` ``(H,)`` when ``output="article"``.
    grads : dict with the same keys, written by :meth:`backward`.
    activations : dict
        The activation name of each of ``"i", "f", "g", "o"``.
    """

    num_layers = 1

    def __init__(
        self,
        input_size,
        hidden_size,
        *,
        gate="sigmoid",
        candidate="tanh",
        output="tanh",
        forget_bias=0.0,
        dtype=np.float64,
        rng=None,
    ):
        self.input_size = _checks.check_positive_int("input_size", input_size)
        self.hidden_size = _checks.check_positive_int("hidden_size", hidden_size)
        self.dtype = _checks.check_float_dtype("dtype", dtype)
        self.activations = _gate_activations(gate, candidate)
        self.output = _checks.check_one_of("output", output, OUTPUTS)
        rng = np.random.default_rng(rng)
        H = self.hidden_size
        weights = init_lstm_weights(rng, self.input_size, H, forget_bias, self.dtype)
        self.params = {f"{name}_l0": w for name, w in zip(PARAM_NAMES, weights, strict=True)}
        if self.output == "article":
            self.params["weight_u"] = init_uniform(rng, (H, H), H, self.dtype)
            self.params["bias_u"] = init_uniform(rng, (H,), H, self.dtype)
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}
        self._cache = None

    def __repr__(self):
        acts = ", ".join(f"{k}={v}" for k, v in self.activations.items())
        return f"VariantLSTM({self.input_size}, {self.hidden_size}, {acts}, output={self.output})"

    # ----------------------------------------------------------------- weights
    def expected_shapes(self):
        """Shape of every parameter, by name."""
        return {name: p.shape for name, p in self.params.items()}

    def state_dict(self):
        """Copies of all parameters."""
        return {name: p.copy() for name, p in self.params.items()}

    def load_state_dict(self, state_dict):
        """Copy parameters in place; keys and shapes must match :meth:`expected_shapes`.

        An :class:`~lstm_magnifier.lstm.LSTM` ``state_dict`` of one layer fits every
        variant except ``output="article"``, which also needs ``weight_u`` and ``bias_u``.
        """
        checked = _checks.check_state_dict(state_dict, self.expected_shapes(), self.dtype)
        for name, value in checked.items():
            self.params[name][...] = value

    # ----------------------------------------------------------------- forward
    def forward(self, x, state=None, *, train=False):
        """Run the sequence ``x`` ``(T, B, D)`` (or ``(T, D)`` unbatched).

        ``state`` is ``(h_0, c_0)``, each ``(1, B, H)`` (``(1, H)`` unbatched), or
        ``None`` for zeros; ``train`` is accepted for the common interface. Returns
        ``out`` ``(T, B, H)``, all $h_t$, and ``(h_n, c_n)``, each ``(1, B, H)``, as
        :meth:`lstm_magnifier.lstm.LSTM.forward` does.
        """
        x = _checks.as_finite_array("x", x, self.dtype, ndim=(2, 3))
        _checks.check_features("x", x, self.input_size, "input_size")
        unbatched = x.ndim == 2
        if unbatched:
            x = x[:, None, :]
        T, B, D = x.shape
        H = self.hidden_size
        h_prev, c_prev = self._initial_state(state, B, unbatched)
        h0, c0 = h_prev, c_prev
        p = self.params
        bias = p["bias_ih_l0"] + p["bias_hh_l0"]
        z_x = (x.reshape(T * B, D) @ p["weight_ih_l0"].T + bias).reshape(T, B, 4 * H)
        W_hh_T = np.ascontiguousarray(p["weight_hh_l0"].T)
        phi = [ACTIVATIONS[self.activations[name]][0] for name in GATES]
        gates = np.empty((T, B, 4, H), self.dtype)  # i, f, g, o after their activations
        c, h, read = (np.empty((T, B, H), self.dtype) for _ in range(3))
        for t in range(T):
            z = (z_x[t] + h_prev @ W_hh_T).reshape(B, 4, H)
            for n in range(4):  # i = phi_i(z^i), f = phi_f(z^f), g = phi_g(z^g), o = phi_o(z^o)
                gates[t, :, n] = phi[n](z[:, n])
            i, f, g, o = gates[t, :, 0], gates[t, :, 1], gates[t, :, 2], gates[t, :, 3]
            forget = f * c_prev
            c[t] = forget + i * g  # remember = forget + learn
            if self.output == "article":
                read[t] = np.tanh(forget @ p["weight_u"].T + p["bias_u"])  # u_t
            else:
                read[t] = ACTIVATIONS[self.output][0](c[t])  # psi(c_t)
            h[t] = o * read[t]  # use network
            h_prev, c_prev = h[t], c[t]
        self._cache = {"x": x, "h0": h0, "c0": c0, "gates": gates, "c": c, "h": h, "read": read}
        self._cache["unbatched"] = unbatched
        h_n, c_n = h[-1][None], c[-1][None]
        if unbatched:
            return h[:, 0], (h_n[:, 0], c_n[:, 0])
        return h, (h_n, c_n)

    def _initial_state(self, state, B, unbatched):
        H = self.hidden_size
        if state is None:
            return np.zeros((B, H), self.dtype), np.zeros((B, H), self.dtype)
        if not isinstance(state, tuple | list) or len(state) != 2:
            raise TypeError("state must be a pair (h_0, c_0) or None")
        shape = (1, H) if unbatched else (1, B, H)
        h0 = _checks.as_finite_array("h_0", state[0], self.dtype)
        c0 = _checks.as_finite_array("c_0", state[1], self.dtype)
        _checks.check_shape("h_0", h0, shape)
        _checks.check_shape("c_0", c0, shape)
        return h0.reshape(B, H), c0.reshape(B, H)

    def trace(self, layer=0):
        """Gates and memories of the last forward: ``i, f, g, o, c, h`` (and ``u`` for
        ``output="article"``), each ``(T, B, H)`` (``(T, H)`` if the input was unbatched).

        ``layer`` is accepted so that code written for :meth:`LSTM.trace
        <lstm_magnifier.lstm.LSTM.trace>` works; there is only layer 0.
        """
        if layer != 0:
            raise ValueError(f"layer must be 0 (a VariantLSTM has one layer), got {layer!r}")
        cache = _checks.require_cache(self._cache)
        result = {name: cache["gates"][:, :, n] for n, name in enumerate(GATES)}
        result.update(c=cache["c"], h=cache["h"])
        if self.output == "article":
            result["u"] = cache["read"]
        if cache["unbatched"]:
            result = {name: value[:, 0] for name, value in result.items()}
        return result

    # ---------------------------------------------------------------- backward
    def backward(self, d_out, d_state=None):
        r"""Backpropagation through time for the last :meth:`forward`.

        ``d_out`` is $\partial L/\partial\,\mathrm{out}$, shaped like ``out``; ``d_state``
        is ``(dh_n, dc_n)`` shaped like ``(h_n, c_n)``, or ``None``. Fills :attr:`grads`
        and returns ``(dx, (dh_0, dc_0))``. Per step, from $t = T$ down to 1:

        .. math::
            \delta o = \delta h \odot \psi(c_t), \qquad
            \delta c \mathrel{+}= \delta h \odot o \odot \psi'(c_t)

            \delta i = \delta c \odot g, \quad \delta g = \delta c \odot i, \quad
            \delta f = \delta c \odot c_{t-1}, \quad \delta c_{t-1} = \delta c \odot f

            \delta z^k = \delta k \odot \phi_k'(z^k) \ (k = i, f, g, o), \qquad
            \delta h_{t-1} = \delta z\, W_{hh}

        For ``output="article"`` the read-out $u_t$ depends on $f_t \odot c_{t-1}$
        instead of $c_t$, and its gradient $\delta u \odot (1 - u^2)\, W_u$ joins $\delta c$
        on the way to $f_t$ and $c_{t-1}$.
        """
        cache = _checks.require_cache(self._cache)
        x, gates, c, h, read = (cache[k] for k in ("x", "gates", "c", "h", "read"))
        T, B, D = x.shape
        H = self.hidden_size
        out_shape = (T, H) if cache["unbatched"] else (T, B, H)
        d_out = _checks.as_finite_array("d_out", d_out, self.dtype)
        _checks.check_shape("d_out", d_out, out_shape)
        d_out = d_out.reshape(T, B, H)
        dh_next, dc_next = self._state_grads(d_state, B, cache["unbatched"])
        p = self.params
        # phi'(z) of every gate at every step at once, from the stored outputs: (T, B, 4, H).
        d_gates = np.empty_like(gates)
        for n, name in enumerate(GATES):
            d_gates[:, :, n] = ACTIVATIONS[self.activations[name]][1](gates[:, :, n])
        if self.output != "article":
            d_read = ACTIVATIONS[self.output][1](read)  # psi'(c_t), (T, B, H)
        article = self.output == "article"
        if article:
            W_u = p["weight_u"]
            d_W_u, d_b_u = np.zeros_like(W_u), np.zeros_like(p["bias_u"])
        c_prev_all = np.concatenate([cache["c0"][None], c[:-1]])
        dz = np.empty((T, B, 4, H), self.dtype)
        for t in reversed(range(T)):
            i, f, g, o = gates[t, :, 0], gates[t, :, 1], gates[t, :, 2], gates[t, :, 3]
            c_prev = c_prev_all[t]
            dh = d_out[t] + dh_next
            if article:  # h = u * o, u = tanh(W_u (f * c_prev) + b_u): c_t is not read
                d_zu = dh * o * (1.0 - read[t] * read[t])
                d_W_u += d_zu.T @ (f * c_prev)
                d_b_u += d_zu.sum(axis=0)
                dc = dc_next
                d_forget = dc + d_zu @ W_u
            else:  # h = o * psi(c)
                dc = dc_next + dh * o * d_read[t]
                d_forget = dc
            dz[t, :, 0] = dc * g  # d i
            dz[t, :, 1] = d_forget * c_prev  # d f
            dz[t, :, 2] = dc * i  # d g
            dz[t, :, 3] = dh * read[t]  # d o
            dz[t] *= d_gates[t]  # through each gate's activation
            dc_next = d_forget * f
            dh_next = dz[t].reshape(B, 4 * H) @ p["weight_hh_l0"]
        h_prev_all = np.concatenate([cache["h0"][None], h[:-1]])
        dz_flat = dz.reshape(T * B, 4 * H)
        self.grads["weight_ih_l0"] = dz_flat.T @ x.reshape(T * B, D)
        self.grads["weight_hh_l0"] = dz_flat.T @ h_prev_all.reshape(T * B, H)
        self.grads["bias_ih_l0"] = dz_flat.sum(axis=0)
        self.grads["bias_hh_l0"] = self.grads["bias_ih_l0"].copy()
        if article:
            self.grads["weight_u"], self.grads["bias_u"] = d_W_u, d_b_u
        dx = (dz_flat @ p["weight_ih_l0"]).reshape(T, B, D)
        dh0, dc0 = dh_next[None], dc_next[None]
        if cache["unbatched"]:
            return dx[:, 0], (dh0[:, 0], dc0[:, 0])
        return dx, (dh0, dc0)

    def _state_grads(self, d_state, B, unbatched):
        H = self.hidden_size
        zeros = np.zeros((B, H), self.dtype)
        if d_state is None:
            return zeros, zeros
        if not isinstance(d_state, tuple | list) or len(d_state) != 2:
            raise TypeError("d_state must be a pair (dh_n, dc_n) or None")
        shape = (1, H) if unbatched else (1, B, H)
        grads = []
        for name, value in zip(("dh_n", "dc_n"), d_state, strict=True):
            if value is None:
                grads.append(zeros)
                continue
            value = _checks.as_finite_array(name, value, self.dtype)
            _checks.check_shape(name, value, shape)
            grads.append(value.reshape(B, H))
        return grads


def swap_gates(state_dict, first, second):
    r"""A copy of an LSTM ``state_dict`` with the weights of two gates exchanged.

    ``first`` and ``second`` are gate names (``"i"``, ``"f"``, ``"g"``, ``"o"``); the rows
    of ``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0`` and ``bias_hh_l0`` that belong
    to them (blocks of $H$ rows in the order i, f, g, o) trade places. Chapter 8 uses it
    to show that a cell with $i = \tanh(\cdot)$ and $g = \sigma(\cdot)$ is the standard
    cell with its two learn-network layers renamed.
    """
    for name in (first, second):
        _checks.check_one_of("gate name", name, GATES)
    weight = np.asarray(state_dict["weight_ih_l0"])
    H = weight.shape[0] // 4
    a = slice(GATES.index(first) * H, (GATES.index(first) + 1) * H)
    b = slice(GATES.index(second) * H, (GATES.index(second) + 1) * H)
    swapped = {name: np.array(value, copy=True) for name, value in state_dict.items()}
    for name in (f"{n}_l0" for n in PARAM_NAMES):
        original = np.asarray(state_dict[name])
        swapped[name][a], swapped[name][b] = original[b], original[a]
    return swapped
