"""What the CLI prints: rich tables and progress. Presentation only; the numbers come from the library."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from biomarker.files import atomic_write, output_path

if TYPE_CHECKING:
    from biomarker.tmb import TmbResult

console = Console()
err_console = Console(stderr=True)


@contextlib.contextmanager
def record_progress(label: str) -> Iterator[Callable[[int], None]]:
    """A transient spinner on stderr counting records; yields the callback the engine calls.

    Off a terminal (pipelines, CI) nothing is drawn and rich's progress machinery is not even imported.
    """
    if not err_console.is_terminal:
        yield lambda n: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} records"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=None)
        yield lambda n: progress.update(task, completed=n)


def print_tmb_summary(result: TmbResult) -> None:
    """One screen: TMB with CI and call, territory, counts removed by each filter, output files."""
    high = "[bold red]TMB-high[/]" if result.tmb_high else "TMB-low"
    console.print(
        f"[bold]{result.sample}[/] ({result.input_type}, caller {result.caller}, annotation "
        f"{result.annotator}, preset [bold]{result.params.name}[/])"
    )
    console.print(
        f"TMB [bold]{result.tmb_per_mb:.2f}[/] mut/Mb (95% CI {result.ci95_low:.2f}-{result.ci95_high:.2f}, "
        f"exact Poisson): {high} at >= {result.params.tmb_high_cutoff:g}"
    )
    console.print(
        f"{result.counted} counted variants over {result.territory_mb:.4f} Mb "
        f"({result.territory_bp:,} bp); {result.records:,} records, {result.alleles:,} ALT alleles"
    )
    for note in getattr(result, "warnings", []):
        err_console.print(f"[bold yellow]warning:[/] {note}")
    table = Table(title="ALT alleles removed, by the first filter that failed", show_header=True)
    table.add_column("filter")
    table.add_column("removed", justify="right")
    for name, n in result.removed_by().items():
        table.add_row(name, f"{n:,}")
    table.add_row("[bold]counted[/]", f"[bold]{result.counted:,}[/]")
    console.print(table)
    for label, path in (("variants", result.variants_path), ("result", result.json_path), ("vcf", result.vcf_path)):
        if path is not None:
            console.print(f"{label}: {path}")


def print_preset_table(results: list[TmbResult | tuple[str, str]], out: Path | None) -> None:
    """One row per preset for the same tumour (a preset that refused the file: its reason); also
    ``SAMPLE.presets.tsv`` under ``out``."""
    columns = ("preset", "counted", "territory_mb", "tmb_per_mb", "ci95_low", "ci95_high", "tmb_high", "note")
    rows = [
        (r[0], "", "", "", "", "", "", "refused: " + r[1].split("; ")[0][-90:])
        if isinstance(r, tuple)
        else (
            r.params.name,
            str(r.counted),
            f"{r.territory_mb:.4f}",
            f"{r.tmb_per_mb:.3f}",
            f"{r.ci95_low:.3f}",
            f"{r.ci95_high:.3f}",
            str(r.tmb_high),
            "; ".join(r.warnings),
        )
        for r in results
    ]
    done = [r for r in results if not isinstance(r, tuple)]
    if not done:
        from biomarker.errors import ConfigError

        raise ConfigError("every preset refused the file: " + results[0][1])  # type: ignore[index]
    sample = done[0].sample
    table = Table(title=f"{sample}: TMB by preset")
    for c in columns:
        table.add_column(c, justify="left" if c == "preset" else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if out is not None:
        path = output_path(out, results[0].sample, ".presets.tsv")  # never outside out
        with atomic_write(path) as fh:
            fh.write("\t".join(columns) + "\n" + "".join("\t".join(r) + "\n" for r in rows))
        console.print(f"table: {path}")


def print_cohort_summary(result: object, paths: dict[str, Path], store: Path | None) -> None:
    """A cohort TMB run: tumours, failures, median TMB, TMB-high count, warnings and where the files went."""
    frame = result.per_tumour  # type: ignore[attr-defined]
    ok = frame[frame["status"] == "ok"]
    console.print(
        f"[bold]{len(frame):,}[/] tumours ({len(frame) - len(ok):,} failed), preset "
        f"[bold]{result.params.name}[/], territory {result.territory_bp / 1e6:g} Mb "  # type: ignore[attr-defined]
        f"({'stated' if result.territory_stated else 'BED'})"
    )  # type: ignore[attr-defined]
    if len(ok):
        console.print(f"median TMB {ok['tmb_per_mb'].median():.2f} mut/Mb; {int(ok['tmb_high'].sum()):,} TMB-high")
    for note in result.warnings:  # type: ignore[attr-defined]
        err_console.print(f"[bold yellow]warning:[/] {note}")
    for label, path in paths.items():
        console.print(f"{label}: {path}")
    if store is not None:
        console.print(f"store: {store}")


def print_endpoint_summary(results: object, out: Path) -> None:
    """The endpoint summary table (estimate with its 95% CI) and where the files went."""
    _summary_table(results.summary)  # type: ignore[attr-defined]
    console.print(f"{len(results.files)} files in {out}")  # type: ignore[attr-defined]


@contextlib.contextmanager
def stage_progress(label: str) -> Iterator[Callable[[str, int, int], None]]:
    """A transient progress bar on stderr; yields ``progress(stage, done, total)``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
        task = progress.add_task(label, total=None)
        # total 0 means "no count": None keeps the clock running (a task whose total is reached stops its clock)
        yield lambda stage, done, total: progress.update(task, description=stage, completed=done, total=total or None)


