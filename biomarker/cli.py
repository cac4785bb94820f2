"""The ``biomarker`` command: parses arguments, calls the library, prints. No logic of its own.

Heavy modules are imported inside the commands that need them, so ``biomarker --help`` starts fast.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from biomarker import __version__
from biomarker.errors import EXIT_INPUT, EXIT_INTERRUPTED, EXIT_SAMPLES_FAILED, BiomarkerError

app = typer.Typer(
    name="biomarker",
    help="Translational analysis of an anti-PD-1 NSCLC trial: TMB, PD-L1, TBNK, endpoints, models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn a :class:`BiomarkerError` into one line on stderr and exit code 2 (Ctrl-C: 130).

    The one line stays one line whatever the message holds (a file name with a newline, say).
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BiomarkerError as exc:
            typer.echo(f"biomarker: error: {' '.join(str(exc).splitlines())}", err=True)
            raise typer.Exit(EXIT_INPUT) from None
        except OSError as exc:
            if exc.filename is None or isinstance(exc, BrokenPipeError):
                raise  # not about a file the user named: a bug keeps its traceback
            # a file or folder the system refused (missing input, --out under a file, no permission, disk full)
            where = f"{exc.filename} -> {exc.filename2}" if exc.filename2 else str(exc.filename)
            problem = {FileExistsError: "a file is in the way where a folder is needed",
                       NotADirectoryError: "part of this path is a file, not a folder"}.get(type(exc), exc.strerror)
            typer.echo(f"biomarker: error: {where}: {problem or exc}; check the path and its permissions", err=True)
            raise typer.Exit(EXIT_INPUT) from None
        except KeyboardInterrupt:
            typer.echo("biomarker: interrupted; nothing half-written was kept", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"biomarker {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    """biomarker: TMB, PD-L1, TBNK, trial endpoints and response models."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


def _parse_sets(values: list[str]) -> dict[str, Any]:
    import yaml

    from biomarker.errors import ConfigError

    out: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {item!r}: write it as NAME=VALUE, e.g. --set min_vaf=0.1")
        out[key.strip()] = yaml.safe_load(raw)
    return out


#: Filters ``--off`` can switch off (kept equal to ``biomarker.tmb.params.SWITCHABLE`` by a test).
TMB_OFF_NAMES = ("filter", "vaf", "depth", "alt_depth", "population_af", "hotspot", "indel", "consequence")


