"""The figure defects the report issue lists, checked on the drawn figures."""

from __future__ import annotations

import colorsys
import itertools

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd

from biomarker.plots import consort_flow, km_plot, mark_km_median, score_by_response, tmb_distribution
from biomarker.plots.tmb import FILTER_COLOURS


def test_tmb_axis_labels_never_overlap() -> None:
    values = np.array([0.07, 0.3, 0.9, 1.0, 3.3, 9.9, 10.0, 26.0, 55.0])
    frame = pd.DataFrame(
        {
            "sample": [f"T{i}" for i in range(len(values))],
            "tmb_per_mb": values,
            "tmb_ci95_low_per_mb": values / 3,
            "tmb_ci95_high_per_mb": values * 2,
        }
    )
    fig = tmb_distribution(frame)
    fig.canvas.draw()
    ax = fig.axes[0]
    lo, hi = ax.get_ylim()
    ticks = [*ax.yaxis.get_major_ticks(), *ax.yaxis.get_minor_ticks()]
    boxes = [
        t.label1.get_window_extent()
        for t in ticks
        if t.label1.get_visible() and t.label1.get_text() and lo <= t.get_loc() <= hi
    ]
    assert len(boxes) >= 6
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    texts = {t.label1.get_text() for t in ticks if lo <= t.get_loc() <= hi}
    assert {"1", "10"} <= texts


def test_filter_fate_colours_are_told_apart() -> None:
    rgb = {k: np.array(mcolors.to_rgb(v)) * 255 for k, v in FILTER_COLOURS.items()}
    for a, b in itertools.combinations(rgb, 2):
        assert np.linalg.norm(rgb[a] - rgb[b]) > 40, (a, b)
    blues = [
        k
        for k, (r, g, b) in rgb.items()
        if 0.52 < colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)[0] < 0.65
        and colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)[1] > 0.3
    ]
    assert blues == ["counted"]


def test_km_median_and_ci_marked_and_labelled() -> None:
    curves = pd.DataFrame(
        {
            "group": "pfs",
            "time_months": [0.0, 2.0, 5.0, 8.0],
            "survival": [1.0, 0.7, 0.45, 0.2],
            "ci_lower": [1.0, 0.4, 0.2, 0.05],
            "ci_upper": [1.0, 0.9, 0.7, 0.5],
            "censored": 0,
        }
    )
    fig = mark_km_median(km_plot(curves), 5.0, 2.0, float("nan"))
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "median 5.0 months (95% CI 2.0, NE)" in labels


def test_one_n_per_panel() -> None:
    frame = pd.DataFrame(
        {
            "group": ["responder", "responder", "non-responder"],
            "tps": [60.0, None, 5.0],
            "low": [None, 1.0, None],
            "high": [None, 49.0, None],
        }
    )
    fig = score_by_response(frame, value_col="tps", low_col="low", high_col="high")
    assert fig.axes[0].get_title() == "n = 3"  # the range-reported score counts
    flow = consort_flow([("Enrolled", 30), ("Treated", 29)], {1: [("Died", 12)]})
    assert [t.get_text() for t in flow.axes[0].texts if t.get_bbox_patch() is not None] == [
        "Enrolled\nn = 30",
        "Treated\nn = 29",
        "Died: n = 12",
    ]
