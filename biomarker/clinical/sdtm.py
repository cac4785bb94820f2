"""Read and validate SDTM-style clinical domains (CSV or SAS XPT).

A study folder holds ``clinical/{dm,ex,tu,tr,rs,ae,ds}.csv`` (or ``.xpt``) and ``clinical/study.json``
with ``{"studyid": ..., "data_cutoff": "YYYY-MM-DD"}``. Readers upper-case column names, strip text,
turn empty strings into missing values, parse ISO 8601 dates into ``<COL>_DT`` columns and convert
numeric variables. Every frame keeps its file in ``frame.attrs["source"]`` and the line (CSV) or
record (XPT) of each row in a ``_LINE`` column, so that later checks can name the file, line,
subject and lesion at fault.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from biomarker.clinical.cleaning import clean_text, parse_numbers
from biomarker.clinical.contract import (
    COLUMNS,
    DATE_COLUMNS,
    DOMAINS,
    NUMERIC_COLUMNS,
    REQUIRED,
)
from biomarker.clinical.dates import (  # noqa: F401 (re-exported)
    _ISO_DATE,
    IMPUTATION_RULES,
    parse_dates,
    parse_partial_dates,
)
from biomarker.clinical.records import source_of, where
from biomarker.clinical.xpt import check_xpt
from biomarker.errors import InputError

log = logging.getLogger(__name__)


@dataclass
class Study:
    """The clinical domains of one study, read and normalised.

    Attributes
    ----------
    studyid
        Study identifier from ``study.json`` (or DM.STUDYID).
    data_cutoff
        Data cut-off date; events after it are ignored.
    dm, ex, tu, tr, rs, ae, ds, suppae, cm, sv, lb
        One DataFrame per domain (empty, with the contract's columns, when the file is absent).
    files
        Domain name -> file read (for provenance).

    Examples
    --------
    >>> study = load_study("studies/demo")  # doctest: +SKIP
    >>> study.dm.USUBJID.nunique()  # doctest: +SKIP
    50
    """

    studyid: str
    data_cutoff: pd.Timestamp | None
    dm: pd.DataFrame
    ex: pd.DataFrame
    tu: pd.DataFrame
    tr: pd.DataFrame
    rs: pd.DataFrame
    ae: pd.DataFrame
    ds: pd.DataFrame
    files: dict[str, Path] = field(default_factory=dict)
    suppae: pd.DataFrame = field(default_factory=lambda: empty_domain("suppae"))
    cm: pd.DataFrame = field(default_factory=lambda: empty_domain("cm"))
    sv: pd.DataFrame = field(default_factory=lambda: empty_domain("sv"))
    lb: pd.DataFrame = field(default_factory=lambda: empty_domain("lb"))

    def domain(self, name: str) -> pd.DataFrame:
        """Return the frame of domain ``name`` (``"dm"``, ``"tr"``, ...)."""
        return getattr(self, name)


def normalise(
    frame: pd.DataFrame, domain: str, source: str, *, first_line: int = 2, impute: str = "first"
) -> pd.DataFrame:
    """Normalise a raw domain frame: upper-case names, stripped text, dates and numbers parsed.

    Parameters
    ----------
    frame
        Raw table, one row per record.
    domain
        Domain name, e.g. ``"tr"``.
    source
        File name used in error messages.
    first_line
        Line number of the first record (2 for a CSV with a header, 1 for XPT records).
    impute
        Partial-date rule (see :func:`parse_partial_dates`); imputed dates are flagged in ``<DATECOL>_DTF``.

    Returns
    -------
    DataFrame
        With ``_LINE``, parsed ``<DATECOL>_DT`` columns (``datetime64``) and numeric columns.

    Examples
    --------
    >>> raw = pd.DataFrame({"usubjid": [" S1 "], "rfstdtc": ["2024-01-02"]})
    >>> normalise(raw, "dm", "dm.csv")[["USUBJID", "RFSTDTC_DT"]].iloc[0].tolist()
    ['S1', Timestamp('2024-01-02 00:00:00')]
    """
    names = pd.Index([str(c).strip().upper() for c in frame.columns])
    if names.duplicated().any():
        dup = names[names.duplicated()][0]
        raise InputError(source, f"column {dup} appears twice", where="header")
    missing = [c for c in REQUIRED.get(domain, ()) if c not in names]
    if missing:
        raise InputError(
            source,
            f"missing column(s) {', '.join(missing)}",
            where="header",
            hint=f"the {domain.upper()} domain needs {', '.join(REQUIRED[domain])}",
        )
    # the frame built from its columns (text cleaned, the contract's absent columns empty), then once more with the
    # dates and numbers parsed: a DataFrame __setitem__ or .iloc per column costs more than the cleaning on the small
    # tables of most studies
    n = len(frame)
    columns: dict[str, object] = {"_LINE": np.arange(first_line, first_line + n)}
    all_text = all(pd.api.types.is_object_dtype(dtype) for dtype in frame.dtypes)
    block = frame.to_numpy(dtype=object).T.copy() if all_text else None
    for j, col in enumerate(names):
        if block is not None:
            columns[col] = np.asarray(clean_text(block[j]), dtype=object)
            continue
        values = frame.iloc[:, j]
        text = values.dtype == object or pd.api.types.is_string_dtype(values)
        columns[col] = np.asarray(clean_text(values), dtype=object) if text else values.array
    for col in COLUMNS.get(domain, ()):
        if col not in columns:
            columns[col] = np.full(n, None, dtype=object)
    out = pd.DataFrame(columns, index=frame.index)
    lesion_col = {"tu": "TULNKID", "tr": "TRLNKID"}.get(domain)
    parsed = {}
    for col in DATE_COLUMNS.get(domain, ()):
        dates, flags = parse_partial_dates(out, col, source, lesion_col=lesion_col, impute=impute)
        parsed[f"{col}_DT"], parsed[f"{col}_DTF"] = dates.array, flags.array
        n_imputed = int(flags.notna().sum())
        if n_imputed:
            log.info("%s: %d partial %s dates imputed (%s)", source, n_imputed, col, impute)
    for col in NUMERIC_COLUMNS.get(domain, ()):
        parsed[col] = parse_numbers(out, col, source, lesion_col=lesion_col)
    if parsed:
        out = pd.DataFrame({**columns, **parsed}, index=frame.index)
    out.attrs = copy.deepcopy(frame.attrs)
    out.attrs["source"] = source
    out.attrs["domain"] = domain
    return out


def read_table(path: str | Path) -> tuple[pd.DataFrame, int]:
    """Read a CSV or SAS XPT file as text columns; return the frame and its first record's line.

    Examples
    --------
    >>> read_table("clinical/dm.csv")  # doctest: +SKIP
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(path, "empty file (0 bytes)", hint="the file was cut short or never written: deliver it again")
    if suffix == ".xpt":
        check_xpt(path)
        try:
            import pyreadstat
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise InputError(path, "reading SAS XPT needs pyreadstat", hint="pip install pyreadstat") from exc
        try:
            frame, _meta = pyreadstat.read_xport(str(path))
        except Exception as exc:
            raise InputError(path, f"not a readable SAS XPT file ({exc})") from exc
        for col in frame.columns:
            if frame[col].dtype == object:
                frame[col] = frame[col].map(lambda v: v.decode() if isinstance(v, bytes) else v)
        return frame, 1
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a readable CSV file ({str(exc).splitlines()[0]})") from exc
    return frame, 2


def read_domain(path: str | Path, domain: str | None = None, *, impute: str = "first") -> pd.DataFrame:
    """Read one SDTM domain file (CSV or XPT) and normalise it.

    Parameters
    ----------
    path
        ``dm.csv``, ``tr.xpt``, ...
    domain
        Domain name; by default the file's stem, lower-cased.
    impute
        Partial-date rule (see :func:`parse_partial_dates`).

    Examples
    --------
    >>> tr = read_domain("study/clinical/tr.csv")  # doctest: +SKIP
    >>> tr.attrs["source"]  # doctest: +SKIP
    'study/clinical/tr.csv'
    """
    path = Path(path)
    domain = (domain or path.stem).lower()
    frame, first_line = read_table(path)
    return normalise(frame, domain, str(path), first_line=first_line, impute=impute)


def empty_domain(domain: str) -> pd.DataFrame:
    """An empty, normalised frame with the contract's columns (for an absent optional domain)."""
    frame = normalise(pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS[domain]}), domain, f"{domain}.csv")
    frame.attrs["source"] = f"{domain} (absent)"
    return frame


