"""The filter chain on whole frames of variants (MAF or variant table): many tumours, one pass, vectorised.

The rules are those of :mod:`biomarker.tmb.judge` (the tests run the same variants through both): a row's
fate is ``counted`` or the first filter of :data:`FILTER_ORDER` that removes it. Duplicate rows (same
tumour, contig, position, REF, ALT) are removed across the whole file, the first kept.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from biomarker.tmb.annotation import short_protein
from biomarker.tmb.consequences import MAF_CLASSIFICATION, TERM_CLASS, normalise_term, pytmb_fate
from biomarker.tmb.judge import Drivers
from biomarker.tmb.params import TmbParams
from biomarker.tmb.territory import Territory, canonical_contig

if TYPE_CHECKING:
    import pandas as pd


class DuplicateTracker:
    """Remembers 64-bit hashes of (tumour, contig, position, REF, ALT) across chunks; memory 8 bytes a row."""

    def __init__(self) -> None:
        self._seen: list[np.ndarray] = []

    def duplicated(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows repeat an earlier row (of this chunk or an earlier one)."""
        import pandas as pd

        keys = frame["sample"] + "\x00" + frame["chrom"].map(canonical_contig) + "\x00" + \
            frame["pos"].astype(str) + "\x00" + frame["ref"].str.replace("-", "") + "\x00" + \
            frame["alt"].str.replace("-", "")
        hashes = pd.util.hash_pandas_object(keys, index=False).to_numpy()
        dup = pd.Series(hashes).duplicated().to_numpy()
        for seen in self._seen:
            i = np.searchsorted(seen, hashes)
            i[i == len(seen)] = 0
            dup |= seen[i] == hashes
        self._seen.append(np.sort(hashes))
        return dup


def _territory_mask(frame: pd.DataFrame, territory: Territory) -> np.ndarray:
    inside = np.zeros(len(frame), dtype=bool)
    keys = frame["chrom"].map(canonical_contig).to_numpy()
    pos0 = frame["pos"].to_numpy() - 1
    for key in np.unique(keys):
        starts = territory.starts.get(key)
        if starts is None or not len(starts):
            continue
        rows = keys == key
        s = np.frombuffer(starts, dtype=np.int64)
        e = np.frombuffer(territory.ends[key], dtype=np.int64)
        i = np.searchsorted(s, pos0[rows], side="right") - 1
        ok = i >= 0
        ok[ok] = pos0[rows][ok] < e[i[ok]]
        inside[rows] = ok
    return inside


def effect_terms(effects: pd.Series) -> pd.Series:
    """SO term of each row's effect (MAF Variant_Classification, SO, snpEff or ANNOVAR words)."""
    uniq = effects.unique()
    mapping = {e: MAF_CLASSIFICATION.get(e) or normalise_term(e) for e in uniq if e}
    mapping[""] = ""
    return effects.map(mapping)


