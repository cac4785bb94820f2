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
from biomarker.errors import BiomarkerError

app = typer.Typer(
    name="biomarker",
    help="Translational analysis of an anti-PD-1 NSCLC trial: TMB, PD-L1, TBNK, endpoints, models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn a :class:`BiomarkerError` into one line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BiomarkerError as exc:
            typer.echo(f"biomarker: error: {exc}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("biomarker: interrupted; nothing half-written was kept", err=True)
            raise typer.Exit(130) from None

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


@app.command()
@user_errors
def tmb(
    vcf: Annotated[Path, typer.Argument(help="Somatic calls: VCF, VCF.gz, BCF or MAF.")],
    targets: Annotated[Path, typer.Option("--targets", "-t", help="Capture BED (0-based; overlaps merged).")],
    preset: Annotated[str, typer.Option(help="wes | pytmb-wes | f1cdx | msk-impact | tso500 | FILE.yaml | "
                                             "all")] = "wes",
    tumor_sample: Annotated[str | None, typer.Option("--tumor-sample", help="Tumour sample column.")] = None,
    sample_id: Annotated[str | None, typer.Option("--sample-id", help="Name used for output files.")] = None,
    callable_bed: Annotated[Path | None, typer.Option("--callable", help="Callable-regions BED to intersect.")] = None,
    bam: Annotated[Path | None, typer.Option("--bam", help="Tumour BAM/CRAM: keep positions it covers.")] = None,
    min_depth: Annotated[int, typer.Option("--min-depth", help="With --bam: reads needed at a position.")] = 20,
    off: Annotated[list[str] | None, typer.Option("--off", help="Switch a filter off (vaf, depth, alt_depth, "
                                                   "population_af, filter, hotspot, indel); repeatable.")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="Override a preset value, NAME=VALUE.")] = None,
    caller: Annotated[str | None, typer.Option(help="Override caller detection (mutect2, strelka2, varscan2, "
                                                     "muse, freebayes, ad).")] = None,
    annotator: Annotated[str | None, typer.Option(help="Override annotation detection (vep, snpeff, "
                                                        "funcotator, annovar, none).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write SAMPLE.tmb.json and "
                                             "SAMPLE.variants.tsv here.")] = None,
    export_vcf: Annotated[bool, typer.Option("--export-vcf", help="Also write SAMPLE.tmb.vcf.gz with a "
                                             "TMB_FILTER INFO tag.")] = False,
    threads: Annotated[int, typer.Option("--threads", "-j", min=1, help="Processes (indexed files split "
                                         "by contig).")] = 1,
) -> None:
    """Tumour mutational burden of one tumour, with its exact 95% CI and why each variant counted or not."""
    from biomarker.cli_views import print_preset_table, print_tmb_summary, record_progress
    from biomarker.tmb import PRESETS, build_territory, compute_tmb

    overrides = _parse_sets(sets or [])
    territory = build_territory(targets, callable_bed, bam, min_depth)
    common: dict[str, Any] = {"overrides": overrides, "off": off or [], "tumor_sample": tumor_sample,
                              "sample_id": sample_id, "caller": caller, "annotator": annotator,
                              "territory": territory, "threads": threads}
    if preset == "all":
        results = []
        for name in PRESETS:
            with record_progress(f"{vcf.name} [{name}]") as progress:
                results.append(compute_tmb(vcf, targets, name, progress=progress, keep_variants=False, **common))
        print_preset_table(results, out)
        return
    with record_progress(vcf.name) as progress:
        result = compute_tmb(vcf, targets, preset, out_dir=out, export_vcf=export_vcf, progress=progress,
                             keep_variants=False,
                             callable_bed=callable_bed, bam=bam, min_bam_depth=min_depth, **common)
    print_tmb_summary(result)


@app.command()
@user_errors
def endpoints(
    study_dir: Annotated[Path, typer.Argument(help="Study folder with clinical/ (SDTM CSV or XPT) or adam/.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the TSV tables and figures.")],
    no_figures: Annotated[bool, typer.Option("--no-figures", help="Tables only.")] = False,
    confirm_days: Annotated[int, typer.Option(help="CR/PR confirmation: days to the confirming scan.")] = 28,
    min_sd_days: Annotated[int, typer.Option(help="SD counts only this many days after first dose.")] = 42,
    max_ne_between: Annotated[int, typer.Option(help="NE assessments allowed between a response and its "
                                                     "confirmation.")] = 1,
    os_censor_at: Annotated[str, typer.Option(help="Alive subjects censored at the data 'cutoff' or "
                                                   "'last_contact'.")] = "cutoff",
) -> None:
    """Trial endpoints by RECIST 1.1: BOR, ORR/DCR, DoR, TTR, PFS, OS, landmark rates, safety tables, figures."""
    from biomarker.cli_views import print_endpoint_summary
    from biomarker.clinical import BorRules, EndpointConfig, run_endpoints

    config = EndpointConfig(
        bor=BorRules(min_confirm_days=confirm_days, min_sd_days=min_sd_days, max_ne_between=max_ne_between),
        os_censor_at=os_censor_at, figures=not no_figures,
    )
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
) -> None:
    """Write a synthetic trial with known truth in the formats real tools and labs write."""
    from biomarker.cli_views import stage_progress
    from biomarker.simulate import simulate_study

    with stage_progress("simulating") as progress:
        files = simulate_study(outdir, n_patients=patients, seed=seed, null=null, fcs=fcs, exome_mb=exome_mb,
                               progress=progress)
    typer.echo(f"{len(files.vcfs)} tumour VCFs, clinical, pathology and TBNK tables and truth in {outdir}")


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
    out: Annotated[Path, typer.Option("--out", "-o", help="Per-sample JSON and variant tables.")] = Path("tmb"),
    off: Annotated[list[str] | None, typer.Option("--off", help="Switch a filter off; repeatable.")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="Override a preset value, NAME=VALUE.")] = None,
) -> None:
    """TMB for every tumour of a samplesheet, in parallel, into the store; re-runs do only what changed."""
    from biomarker.batch import run_batch
    from biomarker.cli_views import print_tmb_table, stage_progress

    with stage_progress("TMB") as progress:
        summary = run_batch(samplesheet, store, out, preset, targets=targets, overrides=_parse_sets(sets or []),
                            off=off or [], jobs=jobs, scheduler=scheduler,
                            progress=lambda done, total, name: progress(f"TMB {name}", done, total))
    print_tmb_table(store)
    typer.echo(f"{summary}; store: {store}")
    if summary.failed and not summary.computed and not summary.skipped:
        raise typer.Exit(1)


