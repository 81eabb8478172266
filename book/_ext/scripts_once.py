"""Sphinx extension: each page lists each of its scripts once.

Sphinx 7.4 writes an inline script twice when an extension registers it after
the HTML builder has started (``app.add_js_file(None, body=...)``): the builder
records it under the file name ``None`` at once, and records it again, under
``''``, when it re-adds every registered script before writing the pages;
``None != ''``, so its de-duplication misses it. sphinx-thebe registers
``const THEBE_JS_URL = ...`` that way (on ``env-before-read-docs``), so every
page declared the constant twice and the browser logged "Identifier
'THEBE_JS_URL' has already been declared" (sphinx-togglebutton's
``var togglebuttonSelector = ...`` was doubled too, silently).

Sphinx fixed this in 2025 (sphinx-doc/sphinx#13402: the builder is handed ``''``
for ``None``), after the Sphinx 7 series that Jupyter Book 1.x requires. Until
the book can use a fixed Sphinx, this hook drops the second copy from each page's
``script_files``, treating ``None`` and ``''`` as the same file name, as the fix
does. tests/test_site.py fails on the console error if it comes back.
"""


def _key(script):
    """What makes two script tags the same: file name, priority, attributes (body too)."""
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {})
    attributes = tuple(sorted((name, str(value)) for name, value in attributes.items()))
    return (str(filename), getattr(script, "priority", None), attributes)


def write_each_script_once(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen = set()
    once = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            once.append(script)
    # A new list: the old one is the builder's, which it restores after each page.
    context["script_files"] = once


def setup(app):
    # Late, so that the scripts the theme and extensions add to this page are there.
    app.connect("html-page-context", write_each_script_once, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
