"""TMB of every tumour in a MAF or variant table, in one pass over the file.

:func:`compute_tmb_cohort` reads the file once in chunks, judges each chunk with the vectorised chain
(:mod:`biomarker.tmb.table_judge`) and tallies fates per tumour; memory grows with the number of tumours
(and 8 bytes a row for duplicate detection), not with the file. :func:`scan_table_one` is the same chain for
the one tumour of ``compute_tmb`` on a MAF, with a per-variant row for the audit.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from biomarker.errors import InputError
from biomarker.tmb.checks import check_annotation_fields
from biomarker.tmb.judge import Drivers
from biomarker.tmb.params import TmbParams
from biomarker.tmb.plain_table import table_chunks
from biomarker.tmb.table_judge import FATES, DuplicateTracker, judge_frame
from biomarker.tmb.territory import Territory
from biomarker.tmb.variant_table import MAF_REQUIRED, TABLE_FIELDS, _header, is_maf, maf_chunks
from biomarker.tmb.vcf_scan import Row, ScanTally

log = logging.getLogger(__name__)


def available_fields(path: str, column_map: Mapping[str, str] | None, af_fields: tuple[str, ...]) -> set[str]:
    """Standard fields the file can provide (``filter``, ``vaf``, ``population_af``, ``cosmic_count``...)."""
    if column_map is None:
        _, cols, _ = _header(path)
        missing = [c for c in MAF_REQUIRED if c not in cols]
        if missing:
            raise InputError(
                path,
                f"missing MAF column(s) {', '.join(missing)}",
                where="header",
                hint="give a MAF with the standard GDC/vcf2maf columns, or a table with --columns",
            )
        have = {"chrom", "pos", "ref", "alt", "sample", "effect"}
        pairs = (
            ("filter", "FILTER"),
            ("depth", "t_depth"),
            ("alt_depth", "t_alt_count"),
            ("gene", "Hugo_Symbol"),
            ("protein", "HGVSp_Short"),
            ("cosmic_id", "Existing_variation"),
            ("cosmic_count", "COSMIC_CNT"),
            ("cosmic_count", "COSMIC_COUNT"),
        )
        have |= {name for name, col in pairs if col in cols}
        if "t_ref_count" in cols and "t_alt_count" in cols:
            have.add("depth")
        if "depth" in have and "alt_depth" in have:
            have.add("vaf")
        if any(c in cols for c in af_fields):
            have.add("population_af")
        return have
    if str(path).lower().endswith((".xlsx", ".xls")):
        import pandas as pd

        cols = list(pd.read_excel(path, nrows=0).columns)
    else:
        _, cols, _ = _header(path)
    have = {f for f in TABLE_FIELDS if column_map.get(f, f) in cols}
    have.add("filter")  # a table without FILTER holds calls that passed (it says PASS)
    if "depth" in have and "alt_depth" in have:
        have.add("vaf")
    return have


def check_table_can_run(path: str, have: set[str], params: TmbParams, drivers: Drivers, maf: bool) -> None:
    """Refuse a filter the file cannot feed, naming ``--off NAME`` (as for a VCF).

    Raises
    ------
    InputError
    """
    needs = (
        ("filter", params.require_pass, "a FILTER column"),
        (
            "vaf",
            params.min_vaf is not None,
            "t_depth/t_ref_count and t_alt_count" if maf else "a vaf column (or depth and alt_depth)",
        ),
        ("depth", params.min_depth is not None, "t_depth or t_ref_count" if maf else "a depth column"),
        ("alt_depth", params.min_alt_depth is not None, "t_alt_count" if maf else "an alt_depth column"),
    )
    for name, need, what in needs:
        if need and name not in have:
            raise InputError(
                path,
                f"the {name} filter needs {what}, which the file lacks",
                where="header",
                hint=f"switch it off with --off {name}",
            )
    if "effect" not in have and (params.filter_consequence or params.max_population_af is not None):
        raise InputError(
            path,
            "no effect column: no variant could be judged coding or germline",
            where="header",
            hint="map the effect column (--columns effect=COLUMN), or count every variant on purpose "
            "with --off consequence --off population_af",
        )
    check_annotation_fields(
        path,
        params,
        drivers,
        population="population_af" in have,
        cosmic_count="cosmic_count" in have,
        cosmic_id="cosmic_id" in have,
        protein="protein" in have,
    )


def needed_fields(params: TmbParams, drivers: Drivers, audit: bool) -> set[str]:
    """The optional fields a run reads (a cohort run parses no column it does not use)."""
    need = {"filter"}
    if params.min_vaf is not None or params.min_depth is not None:
        need |= {"depth", "alt_depth"}
    if params.min_alt_depth is not None:
        need.add("alt_depth")
    if params.max_population_af is not None:
        need.add("population_af")
    if params.exclude_hotspots:
        need.add("cosmic")
    if drivers.proteins:
        need |= {"gene", "protein"}
    if audit:
        need |= {"depth", "alt_depth", "gene", "transcript", "population_af"}
    return need


def frames(
    path: str, params: TmbParams, column_map: Mapping[str, str] | None, fields: set[str] | None = None
) -> Iterator[Any]:
    """Standard frames of a MAF (``column_map`` None) or a plain table."""
    if column_map is None:
        return maf_chunks(path, params.population_af_fields, fields=fields)
    return table_chunks(path, column_map)


def _fmt(x: float, spec: str) -> str:
    return "" if x != x else format(x, spec)


def scan_table_one(
    path: str,
    params: TmbParams,
    territory: Territory | None,
    emit: Callable[[Row], None],
    *,
    tumor_sample: str | None = None,
    drivers: Drivers | None = None,
    column_map: Mapping[str, str] | None = None,
) -> tuple[ScanTally, str]:
    """Judge every row of one tumour of a MAF/table; returns the tally and the tumour's name.

    Raises
    ------
    InputError
        For missing columns, several tumours without ``tumor_sample`` or a tumour with no rows.
    """
    maf = column_map is None
    drivers = drivers if drivers is not None else Drivers()
    check_table_can_run(path, available_fields(path, column_map, params.population_af_fields), params, drivers, maf)
    tally = ScanTally()
    tracker = DuplicateTracker()
    names: dict[str, None] = {}
    chosen = tumor_sample
    for frame in frames(path, params, column_map, needed_fields(params, drivers, audit=True)):
        names.update(dict.fromkeys(frame["sample"].astype(object).unique()))
        if chosen is None:
            chosen = next(iter(names))
        if tumor_sample is None and len(names) > 1:
            continue  # collect every name for the message
        part = frame[(frame["sample"] == chosen).to_numpy()].reset_index(drop=True)
        if not len(part):
            continue
        codes, why, terms = judge_frame(
            part, params, territory, drivers, tracker, reasons=True, unknown=tally.unknown_terms
        )
        fate = np.array(FATES, dtype=object)[codes]
        terms = terms.astype(object).to_numpy()
        filt = part["filter"].astype(object).to_numpy()
        tally.unfiltered += int(((filt == ".") | (filt == "")).sum())
        tally.records += len(part)
        tally.alleles += len(part)
        tally.contigs_seen |= set(part["chrom"].astype(object).unique())
        tally.fates.update(Counter(fate.tolist()))
        judged = fate != "duplicate"
        shown = np.where(judged & (np.isin(fate, ["counted", "population_af", "hotspot", "consequence"])), terms, "")
        for i, row in enumerate(part.itertuples(index=False)):
            emit(
                (
                    row.chrom,
                    str(row.pos),
                    row.ref,
                    row.alt,
                    row.filter or ".",
                    _fmt(row.vaf, ".4f"),
                    _fmt(row.depth, ".0f"),
                    _fmt(row.alt_depth, ".0f"),
                    shown[i],
                    row.gene if shown[i] else "",
                    row.transcript if shown[i] else "",
                    _fmt(row.population_af, ".6g") if shown[i] else "",
                    fate[i],
                    why[i],
                )
            )  # type: ignore[index]
    if tumor_sample is None and len(names) > 1:
        raise InputError(
            path,
            f"the file holds {len(names)} tumours",
            where="sample column",
            hint=f"pass --tumor-sample, one of: {', '.join(sorted(names)[:10])}; or run "
            "`biomarker tmb-cohort` for one row per tumour",
        )
    if tumor_sample is not None and tumor_sample not in names:
        raise InputError(
            path,
            f"no rows for tumour {tumor_sample!r}",
            where="sample column",
            hint=f"check --tumor-sample; tumours are: {', '.join(sorted(names)[:10])}",
        )
    return tally, chosen or ""


def cohort_is_table(path: str | os.PathLike[str], column_map: Mapping[str, str] | None) -> bool:
    """Whether a path is read as a MAF (no map, MAF columns) rather than a plain table."""
    return column_map is None and is_maf(path)


__all__ = ["available_fields", "check_table_can_run", "scan_table_one"]
