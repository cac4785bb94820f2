"""Calibration plot: observed event rate against mean predicted probability by group of patients."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from biomarker.plots._figure import new_figure, require_columns

_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def calibration_plot(bins: pd.DataFrame, *, title: str = "Calibration (out-of-fold)") -> Figure:
    """Points with error bars per model, and the diagonal of perfect calibration.

    Parameters
    ----------
    bins
        ``model, mean_predicted, observed`` and optionally ``ci_lower, ci_upper``, ``n`` and ``label``
        (legend text), as made by :func:`biomarker.models.validation.calibration_bins`.

    Examples
    --------
    >>> b = pd.DataFrame({"model": "m", "mean_predicted": [0.1, 0.5], "observed": [0.0, 0.6],
    ...                   "ci_lower": [0.0, 0.3], "ci_upper": [0.3, 0.85]})
    >>> len(calibration_plot(b).axes)
    1
    """
    require_columns(bins, ["model", "mean_predicted", "observed"], "calibration_plot")
    fig = new_figure(5.5, 5.0)
    ax = fig.add_subplot()
    for i, (name, g) in enumerate(bins.groupby("model", sort=False)):
        colour = _PALETTE[i % len(_PALETTE)]
        label = str(g["label"].iloc[0]) if "label" in g and pd.notna(g["label"].iloc[0]) else str(name)
        if {"ci_lower", "ci_upper"} <= set(g.columns):
            err = [(g["observed"] - g["ci_lower"]).clip(lower=0), (g["ci_upper"] - g["observed"]).clip(lower=0)]
            ax.errorbar(
                g["mean_predicted"],
                g["observed"],
                yerr=err,
                color=colour,
                marker="o",
                markersize=4,
                linewidth=1,
                capsize=2,
                label=label,
            )
        else:
            ax.plot(g["mean_predicted"], g["observed"], color=colour, marker="o", label=label)
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=0.8)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("Mean predicted probability")
    ax.set_ylabel("Observed proportion")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=7, loc="upper left")
    return fig
