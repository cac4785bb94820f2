"""A plain variant table (CSV/TSV/XLSX, one row per variant and a sample column) read through a column map.

A vendor's panel export or a spreadsheet: chrom, pos, ref, alt, sample and, optionally, VAF, depth, gene,
protein change, effect. :func:`table_chunks` gives the same standard frames as the MAF reader
(:func:`biomarker.tmb.variant_table.maf_chunks`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from biomarker.errors import InputError
from biomarker.tmb.variant_table import CHUNK_ROWS, TABLE_FIELDS, _header, _num

if TYPE_CHECKING:
    import pandas as pd


def _check_positions(path: str, raw: pd.Series, pos: pd.Series, first_line: int) -> None:
    bad = pos.isna() | (pos % 1 != 0)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise InputError(
            path,
            f"position {raw.iloc[i]!r} is not an integer",
            where=f"line {first_line + i}",
            hint="check the position column (1-based integers)",
        )


def table_chunks(
    path: str | os.PathLike[str], column_map: Mapping[str, str], chunk_rows: int = CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """A plain variant table (CSV/TSV/XLSX) as standard frames, through ``column_map``.

    Parameters
    ----------
    column_map
        ``{standard name: the table's column}`` for :data:`TABLE_FIELDS`; a standard name the table already
        uses needs no entry. ``vaf`` may be a fraction or a percentage (``45%`` or values above 1 are refused:
        give fractions).

    Raises
    ------
    InputError
        For an unknown standard name, a missing column or a non-integer position.
    """
    import pandas as pd

    path = str(path)
    unknown = sorted(set(column_map) - set(TABLE_FIELDS))
    if unknown:
        raise InputError(
            None, f"column map: unknown name(s) {', '.join(unknown)}", hint=f"use {', '.join(TABLE_FIELDS)}"
        )
    if path.lower().endswith((".xlsx", ".xls")):
        frame = pd.read_excel(path, dtype=str).fillna("")
        cols = list(frame.columns)
        chunks: Iterator[pd.DataFrame] = iter([frame])
        first_line = 2
    else:
        skip, cols, sep = _header(path)
        chunks = pd.read_csv(
            path, sep=sep, skiprows=skip, dtype=str, keep_default_na=False, na_values=[], chunksize=chunk_rows
        )
        first_line = skip + 2
    names = {f: column_map.get(f, f) for f in TABLE_FIELDS}
    missing = [f"{f} ({names[f]})" for f in TABLE_FIELDS[:5] if names[f] not in cols]
    if missing:
        raise InputError(
            path,
            f"no column for {', '.join(missing)}",
            where="header",
            hint=f"map them with --columns, e.g. chrom=CHROM,pos=POS; columns are: {', '.join(cols[:15])}",
        )
    for raw in chunks:
        n = len(raw)

        def col(field: str, raw: pd.DataFrame = raw) -> pd.Series | None:
            return raw.get(names[field], None)

        out = pd.DataFrame({"sample": col("sample"), "chrom": col("chrom")})
        pos = pd.to_numeric(col("pos"), errors="coerce")
        _check_positions(path, col("pos"), pos, first_line)
        out["pos"] = pos.astype("int64")
        out["ref"] = col("ref").str.strip().str.upper()
        out["alt"] = col("alt").str.strip().str.upper()
        out["filter"] = col("filter").str.strip() if col("filter") is not None else "PASS"
        nan = pd.Series(float("nan"), index=raw.index)
        for field in ("vaf", "depth", "alt_depth", "population_af"):
            out[field] = _num(col(field).str.rstrip("%")) if col(field) is not None else nan
        if col("vaf") is not None and (out["vaf"] > 1).any():
            i = int((out["vaf"] > 1).to_numpy().argmax())
            raise InputError(
                path,
                f"vaf {col('vaf').iloc[i]!r} is above 1",
                where=f"line {first_line + i}",
                hint="give the VAF as a fraction (0.45, not 45)",
            )
        if col("vaf") is None:
            out["vaf"] = out["alt_depth"] / out["depth"].where(out["depth"] > 0)
        for field in ("effect", "gene", "protein"):
            out[field] = col(field).str.strip() if col(field) is not None else ""
        out["transcript"] = ""
        out["cosmic_id"] = False
        out["cosmic_count"] = nan
        out["line"] = range(first_line, first_line + n)
        first_line += n
        for name in ("sample", "chrom", "ref", "alt", "filter", "effect", "gene", "protein", "transcript"):
            out[name] = out[name].astype("category")
        yield out


def read_column_map(spec: str | os.PathLike[str] | Mapping[str, str] | None) -> dict[str, str]:
    """A column map from a mapping, ``name=COLUMN,...`` text or a YAML file of ``name: COLUMN``.

    Examples
    --------
    >>> read_column_map("chrom=CHR, pos=POSITION")
    {'chrom': 'CHR', 'pos': 'POSITION'}
    """
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        return {str(k): str(v) for k, v in spec.items()}
    text = str(spec)
    if os.path.isfile(text):
        import yaml

        data = yaml.safe_load(Path(text).read_text())
        if not isinstance(data, dict):
            raise InputError(text, "a column map is a YAML mapping of name: column")
        return {str(k): str(v) for k, v in data.items()}
    out = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep:
            raise InputError(None, f"column map {item.strip()!r}: write name=COLUMN, e.g. chrom=CHR")
        out[key.strip()] = value.strip()
    return out
