"""``compute_tmb_cohort``: one row per tumour of a MAF or variant table, from one pass over the file."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from biomarker import __version__
from biomarker.errors import InputError
from biomarker.files import atomic_write, sha256_file, write_table
from biomarker.tmb.checks import UNFILTERED_HINT
from biomarker.tmb.cohort import available_fields, check_table_can_run, frames, needed_fields
from biomarker.tmb.judge import Drivers, read_hotspot_list
from biomarker.tmb.params import FILTER_ORDER, TmbParams
from biomarker.tmb.table_judge import FATES, DuplicateTracker, judge_frame
from biomarker.tmb.territory import Territory

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)


@dataclass
class TmbCohortResult:
    """TMB of every tumour of one file: ``summary`` (one row per tumour), ``tables``, ``provenance``.

    Attributes
    ----------
    per_tumour
        One row per tumour, in order of first appearance: ``sample``, ``status`` (``ok`` or ``failed``),
        ``reason``, ``counted_variants``, ``territory_mb``, ``tmb_per_mb``, its exact 95% CI, ``tmb_high``,
        ``warnings`` and ``removed_<filter>`` for every filter.
    """

    per_tumour: pd.DataFrame
    params: TmbParams
    territory_bp: int
    territory_stated: bool
    provenance: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def summary(self) -> pd.DataFrame:
        """The per-tumour table (headline figures)."""
        return self.per_tumour

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """``tmb_per_tumour`` and ``tmb_filter_audit`` (long: sample, filter, removed)."""
        audit = self.per_tumour.melt(
            id_vars=["sample"],
            value_vars=[f"removed_{k}" for k in FILTER_ORDER],
            var_name="filter",
            value_name="removed",
        )
        audit["filter"] = audit["filter"].str.removeprefix("removed_")
        return {
            "tmb_per_tumour": self.per_tumour,
            "tmb_filter_audit": audit.sort_values(["sample", "filter"], kind="stable"),
        }

    def plot(self, name: str | None = None) -> Figure:
        """The cohort's TMB distribution with the TMB-high line (``name``: ``distribution``, the only one)."""
        from biomarker.plots.tmb import tmb_distribution

        if name not in (None, "distribution"):
            raise ValueError("a TMB cohort has one figure: 'distribution'")
        ok = self.per_tumour[self.per_tumour["status"] == "ok"]
        return tmb_distribution(ok, cutoff=self.params.tmb_high_cutoff)

    def store_rows(self) -> list[tuple[dict[str, Any], dict[str, int], dict[str, Any]]]:
        """``(row, audit, sample_info)`` per tumour for :meth:`biomarker.store.Store.upsert_tmb_many`."""
        from biomarker.tmb.params import params_digest

        inputs = self.provenance["inputs"]
        out = []
        for rec in self.per_tumour.to_dict("records"):
            row = {
                "sample": rec["sample"],
                "patient": None,
                "status": rec["status"],
                "reason": rec["reason"],
                "preset": self.params.name,
                "input_sha256": inputs[0]["sha256"],
                "bed_sha256": inputs[1]["sha256"] if len(inputs) > 1 else None,
                "params_sha256": params_digest(self.params),
                "package_version": __version__,
                "counted_variants": rec["counted_variants"],
                "territory_bp": self.territory_bp,
                "tmb_per_mb": rec["tmb_per_mb"],
                "tmb_ci95_low_per_mb": rec["tmb_ci95_low_per_mb"],
                "tmb_ci95_high_per_mb": rec["tmb_ci95_high_per_mb"],
                "tmb_high": rec["tmb_high"],
                "caller": "maf",
                "annotator": "maf",
                "warnings": rec["warnings"],
            }
            audit = {k: int(rec[f"removed_{k}"]) for k in FILTER_ORDER}
            out.append((row, audit, {"input_path": inputs[0]["path"], "sample_type": "tumour"}))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON summary: parameters, territory (stated or measured), warnings, provenance, tumours."""
        return {
            "preset": self.params.name,
            "tumours": len(self.per_tumour),
            "failed": int((self.per_tumour["status"] != "ok").sum()),
            "territory_bp": self.territory_bp,
            "territory_source": "stated (territory_mb), not measured; variants not restricted to it"
            if self.territory_stated
            else "measured from the BED",
            "tmb_high_rule": _high_rule(self.params),
            "warnings": self.warnings,
            "provenance": self.provenance,
        }

    def write(self, out_dir: str | os.PathLike[str], stem: str = "cohort") -> dict[str, Path]:
        """Write ``STEM.tmb.tsv``, ``STEM.tmb_filter_audit.tsv`` and ``STEM.tmb.json`` atomically."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for key, frame in (("tmb", self.per_tumour), ("tmb_filter_audit", self.tables["tmb_filter_audit"])):
            paths[key] = write_table(frame, out / f"{stem}.{key}.tsv", float_format="%.6g")
        with atomic_write(out / f"{stem}.tmb.json") as fh:
            fh.write(json.dumps(self.to_dict(), indent=2, sort_keys=True, default=str) + "\n")
        paths["json"] = out / f"{stem}.tmb.json"
        return paths


