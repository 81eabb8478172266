"""Sphinx extension: three fixes to the pages, for screen readers and keyboards.

The first two are made in the page body, as each page is written (``html-page-context``),
the third by a short script on every page. tests/test_site.py runs axe-core on every page
(light mode on a desktop screen, dark mode on a phone's) and fails if one comes back.

1. A code cell tagged ``hide-input`` opens with the button "Show code cell source", a
   ``<summary>`` that myst-nb names "Toggle hidden content" (``aria-label``). A reader who
   says the label they see ("click Show code cell source") is not understood (WCAG 2.5.3,
   label in name; axe's rule label-content-name-mismatch). Without the ``aria-label`` the
   summary is named by what it shows ("Show code cell source" or, open, "Hide code cell
   source": the other line is hidden).

2. docutils writes the bibliography as a ``role="list"`` whose entries have
   ``role="doc-biblioentry"``, a role that DPUB-ARIA 1.1 deprecated: a list of them has no
   list items for assistive technology (axe: aria-required-children, aria-deprecated-role).
   The entries become plain list items (``role="listitem"``), as the role asks.

3. Display maths wider than its column (on a phone, most aligned equations) scrolls
   sideways in its own box (the theme's CSS), which a mouse or a finger can scroll but a
   keyboard cannot reach (axe: scrollable-region-focusable). The script below gives such a
   box ``tabindex="0"`` once MathJax has typeset the page, and again when the window is
   resized, as the theme's own script does for code blocks, outputs and tables: the arrow
   keys then scroll it. Maths that fits takes no place in the tab order.
"""

import re

_HIDE_INPUT_SUMMARY = re.compile(r'<summary aria-label="Toggle hidden content">')
_BIBLIOGRAPHY_ENTRY = re.compile(r'(<div class="citation"[^>]*) role="doc-biblioentry"')


SCROLLABLE_MATHS_SCRIPT = """
(() => {
  // Whether a box scrolls changes while the page settles (MathJax's fonts arrive after its
  // typesetting, the window resizes), so each box and its maths are watched for size changes.
  const fit = (box) => {
    if (box.scrollWidth > box.clientWidth) box.tabIndex = 0;
    else box.removeAttribute("tabindex");
  };
  const watch = () => {
    const boxes = document.querySelectorAll("div.math > mjx-container");
    const observer = new ResizeObserver((entries) => {
      for (const entry of entries) fit(entry.target.closest("mjx-container"));
    });
    for (const box of boxes) {
      fit(box);
      observer.observe(box);
      if (box.firstElementChild) observer.observe(box.firstElementChild);
    }
  };
  window.addEventListener("load", () => {
    const startup = window.MathJax && window.MathJax.startup;
    if (startup && startup.promise) startup.promise.then(watch);
  });
})();
"""


def fix_body(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not isinstance(body, str):
        return
    body = _HIDE_INPUT_SUMMARY.sub("<summary>", body)
    body = _BIBLIOGRAPHY_ENTRY.sub(r'\1 role="listitem"', body)
    context["body"] = body


def setup(app):
    app.connect("html-page-context", fix_body)
    app.add_js_file(None, body=SCROLLABLE_MATHS_SCRIPT)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
