"""``biomarker run study.yaml``: one config naming the inputs, every step from TMB to the report.

Steps (see :mod:`biomarker.steps`), each writing its results and their provenance into the store, the only
hand-off between steps: TMB batch -> PD-L1/TIL -> TBNK -> endpoints (and the ``subjects`` covariates) ->
patient table (store tables only) -> models (the patient table only) -> report.html (store only). A step whose
input the config does not name is skipped; a first step whose inputs, parameters and version are unchanged is
not recomputed (``force`` recomputes). Paths in the config are relative to the config file. The whole config,
every block included, is checked before any step runs.

Example ``study.yaml``::

    study: TAX-201
    samplesheet: study/samplesheet.csv
    targets: study/reference/exome.bed    # else the samplesheet's bed column
    preset: wes
    clinical: study                       # folder holding clinical/ (SDTM) or adam/
    pathology: study/pathology/pdl1_til.csv
    tbnk: study/flow/tbnk.csv             # or fcs: study/flow/fcs (a folder of FCS files)
    genomic: {fasta: study/reference/genome.fa.gz}   # signatures + co-mutations (biomarker.steps_genomic)
    endpoints: {os_censor_at: cutoff}     # EndpointConfig fields
    models: {outcome: response, n_repeats: 10, n_permutations: 100}
    out: results
    jobs: 2
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from biomarker.errors import ConfigError

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]
OUTCOMES = ("response", "response_investigator", "disease_control", "dcb")


@dataclass(frozen=True)
class StudyConfig:
    """A study run, as read from YAML (paths already resolved against the config's folder)."""

    study: str = "study"
    samplesheet: Path | None = None
    targets: Path | None = None
    preset: str = "wes"
    clinical: Path | None = None
    pathology: Path | None = None
    tbnk: Path | None = None
    fcs: Path | None = None
    endpoints: dict[str, Any] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)
    genomic: dict[str, Any] = field(default_factory=dict)
    out: Path = Path("results")
    store: Path | None = None
    jobs: int = 1
    scheduler: str | None = None
    report: bool = True
    source: Path | None = None

    @property
    def store_path(self) -> Path:
        """The DuckDB file (default ``OUT/study.duckdb``)."""
        return self.store or self.out / "study.duckdb"


_PATHS = ("samplesheet", "targets", "clinical", "pathology", "tbnk", "fcs", "out", "store")
_KEYS = tuple(f.name for f in fields(StudyConfig) if f.name != "source")


def load_config(path: str | os.PathLike[str], **overrides: Any) -> StudyConfig:
    """Read ``study.yaml`` and check all of it (every block, the preset, the files named) before anything runs.

    Parameters
    ----------
    overrides
        Values that replace the file's (``out``, ``jobs``... from the command line).

    Raises
    ------
    ConfigError
        For unknown keys (at any level: the message names the key and the allowed ones), wrong types or named
        inputs that do not exist.
    """
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the study config ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a study config is a YAML mapping")
    unknown = sorted(set(map(str, data)) - set(_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_KEYS))}")
    base = path.parent
    values: dict[str, Any] = {"source": path.resolve()}
    given = {k: v for k, v in overrides.items() if v is not None}
    for key, value in {**data, **given}.items():
        if key in _PATHS and value is not None:
            values[key] = Path(value).resolve() if key in given else (base / str(value)).resolve()
            if key not in ("out", "store") and not values[key].exists():
                raise ConfigError(f"{path}: {key}: {value} does not exist (paths are relative to the config)")
        else:
            values[key] = value
    jobs = values.get("jobs", 1)
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ConfigError(f"{path}: jobs must be a whole number >= 1, not {jobs!r}")
    if not isinstance(values.get("report", True), bool):
        raise ConfigError(
            f"{path}: report is true or false (build OUT/report.html at the end), not {values['report']!r}"
        )
    if not isinstance(values.get("preset", "wes"), str):
        raise ConfigError(f"{path}: preset is a preset name or a YAML file, not {values['preset']!r}")
    for block, example in (
        ("models", "outcome: response"),
        ("endpoints", "os_censor_at: cutoff"),
        ("genomic", "fasta: reference/genome.fa.gz"),
    ):
        if values.get(block) is None:
            values.pop(block, None)
        elif not isinstance(values[block], dict):
            raise ConfigError(f"{path}: {block} is a mapping, e.g. {block}: {{{example}}}")
    if values.get("genomic"):
        values["genomic"] = _genomic_paths(values["genomic"], base, path)
    if values.get("tbnk") is not None and values.get("fcs") is not None:
        raise ConfigError(f"{path}: name tbnk (a lab export) or fcs (a folder of FCS files), not both")
    values.setdefault("out", (base / "results").resolve())
    config = StudyConfig(**values)
    check_blocks(config, str(path))
    return config


