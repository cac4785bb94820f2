"""Resuming a batch after a ``kill -9``: adopt finished result files, remove what killed workers left.

A worker writes ``SAMPLE.variants.tsv`` then ``SAMPLE.tmb.json`` (last, atomically) before the batch process
commits the row to the store; a kill in between leaves a finished result that the store does not know.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biomarker import __version__
from biomarker.files import output_path

if TYPE_CHECKING:
    from biomarker.batch import TmbTask
    from biomarker.run_log import RunLog

log = logging.getLogger(__name__)


def adopt_finished(task: TmbTask) -> tuple[dict[str, Any], dict[str, int]] | None:
    """The store row and filter audit of ``task`` read back from its finished ``SAMPLE.tmb.json``, or ``None``.

    Adopted only when the JSON names the same sample, package version, parameters (SHA-256 of their canonical
    JSON) and input and BED bytes (SHA-256), and its variant table is there: what a batch killed between a
    worker's last write and the store's commit had finished. The TMB and its interval are derived again from
    the counted variants and territory (as the run did), so the row equals the one the run would have stored.
    """
    from biomarker.tmb.burden import tmb_with_ci

    json_path = output_path(task.out_dir, task.sample, ".tmb.json")
    variants_path = output_path(task.out_dir, task.sample, ".variants.tsv")
    if not json_path.is_file() or not variants_path.is_file():
        return None
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
        prov = data["provenance"]
        shas = [entry["sha256"] for entry in prov["inputs"]]
        same = (
            data["sample"] == task.sample
            and prov["version"] == __version__
            and (task.tumor_sample is None or data["tumor_sample"] == task.tumor_sample)
            and shas == [task.input_sha256, task.bed_sha256]
            and hashlib.sha256(json.dumps(prov["parameters"], sort_keys=True, default=str).encode()).hexdigest()
            == task.params_sha256
        )
        if not same:
            return None
        counted, territory_bp = int(data["counted_variants"]), int(data["territory_bp"])
        audit = {str(k): int(v) for k, v in data["removed_by_filter"].items()}
        caller, annotator = str(data["caller"]), str(data["annotator"])
        warnings = "; ".join(str(w) for w in data.get("warnings", []))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        log.warning("%s: unreadable finished result %s; computing it again", task.sample, json_path)
        return None
    tmb, low, high = tmb_with_ci(counted, territory_bp)
    row: dict[str, Any] = {
        "sample": task.sample,
        "patient": task.patient,
        "preset": task.params.name,
        "input_sha256": task.input_sha256,
        "bed_sha256": task.bed_sha256,
        "params_sha256": task.params_sha256,
        "package_version": __version__,
        "status": "ok",
        "reason": "",
        "counted_variants": counted,
        "territory_bp": territory_bp,
        "tmb_per_mb": tmb,
        "tmb_ci95_low_per_mb": low,
        "tmb_ci95_high_per_mb": high,
        "tmb_high": bool(data.get("tmb_high", tmb >= task.params.tmb_high_cutoff)),
        "caller": caller,
        "annotator": annotator,
        "json_path": str(json_path),
        "variants_path": str(variants_path),
        "warnings": warnings,
    }
    log.info("%s: adopted the finished result %s", task.sample, json_path)
    return row, audit


def remove_leftovers(out_dir: Path, run_log: RunLog) -> None:
    """Remove the work folders and temporary files of a run that was killed (``.tmb-*``, ``.*.tmp``):
    a Dask worker, or a process-pool worker past its grace period, cannot clean up after a ``kill -9``."""
    for path in sorted(out_dir.glob(".tmb-*")) + sorted(out_dir.glob(".*.tmp")):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        run_log.event("cleanup", f"removed {path.name}, left by an interrupted run")