def judge_frame(
    frame: pd.DataFrame, params: TmbParams, territory: Territory | None, drivers: Drivers,
    duplicate: np.ndarray, *, reasons: bool = False, unknown: Counter | None = None,
) -> tuple[np.ndarray, np.ndarray | None, pd.Series]:
    """Fate of every row (and, when asked, why), plus each row's SO consequence.

    ``unknown`` collects effect words with no stated class.
    """
    n = len(frame)
    fate = np.full(n, "", dtype=object)
    why = np.full(n, "", dtype=object) if reasons else None

    def mark(name: str, mask: np.ndarray, reason: object = "") -> None:
        mask = mask & (fate == "")
        fate[mask] = name
        if why is not None:
            why[mask] = reason[mask] if isinstance(reason, np.ndarray) else reason

    mark("duplicate", duplicate, "same tumour, position, REF and ALT as an earlier row")
    filt = frame["filter"].to_numpy(dtype=object)
    if params.require_pass:
        unfiltered = (filt == ".") | (filt == "")
        reason = np.char.add("FILTER ", filt.astype(str)) if why is not None else ""
        mark("filter", (filt != "PASS") & ~(unfiltered & params.count_unfiltered), reason)
    ref, alt = frame["ref"], frame["alt"]
    point = alt.str.fullmatch(r"[ACGTN]+|-").to_numpy(dtype=bool) & ref.str.fullmatch(r"[ACGTN]+|-").to_numpy(
        dtype=bool)
    mark("not_point_mutation", ~point,
         np.char.add("symbolic or breakend allele ", alt.to_numpy(dtype=str)) if why is not None else "")
    if territory is not None:
        mark("territory", ~_territory_mask(frame, territory), "outside territory")
    if params.exclude_indels:
        mark("indel", (ref.str.replace("-", "").str.len() != alt.str.replace("-", "").str.len()).to_numpy(),
             "indel excluded")
    for name, col, limit, fmt in (("vaf", "vaf", params.min_vaf, "{:.4f}"),
                                  ("depth", "depth", params.min_depth, "{:.0f}"),
                                  ("alt_depth", "alt_depth", params.min_alt_depth, "{:.0f}")):
        if limit is None:
            continue
        values = frame[col].to_numpy(dtype=float)
        label = name.replace("_", " ")
        mark(name, np.isnan(values), f"{label} missing")
        low = values < limit
        if why is not None and low.any():
            text = np.array([f"{label} {fmt.format(x)} < {limit:g}" if lo else "" for x, lo in zip(values, low,
                                                                                                  strict=True)],
                            dtype=object)
            mark(name, low, text)
        else:
            mark(name, low)
    effect = frame["effect"].fillna("").to_numpy(dtype=object)
    terms = effect_terms(frame["effect"].fillna(""))
    needs_annotation = params.filter_consequence or params.max_population_af is not None or params.exclude_hotspots
    if needs_annotation:
        mark("unannotated", effect == "", "no annotation for this allele")
    if params.max_population_af is not None:
        pop = frame["population_af"].to_numpy(dtype=float)
        high = pop > params.max_population_af
        text = np.array([f"population AF {x:g} > {params.max_population_af:g}" if h else "" for x, h in
                         zip(pop, high, strict=True)], dtype=object) if why is not None and high.any() else ""
        mark("population_af", high, text)
    if params.exclude_hotspots:
        if params.hotspot_cosmic_id:
            mark("hotspot", frame["cosmic_id"].to_numpy(dtype=bool), "COSMIC id")
        if params.hotspot_min_cosmic_count is not None:
            mark("hotspot", frame["cosmic_count"].to_numpy(dtype=float) >= params.hotspot_min_cosmic_count,
                 f"COSMIC count >= {params.hotspot_min_cosmic_count}")
        if drivers.sites:
            keys = zip(frame["chrom"].map(canonical_contig), frame["pos"], ref, alt, strict=True)
            mark("hotspot", np.array([k in drivers.sites for k in keys], dtype=bool), "in hotspot list")
        if drivers.proteins:
            pairs = zip(frame["gene"].str.upper(), frame["protein"].map(short_protein), strict=True)
            mark("hotspot", np.array([p in drivers.proteins for p in pairs], dtype=bool), "in driver list")
    if params.filter_consequence:
        if params.maf_classes:
            keep = np.isin(effect, list(params.maf_classes))
            reason = np.char.add(effect.astype(str), " not counted") if why is not None else ""
            mark("consequence", ~keep, reason)
        else:
            so = terms.to_numpy(dtype=object)
            if params.consequence_rule == "pytmb":
                drop = np.array([bool(t) and pytmb_fate(frozenset({t})) is not None for t in so], dtype=bool)
            else:
                drop = ~np.isin(so, list(params.counted_terms))
            reason = np.char.add(so.astype(str), " not counted") if why is not None else ""
            mark("consequence", drop, reason)
    if unknown is not None:
        for word in {e for e, t in zip(effect, terms, strict=True) if e and t not in TERM_CLASS}:
            unknown[word] += int((effect == word).sum())
    fate[fate == ""] = "counted"
    return fate, why, terms
