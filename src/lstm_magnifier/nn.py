r"""The layers every model of the book is built from, behind one Module protocol.

The rules :class:`lstm_magnifier.lstm.LSTM` follows too: ``params`` hold PyTorch's names,
layouts and initial values, so a ``state_dict`` moves between the two as plain arrays;
``forward`` keeps its own copies of what ``backward`` needs; ``backward`` takes the gradient
of the output (a recurrent layer's ``(out, state)``), overwrites ``grads`` and returns the
gradient of the input; float64 unless float32 is asked for. Sequences are time-first: ``x``
is ``(T, B, D)``, or ``(T, D)`` for one sequence. :class:`Dense`, :class:`RNN` and
:class:`CausalConv1d` are the LSTM's neighbours in chapters 1, 3, 5 and 13;
:class:`SequenceModel` (a core, then a dense head) is the shape of every experiment.
"""

import numpy as np

from lstm_magnifier import _checks


def sigmoid(z):
    r"""$\sigma(z) = 1 / (1 + e^{-z})$, written as $\tfrac12 (1 + \tanh(z/2))$: never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


ACTIVATIONS = {  # name: (phi, phi' written with the output y = phi(z))
    "identity": (lambda z: z, np.ones_like),
    "tanh": (np.tanh, lambda y: 1.0 - y * y),
    "sigmoid": (sigmoid, lambda y: y * (1.0 - y)),
    "relu": (lambda z: np.maximum(z, 0), lambda y: (y > 0).astype(y.dtype)),
    "one": (np.ones_like, np.zeros_like),  # the constant 1: an LSTM gate that is always open
}
r"""Every activation a layer or a cell variant may use, as ``(phi, dphi)``: $\tanh' = 1 - y^2$,
$\sigma' = y(1 - y)$, $\mathrm{relu}' = [y > 0]$, identity $1$, ``"one"`` $0$."""

LAYER_ACTIVATIONS = (None, "tanh", "sigmoid", "relu")
"""What ``Dense`` and ``CausalConv1d`` accept as ``activation`` (``None``: no activation)."""


def activate(name, z):
    """Apply the activation ``name`` (``None`` is the identity) to ``z``."""
    return ACTIVATIONS[name or "identity"][0](z)


def activation_grad(name, y):
    """Derivative of activation ``name`` (``None``: identity), written with its *output* $y$."""
    return ACTIVATIONS[name or "identity"][1](y)


def init_uniform(rng, shape, bound, dtype):
    """``shape`` values from $U(-bound, bound)$ in ``dtype`` (PyTorch's default inits)."""
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


class Parameters(dict):
    """A layer's ``params``: names and shapes fixed when the layer is built.

    ``params[name] = value`` checks ``value`` (known name, the parameter's shape, real finite
    floats) and copies it *into* the existing array, so an optimizer, a ``SequenceModel`` or
    an ``LSTM.cell`` view holding that array sees the new values. Nothing can be added or
    removed.
    """

    def __setitem__(self, name, value):
        if name not in self:
            raise KeyError(f"{name!r} is not a parameter here; the parameters are {list(self)}")
        current = self[name]
        current[...] = _checks.check_parameter(name, value, current)

    def update(self, other=(), **more):
        for name, value in dict(other, **more).items():
            self[name] = value

    def __ior__(self, other):
        self.update(other)
        return self

    def setdefault(self, name, value=None):
        """``params[name]``; an unknown name raises KeyError as assignment does."""
        if name not in self:
            self[name] = value
        return self[name]

    def _cannot_remove(self, *args):
        raise TypeError("a layer's parameters cannot be removed; assign new values instead")

    __delitem__ = pop = popitem = clear = _cannot_remove

    def __reduce__(self):
        # copy and pickle rebuild it from a plain dict (the default refills it through
        # __setitem__, which refuses new names)
        return (type(self), (dict(self),))


class Module:
    """What every trainable layer shares: ``params``/``grads`` dicts and (de)serialisation."""

    params: dict
    grads: dict

    def state_dict(self):
        """Copies of all parameters, by PyTorch name."""
        return {name: p.copy() for name, p in self.params.items()}

    def load_state_dict(self, state_dict):
        """Copy parameters in place (optimizers keep working); keys and shapes must match.
        Values may be NumPy arrays or the PyTorch tensors of the matching ``torch.nn`` layer."""
        state_dict = {
            k: v.detach().cpu().numpy() if hasattr(v, "detach") else v
            for k, v in state_dict.items()
        }
        expected = {name: p.shape for name, p in self.params.items()}
        for name, value in _checks.check_state_dict(state_dict, expected, self.dtype).items():
            self.params[name][...] = value

    def num_parameters(self):
        """Total number of scalar parameters."""
        return count_parameters(self)

    def _init_grads(self):
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}

    def _init_params(self, rng, bound, **shapes):
        """``params`` drawn from $U(-bound, bound)$ in the order given, zero ``grads``."""
        rng = np.random.default_rng(rng)
        arrays = {
            name: init_uniform(rng, shape, bound, self.dtype) for name, shape in shapes.items()
        }
        self.params = Parameters(arrays)
        self._init_grads()
        self._cache = None


def count_parameters(module):
    """Number of scalar parameters of anything with a ``params`` dict of arrays."""
    if not hasattr(module, "params"):
        raise TypeError(f"expected a module with a .params dict, got {type(module).__name__}")
    return int(sum(np.size(p) for p in module.params.values()))


class Dense(Module):
    r"""A fully connected layer, like ``torch.nn.Linear`` plus an optional activation.

    .. math:: y = \phi(x W^\top + b)

    $\phi$ is ``activation``: None (the identity: logits), "tanh", "sigmoid" or "relu".
    ``params``: ``weight`` ``(out, in)`` and ``bias`` ``(out,)``, both drawn from
    $U(-1/\sqrt{in}, 1/\sqrt{in})$ as in PyTorch.
    """

    def __init__(self, in_features, out_features, *, activation=None, dtype=np.float64, rng=None):
        self.in_features = _checks.check_positive_int("in_features", in_features)
        self.out_features = _checks.check_positive_int("out_features", out_features)
        self.activation = _checks.check_one_of("activation", activation, LAYER_ACTIVATIONS)
        self.dtype = _checks.check_float_dtype("dtype", dtype)
        shape = (self.out_features, self.in_features)
        self._init_params(rng, 1.0 / np.sqrt(self.in_features), weight=shape, bias=shape[:1])

    def __repr__(self):
        act = f", activation={self.activation!r}" if self.activation else ""
        return f"Dense({self.in_features}, {self.out_features}{act})"

    def forward(self, x, *, train=False):
        """``x`` ``(..., in_features)`` -> ``y`` ``(..., out_features)``; ``train`` does nothing."""
        x = _checks.as_finite_array("x", x, self.dtype, copy=True)  # backward reads it
        if x.ndim == 0:
            raise ValueError("x must have at least 1 dimension (..., in_features), got a scalar")
        _checks.check_features("x", x, self.in_features, "in_features")
        y = activate(self.activation, x @ self.params["weight"].T + self.params["bias"])
        self._cache = (x, y)
        return y.copy()  # the caller's to change: backward reads the cached y

    def backward(self, dy):
        r"""``dy`` = $\partial L/\partial y$ -> ``dx``, with $\delta = dy \odot \phi'$:

        .. math::
            \partial L/\partial W = \delta^\top x, \quad
            \partial L/\partial b = \textstyle\sum \delta, \quad
            \partial L/\partial x = \delta W
        """
        x, y = _checks.require_cache(self._cache)
        dy = _checks.as_finite_array("dy", dy, self.dtype)
        _checks.check_shape("dy", dy, y.shape)
        delta = dy * activation_grad(self.activation, y)
        flat_delta = delta.reshape(-1, self.out_features)
        self.grads["weight"][...] = flat_delta.T @ x.reshape(-1, self.in_features)
        self.grads["bias"][...] = flat_delta.sum(axis=0)
        return delta @ self.params["weight"]


def _as_sequence(x, dtype, features, what, *, copy=False):
    """A checked time-first ``x`` as ``(T, B, D)``, and whether it came unbatched."""
    x = _checks.as_finite_array("x", x, dtype, ndim=(2, 3), copy=copy)
    _checks.check_features("x", x, features, what)
    _checks.check_time_steps("x", x)
    unbatched = x.ndim == 2
    return (x[:, None, :] if unbatched else x), unbatched


