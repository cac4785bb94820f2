"""The tables of a gating run, built from the gated tubes: values with QC flags, tube status, fitted gates.

:func:`assemble` turns the :class:`~biomarker.flow.tubes.TubeOutcome` of every tube (and the status rows of those
that failed) into a :class:`~biomarker.flow.result.TbnkResult` with its provenance; a subject and visit gated from
two files is an error here, after every tube has been read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from biomarker import __version__
from biomarker.errors import InputError
from biomarker.files import sha256_file
from biomarker.flow.gating import EXTRA_COLUMNS, _flowkit
from biomarker.flow.qc import finish_table

if TYPE_CHECKING:
    from biomarker.flow.tubes import GateSettings, TubeOutcome


STATUS_COLUMNS: tuple[str, ...] = ("file", "usubjid", "visit", "status", "reason", "qc_flags", "sha256")


def positions_table(outcomes: list[TubeOutcome]) -> pd.DataFrame:
    rows = [
        {
            "file": o.path.name,
            "usubjid": o.record.get("usubjid"),
            "visit": o.record.get("visit"),
            "gate": p.gate_id,
            "dimension": p.dimension,
            "bound": p.bound,
            "template_value": p.template_value,
            "fitted_value": p.fitted_value,
            "method": p.method,
            "valley_depth": p.depth,
            "edge_fraction": p.edge_fraction,
            "template_edge_fraction": p.template_edge_fraction,
            "note": p.note,
        }
        for o in outcomes
        for p in o.positions
    ]
    cols = [
        "file",
        "usubjid",
        "visit",
        "gate",
        "dimension",
        "bound",
        "template_value",
        "fitted_value",
        "method",
        "valley_depth",
        "edge_fraction",
        "template_edge_fraction",
        "note",
    ]
    return pd.DataFrame(rows, columns=cols)


def assemble(
    files: list[Path],
    outcomes: list[TubeOutcome],
    status_rows: list[dict[str, Any]],
    s: GateSettings,
    template_path: Path,
    *,
    adaptive: bool,
) -> Any:
    """The result's tables (values with flags, QC long table, tube status, fitted gates) and provenance."""
    from biomarker.flow.result import TbnkResult, qc_long

    table = pd.DataFrame([o.record for o in outcomes])
    if not table.empty:
        _check_duplicates(table)
    out_table = finish_table(
        table if not table.empty else pd.DataFrame({"usubjid": [], "visit": []}), s.qc, [o.flags for o in outcomes]
    )
    for col in EXTRA_COLUMNS:
        out_table[col] = table[col].to_numpy() if col in table else None
    status = pd.DataFrame(status_rows, columns=list(STATUS_COLUMNS))
    flags_by_file = dict(zip(out_table["source"], out_table["qc_flags"], strict=True))
    status["qc_flags"] = [flags_by_file.get(f, "") for f in status["file"]]
    status.loc[(status.status == "ok") & (status.qc_flags != ""), "status"] = "flagged"
    provenance = {
        "package": "nsclc-biomarker",
        "version": __version__,
        "flowkit_version": _flowkit().__version__,
        "template": str(template_path),
        "template_sha256": sha256_file(template_path),
        "adaptive_gates": adaptive,
        "beads_per_test": s.beads_per_test,
        "sample_volume_ul": s.sample_volume_ul,
        "absolute": s.absolute,
        "qc": s.qc.__dict__.copy(),
        "inputs": {str(p): h for p, h in zip(files, [r["sha256"] for r in status_rows], strict=True)},
    }
    tables = {
        "tbnk": out_table,
        "tbnk_qc": qc_long(out_table),
        "tbnk_tube_status": status,
        "tbnk_gates": positions_table(outcomes),
    }
    return TbnkResult(tables, provenance, outcomes=outcomes, settings=s)


def _check_duplicates(table: pd.DataFrame) -> None:
    dup = table.duplicated(["usubjid", "visit"], keep=False)
    if dup.any():
        first = table[dup].iloc[0]
        same = table[dup & (table.usubjid == first.usubjid) & (table.visit == first.visit)]["source"].tolist()
        raise InputError(
            same[-1],
            f"subject {first.usubjid} visit {first.visit} is in more than one file ({', '.join(same)})",
            hint="gate one tube per subject and visit",
        )
