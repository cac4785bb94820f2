"""Gate raw TBNK tubes (FCS) with a Gating-ML 2.0 template or a FlowJo workspace, through FlowKit.

The shipped template (``biomarker/flow/templates/tbnk_6colour.xml``, :data:`DEFAULT_TEMPLATE`) gates a BD
Multitest 6-colour TBNK + Trucount tube on a FACSCanto II: CD45/SSC lymphocytes, CD3+ T, CD4+CD8- and
CD8+CD4- within T, CD3-CD19+ B, CD3-CD16+56+ NK, and the beads; fluorescence is compensated with the file's own
``$SPILLOVER`` (else ``SPILL``) keyword and shown on a logicle scale. Copy and edit it for another cytometer:
the gate ids (:data:`GATE_IDS`) are the contract, everything else (channels, shapes, transforms) is yours.

Absolute counts use the beads (single-platform): ``cells/uL = population events / bead events x beads per test
/ sample volume (uL)``. Beads per test come from the kit lot (``beads_per_test``, ``--beads N``) or the file's
``BEADS COUNT`` keyword; the volume from ``sample_volume_ul`` or the ``SAMPLE VOLUME`` keyword (50 uL, the
Trucount protocol, with a ``sample_volume_assumed`` flag, when neither is given).

FlowKit (``pip install nsclc-biomarker[fcs]``) is imported only when gating runs.
"""

from __future__ import annotations

import logging
import math
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from biomarker import __version__
from biomarker.errors import BiomarkerError, ConfigError, InputError
from biomarker.files import sha256_file
from biomarker.flow.exports import normalise_visit
from biomarker.flow.qc import QcRules, finish_table

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
_SUBSET_GATES = {"cd3": "t_cells", "cd4": "cd4_t", "cd8": "cd8_t", "b": "b_cells", "nk": "nk_cells"}
#: FCS keywords (FlowKit lower-cases them and drops ``$``) holding beads per test and sample volume.
BEAD_KEYWORDS: tuple[str, ...] = ("beads count", "bead count", "beads per test", "trucount beads", "beads/test")
VOLUME_KEYWORDS: tuple[str, ...] = ("sample volume", "sample vol", "volume")
EXTRA_COLUMNS: tuple[str, ...] = ("lymph_events", "bead_events", "beads_per_test", "sample_volume_ul", "sha256")


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
        raise InputError(path, f"not a readable Gating-ML 2.0 template ({type(exc).__name__}: {exc})",
                         hint="check it against the shipped biomarker/flow/templates/tbnk_6colour.xml") from exc
    ids = {g[0] for g in gs.get_gate_ids()}
    missing = [g for g in require if g not in ids]
    if missing:
        raise InputError(path, f"template has no gate(s) {', '.join(missing)}",
                         hint=f"a TBNK template names its gates {', '.join(GATE_IDS)}; "
                              "a panel without beads needs absolute=False")
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
        hint = ("some cytometers write an off-by-one data offset: retry with ignore_offset_error=True"
                if "ignore_offset_error" in text
                else "the file is truncated or damaged: copy it again from the cytometer")
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
        raise InputError(path, f"no channel(s) {', '.join(missing)} used by template {Path(template).name}",
                         hint=f"the file has {', '.join(sample.pnn_labels)}; edit the template's "
                              "fcs-dimension names to match")


def gate_counts(sample: Any, template: Any = None, *, path: str | os.PathLike[str] | None = None,
                template_name: str | os.PathLike[str] | None = None) -> dict[str, int]:
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
        raise InputError(where, f"cannot gate with {template_path.name} ({type(exc).__name__}: {exc})",
                         hint="check the file's $SPILLOVER/SPILL keyword and the template's channel names") from exc
    finally:
        gs.clear_cache()
    return {gate_id: int(results.get_gate_count(gate_id, gate_path)) for gate_id, gate_path in gs.get_gate_ids()}


def _keyword(meta: Mapping[str, str], names: Sequence[str]) -> str | None:
    for name in names:
        value = meta.get(name)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def _beads_per_test(meta: Mapping[str, str], given: float | None, path: Path) -> float:
    if given is not None:
        if not given > 0:
            raise ConfigError(f"beads per test must be > 0, not {given}")
        return float(given)
    text = _keyword(meta, BEAD_KEYWORDS)
    if text is None:
        raise InputError(path, "no beads per test: no BEADS COUNT keyword",
                         hint="give the Trucount lot's beads per test (--beads N / beads_per_test=N)")
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, f"BEADS COUNT keyword {text!r} is not a number", hint="give --beads N") from None
    if not value > 0:
        raise InputError(path, f"BEADS COUNT keyword is {text}", hint="give --beads N")
    return value