def _write_table(frame: Any, out: Path) -> None:
    from biomarker.files import atomic_replace

    sep = "," if out.suffix.lower() == ".csv" else "\t"
    atomic_replace(out, lambda tmp: frame.to_csv(tmp, sep=sep, index=False))
    typer.echo(f"{len(frame)} rows: {out}")


@app.command()
@user_errors
def pdl1(
    table: Annotated[Path, typer.Argument(help="Pathology export (CSV/TSV/XLSX): PD-L1 scores and stromal TILs.")],
    mapping: Annotated[Path | None, typer.Option(help="YAML: column names and extra score spellings.")] = None,
    assay: Annotated[str | None, typer.Option(help="Keep one assay (22C3, 28-8, SP263, SP142).")] = None,
    sheet: Annotated[str, typer.Option(help="XLSX sheet name or index.")] = "0",
    out: Annotated[Path, typer.Option("--out", "-o", help="Tidy table to write (.tsv or .csv).")] = Path("pdl1.tsv"),
) -> None:
    """PD-L1 (TPS, CPS, IC; numeric or interval) and TILs per subject, as labs write them."""
    from biomarker.cli_views import print_counts
    from biomarker.ihc import read_pathology

    frame = read_pathology(table, mapping, assay=assay, sheet=int(sheet) if sheet.isdigit() else sheet)
    print_counts(frame, "pdl1_category", "PD-L1 TPS category (not evaluable: blank)")
    _write_table(frame, out)


flow_app = typer.Typer(help="TBNK lymphocyte subsets: lab exports and raw FCS gating.", no_args_is_help=True)
app.add_typer(flow_app, name="flow")


