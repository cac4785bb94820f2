"""PD-L1 (22C3 TPS) and stromal TIL results as a pathology lab exports them."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

PDL1_COLUMNS = ("USUBJID", "SPECIMEN_ID", "ASSAY", "PDL1_TPS", "TIL_STROMAL_PCT", "REPORT_DATE")


def tps_text(rng: np.random.Generator, tps: float) -> str:
    """How the lab reports a true TPS: a category (``<1%``, ``1-49%``, ``>=50%``) or a value (``55%``).

    About 4% of specimens are ``not evaluable``. Reported values never cross a category cut-off.
    """
    u = rng.random()
    if u < 0.04:
        return "not evaluable"
    if tps < 1:
        return "<1%" if rng.random() < 0.7 else "0%"
    exact = rng.random() < 0.5
    if tps < 50:
        return f"{min(max(int(tps), 1), 49)}%" if exact else "1-49%"
    return f"{min(max(round(tps), 50), 100)}%" if exact else ">=50%"


def til_text(rng: np.random.Generator, til: float) -> float | None:
    """Stromal TIL % as reported (1% steps below 10%, else 5% steps); ~8% missing."""
    if rng.random() < 0.08:
        return None
    return float(round(til)) if til < 10 else float(5 * round(til / 5))


def pdl1_row(
    rng: np.random.Generator, usubjid: str, index: int, first_dose: date, tps: float, til: float
) -> list[object]:
    """One row of ``pathology/pdl1_til.csv``."""
    report = first_dose - timedelta(days=int(rng.integers(10, 60)))
    specimen = f"S{report.year % 100:02d}-{10000 + 37 * index + int(rng.integers(0, 30)):05d}"
    til_value = til_text(rng, til)
    return [
        usubjid,
        specimen,
        "22C3",
        tps_text(rng, tps),
        None if til_value is None else f"{til_value:.0f}",
        report.isoformat(),
    ]
