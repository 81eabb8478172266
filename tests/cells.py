"""Helpers shared by several test modules: small cells with chosen gates or weights (the
explorers' math), and the texts a figure shows."""

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
