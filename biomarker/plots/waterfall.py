"""Waterfall plot of best percentage change of the target-lesion sum, coloured by BOR."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from biomarker.plots._figure import BOR_ORDER, bor_colour, new_figure, require_columns


def waterfall(
    frame: pd.DataFrame,
    *,
    value_col: str = "best_pct_change_from_baseline",
    bor_col: str = "bor",
    id_col: str = "usubjid",
    title: str = "Best change in sum of target lesion diameters",
    pd_line: float = 20.0,
    pr_line: float = -30.0,
) -> Figure:
    """Bars of each subject's best % change from baseline, largest increase first.

    Parameters
    ----------
    frame
        One row per subject with ``value_col`` (%), ``bor_col`` and ``id_col``; rows without a
        value are left out.
    pd_line, pr_line
        Reference lines (RECIST: +20 % progression, -30 % partial response).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> df = pd.DataFrame({"usubjid": ["A", "B"], "best_pct_change_from_baseline": [-45.0, 12.0],
    ...                    "bor": ["PR", "SD"]})
    >>> fig = waterfall(df)
    >>> len(fig.axes[0].patches)
    2
    """
    require_columns(frame, [value_col, bor_col, id_col], "waterfall")
    data = frame[frame[value_col].notna()].sort_values([value_col, id_col], ascending=[False, True])
    fig = new_figure(9, 4.5)
    ax = fig.add_subplot()
    x = range(len(data))
    ax.bar(x, data[value_col], color=[bor_colour(b) for b in data[bor_col]], width=0.8, edgecolor="none")
    ax.axhline(pd_line, color="#444444", linestyle="--", linewidth=0.8)
    ax.axhline(pr_line, color="#444444", linestyle="--", linewidth=0.8)
    # bars fall from left to right: the progression label sits right, the response label left, both clear of bars
    ax.annotate(
        f"+{pd_line:g}%: progression",
        xy=(1.0, pd_line),
        xycoords=("axes fraction", "data"),
        xytext=(-3, 2),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize=7,
        color="#444444",
    )
    ax.annotate(
        f"{pr_line:g}%: partial response",
        xy=(0.0, pr_line),
        xycoords=("axes fraction", "data"),
        xytext=(3, -2),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=7,
        color="#444444",
    )
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(list(x))
    ax.set_xticklabels(data[id_col], rotation=90, fontsize=6)
    ax.set_ylabel("Best change from baseline (%)")
    ax.set_xlabel("Subject")
    ax.set_title(f"{title} (n = {len(data)})")
    present = [b for b in BOR_ORDER if b in set(data[bor_col].astype(str))]
    ax.legend(handles=[Patch(color=bor_colour(b), label=b) for b in present], title="BOR", frameon=False, fontsize=8)
    return fig
