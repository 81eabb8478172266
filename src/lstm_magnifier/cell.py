r"""One LSTM cell, one time step: the four networks, forward (:func:`step`) and backward.

:func:`preactivations` computes every gate's layer on $[x_t, h_{t-1}]$ at once,
$z = W_{ih} x_t + W_{hh} h_{t-1} + b$, split into $z^i, z^f, z^g, z^o$ (PyTorch's order).
The networks work on those: **learn** (chapter 8) $i \odot g$, **forget** (chapter 9)
$f \odot c_{t-1}$, **remember** (chapter 10) $c_t = \text{forget} + \text{learn}$, **use**
(chapter 11) $h_t = o \odot \tanh(c_t)$. The LSTM of every chapter, the variants, the
explorers and the probes all run :func:`step` and :func:`step_backward`. Shapes: ``x`` ``(B, D)``,
memories and gates ``(B, H)``, ``weight_ih`` ``(4H, D)``, ``weight_hh`` ``(4H, H)``.
"""

from dataclasses import dataclass, fields

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.nn import ACTIVATIONS, Module, Parameters, init_uniform
from lstm_magnifier.nn import sigmoid as sigmoid  # the gates' squash, for the chapters

GATES = ("i", "f", "g", "o")
"""Gate order of the stacked weights (PyTorch's): input, forget, candidate, output."""

CELL_ACTIVATIONS = ("sigmoid", "tanh", "identity", "one")
"""What a variant may put in a gate (chapters 8 and 11); ``"one"`` removes the gate."""


@dataclass(frozen=True)
class Variant:
    r"""Each part's activation (defaults: the standard LSTM): gates ``i``, ``f``, ``o`` and
    candidate ``g``; ``read`` is $\psi$ in $h_t = o_t \odot \psi(m_t)$ and ``use_reads`` the
    memory $m_t$ it reads, ``"c"`` ($c_t$) or ``"forget"`` ($f_t \odot c_{t-1}$), chapter 11.
    ``read="article"``: the article's use network $\tanh(W_u m_t + b_u) \odot o_t$, reading
    ``"forget"`` unless told; :func:`step` then needs ``use_layer = (W_u (H, H), b_u (H,))``.
    ``coupled=True``: the input gate is $i = 1 - f$ (CIFG, chapter 16), ``i`` left at sigmoid.
    """

    i: str = "sigmoid"
    f: str = "sigmoid"
    g: str = "tanh"
    o: str = "sigmoid"
    read: str = "tanh"
    use_reads: str | None = None
    coupled: bool = False

    def __post_init__(self):
        for name in GATES:
            _checks.check_one_of(name, getattr(self, name), CELL_ACTIVATIONS)
        _checks.check_one_of("read", self.read, (*CELL_ACTIVATIONS, "article"))
        if self.use_reads is None:  # frozen: the default is filled in once, here
            object.__setattr__(self, "use_reads", "forget" if self.read == "article" else "c")
        _checks.check_one_of("use_reads", self.use_reads, ("c", "forget"))
        _checks.check_one_of("coupled", self.coupled, (False, True))
        if self.coupled and self.i != "sigmoid":
            raise ValueError(
                f"coupled gates set i = 1 - f, so i must stay 'sigmoid', got {self.i!r}"
            )


STANDARD = Variant()
GIVEN = Variant(i="identity", f="identity", g="identity", o="identity")
"""The gates' values given directly instead of computed (the explorers, chapter 10's carousel)."""


