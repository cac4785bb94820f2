"""``compute_tmb``: one tumour's VCF/BCF/MAF -> :class:`TmbResult`, and its files when asked."""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from biomarker import __version__
from biomarker.errors import ConfigError, InputError
from biomarker.files import atomic_write, output_path, sha256_file
from biomarker.tmb.burden import tmb_with_ci
from biomarker.tmb.callers import TUMOUR_NAMES
from biomarker.tmb.checks import check_after_scan, check_vcf_can_run
from biomarker.tmb.cohort import scan_table_one
from biomarker.tmb.judge import Drivers, read_hotspot_list
from biomarker.tmb.params import FILTER_ORDER, TmbParams, load_preset
from biomarker.tmb.result import TmbResult
from biomarker.tmb.scan_runner import Sink, reads_as_text, scan_by_contig, scan_text
from biomarker.tmb.territory import Territory, canonical_contig, covered_territory, read_bed
from biomarker.tmb.variant_table import is_maf
from biomarker.tmb.vcf_scan import VARIANT_COLUMNS, VcfLayout, read_layout, scan_vcf

log = logging.getLogger(__name__)
_SUFFIX = re.compile(r"(\.vcf\.gz|\.vcf\.bgz|\.vcf|\.bcf|\.maf\.gz|\.maf|\.tsv|\.txt)$", re.I)


def resolve_params(
    preset: str | os.PathLike[str] | TmbParams = "wes",
    overrides: dict[str, Any] | None = None,
    off: Sequence[str] = (),
) -> TmbParams:
    """A preset (name, YAML path or object) with parameter overrides and filters switched off.

    Examples
    --------
    >>> resolve_params("wes", {"min_vaf": 0.1}, off=["depth"]).min_vaf
    0.1
    """
    params = preset if isinstance(preset, TmbParams) else load_preset(preset)
    if overrides:
        from biomarker.tmb.params import params_from_mapping

        params = params_from_mapping({**params.as_dict(), **overrides}, f"preset {params.name} with overrides")
    return params.switched_off(list(off)) if off else params


def build_territory(
    targets: str | os.PathLike[str],
    callable_bed: str | os.PathLike[str] | None = None,
    bam: str | os.PathLike[str] | None = None,
    min_bam_depth: int = 20,
) -> Territory:
    """Capture BED, optionally intersected with a callable BED and the BAM's well-covered positions.

    Raises
    ------
    InputError
        When an intersection leaves nothing.
    """
    territory = read_bed(targets)
    if callable_bed is not None:
        territory = territory.intersect(read_bed(callable_bed))
        if territory.bp == 0:
            raise InputError(
                callable_bed,
                "no overlap with the targets BED",
                hint="check both BEDs use the same genome build and contig names",
            )
    if bam is not None:
        territory = covered_territory(bam, territory, min_bam_depth)
        if territory.bp == 0:
            raise InputError(
                bam,
                f"no target position is covered by >= {min_bam_depth} reads",
                hint="lower --min-depth or check the BAM matches the BED",
            )
    return territory


def resolve_territory(
    targets: str | os.PathLike[str] | None,
    territory: Territory | None,
    territory_mb: float | None,
    params: TmbParams,
    callable_bed: str | os.PathLike[str] | None = None,
    bam: str | os.PathLike[str] | None = None,
    min_bam_depth: int = 20,
) -> tuple[Territory | None, int, bool]:
    """``(territory or None, its size in bp, stated?)`` from a BED, or a stated size in Mb (no restriction).

    A size stated on the command line wins over the preset's (``maftools``: 50 Mb); a BED and a stated size
    together are a contradiction.

    Raises
    ------
    ConfigError
        For both or neither.
    """
    if territory_mb is not None and (targets is not None or territory is not None):
        raise ConfigError("give --targets BED or --territory-mb, not both (a BED is measured; a size is stated)")
    if territory_mb is not None or (targets is None and territory is None):
        if callable_bed is not None or bam is not None:
            raise ConfigError(
                "--callable and --bam shrink a BED territory: give --targets BED with them, not a stated --territory-mb"
            )
        mb = territory_mb if territory_mb is not None else params.territory_mb
        if mb is None:
            raise ConfigError(
                "a territory is needed: --targets BED (measured), or --territory-mb X when only the "
                "panel's size is known"
            )
        if mb <= 0:
            raise ConfigError(f"--territory-mb must be > 0, got {mb:g}")
        return None, round(mb * 1e6), True
    if territory is None:
        territory = build_territory(targets, callable_bed, bam, min_bam_depth)  # type: ignore[arg-type]
    return territory, territory.bp, False


def _sample_id(requested: str | None, tumour: str, path: str) -> str:
    if requested:
        return requested
    if tumour and tumour not in TUMOUR_NAMES:
        return re.sub(r"[^\w.-]+", "_", tumour)
    return _SUFFIX.sub("", Path(path).name)