@app.command()
@user_errors
def tmb(
    vcf: Annotated[Path, typer.Argument(help="Somatic calls of one tumour: VCF, VCF.gz, BCF, MAF, or a variant "
                                             "table with --columns.")],
    targets: Annotated[Path | None, typer.Option("--targets", "-t", help="Capture BED (0-based; overlaps "
                                                 "merged): the territory, measured.")] = None,
    territory_mb: Annotated[float | None, typer.Option("--territory-mb", help="No BED: the panel's size in Mb, "
                                                       "stated (not measured; variants not restricted).")] = None,
    preset: Annotated[str, typer.Option(help="wes | pytmb-wes | f1cdx | msk-impact | tso500 | maftools | "
                                             "FILE.yaml | all")] = "wes",
    tumor_sample: Annotated[str | None, typer.Option("--tumor-sample", help="Tumour sample column (VCF) or "
                                                     "Tumor_Sample_Barcode (MAF).")] = None,
    sample_id: Annotated[str | None, typer.Option("--sample-id", help="Name used for output files.")] = None,
    callable_bed: Annotated[Path | None, typer.Option("--callable", help="Callable-regions BED to intersect.")] = None,
    bam: Annotated[Path | None, typer.Option("--bam", help="Tumour BAM/CRAM: keep positions it covers.")] = None,
    min_depth: Annotated[int, typer.Option("--min-depth", help="With --bam: reads needed at a position.")] = 20,
    off: Annotated[list[str] | None, typer.Option("--off", help="Switch a filter off, repeatable: "
                                                  + ", ".join(TMB_OFF_NAMES) + ".")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="Override a preset value, NAME=VALUE "
                                                   "(e.g. min_vaf=0.1, tmb_high_min_count=16).")] = None,
    drivers: Annotated[Path | None, typer.Option("--drivers", help="Driver/hotspot list to remove: lines "
                                                 "'chrom pos ref alt' or 'GENE p.G12C'.")] = None,
    columns: Annotated[str | None, typer.Option("--columns", help="Read a plain variant table: column map "
                                                "name=COLUMN,... (chrom, pos, ref, alt, sample, vaf, depth, "
                                                "alt_depth, gene, protein, effect, filter, population_af) "
                                                "or a YAML file.")] = None,
    caller: Annotated[str | None, typer.Option(help="Override caller detection (mutect2, strelka2, varscan2, "
                                                     "muse, freebayes, ad).")] = None,
    annotator: Annotated[str | None, typer.Option(help="Override annotation detection (vep, snpeff, "
                                                        "funcotator, annovar, none).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder always written: SAMPLE.tmb.json and "
                                      "SAMPLE.variants.tsv.")] = Path("tmb_results"),
    export_vcf: Annotated[bool, typer.Option("--export-vcf", help="Also write SAMPLE.tmb.vcf.gz with a "
                                             "TMB_FILTER INFO tag.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Processes (indexed files split "
                                      "by contig).")] = 1,
    threads: Annotated[int | None, typer.Option("--threads", min=1, hidden=True,
                                                help="Deprecated: use --jobs.")] = None,
) -> None:
    """Tumour mutational burden of one tumour, with its exact 95% CI and why each variant counted or not."""
    from biomarker.cli_views import print_preset_table, print_tmb_summary, record_progress
    from biomarker.files import ensure_dir, safe_name
    from biomarker.tmb import PRESETS, compute_tmb, resolve_params, resolve_territory
    from biomarker.tmb.variant_table import read_column_map

    if threads is not None:
        typer.echo("biomarker: warning: --threads is deprecated; use -j/--jobs", err=True)
        jobs = threads
    if sample_id is not None:
        safe_name(sample_id, what="--sample-id")
    ensure_dir(out, "--out")
    overrides = _parse_sets(sets or [])
    territory, _, _ = resolve_territory(targets, None, territory_mb, resolve_params(
        "wes" if preset == "all" else preset, overrides, off or []), callable_bed, bam, min_depth)
    common: dict[str, Any] = {"overrides": overrides, "off": off or [], "tumor_sample": tumor_sample,
                              "sample_id": sample_id, "caller": caller, "annotator": annotator,
                              "territory": territory, "threads": jobs, "drivers": drivers,
                              "territory_mb": territory_mb, "column_map": read_column_map(columns) if columns
                              else None}
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
        result = compute_tmb(vcf, targets, preset, out_dir=out, export_vcf=export_vcf, progress=progress,
                             keep_variants=False,
                             callable_bed=callable_bed, bam=bam, min_bam_depth=min_depth, **common)
    print_tmb_summary(result)


@app.command("tmb-cohort")
@user_errors
def tmb_cohort(
    table: Annotated[Path, typer.Argument(help="A MAF (TCGA, cBioPortal, vcf2maf) or a variant table with "
                                               "--columns, holding many tumours.")],
    targets: Annotated[Path | None, typer.Option("--targets", "-t", help="Capture BED: the territory, "
                                                 "measured.")] = None,
    territory_mb: Annotated[float | None, typer.Option("--territory-mb", help="No BED: the panel's size in Mb, "
                                                       "stated (maftools preset: 50).")] = None,
    preset: Annotated[str, typer.Option(help="wes | pytmb-wes | f1cdx | msk-impact | tso500 | maftools | "
                                             "FILE.yaml")] = "maftools",
    columns: Annotated[str | None, typer.Option("--columns", help="Plain table: column map name=COLUMN,... "
                                                "or a YAML file (chrom, pos, ref, alt, sample required).")] = None,
    drivers: Annotated[Path | None, typer.Option("--drivers", help="Driver/hotspot list to remove.")] = None,
    off: Annotated[list[str] | None, typer.Option("--off", help="Switch a filter off, repeatable: "
                                                  + ", ".join(TMB_OFF_NAMES) + ".")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="Override a preset value, NAME=VALUE.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder always written: STEM.tmb.tsv, "
                                      "STEM.tmb_filter_audit.tsv, STEM.tmb.json.")] = Path("tmb_results"),
    store: Annotated[Path | None, typer.Option(help="Also upsert one row per tumour into this store.")] = None,
) -> None:
    """TMB of every tumour of a MAF or variant table, one row each, in one pass over the file."""
    from biomarker.cli_views import print_cohort_summary, record_progress
    from biomarker.tmb.cohort_result import compute_tmb_cohort
    from biomarker.tmb.variant_table import read_column_map

    with record_progress(table.name) as progress:
        result = compute_tmb_cohort(table, targets, preset, territory_mb=territory_mb,
                                    overrides=_parse_sets(sets or []), off=off or [], drivers=drivers,
                                    column_map=read_column_map(columns) if columns else None, progress=progress)
    stem = table.name.split(".")[0] or "cohort"
    paths = result.write(out, stem)
    if store is not None:
        from biomarker.store import Store

        with Store(store) as db:
            db.upsert_tmb_many(result.store_rows())
    print_cohort_summary(result, paths, store)


