"""The TMB commands of ``biomarker``: ``tmb`` (one tumour), ``tmb-cohort`` (one MAF or table), ``genomic``
(signatures and co-mutations) and ``batch`` (a samplesheet into the store). Registered on the app by
:mod:`biomarker.cli`; heavy modules are imported inside the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from biomarker.cli_common import parse_sets as _parse_sets
from biomarker.cli_common import user_errors
from biomarker.errors import EXIT_SAMPLES_FAILED

#: Filters ``--off`` can switch off (kept equal to ``biomarker.tmb.params.SWITCHABLE`` by a test).
TMB_OFF_NAMES = ("filter", "vaf", "depth", "alt_depth", "population_af", "hotspot", "indel", "consequence")


@user_errors
def tmb(
    vcf: Annotated[
        Path,
        typer.Argument(help="Somatic calls of one tumour: VCF, VCF.gz, BCF, MAF, or a variant table with --columns."),
    ],
    targets: Annotated[
        Path | None,
        typer.Option("--targets", "-t", help="Capture BED (0-based; overlaps merged): the territory, measured."),
    ] = None,
    territory_mb: Annotated[
        float | None,
        typer.Option(
            "--territory-mb", help="No BED: the panel's size in Mb, stated (not measured; variants not restricted)."
        ),
    ] = None,
    preset: Annotated[
        str, typer.Option(help="wes | pytmb-wes | f1cdx | msk-impact | tso500 | maftools | FILE.yaml | all")
    ] = "wes",
    tumor_sample: Annotated[
        str | None, typer.Option("--tumor-sample", help="Tumour sample column (VCF) or Tumor_Sample_Barcode (MAF).")
    ] = None,
    sample_id: Annotated[str | None, typer.Option("--sample-id", help="Name used for output files.")] = None,
    callable_bed: Annotated[Path | None, typer.Option("--callable", help="Callable-regions BED to intersect.")] = None,
    bam: Annotated[Path | None, typer.Option("--bam", help="Tumour BAM/CRAM: keep positions it covers.")] = None,
    min_depth: Annotated[int, typer.Option("--min-depth", help="With --bam: reads needed at a position.")] = 20,
    off: Annotated[
        list[str] | None,
        typer.Option("--off", help="Switch a filter off, repeatable: " + ", ".join(TMB_OFF_NAMES) + "."),
    ] = None,
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a preset value, NAME=VALUE (e.g. min_vaf=0.1, tmb_high_min_count=16)."),
    ] = None,
    drivers: Annotated[
        Path | None,
        typer.Option("--drivers", help="Driver/hotspot list to remove: lines 'chrom pos ref alt' or 'GENE p.G12C'."),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="Read a plain variant table: column map "
            "name=COLUMN,... (chrom, pos, ref, alt, sample, vaf, depth, "
            "alt_depth, gene, protein, effect, filter, population_af) "
            "or a YAML file.",
        ),
    ] = None,
    caller: Annotated[
        str | None, typer.Option(help="Override caller detection (mutect2, strelka2, varscan2, muse, freebayes, ad).")
    ] = None,
    annotator: Annotated[
        str | None, typer.Option(help="Override annotation detection (vep, snpeff, funcotator, annovar, none).")
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder always written: SAMPLE.tmb.json and SAMPLE.variants.tsv.")
    ] = Path("tmb_results"),
    export_vcf: Annotated[
        bool, typer.Option("--export-vcf", help="Also write SAMPLE.tmb.vcf.gz with a TMB_FILTER INFO tag.")
    ] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Processes (indexed files split by contig).")] = 1,
    threads: Annotated[
        int | None, typer.Option("--threads", min=1, hidden=True, help="Deprecated: use --jobs.")
    ] = None,
) -> None:
    """Tumour mutational burden of one tumour, with its exact 95% CI and why each variant counted or not."""
    from biomarker.cli_views import print_preset_table, print_tmb_summary, record_progress
    from biomarker.files import ensure_dir, safe_name
    from biomarker.tmb import PRESETS, compute_tmb, resolve_params, resolve_territory
    from biomarker.tmb.plain_table import read_column_map

    if threads is not None:
        typer.echo("biomarker: warning: --threads is deprecated; use -j/--jobs", err=True)
        jobs = threads
    if sample_id is not None:
        safe_name(sample_id, what="--sample-id")
    ensure_dir(out, "--out")
    overrides = _parse_sets(sets or [])
    territory, _, _ = resolve_territory(
        targets,
        None,
        territory_mb,
        resolve_params("wes" if preset == "all" else preset, overrides, off or []),
        callable_bed,
        bam,
        min_depth,
    )
    common: dict[str, Any] = {
        "overrides": overrides,
        "off": off or [],
        "tumor_sample": tumor_sample,
        "sample_id": sample_id,
        "caller": caller,
        "annotator": annotator,
        "territory": territory,
        "threads": jobs,
        "drivers": drivers,
        "territory_mb": territory_mb,
        "column_map": read_column_map(columns) if columns else None,
    }
    if preset == "all":
        from biomarker.errors import BiomarkerError

        results: list[Any] = []
        for name in PRESETS:
            with record_progress(f"{vcf.name} [{name}]") as progress:
                try:
                    results.append(compute_tmb(vcf, targets, name, progress=progress, keep_variants=False, **common))
                except BiomarkerError as exc:  # one preset refusing the file (e.g. no COSMIC counts) is a row
                    results.append((name, str(exc)))
        out.mkdir(parents=True, exist_ok=True)
        print_preset_table(results, out)
        return
    with record_progress(vcf.name) as progress:
        result = compute_tmb(
            vcf,
            targets,
            preset,
            out_dir=out,
            export_vcf=export_vcf,
            progress=progress,
            keep_variants=False,
            callable_bed=callable_bed,
            bam=bam,
            min_bam_depth=min_depth,
            **common,
        )
    print_tmb_summary(result)


@user_errors
def tmb_cohort(
    table: Annotated[
        Path,
        typer.Argument(
            help="A MAF (TCGA, cBioPortal, vcf2maf) or a variant table with --columns, holding many tumours."
        ),
    ],
    targets: Annotated[
        Path | None, typer.Option("--targets", "-t", help="Capture BED: the territory, measured.")
    ] = None,
    territory_mb: Annotated[
        float | None,
        typer.Option("--territory-mb", help="No BED: the panel's size in Mb, stated (maftools preset: 50)."),
    ] = None,
    preset: Annotated[
        str, typer.Option(help="wes | pytmb-wes | f1cdx | msk-impact | tso500 | maftools | FILE.yaml")
    ] = "maftools",
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="Plain table: column map name=COLUMN,... or a YAML file (chrom, pos, ref, alt, sample required).",
        ),
    ] = None,
    drivers: Annotated[Path | None, typer.Option("--drivers", help="Driver/hotspot list to remove.")] = None,
    off: Annotated[
        list[str] | None,
        typer.Option("--off", help="Switch a filter off, repeatable: " + ", ".join(TMB_OFF_NAMES) + "."),
    ] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="Override a preset value, NAME=VALUE.")] = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder always written: STEM.tmb.tsv, STEM.tmb_filter_audit.tsv, STEM.tmb.json."
        ),
    ] = Path("tmb_results"),
    store: Annotated[Path | None, typer.Option(help="Also upsert one row per tumour into this store.")] = None,
) -> None:
    """TMB of every tumour of a MAF or variant table, one row each, in one pass over the file."""
    from biomarker.cli_views import print_cohort_summary, record_progress
    from biomarker.tmb.cohort_result import compute_tmb_cohort
    from biomarker.tmb.plain_table import read_column_map

    with record_progress(table.name) as progress:
        result = compute_tmb_cohort(
            table,
            targets,
            preset,
            territory_mb=territory_mb,
            overrides=_parse_sets(sets or []),
            off=off or [],
            drivers=drivers,
            column_map=read_column_map(columns) if columns else None,
            progress=progress,
        )
    stem = table.name.split(".")[0] or "cohort"
    paths = result.write(out, stem)
    if store is not None:
        from biomarker.store import Store

        with Store(store) as db:
            db.upsert_tmb_many(result.store_rows())
    print_cohort_summary(result, paths, store)


@user_errors
def genomic_command(
    calls: Annotated[Path, typer.Argument(help="A samplesheet (.csv, as for batch) or one VCF/BCF/MAF.")],
    fasta: Annotated[Path, typer.Option(help="Reference FASTA the calls were made on (.fai beside it).")],
    targets: Annotated[
        Path | None, typer.Option(help="Capture BED (one input file; a samplesheet has its own).")
    ] = None,
    usubjid: Annotated[str | None, typer.Option(help="Subject of a single input file.")] = None,
    variants: Annotated[
        str, typer.Option(help="SNVs used: 'counted' (those the TMB counts; needs the BED) or 'passing' (FILTER PASS).")
    ] = "counted",
    preset: Annotated[str, typer.Option(help="TMB preset behind 'counted'.")] = "wes",
    signatures: Annotated[
        Path | None,
        typer.Option(help="COSMIC-format SBS96 matrix (TSV). Default: COSMIC from the optional SigProfilerAssignment."),
    ] = None,
    cosmic_version: Annotated[str, typer.Option(help="Packaged COSMIC version (e.g. 3.4).")] = "3.4",
    genome: Annotated[str, typer.Option(help="Packaged COSMIC matrix genome build.")] = "GRCh38",
    exome: Annotated[bool, typer.Option("--exome", help="Packaged COSMIC exome-normalised matrix.")] = False,
    signature_set: Annotated[
        str, typer.Option(help="'lung' (SBS1,2,4,5,13,18,40), 'all', or comma-separated names.")
    ] = "lung",
    min_snvs: Annotated[int, typer.Option(min=1, help="No exposures below this many SNVs.")] = 50,
    bootstrap: Annotated[int, typer.Option(min=0, help="Bootstrap catalogues for exposure CIs.")] = 200,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 7,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the TSVs and genomic.json.")] = Path("genomic"),
    store: Annotated[Path | None, typer.Option(help="Also write the tables into this DuckDB store.")] = None,
    comutation_rules: Annotated[
        Path | None, typer.Option(help="YAML changing the co-mutation flags (add/replace a flag; null removes one).")
    ] = None,
) -> None:
    """Mutational signatures (SBS96 + NNLS), spectrum features and co-mutation flags per tumour."""
    from biomarker.genomic import GenomicConfig, GenomicSample, compute_genomic, samples_from_sheet
    from biomarker.genomic.comutations import DEFAULT_RULES, load_rules

    if calls.suffix.lower() == ".csv":
        samples = samples_from_sheet(calls)
    else:
        name = calls.name.split(".")[0]
        samples = [GenomicSample(usubjid or name, name, calls, targets)]
    sig_set: str | tuple[str, ...] = (
        signature_set
        if signature_set in ("lung", "all")
        else tuple(s.strip() for s in signature_set.split(",") if s.strip())
    )
    cfg = GenomicConfig(
        fasta=str(fasta),
        variant_set=variants,
        preset=preset,
        signatures=None if signatures is None else str(signatures),
        cosmic_version=cosmic_version,
        genome=genome,
        exome=exome,
        signature_set=sig_set,
        min_snvs=min_snvs,
        n_boot=bootstrap,
        seed=seed,
        rules=dict(DEFAULT_RULES) if comutation_rules is None else load_rules(comutation_rules),
    )
    from biomarker.cli_views import stage_progress

    with stage_progress("catalogues") as progress:
        result = compute_genomic(samples, cfg, progress=lambda done, total: progress("catalogues", done, total))
    for msg in result.warnings:
        typer.echo(f"biomarker: warning: {msg}", err=True)
    result.write(out)
    typer.echo(result.summary.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    if store is not None:
        from biomarker.genomic.store import store_genomic

        store_genomic(result, store)
    typer.echo(f"{len(samples)} tumour(s): tables and genomic.json in {out}" + (f"; store {store}" if store else ""))


@user_errors
def batch(
    samplesheet: Annotated[Path, typer.Argument(help="CSV with sample,vcf[,patient,bed,type,tumor_sample].")],
    targets: Annotated[
        Path | None,
        typer.Option("--targets", "-t", help="Capture BED for every sample (else the samplesheet's bed column)."),
    ] = None,
    preset: Annotated[str, typer.Option(help="TMB preset or YAML file.")] = "wes",
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Parallel workers.")] = 1,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (tcp://host:8786), or 'local' for a Dask LocalCluster.")
    ] = None,
    store: Annotated[Path, typer.Option(help="The cohort store (DuckDB file).")] = Path("study.duckdb"),
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Per-sample JSON and variant tables, tmb_results.tsv and batch.log.")
    ] = Path("tmb"),
    off: Annotated[list[str] | None, typer.Option("--off", help="Switch a filter off; repeatable.")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="Override a preset value, NAME=VALUE.")] = None,
    allow_failures: Annotated[
        bool,
        typer.Option(
            "--allow-failures", help="Exit 0 even when some samples failed (they are still listed on stderr)."
        ),
    ] = False,
) -> None:
    """TMB for every tumour of a samplesheet, in parallel, into the store; re-runs do only what changed.

    Exit codes: 0 every sample ok (or --allow-failures); 2 bad input or settings, nothing run;
    3 the run finished but some samples failed (named on stderr); 130 interrupted.
    """
    from biomarker.batch import run_batch
    from biomarker.cli_views import print_tmb_table, stage_progress

    with stage_progress("TMB") as progress:
        summary = run_batch(
            samplesheet,
            store,
            out,
            preset,
            targets=targets,
            overrides=_parse_sets(sets or []),
            off=off or [],
            jobs=jobs,
            scheduler=scheduler,
            progress=lambda done, total, name: progress(f"TMB {name}", done, total),
        )
    print_tmb_table(store)
    typer.echo(f"{summary}; store: {store}; log: {summary.log_path}")
    for sample, reason in summary.failed.items():
        typer.echo(f"biomarker: failed: {sample}: {' '.join(reason.splitlines())}", err=True)
    if summary.failed and not allow_failures:
        typer.echo(
            f"biomarker: error: {len(summary.failed)} sample(s) failed, listed above and in "
            f"{summary.log_path}; the others are in the store (--allow-failures exits 0)",
            err=True,
        )
        raise typer.Exit(EXIT_SAMPLES_FAILED)
