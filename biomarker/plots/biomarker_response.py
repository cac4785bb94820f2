"""Biomarker values by response group: a box per group plus every patient as a point, n in the labels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from biomarker.plots._figure import new_figure, require_columns

_GROUP_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7")


def biomarker_by_response(
    points: pd.DataFrame, boxes: pd.DataFrame, *, ncols: int = 4, title: str = "Biomarkers by response"
) -> Figure:
    """One panel per feature: box (pre-computed statistics) and every value (deterministic jitter).

    Parameters
    ----------
    points
        ``feature, group, value``: one row per patient and feature.
    boxes
        ``feature, group, n, whislo, q1, median, q3, whishi`` as made by
        :func:`biomarker.models.univariable.box_stats` (nothing is computed here).

    Examples
    --------
    >>> pts = pd.DataFrame({"feature": "tmb", "group": ["no", "no", "yes"], "value": [1.0, 2.0, 9.0]})
    >>> bx = pd.DataFrame({"feature": "tmb", "group": ["no", "yes"], "n": [2, 1], "whislo": [1.0, 9.0],
    ...                    "q1": [1.25, 9.0], "median": [1.5, 9.0], "q3": [1.75, 9.0], "whishi": [2.0, 9.0]})
    >>> len(biomarker_by_response(pts, bx).axes)
    1
    """
    require_columns(points, ["feature", "group", "value"], "biomarker_by_response points")
    require_columns(
        boxes, ["feature", "group", "n", "whislo", "q1", "median", "q3", "whishi"], "biomarker_by_response boxes"
    )
    features = list(dict.fromkeys(boxes["feature"]))
    ncols = max(1, min(ncols, len(features)))
    nrows = max(1, math.ceil(len(features) / ncols))
    fig = new_figure(3.0 * ncols, 2.8 * nrows + 0.4)
    fig.suptitle(title)
    rng = np.random.default_rng(0)  # jitter only: fixed so that figures are reproducible
    for i, feat in enumerate(features):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        fb = boxes[boxes["feature"] == feat].reset_index(drop=True)
        stats, labels = [], []
        for j, b in fb.iterrows():
            labels.append(f"{b['group']}\n(n={int(b['n'])})")
            if b["n"] > 0:
                stats.append(
                    {
                        "med": b["median"],
                        "q1": b["q1"],
                        "q3": b["q3"],
                        "whislo": b["whislo"],
                        "whishi": b["whishi"],
                        "fliers": [],
                        "label": labels[-1],
                    }
                )
                ax.bxp(
                    [stats[-1]],
                    positions=[j],
                    widths=0.55,
                    showfliers=False,
                    patch_artist=True,
                    boxprops={"facecolor": "none", "edgecolor": "#333333"},
                    medianprops={"color": "#333333", "linewidth": 1.5},
                )
            v = points[(points["feature"] == feat) & (points["group"] == b["group"])]["value"].to_numpy(float)
            ax.scatter(
                j + rng.uniform(-0.15, 0.15, len(v)),
                v,
                s=14,
                alpha=0.75,
                color=_GROUP_COLOURS[j % len(_GROUP_COLOURS)],
                edgecolor="none",
                zorder=3,
            )
        ax.set_xticks(range(len(fb)))
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_title(str(feat), fontsize=9)
        ax.tick_params(axis="y", labelsize=8)
    return fig
