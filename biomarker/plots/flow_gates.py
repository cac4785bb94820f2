"""One TBNK tube's gates, one panel per gate: the parent's events and the fitted gate drawn over them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from biomarker.plots._figure import new_figure


def gate_plot(events: Mapping[str, Any], gates: Mapping[str, Mapping[str, Any]], title: str = "") -> Any:
    """A grid of panels, one per gate: parent events (density-shaded) and the gate's fitted position.

    Parameters
    ----------
    events
        ``values`` (channel -> transformed events) and ``masks`` (gate id -> bool array of its events).
    gates
        gate id -> ``dims``, ``parent`` and ``vertices`` (polygons) or ``bounds`` (channel -> (min, max)).
    """
    values, masks = events["values"], events["masks"]
    n = len(gates)
    cols = min(4, n)
    rows = (n + cols - 1) // cols
    width, height = 3.2 * cols, 3.0 * rows + 0.4
    # a regular grid of same-sized panels: fixed margins (inches) instead of constrained layout, which measured
    # every tick label of every panel twice and took half of the time a flow core waits for these plots
    fig = new_figure(width, height, layout=None)
    fig.subplots_adjust(
        left=0.6 / width, right=1 - 0.15 / width, bottom=0.5 / height, top=1 - 0.7 / height, wspace=0.3, hspace=0.45
    )
    for k, (gate_id, g) in enumerate(gates.items()):
        ax = fig.add_subplot(rows, cols, k + 1)
        dims = list(g["dims"])
        parent = masks.get(g["parent"], np.ones(len(next(iter(values.values()))), dtype=bool))
        x = values[dims[0]][parent]
        y = values[dims[1]][parent] if len(dims) > 1 else None
        if y is None:
            ax.hist(x, bins=120, color="#555555")
        else:
            ax.hexbin(x, y, gridsize=70, bins="log", cmap="viridis", mincnt=1)
        if "vertices" in g:
            v = np.asarray(g["vertices"] + [g["vertices"][0]], dtype=float)
            ax.plot(v[:, 0], v[:, 1], color="#D55E00", lw=1.5)
        else:
            for j, d in enumerate(dims[:2]):
                lo, hi = g["bounds"][d]
                for t in (lo, hi):
                    if t is None:
                        continue
                    (ax.axvline if j == 0 else ax.axhline)(t, color="#D55E00", lw=1.5)
        n_in = int(masks.get(gate_id, np.zeros(0, dtype=bool)).sum())
        ax.set_title(f"{gate_id} ({n_in:,} events)", fontsize=9)
        ax.set_xlabel(dims[0], fontsize=8)
        ax.set_ylabel(dims[1] if len(dims) > 1 else "events", fontsize=8)
        ax.tick_params(labelsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig
