"""A tube's events as the template's dimensions see them; fitted gate positions put into the FlowKit strategy,
events counted with FlowKit's own gate objects, the template's positions restored."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from biomarker.flow.fitting import TubeFit
from biomarker.flow.gating import _flowkit


def apply_fit(gs: Any, fit: TubeFit) -> dict[str, Any]:
    """Write fitted positions into ``gs`` (in place) and return what to restore with :func:`restore`."""
    saved: dict[str, Any] = {}
    for gate_id, path in gs.get_gate_ids():
        gate = gs.get_gate(gate_id, path)
        if gate.gate_type == "PolygonGate" and gate_id in fit.vertices:
            saved[gate_id] = [list(v) for v in gate.vertices]
            gate.vertices = fit.vertices[gate_id]
        elif gate.gate_type == "RectangleGate":
            saved[gate_id] = [(d.min, d.max) for d in gate.dimensions]
            parent_id = path[-1]
            for d in gate.dimensions:
                t = fit.thresholds.get((parent_id, d.id)) if gate_id != "beads" else None
                if t is None:
                    t = fit.thresholds.get((gate_id, d.id))
                if t is None:
                    continue
                if d.min is not None:
                    d.min = t
                elif d.max is not None:
                    d.max = t
    return saved


def count_events(gs: Any, values: Mapping[str, np.ndarray], fit: TubeFit) -> dict[str, int]:
    """Events in every gate, each gate applied by FlowKit's own gate object (at its fitted position, after
    :func:`apply_fit`) to the tube's compensated, transformed events; parents before children."""
    import pandas as pd

    frame = pd.DataFrame(dict(values))
    n = len(frame)
    masks: dict[str, np.ndarray] = {}
    for gate_id, path in sorted(gs.get_gate_ids(), key=lambda g: len(g[1])):
        gate = gs.get_gate(gate_id, path)
        parent = masks.get(path[-1], np.ones(n, dtype=bool))
        masks[gate_id] = parent & np.asarray(gate.apply(frame), dtype=bool)
    return {g: int(m.sum()) for g, m in masks.items()}


def fittable(gs: Any) -> bool:
    """Whether every gate is a rectangle or a polygon (the shapes fitting knows); else gate as the template says."""
    return all(gs.get_gate(g, p).gate_type in ("RectangleGate", "PolygonGate") for g, p in gs.get_gate_ids())


def restore(gs: Any, saved: Mapping[str, Any]) -> None:
    """Put the template's own positions back after :func:`apply_fit`."""
    for gate_id, path in gs.get_gate_ids():
        if gate_id not in saved:
            continue
        gate = gs.get_gate(gate_id, path)
        if gate.gate_type == "PolygonGate":
            gate.vertices = saved[gate_id]
        else:
            for d, (lo, hi) in zip(gate.dimensions, saved[gate_id], strict=True):
                d.min, d.max = lo, hi


def channel_values(sample: Any, gs: Any, compensated: bool) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Events of every channel the template gates on, as its dimensions see them (compensated, transformed),
    and the compensated linear values (for bead CVs)."""
    fk = _flowkit()
    raw = sample.get_events(source="raw")
    pnn = list(sample.pnn_labels)
    comp = raw
    if compensated:
        meta = sample.get_metadata()
        detectors = [pnn[i] for i in sample.fluoro_indices]
        matrix = fk.Matrix(meta.get("spillover") or meta.get("spill"), detectors, null_channels=sample.null_channels)
        comp = matrix.apply(sample)
    by_xform: dict[str | None, list[tuple[str, bool]]] = {}
    for gate_id, path in gs.get_gate_ids():
        for d in gs.get_gate(gate_id, path).dimensions:
            uses_comp = d.compensation_ref not in (None, "uncompensated")
            entry = (d.id, uses_comp)
            lst = by_xform.setdefault(d.transformation_ref, [])
            if entry not in lst:
                lst.append(entry)
    values: dict[str, np.ndarray] = {}
    linear: dict[str, np.ndarray] = {}
    for xform_id, dims in by_xform.items():
        cols = np.column_stack([(comp if c else raw)[:, pnn.index(name)] for name, c in dims])
        for (name, _), col in zip(dims, cols.T, strict=True):
            linear[name] = col
        if xform_id is not None:
            cols = gs.get_transform(xform_id).apply(cols)
        for (name, _), col in zip(dims, np.asarray(cols).T, strict=True):
            values[name] = col
    return values, linear