def _genomic_paths(block: dict[str, Any], base: Path, path: Path) -> dict[str, Any]:
    """The ``genomic:`` block with its file paths resolved against the config's folder (and checked)."""
    from biomarker.steps_genomic import PATH_KEYS

    out = dict(block)
    for key in PATH_KEYS:
        if out.get(key) is not None:
            out[key] = (base / str(out[key])).resolve()
            if not out[key].exists():
                raise ConfigError(
                    f"{path}: genomic.{key}: {block[key]} does not exist (paths are relative to the config)"
                )
    return out


def check_blocks(config: StudyConfig, where: str = "study.yaml") -> None:
    """Check the ``preset``, ``endpoints:``, ``genomic:`` and ``models:`` blocks (one-line errors naming the
    key)."""
    if config.samplesheet is not None:
        from biomarker.errors import BiomarkerError
        from biomarker.tmb.pipeline import resolve_params

        try:
            resolve_params(config.preset, None, ())
        except BiomarkerError as exc:
            raise ConfigError(f"{where}: preset: {exc}") from None
    if config.endpoints or config.clinical is not None:
        from biomarker.steps import endpoint_config

        try:
            endpoint_config(config.endpoints)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if config.genomic:
        from biomarker.steps_genomic import genomic_config

        if config.samplesheet is None:
            raise ConfigError(f"{where}: genomic: needs a samplesheet (the tumours' calls)")
        try:
            genomic_config(config.genomic, config.preset)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    check_models_block(config.models, where)


def check_models_block(options: dict[str, Any], where: str = "study.yaml") -> None:
    """The ``models:`` keys are ``outcome``, ``features`` and the options of the models' specification."""
    from biomarker.models.spec import ModelSpec

    options = dict(options)
    outcome = options.pop("outcome", "response")
    if outcome not in OUTCOMES:
        raise ConfigError(f"{where}: models.outcome: {outcome!r} is not one of {', '.join(OUTCOMES)}")
    try:
        ModelSpec.from_mapping(options)
    except ConfigError as exc:
        text = str(exc)
        raise ConfigError(f"{where}: {text if text.startswith('models:') else 'models: ' + text}") from None


@dataclass
class RunSummary:
    """What ``run_study`` did: per step ``computed``, ``unchanged``, ``not named`` or a failure note; the inputs
    that failed (``(step, name, reason)``: TMB samples, FCS tubes) and the run's log file."""

    report: Path | None = None
    store: Path | None = None
    run_id: int | None = None
    steps: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tmb: Any = None
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    log_path: Path | None = None

    def __str__(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.steps.items())

    def failure_lines(self, allow_failures: bool = False) -> list[str]:
        """What ``biomarker run`` prints on stderr: one line per failed input, then (unless ``allow_failures``)
        the error line that goes with exit code 3."""
        lines = [f"biomarker: failed: {step} {name}: {reason}" for step, name, reason in self.failures]
        if self.failures and not allow_failures:
            lines.append(
                f"biomarker: error: {len(self.failures)} input(s) failed, listed above, in the report and "
                f"in {self.log_path}; the other inputs were analysed (--allow-failures exits 0)"
            )
        return lines

    def exit_code(self, allow_failures: bool = False) -> int:
        """0, or 3 (:data:`~biomarker.errors.EXIT_SAMPLES_FAILED`, as ``batch``) when an input failed and
        ``allow_failures`` is off."""
        from biomarker.errors import EXIT_SAMPLES_FAILED

        return EXIT_SAMPLES_FAILED if self.failures and not allow_failures else 0