class RNN(Module):
    r"""A one-layer Elman RNN over a whole sequence, like ``torch.nn.RNN``.

    .. math:: h_t = \phi(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})

    One hidden state $h$ carries the past, with no separate memory $c$ and no gate: its
    gradients fade over long lags (chapter 13). ``params``, from $U(\pm 1/\sqrt{H})$:
    ``weight_ih_l0`` ``(H, D)``, ``weight_hh_l0`` ``(H, H)``, both biases ``(H,)``.
    """

    def __init__(self, input_size, hidden_size, *, nonlinearity="tanh", dtype=np.float64, rng=None):
        self.input_size = _checks.check_positive_int("input_size", input_size)
        self.hidden_size = _checks.check_positive_int("hidden_size", hidden_size)
        self.nonlinearity = _checks.check_one_of("nonlinearity", nonlinearity, ("tanh", "relu"))
        self.dtype = _checks.check_float_dtype("dtype", dtype)
        H, D = self.hidden_size, self.input_size
        shapes = dict(weight_ih_l0=(H, D), weight_hh_l0=(H, H), bias_ih_l0=(H,), bias_hh_l0=(H,))
        self._init_params(rng, 1.0 / np.sqrt(H), **shapes)

    def __repr__(self):
        return f"RNN({self.input_size}, {self.hidden_size}, nonlinearity={self.nonlinearity!r})"

    def forward(self, x, state=None, *, train=False):
        r"""``x`` ``(T, B, D)`` from ``state`` = $h_0$ ``(1, B, H)`` (``None``: zeros) ->
        ``(out, h_n)``: $h_1 \dots h_T$ ``(T, B, H)`` and $h_T$ ``(1, B, H)``.

        Unbatched: ``x`` ``(T, D)``, ``h_0`` and ``h_n`` ``(1, H)``, ``out`` ``(T, H)``.
        ``train`` changes nothing (one layer has no dropout).
        """
        x, unbatched = _as_sequence(x, self.dtype, self.input_size, "input_size", copy=True)
        T, B, _ = x.shape
        p = self.params
        h = np.empty((T + 1, B, self.hidden_size), self.dtype)  # h[0] = h_0, h[t + 1] = h_t
        h[0] = self._initial_state(state, B, unbatched)
        # The input half of every step in one matrix product, out of the time loop.
        z_x = x @ p["weight_ih_l0"].T + (p["bias_ih_l0"] + p["bias_hh_l0"])
        W_hh_T = p["weight_hh_l0"].T
        for t in range(T):
            h[t + 1] = activate(self.nonlinearity, z_x[t] + h[t] @ W_hh_T)
        self._cache = (x, h, unbatched)
        out, h_n = h[1:].copy(), h[-1:].copy()  # the caller's to change: backward reads h
        return (out[:, 0], h_n[:, 0]) if unbatched else (out, h_n)

    def _initial_state(self, state, B, unbatched):
        if state is None:
            return np.zeros((B, self.hidden_size), self.dtype)
        h0 = _checks.as_finite_array("h_0", state, self.dtype)
        shape = (1, self.hidden_size) if unbatched else (1, B, self.hidden_size)
        _checks.check_shape("h_0", h0, shape)
        return h0[0] if not unbatched else h0

    def backward(self, d_out, d_state=None):
        r"""Backpropagation through time: ``d_out`` (like ``out``) and ``d_state`` (like
        ``h_n``, or ``None``) -> ``(dx, dh_0)``. Going back in time,

        .. math::
            \delta_t = (\partial L/\partial h_t + W_{hh}^\top \delta_{t+1}) \odot \phi'_t

        then $\partial L/\partial W_{ih} = \sum_t \delta_t^\top x_t$,
        $\partial L/\partial W_{hh} = \sum_t \delta_t^\top h_{t-1}$,
        $\partial L/\partial b = \sum_t \delta_t$, $\partial L/\partial x_t = \delta_t W_{ih}$.
        """
        x, h, unbatched = _checks.require_cache(self._cache)
        T, B, D = x.shape
        H = self.hidden_size
        out_shape = (T, H) if unbatched else (T, B, H)
        d_out = _checks.as_finite_array("d_out", d_out, self.dtype)
        _checks.check_shape("d_out", d_out, out_shape)
        d_out = d_out.reshape(T, B, H)
        dh = np.zeros((B, H), self.dtype)
        if d_state is not None:
            d_state = _checks.as_finite_array("d_state", d_state, self.dtype)
            _checks.check_shape("d_state", d_state, (1,) + out_shape[1:])
            dh += d_state.reshape(B, H)
        W_hh = self.params["weight_hh_l0"]
        delta = np.empty((T, B, H), self.dtype)
        for t in reversed(range(T)):
            delta[t] = (dh + d_out[t]) * activation_grad(self.nonlinearity, h[t + 1])
            dh = delta[t] @ W_hh
        flat = delta.reshape(T * B, H)
        self.grads["weight_ih_l0"][...] = flat.T @ x.reshape(T * B, D)
        self.grads["weight_hh_l0"][...] = flat.T @ h[:-1].reshape(T * B, H)
        self.grads["bias_ih_l0"][...] = flat.sum(axis=0)
        self.grads["bias_hh_l0"][...] = self.grads["bias_ih_l0"]
        dx = delta @ self.params["weight_ih_l0"]
        return (dx[:, 0], dh) if unbatched else (dx, dh[None])


