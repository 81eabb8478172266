"""Helpers shared by several test modules: small cells with chosen gates or weights (the
explorers' math), the texts a figure shows, and the numbers an explorer's SVG shows."""

import base64
import math

import numpy as np

from lstm_magnifier.cell import LSTMCell


def logit(p):
    return math.log(p / (1 - p))


def gate_cell(i, f, g, o):
    """A one-unit LSTMCell whose gates are exactly i, f, g, o (zero weights, chosen biases)."""
    cell = LSTMCell(1, 1, rng=0)
    cell.load_state_dict(
        {
            "weight_ih": np.zeros((4, 1)),
            "weight_hh": np.zeros((4, 1)),
            "bias_ih": np.array([logit(i), logit(f), math.atanh(g), logit(o)]),
            "bias_hh": np.zeros(4),
        }
    )
    return cell


def random_gates(rng):
    i, f, o = rng.uniform(0.01, 0.99, size=3)
    return {"i": i, "f": f, "g": rng.uniform(-0.99, 0.99), "o": o}


def weight_cell(weights):
    """A one-unit LSTMCell holding the 12 scalar weights of a WeightExplorer."""
    cell = LSTMCell(1, 1, rng=0)
    cell.load_state_dict(
        {
            "weight_ih": np.array([[weights[f"W_i{k}"]] for k in "ifgo"]),
            "weight_hh": np.array([[weights[f"W_h{k}"]] for k in "ifgo"]),
            "bias_ih": np.array([weights[f"b_{k}"] for k in "ifgo"]),
            "bias_hh": np.zeros(4),
        }
    )
    return cell


def texts_of(ax):
    return [t.get_text() for t in ax.texts] + [ax.get_title()]


def as_numbers(value):
    """An explorer SVG's ``data-values`` JSON back to floats: "inf"/"nan" strings, lists to
    arrays."""
    if isinstance(value, str) and value in ("inf", "-inf", "nan"):
        return float(value)
    if isinstance(value, list):
        return np.array([as_numbers(v) for v in value], dtype=float)
    return value


def value_differences(shown, expected, tolerance=1e-12):
    """What differs between the ``values`` an SVG shows (``data-values``, parsed) and the
    Python explorer's: a list of messages, empty when every key matches (numbers within
    ``tolerance``, relative above 1; the same infinities and NaNs; strings equal)."""
    if set(shown) != set(expected):
        return [f"keys {sorted(shown)} != {sorted(expected)}"]
    problems = []
    for key, want in expected.items():
        got = as_numbers(shown[key])
        if isinstance(want, str):
            if got != want:
                problems.append(f"{key}: {got!r} != {want!r}")
            continue
        want, got = np.asarray(as_numbers(want), dtype=float), np.asarray(got, dtype=float)
        if got.shape != want.shape:
            problems.append(f"{key}: shape {got.shape} != {want.shape}")
            continue
        if (np.isnan(got) != np.isnan(want)).any() or (np.isinf(got) != np.isinf(want)).any():
            problems.append(f"{key}: {got} != {want}")
            continue
        finite = np.isfinite(want)
        error = np.abs(got[finite] - want[finite]) / np.maximum(1.0, np.abs(want[finite]))
        if error.size and error.max() > tolerance:
            problems.append(f"{key}: off by {error.max():.3g}")
    return problems


def decode_array(encoded):
    """An array a widget ships as ``{"shape", "b64"}`` (float64, or float32 when its ``dtype``
    says so), as float64: the same numbers."""
    dtype = "<f4" if encoded.get("dtype") == "float32" else "<f8"
    data = np.frombuffer(base64.b64decode(encoded["b64"]), dtype=dtype)
    return data.reshape(encoded["shape"]).astype(np.float64)
