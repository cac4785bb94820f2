"""What a flow core checks on a raw TBNK tube before it signs the numbers off.

- :func:`check_panel`: the markers in ``$PnS`` (else the tube name) must be the template's panel; another panel is
  refused naming what the file holds.
- :func:`read_compensation`: ``$SPILLOVER``, ``$SPILL`` (``SPILL``) and FCS 2.0 ``$COMP`` are read and checked; a
  tube without any is gated uncompensated, flagged, and the subsets whose gates read two fluorescence channels
  are withheld (spillover decides them).
- :func:`bead_qc`: a minimum of bead events and their CV; too few beads or a broad bead cluster withholds every
  absolute count instead of reporting it 10x wrong.
- :func:`position_qc`: gates far from the template's expectation, and events piled on a gate edge.

Flags are short ``name`` or ``name:detail`` strings; see :mod:`biomarker.flow.qc` for the table of all flags.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from biomarker.errors import InputError
from biomarker.flow.fitting import FittedGate

#: Words of a tube name that say it is a TBNK tube (used when ``$PnS`` names no markers).
TBNK_TUBE_WORDS: tuple[str, ...] = ("TBNK", "MULTITEST", "TRUCOUNT", "TRUC", "6-COLOR", "6 COLOR")
_FLUOR_HINT = re.compile(r"(FSC|SSC|TIME)", re.IGNORECASE)


def _antigens(pns: str) -> set[str]:
    """Antigens named in a ``$PnS`` (``CD16+56 PE`` -> {CD16, CD56}; ``CD3 FITC`` -> {CD3})."""
    text = pns.upper()
    found = set(re.findall(r"CD\d+[A-Z]?(?![A-Z0-9])", text))
    for a, b in re.findall(r"CD(\d+)\s*\+\s*(?:CD)?(\d+)", text):
        found |= {f"CD{a}", f"CD{b}"}
    return found


def check_panel(sample: Any, markers: Mapping[str, Sequence[str]], path: Path, template: Path) -> list[str]:
    """Refuse a tube whose markers are not the template's panel; return flags (``panel_from_tube_name``).

    Parameters
    ----------
    markers
        channel -> antigens its ``$PnS`` may name (any one of them), from the template's ``marker`` attributes.

    Raises
    ------
    InputError
        A template channel whose ``$PnS`` names another antigen, template markers absent from the file, or no
        markers at all and a tube name that is not a TBNK tube.
    """
    if not markers:
        return []
    pnn, pns = list(sample.pnn_labels), [s or "" for s in sample.pns_labels]
    found = {n: _antigens(s) for n, s in zip(pnn, pns, strict=True) if _antigens(s)}
    everything = sorted({a for s in found.values() for a in s}, key=lambda a: int(re.sub(r"\D", "", a) or 0))
    meta = sample.get_metadata()
    tube = str(meta.get("tube name") or meta.get("tube") or meta.get("src") or "").strip()
    if not found:
        if tube and any(w in tube.upper() for w in TBNK_TUBE_WORDS):
            return ["panel_from_tube_name"]
        raise InputError(
            path,
            f"no markers in $PnS and tube name {tube or '(none)'!r} is not a TBNK tube: cannot "
            f"tell which panel this is",
            hint=f"template {template.name} gates " + ", ".join(f"{c} {'/'.join(m)}" for c, m in markers.items()),
        )
    wrong = []
    for channel, want in markers.items():
        have = found.get(channel)
        if have is not None and not have & set(want):
            wrong.append(f"{channel} is {pns[pnn.index(channel)]!r} (template: {'/'.join(want)})")
    missing = [f"{'/'.join(w)}" for c, w in markers.items() if not any(set(w) & s for s in found.values())]
    if wrong or missing:
        what = "; ".join(wrong + ([f"no {', '.join(missing)} in the file"] if missing else []))
        raise InputError(
            path,
            f"not the TBNK panel of {template.name}: {what}; the file's markers are "
            f"{', '.join(everything)}" + (f" (tube {tube!r})" if tube else ""),
            hint="gate it with a template for its own panel",
        )
    return []


def _parse_matrix(text: str, path: Path, keyword: str, fluor: Sequence[str]) -> tuple[list[str], np.ndarray]:
    parts = [p.strip() for p in str(text).split(",")]
    try:
        n = int(float(parts[0]))
    except ValueError:
        raise InputError(path, f"{keyword} does not start with the channel count: {text[:40]!r}") from None
    if keyword == "$COMP" and len(parts) == 1 + n * n:  # FCS 2.0: no names, the fluorescence channels in order
        if n > len(fluor):
            raise InputError(path, f"$COMP is {n}x{n} but the file has {len(fluor)} fluorescence channels")
        names, values = list(fluor[:n]), parts[1:]
    else:
        names, values = parts[1 : 1 + n], parts[1 + n :]
    if len(values) != n * n:
        raise InputError(path, f"{keyword} holds {len(values)} values for {n} channels (expected {n * n})")
    try:
        matrix = np.array([float(v) for v in values]).reshape(n, n)
    except ValueError:
        raise InputError(path, f"{keyword} has a value that is not a number") from None
    return names, matrix


def read_compensation(sample: Any, path: Path) -> tuple[str | None, list[str]]:
    """The tube's spillover (``$SPILLOVER``, else ``$SPILL``/``SPILL``, else ``$COMP``), checked.

    Returns the keyword used (None when the tube has none) and flags. A ``$COMP``-only tube gets its matrix
    written into the sample's in-memory ``spillover`` keyword so FlowKit compensates with it.

    Raises
    ------
    InputError
        A matrix naming channels the file does not have, a diagonal that is not 1, or unreadable numbers.
    """
    meta = sample.get_metadata()
    pnn = list(sample.pnn_labels)
    fluor = [pnn[i] for i in sample.fluoro_indices]
    for key, label in (("spillover", "$SPILLOVER"), ("spill", "$SPILL"), ("comp", "$COMP")):
        text = meta.get(key)
        if text is None or not str(text).strip():
            continue
        names, matrix = _parse_matrix(str(text), path, label, fluor)
        absent = [n for n in names if n not in pnn]
        if absent:
            raise InputError(
                path,
                f"{label} names channel(s) {', '.join(absent)} the file does not have",
                hint=f"the file's channels are {', '.join(pnn)}",
            )
        if not np.allclose(np.diag(matrix), 1.0, atol=0.05):
            raise InputError(
                path,
                f"{label} diagonal is not 1 ({', '.join(f'{v:g}' for v in np.diag(matrix))}): not a spillover matrix",
                hint="export the tube with its compensation again",
            )
        if key == "comp":
            meta["spillover"] = ",".join([str(len(names)), *names, *(f"{v:g}" for v in matrix.ravel())])
        return label, []
    return None, ["no_compensation"]


def compensation_withheld(gs: Any, fluorescence: set[str], gates: Mapping[str, str]) -> list[str]:
    """Our subsets whose gate (or an ancestor below lymphocytes) reads two or more fluorescence channels."""
    out = []
    for subset, gate_id in gates.items():
        channels: set[str] = set()
        for gid, path in gs.get_gate_ids():
            if gid != gate_id:
                continue
            below = path[path.index("lymphocytes") + 1 :] if "lymphocytes" in path else ()
            for anc in (*below, gid):
                channels |= {d.id for d in gs.get_gate(anc).dimensions if d.id in fluorescence}
        if len(channels) >= 2:
            out.append(subset)
    return out


def bead_qc(bead_events: int, bead_values: np.ndarray, qc: Any, channel_max: float = math.inf) -> list[str]:
    """Flags for too few beads or a broad bead cluster (CV in linear compensated units), and beads piled at the
    top of the scale (a detector gain too high: their CV means nothing then; counted, but flagged)."""
    flags = []
    if len(bead_values) and float(np.mean(bead_values >= 0.98 * channel_max)) > 0.5:
        return [f"beads_off_scale={100 * float(np.mean(bead_values >= 0.98 * channel_max)):.0f}%"] + (
            [f"few_beads={bead_events}"] if bead_events < qc.min_bead_events else []
        )
    if bead_events < qc.min_bead_events:
        flags.append(f"few_beads={bead_events}")
    if len(bead_values) >= 20:  # bead CV needs the fitted path's events
        cv = 100 * float(np.std(bead_values) / np.mean(bead_values)) if np.mean(bead_values) > 0 else math.inf
        if cv > qc.max_bead_cv_pct:
            flags.append(f"bead_cv_high={cv:.1f}%")
    return flags


def position_qc(positions: Sequence[FittedGate], qc: Any) -> list[str]:
    """Flags for gates far from the template and for events piled on a fitted edge.

    A threshold counts as far when it moved more than ``qc.max_gate_shift`` and the template's own position
    would have cut through the population (1% or more of it within 0.02): a wide empty valley is not a shift.
    """
    flags = []
    for p in positions:
        name = f"{p.gate_id}.{p.dimension}"
        if p.bound == "scale":
            if not 1 / qc.max_scatter_scale <= p.fitted_value <= qc.max_scatter_scale:
                flags.append(f"gate_far_from_template:{name}=x{p.fitted_value:.2f}")
        elif (
            p.bound in ("min", "max", "shift")
            and p.method != "fallback"
            and abs(p.fitted_value - p.template_value) > qc.max_gate_shift
            and not p.template_edge_fraction < 0.01
        ):  # the fixed gate would have cut through events
            flags.append(f"gate_far_from_template:{name}={p.fitted_value - p.template_value:+.2f}")
        if not math.isnan(p.edge_fraction) and p.edge_fraction > qc.max_edge_fraction:
            flags.append(f"events_on_gate_edge:{name}={100 * p.edge_fraction:.1f}%")
    return flags


def is_fluorescence(name: str) -> bool:
    """Scatter and time channels are not fluorescence."""
    return not _FLUOR_HINT.search(name)
