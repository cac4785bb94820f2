"""The result of an endpoint run: tables in memory; writing them is a separate, atomic step."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from biomarker.files import atomic_replace, write_table
from biomarker.png import write_png

log = logging.getLogger(__name__)

FIGURES = ("waterfall", "spider", "swimmer", "km_pfs", "km_os", "km_dor")


def write_tsv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as TSV atomically (dates as YYYY-MM-DD, floats with 10 significant digits, formula-like
    text neutralised for spreadsheets: :func:`biomarker.files.write_table`)."""
    return write_table(frame, path, date_format="%Y-%m-%d", float_format="%.10g")


@dataclass
class EndpointResult:
    """What :func:`~biomarker.clinical.run_endpoints` computed.

    Attributes
    ----------
    summary
        One row per endpoint estimate: ``endpoint, source, estimate, ci_lower, ci_upper, unit, n_subjects,
        n_events`` (``unit`` is ``proportion`` or ``months``; ``ci_upper`` missing = not estimable). Sources:
        ``derived`` (our RECIST 1.1 from TR, all treated subjects), ``derived_evaluable`` (efficacy-evaluable
        denominator), ``investigator`` (RS RECIST 1.1), ``investigator_irecist`` (RS iRECIST), ``adtte``.
    tables
        Name -> tidy table (written as ``<name>.tsv``).
    km
        Endpoint -> :class:`~biomarker.clinical.survival.KmEstimate`.
    provenance
        Package version, parameters (every rule), inputs with SHA-256, CI method, warnings.
    warnings
        Every warning raised while reading and deriving (also in ``provenance["warnings"]``).
    files
        Name -> file written by the last :meth:`write` (empty before).
    """

    summary: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    km: dict
    provenance: dict
    warnings: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    figures: bool = True
    dpi: int = 150

    def plot(self, name: str | None = None):
        """Draw one figure (``waterfall``, ``spider``, ``swimmer``, ``km_pfs``, ``km_os``, ``km_dor``; default the
        first available) and return the matplotlib Figure.

        Examples
        --------
        >>> res.plot("km_pfs")  # doctest: +SKIP
        """
        from biomarker.plots.endpoints import endpoint_figures

        names = FIGURES if name is None else (name,)
        for candidate in names:
            figs = endpoint_figures(self.tables, only=candidate)
            if candidate in figs:
                return figs[candidate]
        raise KeyError(f"no figure {name!r} in this result; figures: {', '.join(FIGURES)}")

    def write(self, out_dir: str | Path, *, figures: bool | None = None) -> dict[str, Path]:
        """Write every table as TSV, the figures as PNG and ``provenance.json``, each atomically.

        Examples
        --------
        >>> files = res.write("runs/sim01/endpoints")  # doctest: +SKIP
        """
        out_dir = Path(out_dir)
        files: dict[str, Path] = {}
        for name, frame in self.tables.items():
            files[name] = write_tsv(frame, out_dir / f"{name}.tsv")
        if self.figures if figures is None else figures:
            from biomarker.plots.endpoints import endpoint_figures

            for name, fig in endpoint_figures(self.tables).items():
                files[name] = write_png(fig, out_dir / f"{name}.png", self.dpi)
        files["provenance"] = atomic_replace(
            out_dir / "provenance.json",
            lambda p: p.write_text(json.dumps(self.provenance, indent=2, sort_keys=True, default=str) + "\n"),
        )
        log.info("endpoints: wrote %d files to %s", len(files), out_dir)
        self.files = files
        return files

    def __repr__(self) -> str:
        return f"EndpointResult({len(self.tables)} tables, {len(self.warnings)} warnings)\n{self.summary.to_string()}"


class WarningLog(logging.Handler):
    """Collects the WARNING records of the clinical loggers during a run, so they travel with the result."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message not in self.messages:
            self.messages.append(message)

    def __enter__(self) -> WarningLog:
        logging.getLogger("biomarker.clinical").addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger("biomarker.clinical").removeHandler(self)
