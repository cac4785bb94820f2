"""``ModelResults``: what :func:`~biomarker.models.run.run_models` computed, in the result shape every domain
shares (``summary``, ``tables``, ``provenance``, ``plot()``, ``write()``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from biomarker.files import atomic_replace
from biomarker.png import write_png

#: Tables kept in memory for figures but not written (they repeat other tables).
UNWRITTEN = ("box_points",)


def write_tsv(frame: pd.DataFrame, path: Path) -> Path:
    """TSV, atomically, floats with 10 significant digits (byte-identical for the same inputs and seed)."""
    return atomic_replace(
        path,
        lambda p: frame.to_csv(
            p, sep="\t", index=False, float_format="%.10g", lineterminator="\n", date_format="%Y-%m-%d"
        ),
    )


@dataclass
class ModelResults:
    """Tables, report and provenance of a model run; computing never wrote anything (see :meth:`write`).

    Attributes
    ----------
    tables
        Name -> tidy table: ``model_performance`` (one row per model: CV AUC with its refit-bootstrap interval,
        ``null_auc_mean`` of the permutation null beside it, the permutation ``p`` and ``p_text``, Brier score,
        calibration), ``univariable``, ``effects`` (odds ratios per doubling / 10 points / SD, unadjusted and
        Firth-adjusted), ``missingness``, ``survival_groups`` and ``cox`` (every patient with survival data; n and
        events per row), ``decision_curve``, ``external_validation``, ``oof_predictions``, ``permutation_null``,
        ``refit_bootstrap``, ``importance``, ``coefficients``, ``model_specification``, ``roc``, ``calibration``,
        ``landmark_exclusions``, ``analysis_table`` ...
    report
        ``report.json``: TRIPOD+AI 2024 items (numbered as in the checklist), REMARK items, settings, warnings.
    provenance
        Package version, settings, input name and SHA-256.
    warnings
        Loud warnings of the run (also in ``report.json``).
    files
        Name -> file, after :meth:`write`.
    """

    tables: dict[str, pd.DataFrame]
    report: dict
    provenance: dict
    warnings: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per model: the headline figures (the ``model_performance`` table)."""
        return self.tables["model_performance"]

    def figure_names(self) -> list[str]:
        """The figures these tables allow."""
        from biomarker.plots.models import model_figure_names

        return model_figure_names(self.tables)

    def plot(self, name: str | None = None):
        """Draw one figure (default ``roc``): ``biomarker_by_response``, ``roc``, ``calibration``, ``forest``,
        ``decision_curve`` or ``km_<endpoint>_<grouping>``; returns a matplotlib Figure.

        Examples
        --------
        >>> res.plot("roc")  # doctest: +SKIP
        """
        from biomarker.plots.models import model_figures

        name = name or "roc"
        figs = model_figures(self.tables, only=name)
        if name not in figs:
            raise KeyError(f"no figure {name!r}; available: {', '.join(self.figure_names())}")
        return figs[name]

    def write(self, out_dir: str | os.PathLike[str], *, figures: bool = True, dpi: int = 150) -> dict[str, Path]:
        """Write every table (TSV), ``report.json`` and the PNG figures to ``out_dir``, each atomically."""
        out = Path(out_dir)
        files: dict[str, Path] = {}
        for name, frame in self.tables.items():
            if name not in UNWRITTEN:
                files[name] = write_tsv(frame, out / f"{name}.tsv")
        files["report"] = atomic_replace(
            out / "report.json",
            lambda p: p.write_text(json.dumps(self.report, indent=2, sort_keys=True, allow_nan=False) + "\n"),
        )
        if figures:
            from biomarker.plots.models import model_figures

            for name, fig in model_figures(self.tables).items():
                files[name] = write_png(fig, out / f"{name}.png", dpi)
        self.files = files
        return files

    def __repr__(self) -> str:
        cols = [
            c for c in ("model", "auc", "auc_ci_lower", "auc_ci_upper", "null_auc_mean", "p_text") if c in self.summary
        ]
        return (
            f"ModelResults({len(self.tables)} tables, {len(self.warnings)} warnings)\n{self.summary[cols].to_string()}"
        )


__all__ = ["ModelResults", "write_tsv"]
