"""Gates that follow each tube: fit the template's gate positions to the tube's own data.

The Gating-ML template stays the definition of every gate (population, channels, parent, shape); each gate's
``data-type:custom_info`` holds a ``<fit>`` element saying how its position may move for one tube, in the spirit
of openCyto's ``mindensity`` gates:

``valley`` (rectangle gates, one per thresholded dimension)
    the deepest density valley between two peaks of the parent population on that channel (compensated,
    logicle-scaled), between ``low`` and ``high``; events an already fitted negative selection of the same gate
    excludes are left out first (CD19 is fitted on CD3- lymphocytes). No clear valley: the template's fixed
    position, flagged.
``ratio`` (singlets, FSC-A vs FSC-H)
    the valley of FSC-H/FSC-A between singlets and doublets, between ``low`` and ``high``.
``cluster`` (lymphocytes, CD45 vs SSC)
    the density peak of CD45-bright, low-SSC events near the expected ``(x, y)``: the polygon moves by the CD45
    shift and stretches by the SSC ratio (SSC is linear, a gain change scales it), and is cut below the beads.
``bright`` (Trucount beads)
    the valley below the cluster bright in every fluorescence channel the gate uses (min over channels).

A channel shared by several gates with the same parent (CD4 and CD8 in the four T quadrants, CD3 in B and NK) gets
one threshold, so the quadrants partition their parent. :func:`fit_tube` returns the fitted positions with
their diagnostics; :func:`~biomarker.flow.gate_positions.apply_fit` writes them into the FlowKit strategy whose
gate objects then count the events.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> v = np.concatenate([rng.normal(0.2, 0.04, 3000), rng.normal(0.7, 0.04, 1000)])
>>> round(find_valley(v, 0.3, 0.6).position, 1)
0.5
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from biomarker.flow.valleys import find_valley, points_in_polygon

GML = "{http://www.isac-net.org/std/Gating-ML/v2.0/gating}"
DATATYPES = "{http://www.isac-net.org/std/Gating-ML/v2.0/datatypes}"


@dataclass(frozen=True)
class FitSpec:
    """How one gate (or one dimension of it) may move: a ``<fit>`` element of the template."""

    gate_id: str
    kind: str
    dimension: str | None = None
    low: float = math.nan
    high: float = math.nan
    x: float = math.nan
    y: float = math.nan
    x_range: float = 0.2
    y_factor: float = 3.0
    markers: tuple[str, ...] = ()


@dataclass
class FittedGate:
    """One fitted position: a threshold (``dimension`` set) or a polygon move (lymphocytes, singlets)."""

    gate_id: str
    dimension: str
    bound: str  # "min", "max", "shift", "scale", "ratio"
    template_value: float
    fitted_value: float
    method: str  # "valley", "cluster", "fallback"
    depth: float = math.nan
    edge_fraction: float = math.nan
    note: str = ""
    template_edge_fraction: float = math.nan  # share of the fitted population within 0.02 of the template's position


@dataclass
class TubeFit:
    """Fitted positions for one tube, the event masks of every gate and the fitting's flags."""

    positions: list[FittedGate] = field(default_factory=list)
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    vertices: dict[str, list[list[float]]] = field(default_factory=dict)
    thresholds: dict[tuple[str, str], float] = field(default_factory=dict)
    values: Mapping[str, np.ndarray] = field(default_factory=dict)
    bead_values: np.ndarray | None = None  # linear compensated bead events on the bead gate's first channel
    bead_channel_max: float = math.inf  # the largest value of that channel (its scale's top)


def read_fit_specs(template: str | Path) -> dict[str, list[FitSpec]]:
    """The ``<fit>`` elements of a Gating-ML template, per gate id (gates without one stay fixed)."""
    root = ET.parse(str(template)).getroot()
    out: dict[str, list[FitSpec]] = {}
    for gate in root:
        gid = gate.get(f"{GML}id")
        if gid is None:
            continue
        for info in gate.findall(f"{DATATYPES}custom_info"):
            for el in info.findall("fit"):
                a = el.attrib
                out.setdefault(gid, []).append(
                    FitSpec(
                        gid,
                        a.get("kind", ""),
                        a.get("dimension"),
                        float(a.get("low", "nan")),
                        float(a.get("high", "nan")),
                        float(a.get("x", "nan")),
                        float(a.get("y", "nan")),
                        float(a.get("x-range", 0.2)),
                        float(a.get("y-factor", 3.0)),
                        tuple(m.strip() for m in a.get("marker", "").split(",") if m.strip()),
                    )
                )
    return out


def template_markers(specs: Mapping[str, list[FitSpec]], gs: Any) -> dict[str, tuple[str, ...]]:
    """channel -> the antigens its ``$PnS`` may name, from the template's ``marker`` attributes."""
    out: dict[str, tuple[str, ...]] = {}
    for gid, fits in specs.items():
        for f in fits:
            if not f.markers:
                continue
            channel = f.dimension
            if channel is None:
                gate = gs.get_gate(gid)
                channel = gate.dimensions[0].id
            out[channel] = f.markers
    return out