def _check_contigs(path: str, names: Sequence[str], territory: Territory, what: str) -> None:
    keys = {canonical_contig(c) for c in names}
    if keys and not keys & territory.contig_keys():
        raise InputError(
            path,
            f"no contig of the {what} matches the targets BED",
            where="contig names",
            hint=f"VCF has {', '.join(sorted(names)[:4])}; BED has {', '.join(sorted(territory.names.values())[:4])}; "
            "use a BED of the same genome build",
        )


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
    path = str(vcf)
    if drivers is not None:
        overrides = {**(overrides or {}), "exclude_hotspots": True, "hotspot_list": str(drivers)}
    params = resolve_params(preset, overrides, off)
    use_list = params.exclude_hotspots and params.hotspot_list
    hotspots = read_hotspot_list(params.hotspot_list) if use_list else Drivers()
    territory, territory_bp, stated = resolve_territory(
        targets, territory, territory_mb, params, callable_bed, bam, min_bam_depth
    )
    inputs = [path, *(str(p) for p in (targets, callable_bed, bam, params.hotspot_list) if p is not None)]
    hashed: list[dict[str, str]] = []
    hasher = threading.Thread(
        target=lambda: hashed.extend(_hash_inputs([p for p in inputs if os.path.isfile(p)], known_sha256))
    )

    is_vcf = path.lower().endswith((".vcf", ".vcf.gz", ".vcf.bgz", ".bcf"))
    maf = column_map is not None or (not is_vcf and is_maf(path))
    layout: VcfLayout | None = None
    if not maf:
        layout = read_layout(path, tumor_sample, caller, annotator)
        try:
            if territory is not None:
                _check_contigs(path, layout.contigs, territory, "VCF header")
            check_vcf_can_run(layout, params, hotspots)
        except InputError:
            layout.close()
            raise
    out = Path(out_dir) if out_dir is not None else None
    tumour = layout.tumour if layout else (tumor_sample or "")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=".tmb-", dir=out)) if out is not None else None
    try:
        handle = open(workdir / "variants.tsv", "w", encoding="utf-8", newline="") if workdir else None  # noqa: SIM115
        sink = Sink(handle, keep_variants)
        if handle is not None:
            handle.write("\t".join(VARIANT_COLUMNS) + "\n")
        vcf_tmp = workdir / "export.vcf.gz" if export_vcf and workdir is not None and not maf else None
        files = [p for p in inputs if os.path.isfile(p)]
        as_text = not maf and reads_as_text(path, vcf_tmp is not None)
        by_contig = not maf and not as_text and threads > 1 and vcf_tmp is None and layout.indexed and layout.contigs  # type: ignore[union-attr]
        try:
            if maf:
                hasher.start()
                tally, tumour = scan_table_one(
                    path, params, territory, sink, tumor_sample=tumor_sample, drivers=hotspots, column_map=column_map
                )
            elif as_text or by_contig:
                scan = scan_text if as_text else scan_by_contig
                if threads == 1:
                    hasher.start()
                tally, side = scan(
                    layout,  # type: ignore[arg-type]
                    params,
                    territory,
                    hotspots,
                    sink,
                    jobs=threads,
                    work_dir=workdir,
                    progress=progress,
                    side_task=partial(_hash_inputs, files, known_sha256) if threads > 1 else None,
                )
                hashed.extend(side or [])
            else:
                hasher.start()
                tally = scan_vcf(
                    layout,  # type: ignore[arg-type]
                    params,
                    territory,
                    sink,
                    hotspots=hotspots,
                    export_path=vcf_tmp,
                    progress=progress,
                )
        finally:
            if handle is not None:
                handle.close()
            if hasher.is_alive():
                hasher.join()
        if (
            territory is not None
            and tally.records
            and territory.contig_keys().isdisjoint(canonical_contig(c) for c in tally.contigs_seen)
        ):
            _check_contigs(path, sorted(tally.contigs_seen), territory, "records")
        warnings = check_after_scan(path, tally, params)
        if stated:
            warnings.insert(
                0,
                f"territory stated as {territory_bp / 1e6:g} Mb, not measured from a BED; variants "
                "are not restricted to a territory",
            )
        for note in warnings:
            log.info("%s: %s", Path(path).name, note)
        counted = tally.fates.get("counted", 0)
        tmb, low, high = tmb_with_ci(counted, territory_bp)
        result = TmbResult(
            sample=_sample_id(sample_id, tumour, path),
            tumor_sample=tumour,
            input_path=path,
            input_type=("table" if column_map is not None else "maf") if maf else "vcf",
            caller=layout.caller if layout else "maf",
            annotator=layout.annotator if layout else "maf",
            params=params,
            territory_bp=territory_bp,
            counted=counted,
            tmb_per_mb=tmb,
            ci95_low=low,
            ci95_high=high,
            fates={name: tally.fates.get(name, 0) for name in ("counted", *FILTER_ORDER)},
            records=tally.records,
            alleles=tally.alleles,
            provenance={
                "package": "nsclc-biomarker",
                "version": __version__,
                "parameters": params.as_dict(),
                "inputs": sorted(hashed, key=lambda h: inputs.index(h["path"])),
                "territory": {
                    "source": "stated" if stated else "bed",
                    "stated_mb": territory_bp / 1e6 if stated else None,
                    "callable_bed": callable_bed is not None,
                    "bam": bam is not None,
                    "min_bam_depth": min_bam_depth if bam is not None else None,
                },
            },
            warnings=warnings,
            territory_stated=stated,
            _rows=sink.rows,
        )
        if out is not None and workdir is not None:
            _publish(result, workdir, out, vcf_tmp)
        log.info("%s: %d counted over %.3f Mb -> %.2f mut/Mb", result.sample, counted, territory_bp / 1e6, tmb)
        return result
    finally:
        if layout is not None:
            layout.close()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


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
