"""The ``biomarker`` command: parses arguments, calls the library, prints. No logic of its own.

Heavy modules are imported inside the commands that need them, so ``biomarker --help`` starts fast.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from biomarker import __version__
from biomarker.cli_common import parse_sets as _parse_sets
from biomarker.cli_common import user_errors
from biomarker.cli_common import write_table_echo as _write_table
from biomarker.cli_flow import flow_app
from biomarker.cli_model import model
from biomarker.cli_tmb import TMB_OFF_NAMES, batch, genomic_command, tmb, tmb_cohort  # noqa: F401 (re-exported)

app = typer.Typer(
    name="biomarker",
    help="Translational analysis of an anti-PD-1 NSCLC trial: TMB, PD-L1, TBNK, endpoints, models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# The commands of one domain live in their own module (cli_tmb, cli_flow, cli_model); they are registered here, in the
# order ``biomarker --help`` lists them.


def _version(value: bool) -> None:
    if value:
        typer.echo(f"biomarker {__version__}")
        raise typer.Exit()


def _log_to_stderr(ctx: typer.Context, level: int) -> None:
    """What the library logs goes to stderr as ``LEVEL logger: message`` while the command runs.

    A handler of the command's own on the root logger, removed (and the root level restored) when the command
    ends, rather than ``logging.basicConfig``, which does nothing when the root logger has a handler already (a
    host process, a test running the app in-process) and would leave its handler behind after the command.
    """
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    previous = root.level
    root.addHandler(handler)
    root.setLevel(level)

    def restore() -> None:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.flush()

    ctx.call_on_close(restore)


@app.callback()
def main(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    """biomarker: TMB, PD-L1, TBNK, trial endpoints and response models."""
    _log_to_stderr(ctx, logging.INFO if verbose else logging.WARNING)


app.command()(tmb)
app.command("tmb-cohort")(tmb_cohort)


@app.command()
@user_errors
def endpoints(
    study_dir: Annotated[Path, typer.Argument(help="Study folder with clinical/ (SDTM CSV or XPT) or adam/.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the TSV tables and figures.")],
    no_figures: Annotated[bool, typer.Option("--no-figures", help="Tables only.")] = False,
    evaluator: Annotated[
        str | None,
        typer.Option(help="investigator (default, the protocol's primary) or independent (accepted reads, RSACPTFL)."),
    ] = None,
    confirm_days: Annotated[
        int | None, typer.Option(help="CR/PR confirmation: days to the confirming scan [28].")
    ] = None,
    min_sd_days: Annotated[
        int | None, typer.Option(help="SD counts only this many days after first dose [42].")
    ] = None,
    max_ne_between: Annotated[
        int | None, typer.Option(help="NE assessments allowed between a response and its confirmation [1].")
    ] = None,
    cr_then_pr: Annotated[
        str | None,
        typer.Option(help="A CR followed by a PR: 'pr' (confirmed PR, RECIST 1.1) or 'sd' (admiralonco) [pr]."),
    ] = None,
    baseline_window_days: Annotated[
        int | None, typer.Option(help="Baseline scan at most this many days before first dose [28].")
    ] = None,
    partial_dates: Annotated[
        str | None, typer.Option(help="Partial-date imputation: first, mid, last or refuse [first].")
    ] = None,
    os_censor_at: Annotated[
        str | None,
        typer.Option(help="Alive subjects censored at the 'last_contact' (LSTALVDT, default) or the data 'cutoff'."),
    ] = None,
    cutoff: Annotated[
        str | None, typer.Option("--cutoff", help="Data cut-off YYYY-MM-DD (overrides study.json).")
    ] = None,
    sets: Annotated[
        list[str] | None, typer.Option("--set", help="Any endpoints: setting of study.yaml, NAME=VALUE; repeatable.")
    ] = None,
) -> None:
    """Trial endpoints by RECIST 1.1 (iRECIST secondary): BOR, ORR/DCR/CBR, DoR, TTR, PFS, OS, safety and study
    tables, figures. Every rule is recorded in provenance.json."""
    from biomarker.cli_views import print_endpoint_summary
    from biomarker.clinical import EndpointConfig, run_endpoints

    given = {
        "evaluator": evaluator,
        "confirm_days": confirm_days,
        "min_sd_days": min_sd_days,
        "max_ne_between": max_ne_between,
        "cr_then_pr": cr_then_pr,
        "baseline_window_days": baseline_window_days,
        "partial_dates": partial_dates,
        "os_censor_at": os_censor_at,
        "data_cutoff": cutoff,
    }
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
    genomic: Annotated[
        bool,
        typer.Option("--genomic", help="Plant SBS signatures and STK11/KEAP1 co-mutations; write a reference FASTA."),
    ] = False,
) -> None:
    """Write a synthetic trial with known truth in the formats real tools and labs write."""
    from biomarker.cli_views import stage_progress
    from biomarker.simulate import simulate_study
    from biomarker.study import write_study_config

    with stage_progress("simulating") as progress:
        files = simulate_study(
            outdir,
            n_patients=patients,
            seed=seed,
            null=null,
            fcs=fcs,
            exome_mb=exome_mb,
            progress=progress,
            genomic=genomic,
        )
    config = write_study_config(outdir, fcs=fcs, genomic=genomic)
    typer.echo(
        f"{len(files.vcfs)} tumour VCFs, clinical, pathology and TBNK tables and truth in {outdir}; "
        f"run it with: biomarker run {config}"
    )


app.command("genomic")(genomic_command)
app.command()(batch)


def _out_dir(out: Path, default_name: str) -> Path:
    """``--out`` is a folder; a path ending in .tsv/.csv is still accepted for one release, with a warning."""
    if out.suffix.lower() in (".tsv", ".csv"):
        typer.echo(
            f"biomarker: warning: --out {out} names a file; --out is a folder now (writing {out} this "
            f"once; use --out {out.parent} for {out.parent / default_name})",
            err=True,
        )
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


app.add_typer(flow_app, name="flow")
app.command()(model)


@app.command("run")
@user_errors
def run_study_command(
    config: Annotated[Path, typer.Argument(help="study.yaml naming the inputs (paths relative to it).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Results folder (store, tables, report); default: the config's out."),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Parallel workers (default: the config's jobs).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Recompute every step, even those whose inputs did not change.")
    ] = False,
    allow_failures: Annotated[
        bool,
        typer.Option(
            "--allow-failures",
            help="Exit 0 even when some TMB samples, "
            "FCS tubes or tumours' genomic features failed (they are still "
            "listed on stderr).",
        ),
    ] = False,
    no_report: Annotated[
        bool,
        typer.Option(
            "--no-report",
            help="Stop before report.html (the store holds everything; `biomarker report` builds it later).",
        ),
    ] = False,
) -> None:
    """Everything end to end: TMB batch, PD-L1, TBNK, genomic features, endpoints, patient table, models and
    report.html; the run is logged to OUT/run.log.

    Exit codes: 0 every input ok (or --allow-failures); 2 bad input or settings, nothing run; 3 the run finished
    but some TMB samples, FCS tubes or tumours' genomic features failed (named on stderr and in the report);
    130 interrupted.
    """
    from biomarker.api import Study
    from biomarker.cli_views import print_endpoint_table, print_run_summary, stage_progress

    study = Study.from_config(config, out=out, jobs=jobs, report=False if no_report else None)
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
    genomic: Annotated[
        bool,
        typer.Option(
            "--genomic",
            help="Also plant signatures and co-mutations and run the "
            "genomic step (the report's signature panel); adds about a minute: the "
            "reference FASTA of the whole capture is written.",
        ),
    ] = False,
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
        summary = Study(config.store_path, config).run(
            progress=progress, command=" ".join(["biomarker", *sys.argv[1:]])
        )
    print_tmb_table(config.store_path, files.truth_samples)
    print_endpoint_table(config.store_path)
    print_run_summary(summary)


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
