"""Task generators: shapes, that targets mean what the docstrings say, and clear errors."""

import numpy as np
import pytest

from lstm_magnifier.tasks import (
    adding_task,
    bracket_sequences,
    depth_of,
    encode,
    last_mark_task,
    memoryless_task,
    next_char_batches,
    one_hot,
    recall_task,
)


def test_one_hot():
    np.testing.assert_array_equal(one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        one_hot([3], 3)


@pytest.mark.parametrize(("lag", "length"), [(0, None), (3, None), (2, 6)])
def test_recall_target_is_the_symbol_lag_steps_back(lag, length):
    x, y = recall_task(np.random.default_rng(0), 64, lag, n_symbols=5, length=length)
    T = lag + 1 if length is None else length
    assert x.shape == (T, 64, 5) and y.shape == (64,)
    np.testing.assert_array_equal(x[T - 1 - lag].argmax(-1), y)
    assert len(np.unique(y)) == 5


def test_recall_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="lag"):
        recall_task(rng, 4, -1)
    with pytest.raises(ValueError, match="smaller than length"):
        recall_task(rng, 4, 5, length=5)
    with pytest.raises(ValueError, match="batch_size"):
        recall_task(rng, 0, 2)


def test_memoryless_targets_depend_on_the_current_step_only():
    x, y = memoryless_task(np.random.default_rng(1), 8, 10)
    assert x.shape == (10, 8, 4) and y.shape == (10, 8)
    np.testing.assert_array_equal(y, x.argmax(-1) % 2)


def test_adding_task_sums_the_two_marked_numbers():
    x, y = adding_task(np.random.default_rng(2), 500, 20)
    assert x.shape == (20, 500, 2) and y.shape == (500, 1)
    np.testing.assert_array_equal(x[..., 1].sum(0), 2)
    assert np.all(x[:10, :, 1].sum(0) == 1)
    np.testing.assert_allclose((x[..., 0] * x[..., 1]).sum(0), y[:, 0])
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.03  # guessing the mean scores about 1/6
    with pytest.raises(ValueError, match="at least 2"):
        adding_task(np.random.default_rng(0), 1, 1)


def test_brackets_depth_is_running_count_and_bounded():
    x, depth, text = bracket_sequences(np.random.default_rng(3), 16, 40, max_depth=3)
    assert x.shape == (40, 16, 2) and depth.shape == (40, 16) and len(text) == 16
    steps = np.where(x[..., 0] == 1, 1, -1)
    np.testing.assert_array_equal(np.cumsum(steps, axis=0), depth)
    assert depth.min() >= 0 and depth.max() <= 3
    assert text[0] == "".join("()"[c] for c in x[:, 0].argmax(-1))
    with pytest.raises(ValueError, match="p_open"):
        bracket_sequences(np.random.default_rng(0), 1, 5, p_open=1.0)


def test_encode_and_depth():
    np.testing.assert_array_equal(encode("(()"), [[1, 0], [1, 0], [0, 1]])
    np.testing.assert_array_equal(depth_of("(()(()))"), [1, 2, 1, 2, 3, 2, 1, 0])
    np.testing.assert_array_equal(depth_of(")"), [-1])
    with pytest.raises(ValueError, match=r"only hold the characters"):
        encode("(a)")
    with pytest.raises(ValueError, match="non-empty"):
        encode("")


def test_next_char_targets_are_the_inputs_shifted_by_one():
    batches = next_char_batches(12, 5, max_depth=3)
    x, y = batches(np.random.default_rng(0))
    assert x.shape == (12, 5, 2) and y.shape == (12, 5)
    np.testing.assert_array_equal(y[:-1], x[1:].argmax(-1))
    again, _ = batches(np.random.default_rng(0))
    np.testing.assert_array_equal(x, again)  # the rng alone fixes the batch
    with pytest.raises(ValueError, match="length"):
        next_char_batches(0, 5)


class _Chosen:
    """Stands in for a Generator: hands out chosen numbers and chosen uniform draws."""

    def __init__(self, values, draws):
        self.values, self.draws = np.asarray(values, float), np.asarray(draws, float)

    def uniform(self, low, high, size):
        return self.values.reshape(size)

    def random(self, size):
        return self.draws.reshape(size)


def test_last_mark_on_a_hand_made_stream():
    numbers = [0.5, -0.2, 0.9, 0.1, -0.7]
    draws = [0.9, 0.9, 0.1, 0.9, 0.05]  # below p_mark = 0.2 at steps 3 and 5; step 1 always
    x, y = last_mark_task(_Chosen(numbers, draws), 1, 5, p_mark=0.2)
    assert x.shape == (5, 1, 2) and y.shape == (5, 1, 1)
    np.testing.assert_array_equal(x[:, 0, 0], numbers)
    np.testing.assert_array_equal(x[:, 0, 1], [1, 0, 1, 0, 1])
    np.testing.assert_array_equal(y[:, 0, 0], [0.5, 0.5, 0.9, 0.9, -0.7])


def test_last_mark_target_is_the_number_at_the_latest_mark():
    x, y = last_mark_task(np.random.default_rng(4), 64, 50, p_mark=0.3)
    assert x.shape == (50, 64, 2) and y.shape == (50, 64, 1)
    assert np.all(x[0, :, 1] == 1) and set(np.unique(x[..., 1])) == {0.0, 1.0}
    assert abs(x[1:, :, 1].mean() - 0.3) < 0.03
    for b in range(64):
        kept = None
        for t in range(50):
            if x[t, b, 1] == 1:
                kept = x[t, b, 0]
            assert y[t, b, 0] == kept
    assert abs(np.mean(y**2) - 1 / 3) < 0.03  # always answering 0 scores about 1/3


def test_last_mark_without_marks_keeps_the_first_number():
    x, y = last_mark_task(np.random.default_rng(5), 3, 20, p_mark=0.0)
    np.testing.assert_array_equal(y[..., 0], np.broadcast_to(x[0, :, 0], (20, 3)))


def test_last_mark_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"p_mark must be a probability in \[0, 1\], got 1.5"):
        last_mark_task(rng, 2, 5, p_mark=1.5)
    with pytest.raises(ValueError, match="p_mark"):
        last_mark_task(rng, 2, 5, p_mark=-0.1)
    with pytest.raises(TypeError, match="p_mark must be a number"):
        last_mark_task(rng, 2, 5, p_mark="often")
    with pytest.raises(ValueError, match="length"):
        last_mark_task(rng, 2, 0)
    with pytest.raises(ValueError, match="batch_size"):
        last_mark_task(rng, 0, 5)
