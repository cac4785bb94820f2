"""The cohort store: one DuckDB file holding every result table, keyed, written in transactions.

Readable from pandas (:meth:`Store.table`) and from the DuckDB CLI (``duckdb study.duckdb``).
Per-sample TMB results are upserted by sample, so re-running a batch replaces rather than adds;
whole-study tables (PD-L1, TBNK, endpoints, model results) are replaced as a unit.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biomarker.errors import InputError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS samples (
    sample VARCHAR PRIMARY KEY,
    patient VARCHAR,
    input_path VARCHAR,
    bed_path VARCHAR,
    sample_type VARCHAR
);
CREATE TABLE IF NOT EXISTS tmb_results (
    sample VARCHAR PRIMARY KEY,
    patient VARCHAR,
    status VARCHAR NOT NULL,
    reason VARCHAR,
    preset VARCHAR,
    input_sha256 VARCHAR,
    bed_sha256 VARCHAR,
    params_sha256 VARCHAR,
    counted_variants INTEGER,
    territory_bp BIGINT,
    tmb_per_mb DOUBLE,
    tmb_ci95_low_per_mb DOUBLE,
    tmb_ci95_high_per_mb DOUBLE,
    tmb_high BOOLEAN,
    caller VARCHAR,
    annotator VARCHAR,
    package_version VARCHAR,
    json_path VARCHAR,
    variants_path VARCHAR,
    warnings VARCHAR
);
CREATE TABLE IF NOT EXISTS tmb_filter_audit (
    sample VARCHAR NOT NULL,
    filter VARCHAR NOT NULL,
    removed INTEGER NOT NULL,
    PRIMARY KEY (sample, filter)
);
"""
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
#: Columns of ``tmb_results`` in order.
TMB_COLUMNS = (
    "sample", "patient", "status", "reason", "preset", "input_sha256", "bed_sha256", "params_sha256",
    "counted_variants", "territory_bp", "tmb_per_mb", "tmb_ci95_low_per_mb", "tmb_ci95_high_per_mb", "tmb_high",
    "caller", "annotator", "package_version", "json_path", "variants_path", "warnings",
)


class Store:
    """A study's DuckDB file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with Store(pathlib.Path(tempfile.mkdtemp()) / "study.duckdb") as store:
    ...     store.tables()
    ['samples', 'tmb_filter_audit', 'tmb_results']
    """

    def __init__(self, path: str | os.PathLike[str], read_only: bool = False) -> None:
        import duckdb

        self.path = Path(path)
        if read_only and not self.path.is_file():
            raise InputError(self.path, "no store here", hint="run `biomarker batch` or `biomarker run` first")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con: duckdb.DuckDBPyConnection = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise InputError(self.path, f"cannot open the store ({exc})".splitlines()[0],
                             hint="is another biomarker process writing it? Only one writer at a time") from None
        if not read_only:
            self.con.execute(SCHEMA)
            # stores written before TMB results carried warnings get the column (appended: same order)
            self.con.execute("ALTER TABLE tmb_results ADD COLUMN IF NOT EXISTS warnings VARCHAR")

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (every write is already committed)."""
        self.con.close()

    def tables(self) -> list[str]:
        """Names of the tables in the store."""
        return sorted(r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall())

    def table(self, name: str) -> pd.DataFrame:
        """A whole table as a pandas DataFrame."""
        _check_name(name)
        return self.con.execute(f"SELECT * FROM {name}").df()

    # -- per-sample TMB ----------------------------------------------------------------------
    def tmb_keys(self) -> dict[str, tuple[str, str, str, str]]:
        """``sample -> (status, input_sha256, bed_sha256, params_sha256)`` of what is stored."""
        rows = self.con.execute(
            "SELECT sample, status, input_sha256, bed_sha256, params_sha256 FROM tmb_results").fetchall()
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """All or nothing. DuckDB answers Ctrl-C inside a query with ``RuntimeError('Query interrupted')``:
        that is rolled back and re-raised as the KeyboardInterrupt it is."""
        import duckdb

        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
            self.con.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(duckdb.Error):  # an interrupted query has already rolled back
                self.con.execute("ROLLBACK")
            if isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower():
                raise KeyboardInterrupt from None
            raise

    def upsert_tmb(self, row: dict[str, Any], audit: dict[str, int], sample_info: dict[str, Any]) -> None:
        """Replace one sample's result, its filter audit and its sample row, in one transaction."""
        self.upsert_tmb_many([(row, audit, sample_info)])

    def upsert_tmb_many(self, results: list[tuple[dict[str, Any], dict[str, int], dict[str, Any]]]) -> None:
        """Replace several samples' results, audits and sample rows in one transaction (all or none)."""
        if not results:
            return
        samples = [row["sample"] for row, _, _ in results]
        marks = ", ".join("?" * len(samples))
        with self._transaction():
            for table in ("tmb_results", "tmb_filter_audit", "samples"):
                self.con.execute(f"DELETE FROM {table} WHERE sample IN ({marks})", samples)
            self.con.executemany(f"INSERT INTO tmb_results VALUES ({', '.join('?' * len(TMB_COLUMNS))})",
                                 [[row.get(c) for c in TMB_COLUMNS] for row, _, _ in results])
            audit_rows = [[row["sample"], k, int(v)] for row, audit, _ in results for k, v in audit.items()]
            if audit_rows:
                self.con.executemany("INSERT INTO tmb_filter_audit VALUES (?, ?, ?)", audit_rows)
            self.con.executemany("INSERT INTO samples VALUES (?, ?, ?, ?, ?)",
                                 [[row["sample"], info.get("patient"), info.get("input_path"), info.get("bed_path"),
                                   info.get("sample_type")] for row, _, info in results])

    # -- whole-study tables -------------------------------------------------------------------
    def replace_table(self, name: str, frame: pd.DataFrame) -> None:
        """Replace table ``name`` by ``frame`` atomically (readers see the old or the new, never half)."""
        _check_name(name)
        with self._transaction():
            self.con.register("_incoming", frame)
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _incoming")
            self.con.unregister("_incoming")

    def export(self, out_dir: str | os.PathLike[str], fmt: str = "parquet") -> list[Path]:
        """Write every table to ``out_dir`` as Parquet or TSV (sorted by its first column)."""
        from biomarker.files import atomic_replace

        if fmt not in ("parquet", "tsv"):
            raise ValueError("fmt is 'parquet' or 'tsv'")
        out = Path(out_dir)
        written = []
        for name in self.tables():
            first = self.con.execute(f"SELECT * FROM {name} LIMIT 0").description[0][0]
            query = f'SELECT * FROM {name} ORDER BY "{first}"'

            def write(tmp: Path, query: str = query) -> None:
                options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, DELIMITER '\t', HEADER"
                self.con.execute(f"COPY ({query}) TO '{tmp}' ({options})")

            written.append(atomic_replace(out / f"{name}.{fmt}", write))
        return written


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"not a table name: {name!r}")
