"""Raw FCS 3.1 files of the TBNK tubes (6 colours + Trucount beads), as a cytometer writes them.

Each tube is a lyse/no-wash whole-blood stain with what makes real tubes hard to gate: lymphocytes (CD4 T,
CD8 T with a CD8-dim tail, CD4+CD8+ and CD4-CD8- T, NK with CD16/56-dim cells, B), monocytes (CD4-dim) and
granulocytes (CD16-bright) in the CD45/SSC plot, debris and dead cells, doublets (FSC-A about twice FSC-H), and
Trucount beads whose number varies from tube to tube. Each tube also carries instrument drift (gain changes of SSC
and of every fluorescence detector) drawn per tube, so visits differ the way they do on a real cytometer.
Events are written in detector (uncompensated) space: ``raw = (true @ SPILL) x detector gain``.

A :class:`Perturbation` makes a broken or shifted tube on purpose (SSC gain x2, all fluorescence x0.3, few beads,
no compensation keyword, another panel's markers) for the QC and gating tests. The truth row records the events
planted per population (only singlets; doublets, debris and dead cells apart), so a perfect gating recovers it.
"""

from __future__ import annotations

import io
from array import array
from dataclasses import dataclass, field
from pathlib import Path

import flowio
import numpy as np

from biomarker.simulate._io import atomic_write_bytes
from biomarker.simulate.tbnk import TbnkResult

CHANNELS = ("FSC-A", "FSC-H", "SSC-A", "FITC-A", "PE-A", "PerCP-Cy5-5-A", "PE-Cy7-A", "APC-A", "APC-Cy7-A")
MARKERS = ("", "", "", "CD3 FITC", "CD16+56 PE", "CD45 PerCP-Cy5.5", "CD4 PE-Cy7", "CD19 APC", "CD8 APC-Cy7")
FLUOR = CHANNELS[3:]
#: Spillover (row: fluorochrome, column: detector), FACSCanto-like.
SPILLOVER = np.array(
    [
        [1.0, 0.22, 0.03, 0.005, 0.0, 0.0],
        [0.012, 1.0, 0.16, 0.05, 0.0, 0.002],
        [0.0, 0.0, 1.0, 0.12, 0.02, 0.03],
        [0.0, 0.01, 0.01, 1.0, 0.0, 0.08],
        [0.0, 0.0, 0.01, 0.01, 1.0, 0.15],
        [0.0, 0.0, 0.0, 0.05, 0.02, 1.0],
    ]
)
BEADS_PER_TUBE = 50000
SAMPLE_VOLUME_UL = 50
TARGET_LYMPHS = 5000
MAX_EVENTS = 20000
#: Lymphocyte populations (singlets) whose counts the truth records, in truth-column order.
LYMPH_POPULATIONS = ("cd4_t", "cd8_t", "dp_t", "dn_t", "nk", "b", "lymph_other")

# mean (FSC-A, SSC-A, CD3, CD16+56, CD45, CD4, CD19, CD8) in compensated units ("neg" ~ 100), and the log-SD of
# bright markers / scatter per population (dim and overlapping populations have wide spreads).
_POP: dict[str, tuple[tuple[float, ...], float]] = {
    "cd4_t": ((52000, 14000, 9000, 100, 20000, 6000, 100, 120), 0.25),
    "cd8_t": ((52000, 14000, 9000, 100, 20000, 120, 100, 8000), 0.4),
    "dp_t": ((52000, 14000, 9000, 100, 20000, 4500, 100, 4500), 0.25),
    "dn_t": ((52000, 14000, 9000, 100, 20000, 120, 100, 120), 0.25),
    "nk": ((54000, 17000, 110, 4500, 18000, 100, 100, 300), 0.45),
    "b": ((50000, 13000, 110, 100, 16000, 100, 7000, 100), 0.3),
    "lymph_other": ((50000, 13000, 110, 100, 16000, 100, 100, 100), 0.25),
    "mono": ((90000, 60000, 130, 700, 9000, 2500, 100, 100), 0.2),
    "gran": ((110000, 150000, 130, 6000, 4000, 100, 100, 100), 0.2),
    "debris": ((12000, 6000, 100, 100, 150, 100, 100, 100), 0.5),
    "dead": ((25000, 12000, 120, 100, 400, 100, 100, 100), 0.3),
    "beads": ((20000, 30000, 150000, 150000, 150000, 150000, 150000, 150000), 0.03),
}
_SCATTER_SD = {"debris": 0.5, "dead": 0.3, "beads": 0.03, "mono": 0.2, "gran": 0.15}
_FSC_H_RATIO = 0.85