@dataclass
class Trace:
    """Everything one step computed: the backward cache, what diagrams and explorers show.

    Fields ``(B, H)`` (``x``: ``(B, D)``), with a leading time axis for a sequence
    (:meth:`stack`, ``LSTM.trace``); ``read`` is what $o$ multiplies: $\\tanh(c_t)$ by default.
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
    read: np.ndarray
    h: np.ndarray

    @property
    def state(self):
        """What the next step reads: ``(h, c)``."""
        return self.h, self.c

    @classmethod
    def stack(cls, traces):
        """One trace of a sequence from the traces of its steps: every field gains axis 0."""
        return cls(*(np.stack([getattr(t, k.name) for t in traces]) for k in fields(cls)))

    def at(self, index):
        """The trace of one step (or batch item) of a stacked trace: every field indexed."""
        return type(self)(*(getattr(self, k.name)[index] for k in fields(self)))


# ------------------------------------------------------------------ the four networks
def learn_network(z_i, z_g, variant=STANDARD):
    r"""Learn (chapter 8): $i = \sigma(z^i)$ ignores, $g = \tanh(z^g)$ combines; ``(i*g, i, g)``."""
    i = ACTIVATIONS[variant.i][0](z_i)
    g = ACTIVATIONS[variant.g][0](z_g)
    return i * g, i, g


def forget_network(c_prev, z_f, variant=STANDARD):
    r"""Forget (chapter 9): $f = \sigma(z^f)$ keeps a share of $c_{t-1}$: ``(f * c_prev, f)``."""
    f = ACTIVATIONS[variant.f][0](z_f)
    return f * c_prev, f


def coupled_learn_network(f, z_g, variant=STANDARD):
    r"""Learn with coupled gates (CIFG, chapter 16): $i = 1 - f$, the cell writes the share it
    forgot, $(1 - f) \odot g$; the input gate's own layer $z^i$ goes unused. ``(i*g, i, g)``."""
    i = 1.0 - f
    g = ACTIVATIONS[variant.g][0](z_g)
    return i * g, i, g


def remember_network(forget, learn):
    r"""Remember (chapter 10): $c_t = \text{forget} + \text{learn}$. It has no weights."""
    return forget + learn


def use_network(c, z_o, variant=STANDARD):
    r"""Use (chapter 11): $o = \sigma(z^o)$ shows a share of $\tanh(c_t)$: ``(h, o, tanh(c))``."""
    o = ACTIVATIONS[variant.o][0](z_o)
    read = ACTIVATIONS[variant.read][0](c)
    return o * read, o, read


def use_network_article(forget, z_o, use_layer, variant=STANDARD):
    r"""The article's use network (chapter 11): $u = \tanh(W_u\,\text{forget} + b_u)$, a learned
    layer on the forget network's output instead of $\tanh(c_t)$; returns ``(u * o, o, u)``."""
    W_u, b_u = use_layer
    o = ACTIVATIONS[variant.o][0](z_o)
    u = np.tanh(forget @ W_u.T + b_u)
    return u * o, o, u


# ------------------------------------------------------------------ one step, both ways
def preactivations(x, h_prev, weight_ih, weight_hh, bias, z_x=None):
    r"""Every gate's layer before its activation, $z = W_{ih} x_t + W_{hh} h_{t-1} + b$, split
    into ``(z_i, z_f, z_g, z_o)``. ``z_x``, if given, is $W_{ih} x_t + b$ computed beforehand."""
    z = (x @ weight_ih.T + bias if z_x is None else z_x) + h_prev @ weight_hh.T
    H = z.shape[-1] // 4
    return z[..., :H], z[..., H : 2 * H], z[..., 2 * H : 3 * H], z[..., 3 * H :]


def step(
    x, h_prev, c_prev, weight_ih, weight_hh, bias, *, variant=STANDARD, use_layer=None,
    peepholes=None, z_x=None,
):  # fmt: skip
    r"""One time step, the four networks wired together: a :class:`Trace`. ``bias`` is
    ``bias_ih + bias_hh``; ``z_x`` as in :func:`preactivations` (the LSTM hoists it);
    ``peepholes`` $(w_{ci}, w_{cf}, w_{co})$, each ``(H,)``, let the gates read the memory."""
    z_i, z_f, z_g, z_o = preactivations(x, h_prev, weight_ih, weight_hh, bias, z_x)
    if peepholes is not None:  # peepholes: i and f read c_{t-1} too, one weight per unit
        z_i, z_f = z_i + peepholes[0] * c_prev, z_f + peepholes[1] * c_prev
    forget, f = forget_network(c_prev, z_f, variant)
    if variant.coupled:  # coupled gates: the learn network writes the share forget let go
        learn, i, g = coupled_learn_network(f, z_g, variant)
    else:
        learn, i, g = learn_network(z_i, z_g, variant)
    c = remember_network(forget, learn)
    if peepholes is not None:  # peepholes: o reads the new memory c_t
        z_o = z_o + peepholes[2] * c
    memory = c if variant.use_reads == "c" else forget  # what the use network reads
    if variant.read == "article":
        if use_layer is None:
            raise ValueError("the article's use network needs use_layer = (W_u, b_u)")
        h, o, read = use_network_article(memory, z_o, use_layer, variant)
    else:
        h, o, read = use_network(memory, z_o, variant)
    return Trace(x, h_prev, c_prev, i, f, g, o, learn, forget, c, read, h)


