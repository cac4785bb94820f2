"""The new figures draw what they are given (no statistics computed), on the Agg canvas."""

from __future__ import annotations

import numpy as np
import pandas as pd

from biomarker.models.univariable import box_stats
from biomarker.plots.biomarker_response import biomarker_by_response
from biomarker.plots.calibration import calibration_plot
from biomarker.plots.forest import forest_plot
from biomarker.plots.roc import roc_plot


def test_biomarker_by_response_shows_every_point_and_n_per_group():
    t = pd.DataFrame({"y": [0, 0, 0, 1, 1], "tmb": [1.0, 2.0, 3.0, 8.0, np.nan], "tps": [0, 5, 60, 70, 80.0]})
    points, boxes = box_stats(t, "y", ["tmb", "tps"])
    fig = biomarker_by_response(points, boxes)
    assert type(fig.canvas).__name__ == "FigureCanvasAgg" and len(fig.axes) == 2
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["non-responder\n(n=3)", "responder\n(n=1)"]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 4  # every non-missing value drawn
    b = boxes.set_index(["feature", "group"]).loc[("tps", "non-responder")]
    assert (b["q1"], b["median"], b["q3"]) == (2.5, 5.0, 32.5)


def test_roc_calibration_and_forest_draw_their_tables():
    roc = pd.DataFrame(
        {
            "model": ["a"] * 3 + ["b"] * 3,
            "fpr": [0, 0.5, 1] * 2,
            "tpr": [0, 0.7, 1, 0, 0.5, 1],
            "tpr_lower": [0, 0.5, 1] * 2,
            "tpr_upper": [0, 0.9, 1] * 2,
            "label": ["a AUC 0.70"] * 3 + ["b"] * 3,
        }
    )
    ax = roc_plot(roc).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a AUC 0.70", "b"]
    cal = pd.DataFrame(
        {
            "model": "a",
            "mean_predicted": [0.1, 0.4, 0.8],
            "observed": [0.0, 0.5, 0.7],
            "ci_lower": [0.0, 0.2, 0.4],
            "ci_upper": [0.3, 0.8, 0.9],
        }
    )
    assert calibration_plot(cal).axes[0].get_xlabel() == "Mean predicted probability"
    eff = pd.DataFrame(
        {
            "panel": ["Response", "Response", "PFS"],
            "label": ["tmb", "tps", "tmb"],
            "estimate": [2.0, 1.1, 0.6],
            "ci_lower": [1.2, 0.6, 0.4],
            "ci_upper": [3.3, 2.0, 0.9],
            "p": [0.01, 0.7, 0.02],
        }
    )
    fig = forest_plot(eff)
    assert len(fig.axes) == 2 and fig.axes[0].get_xscale() == "log"
    ticks = {t.get_text(): y for t, y in zip(fig.axes[0].get_yticklabels(), fig.axes[0].get_yticks(), strict=True)}
    assert ticks["tmb"] > ticks["tps"]  # first row on top
