"""ROC curves with a confidence band, one per model."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from biomarker.plots._figure import new_figure, require_columns

_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")


def roc_plot(curves: pd.DataFrame, *, title: str = "Cross-validated ROC (out-of-fold)") -> Figure:
    """Draw ROC curves and their bands from a tidy table.

    Parameters
    ----------
    curves
        ``model, fpr, tpr`` and optionally ``tpr_lower, tpr_upper`` (band) and ``label`` (legend text,
        e.g. with the AUC and its CI), as made by :func:`biomarker.models.validation.roc_band`.

    Examples
    --------
    >>> c = pd.DataFrame({"model": "m", "fpr": [0.0, 0.5, 1.0], "tpr": [0.0, 0.8, 1.0],
    ...                   "tpr_lower": [0.0, 0.6, 1.0], "tpr_upper": [0.0, 0.9, 1.0]})
    >>> len(roc_plot(c).axes[0].lines)
    2
    """
    require_columns(curves, ["model", "fpr", "tpr"], "roc_plot")
    fig = new_figure(5.5, 5.0)
    ax = fig.add_subplot()
    for i, (name, g) in enumerate(curves.groupby("model", sort=False)):
        colour = _PALETTE[i % len(_PALETTE)]
        label = str(g["label"].iloc[0]) if "label" in g and pd.notna(g["label"].iloc[0]) else str(name)
        ax.plot(g["fpr"], g["tpr"], color=colour, linewidth=1.5, label=label)
        if {"tpr_lower", "tpr_upper"} <= set(g.columns):
            ax.fill_between(g["fpr"], g["tpr_lower"], g["tpr_upper"], color=colour, alpha=0.12, linewidth=0)
    ax.plot([0, 1], [0, 1], color="#888888", linestyle="--", linewidth=0.8)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("1 - specificity")
    ax.set_ylabel("Sensitivity")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=7, loc="lower right")
    return fig