def find_domain_file(folder: Path, domain: str) -> Path | None:
    """The file holding ``domain`` in ``folder`` (``dm.csv``, ``DM.XPT``, ...), or ``None``."""
    if not folder.is_dir():
        return None
    for candidate in sorted(folder.iterdir()):
        if candidate.stem.lower() == domain and candidate.suffix.lower() in (".csv", ".xpt"):
            return candidate
    return None


def clinical_folder(study_dir: str | Path) -> Path:
    """The folder holding the domain files: ``STUDYDIR/clinical`` when present, else ``STUDYDIR`` itself."""
    study_dir = Path(study_dir)
    folder = study_dir / "clinical"
    if not folder.is_dir():
        folder = study_dir
    if not folder.is_dir():
        raise InputError(study_dir, "no such study folder", hint="expected STUDYDIR/clinical/dm.csv, ...")
    return folder


def load_study(study_dir: str | Path, *, required: Iterable[str] = ("dm", "tu", "tr"), impute: str = "first") -> Study:
    """Read every clinical domain of a study folder.

    Parameters
    ----------
    study_dir
        Folder with a ``clinical/`` sub-folder (or the ``clinical`` folder itself).
    required
        Domains that must be present; the others become empty frames when absent.
    impute
        Partial-date rule (see :func:`parse_partial_dates`).

    Returns
    -------
    Study

    Examples
    --------
    >>> study = load_study("runs/sim01")  # doctest: +SKIP
    >>> sorted(study.files)  # doctest: +SKIP
    ['ae', 'dm', 'ds', 'ex', 'rs', 'tr', 'tu']
    """
    folder = clinical_folder(study_dir)
    frames: dict[str, pd.DataFrame] = {}
    files: dict[str, Path] = {}
    for domain in DOMAINS:
        path = find_domain_file(folder, domain)
        if path is None:
            if domain in required:
                raise InputError(
                    folder / f"{domain}.csv",
                    "file not found",
                    hint=f"a study needs {', '.join(sorted(required))} (CSV or XPT)",
                )
            log.info("domain %s absent in %s: treated as empty", domain, folder)
            frames[domain] = empty_domain(domain)
            continue
        frames[domain] = read_domain(path, domain, impute=impute)
        files[domain] = path
    studyid, cutoff = _read_study_json(folder, frames["dm"])
    check_subjects(frames)
    return Study(studyid=studyid, data_cutoff=cutoff, files=files, **frames)