def step_backward(
    trace, dh, dc, weight_ih, weight_hh, *, variant=STANDARD, use_layer=None, peepholes=None
):
    r"""Backward pass of one :func:`step` from its trace, given ``dh`` $= \partial L/\partial h_t$
    (this step's loss plus step $t+1$'s share) and ``dc`` $= \partial L/\partial c_t$ from $t+1$.

    Returns a dict: ``dz`` ``(B, 4H)`` (gates i, f, g, o before activation), ``dx`` (unless
    ``weight_ih`` is None), ``dh_prev``, ``dc_prev`` (for step $t-1$), ``dz_u`` (article's use).
    """
    i, f, g, o, read, c_prev = trace.i, trace.f, trace.g, trace.o, trace.read, trace.c_prev
    grads = {}
    # use network, h = o * read: back to o, and to the memory it read (c, or forget)
    do = dh * read
    d_act = {k: ACTIVATIONS[getattr(variant, k)][1] for k in GATES}
    dz_o = do * d_act["o"](o)
    if peepholes is not None:  # o read c_t through w_co
        dc = dc + dz_o * peepholes[2]
    if variant.read == "article":  # read = u = tanh(W_u memory + b_u)
        grads["dz_u"] = dz_u = dh * o * (1.0 - read * read)
        d_memory = dz_u @ use_layer[0]
    else:  # read = psi(memory): the memory gains dh * o * psi'(memory)
        d_memory = dh * o * ACTIVATIONS[variant.read][1](read)
    # remember network, c = forget + learn: dc flows to both unchanged, after taking in
    # the use network's share if it read c; if it read forget, the share goes there alone
    if variant.use_reads == "c":
        dc = dc + d_memory
        d_forget = dc
    else:
        d_forget = dc + d_memory
    # forget network, forget = f * c_prev
    df = d_forget * c_prev
    # learn network, learn = i * g
    di, dg = dc * g, dc * i
    if variant.coupled:  # i = 1 - f: i's share reaches f with a minus sign, z_i none
        df, di = df - di, np.zeros_like(di)
    # back through each gate's activation: dz = d(gate) * phi'(z), phi' from the output
    dz_i, dz_f = di * d_act["i"](i), df * d_act["f"](f)
    dz = np.concatenate([dz_i, dz_f, dg * d_act["g"](g), dz_o], axis=-1)
    grads["dc_prev"] = d_forget * f
    if peepholes is not None:  # i and f read c_{t-1} through w_ci and w_cf
        grads["dc_prev"] += dz_i * peepholes[0] + dz_f * peepholes[1]
    # the layer z = W_ih x + W_hh h_prev + b: back to its two inputs
    grads.update(dz=dz, dh_prev=dz @ weight_hh)
    if weight_ih is not None:  # None: the caller finds dx itself (the LSTM, for all steps)
        grads["dx"] = dz @ weight_ih
    return grads


def weight_gradients(dz, x, h_prev, *, dz_u=None, memory=None, c_prev=None, c=None):
    r"""The weights' gradients from ``dz`` and the step's inputs ``x``, ``h_prev``:
    $\partial L/\partial W_{ih} = \delta z^\top x$, $\partial L/\partial W_{hh} = \delta z^\top
    h_{t-1}$, $\partial L/\partial b = \sum \delta z$ (and $W_u$, $b_u$ from ``dz_u`` and the
    ``memory`` the article's use layer read; the peepholes' from the memories ``c_prev`` and
    ``c``). Every step shares the weights, so given ``(T, B, ...)`` arrays this sums over all
    steps and sequences at once."""
    n = dz.size // dz.shape[-1]  # rows: one per step and sequence
    dz, x, h_prev = dz.reshape(n, -1), x.reshape(n, -1), h_prev.reshape(n, -1)
    grads = {"weight_ih": dz.T @ x, "weight_hh": dz.T @ h_prev, "bias": dz.sum(axis=0)}
    if dz_u is not None:
        dz_u, memory = dz_u.reshape(n, -1), memory.reshape(n, -1)
        grads.update(weight_u=dz_u.T @ memory, bias_u=dz_u.sum(axis=0))
    if c_prev is not None:  # peepholes: each weight multiplies one unit's memory
        dz_i, dz_f, _, dz_o = np.split(dz, 4, axis=-1)
        c_prev, c = c_prev.reshape(n, -1), c.reshape(n, -1)
        grads.update(weight_ci=(dz_i * c_prev).sum(0), weight_cf=(dz_f * c_prev).sum(0),
                     weight_co=(dz_o * c).sum(0))  # fmt: skip
    return grads