def _rect_mask(values: Mapping[str, np.ndarray], bounds: Mapping[str, tuple[float | None, float | None]]) -> np.ndarray:
    mask: np.ndarray | None = None
    for channel, (lo, hi) in bounds.items():
        v = values[channel]
        m = np.ones(len(v), dtype=bool)
        if lo is not None:
            m &= v >= lo
        if hi is not None:
            m &= v < hi
        mask = m if mask is None else mask & m
    assert mask is not None
    return mask


def _edge_fraction(v: np.ndarray, at: float, width: float = 0.02) -> float:
    return float(np.mean(np.abs(v - at) < width)) if len(v) else math.nan


def _fit_ratio(
    gate: Any, spec: FitSpec, values: Mapping[str, np.ndarray], parent: np.ndarray, fit: TubeFit
) -> list[list[float]]:
    """Singlets wedge: lower edge at the FSC-H/FSC-A valley between doublets and singlets."""
    xd, yd = gate.dimensions[0].id, gate.dimensions[1].id
    verts = [list(map(float, v)) for v in gate.vertices]
    template_ratio = verts[1][1] / verts[1][0]
    a = values[xd][parent]
    ratio = values[yd][parent] / np.where(a > 0, a, np.nan)
    valley = find_valley(ratio, spec.low, spec.high, min_peak=0.002)  # doublets are a few % of events
    fitted = valley.position if valley.found else template_ratio
    method = "valley" if valley.found else "fallback"
    if not valley.found and "one population" not in valley.reason:
        fit.flags.append(f"gate_fallback:{gate.gate_name}.{yd}/{xd}")
    verts[1][1] = verts[1][0] * fitted
    fit.positions.append(
        FittedGate(
            gate.gate_name,
            f"{yd}/{xd}",
            "ratio",
            template_ratio,
            fitted,
            method,
            valley.depth,
            _edge_fraction(ratio[np.isfinite(ratio)], fitted),
            valley.reason,
        )
    )
    return verts


def _fit_cluster(
    gate: Any,
    spec: FitSpec,
    values: Mapping[str, np.ndarray],
    parent: np.ndarray,
    fit: TubeFit,
    bead_floor: float | None,
) -> list[list[float]]:
    """Lymphocyte polygon moved to the tube's CD45-bright, low-SSC density peak (kept below the beads)."""
    xd, yd = gate.dimensions[0].id, gate.dimensions[1].id
    verts = [list(map(float, v)) for v in gate.vertices]
    x, y = values[xd][parent], values[yd][parent]
    near = (np.abs(x - spec.x) <= spec.x_range) & (y >= spec.y / spec.y_factor) & (y <= spec.y * spec.y_factor)
    if bead_floor is not None:
        near &= x < bead_floor
    dx, scale, method, note = 0.0, 1.0, "fallback", ""
    if near.sum() >= 200:
        ly = np.log(y[near])
        hist, xe, ye = np.histogram2d(x[near], ly, bins=(48, 48))
        k = np.array([1.0, 4.0, 6.0, 4.0, 1.0])
        hist = np.apply_along_axis(lambda r: np.convolve(r, k, "same"), 0, hist)
        hist = np.apply_along_axis(lambda r: np.convolve(r, k, "same"), 1, hist)
        i, j = np.unravel_index(int(np.argmax(hist)), hist.shape)
        cx, cy = (xe[i] + xe[i + 1]) / 2, math.exp((ye[j] + ye[j + 1]) / 2)
        # refine on the events near the peak: medians are steadier than a histogram bin
        close = (np.abs(x[near] - cx) < 0.05) & (np.abs(ly - math.log(cy)) < 0.25)
        if close.sum() >= 50:
            cx, cy = float(np.median(x[near][close])), float(math.exp(np.median(ly[close])))
        dx, scale, method = cx - spec.x, cy / spec.y, "cluster"
    else:
        note = f"{int(near.sum())} events near the expected lymphocytes"
        fit.flags.append(f"gate_fallback:{gate.gate_name}")
    verts = [[vx + dx, vy * scale] for vx, vy in verts]
    if bead_floor is not None:
        verts = [[min(vx, bead_floor), vy] for vx, vy in verts]
    fit.positions.append(FittedGate(gate.gate_name, xd, "shift", 0.0, dx, method, note=note))
    fit.positions.append(FittedGate(gate.gate_name, yd, "scale", 1.0, scale, method, note=note))
    return verts


def _fit_beads(
    gate: Any, spec: FitSpec, values: Mapping[str, np.ndarray], parent: np.ndarray, fit: TubeFit
) -> dict[str, tuple[float | None, float | None]]:
    """Bead thresholds: the valley below the cluster bright in every channel of the gate."""
    channels = [d.id for d in gate.dimensions]
    low = np.min(np.column_stack([values[c][parent] for c in channels]), axis=1)
    valley = find_valley(low, spec.low, spec.high)
    bounds: dict[str, tuple[float | None, float | None]] = {}
    for d in gate.dimensions:
        fitted = valley.position if valley.found else d.min
        bounds[d.id] = (fitted, d.max)
        method = "valley" if valley.found else "fallback"
        fit.positions.append(
            FittedGate(
                gate.gate_name,
                d.id,
                "min",
                d.min,
                fitted,
                method,
                valley.depth,
                _edge_fraction(low, fitted),
                valley.reason,
                _edge_fraction(low, d.min),
            )
        )
    if not valley.found:
        fit.flags.append(f"gate_fallback:{gate.gate_name}")
    return bounds