@flow_app.command("ingest")
@user_errors
def flow_ingest(
    table: Annotated[Path, typer.Argument(help="TBNK lab export (FACSCanto, MultiSET, LB long table, or mapped).")],
    layout: Annotated[str | None, typer.Option(help="Force a layout instead of detecting it.")] = None,
    mapping: Annotated[Path | None, typer.Option(help="YAML mapping our fields to the export's columns.")] = None,
    lymphosum_tolerance: Annotated[float, typer.Option(help="QC: T+B+NK within 100 +/- this many points.")] = 10.0,
    cd4_cd8_margin: Annotated[float, typer.Option(help="QC: CD4+CD8 may exceed CD3 by this many points.")] = 10.0,
    out: Annotated[Path, typer.Option("--out", "-o", help="Tidy table to write.")] = Path("tbnk.tsv"),
) -> None:
    """Read a TBNK export into one tidy row per subject and visit, with QC flags; also the change features."""
    from biomarker.cli_views import print_counts
    from biomarker.flow import QcRules, read_tbnk_export, tbnk_features

    frame = read_tbnk_export(table, layout, mapping, QcRules(lymphosum_tolerance=lymphosum_tolerance,
                                                               cd4_cd8_margin=cd4_cd8_margin))
    print_counts(frame, "visit", "TBNK samples per visit")
    _write_table(frame, out)
    long, _wide = tbnk_features(frame)
    _write_table(long, out.with_name(out.stem + ".features" + out.suffix))


@flow_app.command("gate")
@user_errors
def flow_gate(
    fcs: Annotated[list[Path], typer.Argument(help="FCS files (or folders of them), one TBNK tube each.")],
    template: Annotated[Path | None, typer.Option(help="Gating-ML 2.0 template (default: the shipped "
                                                   "6-colour TBNK template).")] = None,
    beads: Annotated[float | None, typer.Option("--beads", help="Trucount beads per test (kit lot).")] = None,
    volume: Annotated[float | None, typer.Option(help="Sample volume in uL (else from the FCS keyword).")] = None,
    workspace: Annotated[Path | None, typer.Option(help="A FlowJo workspace to take the gates from.")] = None,
    ignore_offset_error: Annotated[bool, typer.Option(help="Accept FCS files with inconsistent offsets.")] = False,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Report a bad file and go on.")] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="Tidy table to write.")] = Path("tbnk_gated.tsv"),
) -> None:
    """Gate raw TBNK FCS files (compensation, logicle, Gating-ML) into the same table as a lab export."""
    from biomarker.cli_views import print_counts, stage_progress
    from biomarker.flow import gate_fcs

    with stage_progress("gating") as progress:
        frame = gate_fcs(fcs, template, beads, sample_volume_ul=volume, workspace=workspace,
                         ignore_offset_error=ignore_offset_error, on_error="skip" if skip_bad else "raise",
                         progress=lambda done, total, name: progress(f"gating {name}", done, total))
    print_counts(frame, "visit", "gated tubes per visit")
    _write_table(frame, out)


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
    table: Annotated[Path, typer.Argument(help="Patient table (CSV/TSV, one row per patient) or a study folder.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for tables, figures and report.json.")],
    outcome: Annotated[str | None, typer.Option(help="Binary outcome column (study: response, "
                                                     "response_investigator, disease_control, dcb).")] = None,
    features: Annotated[list[str] | None, typer.Option(help="Candidate predictors, comma-separated (study "
                                                       "default: the pre-specified baseline set).")] = None,
    id_col: Annotated[str | None, typer.Option("--id", help="Patient identifier column [usubjid].")] = None,
    positive: Annotated[str | None, typer.Option(help="Values of a text outcome that count as events, e.g. "
                                                      "CR,PR.")] = None,
    time: Annotated[list[str] | None, typer.Option(help="Time-to-event column(s), e.g. pfs_months.")] = None,
    event: Annotated[list[str] | None, typer.Option(help="Event column(s), matching --time.")] = None,
    group: Annotated[list[str] | None, typer.Option(help="Pre-specified survival groups: COLUMN=CUTOFF or a "
                                                         "categorical COLUMN; repeatable.")] = None,
    change: Annotated[str | None, typer.Option(help="Best % change column for Spearman correlations.")] = None,
    models: Annotated[list[str] | None, typer.Option(help="Model families (logistic_l2, elastic_net, "
                                                          "random_forest, hist_gradient_boosting).")] = None,
    landmark: Annotated[str | None, typer.Option(help="Landmark analysis from this visit (C2D1) or month, "
                                                      "allowing on-treatment features.")] = None,
    spec_file: Annotated[Path | None, typer.Option("--spec", help="YAML with a models: block (ModelSpec "
                                                                  "fields); options given here win.")] = None,
    tmb_store: Annotated[Path | None, typer.Option(help="Study folder only: TMB from this store.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed [7].")] = None,
    repeats: Annotated[int | None, typer.Option(help="Repeats of the stratified 5-fold CV.")] = None,
    permutations: Annotated[int | None, typer.Option(help="Permutations (each refits the whole pipeline).")] = None,
    refit_bootstrap: Annotated[int | None, typer.Option(help="Bootstrap resamples for the AUC interval (each "
                                                             "cross-validated afresh).")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=0, help="Worker processes (0: all cores).")] = None,
) -> None:
    """Does a biomarker predict response? Univariable tests, survival by group, cross-validated models."""
    from biomarker.cli_views import model_progress, print_model_summary
    from biomarker.models import ModelSpec, run_models, run_study_models

    given = {"outcome": outcome, "features": _split(features) or None, "id_col": id_col, "change": change,
             "positive": _split([positive]) if positive else None, "time": _split(time) or None,
             "event": _split(event) or None, "groups": _groups(group) or None, "models": _split(models) or None,
             "landmark": float(landmark) if landmark and landmark.replace(".", "", 1).isdigit() else landmark,
             "seed": seed, "n_repeats": repeats, "n_permutations": permutations,
             "n_refit_bootstrap": refit_bootstrap, "n_jobs": jobs}
    fields = ModelSpec.read_yaml_block(spec_file) if spec_file else {}
    fields.update({k: v for k, v in given.items() if v is not None})
    with model_progress() as progress:
        if table.is_dir():
            result = run_study_models(table, out, tmb_table=tmb_store, progress=progress, **fields)
        else:
            if not fields.get("features"):
                from biomarker.errors import ConfigError

                raise ConfigError("--features is needed for a patient table, e.g. --features tmb,pdl1_tps")
            result = run_models(table, ModelSpec.from_mapping(fields), out_dir=out, progress=progress)
    print_model_summary(result, out)


