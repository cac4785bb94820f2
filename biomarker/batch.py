"""``biomarker batch``: TMB for every tumour of a samplesheet, in parallel, into the cohort store.

One code path for every scale: tasks go to a ``concurrent.futures`` executor, a local process pool or
a Dask cluster's (``distributed.Client(address).get_executor()``). Only this process writes the store,
in small transactions as results arrive, so Ctrl-C loses nothing already finished; after a ``kill -9``
the next run adopts every finished ``SAMPLE.tmb.json`` whose inputs and parameters match instead of
recomputing it, and workers end themselves when the batch process dies (:func:`watch_parent`).
A sample is recomputed only when its input, BED or parameters changed (SHA-256) or it failed before.
Each run appends to ``OUT/batch.log`` and rewrites ``OUT/tmb_results.tsv`` (the samplesheet's rows as stored).
Executors are made in :mod:`biomarker.batch_executors`, finished results adopted in :mod:`biomarker.batch_resume`.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, as_completed
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from biomarker import __version__
from biomarker.batch_executors import make_executor
from biomarker.batch_resume import adopt_finished, remove_leftovers
from biomarker.errors import BiomarkerError
from biomarker.files import ensure_dir, sha256_file, write_table
from biomarker.parent_watch import exit_if_orphaned
from biomarker.run_log import RunLog
from biomarker.store import Store
from biomarker.tmb.params import TmbParams, params_digest
from biomarker.tmb.pipeline import resolve_params
from biomarker.tmb.samplesheet import SampleRow, read_samplesheet

log = logging.getLogger(__name__)
_TERRITORIES: dict[tuple[str, str], Any] = {}  # per worker process: (bed path, sha) -> Territory
FLUSH_ROWS = 32
FLUSH_SECONDS = 1.0


@dataclass(frozen=True)
class TmbTask:
    """Everything a worker needs for one tumour (picklable, no open handles)."""

    sample: str
    patient: str
    sample_type: str
    input_path: str
    bed_path: str
    params: TmbParams
    tumor_sample: str | None
    out_dir: str
    input_sha256: str
    bed_sha256: str
    params_sha256: str
    territory_file: str | None = None


@dataclass
class BatchSummary:
    """What a batch run did."""

    computed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    recovered: list[str] = field(default_factory=list)
    log_path: Path | None = None
    table_path: Path | None = None

    def __str__(self) -> str:
        recovered = f"{len(self.recovered)} recovered from finished files, " if self.recovered else ""
        return (
            f"{len(self.computed)} computed, {recovered}{len(self.skipped)} unchanged and skipped, "
            f"{len(self.failed)} failed"
        )


def run_tmb_task(task: TmbTask) -> tuple[dict[str, Any], dict[str, int]]:
    """Worker: TMB of one tumour; never raises for a bad sample (status ``failed`` with a one-line reason)."""
    from biomarker.tmb.pipeline import compute_tmb
    from biomarker.tmb.run_inputs import build_territory
    from biomarker.tmb.territory import Territory

    row: dict[str, Any] = {
        "sample": task.sample,
        "patient": task.patient,
        "preset": task.params.name,
        "input_sha256": task.input_sha256,
        "bed_sha256": task.bed_sha256,
        "params_sha256": task.params_sha256,
        "package_version": __version__,
    }
    exit_if_orphaned()
    try:
        key = (task.bed_path, task.bed_sha256)
        if key not in _TERRITORIES:
            cached = task.territory_file
            _TERRITORIES[key] = (
                Territory.load(cached) if cached and os.path.isfile(cached) else build_territory(task.bed_path)
            )
        r = compute_tmb(
            task.input_path,
            task.bed_path,
            task.params,
            tumor_sample=task.tumor_sample,
            sample_id=task.sample,
            territory=_TERRITORIES[key],
            out_dir=task.out_dir,
            keep_variants=False,
            known_sha256={task.input_path: task.input_sha256, task.bed_path: task.bed_sha256},
        )
    except KeyboardInterrupt:
        exit_if_orphaned()  # interrupted by the parent watch: the finally blocks have cleaned up
        raise
    except BiomarkerError as exc:
        row.update(status="failed", reason=str(exc))
        return row, {}
    except Exception as exc:  # a batch never stops at one sample; keep the bug visible in the log
        log.error("%s: unexpected error\n%s", task.sample, traceback.format_exc())
        row.update(status="failed", reason=f"unexpected error: {type(exc).__name__}: {exc}")
        return row, {}
    row.update(
        status="ok", reason="", json_path=str(r.json_path), variants_path=str(r.variants_path), **r.store_row()
    )  # the one mapping from a TMB result to a row
    return row, r.removed_by()


def plan_tasks(
    rows: list[SampleRow],
    out_dir: str | os.PathLike[str],
    params: TmbParams,
    targets: str | os.PathLike[str] | None,
    stored: dict[str, tuple[str, str, str, str]],
    sha: dict[Path, str] | None = None,
    territory_files: dict[Path, str] | None = None,
) -> Iterator[TmbTask | dict[str, Any] | str]:
    """For each samplesheet row, in order: a task (result missing, failed or stale), a failed result row
    (the input cannot be read), a ``(row, audit)`` pair adopted from a finished ``SAMPLE.tmb.json`` that
    never reached the store (:func:`adopt_finished`), or the sample's name (unchanged since it was stored: skip).

    A generator, so the first tasks run while later inputs are still being hashed.
    """
    digest = params_digest(params)
    sha = {} if sha is None else sha
    territory_files = territory_files or {}

    def hashed(path: Path) -> str:
        if path not in sha:
            sha[path] = sha256_file(path)
        return sha[path]

    for row in rows:
        bed = Path(targets) if targets is not None else row.bed
        base = {
            "sample": row.sample,
            "patient": row.patient,
            "preset": params.name,
            "params_sha256": digest,
            "package_version": __version__,
        }
        if bed is None or not bed.is_file():
            yield {
                **base,
                "status": "failed",
                "reason": f"no BED for {row.sample} ({bed}); add a bed column or --targets",
            }
            continue
        if not row.vcf.is_file():
            yield {**base, "status": "failed", "reason": f"{row.vcf}: no such file"}
            continue
        task = TmbTask(
            row.sample,
            row.patient,
            row.sample_type,
            str(row.vcf),
            str(bed),
            params,
            row.tumor_sample,
            str(out_dir),
            hashed(row.vcf),
            hashed(bed),
            digest,
            territory_files.get(bed),
        )
        if stored.get(row.sample) == ("ok", task.input_sha256, task.bed_sha256, digest):
            yield row.sample
        else:
            yield adopt_finished(task) or task


def _share_territories(
    rows: list[SampleRow],
    targets: str | os.PathLike[str] | None,
    out_dir: str | os.PathLike[str],
    to_workers: bool,
) -> tuple[dict[Path, str], dict[Path, str]]:
    """Parse each distinct BED once, here: inline runs keep it in memory; workers get a ``.npz`` beside the
    results (``OUT/.territories/SHA256.npz``) that loads in milliseconds instead of a second-long parse."""
    from biomarker.tmb.run_inputs import build_territory

    beds = {Path(targets)} if targets is not None else {r.bed for r in rows if r.bed is not None}
    sha: dict[Path, str] = {}
    files: dict[Path, str] = {}
    for bed in sorted(b for b in beds if b.is_file()):
        sha[bed] = digest = sha256_file(bed)
        key = (str(bed), digest)
        cache = Path(out_dir) / ".territories" / f"{digest}.npz"
        if to_workers and cache.is_file():
            files[bed] = str(cache)
            continue
        try:
            territory = _TERRITORIES.get(key) or build_territory(bed)
        except BiomarkerError:
            continue  # each sample of this BED will fail with the BED's own message
        _TERRITORIES[key] = territory
        if to_workers:
            files[bed] = str(territory.save(cache))
    return sha, files


def run_batch(
    samplesheet: str | os.PathLike[str],
    store_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    preset: str | os.PathLike[str] | TmbParams = "wes",
    *,
    targets: str | os.PathLike[str] | None = None,
    overrides: dict[str, Any] | None = None,
    off: Sequence[str] = (),
    jobs: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> BatchSummary:
    """TMB for every tumour of ``samplesheet``, upserted into the store at ``store_path``.

    The samplesheet, settings and folders are checked before anything is written. Each run appends to
    ``out_dir/batch.log`` and writes ``out_dir/tmb_results.tsv`` (the samplesheet's rows as stored, text
    cells safe to open in a spreadsheet).

    Parameters
    ----------
    jobs
        Local worker processes (or Dask workers with ``scheduler="local"``).
    scheduler
        ``None`` for local processes; ``tcp://host:8786`` for a running Dask scheduler; ``local`` to start a
        Dask LocalCluster.
    progress
        Called as ``progress(done, total, sample)`` after each sample lands in the store.

    Returns
    -------
    BatchSummary

    Raises
    ------
    InputError, ConfigError
        For a bad samplesheet or settings, or an output folder or store that cannot be created.

    Examples
    --------
    >>> run_batch("samplesheet.csv", "study.duckdb", "results/tmb", "wes", jobs=2)  # doctest: +SKIP
    """
    params = resolve_params(preset, overrides, off)
    rows = read_samplesheet(samplesheet)
    out = ensure_dir(out_dir, "--out")
    ensure_dir(Path(store_path).absolute().parent, "--store")
    summary = BatchSummary(log_path=out / "batch.log")
    with RunLog(summary.log_path, "batch") as run_log:
        run_log.event(
            "inputs",
            f"samplesheet {samplesheet} ({len(rows)} samples), store {store_path}, "
            f"preset {params.name}, params_sha256 {params_digest(params)}",
        )
        _run(rows, store_path, out, params, targets, jobs, scheduler, progress, summary, run_log)
        summary.failed = {r.sample: summary.failed[r.sample] for r in rows if r.sample in summary.failed}
        summary.table_path = _write_results_table(store_path, out, [r.sample for r in rows])
        from biomarker.multiqc import write_multiqc_from_store

        write_multiqc_from_store(store_path, out)  # MultiQC custom content beside the per-sample files
        for sample, reason in summary.failed.items():
            run_log.event("failed", f"{sample}: {reason}")
        run_log.outcome = str(summary)
    log.info("batch: %s", summary)
    return summary


def _run(
    rows: list[SampleRow],
    store_path: str | os.PathLike[str],
    out_dir: Path,
    params: TmbParams,
    targets: str | os.PathLike[str] | None,
    jobs: int,
    scheduler: str | None,
    progress: Callable[[int, int, str], None] | None,
    summary: BatchSummary,
    run_log: RunLog,
) -> None:
    total, done = len(rows), 0
    info = {
        r.sample: {
            "patient": r.patient,
            "input_path": str(r.vcf),
            "bed_path": str(targets or r.bed or ""),
            "sample_type": r.sample_type,
        }
        for r in rows
    }
    # Results are written in small transactions as they arrive (at most FLUSH_ROWS or FLUSH_SECONDS old);
    # on any exit, Ctrl-C included, what has arrived is written before the exception goes on. A kill -9
    # can lose only the last second's rows from the store: their files are adopted by the next run.
    pending: list[tuple[dict[str, Any], dict[str, int], dict[str, Any]]] = []
    last_flush = time.monotonic()
    with Store(store_path) as store, ExitStack() as stack:
        remove_leftovers(out_dir, run_log)  # the store admits one writer: no other batch is using them
        executor = make_executor(jobs, scheduler, stack)
        sha, territory_files = _share_territories(rows, targets, out_dir, to_workers=executor is not None)
        inline: list[TmbTask] = []
        futures: list[Future] = []
        stack.callback(lambda: [f.cancel() for f in futures])

        def arrived(row: dict[str, Any], audit: dict[str, int], kind: str = "computed") -> None:
            nonlocal done, last_flush
            pending.append((row, audit, info[row["sample"]]))
            if row["status"] != "ok":
                summary.failed[row["sample"]] = row["reason"]
            else:
                (summary.recovered if kind == "recovered" else summary.computed).append(row["sample"])
            run_log.event(
                "sample",
                f"{row['sample']} {row['status'] if row['status'] != 'ok' else kind}"
                + (f" tmb_per_mb={row['tmb_per_mb']:.4g}" if row["status"] == "ok" else ""),
            )
            done += 1
            if len(pending) >= FLUSH_ROWS or time.monotonic() - last_flush > FLUSH_SECONDS:
                store.upsert_tmb_many(pending)
                pending.clear()
                last_flush = time.monotonic()
            if progress is not None:
                progress(done, total, row["sample"])

        try:
            for item in plan_tasks(rows, out_dir, params, targets, store.tmb_keys(), sha, territory_files):
                if isinstance(item, str):
                    summary.skipped.append(item)
                    done += 1
                elif isinstance(item, tuple):
                    arrived(*item, kind="recovered")
                elif isinstance(item, dict):
                    arrived(item, {})
                elif executor is None:
                    inline.append(item)
                else:
                    futures.append(executor.submit(run_tmb_task, item))
            results = (
                (run_tmb_task(t) for t in inline) if executor is None else (f.result() for f in as_completed(futures))
            )
            for row, audit in results:
                arrived(row, audit)
        finally:
            store.upsert_tmb_many(pending)


def _write_results_table(store_path: str | os.PathLike[str], out_dir: Path, samples: list[str]) -> Path:
    """``OUT/tmb_results.tsv``: the stored rows of this samplesheet's samples, in its order, spreadsheet-safe."""
    with Store(store_path) as store:
        frame = store.table("tmb_results")
    order = {s: i for i, s in enumerate(samples)}
    frame = frame[frame["sample"].isin(order)].copy()
    frame = frame.sort_values("sample", key=lambda c: c.map(order)).reset_index(drop=True)
    return write_table(frame, out_dir / "tmb_results.tsv")
