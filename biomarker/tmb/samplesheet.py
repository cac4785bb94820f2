"""Samplesheets: which tumours a batch runs.

A samplesheet is CSV with at least ``sample`` and ``vcf`` columns (``patient``, ``bed``, ``type`` and
``tumor_sample`` are used when present); relative paths are read from the samplesheet's folder.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from biomarker.errors import InputError


@dataclass(frozen=True)
class SampleRow:
    """One tumour to process."""

    patient: str
    sample: str
    vcf: Path
    bed: Path | None
    tumor_sample: str | None
    sample_type: str = ""


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
                                  tumor_sample=(row.get("tumor_sample") or "").strip() or None,
                                  sample_type=(row.get("type") or "").strip()))
    return rows
