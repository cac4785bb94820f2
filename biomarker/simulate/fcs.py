"""Raw FCS 3.1 files of the TBNK tubes (6 colours + Trucount beads), with spillover applied.

Each tube is a lyse/no-wash whole-blood stain: lymphocytes (CD4 T, CD8 T, double-negative T,
NK, B), monocytes, granulocytes, debris and Trucount beads. Population sizes follow the
exported TBNK result, so gating lymphocytes on CD45 vs SSC, then CD3, CD4/CD8, CD19 and
CD16+56 recovers the exported % of lymphocytes, and
``lymphocytes / beads * BEADS COUNT / SAMPLE VOLUME`` the absolute count, within sampling
error. Events are written in detector (uncompensated) space: ``raw = true @ SPILL``.
"""

from __future__ import annotations

import io
from array import array
from pathlib import Path

import flowio
import numpy as np

from biomarker.simulate._io import atomic_write_bytes
from biomarker.simulate.tbnk import TbnkResult

CHANNELS = ("FSC-A", "SSC-A", "FITC-A", "PE-A", "PerCP-Cy5-5-A", "PE-Cy7-A", "APC-A", "APC-Cy7-A")
MARKERS = ("", "", "CD3 FITC", "CD16+56 PE", "CD45 PerCP-Cy5.5", "CD4 PE-Cy7", "CD19 APC", "CD8 APC-Cy7")
FLUOR = CHANNELS[2:]
#: Spillover (row: fluorochrome, column: detector), FACSCanto-like.
SPILLOVER = np.array([
    [1.0, 0.22, 0.03, 0.005, 0.0, 0.0],
    [0.012, 1.0, 0.16, 0.05, 0.0, 0.002],
    [0.0, 0.0, 1.0, 0.12, 0.02, 0.03],
    [0.0, 0.01, 0.01, 1.0, 0.0, 0.08],
    [0.0, 0.0, 0.01, 0.01, 1.0, 0.15],
    [0.0, 0.0, 0.0, 0.05, 0.02, 1.0],
])
BEADS_PER_TUBE = 50000
SAMPLE_VOLUME_UL = 50
TARGET_LYMPHS = 5000
MAX_EVENTS = 20000

# mean (FSC, SSC, CD3, CD16+56, CD45, CD4, CD19, CD8) in compensated units; "neg" ~ 100
_POP = {
    "cd4_t": (52000, 14000, 9000, 100, 20000, 6000, 100, 120),
    "cd8_t": (52000, 14000, 9000, 100, 20000, 120, 100, 9000),
    "dn_t": (52000, 14000, 9000, 100, 20000, 120, 100, 120),
    "nk": (54000, 16000, 110, 5000, 18000, 100, 100, 300),
    "b": (50000, 13000, 110, 100, 16000, 100, 7000, 100),
    "lymph_other": (50000, 13000, 110, 100, 16000, 100, 100, 100),
    "mono": (90000, 60000, 130, 700, 9000, 2500, 100, 100),
    "gran": (110000, 150000, 130, 6000, 4000, 100, 100, 100),
    "debris": (15000, 8000, 100, 100, 200, 100, 100, 100),
    "beads": (40000, 30000, 150000, 150000, 150000, 150000, 150000, 150000),
}


def spill_keyword() -> str:
    """The ``$SPILLOVER`` / ``SPILL`` keyword text: n, detector names, row-major values."""
    values = ",".join(f"{v:.4f}" for v in SPILLOVER.ravel())
    return f"{len(FLUOR)},{','.join(FLUOR)},{values}"


