"""How an explorer's figure reaches the screen: blitting, PNG pictures, canvases (Agg)."""

import base64
import io

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from lstm_magnifier.viz.canvas import png_bytes, shown_png
from lstm_magnifier.viz.diagrams import format_value
from lstm_magnifier.viz.explorers import GateExplorer, MemoryTimeline

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _keep_the_backend():
    """Importing ipympl switches pyplot to its own backend: switch back for the next tests."""
    backend = matplotlib.get_backend()
    yield
    plt.switch_backend(backend)


def random_gates(rng):
    i, f, o = rng.uniform(0.01, 0.99, size=3)
    return {"i": i, "f": f, "g": rng.uniform(-0.99, 0.99), "o": o}


def image_of(explorer):
    return np.asarray(explorer.figure.canvas.buffer_rgba())[..., :3].copy()


def test_blitted_picture_equals_a_full_redraw(rng):
    explorer = GateExplorer(canvas="agg")
    for _ in range(15):
        explorer.set(**random_gates(rng), c_prev=rng.uniform(-3, 3))
    blitted = image_of(explorer)
    explorer._refresh(full=True)
    assert np.array_equal(blitted, image_of(explorer))


def test_savefig_includes_the_moving_parts():
    explorer = GateExplorer(canvas="agg", f=0.1)
    shown = image_of(explorer)
    background = explorer._blitter._background[..., :3]  # the figure without its moving parts
    buffer = io.BytesIO()
    explorer.savefig(buffer, format="png", dpi=explorer.figure.dpi)
    saved = np.asarray(Image.open(buffer).convert("RGB"))
    assert saved.shape == shown.shape
    moving = np.any(background != shown, axis=-1).sum()
    # Drawn in another order (by zorder, not moving parts last): a few edge pixels may differ.
    assert moving > 1000 and np.any(saved != shown, axis=-1).sum() < 0.05 * moving
    assert np.array_equal(image_of(explorer), shown)  # and the live picture is back


def test_image_canvas_holds_a_png_of_the_figure():
    explorer = GateExplorer(canvas="image")
    png = shown_png(explorer._figure_widget.value)
    assert png.startswith(b"\x89PNG")
    assert np.array_equal(
        np.asarray(Image.open(io.BytesIO(png)).convert("RGB")), image_of(explorer)
    )
    assert explorer._figure_widget in explorer.widget.children
    assert f'alt="{explorer.ALT}"' in explorer._figure_widget.value


def test_png_bytes_round_trip(rng):
    rgba = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(png_bytes(rgba))))
    assert np.array_equal(decoded, rgba[..., :3])


def test_canvas_choice(monkeypatch):
    with pytest.raises(ValueError, match="canvas"):
        GateExplorer(canvas="svg")
    monkeypatch.setenv("LSTM_MAGNIFIER_CANVAS", "agg")
    explorer = GateExplorer()
    assert explorer.canvas == "agg" and len(explorer.widget.children) == 1


def test_ipympl_canvas_when_installed():
    pytest.importorskip("ipympl", reason="ipympl is optional; without it explorers use images")
    from ipympl.backend_nbagg import Canvas

    explorer = GateExplorer(canvas="ipympl")
    canvas = explorer.figure.canvas
    assert isinstance(canvas, Canvas) and canvas in explorer.widget.children
    # Opened with a picture (a complete data URL) and its size, so that its view can start.
    assert canvas._data_url.startswith("data:image/png;base64,iVBOR")
    assert tuple(canvas._size) == canvas.get_width_height()
    explorer.set(f=0.2)
    assert explorer.view.diagram.artists["f"].get_text() == format_value(0.2)
    shown = base64.b64decode(canvas._data_url.split(",", 1)[1])
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(shown))), image_of(explorer))


def test_timeline_blit_equals_full_redraw():
    explorer = MemoryTimeline(canvas="agg")
    for f in np.linspace(0.5, 0.99, 12):
        explorer.set(f=float(f))
    blitted = image_of(explorer)
    explorer._refresh(full=True)
    assert np.array_equal(blitted, image_of(explorer))
