"""The package's own code, shown in a chapter next to the equation it computes.

``source(learn_network)`` returns an :class:`Excerpt`: in a notebook and on the book's pages it
shows as highlighted Python, and its plain text is the code itself, so the stored output of a
chapter changes (and the notebook test fails) the moment the code in the package does. The chapters
never copy code by hand.
"""

import ast
import inspect
import textwrap


class Excerpt:
    """Source code to show: ``text`` is the code, ``name`` where it comes from."""

    def __init__(self, text, name):
        self.text = text
        self.name = name

    def __repr__(self):
        return self.text

    def _repr_markdown_(self):
        return f"```python\n{self.text}\n```"


def source(obj, *, docstring=False):
    """The code of function or class ``obj`` as an :class:`Excerpt`, dedented.

    With ``docstring=False`` (default) the docstring is left out: the chapter's prose says what the
    code does, the excerpt shows how. Comments stay.
    """
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        raise TypeError(f"obj must be a function or a class, got {type(obj).__name__}")
    lines = textwrap.dedent(inspect.getsource(obj)).splitlines()
    definition = ast.parse("\n".join(lines)).body[0]
    if ast.get_docstring(definition, clean=False) is not None and not docstring:
        del lines[definition.body[0].lineno - 1 : definition.body[0].end_lineno]
    return Excerpt("\n".join(lines), f"{obj.__module__}.{obj.__qualname__}")