@app.command()
@user_errors
def endpoints(
    study_dir: Annotated[Path, typer.Argument(help="Study folder with clinical/ (SDTM CSV or XPT) or adam/.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the TSV tables and figures.")],
    no_figures: Annotated[bool, typer.Option("--no-figures", help="Tables only.")] = False,
    evaluator: Annotated[str | None, typer.Option(help="investigator (default, the protocol's primary) or "
                                                       "independent (accepted reads, RSACPTFL).")] = None,
    confirm_days: Annotated[int | None, typer.Option(help="CR/PR confirmation: days to the confirming scan "
                                                          "[28].")] = None,
    min_sd_days: Annotated[int | None, typer.Option(help="SD counts only this many days after first dose "
                                                         "[42].")] = None,
    max_ne_between: Annotated[int | None, typer.Option(help="NE assessments allowed between a response and its "
                                                            "confirmation [1].")] = None,
    cr_then_pr: Annotated[str | None, typer.Option(help="A CR followed by a PR: 'pr' (confirmed PR, RECIST 1.1) "
                                                        "or 'sd' (admiralonco) [pr].")] = None,
    baseline_window_days: Annotated[int | None, typer.Option(help="Baseline scan at most this many days before "
                                                                  "first dose [28].")] = None,
    partial_dates: Annotated[str | None, typer.Option(help="Partial-date imputation: first, mid, last or refuse "
                                                           "[first].")] = None,
    os_censor_at: Annotated[str | None, typer.Option(help="Alive subjects censored at the 'last_contact' "
                                                          "(LSTALVDT, default) or the data 'cutoff'.")] = None,
    cutoff: Annotated[str | None, typer.Option("--cutoff", help="Data cut-off YYYY-MM-DD (overrides "
                                                                "study.json).")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="Any endpoints: setting of study.yaml, "
                                                                 "NAME=VALUE; repeatable.")] = None,
) -> None:
    """Trial endpoints by RECIST 1.1 (iRECIST secondary): BOR, ORR/DCR/CBR, DoR, TTR, PFS, OS, safety and study
    tables, figures. Every rule is recorded in provenance.json."""
    from biomarker.cli_views import print_endpoint_summary
    from biomarker.clinical import EndpointConfig, run_endpoints

    given = {"evaluator": evaluator, "confirm_days": confirm_days, "min_sd_days": min_sd_days,
             "max_ne_between": max_ne_between, "cr_then_pr": cr_then_pr,
             "baseline_window_days": baseline_window_days, "partial_dates": partial_dates,
             "os_censor_at": os_censor_at, "data_cutoff": cutoff}
    mapping = {**_parse_sets(sets or []), **{k: v for k, v in given.items() if v is not None}}
    if no_figures:
        mapping["figures"] = False
    config = EndpointConfig.from_mapping(mapping)
    print_endpoint_summary(run_endpoints(study_dir, out, config), out)


@app.command()
@user_errors
def simulate(
    outdir: Annotated[Path, typer.Argument(help="Folder for the simulated study.")],
    patients: Annotated[int, typer.Option(min=1, help="Number of patients.")] = 50,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives byte-identical files.")] = 7,
    null: Annotated[bool, typer.Option("--null", help="Plant no biomarker signal at all.")] = False,
    fcs: Annotated[bool, typer.Option("--fcs", help="Also write raw FCS files per TBNK tube.")] = False,
    exome_mb: Annotated[float, typer.Option(help="Size of the synthetic capture in Mb.")] = 35.0,
    genomic: Annotated[bool, typer.Option(
        "--genomic", help="Plant SBS signatures and STK11/KEAP1 co-mutations; write a reference FASTA.")] = False,
) -> None:
    """Write a synthetic trial with known truth in the formats real tools and labs write."""
    from biomarker.cli_views import stage_progress
    from biomarker.simulate import simulate_study
    from biomarker.study import write_study_config

    with stage_progress("simulating") as progress:
        files = simulate_study(outdir, n_patients=patients, seed=seed, null=null, fcs=fcs, exome_mb=exome_mb,
                               progress=progress, genomic=genomic)
    config = write_study_config(outdir, fcs=fcs, genomic=genomic)
    typer.echo(f"{len(files.vcfs)} tumour VCFs, clinical, pathology and TBNK tables and truth in {outdir}; "
               f"run it with: biomarker run {config}")


