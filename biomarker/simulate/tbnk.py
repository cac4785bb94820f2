"""TBNK lymphocyte subsets (BD Multitest 6-colour TBNK + Trucount, FACSCanto II) at C1D1, C2D1, C4D1.

Latent percentages (of lymphocytes) are drawn per patient; C2D1 CD8 is C1D1 CD8 plus the
patient's ``cd8_change`` (the response-model feature). The exported values add a little
measurement noise and are rounded the way the clinical software reports them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TBNK_COLUMNS = (
    "Sample ID",
    "Patient ID",
    "Visit",
    "Collection Date",
    "CD3+ %Lymphs",
    "CD3+ Abs Cnt",
    "CD3+CD4+ %Lymphs",
    "CD3+CD4+ Abs Cnt",
    "CD3+CD8+ %Lymphs",
    "CD3+CD8+ Abs Cnt",
    "CD16+CD56+ %Lymphs",
    "CD16+CD56+ Abs Cnt",
    "CD19+ %Lymphs",
    "CD19+ Abs Cnt",
    "CD45+ Abs Cnt",
    "4/8 Ratio",
)
VISITS = (("C1D1", 0), ("C2D1", 21), ("C4D1", 63))


@dataclass
class TbnkResult:
    """One exported TBNK result (percent of lymphocytes; counts in cells/uL)."""

    sample_id: str
    usubjid: str
    visit: str
    day: int
    cd3_pct: float
    cd4_pct: float
    cd8_pct: float
    nk_pct: float
    b_pct: float
    lymph_abs: int

    def abs_count(self, pct: float) -> int:
        """Cells/uL of a subset given its percent of lymphocytes."""
        return round(pct / 100 * self.lymph_abs)

    def row(self, collection_date: str) -> list[object]:
        """The row of ``flow/tbnk.csv`` (columns :data:`TBNK_COLUMNS`)."""
        cd4, cd8 = self.abs_count(self.cd4_pct), self.abs_count(self.cd8_pct)
        return [
            self.sample_id,
            self.usubjid,
            self.visit,
            collection_date,
            f"{self.cd3_pct:.0f}",
            self.abs_count(self.cd3_pct),
            f"{self.cd4_pct:.0f}",
            cd4,
            f"{self.cd8_pct:.0f}",
            cd8,
            f"{self.nk_pct:.0f}",
            self.abs_count(self.nk_pct),
            f"{self.b_pct:.0f}",
            self.abs_count(self.b_pct),
            self.lymph_abs,
            f"{cd4 / max(cd8, 1):.2f}",
        ]


def simulate_tbnk(
    rng: np.random.Generator, usubjid: str, index: int, nk_baseline: float, cd8_change: float, cycle_days: list[int]
) -> list[TbnkResult]:
    """Results for the visits the patient reached (and whose tube was not lost).

    Parameters
    ----------
    cycle_days
        Start days of the cycles the patient received (C2D1 needs day 21, C4D1 day 63).
    """
    b = float(np.clip(rng.normal(11, 4), 3, 22))
    resid = float(rng.uniform(0, 1.5))
    dn = float(rng.uniform(2, 6))
    cd8 = float(np.clip(rng.normal(26, 6), 12, 40))
    lymph = float(np.clip(rng.lognormal(np.log(1400), 0.35), 400, 4000))
    nk = nk_baseline
    out: list[TbnkResult] = []
    for v, (visit, day) in enumerate(VISITS):
        if v == 1:
            cd8 = cd8 + cd8_change
            nk = float(np.clip(nk + rng.normal(0, 1.5), 2, 35))
            b = float(np.clip(b + rng.normal(0, 1), 2, 25))
            lymph *= float(np.exp(rng.normal(0, 0.12)))
        elif v == 2:
            cd8 = cd8 + float(rng.normal(0.5, 2))
            nk = float(np.clip(nk + rng.normal(0, 1.5), 2, 35))
            b = float(np.clip(b + rng.normal(0, 1), 2, 25))
            lymph *= float(np.exp(rng.normal(0, 0.12)))
        t = 100 - nk - b - resid
        cd8 = float(np.clip(cd8, 8, t - dn - 15))
        cd4 = t - cd8 - dn
        lost = rng.random() < (0.03 if v == 0 else 0.06)
        if day not in cycle_days or lost:
            continue
        noisy = [max(0.5, x + float(rng.normal(0, 0.4))) for x in (t, cd4, cd8, nk, b)]
        out.append(
            TbnkResult(
                f"TB{240000 + 10 * index + v:06d}",
                usubjid,
                visit,
                day,
                *(round(x) for x in noisy),
                round(lymph * float(np.exp(rng.normal(0, 0.03)))),
            )
        )
    return out
