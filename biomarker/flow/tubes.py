"""Gate TBNK tubes one by one, in stages: read, identify, panel, compensation, fit, count, QC, row.

:class:`TubeGater` holds what every tube shares (the template, its fit bounds and panel); :meth:`TubeGater.gate`
takes one FCS file through the stages and returns a :class:`TubeOutcome`; :func:`gate_tubes` runs a list of files
(a file that fails gets a status and its reason, the others go on when ``on_error="skip"``) and returns a
:class:`~biomarker.flow.result.TbnkResult` (its tables are built in :mod:`biomarker.flow.tube_tables`; a FlowJo
workspace gates in :mod:`biomarker.flow.workspace`).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from biomarker.errors import BiomarkerError, ConfigError, InputError
from biomarker.files import sha256_file
from biomarker.flow import fcs_qc
from biomarker.flow.fitting import FittedGate, TubeFit, fit_tube, read_fit_specs, template_markers
from biomarker.flow.gate_positions import apply_fit, channel_values, count_events, fittable, restore
from biomarker.flow.gating import (
    DEFAULT_TEMPLATE,
    GATE_IDS,
    SUBSET_GATES,
    check_channels,
    gate_counts,
    load_template,
    read_fcs,
)
from biomarker.flow.manifest import ManifestEntry, read_manifest
from biomarker.flow.qc import QcRules
from biomarker.flow.tube_keywords import beads_per_test, keyword, sample_volume, subject_visit
from biomarker.flow.tube_tables import STATUS_COLUMNS as STATUS_COLUMNS  # re-exported: tubes named it first
from biomarker.flow.tube_tables import assemble
from biomarker.flow.workspace import workspace_counter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GateSettings:
    """Everything :func:`gate_tubes` needs besides the files (see its parameters)."""

    template: Path = DEFAULT_TEMPLATE
    beads_per_test: float | None = None
    sample_volume_ul: float | None = None
    absolute: bool = True
    subject_keyword: str = "PATIENT ID"
    visit_keyword: str = "VISIT"
    ignore_offset_error: bool = False
    adaptive: bool = True
    qc: QcRules = field(default_factory=QcRules)
    manifest: Mapping[str, ManifestEntry] | None = None


@dataclass
class TubeOutcome:
    """One tube: its row (before :func:`~biomarker.flow.qc.finish_table`), flags, fitted gates and status."""

    path: Path
    record: dict[str, Any]
    flags: list[str]
    positions: list[FittedGate] = field(default_factory=list)
    status: str = "ok"
    reason: str = ""


class TubeGater:
    """Gate one TBNK tube after another with one template (its fit bounds and panel read once)."""

    def __init__(self, settings: GateSettings, required: Iterable[str]) -> None:
        self.settings = settings
        self.gs = load_template(settings.template, require=required)
        # gates are fitted even with fixed positions (adaptive=False): the fit is then the QC that says where the
        # data disagree with the fixed gates, and the counts stay FlowKit's at the template's positions
        self.specs = read_fit_specs(settings.template) if fittable(self.gs) else {}
        self.markers = template_markers(read_fit_specs(settings.template), self.gs)
        ids = {g for g, _ in self.gs.get_gate_ids()}
        self.gates = {s: g for s, g in SUBSET_GATES.items() if g in ids}

    def gate(self, path: Path) -> TubeOutcome:
        """Take one FCS file through every stage."""
        s = self.settings
        sample = read_fcs(path, ignore_offset_error=s.ignore_offset_error)
        meta = sample.get_metadata()
        flags = fcs_qc.check_panel(sample, self.markers, path, s.template)
        with self._singlet_channels(sample, flags):
            check_channels(sample, self.gs, path, s.template)
            comp_keyword, comp_flags = fcs_qc.read_compensation(sample, path)
            flags += comp_flags
            fit = self._fit(sample, comp_keyword is not None)
            counts = self._count(sample, path, fit)
        subject, visit, date = subject_visit(meta, path, s.subject_keyword, s.visit_keyword, s.manifest)
        record = {
            "usubjid": subject,
            "visit": visit,
            "sample_id": keyword(meta, ("sample id",)),
            "collection_date": date,
            "source": path.name,
        }
        flags += fcs_qc.position_qc(fit.positions, s.qc) + fit.flags
        withheld = set()
        if comp_keyword is None:
            fluor = {n for n in sample.pnn_labels if fcs_qc.is_fluorescence(n)}
            withheld |= set(fcs_qc.compensation_withheld(self.gs, fluor, self.gates))
        record.update(self._values(counts, meta, path, fit, flags, withheld))
        return TubeOutcome(path, record, flags, fit.positions)

    @contextlib.contextmanager
    def _singlet_channels(self, sample: Any, flags: list[str]) -> Iterator[None]:
        """Singlets on FSC-A vs FSC-H, else SSC-A vs SSC-H where the file has them (the gate is a wedge through
        the origin, so it holds for either pair); a file with neither is gated without singlets, flagged."""
        ids = {g for g, _ in self.gs.get_gate_ids()}
        if "singlets" not in ids:
            yield
            return
        dims = self.gs.get_gate("singlets").dimensions
        have = set(sample.pnn_labels)
        before = [d.id for d in dims]
        if all(b in have for b in before):
            yield
            return
        if {"SSC-A", "SSC-H"} <= have:
            after = ["SSC-A", "SSC-H"]
        else:
            after = [before[0], before[0]] if before[0] in have else ["SSC-A", "SSC-A"]
            flags.append("no_singlet_gate")  # height/area ratio 1 for every event: nothing excluded
        try:
            for d, new in zip(dims, after, strict=True):
                d.id = new
            yield
        finally:
            for d, old in zip(dims, before, strict=True):
                d.id = old

    def _fit(self, sample: Any, compensated: bool) -> TubeFit:
        if not self.specs:
            return TubeFit()
        values, linear = channel_values(sample, self.gs, compensated)
        fit = fit_tube(self.gs, self.specs, values)
        fit.values = values
        beads = fit.masks.get("beads")
        if beads is not None and beads.any():
            first = self.gs.get_gate("beads").dimensions[0].id
            fit.bead_values, fit.bead_channel_max = linear[first][beads], float(linear[first].max())
        return fit

    def _count(self, sample: Any, path: Path, fit: TubeFit) -> dict[str, int]:
        if not self.specs or not self.settings.adaptive:
            return gate_counts(sample, self.gs, path=path, template_name=self.settings.template)
        saved = apply_fit(self.gs, fit)
        try:
            return count_events(self.gs, fit.values, fit)
        finally:
            restore(self.gs, saved)

    def _values(
        self,
        counts: Mapping[str, int],
        meta: Mapping[str, str],
        path: Path,
        fit: TubeFit,
        flags: list[str],
        withheld: set[str],
    ) -> dict[str, Any]:
        s = self.settings
        lymph = counts["lymphocytes"]
        if lymph == 0:
            raise InputError(
                path,
                "no events in the lymphocytes gate",
                hint="check the template's CD45/SSC gate against this cytometer's scales",
            )
        if lymph < s.qc.min_lymph_events:
            flags.append(f"low_lymph_events={lymph}")
        bead_linear = fit.bead_values
        cv = (
            100 * float(np.std(bead_linear) / np.mean(bead_linear))
            if bead_linear is not None and len(bead_linear) >= 20 and np.mean(bead_linear) > 0
            else math.nan
        )
        rec: dict[str, Any] = {"lymph_events": lymph, "bead_events": counts.get("beads"), "bead_cv_pct": cv}
        gates = {subset: gate for subset, gate in self.gates.items() if gate in counts}
        for subset, gate in gates.items():
            rec[f"{subset}_pct_lymph"] = math.nan if subset in withheld else 100.0 * counts[gate] / lymph
        rec.update(beads_per_test=math.nan, sample_volume_ul=math.nan)
        if s.absolute:
            beads = counts.get("beads", 0)
            if beads == 0:
                raise InputError(
                    path,
                    "no bead events in the 'beads' gate: no absolute counts without Trucount beads",
                    hint="a panel without beads: absolute=False (percentages only)",
                )
            bead_flags = fcs_qc.bead_qc(
                beads, bead_linear if bead_linear is not None else np.array([]), s.qc, fit.bead_channel_max
            )
            flags.extend(bead_flags)
            per_test = beads_per_test(meta, s.beads_per_test, path)
            volume, assumed = sample_volume(meta, s.sample_volume_ul, path)
            if assumed:
                flags.append("sample_volume_assumed_50ul")
            rec.update(beads_per_test=per_test, sample_volume_ul=volume)
            if any(not f.startswith("beads_off_scale") for f in bead_flags):
                flags.append("absolute_counts_withheld")
            if "absolute_counts_withheld" not in flags:
                scale = per_test / volume / beads
                rec["lymph_abs_per_ul"] = lymph * scale
                for subset, gate in gates.items():
                    rec[f"{subset}_abs_per_ul"] = math.nan if subset in withheld else counts[gate] * scale
        if withheld:
            flags.append(f"subsets_withheld:{','.join(sorted(withheld))}")
        return rec


def gate_tubes(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    settings: GateSettings | None = None,
    *,
    workspace: str | os.PathLike[str] | None = None,
    gate_names: Mapping[str, str] | None = None,
    on_error: str = "raise",
    progress: Callable[[int, int, str], None] | None = None,
) -> Any:
    """Gate TBNK tubes into a :class:`~biomarker.flow.result.TbnkResult` (``tbnk``, ``tbnk_qc``,
    ``tbnk_tube_status`` and ``tbnk_gates`` tables); see :func:`~biomarker.flow.gating.gate_fcs` for the
    parameters. ``on_error="skip"``: a tube that cannot be gated gets status ``failed`` and its reason in
    ``tbnk_tube_status`` and no row in ``tbnk``; the others go on.
    """
    s = settings or GateSettings()
    if on_error not in ("raise", "skip"):
        raise ConfigError(f"on_error must be 'raise' or 'skip', not {on_error!r}")
    given = [Path(paths)] if isinstance(paths, str | os.PathLike) else [Path(p) for p in paths]
    files = [f for p in given for f in (sorted(p.glob("*.fcs")) if p.is_dir() else [p])]
    if not files:
        raise ConfigError(f"no FCS files to gate in {', '.join(map(str, given)) or 'an empty list'}")
    gate_one, template_path = _tube_gater(files, s, workspace, gate_names)
    outcomes, status_rows = _gate_each(files, gate_one, on_error, progress)
    result = assemble(files, outcomes, status_rows, s, template_path, adaptive=s.adaptive and workspace is None)
    if workspace is not None:
        result._outcomes = []  # gate plots draw the template's gates: not the workspace's
    return result


def _tube_gater(
    files: list[Path], s: GateSettings, workspace: str | os.PathLike[str] | None, gate_names: Mapping[str, str] | None
) -> tuple[Callable[[Path], TubeOutcome], Path]:
    """The function gating one tube (a template's :class:`TubeGater`, or a FlowJo workspace's gates)."""
    required = [g for g in GATE_IDS if s.absolute or g != "beads"]
    if workspace is None:
        return TubeGater(s, required).gate, s.template
    names = {g: g for g in GATE_IDS} | dict(gate_names or {})
    counts_of = workspace_counter(workspace, files, names, required, s.ignore_offset_error)
    gater = TubeGater(GateSettings(**{**s.__dict__, "adaptive": False}), required)

    def gate_one(path: Path) -> TubeOutcome:
        counts, meta, extra = counts_of(path)
        subject, visit, date = subject_visit(meta, path, s.subject_keyword, s.visit_keyword, s.manifest)
        rec = {
            "usubjid": subject,
            "visit": visit,
            "sample_id": keyword(meta, ("sample id",)),
            "collection_date": date,
            "source": path.name,
        }
        flags = list(extra)
        rec.update(gater._values(counts, meta, path, TubeFit(), flags, set()))
        return TubeOutcome(path, rec, flags)

    return gate_one, Path(workspace)


def _gate_each(
    files: list[Path],
    gate_one: Callable[[Path], TubeOutcome],
    on_error: str,
    progress: Callable[[int, int, str], None] | None,
) -> tuple[list[TubeOutcome], list[dict[str, Any]]]:
    """Gate every file; with ``on_error="skip"`` a failing one gets a status row with its reason."""
    outcomes: list[TubeOutcome] = []
    status_rows: list[dict[str, Any]] = []
    for i, path in enumerate(files):
        if progress is not None:
            progress(i, len(files), path.name)
        sha = sha256_file(path) if path.is_file() else None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                out = gate_one(path)
        except BiomarkerError as exc:
            if on_error == "raise":
                raise
            log.warning("%s failed: %s", path, exc)
            status_rows.append(
                {
                    "file": path.name,
                    "usubjid": None,
                    "visit": None,
                    "status": "failed",
                    "reason": str(exc),
                    "qc_flags": "",
                    "sha256": sha,
                }
            )
            continue
        out.record["sha256"] = sha
        outcomes.append(out)
        status_rows.append(
            {
                "file": path.name,
                "usubjid": out.record["usubjid"],
                "visit": out.record["visit"],
                "status": "ok",
                "reason": "",
                "qc_flags": "",
                "sha256": sha,
            }
        )
    if progress is not None:
        progress(len(files), len(files), "")
    return outcomes, status_rows


def settings_from(
    template: str | os.PathLike[str] | None, manifest: str | os.PathLike[str] | Mapping[str, Any] | None, **kw: Any
) -> GateSettings:
    """:class:`GateSettings` from user-facing arguments (a template path or None, a manifest path or mapping)."""
    m = read_manifest(manifest) if isinstance(manifest, str | os.PathLike) else manifest
    return GateSettings(template=Path(template) if template is not None else DEFAULT_TEMPLATE, manifest=m, **kw)
