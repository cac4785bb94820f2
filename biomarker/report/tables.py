"""Clinical-study-report table formatting: ``n (%)``, ``median (95% CI)``, p-values, headers in words.

A :class:`CsrTable` holds what the page shows (strings, headers in words with units and N) and the
machine-readable frame behind it (offered as a TSV download from the page). Nothing here reads files
or the store; the functions are pure and small so that the report's numbers can be tested one by one.
"""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from biomarker.files import spreadsheet_safe, spreadsheet_safe_frame
from biomarker.intervals import binomial_exact_ci as exact_ci  # noqa: F401 (the package's one exact CI)

if TYPE_CHECKING:
    import pandas as pd

#: The dash used in ranges and the label of a bound that cannot be estimated.
NOT_ESTIMABLE = "NE"
_NUMERIC_CELL = re.compile(r"^([<>]=?\s*)?[-+]?(\d|NE\b)")

#: Words (with units) for the snake_case columns the report shows most often.
HEADERS: dict[str, str] = {
    "usubjid": "Subject",
    "sample": "Tumour sample",
    "status": "Status",
    "reason": "Reason",
    "preset": "TMB preset",
    "counted_variants": "Counted variants (n)",
    "territory_bp": "Territory (bp)",
    "tmb_per_mb": "TMB (mut/Mb)",
    "tmb_ci95_low_per_mb": "TMB 95% CI lower (mut/Mb)",
    "tmb_ci95_high_per_mb": "TMB 95% CI upper (mut/Mb)",
    "tmb_high": "TMB-high",
    "caller": "Variant caller",
    "annotator": "Annotator",
    "warnings": "Warnings",
    "pdl1_tps_pct": "PD-L1 TPS (%)",
    "pdl1_category": "PD-L1 TPS category",
    "assay": "PD-L1 assay",
    "til_stromal_pct": "Stromal TILs (%)",
    "auc": "AUC",
    "brier": "Brier score",
    "model": "Model",
    "feature": "Feature",
    "n": "N",
    "n_events": "Events (n)",
    "p": "p",
    "q": "q (BH)",
    "hazard_ratio": "Hazard ratio",
    "odds_ratio": "Odds ratio",
    "endpoint": "Endpoint",
}
_UNIT_SUFFIXES = (
    ("_per_mb", "(mut/Mb)"),
    ("_per_ul", "(cells/µL)"),
    ("_pct", "(%)"),
    ("_months", "(months)"),
    ("_days", "(days)"),
    ("_bp", "(bp)"),
    ("_years", "(years)"),
    ("_mm", "(mm)"),
)


@dataclass
class CsrTable:
    """One table of the report.

    Parameters
    ----------
    name
        snake_case identifier: the anchor on the page and the TSV download's file name.
    title
        What the table shows, in words (the population and its N belong in the column headers).
    frame
        What the page shows: every cell already a formatted string, headers in words.
    data
        The numbers behind it for the TSV download (``frame`` when not given).
    footnotes
        Methods and abbreviations, one sentence each.
    """

    name: str
    title: str
    frame: pd.DataFrame
    data: pd.DataFrame | None = None
    footnotes: list[str] = field(default_factory=list)
    max_rows: int = 400

    @property
    def header(self) -> list[str]:
        """Column headers as shown."""
        return [str(c) for c in self.frame.columns]

    @property
    def rows(self) -> list[list[str]]:
        """Cells as shown (at most ``max_rows``), every one a string."""
        shown = self.frame.head(self.max_rows)
        return [[_cell(v) for v in row] for row in shown.itertuples(index=False, name=None)]

    @property
    def numeric(self) -> list[bool]:
        """Per column: every non-empty cell starts as a number does (right-aligned on the page)."""
        cells = self.rows
        return (
            [
                bool(col) and all(_NUMERIC_CELL.match(c) for c in col if c) and any(col)
                for col in (list(x) for x in zip(*cells, strict=True))
            ]
            if cells
            else [False] * len(self.header)
        )

    @property
    def truncated(self) -> int:
        """Rows left off the page (all of them are in the TSV)."""
        return max(0, len(self.frame) - self.max_rows)

    @property
    def tsv_uri(self) -> str:
        """The table as an embedded ``data:`` URI (TSV, formulas neutralised)."""
        return tsv_data_uri(self.data if self.data is not None else self.frame)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    text = str(value)
    return "" if text in ("nan", "NaN", "<NA>", "NaT", "None") else text


