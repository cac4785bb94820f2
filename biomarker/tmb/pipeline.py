"""``compute_tmb``: one tumour's VCF/BCF/MAF -> :class:`TmbResult`, and its files when asked."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from biomarker import __version__
from biomarker.errors import InputError
from biomarker.files import atomic_write, output_path, sha256_file
from biomarker.tmb.burden import tmb_with_ci
from biomarker.tmb.checks import check_after_scan, check_vcf_can_run
from biomarker.tmb.cohort import scan_table_one
from biomarker.tmb.judge import Drivers, read_hotspot_list
from biomarker.tmb.params import FILTER_ORDER, TmbParams
from biomarker.tmb.result import TmbResult
from biomarker.tmb.run_inputs import (
    build_territory,
    check_contigs,
    resolve_params,
    resolve_territory,
    sample_id_of,
)
from biomarker.tmb.scan_runner import Sink, reads_as_text, scan_by_contig, scan_text
from biomarker.tmb.territory import Territory, canonical_contig
from biomarker.tmb.variant_table import is_maf
from biomarker.tmb.vcf_scan import VARIANT_COLUMNS, ScanTally, VcfLayout, read_layout, scan_vcf

log = logging.getLogger(__name__)


def _hash_inputs(paths: list[str], known: dict[str, str] | None = None) -> list[dict[str, str]]:
    known = known or {}
    return [{"path": str(p), "name": Path(p).name, "sha256": known.get(str(p)) or sha256_file(p)} for p in paths]


def compute_tmb(
    vcf: str | os.PathLike[str],
    targets: str | os.PathLike[str] | None = None,
    preset: str | os.PathLike[str] | TmbParams = "wes",
    *,
    territory_mb: float | None = None,
    drivers: str | os.PathLike[str] | None = None,
    column_map: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
    off: Sequence[str] = (),
    tumor_sample: str | None = None,
    sample_id: str | None = None,
    callable_bed: str | os.PathLike[str] | None = None,
    bam: str | os.PathLike[str] | None = None,
    min_bam_depth: int = 20,
    caller: str | None = None,
    annotator: str | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    export_vcf: bool = False,
    threads: int = 1,
    territory: Territory | None = None,
    keep_variants: bool = True,
    known_sha256: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> TmbResult:
    """Tumour mutational burden of one tumour, with its exact 95% CI and per-variant audit.

    Parameters
    ----------
    vcf
        Somatic calls: VCF, VCF.gz, BCF (streamed with cyvcf2) or MAF.
    targets
        Capture BED (0-based half-open; overlaps merged); ``None`` with ``territory_mb``.
    territory_mb
        The territory's size when there is no BED (a vendor panel, maftools' capture size): stated, not
        measured, and variants are not restricted to it.
    drivers
        A driver/hotspot list (``chrom pos ref alt`` or ``GENE protein_change`` lines) whose variants are removed.
    column_map
        Read ``vcf`` as a plain variant table (CSV/TSV/XLSX) with these columns (see
        :func:`biomarker.tmb.plain_table.table_chunks`).
    preset
        ``wes``, ``pytmb-wes``, ``f1cdx``, ``msk-impact``, ``tso500``, a YAML file or a :class:`TmbParams`.
    overrides, off
        Parameter values replacing the preset's; filters switched off (``vaf``, ``depth``, ...).
    out_dir
        When given, write ``SAMPLE.tmb.json`` and ``SAMPLE.variants.tsv`` there (atomically), and with
        ``export_vcf`` ``SAMPLE.tmb.vcf.gz`` with a per-ALT ``TMB_FILTER`` INFO tag.
    threads
        Worker processes; above 1, an indexed VCF/BCF is split by contig.
    territory
        A territory already built (skips reading ``targets`` again, e.g. across presets).
    keep_variants
        Without ``out_dir``, hold every variant's row in memory for :meth:`TmbResult.variants`
        (``False`` keeps memory flat for a summary-only run).
    known_sha256
        ``{path: sha256}`` already computed by the caller (a batch hashes every input once), not recomputed.

    Returns
    -------
    TmbResult

    Raises
    ------
    InputError, ConfigError
        For unreadable or inconsistent inputs and impossible settings.

    Examples
    --------
    >>> r = compute_tmb("tumour.vcf.gz", "exome.bed", preset="wes")  # doctest: +SKIP
    >>> r.tmb_per_mb, r.ci95_low, r.ci95_high  # doctest: +SKIP
    """
    job = _prepare(
        str(vcf),
        targets,
        preset,
        territory_mb=territory_mb,
        drivers=drivers,
        column_map=column_map,
        overrides=overrides,
        off=off,
        tumor_sample=tumor_sample,
        callable_bed=callable_bed,
        bam=bam,
        min_bam_depth=min_bam_depth,
        caller=caller,
        annotator=annotator,
        territory=territory,
    )
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    if out is not None:
        _remove_dead_workdirs(out)
    workdir = Path(tempfile.mkdtemp(prefix=f".tmb-{os.getpid()}-", dir=out)) if out is not None else None
    try:
        vcf_tmp = workdir / "export.vcf.gz" if export_vcf and workdir is not None and not job.maf else None
        tally, tumour, hashed, rows = _scan(job, workdir, vcf_tmp, keep_variants, threads, known_sha256, progress)
        warnings = _warnings_of(job, tally)
        counted = tally.fates.get("counted", 0)
        tmb, low, high = tmb_with_ci(counted, job.territory_bp)
        layout = job.layout
        result = TmbResult(
            sample=sample_id_of(sample_id, tumour, job.path),
            tumor_sample=tumour,
            input_path=job.path,
            input_type=("table" if column_map is not None else "maf") if job.maf else "vcf",
            caller=layout.caller if layout else "maf",
            annotator=layout.annotator if layout else "maf",
            params=job.params,
            territory_bp=job.territory_bp,
            counted=counted,
            tmb_per_mb=tmb,
            ci95_low=low,
            ci95_high=high,
            fates={name: tally.fates.get(name, 0) for name in ("counted", *FILTER_ORDER)},
            records=tally.records,
            alleles=tally.alleles,
            provenance=_provenance(job, hashed, callable_bed, bam, min_bam_depth),
            warnings=warnings,
            territory_stated=job.stated,
            _rows=rows,
        )
        if out is not None and workdir is not None:
            _publish(result, workdir, out, vcf_tmp)
        log.info("%s: %d counted over %.3f Mb -> %.2f mut/Mb", result.sample, counted, job.territory_bp / 1e6, tmb)
        return result
    finally:
        if job.layout is not None:
            job.layout.close()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class _Job:
    """One tumour's resolved inputs: settings, territory, and (for a VCF) its open header."""

    path: str
    params: TmbParams
    hotspots: Drivers
    territory: Territory | None
    territory_bp: int
    stated: bool
    inputs: list[str]  # every input file, for provenance hashes
    maf: bool
    layout: VcfLayout | None
    tumor_sample: str | None
    column_map: dict[str, str] | None


