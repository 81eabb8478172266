"""Excerpts of the package's code, as the chapters show them."""

import inspect

import pytest

from lstm_magnifier import cell
from lstm_magnifier.viz.excerpt import Excerpt, source


def test_the_excerpt_is_the_code_without_its_docstring():
    excerpt = source(cell.learn_network)
    code = inspect.getsource(cell.learn_network)
    assert excerpt.text.startswith("def learn_network(z_i, z_g, variant=STANDARD):")
    assert '"""' not in excerpt.text
    body = [line for line in excerpt.text.splitlines()[1:]]
    assert body and all(line in code for line in body)
    assert "return i * g, i, g" in excerpt.text


def test_the_docstring_stays_when_asked_for():
    assert '"""' in source(cell.learn_network, docstring=True).text


def test_the_excerpt_shows_as_python_and_compares_as_its_text():
    excerpt = source(cell.remember_network)
    assert repr(excerpt) == excerpt.text
    assert excerpt._repr_markdown_() == f"```python\n{excerpt.text}\n```"
    assert excerpt.name == "lstm_magnifier.cell.remember_network"


def test_a_method_is_dedented():
    excerpt = source(cell.LSTMCell.step)
    assert excerpt.text.startswith("def step(self, x, state=None):")


def test_only_functions_and_classes():
    with pytest.raises(TypeError, match="obj must be a function or a class, got int"):
        source(3)
    assert isinstance(source(cell.Trace), Excerpt)
