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
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from biomarker.errors import InputError
from biomarker.files import open_binary, open_text

if TYPE_CHECKING:
    import pandas as pd

#: Standard columns of every frame a reader yields.
FRAME_COLUMNS: tuple[str, ...] = (
    "sample",
    "chrom",
    "pos",
    "ref",
    "alt",
    "filter",
    "vaf",
    "depth",
    "alt_depth",
    "effect",
    "gene",
    "transcript",
    "protein",
    "population_af",
    "cosmic_id",
    "cosmic_count",
    "line",
)
#: The names a column map may use; the first five are required.
TABLE_FIELDS: tuple[str, ...] = (
    "chrom",
    "pos",
    "ref",
    "alt",
    "sample",
    "vaf",
    "depth",
    "alt_depth",
    "gene",
    "protein",
    "effect",
    "filter",
    "population_af",
)
MAF_REQUIRED = (
    "Chromosome",
    "Start_Position",
    "Reference_Allele",
    "Tumor_Seq_Allele2",
    "Variant_Classification",
    "Tumor_Sample_Barcode",
)
_MAF_OPTIONAL = (
    "Tumor_Seq_Allele1",
    "FILTER",
    "t_depth",
    "t_ref_count",
    "t_alt_count",
    "Hugo_Symbol",
    "Transcript_ID",
    "HGVSp_Short",
    "Existing_variation",
    "COSMIC_CNT",
    "COSMIC_COUNT",
)
CHUNK_ROWS = 200_000


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

    return pd.to_numeric(series.astype(object).replace({"": None, ".": None, "NA": None}), errors="coerce")


def cat_map(series: pd.Series, func: Callable[[str], str]) -> pd.Series:
    """``func`` applied to a categorical's categories (not to every row), as a categorical again.

    Examples
    --------
    >>> import pandas as pd
    >>> cat_map(pd.Series(["a", "A", "c"], dtype="category"), str.upper).tolist()
    ['A', 'A', 'C']
    """
    import numpy as np
    import pandas as pd

    if not isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype("category")
    cats = np.array([func(c) for c in series.cat.categories], dtype=object)
    if not len(cats):
        return series
    uniq, inverse = np.unique(cats, return_inverse=True)
    codes = series.cat.codes.to_numpy()
    new = np.where(codes >= 0, inverse[np.maximum(codes, 0)], -1)
    return pd.Series(pd.Categorical.from_codes(new, uniq), index=series.index)


#: The MAF columns behind each optional standard field.
MAF_FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "filter": ("FILTER",),
    "depth": ("t_depth", "t_ref_count", "t_alt_count"),
    "alt_depth": ("t_alt_count",),
    "gene": ("Hugo_Symbol",),
    "transcript": ("Transcript_ID",),
    "protein": ("HGVSp_Short",),
    "cosmic": ("Existing_variation", "COSMIC_CNT", "COSMIC_COUNT"),
}


