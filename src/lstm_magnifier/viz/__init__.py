"""Pictures and explorers: everything in the package that draws.

Only this subpackage imports Matplotlib, ipywidgets, anywidget or IPython; the modules outside it
compute, these show:

- ``palette``: the book's colours (Okabe and Ito), one per network, memory and gate;
- ``drawing``: the shapes and live value boxes the diagrams are drawn with;
- ``diagrams``: the cell with its four networks, and one network under the magnifier;
- ``layer_diagrams``: a dense layer beside a cell, the recurrence unrolled, a stack;
- ``plots``: charts of results (losses, accuracies, influence, units, heat maps);
- ``explorers``: sliders on the cell, whose figures ``explorers.js`` draws in the browser (in
  JupyterLab and on the static site); ``views`` draws them with Matplotlib, for print;
- ``excerpt``: the package's own code, shown in a chapter.
"""
