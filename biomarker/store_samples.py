"""The store's per-tumour TMB tables: ``samples``, ``tmb_results`` and ``tmb_filter_audit``, keyed by ``sample``.

:class:`SampleTables` is the part of :class:`~biomarker.store.Store` that writes them: a batch upserts each
tumour's result, audit and sample row in one transaction (re-running replaces rather than adds), marks the
tumours no longer in the samplesheet ``stale``, and ``--force`` forgets them all. Whole-study tables, provenance
and runs are in :mod:`biomarker.store`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from biomarker.store_schema import SAMPLE_TABLES, STALE, TMB_COLUMNS

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger("biomarker.store")  # the store's own logger, as before these methods moved here


class SampleTables:
    """Per-tumour TMB rows of a store (mixed into :class:`~biomarker.store.Store`, which opens ``con`` and
    provides the all-or-nothing ``_transaction``)."""

    con: duckdb.DuckDBPyConnection
    _transaction: Callable[[], contextlib.AbstractContextManager[None]]

    def tmb_keys(self) -> dict[str, tuple[str, str, str, str]]:
        """``sample -> (status, input_sha256, bed_sha256, params_sha256)`` of what is stored."""
        rows = self.con.execute(
            "SELECT sample, status, input_sha256, bed_sha256, params_sha256 FROM tmb_results"
        ).fetchall()
        return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}

    def upsert_tmb(self, row: dict[str, Any], audit: dict[str, int], sample_info: dict[str, Any]) -> None:
        """Replace one sample's result, its filter audit and its sample row, in one transaction."""
        self.upsert_tmb_many([(row, audit, sample_info)])

    def upsert_tmb_many(self, results: list[tuple[dict[str, Any], dict[str, int], dict[str, Any]]]) -> None:
        """Replace several samples' results, audits and sample rows in one transaction (all or none).

        The subject is ``usubjid`` (``patient`` is accepted from older callers); a ``warnings`` list is stored
        as ``; ``-joined text.
        """
        if not results:
            return
        samples = [row["sample"] for row, _, _ in results]
        marks = ", ".join("?" * len(samples))
        with self._transaction():
            for table in SAMPLE_TABLES:
                self.con.execute(f"DELETE FROM {table} WHERE sample IN ({marks})", samples)
            self.con.executemany(
                f"INSERT INTO tmb_results ({', '.join(TMB_COLUMNS)}) VALUES ({', '.join('?' * len(TMB_COLUMNS))})",
                [[_tmb_value(row, c) for c in TMB_COLUMNS] for row, _, _ in results],
            )
            audit_rows = [[row["sample"], k, int(v)] for row, audit, _ in results for k, v in audit.items()]
            if audit_rows:
                self.con.executemany("INSERT INTO tmb_filter_audit VALUES (?, ?, ?)", audit_rows)
            self.con.executemany(
                "INSERT INTO samples (sample, usubjid, input_path, bed_path, sample_type) VALUES (?, ?, ?, ?, ?)",
                [
                    [
                        row["sample"],
                        info.get("usubjid", info.get("patient")),
                        info.get("input_path"),
                        info.get("bed_path"),
                        info.get("sample_type"),
                    ]
                    for row, _, info in results
                ],
            )

    def mark_stale(self, keep: Iterable[str], reason: str = "not in the samplesheet of the last run") -> list[str]:
        """Mark every stored tumour not in ``keep`` as ``stale`` (kept for the record, never used downstream).

        Returns the samples newly marked. A stale sample that comes back is recomputed (its status is not ok).
        """
        keep = set(keep)
        rows = self.con.execute("SELECT sample FROM tmb_results WHERE status <> ?", [STALE]).fetchall()
        gone = sorted(r[0] for r in rows if r[0] not in keep)
        if gone:
            marks = ", ".join("?" * len(gone))
            with self._transaction():
                self.con.execute(
                    f"UPDATE tmb_results SET status = ?, reason = ? WHERE sample IN ({marks})", [STALE, reason, *gone]
                )
            log.warning("%d stored tumour(s) no longer in the samplesheet marked stale: %s", len(gone), ", ".join(gone))
        return gone

    def forget_tmb(self) -> None:
        """Delete every per-sample TMB row (``--force``: the next batch recomputes every tumour)."""
        with self._transaction():
            for table in SAMPLE_TABLES:
                self.con.execute(f"DELETE FROM {table}")


def _tmb_value(row: Mapping[str, Any], column: str) -> Any:
    if column == "usubjid":
        return row.get("usubjid", row.get("patient"))
    value = row.get(column)
    if column == "warnings" and isinstance(value, list | tuple):
        return "; ".join(map(str, value)) or None
    return value
