"""Reference numbers computed by PyTorch (``torch==2.13.0``), shipped with the package, so
that chapters 12 and 14 compare our cell with PyTorch without importing torch.
``scripts/make_fixtures.py`` writes them together with the test fixtures."""

from importlib import resources

import numpy as np

SHIPPED = ("lstmcell_float64", "lstm_l2_state_float64", "keras_l1_float64")


def load_reference(name):
    """The arrays of one shipped case as a dict.

    ``"lstmcell_float64"``: one ``torch.nn.LSTMCell`` step (``weight_ih``, ``weight_hh``,
    ``bias_ih``, ``bias_hh``, ``x``, ``h0``, ``c0`` and the resulting ``h``, ``c``).
    ``"lstm_l2_state_float64"``: a two-layer ``torch.nn.LSTM`` run with an initial state,
    its outputs and every gradient (``grad_<parameter>``, ``dx``, ``dh0``, ``dc0``).
    ``"keras_l1_float64"``: one layer's weights in both PyTorch and Keras layout.
    """
    if name not in SHIPPED:
        raise ValueError(f"name must be one of {SHIPPED}, got {name!r}")
    path = resources.files("lstm_magnifier") / "data" / f"{name}.npz"
    with resources.as_file(path) as file, np.load(file) as archive:
        return {key: archive[key] for key in archive.files}
