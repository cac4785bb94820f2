"""Figure creation on the Agg canvas (no pyplot state, so safe in scripts, tests and threads)."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: Colours of best overall response categories (colour-blind safe, Okabe-Ito).
BOR_COLOURS: dict[str, str] = {
    "CR": "#0072B2",
    "PR": "#56B4E9",
    "SD": "#009E73",
    "NON-CR/NON-PD": "#F0E442",
    "PD": "#D55E00",
    "NE": "#999999",
}
BOR_ORDER = tuple(BOR_COLOURS)


def new_figure(width: float = 8.0, height: float = 5.0, layout: str | None = "grid") -> Figure:
    """A Figure with an Agg canvas attached.

    ``layout`` is its layout engine: ``"grid"`` (:class:`~biomarker.plots._layout.GridLayoutEngine`, panels
    placed after one measurement of their labels), a matplotlib engine name (``"constrained"``), or None for a
    figure that places its axes itself.

    Examples
    --------
    >>> fig = new_figure(4, 3)
    >>> type(fig.canvas).__name__, type(fig.get_layout_engine()).__name__
    ('FigureCanvasAgg', 'GridLayoutEngine')
    """
    if layout == "grid":
        from biomarker.plots._layout import GridLayoutEngine

        fig = Figure(figsize=(width, height), layout=GridLayoutEngine())
    else:
        fig = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(fig)
    return fig


def bor_colour(bor: object) -> str:
    """Colour of a BOR category (grey for anything unknown or missing)."""
    return BOR_COLOURS.get(str(bor), BOR_COLOURS["NE"])


def require_columns(frame, columns: list[str] | tuple[str, ...], what: str) -> None:
    """Raise ``ValueError`` naming the missing columns of a plotting frame."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs column(s) {', '.join(missing)}")
