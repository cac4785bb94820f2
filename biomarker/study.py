"""``biomarker run study.yaml``: one config naming the inputs, every step from TMB to the report.

Steps, each writing into the store (the only shared state): TMB batch -> PD-L1/TIL ingest -> TBNK
ingest -> endpoints -> models -> report.html. A step whose input the config does not name is skipped.
Paths in the config are relative to the config file. Store tables: ``tmb_results``, ``tmb_filter_audit``,
``samples``, ``pdl1``, ``tbnk``, ``tbnk_features``, ``tbnk_features_wide``, ``endpoint_<table>`` for each
endpoint table and ``model_<table>`` for each table of the response models (so ``model_model_performance``).
Response models that cannot be fitted (e.g. too few responders) are reported in the report's notes.

Example ``study.yaml``::

    study: TAX-201
    samplesheet: study/samplesheet.csv
    targets: study/reference/exome.bed    # else the samplesheet's bed column
    preset: wes
    clinical: study                       # folder holding clinical/ (SDTM) or adam/
    pathology: study/pathology/pdl1_til.csv
    tbnk: study/flow/tbnk.csv
    models: {outcome: response}
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

from biomarker.errors import BiomarkerError, ConfigError

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]


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
    models: dict[str, Any] = field(default_factory=dict)
    out: Path = Path("results")
    store: Path | None = None
    jobs: int = 1
    scheduler: str | None = None

    @property
    def store_path(self) -> Path:
        """The DuckDB file (default ``OUT/study.duckdb``)."""
        return self.store or self.out / "study.duckdb"


_PATHS = ("samplesheet", "targets", "clinical", "pathology", "tbnk", "fcs", "out", "store")


def load_config(path: str | os.PathLike[str]) -> StudyConfig:
    """Read and check ``study.yaml``.

    Raises
    ------
    ConfigError
        For unknown keys, wrong types or named inputs that do not exist.
    """
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the study config ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a study config is a YAML mapping")
    known = {f.name for f in fields(StudyConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    base = path.parent
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in _PATHS and value is not None:
            values[key] = (base / str(value)).resolve()
            if key not in ("out", "store") and not values[key].exists():
                raise ConfigError(f"{path}: {key}: {value} does not exist (paths are relative to the config)")
        else:
            values[key] = value
    if not isinstance(values.get("jobs", 1), int) or values.get("jobs", 1) < 1:
        raise ConfigError(f"{path}: jobs must be a whole number >= 1")
    if "models" in values and not isinstance(values["models"], dict):
        raise ConfigError(f"{path}: models is a mapping, e.g. {{outcome: response}}")
    values.setdefault("out", (base / "results").resolve())
    return StudyConfig(**values)


def run_study(config: StudyConfig, progress: Progress | None = None) -> Path:
    """Run every step the config names; returns the report's path."""
    from biomarker.store import Store

    def tell(stage: str, done: int = 0, total: int = 0) -> None:
        if progress is not None:
            progress(stage, done, total)

    out = config.out
    out.mkdir(parents=True, exist_ok=True)
    if config.samplesheet is not None:
        from biomarker.batch import run_batch

        summary = run_batch(config.samplesheet, config.store_path, out / "tmb", config.preset, targets=config.targets,
                            jobs=config.jobs, scheduler=config.scheduler,
                            progress=lambda d, t, name: tell(f"TMB {name}", d, t))
        log.info("TMB: %s", summary)
    notes: list[str] = []
    with Store(config.store_path) as store:
        for step in (_pathology, _tbnk, _endpoints):
            step(config, store, tell)
        try:
            _models(config, store, tell)
        except BiomarkerError as exc:  # too few responders is a finding to report, not a crash
            log.warning("response models not fitted: %s", exc)
            notes.append(f"Response models were not fitted: {exc}")
    tell("report")
    from biomarker.report import Section, build_report

    extra = []
    if notes:
        extra.append(Section("notes", "Run notes"))
        for note in notes:
            extra[0].note(note)
    return build_report(config.store_path, out / "report.html", title=f"{config.study}: biomarker report",
                        subtitle="Toripalimab + axitinib, advanced NSCLC: efficacy, safety and biomarkers",
                        extra_sections=extra)


def _pathology(config: StudyConfig, store: Any, tell: Callable[..., None]) -> None:
    if config.pathology is None:
        return
    from biomarker import ihc

    tell("PD-L1 and TILs")
    store.replace_table("pdl1", ihc.read_pathology(config.pathology))


def _tbnk(config: StudyConfig, store: Any, tell: Callable[..., None]) -> None:
    if config.tbnk is None and config.fcs is None:
        return
    from biomarker import flow

    tell("TBNK")
    if config.tbnk is not None:
        table = flow.read_tbnk_export(config.tbnk)
        tables = {"tbnk": table, "tbnk_qc": flow.qc_long(table)}
    else:  # one unreadable tube fails alone, with its reason in tbnk_tube_status (issue 11)
        gated = flow.gate_tubes(sorted(config.fcs.glob("*.fcs")), on_error="skip")  # type: ignore[union-attr]
        tables = dict(gated.tables)
        failed = tables["tbnk_tube_status"].query("status == 'failed'")
        for row in failed.itertuples():
            log.warning("TBNK tube %s failed: %s", row.file, row.reason)
    long, wide = flow.tbnk_features(tables["tbnk"])
    tables.update(tbnk_features=long, tbnk_features_wide=wide)
    for name, frame in tables.items():
        store.replace_table(name, frame)


def _endpoints(config: StudyConfig, store: Any, tell: Callable[..., None]) -> None:
    if config.clinical is None:
        return
    from biomarker.clinical import EndpointConfig, run_endpoints
    from biomarker.report.html import ENDPOINT_PREFIX

    tell("endpoints")
    result = run_endpoints(config.clinical, config.out / "endpoints", EndpointConfig())
    for name, frame in result.tables.items():
        store.replace_table(ENDPOINT_PREFIX + name, frame)


def _models(config: StudyConfig, store: Any, tell: Callable[..., None]) -> None:
    if not config.models or config.clinical is None:
        return
    from biomarker.models import run_study_models
    from biomarker.report.html import MODEL_PREFIX

    tell("response models")
    options = dict(config.models)
    outcome = options.pop("outcome", "response")
    results = store.table("tmb_results") if "tmb_results" in store.tables() else None
    if results is not None:
        results = results.merge(store.table("samples")[["sample", "sample_type"]], on="sample", how="left")
    result = run_study_models(config.clinical, config.out / "models", tmb_table=results,
                              endpoints=config.out / "endpoints" if config.clinical is not None else None,
                              outcome=outcome, n_jobs=config.jobs, **options)
    for name, frame in result.tables.items():
        store.replace_table(MODEL_PREFIX + name, frame)


DEMO_CONFIG = """\
# The demo study written by `biomarker demo`; edit it and run `biomarker run {name}` again.
study: TAX-201 (simulated)
samplesheet: study/samplesheet.csv
preset: wes
clinical: study
pathology: study/pathology/pdl1_til.csv
tbnk: study/flow/tbnk.csv
models: {{outcome: response}}
out: results
jobs: {jobs}
"""


def write_demo_config(outdir: str | os.PathLike[str], jobs: int = 2) -> Path:
    """Write ``OUTDIR/study.yaml`` for the simulated study in ``OUTDIR/study``; returns its path."""
    from biomarker.files import atomic_write

    path = Path(outdir) / "study.yaml"
    with atomic_write(path) as fh:
        fh.write(DEMO_CONFIG.format(name=path.name, jobs=jobs))
    return path
