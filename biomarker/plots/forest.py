"""Forest plot of effect estimates (odds or hazard ratios) with confidence intervals, on a log scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from biomarker.plots._figure import new_figure, require_columns


def forest_plot(effects: pd.DataFrame, *, title: str = "Univariable effects", reference: float = 1.0) -> Figure:
    """One row per effect, one panel per ``panel`` value (e.g. response odds ratios, PFS hazard ratios).

    Parameters
    ----------
    effects
        ``label, estimate, ci_lower, ci_upper`` and optionally ``panel`` and ``p`` (printed on the right).
    reference
        Value of no effect (vertical line).

    Examples
    --------
    >>> e = pd.DataFrame({"label": ["tmb", "pdl1"], "estimate": [2.0, 1.2], "ci_lower": [1.1, 0.7],
    ...                   "ci_upper": [3.6, 2.0], "p": [0.02, 0.5]})
    >>> len(forest_plot(e).axes)
    1
    """
    require_columns(effects, ["label", "estimate", "ci_lower", "ci_upper"], "forest_plot")
    data = effects.assign(panel=effects.get("panel", ""))
    panels = list(dict.fromkeys(data["panel"]))
    heights = [max(1, int((data["panel"] == p).sum())) for p in panels]
    fig = new_figure(7.5, 0.9 + 0.28 * sum(heights) + 0.5 * len(panels))
    grid = fig.add_gridspec(len(panels), 1, height_ratios=heights)
    fig.suptitle(title)
    for i, panel in enumerate(panels):
        ax = fig.add_subplot(grid[i])
        g = data[data["panel"] == panel].reset_index(drop=True)
        yy = np.arange(len(g))[::-1]
        est = g["estimate"].to_numpy(float)
        lo, hi = g["ci_lower"].to_numpy(float), g["ci_upper"].to_numpy(float)
        ax.hlines(yy, lo, hi, color="#333333", linewidth=1.2)
        ax.scatter(est, yy, marker="s", color="#0072B2", s=22, zorder=3)
        ax.axvline(reference, color="#888888", linestyle="--", linewidth=0.8)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if f"{v:g}"[0] in "25" else ""))
        ax.set_yticks(yy)
        ax.set_yticklabels(g["label"], fontsize=7)
        ax.set_ylim(-0.7, len(g) - 0.3)
        ax.set_title(str(panel), fontsize=9, loc="left")
        if "p" in g:
            for y0, p in zip(yy, g["p"], strict=True):
                if pd.notna(p):
                    ax.annotate(
                        f"p={p:.2g}",
                        xy=(1.0, y0),
                        xycoords=("axes fraction", "data"),
                        xytext=(4, 0),
                        textcoords="offset points",
                        va="center",
                        fontsize=7,
                    )
        ax.tick_params(axis="x", labelsize=8)
    return fig
