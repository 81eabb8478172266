"""How an explorer's figure reaches the screen: blitting, PNG pictures, ipympl's canvas.

The ``canvas`` argument of every explorer (default from the environment variable
``LSTM_MAGNIFIER_CANVAS``, else ``"auto"``) is one of :data:`CANVASES`:

- ``"image"``: the figure is drawn off screen and shown as a PNG in an
  ``ipywidgets.Image``. Works with the default inline backend, in JupyterLab 4,
  Notebook 7, and in the static book (which shows the last image).
- ``"ipympl"``: the figure's canvas is ipympl's canvas widget, which sends only
  the pixels that changed.
- ``"auto"``: ``"ipympl"`` when ipympl is installed, else ``"image"``.
- ``"agg"``: draw off screen only, show nothing (scripts and benchmarks).

Only the parts of a figure that move (value boxes, bars, curves) are redrawn on a
change, over a saved background (see :class:`Blitter`); the figure is never
rebuilt.
"""

import base64
import math
import os
import struct
import zlib
from html import escape

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from lstm_magnifier import _checks

CANVASES = ("auto", "image", "ipympl", "agg")
"""Ways an explorer can show its figure (see the module docstring)."""


def _resolve_canvas(canvas):
    if canvas is None:
        canvas = os.environ.get("LSTM_MAGNIFIER_CANVAS", "auto")
    _checks.check_one_of("canvas", canvas, CANVASES)
    if canvas == "auto":
        try:
            import ipympl  # noqa: F401
        except ImportError:
            return "image"
        return "ipympl"
    return canvas


def _figure(figsize, dpi):
    """A figure outside pyplot (so the inline backend never shows it on its own), Agg canvas."""
    figure = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white")
    return figure


def _signature(artist):
    """What an artist looks like, to tell whether it changed since it was last drawn."""
    if not artist.get_visible():
        return ("hidden",)
    if isinstance(artist, Text):
        return ("text", artist.get_text(), tuple(artist.get_position()), artist.get_ha())
    if isinstance(artist, Line2D):
        x, y = artist.get_data()
        return ("line", np.asarray(x, float).tobytes(), np.asarray(y, float).tobytes())
    if isinstance(artist, Rectangle):
        return ("rect", artist.get_x(), artist.get_y(), artist.get_width(), artist.get_height())
    return ("other", id(object()))  # unknown kind: always redraw


