"""The TBNK result table: its columns, derived values (CD4/CD8 ratio, lymphosum) and QC flags.

Every TBNK source (a lab export, an LB-style table, gated FCS files) ends in :func:`finish_table`, so the
three give the same columns and the same flags. ``qc_flags`` is ``;``-joined, ``""`` when clean:

==============================  =====================================================================
``lymphosum_out_of_range``      T + B + NK (% of lymphocytes) outside ``QcRules.lymphosum_range()``
``cd4_cd8_exceeds_cd3``         CD4 % + CD8 % > CD3 % + ``QcRules.cd4_cd8_margin``
``cd4_cd8_short_of_cd3``        CD4 % + CD8 % < CD3 % - ``QcRules.cd4_cd8_margin`` (double-positive T included)
``negative:<col>=<v>``          a negative value; the value is blanked (NaN)
``pct_over_100:<col>=<v>``      a percentage above 100; blanked
``cd8_zero``                    CD8 is 0: no CD4/CD8 ratio
``lymph_abs_implausible=<v>``   lymphocyte (else CD3) count outside ``QcRules.lymph_abs_range_per_ul``
``low_lymph_events=<n>``        FCS: fewer lymphocyte events than ``QcRules.min_lymph_events``
``sample_volume_assumed_50ul``  FCS: no ``SAMPLE VOLUME`` keyword nor ``sample_volume_ul``
``no_compensation``             FCS: no ``$SPILLOVER``/``$SPILL``/``$COMP``: gated uncompensated
``subsets_withheld:<list>``     FCS: subsets blanked (gated on 2+ fluorescence channels without compensation)
``few_beads=<n>``               bead events below ``QcRules.min_bead_events``
``bead_cv_high=<cv>%``          bead CV above ``QcRules.max_bead_cv_pct``
``beads_off_scale=<p>%``        most bead events at the top of the scale (gain too high): counted, flagged
``absolute_counts_withheld``    every absolute count blanked (too few beads or a broad bead cluster)
``gate_fallback:<gate>[.<ch>]`` FCS: no clear density valley; the template's fixed position was used
``gate_far_from_template:...``  FCS: a fitted position moved more than ``QcRules.max_gate_shift`` (logicle) or
                                SSC scaled beyond ``QcRules.max_scatter_scale``
``events_on_gate_edge:...=<p>`` FCS: more than ``QcRules.max_edge_fraction`` of the parent within 0.02 of an edge
``panel_from_tube_name``        FCS: no markers in ``$PnS``; the tube name says TBNK
``no_singlet_gate``             FCS: neither FSC-H nor SSC-H: doublets could not be excluded
``instrument_error_codes=<c>``  export: the instrument's own error codes (MultiSET)
``workspace_uncompensated``     FlowJo workspace without a matrix for a file that has one
==============================  =====================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from biomarker.errors import ConfigError

#: Lymphocyte subsets: our prefix -> what it is.
SUBSETS: dict[str, str] = {
    "cd3": "T cells (CD3+)",
    "cd4": "helper T cells (CD3+CD4+)",
    "cd8": "cytotoxic T cells (CD3+CD8+)",
    "dp_t": "double-positive T cells (CD3+CD4+CD8+)",
    "dn_t": "double-negative T cells (CD3+CD4-CD8-)",
    "b": "B cells (CD3-CD19+)",
    "nk": "NK cells (CD3-CD16+CD56+)",
}
VALUE_COLUMNS: tuple[str, ...] = (
    *(f"{s}_{kind}" for s in SUBSETS for kind in ("pct_lymph", "abs_per_ul")),
    "lymph_abs_per_ul",
)
#: Output columns of every TBNK reader, in order.
TBNK_COLUMNS: tuple[str, ...] = (
    "usubjid",
    "visit",
    *VALUE_COLUMNS,
    "cd4_cd8_ratio",
    "lymphosum_pct",
    "qc_flags",
    "sample_id",
    "collection_date",
    "source",
)


@dataclass(frozen=True)
class QcRules:
    """Limits behind the QC flags.

    Parameters
    ----------
    lymphosum_target, lymphosum_tolerance
        T + B + NK (% of lymphocytes) should be ``target +/- tolerance`` (BD: 100 +/- 10; tighter labs use 5).
    cd4_cd8_margin
        Flag when CD4 % + CD8 % exceeds CD3 % by more than this many points.
    min_lymph_events
        Flag a tube with fewer lymphocyte events (counting precision; FCS, or the export's own count).
    min_bead_events, max_bead_cv_pct
        Trucount beads: fewer events or a wider CV flags the tube and withholds its absolute counts.
    max_gate_shift, max_scatter_scale, max_edge_fraction
        FCS: a fitted threshold moved more than this (logicle units) from the template, the lymphocyte SSC scaled
        beyond this factor (either way), or more than this share of a gate's parent within 0.02 of its edge.
    lymph_abs_range_per_ul
        Plausible lymphocyte count (cells/uL; CD3 count when no lymphocyte count is given); outside it the
        result is flagged ``lymph_abs_implausible``, most often a unit mix-up (10^9/L read as cells/uL).

    Examples
    --------
    >>> QcRules(lymphosum_tolerance=5).lymphosum_range()
    (95.0, 105.0)
    """

    lymphosum_target: float = 100.0
    lymphosum_tolerance: float = 10.0
    cd4_cd8_margin: float = 10.0
    min_lymph_events: int = 2500
    lymph_abs_range_per_ul: tuple[float, float] = (20.0, 20000.0)
    min_bead_events: int = 1000
    max_bead_cv_pct: float = 15.0
    max_gate_shift: float = 0.1
    max_scatter_scale: float = 1.5
    max_edge_fraction: float = 0.08

    def __post_init__(self) -> None:
        if not (
            self.lymphosum_tolerance >= 0
            and self.cd4_cd8_margin >= 0
            and self.min_lymph_events >= 0
            and self.min_bead_events >= 0
            and self.max_bead_cv_pct > 0
            and self.max_gate_shift > 0
            and self.max_scatter_scale >= 1
            and 0 < self.max_edge_fraction <= 1
        ):
            raise ConfigError("QC tolerances must be >= 0")
        low, high = self.lymph_abs_range_per_ul
        if not 0 <= low < high:
            raise ConfigError(f"lymph_abs_range_per_ul must be (low, high) with 0 <= low < high, not {(low, high)}")

    def lymphosum_range(self) -> tuple[float, float]:
        """The accepted lymphosum interval, in % of lymphocytes."""
        return (self.lymphosum_target - self.lymphosum_tolerance, self.lymphosum_target + self.lymphosum_tolerance)


def finish_table(df: pd.DataFrame, qc: QcRules, flags: list[list[str]] | None = None) -> pd.DataFrame:
    """Blank impossible values, derive ratio and lymphosum, and add ``qc_flags`` (``;``-joined, ``""`` if none).

    ``df`` has ``usubjid``, ``visit`` and any of :data:`VALUE_COLUMNS` (missing ones become NaN);
    ``flags`` are flags already raised per row by the reader.

    Examples
    --------
    >>> t = pd.DataFrame({"usubjid": ["S1"], "visit": ["C1D1"], "cd3_pct_lymph": [70.0], "b_pct_lymph": [10.0],
    ...                   "nk_pct_lymph": [5.0], "cd4_pct_lymph": [40.0], "cd8_pct_lymph": [25.0]})
    >>> row = finish_table(t, QcRules()).iloc[0]
    >>> float(row.lymphosum_pct), row.qc_flags
    (85.0, 'lymphosum_out_of_range')
    """
    out = df.copy()
    for col in VALUE_COLUMNS:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float) if col in out else np.nan
    for col in ("sample_id", "collection_date", "source"):
        if col not in out:
            out[col] = None
    row_flags = [list(f) for f in flags] if flags is not None else [[] for _ in range(len(out))]
    values = {col: out[col].to_numpy(dtype=float, copy=True) for col in VALUE_COLUMNS}
    for i in range(len(out)):
        for col in VALUE_COLUMNS:
            v = values[col][i]
            if math.isnan(v):
                continue
            if v < 0:
                row_flags[i].append(f"negative:{col}={v:g}")
                values[col][i] = np.nan
            elif col.endswith("_pct_lymph") and v > 100:
                row_flags[i].append(f"pct_over_100:{col}={v:g}")
                values[col][i] = np.nan
    for col in VALUE_COLUMNS:
        out[col] = values[col]
    cd3, cd4, cd8 = out["cd3_pct_lymph"], out["cd4_pct_lymph"], out["cd8_pct_lymph"]
    out["lymphosum_pct"] = cd3 + out["b_pct_lymph"] + out["nk_pct_lymph"]
    ratio_abs = out["cd4_abs_per_ul"] / out["cd8_abs_per_ul"].where(out["cd8_abs_per_ul"] > 0)
    ratio_pct = cd4 / cd8.where(cd8 > 0)
    out["cd4_cd8_ratio"] = ratio_abs.where(ratio_abs.notna(), ratio_pct)
    low, high = qc.lymphosum_range()
    abs_low, abs_high = qc.lymph_abs_range_per_ul
    dp = out["dp_t_pct_lymph"].to_numpy(dtype=float)
    count = out["lymph_abs_per_ul"].where(out["lymph_abs_per_ul"].notna(), out["cd3_abs_per_ul"])
    for i, (ls, c3, c4, c8, n) in enumerate(zip(out["lymphosum_pct"], cd3, cd4, cd8, count, strict=True)):
        if not math.isnan(ls) and not low <= ls <= high:
            row_flags[i].append("lymphosum_out_of_range")
        if not any(math.isnan(x) for x in (c3, c4, c8)):
            both = c4 + c8 + (0.0 if math.isnan(dp[i]) else dp[i])
            if c4 + c8 > c3 + qc.cd4_cd8_margin:
                row_flags[i].append("cd4_cd8_exceeds_cd3")
            elif both < c3 - qc.cd4_cd8_margin:
                row_flags[i].append("cd4_cd8_short_of_cd3")
        if c8 == 0:
            row_flags[i].append("cd8_zero")
        if not math.isnan(n) and not abs_low <= n <= abs_high:
            row_flags[i].append(f"lymph_abs_implausible={n:g}")
    out["qc_flags"] = [";".join(f) for f in row_flags]
    return out[list(TBNK_COLUMNS)].reset_index(drop=True)