def _sample_volume(meta: Mapping[str, str], given: float | None, path: Path) -> tuple[float, bool]:
    if given is not None:
        if not given > 0:
            raise ConfigError(f"sample volume must be > 0 uL, not {given}")
        return float(given), False
    text = _keyword(meta, VOLUME_KEYWORDS)
    if text is None:
        log.warning("%s: no SAMPLE VOLUME keyword; assuming 50 uL (Trucount protocol)", path)
        return 50.0, True
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, f"SAMPLE VOLUME keyword {text!r} is not a number",
                         hint="give sample_volume_ul") from None
    unit = (meta.get("sample volume unit") or "uL").strip().lower().replace("µ", "u").replace("μ", "u")
    factor = {"ul": 1.0, "microliter": 1.0, "microlitre": 1.0, "ml": 1000.0, "nl": 0.001}.get(unit)
    if factor is None:
        raise InputError(path, f"unknown SAMPLE VOLUME UNIT {unit!r}", hint="give sample_volume_ul")
    if not value > 0:
        raise InputError(path, f"SAMPLE VOLUME is {text}", hint="give sample_volume_ul")
    return value * factor, False


def _subject_visit(meta: Mapping[str, str], path: Path, subject_keyword: str, visit_keyword: str) -> tuple[str, str]:
    subject = _keyword(meta, (subject_keyword.lower(),))
    visit = _keyword(meta, (visit_keyword.lower(),))
    if subject is None or visit is None:
        parts = path.stem.split("_")
        if len(parts) >= 2:
            subject, visit = subject or parts[0], visit or parts[1]
    if not subject or not visit:
        raise InputError(path, f"no subject or visit: no {subject_keyword!r}/{visit_keyword!r} keyword and the "
                               "file name is not <USUBJID>_<VISIT>_....fcs",
                         hint="rename the file or pass subject_keyword/visit_keyword")
    return subject, normalise_visit(visit)


