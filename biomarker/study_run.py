"""The whole run of a :class:`~biomarker.api.Study`: every step its config names, into the store, then the report.

:class:`StudyRun` is the part of ``Study`` that ``biomarker run`` drives: it records the run in the store's
``runs`` table and ``OUT/run.log``, runs each named step (a step the config no longer names has its stored tables
removed), fits the models, writes the report and lists what failed (:meth:`StudyRun.failures`). The step methods
themselves (``tmb``, ``pathology``, ... ``report``) are in :mod:`biomarker.api`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biomarker import steps
from biomarker import store as st
from biomarker.errors import BiomarkerError

if TYPE_CHECKING:
    from biomarker.api import Progress
    from biomarker.results import Result
    from biomarker.study import RunSummary, StudyConfig

log = logging.getLogger("biomarker.api")  # the face's own logger, as before these methods moved here


class StudyRun:
    """Running every step of a study (mixed into :class:`~biomarker.api.Study`, which holds the store path, the
    config and the step methods)."""

    store_path: Path
    _run_id: int | None

    def run(self, progress: Progress | None = None, *, force: bool = False, command: str = "run") -> RunSummary:
        """Every step the config names, into the store, then the report (what ``biomarker run`` does)."""
        from biomarker.run_log import RunLog
        from biomarker.study import RunSummary

        config = self._config("run")
        config.out.mkdir(parents=True, exist_ok=True)
        summary = RunSummary(store=self.store_path, log_path=config.out / "run.log")
        # the store stays open for the whole run: each step's reads and writes attach to it instead of loading
        # its catalogue afresh (~20 opens a run)
        with RunLog(summary.log_path, command) as run_log, st.kept_open(self.store_path):
            self._run_logged(config, summary, progress, force, command)
            run_log.event("summary", str(summary))
            for step, name, reason in summary.failures:
                run_log.event("failed", f"{step} {name}: {reason}")
        return summary

    def _run_logged(
        self, config: StudyConfig, summary: RunSummary, progress: Progress | None, force: bool, command: str
    ) -> None:
        with st.Store(self.store_path) as store:
            summary.run_id = self._run_id = store.start_run(command, config_path=config.source)

        def tell(stage: str, done: int = 0, total: int = 0) -> None:
            if progress is not None:
                progress(stage, done, total)

        status = "failed"
        try:
            if config.samplesheet is not None:
                tell("TMB")
                summary.tmb, stale = self._run_tmb(config, progress, force)
                summary.steps["tmb"] = str(summary.tmb) + (f", {len(stale)} marked stale" if stale else "")
            else:
                summary.steps["tmb"] = "not named"
            for name, named, method in (
                ("pathology", config.pathology, self.pathology),
                ("tbnk", config.tbnk or config.fcs, self.tbnk),
                ("genomic", config.genomic or None, self.genomic),
                ("endpoints", config.clinical, self.endpoints),
            ):
                summary.steps[name] = self._step(name, named, method, force, tell)
            tell("patient table")
            patients = self.patients()
            summary.steps["patients"] = f"{len(patients.tables['patients'])} subjects"
            summary.notes += [f"Patient table: {w}" for w in patients.warnings]
            summary.steps["models"] = self._models_step(config, force, tell, summary.notes)
            summary.failures = self.failures()
            for step, name, reason in summary.failures:
                log.warning("failed: %s %s: %s", step, name, reason)
            if config.report:
                tell("report")
                summary.report = self.report(config.out / "report.html", summary.notes, summary.failures)
            summary.steps["report"] = "written" if config.report else "not asked"
            status = "ok"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            with st.Store(self.store_path) as store:
                cutoff = store.provenance(st.ENDPOINT_PREFIX + "summary").get("data_cutoff")
                store.finish_run(summary.run_id, status, data_cutoff=None if cutoff is None else str(cutoff))
            self._run_id = None

    def failures(self) -> list[tuple[str, str, str]]:
        """The inputs that failed in the store's current results, as ``(step, name, reason)``: TMB samples
        (``tmb_results`` status ``failed``; ``stale`` rows are not failures), FCS tubes (``tbnk_tube_status``) and
        tumours whose genomic features failed (``genomic_sample_status``)."""
        tables = self._read(["tmb_results", "tbnk_tube_status", "genomic_sample_status"])
        out: list[tuple[str, str, str]] = []
        tmb = tables.get("tmb_results")
        if tmb is not None and len(tmb):
            for row in tmb[tmb["status"] == "failed"].sort_values("sample").itertuples():
                out.append(("tmb", str(row.sample), " ".join(str(row.reason or "no reason recorded").split())))
        tubes = tables.get("tbnk_tube_status")
        if tubes is not None and len(tubes) and "status" in tubes.columns:
            for row in tubes[tubes["status"] == "failed"].sort_values("file").itertuples():
                out.append(("tbnk", str(row.file), " ".join(str(getattr(row, "reason", "") or "").split())))
        genomic = tables.get("genomic_sample_status")
        if genomic is not None and len(genomic):
            for row in genomic[genomic["status"] == "failed"].sort_values("sample").itertuples():
                out.append(("genomic", str(row.sample), str(row.reason)))
        return out

    def _step(
        self, name: str, named: Any, method: Callable[..., Result], force: bool, tell: Callable[..., None]
    ) -> str:
        if named is None:
            return self._forget(name)
        tell(name)
        before = self._step_keys()
        method(refresh=force)
        return "unchanged" if not force and self._step_keys() == before and before else "computed"

    def _forget(self, step: str) -> str:
        """A step the config does not name: its tables from an earlier run are dropped, never read as current."""
        names, prefix = steps.STEP_TABLES[step]
        with st.Store(self.store_path) as store:
            gone = store.drop_tables(names, prefix)
        if gone:
            log.warning("study.yaml no longer names %s: removed its stored tables %s", step, ", ".join(gone))
            return f"not named (its {len(gone)} stored table(s) from an earlier run removed)"
        return "not named"

    def _step_keys(self) -> dict[str, Any]:
        if not self.store_path.is_file():
            return {}
        with st.Store(self.store_path, read_only=True) as store:
            rows = store.con.execute("SELECT table_name, value FROM provenance WHERE key = 'step_key'").fetchall()
        return dict(rows)

    def _models_step(self, config: StudyConfig, force: bool, tell: Callable[..., None], notes: list[str]) -> str:
        if not config.models or config.clinical is None:
            return self._forget("models")
        tell("response models")
        try:
            fitted = self._compute_models(config.models, config.out / "models", force)
        except BiomarkerError as exc:  # too few responders is a finding to report, not a crash
            log.warning("response models not fitted: %s", exc)
            notes.append(f"Response models were not fitted: {exc}")
            return f"not fitted ({exc})"
        return "computed" if fitted else "unchanged (same patient table and options)"