@dataclass(frozen=True)
class Perturbation:
    """A deliberate change to a tube, for tests of gating and QC.

    Parameters
    ----------
    ssc_gain, fluor_gain
        Extra detector gain on SSC and on every fluorescence detector (on top of the drawn drift).
    bead_fraction
        Share of the bead events kept (0.1: ~400 beads instead of ~4,000).
    compensation
        False writes no ``$SPILLOVER``/``SPILL`` keyword (the events still carry spillover).
    markers
        ``{channel: $PnS}`` replacing the TBNK markers (another panel on the same channels).
    drift
        False: no drawn instrument drift (gains exactly 1 times the gains above).
    """

    ssc_gain: float = 1.0
    fluor_gain: float = 1.0
    bead_fraction: float = 1.0
    compensation: bool = True
    markers: dict[str, str] = field(default_factory=dict)
    drift: bool = True


def spill_keyword() -> str:
    """The ``$SPILLOVER`` / ``SPILL`` keyword text: n, detector names, row-major values."""
    values = ",".join(f"{v:.4f}" for v in SPILLOVER.ravel())
    return f"{len(FLUOR)},{','.join(FLUOR)},{values}"


def population_counts(rng: np.random.Generator, result: TbnkResult, bead_fraction: float = 1.0) -> dict[str, int]:
    """Event counts per population for one tube, from the exported result (beads vary between tubes)."""
    expected_beads = TARGET_LYMPHS * BEADS_PER_TUBE / (SAMPLE_VOLUME_UL * result.lymph_abs)
    n_beads = int(rng.poisson(float(np.clip(expected_beads, 1500, 8000)) * float(rng.uniform(0.8, 1.25))))
    n_lymph = round(result.lymph_abs * SAMPLE_VOLUME_UL * n_beads / BEADS_PER_TUBE)
    dp = float(rng.uniform(0.3, 1.5))
    dn = max(result.cd3_pct - result.cd4_pct - result.cd8_pct - dp, 0.0)
    other = max(100.0 - result.cd3_pct - result.nk_pct - result.b_pct, 0.0)
    fr = np.array([result.cd4_pct, result.cd8_pct, dp, dn, result.nk_pct, result.b_pct, other], dtype=float)
    sub = rng.multinomial(n_lymph, fr / fr.sum())
    rest = max(MAX_EVENTS - n_lymph - n_beads, 1000)
    counts = {name: int(c) for name, c in zip(LYMPH_POPULATIONS, sub, strict=True)}
    counts.update(
        {
            "mono": round(rest * 0.12),
            "debris": round(rest * 0.05),
            "dead": round(rest * 0.03),
            "doublets": round(n_lymph * 0.03),
        }
    )
    counts["gran"] = rest - counts["mono"] - counts["debris"] - counts["dead"]
    counts["beads"] = max(round(n_beads * bead_fraction), 1)
    return counts


def _population(rng: np.random.Generator, name: str, n: int) -> np.ndarray:
    """n events (FSC-A, SSC-A, 6 fluorescence) of one population, in true (compensated) units."""
    mean, sd = _POP[name]
    m = np.asarray(mean, dtype=float)
    ev = np.empty((n, 8))
    ev[:, :2] = m[:2] * np.exp(rng.normal(0, _SCATTER_SD.get(name, 0.12), (n, 2)))
    for j in range(2, 8):
        ev[:, j] = m[j] * np.exp(rng.normal(0, sd, n)) if m[j] >= 1000 else rng.normal(m[j], 60, n)
    return ev


