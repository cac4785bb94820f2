"""What a lab export says besides the values: collection dates as labs write them, and the instrument's own QC.

BD MultiSET and FACSCanto clinical software write, per tube, the lymphocyte and bead events they counted and
their error codes; :func:`instrument_flags` turns them into our flags (``low_lymph_events``, ``few_beads`` with the
absolute counts withheld, ``instrument_error_codes``).

>>> parse_date("Wed, Jun 3, 2015 3:21 PM"), parse_date("2024-01-02"), parse_date("03-JUN-2015")
('2015-06-03', '2024-01-02', '2015-06-03')
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

#: Date spellings seen in lab exports (tried in order, after stripping a leading weekday).
DATE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %Y",
    "%d%b%Y",
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%d.%m.%Y",
)
EMPTY = ("", ".", "na", "n/a", "nd", "-", "none")


def is_empty(value: object) -> bool:
    """Blank, ``.`` (MultiSET's empty), NA and friends."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return str(value).strip().lower() in EMPTY


def parse_date(text: object) -> str | None:
    """A collection date as ISO 8601 (date only); None for empty; ValueError for text that is not a date."""
    if is_empty(text):
        return None
    if isinstance(text, datetime):
        return text.date().isoformat()
    s = re.sub(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+", "", str(text).strip(), flags=re.IGNORECASE)
    s = re.sub(r"\s+", " ", s)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(s.title() if "%b" in fmt or "%B" in fmt else s, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date")


def _numbers(row: Mapping[str, Any], columns: Sequence[str]) -> list[float]:
    out = []
    for c in columns:
        v = row.get(c)
        if is_empty(v):
            continue
        try:
            out.append(float(str(v).strip()))
        except ValueError:
            continue
    return out


def qc_columns(header: Sequence[str]) -> dict[str, list[str]]:
    """The export's own QC columns: lymphocyte events, bead events, error codes (per tube)."""
    out: dict[str, list[str]] = {"lymph_events": [], "bead_events": [], "error_codes": []}
    for h in header:
        low = h.strip().lower()
        if low.endswith("lymph events"):
            out["lymph_events"].append(h)
        elif low.endswith("bead events"):
            out["bead_events"].append(h)
        elif low.endswith("error codes"):
            out["error_codes"].append(h)
    return out


def instrument_flags(row: Mapping[str, Any], columns: Mapping[str, list[str]], qc: Any) -> tuple[list[str], bool]:
    """Flags from one row's instrument QC columns, and whether its absolute counts must be withheld."""
    flags: list[str] = []
    lymph = _numbers(row, columns.get("lymph_events", []))
    beads = _numbers(row, columns.get("bead_events", []))
    if lymph and min(lymph) < qc.min_lymph_events:
        flags.append(f"low_lymph_events={min(lymph):g}")
    withhold = bool(beads) and min(beads) < qc.min_bead_events
    if withhold:
        flags.append(f"few_beads={min(beads):g}")
        flags.append("absolute_counts_withheld")
    codes = [str(row.get(c)).strip() for c in columns.get("error_codes", []) if not is_empty(row.get(c))]
    if codes:
        flags.append("instrument_error_codes=" + ",".join(re.sub(r"[;\s]+", ",", c).strip(",") for c in codes))
    return flags, withhold
