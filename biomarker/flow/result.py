"""The TBNK result: tables, provenance, a summary, gate plots, and writing it all to a folder.

>>> import pandas as pd
>>> t = pd.DataFrame({"usubjid": ["S1"], "visit": ["C1D1"], "qc_flags": ["few_beads=400;absolute_counts_withheld"]})
>>> qc_long(t)[["usubjid", "flag", "detail"]].values.tolist()
[['S1', 'few_beads', '400'], ['S1', 'absolute_counts_withheld', '']]
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from biomarker.errors import InputError

log = logging.getLogger(__name__)
QC_COLUMNS: tuple[str, ...] = ("usubjid", "visit", "source", "flag", "detail")


def qc_long(table: pd.DataFrame) -> pd.DataFrame:
    """One row per flag of every result (``tbnk_qc``): ``usubjid, visit, source, flag, detail``."""
    rows = []
    for r in table.itertuples(index=False):
        for item in str(getattr(r, "qc_flags", "") or "").split(";"):
            if not item:
                continue
            m = re.match(r"([^:=]+)[:=]?(.*)", item)
            assert m is not None
            rows.append(
                {
                    "usubjid": r.usubjid,
                    "visit": r.visit,
                    "source": getattr(r, "source", None),
                    "flag": m.group(1).strip(),
                    "detail": m.group(2).strip(),
                }
            )
    return pd.DataFrame(rows, columns=list(QC_COLUMNS)).astype("string")


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "tube"


class TbnkResult:
    """TBNK values per subject and visit with their QC, as every domain result looks.

    Attributes
    ----------
    tables
        ``tbnk`` (one row per subject and visit, ``qc_flags``), ``tbnk_qc`` (one row per flag), and for gated
        tubes ``tbnk_tube_status`` (every file: ok / flagged / failed and why) and ``tbnk_gates`` (fitted gate
        positions); ``tbnk_features`` / ``tbnk_features_wide`` after :meth:`with_features`.
    provenance
        Package version, parameters, inputs and their SHA-256.
    """

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        provenance: Mapping[str, Any],
        *,
        outcomes: list[Any] | None = None,
        settings: Any = None,
    ) -> None:
        self.tables: dict[str, pd.DataFrame] = dict(tables)
        self.provenance: dict[str, Any] = dict(provenance)
        self._outcomes = outcomes or []
        self._settings = settings
        self._gater: Any = None

    def __repr__(self) -> str:
        t = self.tables["tbnk"]
        return f"TbnkResult({len(t)} results, {int((t.qc_flags != '').sum())} flagged)"

    @property
    def summary(self) -> pd.DataFrame:
        """Per visit: results, flagged results, and the median of the headline values."""
        t = self.tables["tbnk"]
        cols = [
            c for c in ("cd3_pct_lymph", "cd4_abs_per_ul", "cd8_abs_per_ul", "nk_abs_per_ul", "cd4_cd8_ratio") if c in t
        ]
        g = t.groupby("visit", sort=False)
        out = pd.DataFrame({"n_results": g.size(), "n_flagged": g["qc_flags"].apply(lambda s: int((s != "").sum()))})
        med = g[cols].median().add_prefix("median_")
        return out.join(med).reset_index()

    def with_features(self, **kwargs: Any) -> TbnkResult:
        """Add ``tbnk_features`` (long) and ``tbnk_features_wide`` (see :func:`~biomarker.flow.tbnk_features`)."""
        from biomarker.flow.features import tbnk_features

        long, wide = tbnk_features(self.tables["tbnk"], **kwargs)
        self.tables["tbnk_features"], self.tables["tbnk_features_wide"] = long, wide
        return self

    def plot(self, name: str | None = None) -> Any:
        """The gate plot of one tube (``name``: its file name; None: the first flagged tube, else the first)."""
        from biomarker.plots.flow_gates import gate_plot

        if not self._outcomes:
            raise InputError(None, "no gated tubes to plot (a lab export has no events)")
        chosen = None
        if name is None:
            chosen = next((o for o in self._outcomes if o.flags), self._outcomes[0])
        else:
            chosen = next((o for o in self._outcomes if o.path.name == name), None)
            if chosen is None:
                raise InputError(
                    None, f"no gated tube {name!r}", hint=f"tubes: {', '.join(o.path.name for o in self._outcomes)}"
                )
        if self._gater is None:
            from biomarker.flow.tubes import TubeGater

            self._gater = TubeGater(self._settings, ())
        events, fitted = _tube_events(chosen.path, self._settings, self._gater)
        return gate_plot(events, fitted, title=f"{chosen.path.name}  {';'.join(chosen.flags)}"[:160])

    def write(self, out_dir: str | os.PathLike[str], *, plots: str = "flagged") -> dict[str, Path]:
        """Write every table (TSV), the provenance (JSON) and gate plots (PNG: ``flagged``, ``all`` or ``none``),
        each atomically; returns name -> path."""
        from biomarker.files import atomic_replace, write_table
        from biomarker.png import write_png

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        for name, frame in self.tables.items():
            written[name] = write_table(frame, out / f"{name}.tsv")
        text = json.dumps(self.provenance, indent=2, sort_keys=True, default=str)
        written["provenance"] = atomic_replace(out / "tbnk_provenance.json", lambda tmp: tmp.write_text(text))
        if plots != "none":
            for o in self._outcomes:
                if plots == "flagged" and not o.flags:
                    continue
                fig = self.plot(o.path.name)
                path = out / "gate_plots" / f"{_safe_name(o.path.stem)}.png"
                path.parent.mkdir(exist_ok=True)
                written[f"gate_plot:{o.path.name}"] = write_png(fig, path, 80)
        return written


def _tube_events(path: Path, settings: Any, gater: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Re-read one tube for its plot: transformed events per channel and the gates where they were fitted."""
    from biomarker.flow.fcs_qc import read_compensation
    from biomarker.flow.fitting import fit_tube
    from biomarker.flow.gate_positions import channel_values
    from biomarker.flow.gating import read_fcs

    sample = read_fcs(path, ignore_offset_error=settings.ignore_offset_error)
    keyword, _ = read_compensation(sample, path)
    flags: list[str] = []
    with gater._singlet_channels(sample, flags):
        values, _ = channel_values(sample, gater.gs, keyword is not None)
        fit = fit_tube(gater.gs, gater.specs if settings.adaptive else {}, values)
        return _plot_inputs(gater, values, fit)


