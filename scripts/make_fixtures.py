"""Write the PyTorch reference fixtures used by ``tests/test_torch_parity.py``.

Run from the repository root (needs ``torch==2.13.0``)::

    python scripts/make_fixtures.py

Each fixture is a small ``.npz`` file in ``tests/fixtures/``: the weights of a PyTorch layer
under their PyTorch names, an input, the outputs PyTorch computed, a random upstream gradient
and the gradients PyTorch's autograd returned for it. The tests then check the NumPy code
against these numbers without needing torch.

For every ``nn.LSTM`` case the loss that is differentiated is

    L = sum(out * d_out) + sum(h_n * d_h_n) + sum(c_n * d_c_n)

so the gradient of L with respect to ``out`` is exactly ``d_out`` (and ``d_h_n``, ``d_c_n`` for
the final states; they are zero, and not stored, in cases without them). Cases without an initial
state pass explicit zeros to torch, so ``dh0`` and ``dc0`` are the gradients with respect to the
zero initial state. ``nn.GRU`` cases (``gru_*``, for ``tests/test_gru.py``) do the same without
``c``: L = sum(out * d_out) + sum(h_n * d_h_n).

``--only gru`` writes only the files whose names start with ``gru`` (the others are unchanged).

Everything is deterministic: torch weights come from ``torch.manual_seed`` and every other
random array from a seeded ``numpy.random.Generator``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
PACKAGE_DATA = Path(__file__).resolve().parents[1] / "src" / "lstm_magnifier" / "data"
SHIPPED = ("lstmcell_float64", "lstm_l2_state_float64", "keras_l1_float64")
"""Cases the book's chapters show; shipped with the package (lstm_magnifier.reference)."""
DTYPES = {"float64": torch.float64, "float32": torch.float32}

# nn.LSTM cases. D input size, H hidden size, L layers, T time steps, B batch (None = unbatched
# input of shape (T, D)); state: nonzero (h0, c0); d_state: nonzero upstream d_h_n, d_c_n.
LSTM_CASES = [
    dict(name="l1", D=3, H=4, L=1, T=5, B=2, state=False, d_state=False),
    dict(name="l1_b1", D=4, H=3, L=1, T=6, B=1, state=True, d_state=False),
    dict(name="l1_t1", D=2, H=5, L=1, T=1, B=3, state=True, d_state=True),
    dict(name="l2", D=5, H=3, L=2, T=4, B=2, state=False, d_state=True),
    dict(name="l2_state", D=3, H=4, L=2, T=5, B=3, state=True, d_state=True),
    dict(name="l3_state", D=2, H=3, L=3, T=6, B=2, state=True, d_state=True),
    dict(name="l3_t1_b1", D=3, H=2, L=3, T=1, B=1, state=True, d_state=True),
    dict(name="unbatched", D=3, H=4, L=2, T=4, B=None, state=True, d_state=True),
    dict(name="unbatched_l1", D=2, H=3, L=1, T=5, B=None, state=False, d_state=False),
]


def to_np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().copy()


def meta(**kw) -> dict[str, np.ndarray]:
    """Metadata as 0-d arrays (strings become 0-d unicode arrays, loadable without pickle)."""
    return {k: np.array(v) for k, v in kw.items()}


def params_and_grads(module: nn.Module) -> dict[str, np.ndarray]:
    out = {}
    for name, p in module.named_parameters():
        out[name] = to_np(p)
        out[f"grad_{name}"] = to_np(p.grad)
    return out


def lstm_case(case: dict, dtype: str, seed: int) -> dict[str, np.ndarray]:
    tdt = DTYPES[dtype]
    D, H, L, T, B = case["D"], case["H"], case["L"], case["T"], case["B"]
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    lstm = nn.LSTM(D, H, num_layers=L, dtype=tdt)

    lead = (T,) if B is None else (T, B)
    state_shape = (L, H) if B is None else (L, B, H)

    def randn(shape, scale=1.0):
        return torch.from_numpy(scale * rng.standard_normal(shape)).to(tdt)

    x = randn(lead + (D,)).requires_grad_()
    if case["state"]:
        h0 = randn(state_shape, 0.5).requires_grad_()
        c0 = randn(state_shape).requires_grad_()
    else:
        h0 = torch.zeros(state_shape, dtype=tdt, requires_grad=True)
        c0 = torch.zeros(state_shape, dtype=tdt, requires_grad=True)
    out, (h_n, c_n) = lstm(x, (h0, c0))

    d_out = randn(out.shape)
    loss = (out * d_out).sum()
    arrays = {}
    if case["d_state"]:
        d_h_n, d_c_n = randn(h_n.shape), randn(c_n.shape)
        loss = loss + (h_n * d_h_n).sum() + (c_n * d_c_n).sum()
        arrays.update(d_h_n=to_np(d_h_n), d_c_n=to_np(d_c_n))
    loss.backward()

    arrays.update(params_and_grads(lstm))
    arrays.update(x=to_np(x), out=to_np(out), h_n=to_np(h_n), c_n=to_np(c_n), d_out=to_np(d_out))
    arrays.update(dx=to_np(x.grad), dh0=to_np(h0.grad), dc0=to_np(c0.grad))
    if case["state"]:
        arrays.update(h0=to_np(h0), c0=to_np(c0))
    arrays.update(
        meta(
            kind="lstm",
            input_size=D,
            hidden_size=H,
            num_layers=L,
            dtype=dtype,
            batch_first=False,
            unbatched=B is None,
            has_state=case["state"],
            has_d_state=case["d_state"],
        )
    )
    return arrays


