"""Biomarker figures of the study report: PD-L1 by category and assay, a score against response, TBNK over
visits by response, change from baseline with CIs, and response rates by level with CIs.

Every function draws what it is given (statistics are computed by the caller) and states one n per panel.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from biomarker.plots._figure import new_figure, require_columns

#: Response groups: colour-blind safe and far apart (Okabe-Ito vermilion / blue / grey).
GROUP_COLOURS = {"responder": "#0072B2", "non-responder": "#D55E00", "not evaluable": "#999999"}
_CYCLE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999")


def _colour(group: object, i: int) -> str:
    return GROUP_COLOURS.get(str(group), _CYCLE[i % len(_CYCLE)])


def category_counts(
    frame: pd.DataFrame,
    *,
    category_col: str,
    panel_col: str,
    order: list[str] | None = None,
    title: str = "",
    xlabel: str = "",
) -> Figure:
    """Bars of subjects per category, one panel per ``panel_col`` value (e.g. PD-L1 category per assay).

    Examples
    --------
    >>> df = pd.DataFrame({"assay": ["22C3"] * 3, "pdl1_category": ["<1", "1-49", "1-49"]})
    >>> fig = category_counts(df, category_col="pdl1_category", panel_col="assay")
    >>> fig.axes[0].get_title()
    '22C3 (n = 3)'
    """
    require_columns(frame, [category_col, panel_col], "category_counts")
    panels = sorted(frame[panel_col].dropna().astype(str).unique())
    fig = new_figure(max(4.0, 3.6 * len(panels)), 3.4)
    if title:
        fig.suptitle(title)
    levels = order or sorted(frame[category_col].dropna().astype(str).unique())
    for i, panel in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        sub = frame[frame[panel_col].astype(str) == panel]
        counts = sub[category_col].astype(str).value_counts().reindex(levels, fill_value=0)
        bars = ax.bar(range(len(levels)), counts.to_numpy(), color=_CYCLE[: len(levels)])
        ax.bar_label(bars, fontsize=8)
        ax.set_xticks(range(len(levels)))
        ax.set_xticklabels(levels, fontsize=8)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Subjects (n)")
        ax.set_title(f"{panel} (n = {int(sub[category_col].notna().sum())})", fontsize=9)
    return fig


def score_by_response(
    frame: pd.DataFrame,
    *,
    value_col: str,
    group_col: str = "group",
    low_col: str | None = None,
    high_col: str | None = None,
    ylabel: str = "",
    title: str = "",
) -> Figure:
    """Every subject's score by response group as a point (an interval when the score was reported as a range),
    with the group median as a bar. Ordinal or bounded scores are shown as they are, never as a box.

    Examples
    --------
    >>> df = pd.DataFrame({"group": ["responder", "non-responder"], "tps": [60.0, 5.0]})
    >>> score_by_response(df, value_col="tps").axes[0].get_title()
    'n = 2'
    """
    require_columns(frame, [value_col, group_col], "score_by_response")
    has_range = low_col is not None and high_col is not None and {low_col, high_col} <= set(frame.columns)
    data = frame[frame[value_col].notna() | (frame[low_col].notna() if has_range else False)]
    groups = [g for g in GROUP_COLOURS if g in set(data[group_col])] + sorted(
        set(data[group_col].dropna()) - set(GROUP_COLOURS)
    )
    fig = new_figure(5.5, 4)
    ax = fig.add_subplot()
    offsets = np.linspace(-0.25, 0.25, 9)
    for j, group in enumerate(groups):
        sub = data[data[group_col] == group].reset_index(drop=True)
        colour = _colour(group, j)
        x = j + offsets[np.arange(len(sub)) % len(offsets)]
        exact = sub[value_col].notna()
        ax.scatter(x[exact.to_numpy()], sub.loc[exact, value_col], s=18, color=colour, zorder=3)
        if has_range:
            ranged = ~exact & sub[low_col].notna()
            ax.vlines(
                x[ranged.to_numpy()],
                sub.loc[ranged, low_col],
                sub.loc[ranged, high_col],
                color=colour,
                linewidth=2,
                alpha=0.6,
            )
        if exact.any():
            med = float(sub.loc[exact, value_col].median())
            ax.hlines(med, j - 0.32, j + 0.32, color="black", linewidth=1.5)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([f"{g}\n({int((data[group_col] == g).sum())})" for g in groups], fontsize=8)
    ax.set_ylabel(ylabel or value_col)
    ax.set_title(f"n = {len(data)}", fontsize=9)
    if title:
        fig.suptitle(title)
    handles = [Line2D([], [], color="black", linewidth=1.5, label="median of exact values")]
    if has_range:
        handles.append(Line2D([], [], color="#777777", linewidth=2, label="reported as a range"))
    ax.legend(handles=handles, frameon=False, fontsize=7, loc="upper right")
    return fig


def _level_text(level: object) -> str:
    if isinstance(level, float) and level.is_integer():
        return str(int(level))
    text = str(level)
    return text[:-2] if text.endswith(".0") and text[:-2].lstrip("-").isdigit() else text


def rates_by_level(
    rates: pd.DataFrame,
    *,
    title: str = "Objective response rate by biomarker level",
    ncols: int = 3,
    labels: dict[str, str] | None = None,
) -> Figure:
    """Per feature, the response rate of each level with its 95% CI (``feature, level, n, rate, ci_lower,
    ci_upper``); the panel title gives the feature's n, ``labels`` the features' names in words."""
    labels = labels or {}
    require_columns(rates, ["feature", "level", "n", "rate", "ci_lower", "ci_upper"], "rates_by_level")
    features = list(dict.fromkeys(rates["feature"]))
    ncols = max(1, min(ncols, len(features)))
    nrows = max(1, math.ceil(len(features) / ncols))
    fig = new_figure(3.4 * ncols, 2.4 * nrows + 0.4)
    fig.suptitle(title)
    for i, feat in enumerate(features):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        sub = rates[rates["feature"] == feat].reset_index(drop=True)
        y = np.arange(len(sub))
        rate = sub["rate"].to_numpy(float) * 100
        err = np.vstack([rate - sub["ci_lower"].to_numpy(float) * 100, sub["ci_upper"].to_numpy(float) * 100 - rate])
        ax.errorbar(rate, y, xerr=err, fmt="o", color="#0072B2", capsize=3, markersize=4)
        ax.set_yticks(y)
        ax.set_yticklabels(
            [f"{_level_text(lv)} ({int(k)})" for lv, k in zip(sub["level"], sub["n"], strict=True)], fontsize=8
        )
        ax.set_xlim(0, 100)
        ax.set_ylim(len(sub) - 0.4, -0.6)  # first level on top, no empty band between two levels
        ax.set_xlabel("ORR, % (95% CI)", fontsize=8)
        ax.set_title(f"{labels.get(feat, feat)} (n = {int(sub['n'].sum())})", fontsize=9)
    return fig


def measure_over_visits(
    frame: pd.DataFrame,
    *,
    measures: list[str],
    labels: dict[str, str] | None = None,
    visit_order: list[str] | None = None,
    ncols: int = 3,
    title: str = "TBNK subsets over visits by response",
) -> Figure:
    """Spaghetti plot per measure: one faint line per subject, the median per visit and group in bold.

    Parameters
    ----------
    frame
        ``usubjid, visit, measure, value, group``.
    """
    require_columns(frame, ["usubjid", "visit", "measure", "value", "group"], "measure_over_visits")
    visits = visit_order or sorted(frame["visit"].astype(str).unique())
    pos = {v: i for i, v in enumerate(visits)}
    labels = labels or {}
    ncols = max(1, min(ncols, len(measures)))
    nrows = max(1, math.ceil(len(measures) / ncols))
    fig = new_figure(3.6 * ncols, 2.9 * nrows + 0.5)
    fig.suptitle(title)
    groups = [g for g in GROUP_COLOURS if g in set(frame["group"])]
    for i, measure in enumerate(measures):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        sub = frame[(frame["measure"] == measure) & frame["value"].notna() & frame["visit"].isin(pos)]
        for j, group in enumerate(groups):
            colour = _colour(group, j)
            g = sub[sub["group"] == group]
            ax.add_collection(
                LineCollection(
                    _subject_paths(g, pos),
                    colors=colour,
                    alpha=0.18,
                    linewidths=0.7,
                    capstyle=mpl.rcParams["lines.solid_capstyle"],
                    joinstyle=mpl.rcParams["lines.solid_joinstyle"],
                ),
                autolim=True,
            )
            med = g.groupby("visit")["value"].median().reindex(visits).dropna()
            ax.plot(
                med.index.map(pos), med.to_numpy(), color=colour, linewidth=2.2, marker="o", markersize=4, label=group
            )
        ax.autoscale_view()
        ax.set_xticks(range(len(visits)))
        ax.set_xticklabels(visits, fontsize=8)
        ax.set_ylabel(labels.get(measure, measure), fontsize=8)
        ax.set_title(f"{labels.get(measure, measure)} (n = {sub['usubjid'].nunique()})", fontsize=9)
        if i == 0:
            ax.legend(frameon=False, fontsize=7)
    return fig


def _subject_paths(frame: pd.DataFrame, pos: dict[str, int]) -> list[np.ndarray]:
    """One ``(visit position, value)`` polyline per subject, in visit order (one collection draws them all: the
    same lines as one ``plot`` per subject, without a Line2D and a sort per subject)."""
    x = frame["visit"].map(pos).to_numpy(float)
    order = np.lexsort((x, frame["usubjid"].to_numpy(str)))
    ids = frame["usubjid"].to_numpy(str)[order]
    xy = np.column_stack([x[order], frame["value"].to_numpy(float)[order]])
    cuts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    return np.split(xy, cuts) if len(xy) else []


def change_from_baseline(
    summary: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    ncols: int = 3,
    title: str = "Change from baseline by response (mean, 95% CI)",
) -> Figure:
    """Mean change from baseline with its 95% CI per visit and response group, one panel per measure, with the
    no-change line labelled.

    Parameters
    ----------
    summary
        ``measure, visit, group, n, mean, ci_lower, ci_upper``.
    """
    require_columns(summary, ["measure", "visit", "group", "n", "mean", "ci_lower", "ci_upper"], "change_from_baseline")
    labels = labels or {}
    measures = list(dict.fromkeys(summary["measure"]))
    visits = list(dict.fromkeys(summary["visit"]))
    ncols = max(1, min(ncols, len(measures)))
    nrows = max(1, math.ceil(len(measures) / ncols))
    fig = new_figure(3.6 * ncols, 2.8 * nrows + 0.5)
    fig.suptitle(title)
    groups = [g for g in GROUP_COLOURS if g in set(summary["group"])]
    for i, measure in enumerate(measures):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        sub = summary[summary["measure"] == measure]
        for j, group in enumerate(groups):
            g = sub[sub["group"] == group].set_index("visit").reindex(visits).dropna(subset=["mean"])
            x = np.array([visits.index(v) for v in g.index], float) + (j - (len(groups) - 1) / 2) * 0.15
            err = np.vstack([g["mean"] - g["ci_lower"], g["ci_upper"] - g["mean"]]).clip(min=0)
            ax.errorbar(
                x,
                g["mean"],
                yerr=err,
                fmt="o-",
                color=_colour(group, j),
                capsize=3,
                markersize=4,
                linewidth=1,
                label=group,
            )
        ax.axhline(0, color="#444444", linestyle="--", linewidth=0.8)
        ax.annotate(
            "no change",
            xy=(1.0, 0),
            xycoords=("axes fraction", "data"),
            xytext=(-2, 2),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=7,
            color="#444444",
        )
        ax.set_xticks(range(len(visits)))
        ax.set_xticklabels(visits, fontsize=8)
        n = int(sub.groupby("visit")["n"].sum().max()) if len(sub) else 0
        ax.set_title(f"{labels.get(measure, measure)} (n = {n})", fontsize=9)
        ax.set_ylabel("Change from baseline", fontsize=8)
        if i == 0:
            ax.legend(frameon=False, fontsize=7)
    return fig


def mark_km_median(fig: Figure, median: float, lower: float, upper: float, *, unit: str = "months") -> Figure:
    """Mark the median and its 95% CI on a Kaplan-Meier figure made by :func:`biomarker.plots.km_plot`.

    A dashed line at S = 0.5 up to the median, a drop line to the axis, the CI as a bracket on the 0.5 line,
    and a label; a bound that cannot be estimated is written ``NE`` and the bracket runs to the axis end.
    """
    ax = fig.axes[0]
    if median != median:  # NaN: the curve never reaches 0.5
        ax.text(0.98, 0.52, "median not reached", transform=ax.transAxes, ha="right", fontsize=8)
        return fig
    right = ax.get_xlim()[1]
    ax.hlines(0.5, 0, median, color="#444444", linestyle=":", linewidth=0.9)
    ax.vlines(median, 0, 0.5, color="#444444", linestyle=":", linewidth=0.9)
    lo = lower if lower == lower else 0.0
    hi = upper if upper == upper else right
    ax.plot([lo, hi], [0.5, 0.5], color="black", linewidth=3, alpha=0.35, solid_capstyle="butt")
    hi_text = f"{upper:.1f}" if upper == upper else "NE"
    lo_text = f"{lower:.1f}" if lower == lower else "NE"
    ax.annotate(
        f"median {median:.1f} {unit} (95% CI {lo_text}, {hi_text})",
        xy=(median, 0.5),
        xytext=(6, 8),
        textcoords="offset points",
        fontsize=8,
    )
    return fig