@app.command("run")
@user_errors
def run_study_command(
    config: Annotated[Path, typer.Argument(help="study.yaml naming the inputs (paths relative to it).")],
) -> None:
    """Everything end to end: TMB batch, PD-L1, TBNK, endpoints, models, figures and report.html."""
    from biomarker.cli_views import stage_progress
    from biomarker.study import load_config, run_study

    with stage_progress("study") as progress:
        report = run_study(load_config(config), progress=progress)
    typer.echo(f"report: {report}")


@app.command()
@user_errors
def report(
    store: Annotated[Path, typer.Argument(help="The cohort store (DuckDB file).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path("report.html"),
    title: Annotated[str, typer.Option(help="Report title.")] = "biomarker study report",
) -> None:
    """One self-contained HTML report (figures embedded) of everything in the store."""
    from biomarker.report import build_report

    typer.echo(f"report: {build_report(store, out, title=title)}")


@app.command()
@user_errors
def demo(
    outdir: Annotated[Path, typer.Argument(help="Folder for the demo study and its results.")] = Path("demo"),
    patients: Annotated[int, typer.Option(min=1, help="Number of patients.")] = 50,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Parallel TMB workers.")] = 2,
) -> None:
    """Simulate the demo study and run it end to end (what `biomarker run` does on real data)."""
    from biomarker.cli_views import print_endpoint_table, print_tmb_table, stage_progress
    from biomarker.simulate import simulate_study
    from biomarker.study import load_config, run_study, write_demo_config

    with stage_progress("simulating") as progress:
        files = simulate_study(outdir / "study", n_patients=patients, seed=seed, progress=progress)
    config = load_config(write_demo_config(outdir, jobs))
    with stage_progress("study") as progress:
        report_path = run_study(config, progress=progress)
    print_tmb_table(config.store_path, files.truth_samples)
    print_endpoint_table(config.store_path)
    typer.echo(f"report: {report_path}")


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
