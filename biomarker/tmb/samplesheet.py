"""Samplesheets: which tumours a batch runs.

A samplesheet is a table with at least ``sample`` and ``vcf`` columns (``patient``, ``bed``, ``type`` and
``tumor_sample`` are used when present; names are matched ignoring case); relative paths are read from the
samplesheet's folder. Comma, semicolon (Excel in many locales) and tab separators are recognised from the
header, a UTF-8 byte-order mark and CRLF line ends (Excel's "CSV UTF-8") are accepted, and blank rows
(Excel's ``;;;;``) are skipped. Sample names become file names, so they must be safe identifiers
(:func:`biomarker.files.safe_name`).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from biomarker.errors import InputError
from biomarker.files import safe_name

REQUIRED = ("sample", "vcf")
_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}


@dataclass(frozen=True)
class SampleRow:
    """One tumour to process."""

    patient: str
    sample: str
    vcf: Path
    bed: Path | None
    tumor_sample: str | None
    sample_type: str = ""


def _read_text(path: Path) -> str:
    if not path.exists():
        raise InputError(path, "file not found", hint="give the path of a samplesheet (CSV: sample,vcf[,patient,bed])")
    if not path.is_file():
        raise InputError(path, "not a file", hint="give the path of a samplesheet (CSV: sample,vcf[,patient,bed])")
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise InputError(
            path, f"not UTF-8 text (byte {exc.start})", hint="save it as 'CSV UTF-8' (Excel) or plain UTF-8"
        ) from None
    except OSError as exc:
        raise InputError(path, f"cannot read it ({exc.strerror or exc})") from None
    if not text.strip():
        raise InputError(path, "empty file", hint="a samplesheet needs a header line: sample,vcf")
    return text


def _separator(path: Path, header_line: str) -> str:
    """The separator whose split of the header holds the required columns; else by the file's name."""
    for sep in _SEPARATORS:
        names = {h.strip().lower() for h in next(csv.reader([header_line], delimiter=sep))}
        if set(REQUIRED) <= names:
            return sep
    return "\t" if path.suffix.lower() in (".tsv", ".tab", ".txt") else ","


def read_samplesheet(path: str | os.PathLike[str]) -> list[SampleRow]:
    """Read and check a samplesheet.

    Raises
    ------
    InputError
        For a missing or unreadable file, missing columns, empty fields, an unsafe sample name
        (``/``, ``..``, ...) or a sample listed twice (it would be counted twice).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "sheet.csv"
    >>> _ = p.write_bytes(b"\\xef\\xbb\\xbfSample;VCF;bed\\r\\nS1;s1.vcf.gz;exome.bed\\r\\n;;\\r\\n")
    >>> [(r.sample, r.vcf.name, r.bed.name) for r in read_samplesheet(p)]
    [('S1', 's1.vcf.gz', 'exome.bed')]
    """
    path = Path(path)
    base = path.parent
    text = _read_text(path)
    lines = text.splitlines()
    sep = _separator(path, lines[0])
    reader = csv.reader(lines, delimiter=sep)
    header = [h.strip() for h in next(reader)]
    columns = {h.lower(): i for i, h in reversed(list(enumerate(header)))}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(
            path,
            f"missing column(s) {', '.join(missing)}",
            where="header",
            hint=f"read as {_SEPARATORS[sep]}-separated with columns {header}; a samplesheet needs "
            "at least: sample,vcf (and optionally patient,bed,type,tumor_sample), separated by "
            "commas, semicolons or tabs",
        )

    def get(fields: list[str], name: str) -> str:
        i = columns.get(name)
        return fields[i].strip() if i is not None and i < len(fields) else ""

    rows: list[SampleRow] = []
    seen: dict[str, tuple[int, int]] = {}
    for lineno, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        sample, vcf = get(fields, "sample"), get(fields, "vcf")
        if not sample or not vcf:
            raise InputError(path, f"empty {'sample' if not sample else 'vcf'}", where=f"line {lineno}")
        safe_name(sample, source=path, where=f"line {lineno}")
        first = seen.get(sample.lower())
        if first is not None:
            same = rows[first[1]].sample == sample
            raise InputError(
                path,
                f"sample {sample!r} is listed twice (also line {first[0]})"
                if same
                else f"samples {rows[first[1]].sample!r} (line {first[0]}) and {sample!r} differ only in case",
                where=f"line {lineno}",
                hint="each tumour once, or it would be counted twice"
                if same
                else "their files would collide on macOS and Windows; rename one",
            )
        seen[sample.lower()] = (lineno, len(rows))
        bed = get(fields, "bed")
        rows.append(
            SampleRow(
                patient=get(fields, "patient") or sample,
                sample=sample,
                vcf=base / vcf,
                bed=base / bed if bed else None,
                tumor_sample=get(fields, "tumor_sample") or None,
                sample_type=get(fields, "type"),
            )
        )
    if not rows:
        raise InputError(path, "no samples (only a header)", hint="add one line per tumour: sample,vcf")
    return rows