@app.command("genomic")
@user_errors
def genomic_command(
    calls: Annotated[Path, typer.Argument(help="A samplesheet (.csv, as for batch) or one VCF/BCF/MAF.")],
    fasta: Annotated[Path, typer.Option(help="Reference FASTA the calls were made on (.fai beside it).")],
    targets: Annotated[Path | None, typer.Option(help="Capture BED (one input file; a samplesheet has its own).")
                       ] = None,
    usubjid: Annotated[str | None, typer.Option(help="Subject of a single input file.")] = None,
    variants: Annotated[str, typer.Option(
        help="SNVs used: 'counted' (those the TMB counts; needs the BED) or 'passing' (FILTER PASS).")] = "counted",
    preset: Annotated[str, typer.Option(help="TMB preset behind 'counted'.")] = "wes",
    signatures: Annotated[Path | None, typer.Option(
        help="COSMIC-format SBS96 matrix (TSV). Default: COSMIC from the optional SigProfilerAssignment.")] = None,
    cosmic_version: Annotated[str, typer.Option(help="Packaged COSMIC version (e.g. 3.4).")] = "3.4",
    genome: Annotated[str, typer.Option(help="Packaged COSMIC matrix genome build.")] = "GRCh38",
    exome: Annotated[bool, typer.Option("--exome", help="Packaged COSMIC exome-normalised matrix.")] = False,
    signature_set: Annotated[str, typer.Option(
        help="'lung' (SBS1,2,4,5,13,18,40), 'all', or comma-separated names.")] = "lung",
    min_snvs: Annotated[int, typer.Option(min=1, help="No exposures below this many SNVs.")] = 50,
    bootstrap: Annotated[int, typer.Option(min=0, help="Bootstrap catalogues for exposure CIs.")] = 200,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 7,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the TSVs and genomic.json.")] = Path("genomic"),
    store: Annotated[Path | None, typer.Option(help="Also write the tables into this DuckDB store.")] = None,
    comutation_rules: Annotated[Path | None, typer.Option(
        help="YAML changing the co-mutation flags (add/replace a flag; null removes one).")] = None,
) -> None:
    """Mutational signatures (SBS96 + NNLS), spectrum features and co-mutation flags per tumour."""
    from biomarker.genomic import GenomicConfig, GenomicSample, compute_genomic, samples_from_sheet
    from biomarker.genomic.comutations import DEFAULT_RULES, load_rules

    if calls.suffix.lower() == ".csv":
        samples = samples_from_sheet(calls)
    else:
        name = calls.name.split(".")[0]
        samples = [GenomicSample(usubjid or name, name, calls, targets)]
    sig_set: str | tuple[str, ...] = signature_set if signature_set in ("lung", "all") else tuple(
        s.strip() for s in signature_set.split(",") if s.strip())
    cfg = GenomicConfig(fasta=str(fasta), variant_set=variants, preset=preset,
                        signatures=None if signatures is None else str(signatures), cosmic_version=cosmic_version,
                        genome=genome, exome=exome, signature_set=sig_set, min_snvs=min_snvs, n_boot=bootstrap,
                        seed=seed,
                        rules=dict(DEFAULT_RULES) if comutation_rules is None else load_rules(comutation_rules))
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


@app.command()
@user_errors
def batch(
    samplesheet: Annotated[Path, typer.Argument(help="CSV with sample,vcf[,patient,bed,type,tumor_sample].")],
    targets: Annotated[Path | None, typer.Option("--targets", "-t", help="Capture BED for every sample "
                                                 "(else the samplesheet's bed column).")] = None,
    preset: Annotated[str, typer.Option(help="TMB preset or YAML file.")] = "wes",
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Parallel workers.")] = 1,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address (tcp://host:8786), or 'local' "
                                                  "for a Dask LocalCluster.")] = None,
    store: Annotated[Path, typer.Option(help="The cohort store (DuckDB file).")] = Path("study.duckdb"),
    out: Annotated[Path, typer.Option("--out", "-o", help="Per-sample JSON and variant tables, "
                                      "tmb_results.tsv and batch.log.")] = Path("tmb"),
    off: Annotated[list[str] | None, typer.Option("--off", help="Switch a filter off; repeatable.")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="Override a preset value, NAME=VALUE.")] = None,
    allow_failures: Annotated[bool, typer.Option("--allow-failures", help="Exit 0 even when some samples "
                                                 "failed (they are still listed on stderr).")] = False,
) -> None:
    """TMB for every tumour of a samplesheet, in parallel, into the store; re-runs do only what changed.

    Exit codes: 0 every sample ok (or --allow-failures); 2 bad input or settings, nothing run;
    3 the run finished but some samples failed (named on stderr); 130 interrupted.
    """
    from biomarker.batch import run_batch
    from biomarker.cli_views import print_tmb_table, stage_progress

    with stage_progress("TMB") as progress:
        summary = run_batch(samplesheet, store, out, preset, targets=targets, overrides=_parse_sets(sets or []),
                            off=off or [], jobs=jobs, scheduler=scheduler,
                            progress=lambda done, total, name: progress(f"TMB {name}", done, total))
    print_tmb_table(store)
    typer.echo(f"{summary}; store: {store}; log: {summary.log_path}")
    for sample, reason in summary.failed.items():
        typer.echo(f"biomarker: failed: {sample}: {' '.join(reason.splitlines())}", err=True)
    if summary.failed and not allow_failures:
        typer.echo(f"biomarker: error: {len(summary.failed)} sample(s) failed, listed above and in "
                   f"{summary.log_path}; the others are in the store (--allow-failures exits 0)", err=True)
        raise typer.Exit(EXIT_SAMPLES_FAILED)


