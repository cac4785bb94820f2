"""The ``biomarker model`` command: does a biomarker predict response? Registered on the app by
:mod:`biomarker.cli`; scikit-learn and the models are imported inside the command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from biomarker.cli_common import split_values as _split
from biomarker.cli_common import user_errors


def _groups(values: list[str] | None) -> dict[str, float | None]:
    from biomarker.errors import ConfigError

    out: dict[str, float | None] = {}
    for item in values or []:
        name, sep, cut = item.partition("=")
        try:
            out[name.strip()] = float(cut) if sep else None
        except ValueError:
            raise ConfigError(
                f"--group {item}: write COLUMN=NUMBER for a pre-specified cut-off, or COLUMN for a categorical column"
            ) from None
    return out


@user_errors
def model(
    table: Annotated[
        Path,
        typer.Argument(
            help="The study store `biomarker run` wrote (results/study.duckdb, its "
            "study.yaml or folder), or a patient table (CSV/TSV, one row per "
            "patient)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for tables, figures and report.json.")],
    outcome: Annotated[
        str | None,
        typer.Option(help="Binary outcome column (study: response, response_investigator, disease_control, dcb)."),
    ] = None,
    features: Annotated[
        list[str] | None,
        typer.Option(help="Candidate predictors, comma-separated (study default: the pre-specified baseline set)."),
    ] = None,
    id_col: Annotated[str | None, typer.Option("--id", help="Patient identifier column [usubjid].")] = None,
    positive: Annotated[
        str | None, typer.Option(help="Values of a text outcome that count as events, e.g. CR,PR.")
    ] = None,
    time: Annotated[list[str] | None, typer.Option(help="Time-to-event column(s), e.g. pfs_months.")] = None,
    event: Annotated[list[str] | None, typer.Option(help="Event column(s), matching --time.")] = None,
    group: Annotated[
        list[str] | None,
        typer.Option(help="Pre-specified survival groups: COLUMN=CUTOFF or a categorical COLUMN; repeatable."),
    ] = None,
    change: Annotated[str | None, typer.Option(help="Best % change column for Spearman correlations.")] = None,
    models: Annotated[
        list[str] | None,
        typer.Option(help="Model families (logistic_l2, elastic_net, random_forest, hist_gradient_boosting)."),
    ] = None,
    landmark: Annotated[
        str | None,
        typer.Option(help="Landmark analysis from this visit (C2D1) or month, allowing on-treatment features."),
    ] = None,
    spec_file: Annotated[
        Path | None,
        typer.Option("--spec", help="YAML with a models: block (ModelSpec fields); options given here win."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed [7].")] = None,
    repeats: Annotated[int | None, typer.Option(help="Repeats of the stratified 5-fold CV.")] = None,
    permutations: Annotated[int | None, typer.Option(help="Permutations (each refits the whole pipeline).")] = None,
    refit_bootstrap: Annotated[
        int | None, typer.Option(help="Bootstrap resamples for the AUC interval (each cross-validated afresh).")
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=0, help="Worker processes (0: $BIOMARKER_JOBS when set, else all cores)."),
    ] = None,
) -> None:
    """Does a biomarker predict response? Univariable tests, survival by group, cross-validated models."""
    from biomarker.cli_views import model_progress, print_model_summary
    from biomarker.models import ModelSpec, run_models, run_study_models

    given = {
        "outcome": outcome,
        "features": _split(features) or None,
        "id_col": id_col,
        "change": change,
        "positive": _split([positive]) if positive else None,
        "time": _split(time) or None,
        "event": _split(event) or None,
        "groups": _groups(group) or None,
        "models": _split(models) or None,
        "landmark": float(landmark) if landmark and landmark.replace(".", "", 1).isdigit() else landmark,
        "seed": seed,
        "n_repeats": repeats,
        "n_permutations": permutations,
        "n_refit_bootstrap": refit_bootstrap,
        "n_jobs": jobs,
    }
    fields = ModelSpec.read_yaml_block(spec_file) if spec_file else {}
    fields.update({k: v for k, v in given.items() if v is not None})
    with model_progress() as progress:
        if table.is_dir() or table.suffix in (".duckdb", ".yaml", ".yml"):
            from biomarker.api import Study

            result = run_study_models(Study.open(table).store_path, out, progress=progress, **fields)
        else:
            if not fields.get("features"):
                from biomarker.errors import ConfigError

                raise ConfigError("--features is needed for a patient table, e.g. --features tmb,pdl1_tps")
            result = run_models(table, ModelSpec.from_mapping(fields), out_dir=out, progress=progress)
    print_model_summary(result, out)