# ------------------------------------------------------------------ weights and the cell
def init_lstm_weights(rng, input_size, hidden_size, forget_bias, dtype, chrono=None):
    r"""One layer's ``(weight_ih, weight_hh, bias_ih, bias_hh)``, PyTorch's $U(\pm 1/\sqrt H)$
    init, with ``forget_bias`` added to the forget slice ``bias_ih[H:2H]``. ``chrono`` $T$:
    chrono initialisation instead, $b_f = \log u$, $u \sim U(1, T - 1)$, $b_i = -b_f$ (both
    biases summed; drawn after this layer's weights, which stay those drawn without it)."""
    H, bound = hidden_size, 1.0 / np.sqrt(hidden_size)
    shapes = ((4 * H, input_size), (4 * H, H), (4 * H,), (4 * H,))
    weights = [init_uniform(rng, shape, bound, dtype) for shape in shapes]
    weights[2][H : 2 * H] += forget_bias
    if chrono is not None:  # chrono: forget gates that keep c for about 2 to T steps
        b_f = np.log(rng.uniform(1.0, chrono - 1.0, size=H))
        weights[2][: 2 * H], weights[3][: 2 * H] = np.concatenate([-b_f, b_f]), 0.0
    return weights


def _parameter(name, doc):
    """An attribute for ``params[name]``; assigning goes through the shape and value checks."""
    return property(lambda self: self.params[name], lambda self, v: self.params.update({name: v}),
                    doc=doc)  # fmt: skip


class LSTMCell(Module):
    r"""One LSTM cell with ``torch.nn.LSTMCell``'s weights: ``input_size`` $D$, ``hidden_size``
    $H$ (units in *each* network), ``forget_bias`` (chapter 9), ``dtype``, ``rng`` (seed).
    ``params`` (also attributes): ``weight_ih`` ``(4H, D)``, ``weight_hh`` ``(4H, H)``,
    ``bias_ih``, ``bias_hh`` ``(4H,)``, gates stacked i, f, g, o."""

    def __init__(self, input_size, hidden_size, *, forget_bias=0.0, dtype=np.float64, rng=None):
        self.input_size = _checks.check_positive_int("input_size", input_size)
        self.hidden_size = _checks.check_positive_int("hidden_size", hidden_size)
        self.dtype = _checks.check_float_dtype("dtype", dtype)
        rng = np.random.default_rng(rng)
        weights = init_lstm_weights(rng, input_size, hidden_size, forget_bias, self.dtype)
        self.params = Parameters(zip(PARAM_NAMES, weights, strict=True))

    weight_ih = _parameter("weight_ih", "(4H, D) input weights.")
    weight_hh = _parameter("weight_hh", "(4H, H) recurrent weights.")
    bias_ih = _parameter("bias_ih", "(4H,) input bias.")
    bias_hh = _parameter("bias_hh", "(4H,) recurrent bias.")

    def gate_weights(self, name):
        """Gate ``name``'s layer ``(W_x (H, D), W_h (H, H), b (H,))``; ``b`` adds both biases."""
        _checks.check_one_of("gate name", name, GATES)
        H, k = self.hidden_size, GATES.index(name)
        rows = slice(k * H, (k + 1) * H)
        return self.weight_ih[rows], self.weight_hh[rows], self.bias_ih[rows] + self.bias_hh[rows]

    def preactivations(self, x, h_prev):
        """:func:`preactivations` of this cell as a dict ``{"i": z_i, "f": z_f, ...}``."""
        z = preactivations(x, h_prev, self.weight_ih, self.weight_hh, self.bias_ih + self.bias_hh)
        return dict(zip(GATES, z, strict=True))

    def step(self, x, state=None):
        """:func:`step` from ``x`` ``(B, D)`` or ``(D,)`` and ``(h_prev, c_prev)`` (``None``: 0)."""
        x = _checks.as_finite_array("x", x, self.dtype, ndim=(1, 2), copy=True)
        _checks.check_features("x", x, self.input_size, "input_size")
        shape = x.shape[:-1] + (self.hidden_size,)
        h_prev, c_prev = _checks.state_pair("state", ("h_prev", "c_prev"), state, shape, self.dtype)
        return step(x, h_prev, c_prev, self.weight_ih, self.weight_hh, self.bias_ih + self.bias_hh)


PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
