"""A report section (headline numbers, figures, tables and notes in order) and the generic table formatter."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from biomarker.png import figure_png
from biomarker.report.tables import CsrTable, fmt_num, fmt_p, humanise

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

_P_COLUMN = re.compile(
    r"(^|_)(p|q|pvalue|p_value|logrank_p|hr_p|odds_ratio_p|mann_whitney_p|fisher_p|spearman_p"
    r"|spearman_q|missing_vs_outcome_p)$"
)
_TWO_DECIMALS = (
    "auc",
    "brier",
    "ratio",
    "coefficient",
    "rho",
    "slope",
    "intercept",
    "sensitivity",
    "specificity",
    "predicted",
    "observed",
    "survival",
    "rate",
)


#: Resolution of the report's figures.
FIGURE_DPI = 110


@dataclass
class Section:
    """A report section: headline numbers, then figures, tables and notes in order."""

    anchor: str
    title: str
    kpis: list[dict[str, str]] = field(default_factory=list)
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def figure(self, fig: Figure, caption: str) -> None:
        """Embed ``fig`` as a PNG with its caption."""
        data = base64.b64encode(figure_png(fig, FIGURE_DPI)).decode()
        self.blocks.append({"kind": "figure", "data": data, "caption": caption})

    def table(
        self, table: CsrTable | pd.DataFrame, caption: str = "", max_rows: int = 400, name: str | None = None
    ) -> CsrTable:
        """Add a formatted table (a raw frame is formatted by :func:`format_frame`); returns it."""
        if not isinstance(table, CsrTable):
            table = format_frame(table, name or f"{self.anchor}_table_{len(self.blocks) + 1}", caption)
        table.max_rows = max_rows
        self.blocks.append({"kind": "table", "table": table})
        return table

    def note(self, text: str) -> None:
        """A line of text under the previous block."""
        self.blocks.append({"kind": "note", "text": text})

    def missing(self, what: str, why: str) -> None:
        """A clear "not available" line for a table or figure the store cannot give yet."""
        self.blocks.append({"kind": "missing", "text": f"{what}: not available: {why}"})

    @property
    def tables(self) -> list[CsrTable]:
        """The tables of the section, in order."""
        return [b["table"] for b in self.blocks if b["kind"] == "table"]


def _decimals(column: str, values: pd.Series) -> int:
    if any(key in column for key in _TWO_DECIMALS):
        return 3 if "brier" in column else 2
    finite = values.dropna().abs()
    return 1 if len(finite) and finite.max() >= 10 else 2


def format_frame(frame: pd.DataFrame, name: str, title: str, footnotes: list[str] | None = None) -> CsrTable:
    """A store table made readable: headers in words with units, p-values as a CSR prints them, fixed decimals
    per column, booleans as Yes/No; the unformatted frame stays behind the TSV download.

    Examples
    --------
    >>> import pandas as pd
    >>> t = format_frame(pd.DataFrame({"feature": ["a"], "auc": [0.6912], "p": [0.0004]}), "x", "X")
    >>> t.header, t.rows
    (['Feature', 'AUC', 'p'], [['a', '0.69', '< 0.001']])
    """
    import pandas as pd

    shown = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if _P_COLUMN.search(str(column)):
            shown[humanise(str(column))] = values.map(lambda v: fmt_p(None if pd.isna(v) else float(v)))
        elif pd.api.types.is_bool_dtype(values):
            shown[humanise(str(column))] = values.map({True: "Yes", False: "No"}).fillna("")
        elif pd.api.types.is_integer_dtype(values):
            shown[humanise(str(column))] = values.map(lambda v: "" if pd.isna(v) else str(int(v)))
        elif pd.api.types.is_float_dtype(values):
            if values.dropna().apply(float.is_integer).all() and "pct" not in str(column):
                shown[humanise(str(column))] = values.map(lambda v: "" if pd.isna(v) else str(int(v)))
            else:
                d = _decimals(str(column), values)
                shown[humanise(str(column))] = values.map(lambda v, d=d: fmt_num(v, d))
        elif pd.api.types.is_datetime64_any_dtype(values):
            shown[humanise(str(column))] = values.dt.strftime("%Y-%m-%d").fillna("")
        else:
            shown[humanise(str(column))] = values.map(lambda v: "" if v is None or v != v else str(v))
    return CsrTable(name, title, shown.reset_index(drop=True), frame.reset_index(drop=True), footnotes or [])