def _write_table(frame: Any, out: Path) -> None:
    from biomarker.files import atomic_replace

    sep = "," if out.suffix.lower() == ".csv" else "\t"
    atomic_replace(out, lambda tmp: frame.to_csv(tmp, sep=sep, index=False))
    typer.echo(f"{len(frame)} rows: {out}")


def _out_dir(out: Path, default_name: str) -> Path:
    """``--out`` is a folder; a path ending in .tsv/.csv is still accepted for one release, with a warning."""
    if out.suffix.lower() in (".tsv", ".csv"):
        typer.echo(f"biomarker: warning: --out {out} names a file; --out is a folder now (writing {out} this "
                   f"once; use --out {out.parent} for {out.parent / default_name})", err=True)
        return out
    return out / default_name


@app.command()
@user_errors
def pdl1(
    table: Annotated[Path, typer.Argument(help="Pathology export (CSV/TSV/XLSX): PD-L1 scores and stromal TILs.")],
    mapping: Annotated[Path | None, typer.Option(help="YAML: column names and extra score spellings.")] = None,
    assay: Annotated[str | None, typer.Option(help="Keep one assay (22C3, 28-8, SP263, SP142).")] = None,
    sheet: Annotated[str, typer.Option(help="XLSX sheet name or index.")] = "0",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for pdl1.tsv and pdl1.provenance.json.")] = Path("."),
) -> None:
    """PD-L1 (TPS, CPS, IC; numeric or interval) and TILs per subject, as labs write them."""
    import json

    from biomarker.cli_views import print_counts
    from biomarker.files import atomic_replace
    from biomarker.steps import compute_pathology

    options = {"mapping": mapping, "assay": assay, "sheet": int(sheet) if sheet.isdigit() else sheet}
    result = compute_pathology(table, {k: v for k, v in options.items() if v is not None})
    frame = result.tables["pdl1"]
    print_counts(frame, "pdl1_category", "PD-L1 TPS category (not evaluable: blank)")
    target = _out_dir(out, "pdl1.tsv")
    _write_table(frame, target)
    text = json.dumps(result.provenance, indent=2, sort_keys=True, default=str) + "\n"
    atomic_replace(target.with_name(target.stem + ".provenance.json"), lambda p: p.write_text(text))


flow_app = typer.Typer(help="TBNK lymphocyte subsets: lab exports and raw FCS gating.", no_args_is_help=True)
app.add_typer(flow_app, name="flow")


def _flow_out(out: Path) -> tuple[Path, Path | None]:
    """``--out`` of the flow commands is a folder; a path ending in .tsv/.csv (the old meaning) still works for one
    release, with a deprecation warning: the table goes there and the rest beside it."""
    if out.suffix.lower() in (".tsv", ".csv"):
        typer.echo(f"biomarker: warning: --out {out} is a file name; --out is now a folder (tables, QC, gate plots): "
                   f"writing the table to {out} and the rest into {out.parent}. A file name will be refused in the "
                   "next release.", err=True)
        return out.parent, out
    return out, None


def _tbnk_features(result: Any, visits: list[str] | None, first_dose: Path | None, cbc: Path | None) -> None:
    from biomarker.flow.feature_inputs import read_cbc, read_first_dose

    if len(result.tables["tbnk"]):
        result.with_features(visits=_split(visits) or None,
                             first_dose=read_first_dose(first_dose) if first_dose is not None else None,
                             cbc=read_cbc(cbc) if cbc is not None else None)


def _write_tbnk(result: Any, out: Path, *, plots: str = "flagged") -> None:
    folder, legacy = _flow_out(out)
    written = result.write(folder, plots=plots)
    if legacy is not None:
        _write_table(result.tables["tbnk"], legacy)
    _print_tbnk(result, folder, written)