def _fcs_date(text: str | None) -> str | None:
    """FCS ``$DATE`` (``30-MAR-2022``, FCS 3.x ``dd-mmm-yyyy``) as ISO 8601; None when absent or unparsable."""
    if not text:
        return None
    for fmt in ("%d-%b-%Y", "%d-%b-%y", "%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(text.strip().title(), fmt).date().isoformat()
        except ValueError:
            continue
    return None


def tube_result(counts: Mapping[str, int], meta: Mapping[str, str], path: Path, *, beads_per_test: float | None,
                sample_volume_ul: float | None, absolute: bool, subject_keyword: str, visit_keyword: str,
                qc: QcRules) -> tuple[dict[str, Any], list[str]]:
    """One TBNK row (before :func:`~biomarker.flow.qc.finish_table`) and its flags, from gate counts."""
    flags: list[str] = []
    subject, visit = _subject_visit(meta, path, subject_keyword, visit_keyword)
    lymph = counts["lymphocytes"]
    rec: dict[str, Any] = {"usubjid": subject, "visit": visit, "sample_id": meta.get("sample id"),
                           "collection_date": _fcs_date(meta.get("date")), "source": path.name,
                           "lymph_events": lymph, "bead_events": counts.get("beads")}
    if lymph == 0:
        raise InputError(path, "no events in the lymphocytes gate",
                         hint="check the template's CD45/SSC gate against this cytometer's scales")
    if lymph < qc.min_lymph_events:
        flags.append(f"low_lymph_events={lymph}")
    for subset, gate in _SUBSET_GATES.items():
        rec[f"{subset}_pct_lymph"] = 100.0 * counts[gate] / lymph
    if absolute:
        beads = counts.get("beads", 0)
        if beads == 0:
            raise InputError(path, "no bead events in the 'beads' gate: no absolute counts without Trucount beads",
                             hint="a panel without beads: absolute=False (percentages only)")
        per_test = _beads_per_test(meta, beads_per_test, path)
        volume, assumed = _sample_volume(meta, sample_volume_ul, path)
        if assumed:
            flags.append("sample_volume_assumed_50ul")
        scale = per_test / volume / beads
        rec["lymph_abs_per_ul"] = lymph * scale
        for subset, gate in _SUBSET_GATES.items():
            rec[f"{subset}_abs_per_ul"] = counts[gate] * scale
        rec.update(beads_per_test=per_test, sample_volume_ul=volume)
    else:
        rec.update(beads_per_test=math.nan, sample_volume_ul=math.nan)
    if not (meta.get("spillover") or meta.get("spill")):
        flags.append("no_spillover_uncompensated")
    return rec, flags


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
    ignore_offset_error: bool = False,
    qc: QcRules = QcRules(),  # noqa: B008 - frozen dataclass, safe as a default
    on_error: str = "raise",
    progress: Callable[[int, int, str], None] | None = None,
) -> pd.DataFrame:
    """Gate TBNK tubes and return the same table as :func:`~biomarker.flow.exports.read_tbnk_export`.

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
        transforms); ``gate_names`` maps our gate ids to its gate names (e.g. ``{"t_cells": "CD3+"}``).
    subject_keyword, visit_keyword
        FCS keywords with the subject and the visit; else the file name ``<USUBJID>_<VISIT>_....fcs``.
    ignore_offset_error
        Read files whose header data offset is off by one (some LSR II / FACSDiva exports).
    qc
        QC limits (lymphosum, CD4+CD8 vs CD3, minimum lymphocyte events).
    on_error
        ``raise`` (default) stops at the first bad file; ``skip`` gives it an empty row with ``qc_flags``
        ``failed: <reason>`` and goes on.
    progress
        Called as ``progress(done, total, file name)``.

    Returns
    -------
    pandas.DataFrame
        :data:`~biomarker.flow.qc.TBNK_COLUMNS` plus ``lymph_events, bead_events, beads_per_test,
        sample_volume_ul, sha256``; ``attrs["provenance"]`` names the template and its SHA-256.

    Raises
    ------
    InputError
        A corrupt or truncated FCS, a channel the template needs missing, no beads (with ``absolute``), no beads
        per test, the same subject and visit twice.

    Examples
    --------
    >>> from pathlib import Path
    >>> t = gate_fcs(sorted(Path("study/flow/fcs").glob("*.fcs")))  # doctest: +SKIP
    >>> t[["usubjid", "visit", "cd3_pct_lymph", "cd3_abs_per_ul", "qc_flags"]].head()  # doctest: +SKIP
    """
    if on_error not in ("raise", "skip"):
        raise ConfigError(f"on_error must be 'raise' or 'skip', not {on_error!r}")
    given = [Path(paths)] if isinstance(paths, str | os.PathLike) else [Path(p) for p in paths]
    files = [f for p in given for f in (sorted(p.glob("*.fcs")) if p.is_dir() else [p])]
    if not files:
        raise ConfigError(f"no FCS files to gate in {', '.join(map(str, given)) or 'an empty list'}")
    names = {g: g for g in GATE_IDS}
    names.update(gate_names or {})
    required = [g for g in GATE_IDS if absolute or g != "beads"]
    if workspace is not None:
        counts_of = _workspace_counter(workspace, files, names, required, ignore_offset_error)
        template_path = Path(workspace)
    else:
        template_path = Path(template) if template is not None else DEFAULT_TEMPLATE
        gs = load_template(template_path, require=required)

        def counts_of(path: Path) -> tuple[dict[str, int], Mapping[str, str], list[str]]:
            sample = read_fcs(path, ignore_offset_error=ignore_offset_error)
            return gate_counts(sample, gs, path=path, template_name=template_path), sample.get_metadata(), []

        if gate_names:
            log.info("gate_names is used with workspace=...; a template's gates are named by id")
    records: list[dict[str, Any]] = []
    flags: list[list[str]] = []
    for i, path in enumerate(files):
        if progress is not None:
            progress(i, len(files), path.name)
        try:
            counts, meta, extra = counts_of(path)
            rec, row_flags = tube_result(counts, meta, path, beads_per_test=beads_per_test,
                                         sample_volume_ul=sample_volume_ul, absolute=absolute,
                                         subject_keyword=subject_keyword, visit_keyword=visit_keyword, qc=qc)
            row_flags.extend(extra)
        except BiomarkerError as exc:
            if on_error == "raise":
                raise
            log.warning("%s failed: %s", path, exc)
            stem = path.stem.split("_")
            rec = {"usubjid": stem[0], "visit": normalise_visit(stem[1]) if len(stem) > 1 else "", "source": path.name}
            row_flags = [f"failed: {exc}"]
        rec["sha256"] = sha256_file(path) if path.is_file() else None
        records.append(rec)
        flags.append(row_flags)
    if progress is not None:
        progress(len(files), len(files), "")
    table = pd.DataFrame(records)
    dup = table.duplicated(["usubjid", "visit"], keep=False)
    if dup.any():
        d = table[dup]
        first = d.iloc[0]
        same = d[(d.usubjid == first.usubjid) & (d.visit == first.visit)]["source"].tolist()
        raise InputError(same[-1], f"subject {first.usubjid} visit {first.visit} is in more than one file "
                                   f"({', '.join(same)})", hint="gate one tube per subject and visit")
    out = finish_table(table, qc, flags)
    for col in EXTRA_COLUMNS:
        out[col] = table[col].to_numpy() if col in table else None
    out.attrs["provenance"] = {
        "package": "nsclc-biomarker", "version": __version__, "flowkit_version": _flowkit().__version__,
        "template": str(template_path), "template_sha256": sha256_file(template_path),
        "beads_per_test": beads_per_test, "sample_volume_ul": sample_volume_ul, "absolute": absolute,
        "qc": qc.__dict__.copy(), "inputs": {str(p): s for p, s in zip(files, table["sha256"], strict=True)},
    }
    return out


