"""TMB figures: the cohort's distribution with the TMB-high line, and what each filter removed per sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator

from biomarker.palette import FILTER_COLOURS
from biomarker.plots._figure import new_figure, require_columns

__all__ = ["FILTER_COLOURS", "tmb_audit", "tmb_distribution"]


def tmb_distribution(
    frame: pd.DataFrame,
    *,
    cutoff: float = 10.0,
    value_col: str = "tmb_per_mb",
    low_col: str = "tmb_ci95_low_per_mb",
    high_col: str = "tmb_ci95_high_per_mb",
    id_col: str = "sample",
) -> Figure:
    """Each tumour's TMB with its 95% CI, sorted, on a log axis, with the TMB-high cut-off.

    Examples
    --------
    >>> df = pd.DataFrame({"sample": ["a", "b"], "tmb_per_mb": [2.0, 14.0], "tmb_ci95_low_per_mb": [1.5, 12.0],
    ...                    "tmb_ci95_high_per_mb": [2.6, 16.0]})
    >>> len(tmb_distribution(df).axes[0].lines) >= 1
    True
    """
    require_columns(frame, [value_col, low_col, high_col, id_col], "tmb_distribution")
    data = frame.dropna(subset=[value_col]).sort_values([value_col, id_col])
    fig = new_figure(9, 4)
    ax = fig.add_subplot()
    x = np.arange(len(data))
    y = data[value_col].to_numpy(float)
    floor = 0.05
    lo = np.clip(data[low_col].to_numpy(float), floor, None)
    hi = np.clip(data[high_col].to_numpy(float), floor, None)
    colour = np.where(y >= cutoff, "#D55E00", "#0072B2")
    ax.vlines(x, lo, hi, colors=colour, linewidth=1)
    ax.scatter(x, np.clip(y, floor, None), c=colour, s=14, zorder=3)
    ax.axhline(cutoff, color="#444444", linestyle="--", linewidth=0.8)
    ax.annotate(
        f"TMB-high cut-off: {cutoff:g} mut/Mb",
        xy=(0.0, cutoff),
        xycoords=("axes fraction", "data"),
        xytext=(4, 3),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=8,
        color="#444444",
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.8},
    )
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    # minor ticks labelled at 2 and 5 per decade only, so no label ever sits on a major one (1, 10, ...)
    ax.yaxis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0)))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.tick_params(axis="y", which="minor", labelsize=7)
    ax.set_xticks(x)
    ax.set_xticklabels(data[id_col], rotation=90, fontsize=6)
    ax.set_ylabel("TMB (mutations/Mb, 95% CI)")
    ax.set_title(f"TMB per tumour (n = {len(data)}, {int((y >= cutoff).sum())} TMB-high)")
    return fig


def tmb_audit(audit: pd.DataFrame, counted: pd.DataFrame) -> Figure:
    """Stacked bars per sample: ALT alleles removed by each filter, and counted, as shares of all alleles.

    Parameters
    ----------
    audit
        Long table ``sample, filter, removed``.
    counted
        ``sample, counted_variants``.
    """
    require_columns(audit, ["sample", "filter", "removed"], "tmb_audit")
    wide = audit.pivot_table(index="sample", columns="filter", values="removed", aggfunc="sum", fill_value=0)
    wide["counted"] = counted.set_index("sample")["counted_variants"].reindex(wide.index).fillna(0)
    order = [c for c in FILTER_COLOURS if c in wide.columns]
    shares = wide[order].div(wide[order].sum(axis=1).replace(0, 1), axis=0) * 100
    fig = new_figure(9, 4)
    ax = fig.add_subplot()
    bottom = np.zeros(len(shares))
    x = np.arange(len(shares))
    for name in order:
        ax.bar(x, shares[name], bottom=bottom, color=FILTER_COLOURS[name], label=name, width=0.85)
        bottom += shares[name].to_numpy()
    ax.set_xticks(x)
    ax.set_xticklabels(shares.index, rotation=90, fontsize=6)
    ax.set_ylabel("% of ALT alleles")
    ax.set_title(f"Fate of every ALT allele: the first filter that removed it, or counted (n = {len(shares)} tumours)")
    ax.legend(fontsize=7, ncol=1, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig
