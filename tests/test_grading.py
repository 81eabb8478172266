"""The exercise-test helpers: they catch what an answer could fake."""

import numpy as np
import pytest

from lstm_magnifier import grading
from lstm_magnifier.cell import LSTMCell
from lstm_magnifier.lstm import LSTM
from lstm_magnifier.nn import count_parameters


def test_rng_for_is_fixed_by_the_exercise_name():
    first = grading.rng_for("ex-01-count").integers(0, 10**9, size=4)
    assert np.array_equal(first, grading.rng_for("ex-01-count").integers(0, 10**9, size=4))
    assert not np.array_equal(first, grading.rng_for("ex-01-other").integers(0, 10**9, size=4))


class AlwaysEqual(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


@pytest.mark.parametrize("fake", [True, "144", None, [144]])
def test_number_refuses_what_is_not_a_number(fake):
    with pytest.raises(AssertionError, match="should be a number"):
        grading.number(fake, "the count")


def test_close_checks_the_value_not_the_answers_own_equality():
    grading.close(np.int64(144), 144)
    grading.close(0.1 + 0.2, 0.3)
    with pytest.raises(AssertionError, match="the count is not right: got 143.0"):
        grading.close(143, 144, "the count")
    with pytest.raises(AssertionError, match="not right"):
        grading.close(AlwaysEqual(1.0), 144)  # its == says yes; its value says no


def test_all_close_checks_type_shape_and_values_even_with_numpy_patched(monkeypatch):
    grading.all_close([1.0, 2.0], np.array([1.0, 2.0]))
    monkeypatch.setattr(np, "allclose", lambda *args, **kwargs: True)  # an answer's trick
    monkeypatch.setattr(np, "abs", lambda x: 0 * x)
    with pytest.raises(AssertionError, match="is not right"):
        grading.all_close(np.array([1.0, 2.5]), np.array([1.0, 2.0]))
    with pytest.raises(AssertionError, match=r"shape \(2,\), got \(3,\)"):
        grading.all_close([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(AssertionError, match="should be an array, got dict"):
        grading.all_close({"a": 1.0}, [1.0])


def test_without_takes_package_functions_away_and_gives_them_back():
    namespace = {"count_parameters": count_parameters, "n": 3}

    def answer():  # an answer that calls the package, through the notebook's globals
        return namespace["count_parameters"](LSTM(2, 3))

    with grading.without(namespace, "lstm_magnifier.nn.count_parameters"):
        with pytest.raises(AssertionError, match="not lstm_magnifier.nn.count_parameters"):
            answer()
        from lstm_magnifier import nn

        with pytest.raises(AssertionError):
            nn.count_parameters(LSTM(2, 3))  # through the module too
    assert answer() == count_parameters(LSTM(2, 3)) and namespace["n"] == 3


def test_without_takes_methods_away():
    cell = LSTMCell(2, 3, rng=0)
    with grading.without({}, "lstm_magnifier.cell.LSTMCell.step"):
        with pytest.raises(AssertionError, match="LSTMCell.step"):
            cell.step(np.zeros(2))
    assert cell.step(np.zeros(2)).h.shape == (3,)


def test_without_names_a_wrong_path():
    with pytest.raises(AttributeError):
        with grading.without({}, "lstm_magnifier.nn.no_such_function"):
            pass
    with pytest.raises(ValueError, match="cannot find 'nowhere'"):
        with grading.without({}, "nowhere"):
            pass