def _print_tbnk(result: Any, out: Path, written: dict[str, Path]) -> None:
    t = result.tables["tbnk"]
    flagged = int((t.qc_flags != "").sum())
    typer.echo(f"{len(t)} TBNK results ({flagged} flagged): {written['tbnk']}")
    status = result.tables.get("tbnk_tube_status")
    if status is not None:
        for row in status[status.status == "failed"].itertuples():
            typer.echo(f"failed: {row.file}: {row.reason}", err=True)
        plots = sum(1 for k in written if k.startswith("gate_plot:"))
        if plots:
            typer.echo(f"{plots} gate plot(s) of flagged tubes: {out / 'gate_plots'}")


@flow_app.command("ingest")
@user_errors
def flow_ingest(
    table: Annotated[Path, typer.Argument(help="TBNK lab export (FACSCanto, MultiSET, LB long table, or mapped).")],
    layout: Annotated[str | None, typer.Option(help="Force a layout instead of detecting it.")] = None,
    mapping: Annotated[Path | None, typer.Option(help="YAML mapping our fields to the export's columns.")] = None,
    manifest: Annotated[Path | None, typer.Option(help="CSV: file (sample id), subject, visit, date; for exports "
                                                       "without subject/visit columns.")] = None,
    lymphosum_tolerance: Annotated[float, typer.Option(help="QC: T+B+NK within 100 +/- this many points.")] = 10.0,
    cd4_cd8_margin: Annotated[float, typer.Option(help="QC: CD4+CD8 vs CD3 within this many points.")] = 10.0,
    visit: Annotated[list[str] | None, typer.Option("--visit", help="Visits of the wide feature table (repeat or "
                                                  "comma-separate; default: every visit).")] = None,
    first_dose: Annotated[Path | None, typer.Option(help="CSV usubjid, first_dose (or SDTM DM with RFSTDTC): the "
                                                    "baseline is the last sample on or before it.")] = None,
    cbc: Annotated[Path | None, typer.Option(help="CSV usubjid, visit, neutrophils, lymphocytes, unit: adds the "
                                             "neutrophil-to-lymphocyte ratio (nlr).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for tbnk.tsv, tbnk_qc.tsv, features.")] = Path(
        "tbnk"),
) -> None:
    """Read a TBNK export into one tidy row per subject and visit, with QC flags; also the change features."""
    from biomarker.cli_views import print_counts
    from biomarker.flow import QcRules, TbnkResult, qc_long, read_tbnk_export

    frame = read_tbnk_export(table, layout, mapping, QcRules(lymphosum_tolerance=lymphosum_tolerance,
                                                               cd4_cd8_margin=cd4_cd8_margin), manifest=manifest)
    print_counts(frame, "visit", "TBNK samples per visit")
    result = TbnkResult({"tbnk": frame, "tbnk_qc": qc_long(frame)}, frame.attrs["provenance"])
    _tbnk_features(result, visit, first_dose, cbc)
    _write_tbnk(result, out)