def _plot_inputs(gater: Any, values: Any, fit: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """What :func:`~biomarker.plots.flow_gates.gate_plot` draws: events, masks and each gate where it was fitted."""
    gates = {}
    for gate_id, gpath in gater.gs.get_gate_ids():
        gate = gater.gs.get_gate(gate_id, gpath)
        dims = [d.id for d in gate.dimensions]
        if gate.gate_type == "PolygonGate":
            gates[gate_id] = {"dims": dims, "vertices": fit.vertices.get(gate_id, gate.vertices), "parent": gpath[-1]}
        else:
            bounds = {}
            for d in gate.dimensions:
                t = fit.thresholds.get((gpath[-1], d.id)) if gate_id != "beads" else None
                t = t if t is not None else fit.thresholds.get((gate_id, d.id))
                bounds[d.id] = (t if d.min is not None else None, t if d.max is not None else None)
            gates[gate_id] = {"dims": dims, "bounds": bounds, "parent": gpath[-1]}
    return {"values": values, "masks": fit.masks}, gates


def compute_tbnk(
    inputs: str | os.PathLike[str] | list[str | os.PathLike[str]],
    settings: Any = None,
    *,
    layout: str | None = None,
    mapping: Any = None,
    manifest: Any = None,
    on_error: str = "raise",
    features: bool = True,
) -> TbnkResult:
    """TBNK from a lab export or from raw FCS tubes, as one :class:`TbnkResult` (computing writes nothing).

    Parameters
    ----------
    inputs
        A lab export (CSV/TSV/XLSX), or FCS files / a folder of them.
    settings
        :class:`~biomarker.flow.tubes.GateSettings` for FCS (its ``qc`` is used for exports too).
    layout, mapping
        For an export: see :func:`~biomarker.flow.exports.read_tbnk_export`.
    manifest
        CSV ``file, subject, visit, date`` (FCS file names, or an export's sample ids).
    on_error
        FCS: ``skip`` lets a tube fail alone (its reason in ``tbnk_tube_status``).
    features
        Add ``tbnk_features`` and ``tbnk_features_wide``.

    Examples
    --------
    >>> r = compute_tbnk("study/flow/fcs", on_error="skip")  # doctest: +SKIP
    >>> r.summary  # doctest: +SKIP
    >>> r.write("results/tbnk")  # doctest: +SKIP
    """
    from biomarker.flow.exports import read_tbnk_export
    from biomarker.flow.manifest import read_manifest
    from biomarker.flow.qc import QcRules
    from biomarker.flow.tubes import GateSettings, gate_tubes

    paths = [Path(p) for p in (inputs if isinstance(inputs, list | tuple) else [inputs])]
    fcs = all(p.is_dir() or p.suffix.lower() == ".fcs" for p in paths)
    entries = read_manifest(manifest) if isinstance(manifest, str | os.PathLike) else manifest
    if fcs:
        s = settings or GateSettings()
        if entries is not None:
            s = GateSettings(**{**s.__dict__, "manifest": entries})
        result = gate_tubes(paths, s, on_error=on_error)
    else:
        if len(paths) != 1:
            raise InputError(
                None,
                f"one lab export at a time, not {len(paths)} files",
                hint="or give FCS files (*.fcs) / a folder of them",
            )
        qc = settings.qc if settings is not None else QcRules()
        frame = read_tbnk_export(paths[0], layout, mapping, qc, manifest=entries)
        result = TbnkResult({"tbnk": frame, "tbnk_qc": qc_long(frame)}, frame.attrs["provenance"])
    if features and len(result.tables["tbnk"]):
        result.with_features()
    return result