def run_study(
    config: StudyConfig, progress: Progress | None = None, *, force: bool = False, command: str = "run"
) -> Path:
    """Run every step the config names, each into the store; returns the report's path
    (:meth:`biomarker.api.Study.run` returns what each step did).

    Examples
    --------
    >>> report = run_study(load_config("study.yaml"))  # doctest: +SKIP
    """
    from biomarker.api import Study

    summary = Study(config.store_path, config).run(progress=progress, force=force, command=command)
    return summary.report  # type: ignore[return-value]


STUDY_CONFIG = """\
# Written by biomarker for the simulated study in {study}; edit it and run `biomarker run {path}` again.
study: TAX-201 (simulated)
samplesheet: {prefix}samplesheet.csv
preset: wes
clinical: {clinical}
pathology: {prefix}pathology/pdl1_til.csv
{tbnk}
{genomic}models: {{outcome: response{models}}}
out: results
jobs: {jobs}
"""
#: Fast model settings (for tests and a quick look; the defaults are the analysis plan's).
FAST_MODELS = ", n_repeats: 2, n_permutations: 0, n_bootstrap: 100, n_refit_bootstrap: 0, models: [logistic_l2]"


def write_study_config(
    study_dir: str | os.PathLike[str],
    path: str | os.PathLike[str] | None = None,
    jobs: int = 2,
    *,
    fast: bool = False,
    fcs: bool = False,
    genomic: bool = False,
) -> Path:
    """Write a ``study.yaml`` for a simulated study folder (default: ``STUDY_DIR/study.yaml``, results in
    ``results/`` beside it); ``fcs`` gates the FCS tubes instead of reading the TBNK export; ``genomic`` names
    the reference FASTA and signature matrix ``simulate --genomic`` wrote (a ``genomic:`` block). Returns its path."""
    from biomarker.files import atomic_write

    study = Path(study_dir)
    path = Path(path) if path is not None else study / "study.yaml"
    rel = Path(os.path.relpath(study.resolve(), path.parent.resolve()))
    prefix = "" if str(rel) == "." else f"{rel.as_posix()}/"
    tbnk = f"fcs: {prefix}flow/fcs" if fcs else f"tbnk: {prefix}flow/tbnk.csv"
    block = (
        f"genomic: {{fasta: {prefix}reference/genome.fa.gz, signatures: {prefix}reference/signatures_sbs96.tsv}}\n"
        if genomic
        else ""
    )
    text = STUDY_CONFIG.format(
        study=study,
        path=path,
        prefix=prefix,
        clinical=rel.as_posix(),
        tbnk=tbnk,
        genomic=block,
        models=FAST_MODELS if fast else "",
        jobs=jobs,
    )
    with atomic_write(path) as fh:
        fh.write(text)
    return path


def write_demo_config(
    outdir: str | os.PathLike[str], jobs: int = 2, *, fast: bool = False, genomic: bool = False
) -> Path:
    """Write ``OUTDIR/study.yaml`` for the simulated study in ``OUTDIR/study``; returns its path."""
    return write_study_config(Path(outdir) / "study", Path(outdir) / "study.yaml", jobs, fast=fast, genomic=genomic)


__all__ = [
    "FAST_MODELS",
    "RunSummary",
    "StudyConfig",
    "check_blocks",
    "load_config",
    "run_study",
    "write_demo_config",
    "write_study_config",
]