@flow_app.command("gate")
@user_errors
def flow_gate(
    fcs: Annotated[list[Path], typer.Argument(help="FCS files (or folders of them), one TBNK tube each.")],
    template: Annotated[Path | None, typer.Option(help="Gating-ML 2.0 template (default: the shipped "
                                                   "6-colour TBNK template).")] = None,
    beads: Annotated[float | None, typer.Option("--beads", help="Trucount beads per test (kit lot).")] = None,
    volume: Annotated[float | None, typer.Option(help="Sample volume in uL (else from the FCS keyword).")] = None,
    manifest: Annotated[Path | None, typer.Option(help="CSV: file, subject, visit, date (else the tubes' "
                                                       "PATIENT ID / VISIT keywords).")] = None,
    workspace: Annotated[Path | None, typer.Option(help="A FlowJo workspace to take the gates from.")] = None,
    fixed_gates: Annotated[bool, typer.Option("--fixed-gates", help="Count at the template's positions instead "
                                              "of fitting them to each tube (the fit still runs, as QC).")] = False,
    min_beads: Annotated[int, typer.Option(help="QC: fewer bead events withhold absolute counts.")] = 1000,
    ignore_offset_error: Annotated[bool, typer.Option(help="Accept FCS files with inconsistent offsets.")] = False,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="A tube that cannot be gated gets its reason in "
                                           "tbnk_tube_status.tsv, the others go on; exit code 3 if any "
                                           "failed.")] = False,
    plots: Annotated[str, typer.Option(help="Gate plots: flagged, all or none.")] = "flagged",
    visit: Annotated[list[str] | None, typer.Option("--visit", help="Visits of the wide feature table (repeat or "
                                                  "comma-separate; default: every visit).")] = None,
    first_dose: Annotated[Path | None, typer.Option(help="CSV usubjid, first_dose (or SDTM DM with RFSTDTC): the "
                                                    "baseline is the last sample on or before it.")] = None,
    cbc: Annotated[Path | None, typer.Option(help="CSV usubjid, visit, neutrophils, lymphocytes, unit: adds the "
                                             "neutrophil-to-lymphocyte ratio (nlr).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for tbnk.tsv, tbnk_qc.tsv, "
                                                          "tbnk_tube_status.tsv, tbnk_gates.tsv, gate_plots/.")] = Path(
        "tbnk_gated"),
) -> None:
    """Gate raw TBNK FCS files (compensation, logicle, gates fitted per tube, QC) into the table of a lab export."""
    from biomarker.cli_views import print_counts, stage_progress
    from biomarker.errors import ConfigError
    from biomarker.flow import QcRules
    from biomarker.flow.tubes import gate_tubes, settings_from

    if plots not in ("flagged", "all", "none"):
        raise ConfigError(f"--plots must be flagged, all or none, not {plots!r}")
    settings = settings_from(template, manifest, beads_per_test=beads, sample_volume_ul=volume,
                             ignore_offset_error=ignore_offset_error, adaptive=not fixed_gates,
                             qc=QcRules(min_bead_events=min_beads))
    with stage_progress("gating") as progress:
        result = gate_tubes(fcs, settings, workspace=workspace, on_error="skip" if skip_bad else "raise",
                            progress=lambda done, total, name: progress(f"gating {name}", done, total))
    if len(result.tables["tbnk"]):
        print_counts(result.tables["tbnk"], "visit", "gated tubes per visit")
    _tbnk_features(result, visit, first_dose, cbc)
    _write_tbnk(result, out, plots=plots)
    failed = int((result.tables["tbnk_tube_status"].status == "failed").sum())
    if failed:
        typer.echo(f"biomarker: {failed} tube(s) failed (see tbnk_tube_status.tsv); exit code 3", err=True)
        raise typer.Exit(3)


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _groups(values: list[str] | None) -> dict[str, float | None]:
    from biomarker.errors import ConfigError

    out: dict[str, float | None] = {}
    for item in values or []:
        name, sep, cut = item.partition("=")
        try:
            out[name.strip()] = float(cut) if sep else None
        except ValueError:
            raise ConfigError(f"--group {item}: write COLUMN=NUMBER for a pre-specified cut-off, or COLUMN for "
                              "a categorical column") from None
    return out