def simulate_events(rng: np.random.Generator, counts: dict[str, int], gains: np.ndarray, ssc_gain: float) -> np.ndarray:
    """Events (n x 9, float32) in detector space, shuffled: singlets, doublets of lymphocytes, beads."""
    by_name: dict[str, np.ndarray] = {}
    heights = []
    for name, n in counts.items():
        if name == "doublets":
            continue
        ev = by_name[name] = _population(rng, name, n)
        heights.append(ev[:, 0] * _FSC_H_RATIO * np.exp(rng.normal(0, 0.04, n)))
    blocks = list(by_name.values())
    n_dbl = counts.get("doublets", 0)
    if n_dbl:
        lymph = np.vstack([by_name[name] for name in LYMPH_POPULATIONS])
        pairs = lymph[rng.integers(0, len(lymph), (n_dbl, 2))]
        dbl = pairs.sum(axis=1)
        blocks.append(dbl)
        heights.append(pairs[:, :, 0].max(axis=1) * _FSC_H_RATIO * 1.1 * np.exp(rng.normal(0, 0.04, n_dbl)))
    ev = np.vstack(blocks)
    fluor = (ev[:, 2:] @ SPILLOVER + rng.normal(0, 25, (len(ev), 6))) * gains
    out = np.column_stack([ev[:, 0], np.concatenate(heights), ev[:, 1] * ssc_gain, fluor])
    out[:, :3] = np.clip(out[:, :3], 0, 262143)
    out[:, 3:] = np.minimum(out[:, 3:], 262143)
    return out[rng.permutation(len(out))].astype(np.float32)


#: Columns of ``truth/fcs_events.csv``: the events planted in each tube, per population, and the drift.
FCS_TRUTH_COLUMNS = (
    "usubjid",
    "visit",
    "file",
    *LYMPH_POPULATIONS,
    "mono",
    "gran",
    "debris",
    "dead",
    "doublets",
    "beads",
    "beads_per_test",
    "sample_volume_ul",
    "ssc_gain",
    "fluor_gain_min",
    "fluor_gain_max",
)
_COUNTED = FCS_TRUTH_COLUMNS[3 : FCS_TRUTH_COLUMNS.index("beads") + 1]


def write_fcs(
    path: Path, rng: np.random.Generator, result: TbnkResult, collection_date: str, perturb: Perturbation | None = None
) -> tuple[Path, list[object]]:
    """Write the tube of ``result`` as FCS 3.1 (float) with flowio, atomically.

    Returns the path and the tube's row of :data:`FCS_TRUTH_COLUMNS` (the exact planted event counts:
    the tube's populations are drawn around the lab table's values, so a perfect gating recovers these,
    not the table).
    """
    p = perturb or Perturbation()
    counts = population_counts(rng, result, p.bead_fraction)
    drift = p.drift
    ssc_gain = p.ssc_gain * (float(np.exp(rng.normal(0, 0.08))) if drift else 1.0)
    gains = p.fluor_gain * (np.exp(rng.normal(0, 0.1, len(FLUOR))) if drift else np.ones(len(FLUOR)))
    events = simulate_events(rng, counts, gains, ssc_gain)
    data = array("f")
    data.frombytes(events.astype("<f4").tobytes())
    y, m, d = collection_date.split("-")
    months = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    meta = {
        "$CYT": "FACSCanto II",
        "$CYTSN": "V96300123",
        "$DATE": f"{d}-{months[int(m) - 1]}-{y}",
        "$FIL": Path(path).name,
        "$SRC": f"{result.usubjid} {result.visit}",
        "TUBE NAME": "TBNK 6-COLOR TRUCOUNT",
        "EXPERIMENT NAME": "TBNK",
        "PATIENT ID": result.usubjid,
        "VISIT": result.visit,
        "SAMPLE ID": result.sample_id,
        "BEADS COUNT": str(BEADS_PER_TUBE),
        "BEADS LOT": "81234",
        "SAMPLE VOLUME": str(SAMPLE_VOLUME_UL),
        "SAMPLE VOLUME UNIT": "uL",
    }
    if p.compensation:
        meta.update({"$SPILLOVER": spill_keyword(), "SPILL": spill_keyword()})
    markers = [p.markers.get(c, mk) for c, mk in zip(CHANNELS, MARKERS, strict=True)]
    buf = io.BytesIO()
    flowio.create_fcs(buf, data, list(CHANNELS), opt_channel_names=markers, metadata_dict=meta)
    truth = [
        result.usubjid,
        result.visit,
        Path(path).name,
        *(counts[c] for c in _COUNTED),
        BEADS_PER_TUBE,
        SAMPLE_VOLUME_UL,
        round(ssc_gain, 4),
        round(float(gains.min()), 4),
        round(float(gains.max()), 4),
    ]
    return atomic_write_bytes(Path(path), buf.getvalue()), truth