# nn.GRU cases: the same keys as LSTM_CASES; every one has an upstream gradient on h_n.
GRU_CASES = [
    dict(name="l1", D=3, H=4, L=1, T=5, B=2, state=False),
    dict(name="l1_state", D=2, H=3, L=1, T=4, B=3, state=True),
    dict(name="l2_state", D=3, H=4, L=2, T=5, B=2, state=True),
    dict(name="unbatched", D=2, H=3, L=2, T=4, B=None, state=True),
]


def gru_case(case: dict, dtype: str, seed: int) -> dict[str, np.ndarray]:
    """An nn.GRU on one case of GRU_CASES, with upstream gradients on out and h_n."""
    tdt = DTYPES[dtype]
    D, H, L, T, B = case["D"], case["H"], case["L"], case["T"], case["B"]
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    gru = nn.GRU(D, H, num_layers=L, dtype=tdt)
    lead, state_shape = ((T,), (L, H)) if B is None else ((T, B), (L, B, H))

    def randn(shape, scale=1.0):
        return torch.from_numpy(scale * rng.standard_normal(shape)).to(tdt)

    x = randn(lead + (D,)).requires_grad_()
    h0 = randn(state_shape, 0.5) if case["state"] else torch.zeros(state_shape, dtype=tdt)
    h0.requires_grad_()
    out, h_n = gru(x, h0)
    d_out, d_h_n = randn(out.shape), randn(h_n.shape)
    ((out * d_out).sum() + (h_n * d_h_n).sum()).backward()
    arrays = params_and_grads(gru)
    arrays.update(x=to_np(x), h0=to_np(h0), out=to_np(out), h_n=to_np(h_n))
    arrays.update(d_out=to_np(d_out), d_h_n=to_np(d_h_n), dx=to_np(x.grad), dh0=to_np(h0.grad))
    arrays.update(
        meta(kind="gru", input_size=D, hidden_size=H, num_layers=L, dtype=dtype,
             unbatched=B is None, has_state=case["state"])
    )  # fmt: skip
    return arrays


def lstm_cell_case(dtype: str, seed: int) -> dict[str, np.ndarray]:
    """One nn.LSTMCell step on a batch, from a nonzero state."""
    tdt = DTYPES[dtype]
    D, H, B = 3, 4, 3
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    cell = nn.LSTMCell(D, H, dtype=tdt)
    x = torch.from_numpy(rng.standard_normal((B, D))).to(tdt)
    h0 = torch.from_numpy(0.5 * rng.standard_normal((B, H))).to(tdt)
    c0 = torch.from_numpy(rng.standard_normal((B, H))).to(tdt)
    with torch.no_grad():
        h, c = cell(x, (h0, c0))
    arrays = {name: to_np(p) for name, p in cell.named_parameters()}
    arrays.update(x=to_np(x), h0=to_np(h0), c0=to_np(c0), h=to_np(h), c=to_np(c))
    arrays.update(meta(kind="lstm_cell", input_size=D, hidden_size=H, dtype=dtype))
    return arrays


def rnn_case(dtype: str, seed: int) -> dict[str, np.ndarray]:
    """A one-layer tanh nn.RNN from a nonzero state, with upstream gradients on out and h_n."""
    tdt = DTYPES[dtype]
    D, H, T, B = 3, 4, 5, 2
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    rnn = nn.RNN(D, H, num_layers=1, nonlinearity="tanh", dtype=tdt)
    x = torch.from_numpy(rng.standard_normal((T, B, D))).to(tdt).requires_grad_()
    h0 = torch.from_numpy(0.5 * rng.standard_normal((1, B, H))).to(tdt).requires_grad_()
    out, h_n = rnn(x, h0)
    d_out = torch.from_numpy(rng.standard_normal(out.shape)).to(tdt)
    d_h_n = torch.from_numpy(rng.standard_normal(h_n.shape)).to(tdt)
    ((out * d_out).sum() + (h_n * d_h_n).sum()).backward()
    arrays = params_and_grads(rnn)
    arrays.update(x=to_np(x), h0=to_np(h0), out=to_np(out), h_n=to_np(h_n))
    arrays.update(d_out=to_np(d_out), d_h_n=to_np(d_h_n), dx=to_np(x.grad), dh0=to_np(h0.grad))
    arrays.update(meta(kind="rnn", input_size=D, hidden_size=H, num_layers=1, dtype=dtype))
    return arrays