@app.command()
@user_errors
def model(
    table: Annotated[Path, typer.Argument(help="The study store `biomarker run` wrote (results/study.duckdb, its "
                                            "study.yaml or folder), or a patient table (CSV/TSV, one row per "
                                            "patient).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for tables, figures and report.json.")],
    outcome: Annotated[str, typer.Option(help="Binary outcome column (study: response, response_investigator, "
                                              "disease_control, dcb).")] = "response",
    features: Annotated[list[str] | None, typer.Option(help="Candidate predictors, comma-separated (study "
                                                       "default: the pre-specified set).")] = None,
    id_col: Annotated[str, typer.Option("--id", help="Patient identifier column.")] = "USUBJID",
    positive: Annotated[str | None, typer.Option(help="Values of a text outcome that count as events, e.g. "
                                                      "CR,PR.")] = None,
    time: Annotated[list[str] | None, typer.Option(help="Time-to-event column(s), e.g. pfs_months.")] = None,
    event: Annotated[list[str] | None, typer.Option(help="Event column(s), matching --time.")] = None,
    group: Annotated[list[str] | None, typer.Option(help="Pre-specified survival groups: COLUMN=CUTOFF or a "
                                                         "categorical COLUMN; repeatable.")] = None,
    change: Annotated[str | None, typer.Option(help="Best % change column for Spearman correlations.")] = None,
    models: Annotated[list[str] | None, typer.Option(help="Model families (logistic_l2, elastic_net, "
                                                          "random_forest, hist_gradient_boosting).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    repeats: Annotated[int, typer.Option(help="Repeats of the stratified 5-fold CV.")] = 10,
    permutations: Annotated[int, typer.Option(help="Permutations (each refits the whole pipeline).")] = 100,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Parallel workers.")] = 1,
) -> None:
    """Does a biomarker predict response? Univariable tests, survival by group, cross-validated models."""
    from biomarker.cli_views import print_model_summary
    from biomarker.models import run_models, run_study_models

    options: dict[str, Any] = {"seed": seed, "n_repeats": repeats, "n_permutations": permutations, "n_jobs": jobs}
    if models:
        options["models"] = _split(models)
    if table.is_dir() or table.suffix in (".duckdb", ".yaml", ".yml"):
        from biomarker.api import Study

        result = run_study_models(Study.open(table).store_path, out, outcome=outcome,
                                  features=_split(features) or None, **options)
    else:
        if not features:
            from biomarker.errors import ConfigError

            raise ConfigError("--features is needed for a patient table, e.g. --features tmb,pdl1_tps")
        result = run_models(table, outcome, _split(features), id_col=id_col, time=_split(time) or None,
                            event=_split(event) or None, out_dir=out, groups=_groups(group) or None, change=change,
                            positive=_split([positive]) if positive else None, **options)
    print_model_summary(result.summary, out)


@app.command("run")
@user_errors
def run_study_command(
    config: Annotated[Path, typer.Argument(help="study.yaml naming the inputs (paths relative to it).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Results folder (store, tables, report); "
                                             "default: the config's out.")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Parallel workers (default: the "
                                             "config's jobs).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Recompute every step, even those whose inputs did "
                                        "not change.")] = False,
    allow_failures: Annotated[bool, typer.Option("--allow-failures", help="Exit 0 even when some TMB samples, "
                                                 "FCS tubes or tumours' genomic features failed (they are still "
                                                 "listed on stderr).")] = False,
) -> None:
    """Everything end to end: TMB batch, PD-L1, TBNK, genomic features, endpoints, patient table, models and
    report.html; the run is logged to OUT/run.log.

    Exit codes: 0 every input ok (or --allow-failures); 2 bad input or settings, nothing run; 3 the run finished
    but some TMB samples, FCS tubes or tumours' genomic features failed (named on stderr and in the report);
    130 interrupted.
    """
    from biomarker.api import Study
    from biomarker.cli_views import print_endpoint_table, print_run_summary, stage_progress

    study = Study.from_config(config, out=out, jobs=jobs)
    with stage_progress("study") as progress:
        summary = study.run(progress=progress, force=force, command=" ".join(["biomarker", *sys.argv[1:]]))
    print_endpoint_table(study.store_path)
    print_run_summary(summary)
    for line in summary.failure_lines(allow_failures):
        typer.echo(line, err=True)
    if summary.exit_code(allow_failures):
        raise typer.Exit(summary.exit_code(allow_failures))


@app.command()
@user_errors
def report(
    store: Annotated[Path, typer.Argument(help="The cohort store (DuckDB file).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path("report.html"),
    title: Annotated[str, typer.Option(help="Report title.")] = "biomarker study report",
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print it to PDF beside the HTML (needs Chromium).")] = False,
) -> None:
    """One self-contained HTML report (figures and table TSVs embedded) of everything in the store, in the order
    of a clinical study report."""
    from biomarker.report import build_report

    path = build_report(store, out, title=title, pdf=pdf)
    typer.echo(f"report: {path}")
    if pdf:
        typer.echo(f"pdf: {path.with_suffix('.pdf')}")


@app.command()
@user_errors
def demo(
    outdir: Annotated[Path, typer.Argument(help="Folder for the demo study and its results.")] = Path("demo"),
    patients: Annotated[int, typer.Option(min=1, help="Number of patients.")] = 50,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Parallel TMB workers.")] = 2,
    genomic: Annotated[bool, typer.Option("--genomic", help="Also plant signatures and co-mutations and run the "
                                          "genomic step (the report's signature panel); adds about a minute: the "
                                          "reference FASTA of the whole capture is written.")] = False,
) -> None:
    """Simulate the demo study and run it end to end (what `biomarker run` does on real data)."""
    from biomarker.api import Study
    from biomarker.cli_views import print_endpoint_table, print_run_summary, print_tmb_table, stage_progress
    from biomarker.simulate import simulate_study
    from biomarker.study import load_config, write_demo_config

    with stage_progress("simulating") as progress:
        files = simulate_study(outdir / "study", n_patients=patients, seed=seed, progress=progress, genomic=genomic)
    config = load_config(write_demo_config(outdir, jobs, genomic=genomic))
    with stage_progress("study") as progress:
        summary = Study(config.store_path, config).run(progress=progress,
                                                       command=" ".join(["biomarker", *sys.argv[1:]]))
    print_tmb_table(config.store_path, files.truth_samples)
    print_endpoint_table(config.store_path)
    print_run_summary(summary)


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