def print_tmb_table(store_path: Path, truth_samples: Path | None = None) -> None:
    """TMB per tumour from the store (with the planted truth beside it when the study is simulated)."""
    import csv

    from biomarker.store import Store

    truth: dict[str, str] = {}
    if truth_samples is not None and truth_samples.is_file():
        with open(truth_samples, newline="") as fh:
            truth = {r["sample"]: r["true_tmb_per_mb"] for r in csv.DictReader(fh)}
    with Store(store_path, read_only=True) as store:
        rows = store.table("tmb_results").sort_values("sample")
    out = Table(title="TMB per tumour (mut/Mb, exact 95% CI)")
    for c in ("sample", "status", "counted", "TMB", "95% CI", "high", *(("planted",) if truth else ())):
        out.add_column(c, justify="left" if c in ("sample", "status") else "right")
    for r in rows.itertuples():
        if r.status == "ok":
            cells = [
                str(r.counted_variants),
                f"{r.tmb_per_mb:.2f}",
                f"{r.tmb_ci95_low_per_mb:.2f}-{r.tmb_ci95_high_per_mb:.2f}",
                "yes" if r.tmb_high else "",
            ]
        else:
            cells = ["", "", "", ""]
        status = r.status if r.status == "ok" else f"[red]{r.status}[/]: {r.reason}"
        out.add_row(r.sample, status, *cells, *((truth.get(r.sample, ""),) if truth else ()))
    console.print(out)


def print_endpoint_table(store_path: Path) -> None:
    """The endpoint summary held in the store."""
    from biomarker.store import Store

    with Store(store_path, read_only=True) as store:
        if "endpoint_summary" not in store.tables():
            return
        summary = store.table("endpoint_summary")
    _summary_table(summary)


def _summary_table(summary: object) -> None:
    table = Table(title="Endpoints (RECIST 1.1, times from first dose)")
    for column in summary.columns:  # type: ignore[attr-defined]
        table.add_column(str(column), justify="left" if summary[column].dtype == object else "right")  # type: ignore[index]
    for row in summary.itertuples(index=False):  # type: ignore[attr-defined]
        table.add_row(*("" if v is None or v != v else (f"{v:.4g}" if isinstance(v, float) else str(v)) for v in row))
    console.print(table)


def print_counts(frame: object, column: str, title: str) -> None:
    """A one-column count table (e.g. subjects per PD-L1 category)."""
    counts = frame[column].astype("string").fillna("").value_counts(sort=False).sort_index()  # type: ignore[index]
    table = Table(title=title)
    table.add_column(column)
    table.add_column("n", justify="right")
    for key, n in counts.items():
        table.add_row(str(key), str(n))
    console.print(table)


def print_model_summary(result: object, out: Path) -> None:
    """Cross-validated performance per model: AUC with its interval and the permutation null's mean beside it, the
    permutation p (``p <= 1/(B+1)`` at its floor), then the run's warnings."""
    summary = result.summary  # type: ignore[attr-defined]
    table = Table(title="Cross-validated prediction of the outcome (95% CI)")
    for c in ("model", "n (events)", "AUC", "null AUC", "Brier", "calibration slope", "p"):
        table.add_column(c, justify="left" if c == "model" else "right")
    for r in summary.to_dict("records"):
        null = r.get("null_auc_mean")
        p_text = r.get("p_text")
        table.add_row(
            str(r.get("model")),
            f"{r['n']} ({r['n_events']})",
            f"{r['auc']:.2f} ({r['auc_ci_lower']:.2f}-{r['auc_ci_upper']:.2f})",
            "" if null is None or null != null else f"{null:.2f}",
            f"{r.get('brier', float('nan')):.3f}",
            f"{r.get('calibration_slope', float('nan')):.2f}",
            p_text if isinstance(p_text, str) else "",
        )
    console.print(table)
    for warning in getattr(result, "warnings", []):
        err_console.print(f"warning: {warning}")
    console.print(f"tables, figures and report.json in {out}")


def print_run_summary(summary: object) -> None:
    """What each step of ``biomarker run`` did, the notes, and where the store and report are."""
    table = Table(title="Study run")
    table.add_column("step")
    table.add_column("result")
    for step, what in summary.steps.items():  # type: ignore[attr-defined]
        table.add_row(step, what)
    console.print(table)
    for note in summary.notes:  # type: ignore[attr-defined]
        console.print(f"[yellow]note[/]: {note}")
    console.print(f"store: {summary.store}")  # type: ignore[attr-defined]
    if summary.report is not None:  # type: ignore[attr-defined]
        console.print(f"report: {summary.report}")  # type: ignore[attr-defined]


@contextlib.contextmanager
def model_progress() -> Iterator[Callable[[str, int, int], None]]:
    """A transient progress bar on stderr with the permutations (or resamples) done and the time left."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as progress:
        tasks: dict[str, object] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield update