def _prepare(
    path: str,
    targets: str | os.PathLike[str] | None,
    preset: str | os.PathLike[str] | TmbParams,
    *,
    territory_mb: float | None,
    drivers: str | os.PathLike[str] | None,
    column_map: dict[str, str] | None,
    overrides: dict[str, Any] | None,
    off: Sequence[str],
    tumor_sample: str | None,
    callable_bed: str | os.PathLike[str] | None,
    bam: str | os.PathLike[str] | None,
    min_bam_depth: int,
    caller: str | None,
    annotator: str | None,
    territory: Territory | None,
) -> _Job:
    """Stage 1: settings, driver list, territory, and the VCF header checked before any record is read."""
    if drivers is not None:
        overrides = {**(overrides or {}), "exclude_hotspots": True, "hotspot_list": str(drivers)}
    params = resolve_params(preset, overrides, off)
    use_list = params.exclude_hotspots and params.hotspot_list
    hotspots = read_hotspot_list(params.hotspot_list) if use_list else Drivers()
    territory, territory_bp, stated = resolve_territory(
        targets, territory, territory_mb, params, callable_bed, bam, min_bam_depth
    )
    inputs = [path, *(str(p) for p in (targets, callable_bed, bam, params.hotspot_list) if p is not None)]
    is_vcf = path.lower().endswith((".vcf", ".vcf.gz", ".vcf.bgz", ".bcf"))
    maf = column_map is not None or (not is_vcf and is_maf(path))
    layout: VcfLayout | None = None
    if not maf:
        layout = read_layout(path, tumor_sample, caller, annotator)
        try:
            if territory is not None:
                check_contigs(path, layout.contigs, territory, "VCF header")
            check_vcf_can_run(layout, params, hotspots)
        except InputError:
            layout.close()
            raise
    return _Job(path, params, hotspots, territory, territory_bp, stated, inputs, maf, layout, tumor_sample, column_map)


