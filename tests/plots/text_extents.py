"""What a reader of a figure sees of its text: every drawn text inside the figure, no two drawn texts overlapping."""

from __future__ import annotations

import itertools

from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox


def drawn_texts(fig: Figure) -> list[tuple[str, Bbox]]:
    """``(name, window extent)`` of every non-empty text the last draw drew: tick labels of ticks within the view
    limits of a shown axis, titles, axis labels, legend entries, annotations, the suptitle."""
    renderer = fig.canvas.get_renderer()
    tick_labels: set[int] = set()
    out = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            eps = 1e-9 * (hi - lo)
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                for label in (tick.label1, tick.label2):
                    tick_labels.add(id(label))
                    shown = ax.get_visible() and ax.axison and tick.get_visible() and label.get_visible()
                    if shown and label.get_text() and lo - eps <= tick.get_loc() <= hi + eps:
                        out.append((f"tick label {label.get_text()!r}", label.get_window_extent(renderer)))
    for text in fig.findobj(match=Text):
        if id(text) in tick_labels or not text.get_visible() or not text.get_text().strip():
            continue
        if text.axes is not None and not text.axes.get_visible():
            continue
        out.append((repr(text.get_text()[:50]), text.get_window_extent(renderer)))
    return out


def text_defects(fig: Figure, dpi: float = 110) -> list[str]:
    """Texts drawn (at ``dpi``) outside the figure or over another text (by more than a pixel each way)."""
    fig.dpi = dpi
    fig.canvas.draw()
    frame = fig.bbox
    texts = drawn_texts(fig)
    defects = [
        f"outside the figure: {name}"
        for name, box in texts
        if box.x0 < frame.x0 - 0.5 or box.y0 < frame.y0 - 0.5 or box.x1 > frame.x1 + 0.5 or box.y1 > frame.y1 + 0.5
    ]
    for (name_a, a), (name_b, b) in itertools.combinations(texts, 2):
        if min(a.x1, b.x1) - max(a.x0, b.x0) > 1 and min(a.y1, b.y1) - max(a.y0, b.y0) > 1:
            defects.append(f"overlapping: {name_a} and {name_b}")
    return defects
