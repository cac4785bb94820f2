"""TMB for every tumour of a samplesheet: one failing sample never stops the others.

A samplesheet is CSV with at least ``sample`` and ``vcf`` columns (``patient``, ``bed``, ``type`` and
``tumor_sample`` are used when present); relative paths are read from the samplesheet's folder.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from biomarker.errors import BiomarkerError, InputError
from biomarker.files import atomic_write
from biomarker.tmb.pipeline import build_territory, compute_tmb
from biomarker.tmb.territory import Territory

log = logging.getLogger(__name__)
COHORT_COLUMNS = ("patient", "sample", "status", "reason", "preset", "counted_variants", "territory_mb",
                  "tmb_per_mb", "tmb_ci95_low_per_mb", "tmb_ci95_high_per_mb", "tmb_high", "input")


@dataclass(frozen=True)
class SampleRow:
    """One tumour to process."""

    patient: str
    sample: str
    vcf: Path
    bed: Path | None
    tumor_sample: str | None


def read_samplesheet(path: str | os.PathLike[str]) -> list[SampleRow]:
    """Read and check a samplesheet.

    Raises
    ------
    InputError
        For missing columns, empty fields or a sample listed twice (it would be counted twice).
    """
    path = Path(path)
    base = path.parent
    rows: list[SampleRow] = []
    seen: dict[str, int] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("sample", "vcf") if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(path, f"missing column(s) {', '.join(missing)}", where="header",
                             hint="a samplesheet needs at least: sample,vcf (and optionally patient,bed)")
        for lineno, row in enumerate(reader, start=2):
            sample, vcf = (row.get("sample") or "").strip(), (row.get("vcf") or "").strip()
            if not sample or not vcf:
                raise InputError(path, "empty sample or vcf", where=f"line {lineno}")
            if sample in seen:
                raise InputError(path, f"sample {sample!r} is listed twice (also line {seen[sample]})",
                                 where=f"line {lineno}", hint="each tumour once, or it would be counted twice")
            seen[sample] = lineno
            bed = (row.get("bed") or "").strip()
            rows.append(SampleRow(patient=(row.get("patient") or sample).strip(), sample=sample,
                                  vcf=base / vcf, bed=base / bed if bed else None,
                                  tumor_sample=(row.get("tumor_sample") or "").strip() or None))
    return rows


def tmb_for_samplesheet(
    samplesheet: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    preset: str = "wes",
    targets: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[dict[str, str]]:
    """Run :func:`compute_tmb` on every row, writing per-sample files and ``tmb_cohort.tsv`` in ``out_dir``.

    A sample whose input is bad gets ``status`` ``failed`` and a one-line ``reason``; the others go on.

    Returns
    -------
    list of dict
        The rows of ``tmb_cohort.tsv`` (:data:`COHORT_COLUMNS`).
    """
    rows = read_samplesheet(samplesheet)
    out = Path(out_dir)
    territories: dict[Path, Territory] = {}
    table: list[dict[str, str]] = []
    for i, row in enumerate(rows, start=1):
        if progress is not None:
            progress(i - 1, len(rows), row.sample)
        record = {"patient": row.patient, "sample": row.sample, "preset": preset, "input": str(row.vcf)}
        try:
            bed = Path(targets) if targets is not None else row.bed
            if bed is None:
                raise InputError(samplesheet, f"no BED for sample {row.sample}", hint="add a bed column or --targets")
            if bed not in territories:
                territories[bed] = build_territory(bed)
            r = compute_tmb(row.vcf, bed, preset, tumor_sample=row.tumor_sample, sample_id=row.sample,
                            territory=territories[bed], out_dir=out, keep_variants=False)
            record.update(status="ok", reason="", counted_variants=str(r.counted), territory_mb=f"{r.territory_mb:.6f}",
                          tmb_per_mb=f"{r.tmb_per_mb:.4f}", tmb_ci95_low_per_mb=f"{r.ci95_low:.4f}",
                          tmb_ci95_high_per_mb=f"{r.ci95_high:.4f}", tmb_high=str(r.tmb_high))
        except BiomarkerError as exc:
            log.warning("%s failed: %s", row.sample, exc)
            record.update(status="failed", reason=str(exc))
        table.append({c: record.get(c, "") for c in COHORT_COLUMNS})
    if progress is not None:
        progress(len(rows), len(rows), "")
    with atomic_write(out / "tmb_cohort.tsv") as fh:
        fh.write("\t".join(COHORT_COLUMNS) + "\n")
        fh.writelines("\t".join(r[c].replace("\t", " ") for c in COHORT_COLUMNS) + "\n" for r in table)
    return table
