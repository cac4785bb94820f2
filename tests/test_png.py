"""Figure PNGs (the report's, every result's files, the store's gate plots): the same pixels savefig writes, RGB
when the figure is opaque, RGBA when it is not; files written whole or not at all."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure
from PIL import Image

from biomarker.plots import km_plot
from biomarker.png import figure_png, write_png

FIGURE_DPI = 110


def _pixels(png: bytes) -> tuple[str, np.ndarray]:
    image = Image.open(io.BytesIO(png))
    return image.mode, np.asarray(image.convert("RGBA"))


def test_same_pixels_as_savefig_without_the_alpha_channel() -> None:
    curves = pd.DataFrame(
        {"group": "os", "time_months": [0.0, 2.0, 5.0], "survival": [1.0, 0.6, 0.3], "censored": [0, 1, 0]}
    )
    fig = km_plot(curves)
    saved = io.BytesIO()
    fig.savefig(saved, format="png", dpi=FIGURE_DPI)
    mode, ours = _pixels(figure_png(fig, FIGURE_DPI))
    _, theirs = _pixels(saved.getvalue())
    assert mode == "RGB"
    assert ours.shape == theirs.shape and (ours == theirs).all()


def test_a_transparent_figure_keeps_its_alpha_and_a_foreign_canvas_stays() -> None:
    fig = Figure(figsize=(2, 1))
    canvas = FigureCanvasBase(fig)
    fig.patch.set_alpha(0)
    fig.add_subplot().plot([0, 1])
    mode, pixels = _pixels(figure_png(fig, FIGURE_DPI))
    assert mode == "RGBA" and pixels[..., 3].min() == 0
    assert pixels.shape[:2] == (FIGURE_DPI, 2 * FIGURE_DPI)
    assert fig.canvas is canvas and fig.dpi == 100


def test_a_file_is_the_bytes_and_a_failed_draw_leaves_the_old_file(tmp_path) -> None:
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1])
    path = write_png(fig, tmp_path / "f.png", 50)
    assert path.read_bytes() == figure_png(fig, 50)
    broken = Figure(figsize=(2, 1))
    broken.add_subplot().text(0, 0, "$\\frac{unclosed$")  # mathtext fails at draw time
    with pytest.raises(ValueError):
        write_png(broken, path, 50)
    assert path.read_bytes() == figure_png(fig, 50) and [p.name for p in tmp_path.iterdir()] == ["f.png"]
