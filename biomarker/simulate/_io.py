"""Atomic, deterministic file writing shared by the simulator's writers."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    Parameters
    ----------
    path
        Destination; its parent folder is created when missing.
    data
        The exact bytes to write.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """Write UTF-8 ``text`` (``\\n`` line endings) atomically; see :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ",") -> Path:
    """Write a table atomically with the ``csv`` module (minimal quoting, ``\\n`` line endings).

    Values are written with :func:`fmt`, so floats have a fixed number of decimals and ``None``
    is an empty field.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([fmt(v) for v in row])
    return atomic_write_text(path, buf.getvalue())


def write_json(path: Path, obj: Any) -> Path:
    """Write ``obj`` as indented JSON with sorted keys, atomically."""
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def fmt(value: Any, decimals: int = 4) -> str:
    """Format one table value deterministically.

    ``None`` -> ``""``; ``bool`` -> ``"true"``/``"false"``; floats with ``decimals`` places
    (trailing zeros kept, ``-0`` normalised); everything else through ``str``.
    """
    if type(value) is str:  # most values: checked first
        return value
    if type(value) is int:  # not bool (a subclass), which is written as true/false below
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        text = f"{value:.{decimals}f}"
        if text.startswith("-") and float(text) == 0.0:
            text = text[1:]
        return text
    if hasattr(value, "item"):  # numpy scalar
        return fmt(value.item(), decimals)
    return str(value)
