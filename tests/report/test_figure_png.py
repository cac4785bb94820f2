"""The report's PNGs: the same pixels savefig writes, RGB when the figure is opaque, RGBA when it is not."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.figure import Figure
from PIL import Image

from biomarker.plots import km_plot
from biomarker.report.section import FIGURE_DPI, figure_png


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
    mode, ours = _pixels(figure_png(fig))
    _, theirs = _pixels(saved.getvalue())
    assert mode == "RGB"
    assert ours.shape == theirs.shape and (ours == theirs).all()


def test_a_transparent_figure_keeps_its_alpha_and_a_foreign_canvas_stays() -> None:
    fig = Figure(figsize=(2, 1))
    canvas = FigureCanvasBase(fig)
    fig.patch.set_alpha(0)
    fig.add_subplot().plot([0, 1])
    mode, pixels = _pixels(figure_png(fig))
    assert mode == "RGBA" and pixels[..., 3].min() == 0
    assert pixels.shape[:2] == (FIGURE_DPI, 2 * FIGURE_DPI)
    assert fig.canvas is canvas and fig.dpi == 100
