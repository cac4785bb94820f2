"""One face for analysts and pipelines: a :class:`Study` is a store, and (from a study.yaml) the inputs to fill it.

>>> from biomarker import Study
>>> study = Study.from_config("study.yaml")   # doctest: +SKIP
>>> study.run()                               # every step into the store, as `biomarker run` does  # doctest: +SKIP
>>> study = Study.open("results/study.duckdb")  # doctest: +SKIP
>>> study.patients().summary                  # one row per subject, from store tables only  # doctest: +SKIP
>>> study.pl.km("pfs")                        # figures under one namespace, as scanpy's ``pl``  # doctest: +SKIP
>>> study.pl.signatures("comutations")        # co-mutation grid by response (a genomic: block)  # doctest: +SKIP

Each step method returns a :class:`~biomarker.results.Result` (``.summary``, ``.tables``, ``.provenance``,
``.plot()``, ``.write()``) read from the store (``genomic`` a :class:`~biomarker.genomic.GenomicResult` of the same
shape). On a study made from a config, a first step (``tmb``, ``pathology``, ``tbnk``, ``genomic``, ``endpoints``)
is computed from the user's files and stored when the store does not hold it yet, its inputs changed, or
``refresh=True``; ``patients`` and ``models`` are computed from store tables only. :meth:`Study.failures` lists
the inputs that failed (TMB samples, FCS tubes, genomic tumours); ``run`` logs to ``OUT/run.log`` (both come
from :class:`~biomarker.study_run.StudyRun`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biomarker import steps
from biomarker import store as st
from biomarker.errors import ConfigError
from biomarker.results import Result, make_provenance
from biomarker.study_plots import Plots
from biomarker.study_run import StudyRun

if TYPE_CHECKING:
    import pandas as pd

    from biomarker.study import StudyConfig

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]


class Study(StudyRun):
    """A study: its store (always) and its config (when made from a study.yaml).

    Parameters
    ----------
    store_path
        The DuckDB store.
    config
        The :class:`~biomarker.study.StudyConfig`; ``None`` for a store opened on its own (read its results,
        compute patients and models, but no first step: their inputs are unknown).
    """

    def __init__(self, store_path: str | os.PathLike[str], config: StudyConfig | None = None) -> None:
        self.store_path = Path(store_path)
        self.config = config
        self.pl = Plots(self)
        self._run_id: int | None = None

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Study:
        """A study from its store: a ``.duckdb`` file, a folder holding one (``study.duckdb`` or
        ``results/study.duckdb``), or a ``study.yaml`` (its store; the inputs are not used)."""
        p = Path(path)
        if p.suffix in (".yaml", ".yml") and p.is_file():
            from biomarker.study import load_config

            return cls(st.find_store(load_config(p).store_path))
        if p.is_dir() and (p / "study.yaml").is_file() and not (p / "study.duckdb").is_file():
            return cls.open(p / "study.yaml")
        return cls(st.find_store(p))

    @classmethod
    def from_config(cls, path: str | os.PathLike[str], **overrides: Any) -> Study:
        """A study from ``study.yaml`` (checked completely now); ``overrides`` replace its values (``out``...)."""
        from biomarker.study import load_config

        config = load_config(path, **overrides)
        return cls(config.store_path, config)

    def __repr__(self) -> str:
        return f"Study({str(self.store_path)!r}{', from ' + str(self.config.source) if self.config else ''})"

    # -- store access ----------------------------------------------------------------------------
    def _read(self, names: list[str] | None = None, prefix: str | None = None) -> dict[str, pd.DataFrame]:
        if not self.store_path.is_file():
            return {}
        with st.Store(self.store_path, read_only=True) as store:
            present = store.tables()
            wanted = [n for n in present if (names is not None and n in names) or (prefix and n.startswith(prefix))]
            out = {}
            for name in wanted:
                out[name] = store.table(name)
                out[name].attrs["provenance"] = store.provenance(name)
            return out

    def _needs(self, table: str, key: str, refresh: bool) -> bool:
        if refresh or not self.store_path.is_file():
            return True
        with st.Store(self.store_path, read_only=True) as store:
            return not steps.unchanged(store, table, key)

    def _config(self, what: str) -> StudyConfig:
        if self.config is None:
            raise ConfigError(
                f"{what}: this study was opened from its store; use Study.from_config('study.yaml') "
                "to compute from the input files"
            )
        return self.config

    # -- first steps ------------------------------------------------------------------------------
    def tmb(self, refresh: bool = False, progress: Progress | None = None) -> Result:
        """Per-tumour TMB (``tmb_results``, ``tmb_filter_audit``, ``samples``); ``summary`` counts by status.
        From a config, the batch runs (new or changed tumours only) when the store holds no TMB or ``refresh``."""
        config = self.config if refresh else (self.config if self.config and self.config.samplesheet else None)
        tables = self._read(["tmb_results", "tmb_filter_audit", "samples"])
        if refresh or (config is not None and tables.get("tmb_results", steps.empty()).empty):
            self._run_tmb(self._config("tmb"), progress)
            tables = self._read(["tmb_results", "tmb_filter_audit", "samples"])
        return steps.tmb_result(tables)

    def _run_tmb(self, config: StudyConfig, progress: Progress | None, force: bool = False) -> Any:
        from biomarker.batch import run_batch
        from biomarker.tmb.samplesheet import read_samplesheet

        if config.samplesheet is None:
            raise ConfigError("tmb: the study config names no samplesheet")
        if force and self.store_path.is_file():
            with st.Store(self.store_path) as store:
                store.forget_tmb()
        summary = run_batch(
            config.samplesheet,
            config.store_path,
            config.out / "tmb",
            config.preset,  # type: ignore[arg-type]
            targets=config.targets,
            jobs=config.jobs,
            scheduler=config.scheduler,
            progress=None if progress is None else lambda d, t, n: progress(f"TMB {n}", d, t),
        )
        with st.Store(self.store_path) as store:
            stale = store.mark_stale(r.sample for r in read_samplesheet(config.samplesheet))  # type: ignore[arg-type]
        return summary, stale

    def pathology(self, refresh: bool = False) -> Result:
        """PD-L1 and TILs per subject (store table ``pdl1``)."""
        config = self.config
        if config is not None and config.pathology is not None:
            key = steps.step_key(make_provenance("pathology", {}, {"pathology": config.pathology}))
            if self._needs(st.PDL1, key, refresh):
                self._save(steps.compute_pathology(config.pathology))
        tables = self._read([st.PDL1])
        return Result(
            "pathology",
            tables,
            tables.get(st.PDL1, steps.empty()).attrs.get("provenance", {}),
            plotters={"pdl1_category": steps._pdl1_plot} if tables else None,
        )

    def tbnk(self, refresh: bool = False, progress: Progress | None = None) -> Result:
        """TBNK per subject and visit and its features (``tbnk``, ``tbnk_features``, ``tbnk_features_wide``)."""
        config = self.config
        if config is not None and (config.tbnk is not None or config.fcs is not None):
            inputs = (
                {"tbnk": config.tbnk}
                if config.tbnk is not None
                else {f"fcs/{p.name}": p for p in sorted(config.fcs.glob("*.fcs"))}
            )  # type: ignore[union-attr]
            key = steps.step_key(make_provenance("tbnk", {"source": "export" if config.tbnk else "fcs"}, inputs))
            if self._needs(st.TBNK_FEATURES_WIDE, key, refresh):
                gate = None if progress is None else (lambda d, t, n: progress(f"gating {n}", d, t))
                self._save(steps.compute_tbnk(config.tbnk, config.fcs, gate))
        tables = self._read([st.TBNK, st.TBNK_FEATURES, st.TBNK_FEATURES_WIDE])
        return Result(
            "tbnk",
            tables,
            tables.get(st.TBNK, steps.empty()).attrs.get("provenance", {}),
            summary_table=st.TBNK_FEATURES_WIDE if tables else None,
        )

    def genomic(self, refresh: bool = False, progress: Progress | None = None) -> Any:
        """Signatures, spectrum features and co-mutations per tumour (``genomic_features``,
        ``signature_exposures``, ``sbs96_catalogue``, ``comutation_variants``); a
        :class:`~biomarker.genomic.GenomicResult` (``.plot("profile", sample=...)``, ``"exposures"``,
        ``"comutations"``), ``None`` when the store holds none. From a config with a ``genomic:`` block, computed
        on the tumours whose TMB is ok when their files, the settings or the version changed, or ``refresh``."""
        from biomarker import steps_genomic as sg

        config = self.config
        if config is not None and config.genomic and config.samplesheet is not None:
            settings = sg.genomic_config(config.genomic, config.preset, check_reference=False)
            tmb = self._read(["tmb_results"]).get("tmb_results")
            samples, left_out = sg.ok_samples(config.samplesheet, tmb)
            inputs = sg.provenance_inputs(samples, settings)
            key = steps.step_key(make_provenance("genomic", settings.as_dict(), inputs))
            if self._needs("genomic_features", key, refresh):
                tick = None if progress is None else (lambda d, t: progress("signatures", d, t))
                _, tables, provenance = sg.compute_genomic_step(samples, settings, left_out, tick)
                with st.Store(self.store_path) as store:
                    store.write_tables("genomic", tables, provenance, run_id=self._run_id)
        tables = self._read(list(sg.TABLES))
        return sg.genomic_result(tables)

    def endpoints(self, refresh: bool = False) -> Result:
        """Trial endpoints (store tables ``endpoint_*``, names without the prefix) and ``subjects``."""
        config = self.config
        if config is not None and config.clinical is not None:
            inputs = steps.clinical_inputs(config.clinical)
            key = steps.step_key(make_provenance("endpoints", config.endpoints, inputs))
            if self._needs(st.ENDPOINT_PREFIX + "summary", key, refresh):
                _, result = steps.compute_endpoints(config.clinical, None, config.endpoints)
                result.provenance["step_key"] = key
                self._save(result, drop_prefix=st.ENDPOINT_PREFIX)
        tables = {k.removeprefix(st.ENDPOINT_PREFIX): v for k, v in self._read(prefix=st.ENDPOINT_PREFIX).items()}
        return steps.endpoints_result(tables)

    # -- store-only steps -------------------------------------------------------------------------
    def patients(self, refresh: bool = True) -> Result:
        """One row per subject from store tables only (see :mod:`biomarker.models.patients`); stored as
        ``patients`` and ``patient_feature_sources``. ``refresh=False`` reads the stored table."""
        from biomarker.models.patients import compute_patients, read_store_tables

        if not refresh:
            tables = self._read([st.PATIENTS, "patient_feature_sources"])
            return Result(
                "patients",
                {
                    "patients": tables.get(st.PATIENTS, steps.empty()),
                    "feature_sources": tables.get("patient_feature_sources", steps.empty()),
                },
                tables.get(st.PATIENTS, steps.empty()).attrs.get("provenance", {}),
                summary_table="patients",
            )
        with st.Store(self.store_path) as store:
            result = compute_patients(read_store_tables(store))
            store.write_tables(
                "patients",
                {st.PATIENTS: result.tables["patients"], "patient_feature_sources": result.tables["feature_sources"]},
                result.provenance,
                run_id=self._run_id,
            )
        return result

    def models(self, refresh: bool = False, out_dir: str | os.PathLike[str] | None = None, **options: Any) -> Result:
        """The response models in the store (``model_*`` tables). ``refresh=True`` or ``options`` (``outcome``,
        ``n_repeats``...; default: the config's ``models:`` block) fit them again on the stored patient table and
        store them; ``out_dir`` also keeps their files."""
        if refresh or options:
            self._compute_models(options or (self.config.models if self.config else {}), out_dir)
        tables = {k.removeprefix(st.MODEL_PREFIX): v for k, v in self._read(prefix=st.MODEL_PREFIX).items()}
        return steps.models_result(tables)

    def _compute_models(
        self, options: dict[str, Any], out_dir: str | os.PathLike[str] | None, force: bool = True
    ) -> bool:
        """Fit the models on the stored patient table unless (``force`` off) the table and options are those
        of the stored models; returns whether they were fitted."""
        import tempfile

        from biomarker.study import check_models_block

        check_models_block(options, "models")
        assembled = self.patients()
        patients = assembled.tables["patients"]
        key = steps.table_key(patients, options)
        if not force and self._needs(st.MODEL_PREFIX + "model_performance", key, False) is False:
            return False
        jobs = self.config.jobs if self.config else 1
        out = Path(out_dir) if out_dir is not None else (self.config.out / "models" if self.config else None)
        with tempfile.TemporaryDirectory(prefix="models.") as tmp:
            result = steps.compute_models(patients, out or tmp, options, jobs)
        provenance = {
            **result.report.get("provenance", {}),
            "settings": result.report.get("settings", {}),
            "options": options,
            "step_key": key,
            "tmb_preset": assembled.provenance.get("tmb_preset"),
            "patient_tables": assembled.provenance.get("tables_read"),
        }
        with st.Store(self.store_path) as store:
            store.write_tables(
                "models",
                result.tables,
                provenance,
                prefix=st.MODEL_PREFIX,
                drop_prefix=st.MODEL_PREFIX,
                run_id=self._run_id,
            )
        return True

    def report(
        self,
        out: str | os.PathLike[str] | None = None,
        notes: list[str] | None = None,
        failures: list[tuple[str, str, str]] | None = None,
        profiles: list[str] | None = None,
    ) -> Path:
        """Write the HTML report of everything in the store (``notes`` and the run's ``failures``, from
        :meth:`failures` when not given, in a "Run notes" section; ``profiles``: tumours whose SBS96 profile the
        signatures section draws); returns its path."""
        import pandas as pd

        from biomarker.report import Section, build_report

        out = (
            Path(out)
            if out is not None
            else (self.config.out if self.config else self.store_path.parent) / "report.html"
        )
        failures = self.failures() if failures is None else failures
        extra = []
        if notes or failures:
            extra.append(Section("notes", "Run notes"))
            for note in notes or []:
                extra[0].note(note)
        if failures:
            extra[0].note(
                f"{len(failures)} input(s) failed and are left out of every result below; the other "
                "inputs were analysed."
            )
            extra[0].table(
                pd.DataFrame(failures, columns=["step", "input", "reason"]), "Failed inputs", name="failed_inputs"
            )
        name = self.config.study if self.config else self.store_path.stem
        return build_report(
            self.store_path,
            out,
            title=f"{name}: biomarker report",
            subtitle="Toripalimab + axitinib, advanced NSCLC: efficacy, safety and biomarkers",
            extra_sections=extra,
            profiles=profiles,
        )

    def _save(self, result: Result, **kwargs: Any) -> None:
        with st.Store(self.store_path) as store:
            steps.save(store, result, run_id=self._run_id, **kwargs)


__all__ = ["Plots", "Study"]