class Blitter:
    """Redraw only the moving parts of a figure: dirty rectangles over a saved background.

    ``artists`` are marked animated, so a full draw of the figure leaves them out;
    right after every full draw (Matplotlib's ``draw_event``) the picture is saved
    as the background and the moving parts are drawn on top. :meth:`refresh`
    then compares each moving part with how it was last drawn, copies the
    background back under the ones that changed (and under any moving part that
    overlaps them), and draws just those again. Moving a slider thus redraws a
    few value boxes instead of the whole figure.

    Because animated artists are skipped by ``savefig``, save such a figure with
    :meth:`savefig`.
    """

    def __init__(self, figure, artists):
        self.figure = figure
        self.artists = list(artists)
        for artist in self.artists:
            artist.set_animated(True)
        self._background = None
        self._drawn = {}  # id(artist) -> (signature, pixel box or None)
        self._saving = False
        figure.canvas.mpl_connect("draw_event", self._on_draw)

    def _buffer(self):
        return np.asarray(self.figure.canvas.buffer_rgba())

    def _box(self, artist, renderer):
        """Pixel box ``(row0, row1, col0, col1)`` the artist covers (padded), or None."""
        if not artist.get_visible() or (isinstance(artist, Text) and not artist.get_text()):
            return None
        extent = artist.get_window_extent(renderer)
        patch = artist.get_bbox_patch() if isinstance(artist, Text) else None
        if patch is not None:  # the box around a text: its pad is in units of the font size
            pad = getattr(patch.get_boxstyle(), "pad", 0.3) * artist.get_fontsize()
            grow = (pad + patch.get_linewidth()) * self.figure.dpi / 72
            extent = Bbox.from_extents(
                extent.x0 - grow, extent.y0 - grow, extent.x1 + grow, extent.y1 + grow
            )
        if artist.get_clip_on() and artist.get_clip_box() is not None:
            extent = Bbox.intersection(extent, artist.get_clip_box())
            if extent is None:
                return None
        height, width = self._buffer().shape[:2]
        pad = 4
        col0, col1 = math.floor(extent.x0) - pad, math.ceil(extent.x1) + pad
        row0, row1 = height - math.ceil(extent.y1) - pad, height - math.floor(extent.y0) + pad
        return max(row0, 0), min(row1, height), max(col0, 0), min(col1, width)

    def forget_background(self):
        """Redraw everything next time (e.g. after the figure moved to another canvas)."""
        self._background = None

    def _draw(self, artist, box):
        self.figure.draw_artist(artist)
        self._drawn[id(artist)] = (_signature(artist), box)

    def _on_draw(self, event):
        if self._saving:  # savefig draws the moving parts itself, in place
            return
        self._background = self._buffer().copy()
        for artist in self.artists:
            self._draw(artist, self._box(artist, event.renderer))

    def refresh(self, full=False):
        """Show the artists' current state: a full draw if ``full`` or never drawn, else a blit."""
        canvas = self.figure.canvas
        if full or self._background is None or self._background.shape != self._buffer().shape:
            canvas.draw()  # _on_draw saves the background and draws the moving parts
            return
        renderer = canvas.get_renderer()
        changed = [a for a in self.artists if _signature(a) != self._drawn[id(a)][0]]
        if not changed:
            return
        box = {id(a): self._drawn[id(a)][1] for a in self.artists}  # where each was drawn
        new = {id(a): self._box(a, renderer) for a in changed}  # where the changed ones go
        dirty = [b for a in changed for b in (box[id(a)], new[id(a)]) if b is not None]
        redraw = set(new)
        grown = True
        while grown:  # a moving part that overlaps a cleared box is redrawn, whole
            grown = False
            for artist in self.artists:
                old = box[id(artist)]
                if id(artist) not in redraw and old and any(_overlap(old, b) for b in dirty):
                    redraw.add(id(artist))
                    dirty.append(old)
                    grown = True
        buffer = self._buffer()
        for row0, row1, col0, col1 in dirty:
            buffer[row0:row1, col0:col1] = self._background[row0:row1, col0:col1]
        for artist in self.artists:
            if id(artist) in redraw:
                self._draw(artist, new.get(id(artist), box[id(artist)]))
        canvas.blit(self.figure.bbox)  # nothing for Agg; ipympl sends the changed pixels

    def savefig(self, *args, **kwargs):
        """``figure.savefig`` with the moving parts included."""
        for artist in self.artists:
            artist.set_animated(False)
        self._saving = True
        try:
            self.figure.savefig(*args, **kwargs)
        finally:
            self._saving = False
            for artist in self.artists:
                artist.set_animated(True)
            self._background = None  # savefig may have drawn at another dpi


def _overlap(a, b):
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def image_html(png, alt):
    """``<img>`` HTML showing ``png`` bytes with alt text (``ipywidgets.Image`` has no alt)."""
    source = base64.b64encode(png).decode()
    return f'<img alt="{escape(alt)}" style="width:100%" src="data:image/png;base64,{source}">'


def shown_png(html):
    """The PNG bytes inside :func:`image_html` output."""
    return base64.b64decode(html.split("base64,", 1)[1].split('"', 1)[0])


def png_bytes(rgba):
    """Encode an ``(height, width, 4)`` uint8 image as PNG (RGB, no filter, fast zlib).

    Twice as fast as Pillow's encoder on the explorers' figures, for PNGs of
    about the same size: mostly white pictures compress well without filters.
    """
    height, width = rgba.shape[:2]
    raw = np.empty((height, 1 + 3 * width), np.uint8)
    raw[:, 0] = 0  # filter type "None" for every row
    raw[:, 1:] = rgba[:, :, :3].reshape(height, 3 * width)

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 1))
        + chunk(b"IEND", b"")
    )


def _ipympl_canvas(figure, png):
    """ipympl's canvas widget for ``figure``, opened with its size and a picture of it.

    ipympl opens a canvas empty and of size 0 and waits for the browser to ask
    for a drawing; a canvas that has been drawn before that (as an explorer's
    has) leaves the browser's view broken. Opening it with the size and the
    picture it shows avoids that, and is also what a saved notebook displays.
    """
    from ipympl.backend_nbagg import Canvas, FigureManager
    from traitlets import default

    class OpenedCanvas(Canvas):
        def __init__(self, figure, first):
            self._first = first
            super().__init__(figure)

        @default("_data_url")
        def _first_data_url(self):
            return self._first["_data_url"]

        @default("_size")
        def _first_size(self):
            return self._first["_size"]

    size = (round(figure.bbox.width), round(figure.bbox.height))
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    canvas = OpenedCanvas(figure, {"_data_url": data_url, "_size": size})
    FigureManager(canvas, id(figure))
    with canvas.hold_sync():
        canvas.toolbar_visible = False
        canvas.header_visible = False
        canvas.footer_visible = False
        canvas.resizable = False
    return canvas


__all__ = ["CANVASES", "Blitter", "image_html", "png_bytes", "shown_png"]
