"""CONSORT-style flow of subjects: one box per step with its n, arrows between, side boxes for exits."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from biomarker.plots._figure import new_figure


def consort_flow(
    steps: Sequence[tuple[str, int]],
    exits: dict[int, Sequence[tuple[str, int]]] | None = None,
    *,
    title: str = "Disposition of subjects",
) -> Figure:
    """Boxes top to bottom for ``steps`` (label, n); ``exits[i]`` lists the subjects leaving after step ``i``.

    Nothing is computed here: the counts come from the disposition table.

    Examples
    --------
    >>> fig = consort_flow([("Enrolled", 30), ("Treated", 30)], {1: [("Died", 12)]})
    >>> sum(t.get_bbox_patch() is not None for t in fig.axes[0].texts)
    3
    """
    exits = exits or {}
    height = 0.6 + 1.0 * (len(steps) + (1 if exits.get(len(steps) - 1) else 0))
    fig = new_figure(7, height)
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(-len(steps) + (0.2 if exits.get(len(steps) - 1) else 0.5), 0.5)
    ax.axis("off")
    box = {"boxstyle": "round,pad=0.4", "facecolor": "#E8EEF3", "edgecolor": "#0B3C5D"}
    side = {"boxstyle": "round,pad=0.3", "facecolor": "#FFF4E5", "edgecolor": "#B26B00"}
    for i, (label, n) in enumerate(steps):
        y = -i
        ax.text(3.0, y, f"{label}\nn = {n}", ha="center", va="center", fontsize=9, bbox=box)
        if i:
            ax.annotate(
                "", xy=(3.0, y + 0.28), xytext=(3.0, y + 0.72), arrowprops={"arrowstyle": "->", "color": "#0B3C5D"}
            )
        if exits.get(i):
            text = "\n".join(f"{lab}: n = {k}" for lab, k in exits[i])
            ax.text(5.6, y - 0.45, text, ha="left", va="center", fontsize=8, bbox=side)
            ax.annotate(
                "", xy=(5.5, y - 0.45), xytext=(3.0, y - 0.45), arrowprops={"arrowstyle": "->", "color": "#B26B00"}
            )
            ax.plot([3.0, 3.0], [y - 0.25, y - 0.45], color="#B26B00", linewidth=1)
    ax.set_title(title, fontsize=11)
    return fig