def _high_rule(params: TmbParams) -> str:
    if params.tmb_high_min_count is not None:
        return f">= {params.tmb_high_min_count} counted mutations"
    return f">= {params.tmb_high_cutoff:g} mutations/Mb"


def _per_tumour_frame(
    counts: dict[str, Counter],
    unfiltered: Counter,
    rows: Counter,
    unknown: dict[str, Counter],
    params: TmbParams,
    territory_bp: int,
) -> pd.DataFrame:
    import numpy as np
    import pandas as pd
    from scipy.stats import chi2

    names = list(counts)
    counted = np.array([counts[s].get("counted", 0) for s in names], dtype=np.int64)
    mb = territory_bp / 1e6
    low = np.where(counted > 0, chi2.ppf(0.025, 2 * counted) / 2, 0.0) / mb
    high = chi2.ppf(0.975, 2 * counted + 2) / 2 / mb
    frame = pd.DataFrame(
        {
            "sample": names,
            "status": "ok",
            "reason": "",
            "counted_variants": counted,
            "territory_mb": mb,
            "tmb_per_mb": counted / mb,
            "tmb_ci95_low_per_mb": low,
            "tmb_ci95_high_per_mb": high,
        }
    )
    frame["tmb_high"] = (
        counted >= params.tmb_high_min_count
        if params.tmb_high_min_count is not None
        else frame["tmb_per_mb"] >= params.tmb_high_cutoff
    )
    warnings = []
    for i, s in enumerate(names):
        notes = []
        if rows[s] and unfiltered[s] == rows[s]:
            if params.require_pass and not params.count_unfiltered:
                frame.loc[i, ["status", "reason"]] = [
                    "failed",
                    f"unfiltered calls: all {rows[s]:,} rows have FILTER '.'; {UNFILTERED_HINT}",
                ]
            elif params.count_unfiltered:
                notes.append(f"all {rows[s]:,} rows unfiltered (FILTER '.'), counted as PASS as asked")
        if counts[s].get("duplicate"):
            notes.append(f"{counts[s]['duplicate']:,} duplicate rows removed")
        if unknown.get(s):
            notes.append(
                "consequence terms with no stated class not counted: "
                + ", ".join(f"{t} ({n})" for t, n in unknown[s].most_common(3))
            )
        warnings.append("; ".join(notes))
    frame["warnings"] = warnings
    failed = frame["status"] != "ok"
    frame.loc[failed, ["counted_variants", "tmb_per_mb", "tmb_ci95_low_per_mb", "tmb_ci95_high_per_mb"]] = np.nan
    frame["tmb_high"] = frame["tmb_high"].astype("boolean")
    frame.loc[failed, "tmb_high"] = pd.NA
    for k in FILTER_ORDER:
        frame[f"removed_{k}"] = [counts[s].get(k, 0) for s in names]
    return frame


