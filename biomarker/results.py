"""The one shape every domain's result takes: ``.summary``, ``.tables``, ``.provenance``, ``.plot()``, ``.write()``.

``compute_X(inputs, config) -> XResult``: computing never requires writing; :meth:`Result.write` writes the
tables (TSV), the provenance (JSON) and, on request, the figures, each file atomically. Drawing lives in
:mod:`biomarker.plots`: a result only names, per figure, a function that takes its tables and returns a
matplotlib Figure. In a notebook a result shows its summary as HTML and a figure as PNG.

Domains may subclass :class:`Result` or simply have the same attributes (:class:`ResultLike` is the protocol
the store and the :class:`~biomarker.api.Study` face rely on).

Examples
--------
>>> import pandas as pd
>>> res = Result("demo", {"counts": pd.DataFrame({"usubjid": ["S1", "S2"], "n": [3, 4]})},
...              provenance={"step": "demo"})
>>> res.summary.to_dict("list")
{'usubjid': ['S1', 'S2'], 'n': [3, 4]}
>>> sorted(res.tables)
['counts']
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

#: A figure function: takes the result's tables, returns a matplotlib Figure.
Plotter = Callable[[Mapping[str, "pd.DataFrame"]], "Figure"]


@runtime_checkable
class ResultLike(Protocol):
    """What every domain result has (duck-typed: a dataclass with these attributes qualifies)."""

    tables: dict[str, pd.DataFrame]
    provenance: dict[str, Any]

    @property
    def summary(self) -> Any: ...

    def plot(self, name: str | None = None) -> Figure: ...

    def write(self, out_dir: str | os.PathLike[str]) -> dict[str, Path]: ...


class Result:
    """A computed result: named tidy tables, provenance, figures drawn on request.

    Parameters
    ----------
    name
        The step that made it (``tmb``, ``pathology``, ``tbnk``, ``endpoints``, ``patients``, ``models``...).
    tables
        Table name (snake_case) -> DataFrame.
    provenance
        Package version, parameters, inputs with SHA-256 (see :func:`make_provenance`).
    plotters
        Figure name -> function of the tables returning a Figure (from :mod:`biomarker.plots`).
    summary_table
        Which table :attr:`summary` returns (default ``summary`` when present, else the first table).
    warnings
        Loud warnings carried with the result (shown in the summary display, written to provenance).
    """

    def __init__(
        self,
        name: str,
        tables: Mapping[str, pd.DataFrame],
        provenance: Mapping[str, Any] | None = None,
        *,
        plotters: Mapping[str, Plotter] | None = None,
        summary_table: str | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        self.name = name
        self.tables: dict[str, pd.DataFrame] = dict(tables)
        self.provenance: dict[str, Any] = dict(provenance or {})
        self.plotters: dict[str, Plotter] = dict(plotters or {})
        self.warnings: list[str] = list(warnings or self.provenance.get("warnings", []) or [])
        self._summary_table = summary_table

    # -- the shape ---------------------------------------------------------------------------
    @property
    def summary(self) -> pd.DataFrame:
        """The headline figures (a small DataFrame)."""
        import pandas as pd

        key = self._summary_table or ("summary" if "summary" in self.tables else next(iter(self.tables), None))
        return self.tables[key] if key is not None else pd.DataFrame()

    @property
    def figures(self) -> list[str]:
        """Names :meth:`plot` accepts."""
        return list(self.plotters)

    def plot(self, name: str | None = None) -> Figure:
        """Draw one figure (default: the first of :attr:`figures`) and return the matplotlib Figure.

        Raises
        ------
        KeyError
            For a name this result does not draw (the message lists those it does).
        """
        if not self.plotters:
            raise KeyError(f"the {self.name} result draws no figure")
        name = name or next(iter(self.plotters))
        if name not in self.plotters:
            raise KeyError(f"no figure {name!r} in the {self.name} result; available: {', '.join(self.plotters)}")
        return self.plotters[name](self.tables)

    def write(self, out_dir: str | os.PathLike[str], *, figures: bool = False) -> dict[str, Path]:
        """Write every table as ``NAME.tsv``, the provenance as ``provenance.json`` and, with ``figures``, every
        figure as ``NAME.png``; each file atomically. Returns name -> path."""
        from biomarker.files import atomic_replace, write_table
        from biomarker.png import write_png

        out = Path(out_dir)
        written: dict[str, Path] = {}
        for name, frame in self.tables.items():
            written[name] = write_table(frame, out / f"{name}.tsv", date_format="%Y-%m-%d", float_format="%.10g")
        text = json.dumps(jsonable(self.provenance), indent=2, sort_keys=True) + "\n"
        written["provenance"] = atomic_replace(out / "provenance.json", lambda p: p.write_text(text))
        if figures:
            for name in self.plotters:
                fig = self.plot(name)
                written[f"figure_{name}"] = write_png(fig, out / f"{name}.png", 150)
        return written

    # -- display -----------------------------------------------------------------------------
    def __repr__(self) -> str:
        sizes = ", ".join(f"{k} ({len(v)} rows)" for k, v in self.tables.items())
        return f"<{type(self).__name__} {self.name}: {sizes or 'no tables'}>"

    def _repr_html_(self) -> str:
        from html import escape

        head = f"<p><b>{escape(self.name)}</b>: {escape(', '.join(self.tables) or 'no tables')}"
        if self.plotters:
            head += f"; figures: {escape(', '.join(self.plotters))} (<code>.plot(name)</code>)"
        head += "</p>"
        warn = "".join(f"<p style='color:#a40'>warning: {escape(w)}</p>" for w in self.warnings)
        summary = self.summary
        body = summary.head(30).to_html(index=False) if hasattr(summary, "to_html") else escape(str(summary))
        return head + warn + body


def make_provenance(
    step: str,
    parameters: Mapping[str, Any] | None = None,
    inputs: Mapping[str, str | os.PathLike[str] | None] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The provenance of a step: package and version, parameters, each input file with its SHA-256.

    Examples
    --------
    >>> p = make_provenance("pathology", {"assay": None}, {"pathology": None})
    >>> p["package"], p["step"], p["inputs"]
    ('nsclc-biomarker', 'pathology', {})
    """
    from biomarker import __version__
    from biomarker.files import sha256_file

    files = {}
    for key, path in (inputs or {}).items():
        if path is None:
            continue
        p = Path(path)
        files[key] = {"file": str(p), "sha256": sha256_file(p) if p.is_file() else None}
    return {
        "package": "nsclc-biomarker",
        "version": __version__,
        "step": step,
        "parameters": jsonable(dict(parameters or {})),
        "inputs": files,
        **jsonable(extra),
    }


def jsonable(obj: Any) -> Any:
    """Plain JSON types all the way down (paths and other objects as text, tuples as lists).

    Examples
    --------
    >>> jsonable({"a": (1, Path("x")), "b": {2: None}})
    {'a': [1, 'x'], 'b': {'2': None}}
    """
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in (sorted(obj, key=str) if isinstance(obj, set | frozenset) else obj)]
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    return str(obj)


__all__ = ["Plotter", "Result", "ResultLike", "jsonable", "make_provenance"]
