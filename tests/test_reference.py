"""The PyTorch reference cases shipped with the package match the test fixtures."""

from pathlib import Path

import numpy as np
import pytest

from lstm_magnifier.cell import LSTMCell
from lstm_magnifier.reference import SHIPPED, load_reference

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_copy_equals_fixture(name):
    shipped = load_reference(name)
    with np.load(FIXTURES / f"{name}.npz") as fixture:
        assert sorted(shipped) == sorted(fixture.files)
        for key in fixture.files:
            np.testing.assert_array_equal(shipped[key], fixture[key])


def test_shipped_cell_case_reproduces():
    ref = load_reference("lstmcell_float64")
    cell = LSTMCell(int(ref["input_size"]), int(ref["hidden_size"]), rng=0)
    cell.load_state_dict({k: ref[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
    trace = cell.step(ref["x"], (ref["h0"], ref["c0"]))
    np.testing.assert_allclose(trace.h, ref["h"], rtol=0, atol=1e-12)


def test_unknown_name():
    with pytest.raises(ValueError, match="must be one of"):
        load_reference("nope")
