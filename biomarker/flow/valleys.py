"""Density valleys and polygon membership of events: the primitives the gate fitting is built from.

:func:`find_valley` finds the deepest valley between two peaks of a smoothed density (the position of a threshold
between a negative and a positive population); :func:`points_in_polygon` tells which events a polygon gate holds.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> v = np.concatenate([rng.normal(0.2, 0.04, 3000), rng.normal(0.7, 0.04, 1000)])
>>> round(find_valley(v, 0.3, 0.6).position, 1)
0.5
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

#: Density grid (logicle units) and smoothing of the valley search.
GRID = (-0.3, 1.1, 560)
SMOOTH_SD = 0.02
#: A valley is clear when its density is below this share of the lower of its two flanking peaks.
VALLEY_DEPTH = 0.5
#: A flanking peak counts when it holds at least this share of the highest peak.
MIN_PEAK = 0.01


@dataclass(frozen=True)
class Valley:
    """A density valley: where, how deep (valley density / lower flanking peak), or why none was found."""

    position: float
    depth: float
    found: bool
    reason: str = ""


def density(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed density of ``values`` on :data:`GRID` (Gaussian kernel of sd :data:`SMOOTH_SD`)."""
    lo, hi, n = GRID
    counts, edges = np.histogram(values, bins=n, range=(lo, hi))
    centres = (edges[:-1] + edges[1:]) / 2
    step = (hi - lo) / n
    half = int(4 * SMOOTH_SD / step)
    k = np.exp(-0.5 * (np.arange(-half, half + 1) * step / SMOOTH_SD) ** 2)
    return centres, np.convolve(counts.astype(float), k / k.sum(), mode="same")


def find_valley(values: np.ndarray, low: float, high: float, min_peak: float = MIN_PEAK) -> Valley:
    """The deepest valley between two peaks of ``values`` whose minimum lies in ``[low, high]``.

    A valley counts when both flanking peaks hold at least :data:`MIN_PEAK` of the highest one and its density
    is below :data:`VALLEY_DEPTH` of the lower flanking peak; none found gives ``found=False`` with the reason.
    """
    values = values[np.isfinite(values)]
    if len(values) < 50:
        return Valley(math.nan, math.nan, False, f"{len(values)} events")
    x, d = density(values)
    top = d.max()
    interior = (d[1:-1] >= d[:-2]) & (d[1:-1] > d[2:])
    peaks = [i + 1 for i in np.flatnonzero(interior) if d[i + 1] >= min_peak * top]
    best: Valley | None = None
    lo_edge, hi_edge = int(np.searchsorted(x, low)), int(np.searchsorted(x, high, side="right")) - 1
    for a, b in itertools.pairwise(peaks):
        lo_i, hi_i = max(a, lo_edge), min(b, hi_edge)
        if lo_i > hi_i:
            continue
        seg = d[lo_i : hi_i + 1]
        floor = float(seg.min())
        if floor > float(d[a : b + 1].min()) + 0.05 * min(d[a], d[b]):
            continue  # the valley's bottom lies outside the bounds: a point on a flank is no valley
        flat = np.flatnonzero(seg <= floor + 1e-3 * min(d[a], d[b]))
        i = lo_i + int(flat[len(flat) // 2])  # the middle of a flat bottom, not its first bin
        depth = float(floor / min(d[a], d[b]))
        if depth < VALLEY_DEPTH and (best is None or depth < best.depth):
            best = Valley(float(x[i]), depth, True)
    if best is not None:
        return best
    if len(peaks) < 2:
        return Valley(math.nan, math.nan, False, "one population only")
    return Valley(math.nan, math.nan, False, f"no clear valley in [{low:g}, {high:g}]")


def points_in_polygon(x: np.ndarray, y: np.ndarray, vertices: list[list[float]]) -> np.ndarray:
    """Even-odd rule, vectorised over events (the rule FlowKit and Gating-ML use)."""
    inside = np.zeros(len(x), dtype=bool)
    n = len(vertices)
    for k in range(n):
        x1, y1 = vertices[k]
        x2, y2 = vertices[(k + 1) % n]
        if y1 == y2:
            continue
        crosses = (y1 > y) != (y2 > y)
        xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (x < xi)
    return inside