def population_counts(rng: np.random.Generator, result: TbnkResult) -> dict[str, int]:
    """Event counts per population for one tube, from the exported result."""
    expected_beads = TARGET_LYMPHS * BEADS_PER_TUBE / (SAMPLE_VOLUME_UL * result.lymph_abs)
    n_beads = int(rng.poisson(float(np.clip(expected_beads, 1500, 8000))))
    n_lymph = round(result.lymph_abs * SAMPLE_VOLUME_UL * n_beads / BEADS_PER_TUBE)
    dn = max(result.cd3_pct - result.cd4_pct - result.cd8_pct, 0.0)
    other = max(100.0 - result.cd3_pct - result.nk_pct - result.b_pct, 0.0)
    fr = np.array([result.cd4_pct, result.cd8_pct, dn, result.nk_pct, result.b_pct, other], dtype=float)
    sub = rng.multinomial(n_lymph, fr / fr.sum())
    rest = max(MAX_EVENTS - n_lymph - n_beads, 1000)
    n_mono = round(rest * 0.12)
    n_debris = round(rest * 0.06)
    n_gran = rest - n_mono - n_debris
    names = ("cd4_t", "cd8_t", "dn_t", "nk", "b", "lymph_other")
    counts = {name: int(c) for name, c in zip(names, sub, strict=True)}
    counts.update({"mono": n_mono, "gran": n_gran, "debris": n_debris, "beads": n_beads})
    return counts


def simulate_events(rng: np.random.Generator, counts: dict[str, int]) -> np.ndarray:
    """Events (n x 8, float32) in detector space, shuffled."""
    blocks = []
    for name, n in counts.items():
        mean = np.asarray(_POP[name], dtype=float)
        ev = np.empty((n, 8))
        ev[:, :2] = mean[:2] * np.exp(rng.normal(0, 0.12, (n, 2)))
        for j in range(2, 8):
            if mean[j] >= 1000:
                ev[:, j] = mean[j] * np.exp(rng.normal(0, 0.25, n))
            else:
                ev[:, j] = rng.normal(mean[j], 60, n)
        blocks.append(ev)
    events = np.vstack(blocks)
    events[:, 2:] = events[:, 2:] @ SPILLOVER + rng.normal(0, 25, (len(events), 6))
    events[:, :2] = np.clip(events[:, :2], 0, 262143)
    return events[rng.permutation(len(events))].astype(np.float32)


#: Columns of ``truth/fcs_events.csv``: the events planted in each tube, per population.
FCS_TRUTH_COLUMNS = ("usubjid", "visit", "file", "cd4_t", "cd8_t", "dn_t", "nk", "b", "lymph_other", "mono", "gran",
                     "debris", "beads", "beads_per_test", "sample_volume_ul")


def write_fcs(path: Path, rng: np.random.Generator, result: TbnkResult,
              collection_date: str) -> tuple[Path, list[object]]:
    """Write the tube of ``result`` as FCS 3.1 (float) with flowio, atomically.

    Returns the path and the tube's row of :data:`FCS_TRUTH_COLUMNS` (the exact planted event counts:
    the tube's populations are drawn around the lab table's values, so a perfect gating recovers these,
    not the table).
    """
    counts = population_counts(rng, result)
    events = simulate_events(rng, counts)
    data = array("f")
    data.frombytes(events.astype("<f4").tobytes())
    y, m, d = collection_date.split("-")
    months = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    meta = {
        "$CYT": "FACSCanto II", "$CYTSN": "V96300123", "$DATE": f"{d}-{months[int(m) - 1]}-{y}",
        "$FIL": Path(path).name, "$SRC": f"{result.usubjid} {result.visit}", "$SPILLOVER": spill_keyword(),
        "SPILL": spill_keyword(), "TUBE NAME": "TBNK 6-COLOR TRUCOUNT", "EXPERIMENT NAME": "TBNK",
        "PATIENT ID": result.usubjid, "VISIT": result.visit, "SAMPLE ID": result.sample_id,
        "BEADS COUNT": str(BEADS_PER_TUBE), "BEADS LOT": "81234", "SAMPLE VOLUME": str(SAMPLE_VOLUME_UL),
        "SAMPLE VOLUME UNIT": "uL",
    }
    buf = io.BytesIO()
    flowio.create_fcs(buf, data, list(CHANNELS), opt_channel_names=list(MARKERS), metadata_dict=meta)
    truth = [result.usubjid, result.visit, Path(path).name, *(counts[c] for c in FCS_TRUTH_COLUMNS[3:13]),
             BEADS_PER_TUBE, SAMPLE_VOLUME_UL]
    return atomic_write_bytes(Path(path), buf.getvalue()), truth