def compute_tmb_cohort(
    path: str | os.PathLike[str],
    targets: str | os.PathLike[str] | None = None,
    preset: str | os.PathLike[str] | TmbParams = "wes",
    *,
    territory_mb: float | None = None,
    overrides: dict[str, Any] | None = None,
    off: Sequence[str] = (),
    drivers: str | os.PathLike[str] | None = None,
    column_map: Mapping[str, str] | None = None,
    territory: Territory | None = None,
    progress: Callable[[int], None] | None = None,
) -> TmbCohortResult:
    """TMB of every tumour of a MAF (or of a plain variant table through ``column_map``), in one pass.

    Parameters
    ----------
    targets, territory_mb
        The capture BED (variants outside it are removed), or the territory's size in Mb when there is no
        BED (stated, not measured: variants are not restricted); the preset's ``territory_mb`` otherwise.
    column_map
        For a plain table: ``{chrom, pos, ref, alt, sample, vaf, depth, alt_depth, gene, protein, effect,
        filter, population_af: its column}``; ``None`` reads a MAF.

    Returns
    -------
    TmbCohortResult
        One row per tumour; a tumour the rules refuse (e.g. all calls unfiltered) gets status ``failed`` and a
        reason, and the others go on.

    Examples
    --------
    >>> r = compute_tmb_cohort("tcga_luad.maf.gz", preset="maftools")  # doctest: +SKIP
    >>> r.summary[["sample", "tmb_per_mb"]].head()  # doctest: +SKIP
    """
    from biomarker.tmb.pipeline import resolve_params, resolve_territory

    path = str(path)
    if not os.path.isfile(path):
        raise InputError(path, "no such file", hint="check the path")
    overrides = dict(overrides or {})
    if drivers is not None:
        overrides.update(exclude_hotspots=True, hotspot_list=str(drivers))
    params = resolve_params(preset, overrides, off)
    territory, territory_bp, stated = resolve_territory(targets, territory, territory_mb, params)
    driver_list = (
        read_hotspot_list(params.hotspot_list) if params.exclude_hotspots and params.hotspot_list else Drivers()
    )
    inputs = [p for p in (path, None if targets is None else str(targets), params.hotspot_list) if p]
    hashed: list[dict[str, str]] = []
    hasher = threading.Thread(
        target=lambda: hashed.extend({"path": p, "name": Path(p).name, "sha256": sha256_file(p)} for p in inputs)
    )
    hasher.start()
    try:
        check_table_can_run(
            path,
            available_fields(path, column_map, params.population_af_fields),
            params,
            driver_list,
            column_map is None,
        )
        counts: dict[str, Counter] = defaultdict(Counter)
        unfiltered: Counter = Counter()
        rows: Counter = Counter()
        unknown: dict[str, Counter] = defaultdict(Counter)
        tracker = DuplicateTracker()
        done = 0

        n_fates = len(FATES)
        for frame in frames(path, params, column_map, needed_fields(params, driver_list, audit=False)):
            chunk_unknown: Counter = Counter()
            codes, _, _ = judge_frame(frame, params, territory, driver_list, tracker, unknown=chunk_unknown)
            samples = frame["sample"].astype("category")
            scodes = samples.cat.codes.to_numpy().astype(np.int64)
            n_cat = len(samples.cat.categories)
            grid = np.bincount(scodes * n_fates + codes, minlength=n_cat * n_fates).reshape(n_cat, n_fates)
            per_rows = grid.sum(axis=1)
            per_unf = np.bincount(scodes, weights=frame["filter"].isin([".", ""]).to_numpy(), minlength=n_cat)
            first = np.full(n_cat, len(scodes))
            np.minimum.at(first, scodes, np.arange(len(scodes)))
            for i in np.argsort(first, kind="stable"):
                if not per_rows[i]:
                    continue
                name = samples.cat.categories[i]
                tally = counts[name]  # a tumour with every row removed still gets its row
                for j in np.nonzero(grid[i])[0]:
                    tally[FATES[j]] += int(grid[i, j])
                unfiltered[name] += int(per_unf[i])
                rows[name] += int(per_rows[i])
            for word in chunk_unknown:
                per = frame.loc[(frame["effect"] == word).to_numpy(), "sample"].astype(object).value_counts()
                for sample, n in per.items():
                    unknown[sample][word] += int(n)
            done += len(frame)
            if progress is not None:
                progress(done)
    finally:
        hasher.join()
    if not counts:
        raise InputError(path, "no variant rows", where="after the header", hint="check the file is not empty")
    per_tumour = _per_tumour_frame(counts, unfiltered, rows, unknown, params, territory_bp)
    warnings = []
    if stated:
        warnings.append(f"territory stated as {territory_bp / 1e6:g} Mb, not measured; variants not restricted")
    n_failed = int((per_tumour["status"] != "ok").sum())
    if n_failed:
        warnings.append(f"{n_failed} tumour(s) failed; see their reason")
    provenance = {
        "package": "nsclc-biomarker",
        "version": __version__,
        "parameters": params.as_dict(),
        "inputs": sorted(hashed, key=lambda h: inputs.index(h["path"])),
        "column_map": dict(column_map) if column_map is not None else None,
        "territory": {"stated_mb": territory_bp / 1e6 if stated else None},
    }
    log.info("%s: %d tumours, %d rows", path, len(per_tumour), sum(rows.values()))
    return TmbCohortResult(per_tumour, params, territory_bp, stated, provenance, warnings)


__all__ = ["TmbCohortResult", "compute_tmb_cohort"]
