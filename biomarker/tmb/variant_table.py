"""Read a MAF or a plain variant table (one row per variant, a sample column) in chunks, as one tidy frame.

Every reader yields frames with the same columns (:data:`FRAME_COLUMNS`), whatever the source spells them:

- a MAF (vcf2maf, GDC, TCGA, cBioPortal): its standard columns;
- a plain table (CSV, TSV, XLSX: a vendor's panel export, a spreadsheet) through a column map
  ``{standard name: the table's column}``; ``chrom, pos, ref, alt, sample`` are required, ``vaf, depth,
  alt_depth, gene, protein, effect, filter, population_af`` optional.

The frames go to :mod:`biomarker.tmb.table_judge`, which judges them with the same rules as a VCF, many
tumours in one pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from biomarker.errors import InputError
from biomarker.files import open_text

if TYPE_CHECKING:
    import pandas as pd

#: Standard columns of every frame a reader yields.
FRAME_COLUMNS: tuple[str, ...] = (
    "sample", "chrom", "pos", "ref", "alt", "filter", "vaf", "depth", "alt_depth", "effect", "gene", "transcript",
    "protein", "population_af", "cosmic_id", "cosmic_count", "line",
)
#: The names a column map may use; the first five are required.
TABLE_FIELDS: tuple[str, ...] = ("chrom", "pos", "ref", "alt", "sample", "vaf", "depth", "alt_depth", "gene",
                                 "protein", "effect", "filter", "population_af")
MAF_REQUIRED = ("Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2", "Variant_Classification",
                "Tumor_Sample_Barcode")
_MAF_OPTIONAL = ("Tumor_Seq_Allele1", "FILTER", "t_depth", "t_ref_count", "t_alt_count", "Hugo_Symbol",
                 "Transcript_ID", "HGVSp_Short", "Existing_variation", "COSMIC_CNT", "COSMIC_COUNT")
CHUNK_ROWS = 250_000


def is_maf(path: str | os.PathLike[str]) -> bool:
    """Whether a file looks like a MAF (its first non-comment line names MAF columns)."""
    try:
        with open_text(path) as fh:
            for line in fh:
                if line.startswith("#"):
                    continue
                return "Hugo_Symbol" in line or ("Chromosome" in line and "Variant_Classification" in line)
    except (OSError, UnicodeDecodeError, EOFError):
        return False
    return False


def _header(path: str) -> tuple[int, list[str], str]:
    """Comment lines to skip, the column names and the delimiter of a delimited text file."""
    skip = 0
    with open_text(path) as fh:
        for line in fh:
            if line.startswith("#"):
                skip += 1
                continue
            sep = "\t" if "\t" in line else ","
            return skip, [c.strip() for c in line.rstrip("\r\n").split(sep)], sep
    raise InputError(path, "empty: no header line", where="line 1", hint="give a MAF or a table with a header")


def _num(series: pd.Series) -> pd.Series:
    import pandas as pd

    return pd.to_numeric(series.replace({"": None, ".": None, "NA": None}), errors="coerce")


def maf_chunks(path: str | os.PathLike[str], population_af_fields: tuple[str, ...] = (),
               chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """A MAF as standard frames of ``chunk_rows`` rows (only the columns TMB needs are parsed).

    Raises
    ------
    InputError
        For missing MAF columns.
    """
    import pandas as pd

    path = str(path)
    skip, cols, _ = _header(path)
    missing = [c for c in MAF_REQUIRED if c not in cols]
    if missing:
        raise InputError(path, f"missing MAF column(s) {', '.join(missing)}", where="header",
                         hint="give a MAF with the standard GDC/vcf2maf columns")
    af_cols = [c for c in population_af_fields if c in cols]
    use = [c for c in (*MAF_REQUIRED, *_MAF_OPTIONAL, *af_cols) if c in cols]
    reader = pd.read_csv(path, sep="\t", skiprows=skip, usecols=use, dtype=str, keep_default_na=False,
                         na_values=[], chunksize=chunk_rows, quoting=3, engine="c", low_memory=False)
    first_line = skip + 2
    for raw in reader:
        n = len(raw)
        out = pd.DataFrame({"sample": raw["Tumor_Sample_Barcode"], "chrom": raw["Chromosome"]})
        pos = pd.to_numeric(raw["Start_Position"], errors="coerce")
        _check_positions(path, raw["Start_Position"], pos, first_line)
        out["pos"] = pos.astype("int64")
        ref = raw["Reference_Allele"].str.upper()
        alt2 = raw["Tumor_Seq_Allele2"].str.upper()
        if "Tumor_Seq_Allele1" in raw:
            alt1 = raw["Tumor_Seq_Allele1"].str.upper()
            alt2 = alt2.where(alt2 != ref, alt1)
        out["ref"], out["alt"] = ref, alt2
        out["filter"] = raw["FILTER"].str.strip() if "FILTER" in raw else ""
        depth = _num(raw["t_depth"]) if "t_depth" in raw else None
        ref_n = _num(raw["t_ref_count"]) if "t_ref_count" in raw else None
        alt_n = _num(raw["t_alt_count"]) if "t_alt_count" in raw else None
        if depth is None and ref_n is not None and alt_n is not None:
            depth = ref_n + alt_n
        elif depth is not None and ref_n is not None and alt_n is not None:
            depth = depth.fillna(ref_n + alt_n)
        nan = pd.Series(float("nan"), index=raw.index)
        out["depth"] = nan if depth is None else depth
        out["alt_depth"] = nan if alt_n is None else alt_n
        out["vaf"] = out["alt_depth"] / out["depth"].where(out["depth"] > 0)
        out["effect"] = raw["Variant_Classification"].str.strip()
        for name, col in (("gene", "Hugo_Symbol"), ("transcript", "Transcript_ID"), ("protein", "HGVSp_Short")):
            out[name] = raw.get(col, "")
        out["population_af"] = (pd.concat([_num(raw[c]) for c in af_cols], axis=1).max(axis=1)
                                if af_cols else nan)
        out["cosmic_id"] = (raw["Existing_variation"].str.contains(r"COS[VM]\d", regex=True)
                            if "Existing_variation" in raw else False)
        count_col = next((c for c in ("COSMIC_CNT", "COSMIC_COUNT") if c in raw), None)
        out["cosmic_count"] = _num(raw[count_col]) if count_col else nan
        out["line"] = range(first_line, first_line + n)
        first_line += n
        yield out


def _check_positions(path: str, raw: pd.Series, pos: pd.Series, first_line: int) -> None:
    bad = pos.isna() | (pos % 1 != 0)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise InputError(path, f"position {raw.iloc[i]!r} is not an integer", where=f"line {first_line + i}",
                         hint="check the position column (1-based integers)")


def table_chunks(path: str | os.PathLike[str], column_map: Mapping[str, str],
                 chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
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
        raise InputError(None, f"column map: unknown name(s) {', '.join(unknown)}",
                         hint=f"use {', '.join(TABLE_FIELDS)}")
    if path.lower().endswith((".xlsx", ".xls")):
        frame = pd.read_excel(path, dtype=str).fillna("")
        cols = list(frame.columns)
        chunks: Iterator[pd.DataFrame] = iter([frame])
        first_line = 2
    else:
        skip, cols, sep = _header(path)
        chunks = pd.read_csv(path, sep=sep, skiprows=skip, dtype=str, keep_default_na=False, na_values=[],
                             chunksize=chunk_rows)
        first_line = skip + 2
    names = {f: column_map.get(f, f) for f in TABLE_FIELDS}
    missing = [f"{f} ({names[f]})" for f in TABLE_FIELDS[:5] if names[f] not in cols]
    if missing:
        raise InputError(path, f"no column for {', '.join(missing)}", where="header",
                         hint=f"map them with --columns, e.g. chrom=CHROM,pos=POS; columns are: {', '.join(cols[:15])}")
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
            raise InputError(path, f"vaf {col('vaf').iloc[i]!r} is above 1", where=f"line {first_line + i}",
                             hint="give the VAF as a fraction (0.45, not 45)")
        if col("vaf") is None:
            out["vaf"] = out["alt_depth"] / out["depth"].where(out["depth"] > 0)
        for field in ("effect", "gene", "protein"):
            out[field] = col(field).str.strip() if col(field) is not None else ""
        out["transcript"] = ""
        out["cosmic_id"] = False
        out["cosmic_count"] = nan
        out["line"] = range(first_line, first_line + n)
        first_line += n
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
