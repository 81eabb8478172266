r"""The weights of an LSTM taken apart, counted and set by hand (chapters 1, 6, 10 and 14).

A cell of hidden size $H$ is four dense layers of $H$ units that all read the same joined
input $[h_{t-1}, x_t]$ (chapter 1), followed by a recombination without weights,
$c_t = f_t \odot c_{t-1} + i_t \odot g_t$ and $h_t = o_t \odot \tanh(c_t)$.
"""

from html import escape

import numpy as np

from lstm_magnifier import _checks
from lstm_magnifier.cell import GATES, PARAM_NAMES, STANDARD, LSTMCell
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import Dense, count_parameters


class Table:
    """A small table of ``columns`` (names) and ``rows`` (tuples of as many cells): aligned
    text when printed, an HTML table in Jupyter and the book; tuples look like ``(4, 3)``."""

    def __init__(self, columns, rows):
        self.columns = tuple(str(c) for c in columns)
        self.rows = [tuple(row) for row in rows]
        for n, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"row {n} must have {len(self.columns)} cells (one per column), "
                    f"got {len(row)}: {row!r}"
                )

    def __len__(self):
        return len(self.rows)

    def column(self, name):
        """The values of column ``name``, top to bottom, as a list."""
        if name not in self.columns:
            raise KeyError(f"no column {name!r}; the columns are {self.columns}")
        k = self.columns.index(name)
        return [row[k] for row in self.rows]

    def _cells(self):
        return [self.columns] + [tuple(_show(cell) for cell in row) for row in self.rows]

    def __repr__(self):
        cells = self._cells()
        widths = [max(len(row[k]) for row in cells) for k in range(len(self.columns))]

        def line(row):
            return "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([line(cells[0]), rule] + [line(row) for row in cells[1:]])

    def _repr_html_(self):
        cells = self._cells()
        head = "".join(f"<th>{escape(c)}</th>" for c in cells[0])
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in cells[1:]
        )
        return f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _show(cell):
    if isinstance(cell, tuple):
        return "(" + ", ".join(str(v) for v in cell) + ("," if len(cell) == 1 else "") + ")"
    return str(cell)


def joined_input(x, h_prev):
    r"""The input every gate reads: $[h_{t-1}, x_t]$, ``(B, H + D)`` (or ``(H + D,)``), from
    ``x`` ``(B, D)`` and ``h_prev`` ``(B, H)`` with the same leading (batch) shape."""
    x = _checks.as_finite_array("x", x, None, ndim=(1, 2))
    h_prev = _checks.as_finite_array("h_prev", h_prev, None, ndim=(1, 2))
    if x.shape[:-1] != h_prev.shape[:-1]:
        raise ValueError(
            "x and h_prev must have the same batch shape, "
            f"got x {x.shape} and h_prev {h_prev.shape}"
        )
    return np.concatenate([h_prev, x], axis=-1)


def gate_as_dense(cell, name):
    r"""Gate ``name`` of ``cell`` as a stand-alone :class:`~lstm_magnifier.nn.Dense` layer.

    .. math:: \mathrm{gate} = \phi\big([W_h \,|\, W_x]\, [h_{t-1}, x_t] + b\big)

    $\phi = \sigma$ for ``"i"``, ``"f"``, ``"o"`` and $\tanh$ for ``"g"``; $b = b_{ih} +
    b_{hh}$ (the two stored biases act as one). The layer holds copies: ``weight``
    ``(H, H + D)`` and ``bias`` ``(H,)``; feed it :func:`joined_input`.
    """
    _checks.check_instance("cell", cell, LSTMCell)
    if name not in GATES:
        raise ValueError(f"name must be one of {GATES}, got {name!r}")
    W_x, W_h, b = cell.gate_weights(name)
    D, H = cell.input_size, cell.hidden_size
    dense = Dense(H + D, H, activation=getattr(STANDARD, name), dtype=cell.dtype, rng=0)
    dense.params["weight"][...] = np.concatenate([W_h, W_x], axis=1)
    dense.params["bias"][...] = b
    return dense


def four_networks(cell):
    """The four gate layers of ``cell`` (:func:`gate_as_dense`) as ``{"i": Dense, ...}``."""
    _checks.check_instance("cell", cell, LSTMCell)
    return {name: gate_as_dense(cell, name) for name in GATES}


