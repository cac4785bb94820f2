"""Gate raw TBNK tubes (FCS) with a Gating-ML 2.0 template or a FlowJo workspace, through FlowKit.

The shipped template (``biomarker/flow/templates/tbnk_6colour.xml``, :data:`DEFAULT_TEMPLATE`) gates a BD
Multitest 6-colour TBNK + Trucount tube on a FACSCanto II: FSC-A/FSC-H singlets, CD45/SSC lymphocytes, CD3+ T,
CD4+CD8-, CD8+CD4-, CD4+CD8+ and CD4-CD8- within T, CD3-CD19+ B, CD3-CD16+56+ NK, and the beads; fluorescence is
compensated with the file's own ``$SPILLOVER`` (else ``$SPILL``/``SPILL``, else FCS 2.0 ``$COMP``) keyword and shown
on a logicle scale. Each gate's position is fitted to the tube within the template's ``<fit>`` bounds
(:mod:`biomarker.flow.fitting`; ``adaptive=False`` gates at the fixed positions). Copy and edit it for another
cytometer: the gate ids (:data:`GATE_IDS`) are the contract, everything else (channels, shapes, transforms, fit
bounds, markers) is yours. This module reads files and templates and counts with FlowKit; the per-tube stages are
in :mod:`biomarker.flow.tubes`.

Absolute counts use the beads (single-platform): ``cells/uL = population events / bead events x beads per test
/ sample volume (uL)``. Beads per test come from the kit lot (``beads_per_test``, ``--beads N``) or the file's
``BEADS COUNT`` keyword; the volume from ``sample_volume_ul`` or the ``SAMPLE VOLUME`` keyword (50 uL, the
Trucount protocol, with a ``sample_volume_assumed`` flag, when neither is given).

FlowKit (``pip install nsclc-biomarker[fcs]``) is imported only when gating runs.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from biomarker.errors import BiomarkerError, InputError
from biomarker.flow.qc import QcRules

if TYPE_CHECKING:
    import pandas as pd

    from biomarker.flow.manifest import ManifestEntry

log = logging.getLogger(__name__)

DEFAULT_TEMPLATE = Path(str(resources.files("biomarker.flow") / "templates" / "tbnk_6colour.xml"))
#: Gate ids a TBNK template must define, and what each is.
GATE_IDS: dict[str, str] = {
    "lymphocytes": "CD45+ low-SSC lymphocytes",
    "t_cells": "CD3+ T cells (within lymphocytes)",
    "cd4_t": "CD4+ T cells (within T)",
    "cd8_t": "CD8+ T cells (within T)",
    "b_cells": "CD3-CD19+ B cells (within lymphocytes)",
    "nk_cells": "CD3-CD16+56+ NK cells (within lymphocytes)",
    "beads": "Trucount beads",
}
#: Optional gates: singlets before the lymphocytes, and the CD4+CD8+ / CD4-CD8- T quadrants.
OPTIONAL_GATES: dict[str, str] = {
    "singlets": "single cells, FSC-A vs FSC-H (parent of lymphocytes)",
    "dp_t": "CD4+CD8+ T cells (within T)",
    "dn_t": "CD4-CD8- T cells (within T)",
}
#: Our subset prefix -> its gate id.
SUBSET_GATES = {
    "cd3": "t_cells",
    "cd4": "cd4_t",
    "cd8": "cd8_t",
    "dp_t": "dp_t",
    "dn_t": "dn_t",
    "b": "b_cells",
    "nk": "nk_cells",
}
EXTRA_COLUMNS: tuple[str, ...] = (
    "lymph_events",
    "bead_events",
    "bead_cv_pct",
    "beads_per_test",
    "sample_volume_ul",
    "sha256",
)


def _flowkit() -> Any:
    try:
        import flowkit
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise BiomarkerError("gating FCS files needs FlowKit: pip install 'nsclc-biomarker[fcs]'") from exc
    return flowkit


def load_template(template: str | os.PathLike[str] | None = None, *, require: Iterable[str] = GATE_IDS) -> Any:
    """Parse a Gating-ML 2.0 template into a FlowKit ``GatingStrategy`` and check its gate ids.

    Parameters
    ----------
    template
        The XML file; None for the shipped :data:`DEFAULT_TEMPLATE`.
    require
        Gate ids that must be present (all of :data:`GATE_IDS` by default; ``()`` for any template).

    Raises
    ------
    InputError
        Unreadable XML, not Gating-ML 2.0, or a required gate id missing.

    Examples
    --------
    >>> gs = load_template()  # doctest: +SKIP
    >>> sorted(g[0] for g in gs.get_gate_ids())  # doctest: +SKIP
    ['b_cells', 'beads', 'cd4_t', 'cd8_t', 'lymphocytes', 'nk_cells', 't_cells']
    """
    fk = _flowkit()
    path = Path(template) if template is not None else DEFAULT_TEMPLATE
    if not path.is_file():
        raise InputError(path, "gating template not found")
    try:
        gs = fk.parse_gating_xml(str(path))
    except Exception as exc:  # lxml/FlowKit raise many types for bad XML; all mean "fix the template"
        raise InputError(
            path,
            f"not a readable Gating-ML 2.0 template ({type(exc).__name__}: {exc})",
            hint="check it against the shipped biomarker/flow/templates/tbnk_6colour.xml",
        ) from exc
    ids = {g[0] for g in gs.get_gate_ids()}
    missing = [g for g in require if g not in ids]
    if missing:
        raise InputError(
            path,
            f"template has no gate(s) {', '.join(missing)}",
            hint=f"a TBNK template names its gates {', '.join(GATE_IDS)}; a panel without beads needs absolute=False",
        )
    return gs


def read_fcs(path: str | os.PathLike[str], *, ignore_offset_error: bool = False) -> Any:
    """Load one FCS file as a FlowKit ``Sample`` (its id is the path, so two files never share cached events).

    Raises
    ------
    InputError
        Missing, empty, truncated or corrupt file.

    Examples
    --------
    >>> s = read_fcs("study/flow/fcs/TAX-201-01-001_C1D1_TBNK.fcs")  # doctest: +SKIP
    >>> s.event_count  # doctest: +SKIP
    20000
    """
    fk = _flowkit()
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "FCS file not found")
    if path.stat().st_size == 0:
        raise InputError(path, "empty FCS file")
    with open(path, "rb") as fh:
        magic = fh.read(6)
    if not re.fullmatch(rb"FCS\d\.\d", magic):
        raise InputError(path, f"not an FCS file (starts with {magic!r}, expected FCS2.0/3.0/3.1)")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sample = fk.Sample(str(path), sample_id=str(path), ignore_offset_error=ignore_offset_error)
        for w in caught:  # e.g. flowio: "reported incorrect data offset ... review before trusting this file"
            log.warning("%s: %s", path, w.message)
    except Exception as exc:  # flowio raises FCSParsingError, ValueError, struct.error... for damaged files
        text = str(exc)
        hint = (
            "some cytometers write an off-by-one data offset: retry with --ignore-offset-error "
            "(ignore_offset_error=True in Python)"
            if "ignore_offset_error" in text
            else "the file is truncated or damaged: copy it again from the cytometer"
        )
        raise InputError(path, f"cannot read FCS ({type(exc).__name__}: {text})", hint=hint) from exc
    if sample.event_count == 0:
        raise InputError(path, "FCS file holds no events")
    return sample


def template_channels(gs: Any) -> list[str]:
    """Channel names (``$PnN`` or ``$PnS``) the gates of a strategy use."""
    names: list[str] = []
    for gate_id, gate_path in gs.get_gate_ids():
        gate = gs.get_gate(gate_id, gate_path)
        for dim in getattr(gate, "dimensions", []) or []:
            ref = getattr(dim, "id", None) or getattr(dim, "dimension_ref", None)
            if ref and ref not in names:
                names.append(ref)
    return names


def check_channels(sample: Any, gs: Any, path: str | os.PathLike[str], template: str | os.PathLike[str]) -> None:
    """Raise :class:`InputError` when the file lacks a channel the template gates on."""
    have = set(sample.pnn_labels) | {s for s in sample.pns_labels if s}
    have |= {label.replace("/", "_") for label in sample.pnn_labels}
    ratio_ids = set(getattr(gs, "transformations", {}) or {})
    missing = [c for c in template_channels(gs) if c not in have and c not in ratio_ids]
    if missing:
        raise InputError(
            path,
            f"no channel(s) {', '.join(missing)} used by template {Path(template).name}",
            hint=f"the file has {', '.join(sample.pnn_labels)}; edit the template's fcs-dimension names to match",
        )


def gate_counts(
    sample: Any,
    template: Any = None,
    *,
    path: str | os.PathLike[str] | None = None,
    template_name: str | os.PathLike[str] | None = None,
) -> dict[str, int]:
    """Events in every gate of a template for one sample (a FlowKit ``Sample`` or an FCS path).

    Parameters
    ----------
    sample
        A ``Sample`` from :func:`read_fcs`, or a path.
    template
        A ``GatingStrategy``, a Gating-ML path, or None for the shipped TBNK template.
    path, template_name
        The file and template named in error messages (when ``sample`` and ``template`` are objects).

    Raises
    ------
    InputError
        A channel the template needs is missing, or FlowKit cannot gate the file (e.g. a ``$SPILLOVER`` keyword
        naming channels the file does not have).

    Returns
    -------
    dict
        gate id -> event count (gate ids must be unique in the template).

    Examples
    --------
    >>> gate_counts("study/flow/fcs/TAX-201-01-001_C1D1_TBNK.fcs")["beads"]  # doctest: +SKIP
    2636
    """
    if isinstance(sample, str | os.PathLike):
        path = Path(sample)
        sample = read_fcs(sample)
    template_path = DEFAULT_TEMPLATE
    if template is None or isinstance(template, str | os.PathLike):
        template_path = Path(template) if template is not None else DEFAULT_TEMPLATE
        gs = load_template(template_path, require=())
    else:
        gs = template
    where = path if path is not None else sample.id
    template_path = Path(template_name) if template_name is not None else template_path
    check_channels(sample, gs, where, template_path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # cache_events: each channel is compensated and logicle-transformed once, not once per gate using
            # it (halves gating time on the 7-gate TBNK template); the cache is cleared right after.
            results = gs.gate_sample(sample, cache_events=True)
    except Exception as exc:  # FlowKit raises ValueError/KeyError/LookupError for a bad matrix or dimension
        raise InputError(
            where,
            f"cannot gate with {template_path.name} ({type(exc).__name__}: {exc})",
            hint="check the file's $SPILLOVER/SPILL keyword and the template's channel names",
        ) from exc
    finally:
        gs.clear_cache()
    return {gate_id: int(results.get_gate_count(gate_id, gate_path)) for gate_id, gate_path in gs.get_gate_ids()}


def gate_fcs(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    template: str | os.PathLike[str] | None = None,
    beads_per_test: float | None = None,
    *,
    sample_volume_ul: float | None = None,
    absolute: bool = True,
    workspace: str | os.PathLike[str] | None = None,
    gate_names: Mapping[str, str] | None = None,
    subject_keyword: str = "PATIENT ID",
    visit_keyword: str = "VISIT",
    manifest: str | os.PathLike[str] | Mapping[str, ManifestEntry] | None = None,
    ignore_offset_error: bool = False,
    adaptive: bool = True,
    qc: QcRules = QcRules(),  # noqa: B008 - frozen dataclass, safe as a default
    on_error: str = "raise",
    progress: Callable[[int, int, str], None] | None = None,
) -> pd.DataFrame:
    """Gate TBNK tubes and return the same table as :func:`~biomarker.flow.exports.read_tbnk_export`.

    The table of :func:`gate_tubes` (which also gives the per-tube status, the QC table and the fitted gates).

    Parameters
    ----------
    paths
        One FCS path or several; a folder stands for its ``*.fcs`` files (sorted).
    template
        Gating-ML 2.0 file; None for the shipped 6-colour TBNK template.
    beads_per_test
        Trucount beads per test from the kit lot; None reads the ``BEADS COUNT`` keyword.
    sample_volume_ul
        Blood volume in the tube; None reads ``SAMPLE VOLUME`` (and ``SAMPLE VOLUME UNIT``), else 50 uL flagged.
    absolute
        False for a panel without beads: percentages only.
    workspace
        A FlowJo 10 workspace (``.wsp``) to gate with instead of a template (its own gates, compensation and
        transforms, not fitted; :mod:`biomarker.flow.workspace`); ``gate_names`` maps our gate ids to its gate
        names (e.g. ``{"t_cells": "CD3+"}``).
    subject_keyword, visit_keyword
        FCS keywords with the subject and the visit (never guessed from the file name).
    manifest
        A CSV (or mapping from :func:`~biomarker.flow.manifest.read_manifest`): file, subject, visit, date;
        when given it names every tube's subject and visit.
    ignore_offset_error
        Read files whose header data offset is off by one (some LSR II / FACSDiva exports).
    adaptive
        Fit each gate to the tube within the template's bounds (:mod:`biomarker.flow.fitting`); False counts
        with the template's fixed positions (the fit still runs as QC and flags where the data left them).
    qc
        QC limits (:class:`~biomarker.flow.qc.QcRules`).
    on_error
        ``raise`` (default) stops at the first bad file; ``skip`` leaves it out (its reason in
        :func:`gate_tubes`' ``tbnk_tube_status``) and goes on.
    progress
        Called as ``progress(done, total, file name)``.

    Returns
    -------
    pandas.DataFrame
        :data:`~biomarker.flow.qc.TBNK_COLUMNS` plus ``lymph_events, bead_events, bead_cv_pct, beads_per_test,
        sample_volume_ul, sha256``; ``attrs["provenance"]`` names the template and its SHA-256.

    Raises
    ------
    InputError
        A corrupt or truncated FCS, another panel, a channel the template needs missing, no beads (with
        ``absolute``), no beads per test, no subject or visit, the same subject and visit twice.

    Examples
    --------
    >>> from pathlib import Path
    >>> t = gate_fcs(sorted(Path("study/flow/fcs").glob("*.fcs")))  # doctest: +SKIP
    >>> t[["usubjid", "visit", "cd3_pct_lymph", "cd3_abs_per_ul", "qc_flags"]].head()  # doctest: +SKIP
    """
    from biomarker.flow.tubes import gate_tubes, settings_from

    settings = settings_from(
        template,
        manifest,
        beads_per_test=beads_per_test,
        sample_volume_ul=sample_volume_ul,
        absolute=absolute,
        subject_keyword=subject_keyword,
        visit_keyword=visit_keyword,
        ignore_offset_error=ignore_offset_error,
        adaptive=adaptive,
        qc=qc,
    )
    result = gate_tubes(
        paths, settings, workspace=workspace, gate_names=gate_names, on_error=on_error, progress=progress
    )
    table = result.tables["tbnk"]
    table.attrs["provenance"] = result.provenance
    return table