def _fit_rect(
    gate: Any, specs: list[FitSpec], values: Mapping[str, np.ndarray], parent: np.ndarray, parent_id: str, fit: TubeFit
) -> dict[str, tuple[float | None, float | None]]:
    """Rectangle thresholds, each a valley of the parent on its channel (shared per parent and channel)."""
    by_dim = {s.dimension: s for s in specs if s.kind == "valley"}
    bounds = {d.id: (d.min, d.max) for d in gate.dimensions}
    for d in gate.dimensions:
        spec = by_dim.get(d.id)
        key = (parent_id, d.id)
        template_value = d.min if d.min is not None else d.max
        if spec is None or template_value is None:
            continue
        if key not in fit.thresholds:
            # leave out what an already fitted negative selection excludes (B and NK are fitted on CD3- events);
            # the CD4/CD8 quadrant thresholds are fitted on every T cell (big peaks on both sides)
            negative = {e.id for e in gate.dimensions if e.max is not None and e.min is None}
            others = {
                c: b for c, b in bounds.items() if c != d.id and c in negative and (parent_id, c) in fit.thresholds
            }
            within = parent & _rect_mask(values, others) if others else parent
            v = values[d.id][within]
            valley = find_valley(v, spec.low, spec.high)
            fitted = valley.position if valley.found else float(template_value)
            fit.thresholds[key] = fitted
            if not valley.found:
                fit.flags.append(f"gate_fallback:{gate.gate_name}.{d.id}")
            fit.positions.append(
                FittedGate(
                    gate.gate_name,
                    d.id,
                    "min" if d.min is not None else "max",
                    float(template_value),
                    fitted,
                    "valley" if valley.found else "fallback",
                    valley.depth,
                    _edge_fraction(v, fitted),
                    valley.reason,
                    _edge_fraction(v, float(template_value)),
                )
            )
        t = fit.thresholds[key]
        bounds[d.id] = (t, d.max) if d.min is not None else (d.min, t)
    return bounds


def fit_tube(gs: Any, specs: Mapping[str, list[FitSpec]], values: Mapping[str, np.ndarray]) -> TubeFit:
    """Fit every gate of ``gs`` to one tube's events (parents before children).

    Parameters
    ----------
    gs
        The FlowKit ``GatingStrategy`` of the template (read, never changed here).
    specs
        :func:`read_fit_specs` of the template.
    values
        channel -> events, compensated and transformed as the template's dimensions say.
    """
    fit = TubeFit()
    n = len(next(iter(values.values())))
    ids = sorted(gs.get_gate_ids(), key=lambda g: (len(g[1]), g[0] != "beads"))  # beads first: lymphocytes below
    bead_floor: float | None = None
    for gate_id, path in ids:
        gate = gs.get_gate(gate_id, path)
        parent_id = path[-1]
        parent = fit.masks.get(parent_id, np.ones(n, dtype=bool))
        gspecs = specs.get(gate_id, [])
        kinds = {s.kind for s in gspecs}
        if gate.gate_type == "PolygonGate":
            xd, yd = gate.dimensions[0].id, gate.dimensions[1].id
            if "ratio" in kinds:
                verts = _fit_ratio(gate, gspecs[0], values, parent, fit)
            elif "cluster" in kinds:
                verts = _fit_cluster(
                    gate, next(s for s in gspecs if s.kind == "cluster"), values, parent, fit, bead_floor
                )
            else:
                verts = [list(map(float, v)) for v in gate.vertices]
            fit.vertices[gate_id] = verts
            fit.masks[gate_id] = parent & points_in_polygon(values[xd], values[yd], verts)
        elif gate.gate_type == "RectangleGate":
            if "bright" in kinds:
                bounds = _fit_beads(gate, next(s for s in gspecs if s.kind == "bright"), values, parent, fit)
            else:
                bounds = _fit_rect(gate, gspecs, values, parent, parent_id, fit)
            fit.masks[gate_id] = parent & _rect_mask(values, bounds)
            for channel, (lo, hi) in bounds.items():
                fit.thresholds.setdefault((gate_id, channel), lo if lo is not None else hi)  # type: ignore[arg-type]
            if "bright" in kinds and fit.masks[gate_id].sum() >= 20:
                cd45 = _lymph_x_channel(gs)
                if cd45 is not None and cd45 in values:
                    bead_floor = float(np.quantile(values[cd45][fit.masks[gate_id]], 0.005)) - 0.02
        else:  # other shapes are counted as the template draws them
            fit.masks[gate_id] = parent
    return fit


def _lymph_x_channel(gs: Any) -> str | None:
    try:
        return str(gs.get_gate("lymphocytes").dimensions[0].id)
    except Exception:
        return None
