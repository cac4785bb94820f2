"""Mutational-signature and co-mutation figures: SBS96 profile, exposures by response, co-mutation grid.

Every function takes a tidy frame (as :mod:`biomarker.genomic` writes its tables), computes no
statistic, and returns a Figure on the Agg canvas.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from biomarker.plots._figure import BOR_ORDER, bor_colour, new_figure, require_columns

#: The conventional colours of the six substitution classes of SBS96 plots.
SUBSTITUTION_COLOURS: dict[str, str] = {
    "C>A": "#1EBFF0",
    "C>G": "#050708",
    "C>T": "#E62725",
    "T>A": "#CBCACB",
    "T>C": "#A1CF64",
    "T>G": "#EDC8C5",
}
_SIG_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#999999")


def _order(values: list[str]) -> list[str]:
    known = [b for b in BOR_ORDER if b in values]
    return known + sorted(v for v in values if v not in known)


def sbs96_profile(catalogue: pd.DataFrame, *, title: str = "SBS96 profile", fraction: bool = True) -> Figure:
    """Bar chart of one tumour's 96 channels, coloured by substitution class.

    Parameters
    ----------
    catalogue
        ``channel, substitution, snv_count`` in :data:`biomarker.genomic.channels.CHANNELS` order (one tumour's rows of
        ``sbs96_catalogue``).
    fraction
        Plot fractions of the tumour's SNVs (else counts).

    Examples
    --------
    >>> from biomarker.genomic.channels import CHANNELS
    >>> cat = pd.DataFrame({"channel": CHANNELS, "substitution": [c[2:5] for c in CHANNELS], "snv_count": 1})
    >>> len(sbs96_profile(cat).axes)
    1
    """
    require_columns(catalogue, ["channel", "substitution", "snv_count"], "sbs96_profile")
    counts = catalogue["snv_count"].astype(float).to_numpy()
    total = counts.sum()
    heights = counts / total if fraction and total > 0 else counts
    fig = new_figure(11, 3.2)
    ax = fig.add_subplot(1, 1, 1)
    colours = [SUBSTITUTION_COLOURS.get(s, "#777777") for s in catalogue["substitution"]]
    ax.bar(range(len(heights)), heights, color=colours, width=0.8)
    ax.set_xticks(range(len(heights)))
    ax.set_xticklabels(
        [f"{c[0]}{c[2]}{c[6]}" for c in catalogue["channel"]], rotation=90, fontsize=5, family="monospace"
    )
    ax.set_xlim(-0.6, len(heights) - 0.4)
    ax.set_ylabel("fraction of SNVs" if fraction else "SNVs")
    ax.set_title(f"{title} ({int(total)} SNVs)")
    ax.legend(
        handles=[Patch(color=c, label=s) for s, c in SUBSTITUTION_COLOURS.items()],
        ncol=6,
        fontsize=7,
        loc="upper right",
        frameon=False,
    )
    return fig


def exposures_by_response(exposures: pd.DataFrame, *, title: str = "Signature exposures by response") -> Figure:
    """Stacked exposure fractions per tumour, tumours grouped by best overall response.

    Parameters
    ----------
    exposures
        ``usubjid, sample, signature, exposure_frac, bor`` (``signature_exposures`` joined to response).

    Examples
    --------
    >>> e = pd.DataFrame({"usubjid": ["a", "a", "b", "b"], "sample": ["a", "a", "b", "b"],
    ...                   "signature": ["SBS4", "SBS5"] * 2, "exposure_frac": [0.7, 0.3, 0.1, 0.9],
    ...                   "bor": ["PR", "PR", "PD", "PD"]})
    >>> len(exposures_by_response(e).axes)
    1
    """
    require_columns(exposures, ["sample", "signature", "exposure_frac", "bor"], "exposures_by_response")
    wide = exposures.pivot_table(
        index=["bor", "sample"], columns="signature", values="exposure_frac", aggfunc="first"
    ).fillna(0.0)
    sigs = list(dict.fromkeys(exposures["signature"]))
    order = [
        (b, s)
        for b in _order(list(wide.index.get_level_values(0).unique()))
        for s in sorted(wide.loc[b].index, key=lambda s: -float(wide.loc[(b, s)].get("SBS4", 0.0)))
    ]
    wide = wide.reindex(order)
    fig = new_figure(max(6.0, 0.18 * len(wide) + 2), 3.8)
    ax = fig.add_subplot(1, 1, 1)
    bottom = [0.0] * len(wide)
    for k, sig in enumerate(sigs):
        vals = wide[sig].tolist() if sig in wide else [0.0] * len(wide)
        ax.bar(range(len(wide)), vals, bottom=bottom, color=_SIG_COLOURS[k % len(_SIG_COLOURS)], label=sig, width=0.9)
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    groups = [b for b, _ in order]
    start = 0
    for b in dict.fromkeys(groups):
        n = groups.count(b)
        ax.axvspan(start - 0.5, start + n - 0.5, ymin=1.0, ymax=1.04, color=bor_colour(b), clip_on=False)
        ax.text(start + n / 2 - 0.5, 1.06, f"{b} (n={n})", ha="center", fontsize=8, transform=ax.transData)
        start += n
    ax.set_xticks([])
    ax.set_ylim(0, 1)
    ax.set_ylabel("exposure (fraction of SNVs)")
    ax.set_title(title, pad=22)
    ax.legend(fontsize=7, ncol=min(len(sigs), 8), loc="upper center", bbox_to_anchor=(0.5, -0.02), frameon=False)
    return fig


def comutation_grid(features: pd.DataFrame, flags: list[str], *, title: str = "Co-mutations by response") -> Figure:
    """Oncoprint-style grid: a row per co-mutation flag, a column per tumour, grouped by response.

    Parameters
    ----------
    features
        ``sample, bor`` and one boolean column per flag (``genomic_features`` joined to response);
        missing flags (no annotation) are drawn hatched grey.
    flags
        Flag columns, top to bottom.

    Examples
    --------
    >>> f = pd.DataFrame({"sample": ["a", "b"], "bor": ["PR", "PD"], "stk11_lof": [False, True]})
    >>> len(comutation_grid(f, ["stk11_lof"]).axes)
    1
    """
    require_columns(features, ["sample", "bor", *flags], "comutation_grid")
    frame = features.copy()
    frame["_g"] = frame["bor"].map({b: i for i, b in enumerate(_order(list(frame["bor"].unique())))})
    frame["_n"] = sum(frame[f].fillna(False).astype(bool) for f in flags) if flags else 0
    frame = frame.sort_values(["_g", "_n", "sample"], ascending=[True, False, True]).reset_index(drop=True)
    fig = new_figure(max(6.0, 0.2 * len(frame) + 2.5), 0.32 * len(flags) + 1.6)
    ax = fig.add_subplot(1, 1, 1)
    for i, flag in enumerate(flags):
        for j, value in enumerate(frame[flag].tolist()):
            if pd.isna(value):
                ax.add_patch(_cell(j, i, "#DDDDDD", hatch="///"))
            else:
                ax.add_patch(_cell(j, i, bor_colour(frame.at[j, "bor"]) if bool(value) else "#F2F2F2"))
    ax.set_xlim(-0.5, len(frame) - 0.5)
    ax.set_ylim(len(flags) - 0.5, -0.5)
    ax.set_yticks(range(len(flags)))
    ax.set_yticklabels([f"{f} ({int(frame[f].fillna(False).astype(bool).sum())})" for f in flags], fontsize=8)
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    start = 0
    for b in _order(list(frame["bor"].unique())):
        n = int((frame["bor"] == b).sum())
        ax.text(start + n / 2 - 0.5, len(flags) - 0.1, f"{b} (n={n})", ha="center", va="top", fontsize=8)
        start += n
        if start < len(frame):
            ax.axvline(start - 0.5, color="black", lw=0.8)
    ax.set_title(title)
    return fig


def _cell(x: int, y: int, colour: str, hatch: str | None = None):  # type: ignore[no-untyped-def]
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.45, y - 0.4), 0.9, 0.8, facecolor=colour, edgecolor="white", hatch=hatch, lw=0.5)