def parameter_counts(input_size, hidden_size):
    r"""Parameters of a dense layer and an LSTM cell of the same width $H$, counted on real
    layers. A dict of ints:

    - ``"dense_x"``: ``Dense(D, H)``, reading $x_t$ only: $HD + H$;
    - ``"dense_hx"``: ``Dense(H + D, H)``, reading $[h_{t-1}, x_t]$: $H(H + D) + H$;
    - ``"gate"``: one gate of the cell as a dense layer (:func:`gate_as_dense`), the same;
    - ``"four_gates"``: the four gates together: $4\,(H(H + D) + H)$;
    - ``"lstm"``: ``LSTM(D, H)`` in PyTorch's layout, with two bias vectors:
      $4HD + 4H^2 + 8H$, ``four_gates`` plus the $4H$ redundant second bias.
    """
    D = _checks.check_positive_int("input_size", input_size)
    H = _checks.check_positive_int("hidden_size", hidden_size)
    gates = four_networks(LSTMCell(D, H, rng=0))
    return {
        "dense_x": count_parameters(Dense(D, H, rng=0)),
        "dense_hx": count_parameters(Dense(H + D, H, rng=0)),
        "gate": count_parameters(gates["f"]),
        "four_gates": sum(count_parameters(layer) for layer in gates.values()),
        "lstm": count_parameters(LSTM(D, H, rng=0)),
    }


def parameter_table(input_size, hidden_size):
    """:func:`parameter_counts` as a :class:`Table` with the formulas and the ratio to a
    dense layer on ``[h, x]``."""
    counts = parameter_counts(input_size, hidden_size)
    D, H = int(input_size), int(hidden_size)
    rows = [
        ("dense layer", f"x (D = {D})", "H*D + H", counts["dense_x"]),
        ("dense layer", f"[h, x] (H + D = {H + D})", "H*(H + D) + H", counts["dense_hx"]),
        ("one gate of the cell", "[h, x]", "H*(H + D) + H", counts["gate"]),
        ("LSTM cell: four gates", "[h, x]", "4*(H*(H + D) + H)", counts["four_gates"]),
        ("LSTM cell as stored", "[h, x]", "4*H*D + 4*H*H + 8*H", counts["lstm"]),
    ]
    base = counts["dense_hx"]
    return Table(
        ("layer", "reads", "formula", "parameters", "ratio to dense on [h, x]"),
        [row + (f"{row[3] / base:.2f}",) for row in rows],
    )


_HOLDS = {
    "weight_ih": "weights on {source}, H rows per gate",
    "weight_hh": "weights on h_(t-1), H rows per gate",
    "bias_ih": "biases of the 4 gates, input side",
    "bias_hh": "biases of the 4 gates, recurrent side",
}


def weight_shapes(input_size, hidden_size, num_layers=1):
    r"""Every parameter of ``LSTM(D, H, L)`` with its shape, from the formulas alone.

    Per layer ``k``, in ``torch.nn.LSTM``'s order: ``weight_ih_l{k}`` $(4H, D_k)$,
    ``weight_hh_l{k}`` $(4H, H)$, ``bias_ih_l{k}`` and ``bias_hh_l{k}`` $(4H,)$, where layer 0
    reads $x_t$ ($D_0 = D$) and every layer above the $h_t$ below ($D_k = H$). A
    :class:`Table` of ``parameter``, ``in symbols``, ``shape``, ``count``, ``what it holds``.
    """
    D = _checks.check_positive_int("input_size", input_size)
    H = _checks.check_positive_int("hidden_size", hidden_size)
    L = _checks.check_positive_int("num_layers", num_layers)
    rows = []
    for k in range(L):
        d_in, d_sym = (D, "D") if k == 0 else (H, "H")
        symbols = {
            "weight_ih": ((4 * H, d_in), f"(4H, {d_sym})"),
            "weight_hh": ((4 * H, H), "(4H, H)"),
            "bias_ih": ((4 * H,), "(4H,)"),
            "bias_hh": ((4 * H,), "(4H,)"),
        }
        for name in PARAM_NAMES:
            shape, sym = symbols[name]
            holds = _HOLDS[name].format(source="x_t" if k == 0 else f"h_t of layer {k - 1}")
            rows.append((f"{name}_l{k}", sym, shape, int(np.prod(shape)), holds))
    return Table(("parameter", "in symbols", "shape", "count", "what it holds"), rows)


def split_layers(lstm):
    r"""A standard stacked ``LSTM(D, H, L)`` as ``L`` one-layer LSTMs (bottom first) holding
    copies of its weights; feeding each one's ``out`` to the next reproduces the stack
    (without dropout):

    .. math:: h^{(\ell)}_{1..T} = \mathrm{LSTM}_\ell\big(h^{(\ell-1)}_{1..T}\big), \qquad
              h^{(-1)}_t = x_t
    """
    _checks.check_instance("lstm", lstm, LSTM)
    if lstm.variant != STANDARD:
        raise ValueError(f"split_layers takes a standard LSTM, got the variant {lstm.variant}")
    layers = []
    for k in range(lstm.num_layers):
        d_in = lstm.input_size if k == 0 else lstm.hidden_size
        layer = LSTM(d_in, lstm.hidden_size, dtype=lstm.dtype, rng=0)
        layer.load_state_dict({f"{name}_l0": lstm.params[f"{name}_l{k}"] for name in PARAM_NAMES})
        layers.append(layer)
    return layers


def float32_layers(lstm):
    """The numbers a standard ``lstm`` ships to the browser, per layer (bottom first): dicts of
    ``weight_ih``, ``weight_hh`` and one ``bias`` (``bias_ih + bias_hh``), each rounded to
    float32. A model that holds exactly these (in any float dtype) computes what the page does."""
    _checks.check_instance("lstm", lstm, LSTM)
    if lstm.variant != STANDARD or lstm.peepholes:
        raise ValueError("the browser runs the standard LSTM cell only (no variant, no peepholes)")
    p, f4 = lstm.params, np.float32
    return [
        {
            "weight_ih": p[f"weight_ih_l{k}"].astype(f4),
            "weight_hh": p[f"weight_hh_l{k}"].astype(f4),
            "bias": (p[f"bias_ih_l{k}"] + p[f"bias_hh_l{k}"]).astype(f4),
        }
        for k in range(lstm.num_layers)
    ]


SATURATION = 50.0
r"""Pre-activation of a gate pinned at 0 or 1 (for ``g``: -1 or 1): $\sigma(\pm 50)$ and
$\tanh(\pm 50)$ round to exactly 1, 0 and $\pm 1$ in float32 and float64."""


def gate_preactivation(value, gate):
    r"""The pre-activation $z$ that makes gate ``gate`` output ``value`` (same shape).

    $z = \ln\frac{v}{1 - v}$ for the sigmoid gates ``"i"``, ``"f"``, ``"o"`` ($v \in [0,
    1]$), $z = \operatorname{artanh}(v)$ for the candidate ``"g"`` ($v \in [-1, 1]$); the
    ends give $z = \pm$ :data:`SATURATION`, where the activation equals the end exactly.
    """
    _checks.check_one_of("gate", gate, GATES)
    v = _checks.check_range(f"value for gate {gate!r}", value, -1.0 if gate == "g" else 0.0, 1.0)
    with np.errstate(divide="ignore"):
        z = np.arctanh(v) if gate == "g" else np.log(v) - np.log1p(-v)
    z = np.clip(z, -SATURATION, SATURATION)
    return float(z) if z.ndim == 0 else z


def pin_gates(cell, *, i=None, f=None, g=None, o=None):
    r"""Fix the given gates of ``cell`` to constant values, in place; returns the cell.

    Each value is a number or one per unit ``(H,)``: the gate's rows of ``weight_ih``,
    ``weight_hh`` and ``bias_hh`` become zero and ``bias_ih`` its :func:`gate_preactivation`,
    whatever $x_t$ and $h_{t-1}$ are. ``cell`` may be ``lstm.cell(layer)`` (the LSTM's own
    arrays). ``pin_gates(cell, f=1.0, i=0.0)`` makes the constant error carousel,
    $c_t = 1 \cdot c_{t-1} + 0 \cdot g_t = c_{t-1}$.
    """
    _checks.check_instance("cell", cell, LSTMCell, " (or lstm.cell(layer))")
    H = cell.hidden_size
    for name, value in (("i", i), ("f", f), ("g", g), ("o", o)):
        if value is None:
            continue
        if np.shape(value) not in ((), (H,)):
            raise ValueError(f"{name} must be a number or have shape ({H},), got {np.shape(value)}")
        z = gate_preactivation(value, name)
        rows = slice(GATES.index(name) * H, (GATES.index(name) + 1) * H)
        cell.weight_ih[rows] = 0.0
        cell.weight_hh[rows] = 0.0
        cell.bias_hh[rows] = 0.0
        cell.bias_ih[rows] = z
    return cell


def from_keras_weights(kernel, recurrent_kernel, bias, *, layer=0):
    """One Keras ``LSTM`` layer's weights as our (PyTorch's) state-dict entries (chapter 14).

    Keras stores ``kernel`` ``(D, 4H)`` and ``recurrent_kernel`` ``(H, 4H)`` transposed, and
    one ``bias`` ``(4H,)``; its gate order i, f, c, o is our i, f, g, o. The bias goes to
    ``bias_ih``, zeros to ``bias_hh``.
    """
    kernel = _checks.as_finite_array("kernel", kernel, None, ndim=(2,))
    recurrent_kernel = _checks.as_finite_array(
        "recurrent_kernel", recurrent_kernel, None, ndim=(2,)
    )
    bias = _checks.as_finite_array("bias", bias, None, ndim=(1,))
    if kernel.shape[1] % 4:
        raise ValueError(f"kernel must have 4*H columns (gates i, f, c, o), got {kernel.shape[1]}")
    H = kernel.shape[1] // 4
    _checks.check_shape("recurrent_kernel", recurrent_kernel, (H, 4 * H))
    _checks.check_shape("bias", bias, (4 * H,))
    return {
        f"weight_ih_l{layer}": kernel.T.copy(),
        f"weight_hh_l{layer}": recurrent_kernel.T.copy(),
        f"bias_ih_l{layer}": bias.copy(),
        f"bias_hh_l{layer}": np.zeros_like(bias),
    }