class CausalConv1d(Module):
    r"""A 1-D convolution over time that only looks back ``kernel_size`` steps (chapter 5).

    .. math::
        y_t = \phi\Big(b + \sum_{j=0}^{k-1} W_{:,:,j}\, x_{t-k+1+j}\Big),
        \qquad x_s = 0 \text{ for } s < 0

    Step $t$ sees $x_{t-k+1} \dots x_t$ and no state passes between windows; with
    ``kernel_size=1`` it is a feed-forward network applied to each step (chapter 3).
    ``params``: ``weight`` ``(out, in, k)`` and ``bias`` ``(out,)``, the layout and init,
    $U(\pm 1/\sqrt{in \cdot k})$, of ``torch.nn.Conv1d`` on input padded by ``k - 1`` zeros.
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        *,
        activation="tanh",
        dtype=np.float64,
        rng=None,
    ):
        self.in_channels = _checks.check_positive_int("in_channels", in_channels)
        self.out_channels = _checks.check_positive_int("out_channels", out_channels)
        self.kernel_size = _checks.check_positive_int("kernel_size", kernel_size)
        self.activation = _checks.check_one_of("activation", activation, LAYER_ACTIVATIONS)
        self.dtype = _checks.check_float_dtype("dtype", dtype)
        shape = (self.out_channels, self.in_channels, self.kernel_size)
        bound = 1.0 / np.sqrt(self.in_channels * self.kernel_size)
        self._init_params(rng, bound, weight=shape, bias=shape[:1])

    def __repr__(self):
        act = f", activation={self.activation!r}" if self.activation != "tanh" else ""
        return (
            f"CausalConv1d({self.in_channels}, {self.out_channels}, "
            f"kernel_size={self.kernel_size}{act})"
        )

    @property
    def receptive_field(self):
        """How many steps of input each output sees: ``kernel_size``."""
        return self.kernel_size

    def forward(self, x, *, train=False):
        """``x`` ``(T, B, D)`` or ``(T, D)`` -> ``y`` ``(T, B, out)`` or ``(T, out)``."""
        x, unbatched = _as_sequence(x, self.dtype, self.in_channels, "in_channels")
        T, B, D = x.shape
        k = self.kernel_size
        x_pad = np.concatenate([np.zeros((k - 1, B, D), self.dtype), x])  # a new array
        W = self.params["weight"]
        z = np.broadcast_to(self.params["bias"], (T, B, self.out_channels)).copy()
        for j in range(k):  # tap j looks k - 1 - j steps back
            z += x_pad[j : j + T] @ W[:, :, j].T
        y = activate(self.activation, z)
        self._cache = (x_pad, y, unbatched)
        y = y.copy()  # the caller's to change: backward reads the cached y
        return y[:, 0] if unbatched else y

    def backward(self, dy):
        r"""``dy`` (like ``y``) -> ``dx`` (like ``x``). With $\delta = dy \odot \phi'$:
        $\partial L/\partial W_{:,:,j} = \sum_t \delta_t^\top x_{t-k+1+j}$,
        $\partial L/\partial b = \sum_t \delta_t$ and
        $\partial L/\partial x_s = \sum_j \delta_{s+k-1-j} W_{:,:,j}$.
        """
        x_pad, y, unbatched = _checks.require_cache(self._cache)
        T, B, _ = y.shape
        D, k, C = self.in_channels, self.kernel_size, self.out_channels
        dy = _checks.as_finite_array("dy", dy, self.dtype)
        _checks.check_shape("dy", dy, (T, C) if unbatched else (T, B, C))
        delta = dy.reshape(T, B, C) * activation_grad(self.activation, y)
        flat = delta.reshape(T * B, C)
        W = self.params["weight"]
        dx_pad = np.zeros_like(x_pad)
        for j in range(k):
            self.grads["weight"][:, :, j] = flat.T @ x_pad[j : j + T].reshape(T * B, D)
            dx_pad[j : j + T] += delta @ W[:, :, j]
        self.grads["bias"][...] = flat.sum(axis=0)
        dx = dx_pad[k - 1 :]
        return dx[:, 0] if unbatched else dx


class SequenceModel(Module):
    r"""``core`` (an LSTM, RNN or CausalConv1d) over the sequence, then ``head`` (a Dense
    layer from the core's $H$ features to $K$ logits) on its output.

    Swapping only the core is how chapters 3 to 5 compare the three fairly.
    ``readout="last"``: $z = \mathrm{head}(h_T)$ ``(B, K)``, one label per sequence;
    ``readout="all"``: $z_t = \mathrm{head}(h_t)$ ``(T, B, K)``. ``params`` and ``grads``
    join the layers' own arrays as ``core.<name>`` and ``head.<name>``.
    """

    def __init__(self, core, head, *, readout="last"):
        for name, part in (("core", core), ("head", head)):
            if not all(hasattr(part, a) for a in ("params", "grads", "forward", "backward")):
                raise TypeError(
                    f"{name} must be a layer with params, grads, forward and backward, "
                    f"got {type(part).__name__}"
                )
        in_features = getattr(head, "in_features", None)
        for attribute in ("hidden_size", "out_channels"):  # the core's features per step
            size = getattr(core, attribute, None)
            if size is not None and in_features is not None and size != in_features:
                raise ValueError(
                    f"head must read {size} features (the core's {attribute}), "
                    f"got a head with in_features={in_features}"
                )
        core_dtype, head_dtype = getattr(core, "dtype", None), getattr(head, "dtype", None)
        if core_dtype != head_dtype:
            raise ValueError(f"core and head must share a dtype, got {core_dtype} and {head_dtype}")
        self.core, self.head = core, head
        self.readout = _checks.check_one_of("readout", readout, ("last", "all"))
        self.dtype = core_dtype
        self._cache = None

    def __repr__(self):
        return f"SequenceModel(core={self.core!r}, head={self.head!r}, readout={self.readout!r})"

    @property
    def params(self):
        """``{"core.<name>": array, "head.<name>": array}``, the layers' live arrays."""
        return Parameters(self._joined("params"))

    @property
    def grads(self):
        return self._joined("grads")

    def _joined(self, attribute):
        joined = {f"core.{k}": v for k, v in getattr(self.core, attribute).items()}
        joined.update({f"head.{k}": v for k, v in getattr(self.head, attribute).items()})
        return joined

    def forward(self, x, *, train=False):
        """``x`` ``(T, B, D)`` or ``(T, D)`` -> logits ``(B, K)`` or ``(T, B, K)`` (see
        ``readout``; unbatched without ``B``). ``train`` switches the core's dropout on."""
        out = self.core.forward(x, train=train)
        if isinstance(out, tuple):  # recurrent cores also return their final state
            out = out[0]
        features = out[-1] if self.readout == "last" else out
        self._cache = out.shape
        return self.head.forward(features)

    def backward(self, d_logits):
        """Gradient of the loss w.r.t. the logits -> ``dx``; fills :attr:`grads`."""
        out_shape = _checks.require_cache(self._cache)
        d_features = self.head.backward(d_logits)
        if self.readout == "last":
            d_out = np.zeros(out_shape, self.dtype)
            d_out[-1] = d_features
        else:
            d_out = d_features
        dx = self.core.backward(d_out)
        return dx[0] if isinstance(dx, tuple) else dx