def _scan(
    job: _Job,
    workdir: Path | None,
    vcf_tmp: Path | None,
    keep_variants: bool,
    threads: int,
    known_sha256: dict[str, str] | None,
    progress: Callable[[int], None] | None,
) -> tuple[ScanTally, str, list[dict[str, str]], list | None]:
    """Stage 2: every allele judged, its row in ``workdir/variants.tsv`` (or kept); inputs hashed alongside.

    Returns ``(tally, tumour sample, input hashes, rows kept in memory or None)``.
    """
    layout, path = job.layout, job.path
    tumour = layout.tumour if layout else (job.tumor_sample or "")
    files = [p for p in job.inputs if os.path.isfile(p)]
    hashed: list[dict[str, str]] = []
    hasher = threading.Thread(target=lambda: hashed.extend(_hash_inputs(files, known_sha256)))
    handle = open(workdir / "variants.tsv", "w", encoding="utf-8", newline="") if workdir else None  # noqa: SIM115
    sink = Sink(handle, keep_variants)
    if handle is not None:
        handle.write("\t".join(VARIANT_COLUMNS) + "\n")
    as_text = layout is not None and reads_as_text(path, vcf_tmp is not None)
    by_contig = (
        layout is not None and not as_text and threads > 1 and vcf_tmp is None and layout.indexed and layout.contigs
    )
    try:
        if layout is None:
            hasher.start()
            tally, tumour = scan_table_one(
                path,
                job.params,
                job.territory,
                sink,
                tumor_sample=job.tumor_sample,
                drivers=job.hotspots,
                column_map=job.column_map,
            )
        elif as_text or by_contig:
            tally = (scan_text if as_text else scan_by_contig)(
                layout,
                job.params,
                job.territory,
                job.hotspots,
                sink,
                jobs=threads,
                work_dir=workdir,
                progress=progress,
                started=hasher.start,  # hashlib frees the GIL: the hash runs beside the scan, in this process
            )
        else:
            hasher.start()
            tally = scan_vcf(
                layout,
                job.params,
                job.territory,
                sink,
                hotspots=job.hotspots,
                export_path=vcf_tmp,
                progress=progress,
            )
    finally:
        if handle is not None:
            handle.close()
        if hasher.is_alive():
            hasher.join()
    return tally, tumour, hashed, sink.rows


def _warnings_of(job: _Job, tally: ScanTally) -> list[str]:
    """Stage 3: refuse what the records show to be wrong; the warnings the result carries."""
    territory = job.territory
    if (
        territory is not None
        and tally.records
        and territory.contig_keys().isdisjoint(canonical_contig(c) for c in tally.contigs_seen)
    ):
        check_contigs(job.path, sorted(tally.contigs_seen), territory, "records")
    warnings = check_after_scan(job.path, tally, job.params)
    if job.stated:
        warnings.insert(
            0,
            f"territory stated as {job.territory_bp / 1e6:g} Mb, not measured from a BED; variants "
            "are not restricted to a territory",
        )
    for note in warnings:
        log.info("%s: %s", Path(job.path).name, note)
    return warnings


def _provenance(
    job: _Job,
    hashed: list[dict[str, str]],
    callable_bed: str | os.PathLike[str] | None,
    bam: str | os.PathLike[str] | None,
    min_bam_depth: int,
) -> dict[str, Any]:
    stated, bp = job.stated, job.territory_bp
    return {
        "package": "nsclc-biomarker",
        "version": __version__,
        "parameters": job.params.as_dict(),
        "inputs": sorted(hashed, key=lambda h: job.inputs.index(h["path"])),
        "territory": {
            "source": "stated" if stated else "bed",
            "stated_mb": bp / 1e6 if stated else None,
            "callable_bed": callable_bed is not None,
            "bam": bam is not None,
            "min_bam_depth": min_bam_depth if bam is not None else None,
        },
    }


def _remove_dead_workdirs(out: Path) -> None:
    """Remove the work folders (``.tmb-PID-*``) that runs killed with ``kill -9`` left in ``out``.

    Only folders whose process is gone: a run still working in the same folder keeps its own.
    """
    for path in out.glob(".tmb-*-*"):
        pid = path.name.split("-")[1]
        if not pid.isdigit() or not path.is_dir() or path.is_symlink():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
            log.info("removed %s, left by an interrupted run", path.name)
        except PermissionError:  # alive, another user's
            continue


def _publish(result: TmbResult, workdir: Path, out: Path, vcf_tmp: Path | None) -> None:
    """Move the finished files from the work folder into ``out``; the JSON, written last, marks completion."""
    result.variants_path = output_path(out, result.sample, ".variants.tsv")  # never outside out
    os.replace(workdir / "variants.tsv", result.variants_path)
    if vcf_tmp is not None:
        result.vcf_path = output_path(out, result.sample, ".tmb.vcf.gz")
        os.replace(vcf_tmp, result.vcf_path)
    result.json_path = output_path(out, result.sample, ".tmb.json")
    with atomic_write(result.json_path) as fh:
        fh.write(result.to_json())


__all__ = ["build_territory", "compute_tmb", "resolve_params", "resolve_territory"]
