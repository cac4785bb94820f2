"""The one-pass grid layout: hostile labels (long names, many panels, large numbers) stay inside the figure and
apart, as the report draws them (110 dpi)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from biomarker.plots import measure_over_visits, rates_by_level
from biomarker.plots._figure import new_figure
from biomarker.plots.forest import forest_plot
from tests.plots.text_extents import text_defects

LONG = "Immune-mediated pneumonitis requiring systemic corticosteroids"


def long_label_figure(layout: str | None):
    fig = new_figure(8, 3, layout=layout)
    ax = fig.add_subplot()
    ax.barh(range(3), [1, 2, 3])
    ax.set_yticks(range(3), [LONG, "Rash", f"{LONG} (grade 3)"])
    ax.set_xlabel("Subjects (n)")
    ax.set_title("Adverse events")
    return fig


def test_the_check_sees_a_clipped_label() -> None:
    # without a layout engine the long tick labels run off the left edge: the check must say so
    assert any("outside the figure" in d for d in text_defects(long_label_figure(None)))
    fig = long_label_figure("grid")
    assert text_defects(fig) == []
    assert fig.get_layout_engine().passes == 1


def test_forest_with_long_names_and_many_panels() -> None:
    rng = np.random.default_rng(3)
    n = 6
    est = np.exp(rng.normal(0, 1, 3 * n))
    effects = pd.DataFrame(
        {
            "panel": np.repeat(["Response: odds ratio", "PFS: hazard ratio", "OS: hazard ratio"], n),
            "label": [f"{LONG[: 10 + 8 * (i % 6)]} (per SD, n 30, {i} events)" for i in range(3 * n)],
            "estimate": est,
            "ci_lower": est / 3,
            "ci_upper": est * 4,
            "p": rng.uniform(0, 1, 3 * n),
        }
    )
    assert text_defects(forest_plot(effects, title="Effects")) == []


def test_grids_with_long_titles_levels_and_large_values() -> None:
    rates = pd.DataFrame(
        {
            "feature": np.repeat([f"feature_{k}_{'x' * 3 * k}" for k in range(3)], 3),
            "level": ["low", "intermediate (1-49%)", "high (>= 50%)"] * 3,
            "n": 10,
            "rate": 0.3,
            "ci_lower": 0.1,
            "ci_upper": 0.6,
        }
    )
    assert text_defects(rates_by_level(rates)) == []
    visits = ["C1D1", "C2D1", "C4D1", "C6D1", "EOT"]
    rows = [
        (f"S{s}", v, m, 10.0 ** (2 + 1.5 * k) * (1 + 0.1 * s), "responder" if s % 2 else "non-responder")
        for s in range(4)
        for v in visits
        for k, m in enumerate(["cd3", "cd4", "b", "ratio", "abs"])
    ]
    frame = pd.DataFrame(rows, columns=["usubjid", "visit", "measure", "value", "group"])
    labels = {m: f"{m.upper()} cells per microlitre of whole blood" for m in frame["measure"].unique()}
    fig = measure_over_visits(frame, measures=list(labels), labels=labels, visit_order=visits)
    assert text_defects(fig) == []
    assert fig.get_layout_engine().passes >= 1  # placed by the grid layout (with its suptitle), no fallback


def test_an_axis_label_set_after_a_draw_is_drawn_below_the_tick_labels() -> None:
    fig = new_figure(4, 3)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    fig.canvas.draw()  # the empty x label is hidden (nothing to place)
    ax.set_xlabel("Months")
    assert text_defects(fig) == []
    renderer = fig.canvas.get_renderer()
    label = ax.xaxis.label.get_window_extent(renderer)
    ticks = max(t.get_window_extent(renderer).y0 for t in ax.get_xticklabels() if t.get_text())
    assert ax.xaxis.label.get_visible() and label.height > 0 and label.y1 < ticks


def test_a_figure_legend_falls_back_to_constrained_layout() -> None:
    fig = new_figure(4, 3)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="a line with a long legend label")
    fig.legend(loc="outside right upper")  # constrained layout makes room for it
    assert text_defects(fig) == []
    assert fig.get_layout_engine().passes == -1


def test_a_matplotlib_without_the_private_attributes_gets_constrained_layout(monkeypatch) -> None:
    from biomarker.plots import _layout

    def gone(ax) -> None:
        raise AttributeError("'Axes' object has no attribute '_autotitlepos'")

    monkeypatch.setattr(_layout, "_fix_title_position", gone)
    fig = long_label_figure("grid")
    assert text_defects(fig) == []  # placed all the same, by constrained layout
    assert fig.get_layout_engine().passes == -1
