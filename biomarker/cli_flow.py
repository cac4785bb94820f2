"""The ``biomarker flow`` commands: ``ingest`` (a TBNK lab export) and ``gate`` (raw FCS tubes). The sub-app
is added to the main app by :mod:`biomarker.cli`; FlowKit and pandas are imported inside the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from biomarker.cli_common import split_values as _split
from biomarker.cli_common import user_errors
from biomarker.cli_common import write_table_echo as _write_table

flow_app = typer.Typer(help="TBNK lymphocyte subsets: lab exports and raw FCS gating.", no_args_is_help=True)

# The feature options both commands take (one spelling, one help text).
VisitsOption = Annotated[
    list[str] | None,
    typer.Option("--visit", help="Visits of the wide feature table (repeat or comma-separate; default: every visit)."),
]
FirstDoseOption = Annotated[
    Path | None,
    typer.Option(
        help="CSV usubjid, first_dose (or SDTM DM with RFSTDTC): the baseline is the last sample on or before it."
    ),
]
CbcOption = Annotated[
    Path | None,
    typer.Option(
        help="CSV usubjid, visit, neutrophils, lymphocytes, unit: adds the neutrophil-to-lymphocyte ratio (nlr)."
    ),
]


def _flow_out(out: Path) -> tuple[Path, Path | None]:
    """``--out`` of the flow commands is a folder; a path ending in .tsv/.csv (the old meaning) still works for one
    release, with a deprecation warning: the table goes there and the rest beside it."""
    if out.suffix.lower() in (".tsv", ".csv"):
        typer.echo(
            f"biomarker: warning: --out {out} is a file name; --out is now a folder (tables, QC, gate plots): "
            f"writing the table to {out} and the rest into {out.parent}. A file name will be refused in the "
            "next release.",
            err=True,
        )
        return out.parent, out
    return out, None


def _tbnk_features(result: Any, visits: list[str] | None, first_dose: Path | None, cbc: Path | None) -> None:
    from biomarker.flow.feature_inputs import read_cbc, read_first_dose

    if len(result.tables["tbnk"]):
        result.with_features(
            visits=_split(visits) or None,
            first_dose=read_first_dose(first_dose) if first_dose is not None else None,
            cbc=read_cbc(cbc) if cbc is not None else None,
        )


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
    manifest: Annotated[
        Path | None,
        typer.Option(help="CSV: file (sample id), subject, visit, date; for exports without subject/visit columns."),
    ] = None,
    lymphosum_tolerance: Annotated[float, typer.Option(help="QC: T+B+NK within 100 +/- this many points.")] = 10.0,
    cd4_cd8_margin: Annotated[float, typer.Option(help="QC: CD4+CD8 vs CD3 within this many points.")] = 10.0,
    visit: VisitsOption = None,
    first_dose: FirstDoseOption = None,
    cbc: CbcOption = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for tbnk.tsv, tbnk_qc.tsv, features.")] = Path(
        "tbnk"
    ),
) -> None:
    """Read a TBNK export into one tidy row per subject and visit, with QC flags; also the change features."""
    from biomarker.cli_views import print_counts
    from biomarker.flow import QcRules, TbnkResult, qc_long, read_tbnk_export

    frame = read_tbnk_export(
        table,
        layout,
        mapping,
        QcRules(lymphosum_tolerance=lymphosum_tolerance, cd4_cd8_margin=cd4_cd8_margin),
        manifest=manifest,
    )
    print_counts(frame, "visit", "TBNK samples per visit")
    result = TbnkResult({"tbnk": frame, "tbnk_qc": qc_long(frame)}, frame.attrs["provenance"])
    _tbnk_features(result, visit, first_dose, cbc)
    _write_tbnk(result, out)


@flow_app.command("gate")
@user_errors
def flow_gate(
    fcs: Annotated[list[Path], typer.Argument(help="FCS files (or folders of them), one TBNK tube each.")],
    template: Annotated[
        Path | None, typer.Option(help="Gating-ML 2.0 template (default: the shipped 6-colour TBNK template).")
    ] = None,
    beads: Annotated[float | None, typer.Option("--beads", help="Trucount beads per test (kit lot).")] = None,
    volume: Annotated[float | None, typer.Option(help="Sample volume in uL (else from the FCS keyword).")] = None,
    manifest: Annotated[
        Path | None, typer.Option(help="CSV: file, subject, visit, date (else the tubes' PATIENT ID / VISIT keywords).")
    ] = None,
    workspace: Annotated[Path | None, typer.Option(help="A FlowJo workspace to take the gates from.")] = None,
    fixed_gates: Annotated[
        bool,
        typer.Option(
            "--fixed-gates",
            help="Count at the template's positions instead of fitting them to each tube (the fit still runs, as QC).",
        ),
    ] = False,
    min_beads: Annotated[int, typer.Option(help="QC: fewer bead events withhold absolute counts.")] = 1000,
    ignore_offset_error: Annotated[bool, typer.Option(help="Accept FCS files with inconsistent offsets.")] = False,
    skip_bad: Annotated[
        bool,
        typer.Option(
            "--skip-bad",
            help="A tube that cannot be gated gets its reason in "
            "tbnk_tube_status.tsv, the others go on; exit code 3 if any "
            "failed.",
        ),
    ] = False,
    plots: Annotated[str, typer.Option(help="Gate plots: flagged, all or none.")] = "flagged",
    visit: VisitsOption = None,
    first_dose: FirstDoseOption = None,
    cbc: CbcOption = None,
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="Folder for tbnk.tsv, tbnk_qc.tsv, tbnk_tube_status.tsv, tbnk_gates.tsv, gate_plots/."
        ),
    ] = Path("tbnk_gated"),
) -> None:
    """Gate raw TBNK FCS files (compensation, logicle, gates fitted per tube, QC) into the table of a lab export."""
    from biomarker.cli_views import print_counts, stage_progress
    from biomarker.errors import ConfigError
    from biomarker.flow import QcRules
    from biomarker.flow.tubes import gate_tubes, settings_from

    if plots not in ("flagged", "all", "none"):
        raise ConfigError(f"--plots must be flagged, all or none, not {plots!r}")
    settings = settings_from(
        template,
        manifest,
        beads_per_test=beads,
        sample_volume_ul=volume,
        ignore_offset_error=ignore_offset_error,
        adaptive=not fixed_gates,
        qc=QcRules(min_bead_events=min_beads),
    )
    with stage_progress("gating") as progress:
        result = gate_tubes(
            fcs,
            settings,
            workspace=workspace,
            on_error="skip" if skip_bad else "raise",
            progress=lambda done, total, name: progress(f"gating {name}", done, total),
        )
    if len(result.tables["tbnk"]):
        print_counts(result.tables["tbnk"], "visit", "gated tubes per visit")
    _tbnk_features(result, visit, first_dose, cbc)
    _write_tbnk(result, out, plots=plots)
    failed = int((result.tables["tbnk_tube_status"].status == "failed").sum())
    if failed:
        typer.echo(f"biomarker: {failed} tube(s) failed (see tbnk_tube_status.tsv); exit code 3", err=True)
        raise typer.Exit(3)
