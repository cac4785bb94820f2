"""Decision curves: net benefit of each model or rule against treating everyone or no one."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from biomarker.plots._figure import new_figure, require_columns

_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def decision_curve_plot(curves: pd.DataFrame, *, title: str = "Decision curves (cross-validated)") -> Figure:
    """Draw net benefit against the threshold probability.

    Parameters
    ----------
    curves
        ``model, threshold, net_benefit, treat_all`` as made by :func:`biomarker.models.clinical_use.net_benefit`.

    Examples
    --------
    >>> c = pd.DataFrame({"model": "m", "threshold": [0.1, 0.2], "net_benefit": [0.2, 0.1], "treat_all": [0.1, 0.0]})
    >>> len(decision_curve_plot(c).axes[0].lines)
    3
    """
    require_columns(curves, ["model", "threshold", "net_benefit", "treat_all"], "decision_curve_plot")
    fig = new_figure(6.0, 4.5)
    ax = fig.add_subplot()
    first = curves[curves["model"] == curves["model"].iloc[0]]
    ax.plot(first["threshold"], first["treat_all"], color="#888888", linewidth=1.0, label="treat all")
    ax.axhline(0.0, color="#000000", linewidth=0.8, label="treat none")
    for i, (name, g) in enumerate(curves.groupby("model", sort=False)):
        ax.plot(g["threshold"], g["net_benefit"], color=_PALETTE[i % len(_PALETTE)], linewidth=1.5, label=str(name))
    low = min(-0.05, float(curves["net_benefit"].min()) - 0.02)
    ax.set_ylim(low, max(0.05, float(curves[["net_benefit", "treat_all"]].max().max()) + 0.05))
    ax.set_xlabel("Threshold probability of response")
    ax.set_ylabel("Net benefit")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=7)
    return fig
