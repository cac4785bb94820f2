"""A one-pass layout for grids of panels: every panel's decorations (tick labels, axis labels, title, legend,
annotations) are measured once, at draw time and at the output's dpi, and the panels are placed so that they fit.

Matplotlib's constrained layout measures every panel twice per draw (two iterations of its solver), each
measurement formats and sizes every tick label again, and the draw then measures the y axis once more per title
and the tick labels once more per (even empty) axis label: for the report's figures that was about a third of
the time of ``savefig``. The grids here are regular (one gridspec, panels in cells, optional width or height
ratios, an optional suptitle), so one measurement per panel gives the margins directly. Whole texts count: a
title or axis label longer than its panel widens the margins (constrained layout counts it one pixel wide).

The placement is then checked, and the panels measured and placed again (up to six times; the report's figures
need one pass, two of them two) when it moved something measured: a panel's tick space changed and its new
tick labels no longer fit its cell, a text (annotation, title, axis label) now lies outside its cell, or the y
axis's offset text runs into a title kept at y = 1. Anything else (nested gridspecs, panels placed by hand,
colorbars, figure legends or texts) falls back to constrained layout.

Written against matplotlib 3.11; it sets private attributes that matplotlib's own layout code uses
(``Axes._autotitlepos``, ``Axis._autolabelpos``, ``Axes._set_position``, ``Figure._get_renderer``,
``Figure._suptitle``): tests/plots/test_layout.py checks the result on hostile labels.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.layout_engine import ConstrainedLayoutEngine, LayoutEngine
from matplotlib.text import Text
from matplotlib.transforms import Bbox

log = logging.getLogger(__name__)

#: Constrained layout's defaults (rcParams ``figure.constrained_layout.*``): pads in inches, spaces as fractions.
W_PAD = H_PAD = 3 / 72
WSPACE = HSPACE = 0.02
_MAX_PASSES = 6


@dataclass
class _Panel:
    ax: object
    rows: range
    cols: range
    ticks: tuple[int, int]
    overhang: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # left, right, bottom, top (inches)


class GridLayoutEngine(LayoutEngine):
    """Place the panels of a regular grid in one measuring pass (see the module's docstring).

    Examples
    --------
    >>> from biomarker.plots._figure import new_figure
    >>> fig = new_figure(4, 3)
    >>> type(fig.get_layout_engine()).__name__
    'GridLayoutEngine'
    """

    _adjust_compatible = False
    _colorbar_gridspec = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.passes = 0  # measuring passes of the last execute (for tests and benchmarks)

    def execute(self, fig) -> None:
        """Measure the panels of ``fig`` and place them (called by ``Figure.draw``). Should a matplotlib release
        change the private attributes this relies on, the figure is placed by constrained layout instead."""
        try:
            self._execute(fig)
        except (AttributeError, TypeError) as exc:
            log.debug("grid layout unavailable (%s): constrained layout places the figure", exc)
            ConstrainedLayoutEngine().execute(fig)
            self.passes = -1

    def _execute(self, fig) -> None:
        axes = [ax for ax in fig.axes if ax.get_visible()]
        specs = [ax.get_subplotspec() for ax in axes]
        grids = {id(s.get_gridspec()) for s in specs if s is not None}
        regular = (
            axes
            and None not in specs
            and len(grids) == 1
            and all(s.get_topmost_subplotspec() is s for s in specs)
            # figure-level legends, texts (but the suptitle) and subfigures: constrained layout places them
            and not fig.legends
            and all(text is fig._suptitle for text in fig.texts)
            and not fig.subfigs
        )
        if not regular:
            ConstrainedLayoutEngine().execute(fig)
            self.passes = -1
            return
        renderer = fig._get_renderer()
        panels = [_Panel(ax, s.rowspan, s.colspan, (0, 0)) for ax, s in zip(axes, specs, strict=True)]
        for panel in panels:
            _fix_title_position(panel.ax)
            _hide_empty_axis_labels(panel.ax)
            panel.overhang = _guess(panel.ax)
        # first place the panels with typical margins, so that the axes measured are about as long as the
        # placed ones and their automatic ticks (which depend on the length) mostly stay the same
        if _place(fig, specs[0].get_gridspec(), panels) is None:
            return
        self.passes = 0
        todo = panels
        while todo and self.passes < _MAX_PASSES:
            self.passes += 1
            for panel in todo:
                panel.ticks = _ticks(panel.ax)
                panel.overhang = _overhang(panel.ax, renderer, fig.dpi)
            cells = _place(fig, specs[0].get_gridspec(), panels)
            if cells is None:
                return
            moved = [_moved(p, cells[id(p)], renderer, fig.dpi) for p in panels]  # each panel checked
            todo = panels if any(moved) else []


def _fix_title_position(ax) -> None:
    """Keep the title at y = 1 (where matplotlib's automatic placement puts it unless tick labels or an axis
    label sit on top, or the y axis's offset text runs into it) so that drawing it does not measure the y axis.
    The offset-text case is checked after the measuring pass (:func:`_moved`)."""
    if (
        getattr(ax, "_autotitlepos", None) is True
        and ax.xaxis.get_ticks_position() not in ("top", "unknown")
        and ax.xaxis.get_label_position() != "top"
        and all(t.get_position()[1] == 1.0 for t in _titles(ax))
    ):
        ax._autotitlepos = False


def _hide_empty_axis_labels(ax) -> None:
    """An axis without a label text gets its (empty) label hidden, which spares matplotlib placing it below the
    tick labels (it measures every tick label again to do so, at every measurement and draw); an axis whose label
    was hidden here and has a text now gets it back."""
    for axis in (ax.xaxis, ax.yaxis):
        label = axis.label
        if getattr(axis, "_biomarker_hid_label", False) and label.get_text():
            label.set_visible(True)
            axis._autolabelpos = True
            axis._biomarker_hid_label = False
        elif label.get_visible() and not label.get_text() and getattr(axis, "_autolabelpos", None) is True:
            label.set_visible(False)
            axis._autolabelpos = False
            axis._biomarker_hid_label = True


def _guess(ax) -> tuple[float, float, float, float]:
    """Margins (inches: left, right, bottom, top) guessed from the font sizes without measuring any text: where
    the panels are put before they are measured, so that their axes are measured at about their final length
    (the automatic tick locators choose the number of ticks from it)."""
    top = max((t.get_fontsize() * 1.25 + 6) / 72 if t.get_text() else 0.0 for t in _titles(ax))
    bottom = left = 0.0
    if ax.axison:
        x_tick, y_tick = ax.xaxis.majorTicks[0].label1, ax.yaxis.majorTicks[0].label1
        bottom = (x_tick.get_fontsize() * 1.25 + 7) / 72 if x_tick.get_visible() else 0.0
        left = (y_tick.get_fontsize() * 2.2 + 7) / 72 if y_tick.get_visible() else 0.0
        for label, extra in ((ax.xaxis.label, "bottom"), (ax.yaxis.label, "left")):
            if label.get_text():
                size = (label.get_fontsize() * 1.25 + 4) / 72
                bottom, left = (bottom + size, left) if extra == "bottom" else (bottom, left + size)
    return (left, 0.05, bottom, top)


def _titles(ax) -> tuple[Text, ...]:
    return (ax.title, ax._left_title, ax._right_title)


def _ticks(ax) -> tuple[int, int]:
    """What the automatic tick locators take from the panel's size: the number of tick labels that fit along each
    axis (``Axis.get_tick_space``, from its length and label size). While it stays, the ticks stay."""
    return (ax.xaxis.get_tick_space(), ax.yaxis.get_tick_space())


def _overhang(ax, renderer, dpi: float) -> tuple[float, float, float, float]:
    """How far (inches) the panel's decorations reach beyond its frame on each side."""
    pos = ax.get_position(original=True).transformed(ax.get_figure(root=True).transFigure)
    # whole texts: a title or axis label longer than its panel widens the margins (constrained layout counts
    # them one pixel wide and lets them run into the next panel or off the figure)
    tight = ax.get_tightbbox(renderer, bbox_extra_artists=_reaching_out(ax))
    if tight is None:
        return (0.0, 0.0, 0.0, 0.0)
    return (
        max(0.0, pos.x0 - tight.x0) / dpi,
        max(0.0, tight.x1 - pos.x1) / dpi,
        max(0.0, pos.y0 - tight.y0) / dpi,
        max(0.0, tight.y1 - pos.y1) / dpi,
    )


def _reaching_out(ax) -> list:
    """The panel's artists that may reach beyond its frame: those matplotlib's ``get_default_bbox_extra_artists``
    gives, but with the clip box compared to the frame to a rounding error (its exact comparison fails once the
    panel has been moved, and then every bar of a bar chart is measured: 470 of them in the TMB funnel)."""
    frame = ax.bbox.extents
    skip = {id(a) for a in (ax.xaxis, ax.yaxis, ax.patch, *_titles(ax))}
    if not (ax.axison and ax.get_frame_on()):
        skip.update(id(s) for s in ax.spines.values())
    out = []
    for artist in ax.get_children():
        if id(artist) in skip or not artist.get_visible() or not artist.get_in_layout():
            continue
        if artist.get_clip_on() and not isinstance(artist, Axes):
            box, path = artist.get_clip_box(), artist.get_clip_path()
            clipped_box = box is None or np.allclose(box.extents, frame, rtol=0, atol=1e-6)
            clipped_path = path is None or getattr(path, "_patch", None) is ax.patch
            if (box is not None or path is not None) and clipped_box and clipped_path:
                continue
        out.append(artist)
    return out


def _place(fig, grid, panels: list[_Panel]) -> dict[int, Bbox] | None:
    """Set every panel's position from the margins; returns each panel's cell (frame plus margins, figure
    pixels), or None when the margins leave no room (the figure is then left as it was, with a warning)."""
    width, height = fig.get_size_inches()
    nrows, ncols = grid.get_geometry()
    gap_w = 2 * max(W_PAD, WSPACE / 2 / ncols * width)
    gap_h = 2 * max(H_PAD, HSPACE / 2 / nrows * height)
    left, right = np.zeros(ncols), np.zeros(ncols)
    bottom, top = np.zeros(nrows), np.zeros(nrows)
    for p in panels:
        lo, ro, bo, to = p.overhang
        left[p.cols.start] = max(left[p.cols.start], lo)
        right[p.cols.stop - 1] = max(right[p.cols.stop - 1], ro)
        top[p.rows.start] = max(top[p.rows.start], to)
        bottom[p.rows.stop - 1] = max(bottom[p.rows.stop - 1], bo)
    head = _suptitle_height(fig, height)
    free_w = width - 2 * W_PAD - (ncols - 1) * gap_w - left.sum() - right.sum()
    free_h = height - 2 * H_PAD - head - (nrows - 1) * gap_h - top.sum() - bottom.sum()
    if free_w <= 0 or free_h <= 0:
        log.warning("figure of %.1f x %.1f in is too small for its labels; panels left where they were", width, height)
        return None
    wr = np.asarray(grid.get_width_ratios() or [1] * ncols, float)
    hr = np.asarray(grid.get_height_ratios() or [1] * nrows, float)
    col_w = free_w * wr / wr.sum()
    row_h = free_h * hr / hr.sum()
    # left edge of each column's frame; top edge of each row's frame (from the figure's top)
    x0 = W_PAD + np.concatenate([[0.0], np.cumsum(left + col_w + right + gap_w)[:-1]]) + left
    y0 = H_PAD + head + np.concatenate([[0.0], np.cumsum(top + row_h + bottom + gap_h)[:-1]]) + top
    cells = {}
    for p in panels:
        c0, c1, r0, r1 = p.cols.start, p.cols.stop - 1, p.rows.start, p.rows.stop - 1
        fx0, fx1 = x0[c0], x0[c1] + col_w[c1]
        ftop, fbottom = y0[r0], y0[r1] + row_h[r1]
        frame = Bbox.from_extents(fx0 / width, 1 - fbottom / height, fx1 / width, 1 - ftop / height)
        p.ax._set_position(frame)
        cell = Bbox.from_extents(
            fx0 - left[c0] - W_PAD / 2,
            height - fbottom - bottom[r1] - H_PAD / 2,
            fx1 + right[c1] + W_PAD / 2,
            height - ftop + top[r0] + H_PAD / 2,
        )
        cells[id(p)] = Bbox(cell.get_points() * fig.dpi)
    return cells


def _suptitle_height(fig, height: float) -> float:
    """Inches the suptitle takes at the top (placed there as constrained layout does), 0 without one."""
    sup = fig._suptitle
    if sup is None or not sup.get_in_layout() or not sup.get_text():
        return 0.0
    if getattr(sup, "_autopos", False):
        sup.set_position((sup.get_position()[0], 1 - H_PAD / height))
    box = sup.get_window_extent(fig._get_renderer())
    return box.height / fig.dpi + H_PAD


def _moved(panel: _Panel, cell: Bbox, renderer, dpi: float) -> bool:
    """Whether placing the panel changed what was measured: its ticks, or a text now outside its cell, or the
    y axis's offset text now running into a title kept at y = 1."""
    ax = panel.ax
    slack = 1.0  # pixels of rounding
    if _ticks(ax) != panel.ticks:  # perhaps new tick labels: still inside the cell?
        for axis in (ax.xaxis, ax.yaxis):
            box = axis.get_tightbbox(renderer)
            if box is not None and not _inside(box, cell, slack):
                return True
    # titles and axis labels wider than their panel reach further out when the panel narrows
    for artist in [*_reaching_out(ax), *_titles(ax), ax.xaxis.label, ax.yaxis.label]:
        if (
            isinstance(artist, Text)
            and artist.get_text()
            and not _inside(artist.get_window_extent(renderer), cell, slack)
        ):
            return True
    offset = ax.yaxis.offsetText
    if getattr(ax, "_autotitlepos", None) is False and offset.get_visible() and offset.get_text():
        box = offset.get_window_extent(renderer)
        if any(t.get_text() and box.overlaps(t.get_window_extent(renderer)) for t in _titles(ax)):
            ax._autotitlepos = True
            return True
    return False


def _inside(box: Bbox, cell: Bbox, slack: float) -> bool:
    return (
        box.x0 >= cell.x0 - slack
        and box.x1 <= cell.x1 + slack
        and box.y0 >= cell.y0 - slack
        and box.y1 <= cell.y1 + slack
    )
