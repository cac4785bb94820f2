"""Swimmer plot: one bar per subject for time on study, with response, progression and death marks."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from biomarker.plots._figure import BOR_ORDER, bor_colour, new_figure, require_columns

EVENT_MARKERS: dict[str, tuple[str, str]] = {
    "response": ("^", "black"),
    "progression": ("X", "white"),
    "death": ("s", "black"),
    "new therapy": ("D", "#CC79A7"),
}


def swimmer(
    lanes: pd.DataFrame,
    events: pd.DataFrame | None = None,
    *,
    id_col: str = "usubjid",
    duration_col: str = "duration_months",
    bor_col: str = "bor",
    ongoing_col: str | None = "ongoing",
    title: str = "Time on study",
    x_label: str = "Months from first dose",
) -> Figure:
    """Horizontal bars of follow-up per subject, coloured by BOR, longest at the top.

    Parameters
    ----------
    lanes
        One row per subject: ``id_col, duration_col, bor_col`` and optionally a boolean
        ``ongoing_col`` (an arrow marks subjects still on treatment).
    events
        Optional ``id_col, time_months, event`` with ``event`` in ``EVENT_MARKERS``.

    Examples
    --------
    >>> lanes = pd.DataFrame({"usubjid": ["A", "B"], "duration_months": [8.0, 3.0], "bor": ["PR", "PD"],
    ...                       "ongoing": [True, False]})
    >>> ev = pd.DataFrame({"usubjid": ["A"], "time_months": [1.4], "event": ["response"]})
    >>> len(swimmer(lanes, ev).axes[0].patches)
    2
    """
    require_columns(lanes, [id_col, duration_col, bor_col], "swimmer")
    data = lanes.sort_values([duration_col, id_col], ascending=[True, False]).reset_index(drop=True)
    fig = new_figure(8, max(3.0, 0.18 * len(data) + 1.5))
    ax = fig.add_subplot()
    y = {sid: i for i, sid in enumerate(data[id_col])}
    ax.barh(list(y.values()), data[duration_col], color=[bor_colour(b) for b in data[bor_col]], height=0.7)
    if ongoing_col and ongoing_col in data:
        for _, row in data[data[ongoing_col].fillna(False).astype(bool)].iterrows():
            ax.annotate(
                "",
                xy=(row[duration_col] + 0.6, y[row[id_col]]),
                xytext=(row[duration_col], y[row[id_col]]),
                arrowprops={"arrowstyle": "->", "color": "black", "lw": 1},
            )
    handles = [Patch(color=bor_colour(b), label=b) for b in BOR_ORDER if b in set(data[bor_col].astype(str))]
    if events is not None and len(events):
        require_columns(events, [id_col, "time_months", "event"], "swimmer events")
        for name, g in events[events[id_col].isin(y)].groupby("event", sort=True):
            marker, colour = EVENT_MARKERS.get(str(name), ("o", "black"))
            ax.scatter(
                g["time_months"],
                g[id_col].map(y),
                marker=marker,
                color=colour,
                edgecolors="black",
                linewidths=0.6,
                s=24,
                zorder=3,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker=marker,
                    markerfacecolor=colour,
                    markeredgecolor="black",
                    linestyle="none",
                    label=str(name),
                )
            )
    ax.set_yticks(list(y.values()))
    ax.set_yticklabels(list(y), fontsize=6)
    ax.set_xlabel(x_label)
    ax.set_title(title)
    ax.legend(handles=handles, frameon=False, fontsize=8, loc="lower right")
    return fig