def humanise(column: str) -> str:
    """A column header in words with its unit.

    Examples
    --------
    >>> humanise("cd8_abs_per_ul")
    'Cd8 abs (cells/µL)'
    >>> humanise("tmb_per_mb")
    'TMB (mut/Mb)'
    """
    if column in HEADERS:
        return HEADERS[column]
    for suffix, unit in _UNIT_SUFFIXES:
        if column.endswith(suffix):
            stem = column.removesuffix(suffix).replace("_", " ").strip()
            return f"{stem[:1].upper()}{stem[1:]} {unit}".strip()
    text = column.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def fmt_num(value: float | None, decimals: int = 1) -> str:
    """A number with fixed decimals; empty for missing.

    Examples
    --------
    >>> fmt_num(3.14159, 2), fmt_num(float("nan"))
    ('3.14', '')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):.{decimals}f}"


def fmt_n_pct(n: int, total: int, decimals: int = 1) -> str:
    """``n (%)`` as in a CSR; ``0`` alone when n is 0.

    Examples
    --------
    >>> fmt_n_pct(12, 30), fmt_n_pct(0, 30), fmt_n_pct(1, 3)
    ('12 (40.0)', '0', '1 (33.3)')
    """
    if total <= 0:
        return str(int(n))
    if n == 0:
        return "0"
    return f"{int(n)} ({100.0 * n / total:.{decimals}f})"


def fmt_estimate_ci(
    estimate: float | None, lower: float | None, upper: float | None, decimals: int = 1, scale: float = 1.0
) -> str:
    """``estimate (lower, upper)``; a bound that cannot be estimated is ``NE``.

    Examples
    --------
    >>> fmt_estimate_ci(0.4, 0.2266, 0.5940, scale=100)
    '40.0 (22.7, 59.4)'
    >>> fmt_estimate_ci(14.8, 5.7, float("nan"))
    '14.8 (5.7, NE)'
    >>> fmt_estimate_ci(float("nan"), 3.0, float("nan"))
    'NE (3.0, NE)'
    """

    def one(v: float | None) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return NOT_ESTIMABLE
        return f"{float(v) * scale:.{decimals}f}"

    return f"{one(estimate)} ({one(lower)}, {one(upper)})"


def fmt_median_range(values: pd.Series, decimals: int = 1) -> str:
    """``median (min-max)`` of the non-missing values; empty when there are none.

    Examples
    --------
    >>> import pandas as pd
    >>> fmt_median_range(pd.Series([50, 61, 72.0, None]))
    '61.0 (50.0–72.0)'
    """
    v = values.dropna().astype(float)
    if v.empty:
        return ""
    return f"{v.median():.{decimals}f} ({v.min():.{decimals}f}–{v.max():.{decimals}f})"


def fmt_p(p: float | None) -> str:
    """A p-value as a CSR prints it: three decimals, ``< 0.001`` below, ``> 0.999`` above.

    Examples
    --------
    >>> fmt_p(0.03127), fmt_p(0.0002), fmt_p(1.0), fmt_p(float("nan"))
    ('0.031', '< 0.001', '> 0.999', '')
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    if p < 0.001:
        return "< 0.001"
    if p > 0.999:
        return "> 0.999"
    return f"{p:.3f}"


def to_tsv(frame: pd.DataFrame) -> str:
    """The frame as TSV text with every formula-like text cell (and header) neutralised.

    The cells go through :func:`biomarker.files.spreadsheet_safe_frame`, the one neutraliser of the package (the
    same rule as every table written for spreadsheets); headers through :func:`biomarker.files.spreadsheet_safe`.
    """
    safe = spreadsheet_safe_frame(frame)
    safe.columns = [spreadsheet_safe(str(c)) for c in safe.columns]
    return safe.to_csv(sep="\t", index=False, lineterminator="\n")


def tsv_data_uri(frame: pd.DataFrame) -> str:
    """A ``data:`` URI holding the frame as TSV (see :func:`to_tsv`), for a download link on the page."""
    payload = base64.b64encode(to_tsv(frame).encode("utf-8")).decode("ascii")
    return f"data:text/tab-separated-values;charset=utf-8;base64,{payload}"
