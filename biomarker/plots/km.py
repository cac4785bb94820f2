"""Kaplan-Meier curves with confidence bands, censoring ticks and numbers at risk."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from biomarker.plots._figure import new_figure, require_columns

_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def km_plot(
    curves: pd.DataFrame,
    at_risk: pd.DataFrame | None = None,
    *,
    title: str = "Kaplan-Meier estimate",
    x_label: str = "Months from first dose",
    y_label: str = "Probability",
    show_ci: bool = True,
) -> Figure:
    """Step curves from a tidy Kaplan-Meier table, with a numbers-at-risk table underneath.

    Parameters
    ----------
    curves
        ``group, time_months, survival, ci_lower, ci_upper, censored`` as made by
        :func:`biomarker.clinical.survival.km_curve_table`.
    at_risk
        ``group, time_months, n_at_risk``.

    Examples
    --------
    >>> curves = pd.DataFrame({"group": "all", "time_months": [0.0, 2.0, 5.0], "survival": [1.0, 0.5, 0.5],
    ...                        "ci_lower": [1.0, 0.1, 0.1], "ci_upper": [1.0, 0.9, 0.9], "censored": [0, 0, 1]})
    >>> risk = pd.DataFrame({"group": "all", "time_months": [0.0, 3.0], "n_at_risk": [2, 1]})
    >>> len(km_plot(curves, risk).axes)
    2
    """
    require_columns(curves, ["group", "time_months", "survival"], "km_plot")
    fig = new_figure(8, 5.5 if at_risk is not None else 4.5)
    if at_risk is not None:
        require_columns(at_risk, ["group", "time_months", "n_at_risk"], "km_plot at_risk")
        grid = fig.add_gridspec(2, 1, height_ratios=[4, 0.4 + 0.3 * at_risk["group"].nunique()])
        ax = fig.add_subplot(grid[0])
        table_ax = fig.add_subplot(grid[1], sharex=ax)
    else:
        ax, table_ax = fig.add_subplot(), None
    groups = list(dict.fromkeys(curves["group"]))
    for i, name in enumerate(groups):
        g = curves[curves["group"] == name].sort_values("time_months")
        colour = _PALETTE[i % len(_PALETTE)]
        ax.step(g["time_months"], g["survival"], where="post", color=colour, label=str(name), linewidth=1.5)
        if show_ci and {"ci_lower", "ci_upper"} <= set(g.columns):
            ax.fill_between(
                g["time_months"],
                g["ci_lower"],
                g["ci_upper"],
                step="post",
                color=colour,
                alpha=0.15,
                linewidth=0,
            )
        if "censored" in g:
            cens = g[g["censored"] > 0]
            ax.scatter(cens["time_months"], cens["survival"], marker="|", color=colour, s=40, zorder=3)
    ax.set_ylim(0, 1.05)
    ax.set_xlim(left=0)
    ax.set_ylabel(y_label)
    ax.set_title(title)
    if len(groups) > 1:
        ax.legend(frameon=False)
    if table_ax is None:
        ax.set_xlabel(x_label)
        return fig
    ticks = sorted(set(at_risk["time_months"]))
    ax.set_xticks(ticks)  # the at-risk numbers stand under the ticks they belong to
    table_ax.set_xticks(ticks)
    table_ax.set_ylim(-0.5, len(groups) - 0.5)
    for i, name in enumerate(groups):
        row = at_risk[at_risk["group"] == name]
        yy = len(groups) - 1 - i
        for t, n in zip(row["time_months"], row["n_at_risk"], strict=True):
            table_ax.text(t, yy, str(int(n)), ha="center", va="center", fontsize=8, color=_PALETTE[i % len(_PALETTE)])
    table_ax.set_yticks(range(len(groups)))
    table_ax.set_yticklabels(list(reversed([str(g) for g in groups])), fontsize=8)
    table_ax.set_title("Number at risk", fontsize=8, loc="left")
    table_ax.tick_params(axis="y", length=0, pad=14)
    for side in ("top", "right", "left"):
        table_ax.spines[side].set_visible(False)
    table_ax.set_xlabel(x_label)
    ax.tick_params(labelbottom=False)
    return fig
