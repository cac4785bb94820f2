"""Spider plot: % change of the target-lesion sum over time, one line per subject."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from biomarker.plots._figure import BOR_ORDER, bor_colour, new_figure, require_columns


def spider(
    frame: pd.DataFrame,
    *,
    x_col: str = "months_from_first_dose",
    y_col: str = "pct_change_from_baseline",
    id_col: str = "usubjid",
    bor_col: str = "bor",
    title: str = "Change in sum of target lesion diameters",
    x_label: str = "Months from first dose",
) -> Figure:
    """One line per subject through its time points, coloured by BOR, with +20 % / -30 % guides.

    Parameters
    ----------
    frame
        Tidy time points (baseline included at 0 %): ``id_col, x_col, y_col, bor_col``; without ``x_col``,
        ``days_from_first_dose`` is turned into months (days / 30.4375).

    Examples
    --------
    >>> df = pd.DataFrame({"usubjid": ["A"] * 3, "months_from_first_dose": [0, 1.4, 2.8],
    ...                    "pct_change_from_baseline": [0.0, -20.0, -40.0], "bor": ["PR"] * 3})
    >>> len(spider(df).axes[0].lines) >= 1
    True
    """
    if x_col not in frame.columns and "days_from_first_dose" in frame.columns:  # months, whatever the caller had
        frame = frame.assign(**{x_col: frame["days_from_first_dose"].clip(lower=0) / 30.4375})
    require_columns(frame, [x_col, y_col, id_col, bor_col], "spider")
    data = frame[frame[y_col].notna()].sort_values([id_col, x_col])
    fig = new_figure(8, 5)
    ax = fig.add_subplot()
    for _, g in data.groupby(id_col, sort=True):
        colour = bor_colour(g[bor_col].iloc[0])
        ax.plot(g[x_col], g[y_col], color=colour, marker="o", markersize=3, linewidth=1, alpha=0.85)
    for level, text in ((20, "+20%: progression"), (-30, "-30%: partial response")):
        ax.axhline(level, color="#444444", linestyle="--", linewidth=0.8)
        ax.annotate(
            text,
            xy=(1.0, level),
            xycoords=("axes fraction", "data"),
            xytext=(-3, 2),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=7,
            color="#444444",
        )
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xlabel(x_label)
    ax.set_ylabel("Change from baseline (%)")
    ax.set_title(f"{title} (n = {data[id_col].nunique()})")
    present = [b for b in BOR_ORDER if b in set(data[bor_col].astype(str))]
    ax.legend(
        handles=[Line2D([], [], color=bor_colour(b), label=b) for b in present],
        title="BOR",
        frameon=False,
        fontsize=8,
    )
    return fig