def maf_chunks(
    path: str | os.PathLike[str],
    population_af_fields: tuple[str, ...] = (),
    chunk_rows: int = CHUNK_ROWS,
    fields: set[str] | None = None,
) -> Iterator[pd.DataFrame]:
    """A MAF as standard frames of ``chunk_rows`` rows (only the columns TMB needs are parsed).

    Text columns are read as categoricals (a MAF repeats its tumours, contigs, alleles and classes), so
    every per-row rule is computed once per distinct value; numbers are parsed as numbers. ``fields``
    (``filter``, ``depth``, ``alt_depth``, ``gene``, ``transcript``, ``protein``, ``cosmic``,
    ``population_af``) limits the parse to the columns the run needs (``None``: all); the others are empty.

    Raises
    ------
    InputError
        For missing MAF columns or a non-numeric position or count.
    """
    import numpy as np
    import pandas as pd

    path = str(path)
    skip, cols, _ = _header(path)
    missing = [c for c in MAF_REQUIRED if c not in cols]
    if missing:
        raise InputError(
            path,
            f"missing MAF column(s) {', '.join(missing)}",
            where="header",
            hint="give a MAF with the standard GDC/vcf2maf columns",
        )
    af_cols = [c for c in population_af_fields if c in cols] if fields is None or "population_af" in fields else []
    wanted = (
        set(_MAF_OPTIONAL)
        if fields is None
        else {"Tumor_Seq_Allele1"} | {c for f in fields for c in MAF_FIELD_COLUMNS.get(f, ())}
    )
    use = [
        c
        for c in (*MAF_REQUIRED, *_MAF_OPTIONAL, *af_cols)
        if c in cols and (c in MAF_REQUIRED or c in wanted or c in af_cols)
    ]
    numeric = [c for c in ("t_depth", "t_ref_count", "t_alt_count", "COSMIC_CNT", "COSMIC_COUNT", *af_cols) if c in use]
    dtypes = {c: ("float64" if c in numeric else "category") for c in use}
    dtypes["Start_Position"] = "int64"
    missing_marks = {c: ["", ".", "NA", "NaN", "nan"] for c in numeric}
    handle = open_binary(path)  # ISA-L inflates a .maf.gz about twice as fast as pandas' zlib
    try:
        reader = pd.read_csv(
            handle,
            sep="\t",
            skiprows=skip,
            usecols=use,
            dtype=dtypes,
            keep_default_na=False,
            na_values=missing_marks,
            chunksize=chunk_rows,
            quoting=3,
            engine="c",
        )
    except ValueError as exc:
        handle.close()
        raise InputError(path, f"unreadable MAF ({exc})", where="header") from None
    try:
        first_line = skip + 2
        chunks = iter(reader)
        while True:
            try:
                raw = next(chunks)
            except StopIteration:
                break
            except ValueError:  # text in the position or a count column: find it for the message
                line, col, value = _first_bad_number(path, skip, cols, ["Start_Position", *numeric])
                raise InputError(
                    path, f"{col} {value!r} is not a number", where=f"line {line}", hint=f"check the {col} column"
                ) from None
            n = len(raw)
            out = pd.DataFrame({"sample": raw["Tumor_Sample_Barcode"], "chrom": raw["Chromosome"]})
            out["pos"] = raw["Start_Position"]
            ref = cat_map(raw["Reference_Allele"], str.upper)
            alt = cat_map(raw["Tumor_Seq_Allele2"], str.upper)
            if "Tumor_Seq_Allele1" in raw:
                same = alt.astype(object).to_numpy() == ref.astype(object).to_numpy()
                if same.any():
                    alt1 = cat_map(raw["Tumor_Seq_Allele1"], str.upper).astype(object).to_numpy()
                    alt = pd.Series(
                        np.where(same, alt1, alt.astype(object).to_numpy()), index=raw.index, dtype="category"
                    )
            out["ref"], out["alt"] = ref, alt
            out["filter"] = (
                cat_map(raw["FILTER"], str.strip)
                if "FILTER" in raw
                else pd.Series(pd.Categorical([""] * n), index=raw.index)
            )
            depth = raw.get("t_depth", None)
            ref_n = raw.get("t_ref_count", None)
            alt_n = raw.get("t_alt_count", None)
            if ref_n is not None and alt_n is not None:
                depth = ref_n + alt_n if depth is None else depth.fillna(ref_n + alt_n)
            nan = pd.Series(np.nan, index=raw.index)
            out["depth"] = nan if depth is None else depth
            out["alt_depth"] = nan if alt_n is None else alt_n
            out["vaf"] = out["alt_depth"] / out["depth"].where(out["depth"] > 0)
            out["effect"] = cat_map(raw["Variant_Classification"], str.strip)
            empty = pd.Series(pd.Categorical([""] * n), index=raw.index)
            for name, col in (("gene", "Hugo_Symbol"), ("transcript", "Transcript_ID"), ("protein", "HGVSp_Short")):
                out[name] = raw.get(col, empty)
            out["population_af"] = raw[af_cols].max(axis=1) if af_cols else nan
            out["cosmic_id"] = (
                raw["Existing_variation"].str.contains(r"COS[VM]\d", regex=True).astype(bool)
                if "Existing_variation" in raw
                else False
            )
            count_col = next((c for c in ("COSMIC_CNT", "COSMIC_COUNT") if c in raw), None)
            out["cosmic_count"] = raw[count_col] if count_col else nan
            out["line"] = np.arange(first_line, first_line + n)
            first_line += n
            yield out
    finally:
        handle.close()


def _first_bad_number(path: str, skip: int, cols: list[str], numeric: list[str]) -> tuple[int, str, str]:
    """Line, column and value of the first cell of ``numeric`` columns that is not a number (the slow path,
    taken only to word an error)."""
    where = [(cols.index(c), c) for c in numeric if c in cols]
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if lineno <= skip + 1:
                continue
            cells = line.rstrip("\r\n").split("\t")
            for i, col in where:
                value = cells[i].strip() if i < len(cells) else ""
                if value in ("", ".", "NA", "NaN", "nan") and col != "Start_Position":
                    continue
                try:
                    float(value) if col != "Start_Position" else int(value)
                except ValueError:
                    return lineno, col, value
    return skip + 2, numeric[0], "?"