def _read_study_json(folder: Path, dm: pd.DataFrame) -> tuple[str, pd.Timestamp | None]:
    path = folder / "study.json"
    studyid = str(dm["STUDYID"].dropna().iloc[0]) if dm["STUDYID"].notna().any() else folder.parent.name
    if not path.exists():
        log.warning("%s absent: no data cut-off, every record is used", path)
        return studyid, None
    try:
        meta = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON ({exc.msg})", where=f"line {exc.lineno}") from exc
    cutoff = meta.get("data_cutoff")
    parsed = None
    if cutoff:
        parsed = pd.to_datetime(str(cutoff)[:10], format="%Y-%m-%d", errors="coerce")
        if pd.isna(parsed) or not _ISO_DATE.match(str(cutoff)):
            raise InputError(path, f"unparseable data_cutoff {cutoff!r}", where="data_cutoff", hint="write YYYY-MM-DD")
    return str(meta.get("studyid") or studyid), parsed


def check_subjects(frames: dict[str, pd.DataFrame]) -> None:
    """Raise :class:`InputError` if a domain names a subject absent from DM, or DM repeats one.

    Examples
    --------
    >>> dm = normalise(pd.DataFrame({"USUBJID": ["S1"], "RFSTDTC": ["2024-01-01"]}), "dm", "dm.csv")
    >>> check_subjects({"dm": dm})
    """
    dm = frames["dm"]
    dup = dm["USUBJID"].duplicated()
    if dup.any():
        row = dm[dup].iloc[0]
        raise InputError(source_of(dm, "dm"), "subject appears twice in DM", where=where(row, visit=False))
    known = set(dm["USUBJID"].dropna())
    for name, frame in frames.items():
        if name == "dm" or frame.empty:
            continue
        unknown = frame[~frame["USUBJID"].isin(known)]
        if len(unknown):
            row = unknown.iloc[0]
            lesion_col = {"tu": "TULNKID", "tr": "TRLNKID"}.get(name)
            raise InputError(
                source_of(frame, name),
                "subject not in DM",
                where=where(row, lesion_col=lesion_col),
                hint="every subject needs a DM record with RFSTDTC (first dose)",
            )