def linear_case(dtype: str, seed: int) -> dict[str, np.ndarray]:
    """nn.Linear applied to a (T, B, in) sequence."""
    tdt = DTYPES[dtype]
    n_in, n_out, T, B = 5, 3, 4, 2
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    linear = nn.Linear(n_in, n_out, dtype=tdt)
    x = torch.from_numpy(rng.standard_normal((T, B, n_in))).to(tdt).requires_grad_()
    out = linear(x)
    d_out = torch.from_numpy(rng.standard_normal(out.shape)).to(tdt)
    (out * d_out).sum().backward()
    arrays = params_and_grads(linear)
    arrays.update(x=to_np(x), out=to_np(out), d_out=to_np(d_out), dx=to_np(x.grad))
    arrays.update(meta(kind="linear", in_features=n_in, out_features=n_out, dtype=dtype))
    return arrays


def conv1d_case(dtype: str, seed: int) -> dict[str, np.ndarray]:
    """nn.Conv1d used as a causal convolution over a (T, B, in) sequence.

    The input is moved to torch's (B, in, T) layout and padded with k - 1 zeros on the left, so
    out[t] only sees x[t - k + 1], ..., x[t]; the output is moved back to (T, B, out).
    """
    tdt = DTYPES[dtype]
    c_in, c_out, k, T, B = 3, 4, 3, 6, 2
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    conv = nn.Conv1d(c_in, c_out, k, dtype=tdt)
    x = torch.from_numpy(rng.standard_normal((T, B, c_in))).to(tdt).requires_grad_()
    out = conv(F.pad(x.permute(1, 2, 0), (k - 1, 0))).permute(2, 0, 1)
    d_out = torch.from_numpy(rng.standard_normal(out.shape)).to(tdt)
    (out * d_out).sum().backward()
    arrays = params_and_grads(conv)
    arrays.update(x=to_np(x), out=to_np(out), d_out=to_np(d_out), dx=to_np(x.grad))
    arrays.update(
        meta(kind="conv1d", in_channels=c_in, out_channels=c_out, kernel_size=k, dtype=dtype)
    )
    return arrays


def keras_case(seed: int) -> dict[str, np.ndarray]:
    """A one-layer torch LSTM whose weights are also written in Keras layout, by hand.

    Keras: kernel (D, 4H) = W_ih^T, recurrent_kernel (H, 4H) = W_hh^T, one bias (4H,) = b_ih + b_hh,
    gate order i, f, c, o (the same order as torch's i, f, g, o).
    """
    D, H, T, B = 3, 4, 5, 2
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    lstm = nn.LSTM(D, H, num_layers=1, dtype=torch.float64)
    x = torch.from_numpy(rng.standard_normal((T, B, D)))
    with torch.no_grad():
        out, (h_n, c_n) = lstm(x)
    arrays = {name: to_np(p) for name, p in lstm.named_parameters()}
    arrays.update(
        kernel=arrays["weight_ih_l0"].T.copy(),
        recurrent_kernel=arrays["weight_hh_l0"].T.copy(),
        bias=arrays["bias_ih_l0"] + arrays["bias_hh_l0"],
    )
    arrays.update(x=to_np(x), out=to_np(out), h_n=to_np(h_n), c_n=to_np(c_n))
    arrays.update(meta(kind="keras", input_size=D, hidden_size=H, num_layers=1, dtype="float64"))
    return arrays


def build_all() -> dict[str, dict[str, np.ndarray]]:
    files = {}
    seed = 1000
    for dtype in DTYPES:
        for case in LSTM_CASES:
            seed += 1
            files[f"lstm_{case['name']}_{dtype}"] = lstm_case(case, dtype, seed)
        for kind, make in [
            ("lstmcell", lstm_cell_case),
            ("rnn", rnn_case),
            ("linear", linear_case),
            ("conv1d", conv1d_case),
        ]:
            seed += 1
            files[f"{kind}_{dtype}"] = make(dtype, seed)
    files["keras_l1_float64"] = keras_case(seed + 1)
    seed = 2000  # the GRU cases came later: their own seeds leave the others' unchanged
    for dtype in DTYPES:
        for case in GRU_CASES:
            seed += 1
            files[f"gru_{case['name']}_{dtype}"] = gru_case(case, dtype, seed)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIXTURES, help="output folder")
    parser.add_argument("--only", default="", help="write only files whose names start so")
    args = parser.parse_args()
    torch.use_deterministic_algorithms(True)
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, arrays in build_all().items():
        if not name.startswith(args.only):
            continue
        path = args.out / f"{name}.npz"
        np.savez_compressed(path, **arrays)
        size = path.stat().st_size
        total += size
        print(f"{path.name:32s} {size:6d} bytes")
        if name in SHIPPED and args.out == FIXTURES:
            PACKAGE_DATA.mkdir(exist_ok=True)
            (PACKAGE_DATA / path.name).write_bytes(path.read_bytes())
    print(f"{'total':32s} {total:6d} bytes")


if __name__ == "__main__":
    main()