def _workspace_counter(workspace: str | os.PathLike[str], files: list[Path], names: Mapping[str, str],
                       required: Sequence[str], ignore_offset_error: bool
                       ) -> Callable[[Path], tuple[dict[str, int], Mapping[str, str], list[str]]]:
    """Gate with a FlowJo workspace: load it with the files and count each of our gates by its name there."""
    fk = _flowkit()
    wsp = Path(workspace)
    if not wsp.is_file():
        raise InputError(wsp, "FlowJo workspace not found")
    samples = {}
    for f in files:
        read_fcs(f, ignore_offset_error=ignore_offset_error)  # clear errors for damaged files first
        if f.name in samples:
            raise InputError(f, f"two files named {f.name}: a workspace matches samples by file name")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # FlowJo names a workspace's samples by file name and its channels "Comp-<detector>"
            s = fk.Sample(str(f), sample_id=f.name, ignore_offset_error=ignore_offset_error, use_flowjo_labels=True)
        samples[f.name] = (f, s)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ws = fk.Workspace(str(wsp), fcs_samples=[s for _, s in samples.values()])
    except Exception as exc:  # FlowKit raises many types for a bad .wsp
        raise InputError(wsp, f"not a readable FlowJo workspace ({type(exc).__name__}: {exc})") from exc
    loaded = set(ws.get_sample_ids())
    by_path = {f: sid for sid, (f, _) in samples.items()}

    def counts_of(path: Path) -> tuple[dict[str, int], Mapping[str, str], list[str]]:
        sid = by_path[path]
        if sid not in loaded:
            raise InputError(path, f"sample {sid!r} is not in workspace {wsp.name}",
                             hint=f"the workspace has {', '.join(sorted(loaded)) or 'no loaded sample'}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ws.analyze_samples(sample_id=sid, use_mp=False)
        results = ws.get_gating_results(sid)
        counts = {}
        for ours in required:
            theirs = names[ours]
            matches = ws.find_matching_gate_paths(sid, theirs)
            if len(matches) != 1:
                raise InputError(wsp, f"gate {theirs!r} (our {ours}) is {'ambiguous' if matches else 'absent'} "
                                      f"for sample {sid}", hint="pass gate_names={our id: their gate name}")
            counts[ours] = int(results.get_gate_count(theirs, matches[0]))
        meta = samples[sid][1].get_metadata()
        flags = []
        if ws.get_comp_matrix(sid) is None and (meta.get("spillover") or meta.get("spill")):
            log.warning("%s: workspace %s has no compensation matrix for it; gated uncompensated", path, wsp.name)
            flags.append("workspace_uncompensated")
        return counts, meta, flags

    return counts_of