def first_dose_dates(dm: pd.DataFrame) -> pd.Series:
    """``USUBJID`` -> first dose date (``RFXSTDTC``, else ``RFSTDTC``) for treated subjects.

    A DM subject with neither is a screen failure (or never dosed): outside every analysis population.

    Examples
    --------
    >>> dm = normalise(pd.DataFrame({"USUBJID": ["S1", "S2"], "RFSTDTC": ["2024-01-01", ""]}), "dm", "dm.csv")
    >>> first_dose_dates(dm).to_dict()
    {'S1': Timestamp('2024-01-01 00:00:00')}
    """
    ns = np.dtype("datetime64[ns]")
    arrays = dm["USUBJID"].dtype == object and dm["RFSTDTC_DT"].dtype == ns
    if arrays and ("RFXSTDTC_DT" not in dm or dm["RFXSTDTC_DT"].dtype == ns):
        # on the arrays (what normalise gives): this runs ~20 times a run, the Series path costs ~10x
        first = dm["RFSTDTC_DT"].to_numpy()
        if "RFXSTDTC_DT" in dm:
            exposed = dm["RFXSTDTC_DT"].to_numpy()
            first = np.where(np.isnat(exposed), first, exposed)
        treated = ~np.isnat(first)
        subjects = dm["USUBJID"].to_numpy()[treated]
        return pd.Series(first[treated], index=pd.Index(subjects, name="USUBJID"), name="RFSTDTC_DT")
    first = dm["RFXSTDTC_DT"].fillna(dm["RFSTDTC_DT"]) if "RFXSTDTC_DT" in dm else dm["RFSTDTC_DT"]
    treated = first.notna()
    return pd.Series(
        first[treated].to_numpy(), index=pd.Index(dm.loc[treated, "USUBJID"], name="USUBJID"), name="RFSTDTC_DT"
    )


def last_dose_dates(dm: pd.DataFrame) -> pd.Series:
    """``USUBJID`` -> last dose date (``RFXENDTC``, else ``RFENDTC``) where known."""
    last = dm["RFXENDTC_DT"].fillna(dm["RFENDTC_DT"]) if "RFXENDTC_DT" in dm else dm["RFENDTC_DT"]
    known = last.notna()
    return pd.Series(last[known].to_numpy(), index=pd.Index(dm.loc[known, "USUBJID"], name="USUBJID"))
