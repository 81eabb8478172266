r"""A multi-layer LSTM over whole sequences: a loop over the one cell step, both ways.

Each layer runs :func:`~lstm_magnifier.cell.step` at every time step and keeps the traces;
:meth:`LSTM.backward` runs :func:`~lstm_magnifier.cell.step_backward` over them in reverse
(backpropagation through time, chapter 13). One fusion, for speed: the input's share
$W_{ih} x_t + b$ of all steps is one matrix product before the loop. Weights have
``torch.nn.LSTM``'s names, shapes and gate order, so a ``state_dict`` moves between the two.
"""

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.cell import (
    CELL_ACTIVATIONS,
    PARAM_NAMES,
    STANDARD,
    LSTMCell,
    Trace,
    Variant,
    init_lstm_weights,
    step,
    step_backward,
    weight_gradients,
)
from lstm_magnifier.nn import Module, Parameters, init_uniform

PEEPHOLES = ("weight_ci", "weight_cf", "weight_co")
"""The peephole weights' names (chapter 16): $w_{ci}, w_{cf}$ read $c_{t-1}$, $w_{co}$ $c_t$."""


class LSTM(Module):
    r"""A stack of ``num_layers`` LSTM layers like ``torch.nn.LSTM`` (sequence first), the
    first reading $D$ = ``input_size`` features, each $H$ = ``hidden_size`` units.

    ``dropout`` in [0, 1): inverted dropout between layers in ``forward(train=True)``.
    ``forget_bias`` is added to every forget gate's bias (chapter 9). Variants (chapters 8,
    11; :class:`~lstm_magnifier.cell.Variant`): ``gate`` for $i, f, o$ (a name, or a dict such
    as ``{"i": "one"}``), ``candidate`` for $g$, ``output`` for $\psi$ in $h = o \odot \psi(c)$
    or ``"article"``, ``use_reads="forget"`` to read $f \odot c_{t-1}$. Chapter 16:
    ``coupled=True`` sets $i = 1 - f$, ``peepholes=True`` lets $i, f$ read $c_{t-1}$ and $o$
    read $c_t$, ``chrono`` $T$ draws the forget biases for lags up to about $T$ steps. ``rng``
    draws the weights (PyTorch's $U(\pm 1/\sqrt{H})$) and dropout masks. ``params`` (and
    ``grads``): ``weight_ih_l{k}`` ``(4H, D_k)``, ``weight_hh_l{k}`` ``(4H, H)``,
    ``bias_ih_l{k}``, ``bias_hh_l{k}`` ``(4H,)``, ``weight_u_l{k}``, ``bias_u_l{k}`` for
    ``"article"``, and the peepholes ``weight_ci_l{k}``, ``weight_cf_l{k}``, ``weight_co_l{k}``
    ``(H,)``, starting at 0 (the cell starts as the standard one).
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        *,
        dropout=0.0,
        forget_bias=0.0,
        gate="sigmoid",
        candidate="tanh",
        output="tanh",
        use_reads=None,
        coupled=False,
        peepholes=False,
        chrono=None,
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
        arguments = _checks.variant_arguments(gate, candidate, output, CELL_ACTIVATIONS)
        self.variant = Variant(**arguments, use_reads=use_reads, coupled=coupled)
        self.peepholes = _checks.check_one_of("peepholes", peepholes, (False, True))
        if chrono is not None and (
            _checks.check_positive_float("chrono", chrono) <= 2 or forget_bias
        ):
            raise ValueError(
                f"chrono is the longest lag T > 2 and sets the forget bias itself (leave "
                f"forget_bias at 0), got chrono={chrono}, forget_bias={forget_bias}"
            )
        self.rng = np.random.default_rng(rng)
        params, H = {}, hidden_size
        for k in range(self.num_layers):
            d_in = input_size if k == 0 else H
            weights = init_lstm_weights(self.rng, d_in, H, forget_bias, self.dtype, chrono)
            params.update({f"{n}_l{k}": w for n, w in zip(PARAM_NAMES, weights, strict=True)})
        for k in range(self.num_layers if output == "article" else 0):  # drawn after the rest
            params[f"weight_u_l{k}"] = init_uniform(self.rng, (H, H), 1 / np.sqrt(H), self.dtype)
            params[f"bias_u_l{k}"] = init_uniform(self.rng, (H,), 1 / np.sqrt(H), self.dtype)
        for k in range(self.num_layers if self.peepholes else 0):
            params.update({f"{name}_l{k}": np.zeros(H, self.dtype) for name in PEEPHOLES})
        self.params = Parameters(params)
        self._init_grads()
        self._cache = None

    def cell(self, layer=0):
        """An :class:`~lstm_magnifier.cell.LSTMCell` sharing layer ``layer``'s weights (no copy);
        only for the standard cell, which is all an ``LSTMCell`` computes."""
        self._check_layer(layer)
        if self.variant != STANDARD or self.peepholes:
            raise ValueError(
                f"cell() gives a standard LSTMCell; this LSTM has variant={self.variant!r}"
                f" and peepholes={self.peepholes}, which the cell would silently drop"
            )
        d_in = self.input_size if layer == 0 else self.hidden_size
        cell = LSTMCell(d_in, self.hidden_size, dtype=self.dtype, rng=0)
        cell.params = Parameters({name: self.params[f"{name}_l{layer}"] for name in PARAM_NAMES})
        return cell

    def _layer(self, k):
        """Layer ``k``'s weights as the keyword arguments of ``step`` and ``step_backward``."""
        p, article = self.params, self.variant.read == "article"
        use = (p[f"weight_u_l{k}"], p[f"bias_u_l{k}"]) if article else None
        peep = tuple(p[f"{name}_l{k}"] for name in PEEPHOLES) if self.peepholes else None
        w = {"weight_ih": p[f"weight_ih_l{k}"], "weight_hh": p[f"weight_hh_l{k}"]}
        return {**w, "variant": self.variant, "use_layer": use, "peepholes": peep}

    def forward(self, x, state=None, *, train=False):
        """Run the sequence ``x`` ``(T, B, D)`` (or ``(T, D)`` unbatched) from ``state``.

        ``state`` is ``(h_0, c_0)``, each ``(num_layers, B, H)``, or ``None`` for zeros.
        Returns ``out`` ``(T, B, H)``, the top layer's $h_t$ at every step, and
        ``(h_n, c_n)``, each ``(num_layers, B, H)``: every layer's last memories.
        """
        x = _checks.as_finite_array("x", x, self.dtype, ndim=(2, 3), copy=True)
        _checks.check_features("x", x, self.input_size, "input_size")
        _checks.check_time_steps("x", x)
        unbatched = x.ndim == 2
        x = x[:, None, :] if unbatched else x
        h0, c0 = self._state("state", ("h_0", "c_0"), state, x.shape[1], unbatched)
        layers, masks = [], []
        for k in range(self.num_layers):
            w = self._layer(k)
            bias = self.params[f"bias_ih_l{k}"] + self.params[f"bias_hh_l{k}"]
            z_x = x @ w["weight_ih"].T + bias  # the one fusion: every step's input at once
            traces, h, c = [], h0[k], c0[k]
            for t in range(len(x)):
                traces.append(step(x[t], h, c, **w, bias=bias, z_x=z_x[t]))
                h, c = traces[-1].state
            out = np.stack([trace.h for trace in traces])  # (T, B, H), the next layer's input
            c = np.stack([trace.c for trace in traces]) if self.peepholes else None
            layers.append({"traces": traces, "x": x, "h": out, "h0": h0[k], "c": c})
            x = out
            masks.append(None)
            if train and self.dropout > 0 and k < self.num_layers - 1:
                keep = 1.0 - self.dropout
                masks[-1] = (self.rng.random(x.shape) < keep).astype(self.dtype) / keep
                x = x * masks[-1]
        self._cache = {"layers": layers, "masks": masks, "unbatched": unbatched}
        h_n = np.stack([layer["h"][-1] for layer in layers])
        c_n = np.stack([layer["traces"][-1].c for layer in layers])
        out = out.copy()  # the caller's to change: backward reads the cached one
        if unbatched:
            return out[:, 0], (h_n[:, 0], c_n[:, 0])
        return out, (h_n, c_n)

    def _check_layer(self, layer):
        if not 0 <= layer < self.num_layers:
            raise ValueError(f"layer must be in [0, {self.num_layers}), got {layer}")

    def _state(self, argument, names, state, B, unbatched):
        """A checked pair such as ``(h_0, c_0)``, each ``(num_layers, B, H)`` (zeros if None)."""
        shape = (self.num_layers, B, self.hidden_size)
        given = shape[::2] if unbatched else shape
        return _checks.state_pair(argument, names, state, given, self.dtype, stored_shape=shape)

    def trace(self, layer=0):
        """The :class:`~lstm_magnifier.cell.Trace` of layer ``layer`` in the last forward pass,
        every field ``(T, B, H)`` (``(T, H)`` unbatched): copies, safe to change."""
        cache = _checks.require_cache(self._cache)
        self._check_layer(layer)
        trace = Trace.stack(cache["layers"][layer]["traces"])
        return trace.at((slice(None), 0)) if cache["unbatched"] else trace

    def backward(self, d_out, d_state=None):
        r"""Backpropagation through time for the last :meth:`forward` (chapter 13).

        ``d_out`` is $\partial L / \partial\,\mathrm{out}$, shaped like ``out``; ``d_state``
        is ``(dh_n, dc_n)`` shaped like ``(h_n, c_n)``, or ``None`` for zeros. Fills
        ``grads`` (overwriting) and returns ``(dx, (dh_0, dc_0))``. Going back from
        $t = T$, each step receives $\delta h_t$ (its loss plus step $t+1$'s share) and
        $\delta c_t$; weights are shared by all steps, so their gradients add up.
        """
        cache = _checks.require_cache(self._cache)
        layers, unbatched = cache["layers"], cache["unbatched"]
        (T, B, _), H = layers[0]["x"].shape, self.hidden_size
        d_out = _checks.as_finite_array("d_out", d_out, self.dtype)
        _checks.check_shape("d_out", d_out, (T, H) if unbatched else (T, B, H))
        dh_n, dc_n = self._state("d_state", ("dh_n", "dc_n"), d_state, B, unbatched)
        grad = d_out.reshape(T, B, H)
        dh0, dc0 = np.empty((2, self.num_layers, B, H), self.dtype)
        for k in reversed(range(self.num_layers)):
            if cache["masks"][k] is not None:
                grad = grad * cache["masks"][k]
            grad, dh0[k], dc0[k] = self._backward_layer(k, layers[k], grad, dh_n[k], dc_n[k])
        if unbatched:
            return grad[:, 0], (dh0[:, 0], dc0[:, 0])
        return grad, (dh0, dc0)

    def _backward_layer(self, k, layer, d_h, dh, dc):
        """Reverse layer ``k``'s time loop; writes its ``grads``, returns ``(dx, dh_0, dc_0)``."""
        w, traces = self._layer(k), layer["traces"]
        steps = [None] * len(traces)
        for t in reversed(range(len(traces))):
            steps[t] = step_backward(traces[t], d_h[t] + dh, dc, **{**w, "weight_ih": None})
            dh, dc = steps[t]["dh_prev"], steps[t]["dc_prev"]
        # the input's and the weights' gradients need no loop: one product for all steps
        dz = np.stack([s["dz"] for s in steps])
        dx = dz @ w["weight_ih"]
        h_prev = np.concatenate([layer["h0"][None], layer["h"][:-1]])
        use = {}
        if w["use_layer"] is not None:  # W_u's gradient needs what it read: c or forget
            memory = np.stack([getattr(t, self.variant.use_reads) for t in traces])
            use = {"dz_u": np.stack([s["dz_u"] for s in steps]), "memory": memory}
        if self.peepholes:  # their gradients need the memories they read
            use.update(c_prev=np.stack([t.c_prev for t in traces]), c=layer["c"])
        grads = weight_gradients(dz, layer["x"], h_prev, **use)
        bias = grads.pop("bias")
        grads.update(bias_ih=bias, bias_hh=bias.copy())
        self.grads.update({f"{name}_l{k}": value for name, value in grads.items()})
        return dx, dh, dc
