"""Clinical figures: each takes a tidy frame, returns a Figure on the Agg canvas and saves as PNG."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from biomarker.plots import km_plot, spider, swimmer, waterfall
from biomarker.plots._figure import BOR_COLOURS


def png_ok(fig: Figure, tmp_path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=60)
    assert path.read_bytes()[:4] == b"\x89PNG"


@pytest.fixture
def bor():
    return pd.DataFrame(
        {
            "usubjid": ["A", "B", "C", "D"],
            "best_pct_change_from_baseline": [-60.0, 25.0, -10.0, np.nan],
            "bor": ["CR", "PD", "SD", "NE"],
        }
    )


def test_waterfall_bars_sorted_coloured_with_reference_lines(bor, tmp_path):
    fig = waterfall(bor)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [25.0, -10.0, -60.0]  # missing value left out, largest increase first
    assert matplotlib.colors.to_hex(ax.patches[0].get_facecolor()) == BOR_COLOURS["PD"].lower()
    levels = sorted(line.get_ydata()[0] for line in ax.lines)
    assert levels == [-30.0, 0.0, 20.0]
    assert type(fig.canvas).__name__ == "FigureCanvasAgg"
    png_ok(fig, tmp_path, "waterfall")


def test_spider_one_line_per_subject(tmp_path):
    tp = pd.DataFrame(
        {
            "usubjid": ["A"] * 3 + ["B"] * 2,
            "months_from_first_dose": [0, 1.4, 2.8, 0, 1.4],
            "pct_change_from_baseline": [0, -35, -50, 0, 30],
            "bor": ["PR"] * 3 + ["PD"] * 2,
        }
    )
    fig = spider(tp)
    subject_lines = [ln for ln in fig.axes[0].lines if len(ln.get_xdata()) > 1 and ln.get_marker() == "o"]
    assert len(subject_lines) == 2
    png_ok(fig, tmp_path, "spider")


def test_swimmer_lanes_and_events(tmp_path):
    lanes = pd.DataFrame(
        {
            "usubjid": ["A", "B", "C"],
            "duration_months": [12.0, 3.0, 7.5],
            "bor": ["PR", "PD", "SD"],
            "ongoing": [True, False, False],
        }
    )
    events = pd.DataFrame(
        {
            "usubjid": ["A", "B", "B"],
            "time_months": [1.4, 1.4, 3.0],
            "event": ["response", "progression", "death"],
        }
    )
    fig = swimmer(lanes, events)
    ax = fig.axes[0]
    assert [p.get_width() for p in ax.patches] == [3.0, 7.5, 12.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B", "C", "A"]
    assert len(ax.collections) == 3  # one scatter per event type
    png_ok(fig, tmp_path, "swimmer")


def test_km_plot_draws_curves_and_numbers_at_risk(tmp_path):
    curves = pd.DataFrame(
        {
            "group": ["pfs"] * 4,
            "time_months": [0.0, 1.0, 2.0, 4.0],
            "survival": [1.0, 0.75, 0.5, 0.5],
            "ci_lower": [1.0, 0.4, 0.2, 0.2],
            "ci_upper": [1.0, 0.9, 0.8, 0.8],
            "censored": [0, 0, 0, 1],
        }
    )
    risk = pd.DataFrame({"group": ["pfs"] * 3, "time_months": [0.0, 2.0, 4.0], "n_at_risk": [4, 2, 1]})
    fig = km_plot(curves, risk, title="PFS")
    main, table = fig.axes
    assert main.get_title() == "PFS"
    assert [t.get_text() for t in table.texts] == ["4", "2", "1"]
    png_ok(fig, tmp_path, "km")
    assert len(km_plot(curves).axes) == 1


def test_plots_do_not_touch_pyplot_state(bor):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    waterfall(bor)
    assert plt.get_fignums() == before


def test_missing_columns_are_named(bor):
    with pytest.raises(ValueError, match="waterfall needs column"):
        waterfall(bor.drop(columns=["bor"]))


def test_dor_curve_runs_in_months_from_first_response():
    import pandas as pd

    from biomarker.plots.endpoints import endpoint_figures

    curves = pd.DataFrame(
        {
            "endpoint": ["dor"] * 3,
            "time_months": [0.0, 2.0, 5.0],
            "survival": [1.0, 0.5, 0.5],
            "ci_lower": [1.0, 0.1, 0.1],
            "ci_upper": [1.0, 0.9, 0.9],
            "censored": [0, 0, 1],
        }
    )
    risk = pd.DataFrame({"endpoint": ["dor", "dor"], "time_months": [0.0, 3.0], "n_at_risk": [2, 1]})
    fig = endpoint_figures({"km_curves": curves, "km_at_risk": risk}, only="km_dor")["km_dor"]
    assert "Months from first response" in [ax.get_xlabel() for ax in fig.axes]
