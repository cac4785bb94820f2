"""The cohort store: one DuckDB file holding every result table, keyed, written in transactions.

The store owns its schema. The one subject key is ``usubjid`` in every table. Tables:

- ``samples``, ``tmb_results`` (one row per tumour, key ``sample``; ``status`` is ``ok``, ``failed`` or ``stale``
  for a sample no longer in the samplesheet), ``tmb_filter_audit`` (``sample, filter``): upserted per sample,
  so re-running a batch replaces rather than adds;
- whole-study tables replaced as a unit with their provenance (:meth:`Store.write_tables`): ``pdl1``, ``tbnk``,
  ``tbnk_features``, ``tbnk_features_wide``, ``subjects`` (covariates from DM), ``endpoint_<name>`` per endpoint
  table, ``patients`` (the assembled patient table), ``model_<name>`` per model table, and whatever a new step
  adds (``genomic_features``...);
- ``provenance`` (``run_id, step, table_name, key, value``: flattened keys such as ``inputs.pathology.sha256``,
  values as JSON text) for every whole-study table;
- ``runs`` (``run_id, command, package_version, started_at, finished_at, status, data_cutoff, config_path,
  config_sha256``): one row per ``biomarker run``/``batch``.

Readable from pandas (:meth:`Store.table`) and from the DuckDB CLI (``duckdb study.duckdb``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biomarker.errors import InputError
from biomarker.store_samples import SampleTables
from biomarker.store_schema import (  # noqa: F401 (table names importable from biomarker.store as before)
    ENDPOINT_PREFIX,
    MODEL_PREFIX,
    OWNED_TABLES,
    PATIENTS,
    PDL1,
    SAMPLE_TABLES,
    SCHEMA,
    STALE,
    SUBJECTS,
    TBNK,
    TBNK_FEATURES,
    TBNK_FEATURES_WIDE,
    TMB_COLUMNS,
)

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

#: Stores this process holds open (resolved path -> number of holders): see :func:`kept_open`.
_KEPT: dict[Path, int] = {}


class Store(SampleTables):
    """A study's DuckDB file (the per-tumour TMB methods come from :class:`~biomarker.store_samples.SampleTables`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with Store(pathlib.Path(tempfile.mkdtemp()) / "study.duckdb") as store:
    ...     store.tables()
    ['provenance', 'runs', 'samples', 'tmb_filter_audit', 'tmb_results']
    """

    def __init__(self, path: str | os.PathLike[str], read_only: bool = False) -> None:
        import duckdb

        self.path = Path(path)
        if read_only and not self.path.is_file():
            raise InputError(self.path, "no store here", hint="run `biomarker batch` or `biomarker run` first")
        if read_only and _KEPT and self.path.resolve() in _KEPT:
            read_only = False  # DuckDB allows one configuration per file in a process; this one is the writer
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con: duckdb.DuckDBPyConnection = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise InputError(
                self.path,
                f"cannot open the store ({exc})".splitlines()[0],
                hint="is another biomarker process writing it? Only one writer at a time",
            ) from None
        if not read_only and self._migrate() != set(OWNED_TABLES):
            self.con.execute(SCHEMA)  # a new store, or one missing a table (DDL on every open was ~15 % of it)

    def _migrate(self) -> set[str]:
        """Bring a store written by an older version to this schema (``patient`` -> ``usubjid``, new columns);
        returns which of the tables the schema owns the store has."""
        # one catalogue query: every open runs this (it was three information_schema queries)
        owned = ", ".join(f"'{name}'" for name in OWNED_TABLES)
        rows = self.con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database()"
            f" AND schema_name = 'main' AND table_name IN ({owned})"
        ).fetchall()
        columns: dict[str, set[str]] = {}
        for table, column in rows:
            columns.setdefault(table, set()).add(column)
        for table in ("samples", "tmb_results"):
            if "patient" in columns.get(table, ()):
                log.info("store %s: renaming %s.patient to usubjid", self.path, table)
                self.con.execute(f"ALTER TABLE {table} RENAME COLUMN patient TO usubjid")
        if "tmb_results" in columns and "warnings" not in columns["tmb_results"]:
            self.con.execute("ALTER TABLE tmb_results ADD COLUMN warnings VARCHAR")
        return set(columns)

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

    def columns(self, name: str) -> list[str]:
        """Column names of table ``name`` in order."""
        _check_name(name)
        return [r[0] for r in self.con.execute(f"SELECT * FROM {name} LIMIT 0").description]

    def table(self, name: str) -> pd.DataFrame:
        """A whole table as a pandas DataFrame."""
        _check_name(name)
        return self.con.execute(f"SELECT * FROM {name}").df()

    def get(self, name: str) -> pd.DataFrame | None:
        """Table ``name``, or ``None`` when the store does not hold it."""
        return self.table(name) if name in self.tables() else None

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

    # -- whole-study tables -------------------------------------------------------------------
    def replace_table(self, name: str, frame: pd.DataFrame) -> None:
        """Replace table ``name`` by ``frame`` atomically (readers see the old or the new, never half).
        Prefer :meth:`write_tables`, which also records the provenance."""
        self.write_tables(None, {name: frame})

    def write_tables(
        self,
        step: str | None,
        tables: Mapping[str, pd.DataFrame],
        provenance: Mapping[str, Any] | None = None,
        *,
        prefix: str = "",
        run_id: int | None = None,
        drop_prefix: str | None = None,
    ) -> list[str]:
        """Replace a step's tables and their provenance in one transaction (all or none).

        Parameters
        ----------
        step
            The step writing (``pathology``, ``tbnk``, ``endpoints``...), recorded in ``provenance``.
        tables
            Name -> frame; stored as ``prefix + name``. A frame with no columns drops the table.
        provenance
            Nested dict (see :func:`biomarker.results.make_provenance`), stored flattened per table.
        drop_prefix
            Also drop the tables starting with this prefix that ``tables`` does not name (a re-run that makes
            fewer tables leaves none of the old ones behind).

        Returns
        -------
        list of str
            The store names written.
        """
        names = {prefix + k: v for k, v in tables.items()}
        for name in names:
            _check_name(name)
        flat = _flatten(provenance or {})
        existing = set(self.tables())
        stale = sorted(t for t in existing if drop_prefix and t.startswith(drop_prefix) and t not in names)
        prov_rows: list[list[Any]] = []
        with self._transaction():
            for name in stale:
                self.con.execute(f"DROP TABLE {name}")
                self.con.execute("DELETE FROM provenance WHERE table_name = ?", [name])
            for name, frame in names.items():
                self.con.execute("DELETE FROM provenance WHERE table_name = ?", [name])
                if len(frame.columns) == 0:
                    self.con.execute(f"DROP TABLE IF EXISTS {name}")
                    continue
                self.con.register("_incoming", frame)
                self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _incoming")
                self.con.unregister("_incoming")
                if step is not None:
                    prov_rows += [[run_id, step, name, k, v] for k, v in flat.items()] or [
                        [run_id, step, name, "step", json.dumps(step)]
                    ]
            if prov_rows:  # one insert for every table's provenance (executemany costs about 0.6 ms a row)
                self._insert_provenance(prov_rows)
        return list(names)

    def _insert_provenance(self, rows: list[list[Any]]) -> None:
        import pandas as pd

        frame = pd.DataFrame(rows, columns=["run_id", "step", "table_name", "key", "value"])
        frame["run_id"] = frame["run_id"].astype("Int64")
        self.con.register("_provenance_rows", frame)
        self.con.execute(
            "INSERT INTO provenance SELECT run_id::INTEGER, step, table_name, key, value FROM _provenance_rows"
        )
        self.con.unregister("_provenance_rows")

    def drop_tables(self, names: Iterable[str] = (), prefix: str | None = None) -> list[str]:
        """Drop whole-study tables (by name, and every table starting with ``prefix``) and their provenance, in
        one transaction; returns those that existed. Per-tumour tables are never dropped here."""
        present = set(self.tables())
        gone = sorted({n for n in names if n in present} | {t for t in present if prefix and t.startswith(prefix)})
        gone = [t for t in gone if t not in (*SAMPLE_TABLES, "provenance", "runs")]
        if gone:
            with self._transaction():
                for name in gone:
                    _check_name(name)
                    self.con.execute(f"DROP TABLE {name}")
                    self.con.execute("DELETE FROM provenance WHERE table_name = ?", [name])
        return gone

    def provenance(self, table: str) -> dict[str, Any]:
        """The provenance recorded with ``table`` (nested again), ``{}`` when none was.

        Examples
        --------
        >>> import tempfile, pathlib, pandas as pd
        >>> with Store(pathlib.Path(tempfile.mkdtemp()) / "s.duckdb") as store:
        ...     _ = store.write_tables("pathology", {"pdl1": pd.DataFrame({"usubjid": ["S1"]})},
        ...                            {"inputs": {"pathology": {"sha256": "ab"}}, "version": "1"})
        ...     store.provenance("pdl1")
        {'inputs': {'pathology': {'sha256': 'ab'}}, 'version': '1'}
        """
        rows = self.con.execute(
            "SELECT key, value FROM provenance WHERE table_name = ? ORDER BY key", [table]
        ).fetchall()
        out: dict[str, Any] = {}
        for key, value in rows:
            node = out
            *parents, leaf = key.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = json.loads(value) if value is not None else None
        return out

    # -- runs -----------------------------------------------------------------------------------
    def start_run(
        self, command: str, *, config_path: str | os.PathLike[str] | None = None, data_cutoff: str | None = None
    ) -> int:
        """Record the start of a run; returns its ``run_id``."""
        from biomarker import __version__
        from biomarker.files import sha256_file

        sha = sha256_file(config_path) if config_path is not None and Path(config_path).is_file() else None
        with self._transaction():
            run_id = int(self.con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()[0])
            self.con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, now()::TIMESTAMP, NULL, 'running', ?, ?, ?)",
                [run_id, command, __version__, data_cutoff, None if config_path is None else str(config_path), sha],
            )
        return run_id

    def finish_run(self, run_id: int, status: str = "ok", *, data_cutoff: str | None = None) -> None:
        """Record the end of a run (``ok``, ``failed`` or ``interrupted``) and, when known then, the cut-off."""
        with self._transaction():
            self.con.execute(
                "UPDATE runs SET finished_at = now()::TIMESTAMP, status = ?, "
                "data_cutoff = coalesce(?, data_cutoff) WHERE run_id = ?",
                [status, data_cutoff, run_id],
            )

    def export(self, out_dir: str | os.PathLike[str], fmt: str = "parquet") -> list[Path]:
        """Write every table to ``out_dir`` as Parquet or TSV (sorted by its first column).

        TSV is for people and spreadsheets: it goes through :func:`biomarker.files.write_table`, so text a
        spreadsheet would run as a formula is neutralised; Parquet keeps the values exactly.
        """
        from biomarker.files import atomic_replace, write_table

        if fmt not in ("parquet", "tsv"):
            raise ValueError("fmt is 'parquet' or 'tsv'")
        out = Path(out_dir)
        written = []
        for name in self.tables():
            first = self.columns(name)[0]
            query = f'SELECT * FROM {name} ORDER BY "{first}"'
            if fmt == "tsv":
                written.append(write_table(self.con.execute(query).fetchdf(), out / f"{name}.tsv"))
                continue

            def write(tmp: Path, query: str = query) -> None:
                self.con.execute(f"COPY ({query}) TO '{tmp}' (FORMAT parquet)")

            written.append(atomic_replace(out / f"{name}.{fmt}", write))
        return written


def find_store(path: str | os.PathLike[str]) -> Path:
    """The store a user means by ``path``: a ``.duckdb`` file, or a folder holding ``study.duckdb`` or
    ``results/study.duckdb`` (a ``study.yaml`` is resolved by :meth:`biomarker.api.Study.open`).

    Raises
    ------
    InputError
        When no store is there (run ``biomarker run study.yaml`` first).
    """
    p = Path(path)
    if p.is_dir():
        for candidate in (p / "study.duckdb", p / "results" / "study.duckdb"):
            if candidate.is_file():
                return candidate
    if p.is_file() and p.suffix == ".duckdb":
        return p
    raise InputError(
        path,
        "no study store here",
        hint="run `biomarker run study.yaml` first and pass its results/study.duckdb (or the folder holding it)",
    )


def _flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested dict -> ``{"a.b.c": json}``; lists and scalars are leaves (JSON text)."""
    from biomarker.results import jsonable

    out: dict[str, str] = {}
    for key, value in obj.items():
        name = f"{prefix}{str(key).replace('.', '_')}"
        if isinstance(value, Mapping) and value:
            out.update(_flatten(value, name + "."))
        else:
            out[name] = json.dumps(jsonable(value), sort_keys=True)
    return out


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"not a table name: {name!r}")


@contextlib.contextmanager
def kept_open(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the store's database open in this process while the block runs.

    Every :class:`Store` opened on ``path`` inside the block attaches to the open database (~3 ms) instead of
    loading its catalogue from the file (~50 ms with a study's ~60 tables; a study run opens it ~20 times, once per
    read or write of a step), and a read-only open inside is an ordinary one. Writes still commit as before; the
    file is checkpointed when the block ends. Another process cannot open the store meanwhile (DuckDB's one
    writer), as during any single write.
    """
    key = Path(path).resolve()
    with Store(path):
        _KEPT[key] = _KEPT.get(key, 0) + 1
        try:
            yield
        finally:
            _KEPT[key] -= 1
            if not _KEPT[key]:
                del _KEPT[key]
