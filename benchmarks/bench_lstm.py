"""Forward + backward time of lstm_magnifier.LSTM against torch.nn.LSTM on the same weights.

Usage: python benchmarks/bench_lstm.py [--repeats N]

One thread each (BLAS and torch), medians over repeats, and the ratio ours / torch
(below 1 means ours is faster). Without torch installed, only our times are printed.
The LSTM measured is the one the book explains: a loop over cell.step and
cell.step_backward, with the input projection and the weight gradients each computed
once for all steps. Targets: <= 1.0x at (T=50, B=32, D=16, H=64) float64, <= 1.5x
there in float32, and >= 3x faster than torch (ratio <= 0.33) at the tiny size.
"""

import argparse
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from lstm_magnifier.lstm import LSTM  # noqa: E402

try:
    import torch  # noqa: E402

    torch.set_num_threads(1)
except ImportError:
    torch = None

SIZES = [  # (T, B, D, H, dtype)
    (50, 32, 16, 64, np.float64),
    (50, 32, 16, 64, np.float32),
    (100, 64, 64, 128, np.float64),
    (100, 64, 64, 128, np.float32),
    (20, 1, 8, 16, np.float64),
]


WIDTHS = (4, 3, 3, 4, 8, 9, 9, 6)


def median_time(fn, repeats):
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def ours(model, x, d_out):
    def run():
        model.forward(x)
        model.backward(d_out)

    return run


def theirs(model, x, d_out):
    def run():
        x.grad = None
        model.zero_grad(set_to_none=True)
        out, _ = model(x)
        out.backward(d_out)

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    if torch is None:
        print("torch is not installed: timing lstm_magnifier only (pip install torch==2.13.0)")
    header = ("T", "B", "D", "H", "dtype", "ours ms", "torch ms", "ratio")
    print(" ".join(f"{name:>{width}}" for name, width in zip(header, WIDTHS, strict=True)))
    rng = np.random.default_rng(0)
    for T, B, D, H, dtype in SIZES:
        model = LSTM(D, H, dtype=dtype, rng=rng)
        x = rng.normal(size=(T, B, D)).astype(dtype)
        d_out = rng.normal(size=(T, B, H)).astype(dtype)
        mine = median_time(ours(model, x, d_out), args.repeats)
        line = f"{T:>4} {B:>3} {D:>3} {H:>4} {np.dtype(dtype).name:>8} {mine * 1e3:>9.3f}"
        if torch is not None:
            tdtype = torch.float64 if dtype == np.float64 else torch.float32
            reference = torch.nn.LSTM(D, H).to(tdtype)
            reference.load_state_dict(
                {k: torch.from_numpy(v) for k, v in model.state_dict().items()}
            )
            tx = torch.from_numpy(x).requires_grad_()
            ref = median_time(theirs(reference, tx, torch.from_numpy(d_out)), args.repeats)
            line += f" {ref * 1e3:>9.3f} {mine / ref:>6.2f}"
        print(line)


if __name__ == "__main__":
    main()
