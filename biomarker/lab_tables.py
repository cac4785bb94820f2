"""Read a lab's table (CSV, TSV, gzipped, or an XLSX sheet) as header, rows and row locations for messages.

Used by the PD-L1 and TBNK readers. Values stay as written (strings; numbers from XLSX), so a reader can
report the exact text it could not parse. XLSX cells formatted as percent (stored as 0.55, shown as 55%)
are turned back into 55.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from biomarker.errors import InputError
from biomarker.files import open_text


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def read_table(path: Path, sheet: str | int = 0) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    """Header, rows (as written: strings, or numbers from XLSX) and each row's location for messages.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = p.write_text("USUBJID,TPS" + chr(10) + "S1,55%" + chr(10))
    >>> read_table(p)
    (['USUBJID', 'TPS'], [{'USUBJID': 'S1', 'TPS': '55%'}], ['line 2'])
    """
    if not path.is_file():
        raise InputError(path, "file not found")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet)
    with open_text(path) as fh:
        text = fh.read()
    if not text.strip():
        raise InputError(path, "empty file")
    delimiter = "\t" if path.suffix.lower() in (".tsv", ".txt") or text.split("\n", 1)[0].count("\t") else ","
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    rows, where = [], []
    for lineno, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        rows.append(dict(zip(header, fields, strict=False)))
        where.append(f"line {lineno}")
    return header, rows, where


def read_xlsx(path: Path, sheet: str | int) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    """Read a sheet with openpyxl, turning cells formatted as percent (0.55 shown as 55%) back into 55."""
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - openpyxl is a dependency
        raise InputError(path, "reading XLSX needs openpyxl", hint="pip install openpyxl") from exc
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException on damaged files
        raise InputError(path, f"not a readable XLSX workbook ({exc})") from exc
    try:
        ws = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
    except (KeyError, IndexError):
        raise InputError(path, f"no sheet {sheet!r}", hint=f"sheets: {', '.join(book.sheetnames)}") from None
    header: list[str] | None = None
    rows, where = [], []
    for rowno, r in enumerate(ws.iter_rows(min_row=1), start=1):
        values = []
        for cell in r:
            v = cell.value
            if isinstance(v, int | float) and not isinstance(v, bool) and "%" in (cell.number_format or ""):
                v = round(v * 100, 10)
            values.append(v)
        if header is None:
            if any(v is not None for v in values):
                header = [_text(v) for v in values]
            continue
        if all(v is None or _text(v) == "" for v in values):
            continue
        rows.append(dict(zip(header, values, strict=False)))
        where.append(f"sheet {ws.title} row {rowno}")
    book.close()
    if header is None:
        raise InputError(path, "empty sheet", where=f"sheet {ws.title}")
    return header, rows, where


def read_mapping(mapping: Mapping[str, Any] | str | os.PathLike[str] | None, what: str, shape: str) -> dict[str, Any]:
    """A user's mapping given as a dict or a YAML file (``None`` is empty), checked to be a mapping.

    Parameters
    ----------
    what
        What it is, for messages (``"the TBNK mapping"``).
    shape
        What it should look like, for the message when it is not a mapping.

    Raises
    ------
    ConfigError
        For an unreadable file, invalid YAML or anything but a mapping.

    Examples
    --------
    >>> read_mapping({"a": 1}, "the map", "a: value")
    {'a': 1}
    """
    import yaml

    from biomarker.errors import ConfigError

    if mapping is None:
        return {}
    if isinstance(mapping, str | os.PathLike):
        try:
            data = yaml.safe_load(Path(mapping).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{mapping}: cannot read {what}: {exc}") from exc
    else:
        data = mapping
    if not isinstance(data, Mapping):
        raise ConfigError(f"{what} must be a mapping: {shape}")
    return dict(data)
