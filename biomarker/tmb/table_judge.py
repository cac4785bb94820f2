"""The filter chain on whole frames of variants (MAF or variant table): many tumours, one pass, vectorised.

The rules are those of :mod:`biomarker.tmb.judge` (the tests run the same variants through both): a row's
fate is ``counted`` or the first filter of :data:`FILTER_ORDER` that removes it. Duplicate rows (same
tumour, contig, position, REF, ALT) are removed across the whole file, the first kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from biomarker.tmb.annotation_values import short_protein
from biomarker.tmb.consequences import MAF_CLASSIFICATION, TERM_CLASS, normalise_term, pytmb_fate
from biomarker.tmb.judge import Drivers
from biomarker.tmb.params import FILTER_ORDER, TmbParams
from biomarker.tmb.territory import Territory, canonical_contig

if TYPE_CHECKING:
    import pandas as pd


#: Fate names by code: 0 is "not decided yet" while judging, ``counted`` once every filter passed.
FATES: tuple[str, ...] = ("", "counted", *FILTER_ORDER)
_CODE = {name: i for i, name in enumerate(FATES)}
_MIX = np.uint64(0x100000001B3)


def _hashes(series: pd.Series) -> np.ndarray:
    """64-bit hash of each row's value; a categorical is hashed per category (the same value, the same hash,
    whichever chunk it is in)."""
    import pandas as pd

    return pd.util.hash_pandas_object(series, index=False, categorize=True).to_numpy()


class DuplicateTracker:
    """Remembers 64-bit hashes of (tumour, contig, position, REF, ALT) across chunks; memory 8 bytes a row."""

    def __init__(self) -> None:
        self._seen: list[np.ndarray] = []

    def duplicated(self, frame: pd.DataFrame, among: np.ndarray | None = None) -> np.ndarray:
        """Which rows repeat an earlier row (of this chunk or an earlier one); with ``among``, only those rows
        are compared and remembered (the calls that passed FILTER and territory, as in a VCF)."""
        import pandas as pd

        from biomarker.tmb.variant_table import cat_map

        hashes = _hashes(frame["sample"])
        for part in (
            cat_map(frame["chrom"], canonical_contig),
            frame["pos"],
            cat_map(frame["ref"], lambda a: a.replace("-", "")),
            cat_map(frame["alt"], lambda a: a.replace("-", "")),
        ):
            hashes = (hashes * _MIX) ^ _hashes(part)
        if among is not None:
            hashes = hashes[among]
        dup = pd.Series(hashes).duplicated().to_numpy()
        for seen in self._seen:
            i = np.searchsorted(seen, hashes)
            i[i == len(seen)] = 0
            dup |= seen[i] == hashes
        self._seen.append(np.sort(hashes))
        # keep about log2(chunks) sorted runs (merge the last two while the newer is not smaller), so each
        # chunk is looked up in a few runs, not in every earlier chunk
        while len(self._seen) > 1 and len(self._seen[-1]) >= len(self._seen[-2]):
            newer = self._seen.pop()
            self._seen[-1] = np.sort(np.concatenate([self._seen[-1], newer]), kind="stable")
        if among is None:
            return dup
        full = np.zeros(len(frame), dtype=bool)
        full[among] = dup
        return full


def _territory_mask(frame: pd.DataFrame, territory: Territory) -> np.ndarray:
    from biomarker.tmb.variant_table import cat_map

    inside = np.zeros(len(frame), dtype=bool)
    keys = cat_map(frame["chrom"], canonical_contig)
    codes = keys.cat.codes.to_numpy()
    pos0 = frame["pos"].to_numpy() - 1
    for code, key in enumerate(keys.cat.categories):
        starts = territory.starts.get(key)
        if starts is None or not len(starts):
            continue
        rows = codes == code
        s = np.frombuffer(starts, dtype=np.int64)
        e = np.frombuffer(territory.ends[key], dtype=np.int64)
        i = np.searchsorted(s, pos0[rows], side="right") - 1
        ok = i >= 0
        ok[ok] = pos0[rows][ok] < e[i[ok]]
        inside[rows] = ok
    return inside


def effect_terms(effects: pd.Series) -> pd.Series:
    """SO term of each row's effect (MAF Variant_Classification, SO, snpEff or ANNOVAR words)."""
    from biomarker.tmb.variant_table import cat_map

    return cat_map(effects, lambda e: (MAF_CLASSIFICATION.get(e) or normalise_term(e)) if e else "")


def _per_category(series: pd.Series, func: Callable[[str], object]) -> np.ndarray:
    """``func`` of each row's value, computed once per category."""
    values = np.array([func(c) for c in series.cat.categories] + [func("")], dtype=object)
    return values[series.cat.codes.to_numpy()]  # code -1 (missing) takes the last: func("")


def judge_frame(
    frame: pd.DataFrame,
    params: TmbParams,
    territory: Territory | None,
    drivers: Drivers,
    tracker: DuplicateTracker,
    *,
    reasons: bool = False,
    unknown: Counter | None = None,
) -> tuple[np.ndarray, np.ndarray | None, pd.Series]:
    """Fate code of every row (names in :data:`FATES`; and, when asked, why), plus each row's SO consequence.

    ``unknown`` collects effect words with no stated class.
    """
    n = len(frame)
    fate = np.zeros(n, dtype=np.int8)
    why = np.full(n, "", dtype=object) if reasons else None

    def mark(name: str, mask: np.ndarray, reason: object = "") -> None:
        mask = mask & (fate == 0)
        fate[mask] = _CODE[name]
        if why is not None:
            why[mask] = reason[mask] if isinstance(reason, np.ndarray) else reason

    filt, ref, alt, effect = (frame[c].astype("category") for c in ("filter", "ref", "alt", "effect"))
    if params.require_pass:
        unfiltered = filt.isin([".", ""]).to_numpy()
        reason = np.char.add("FILTER ", filt.astype(str).to_numpy().astype(str)) if why is not None else ""
        mark("filter", (filt != "PASS").to_numpy() & ~(unfiltered & params.count_unfiltered), reason)
    if territory is not None:
        mark("territory", ~_territory_mask(frame, territory), "outside territory")
    mark("duplicate", tracker.duplicated(frame, fate == 0), "same tumour, position, REF and ALT as an earlier row")
    point = _per_category(alt, _is_point).astype(bool) & _per_category(ref, _is_point).astype(bool)
    mark(
        "not_point_mutation",
        ~point,
        np.char.add("symbolic or breakend allele ", alt.astype(str).to_numpy().astype(str)) if why is not None else "",
    )
    if params.exclude_indels:
        ref_len = _per_category(ref, lambda a: len(a.replace("-", ""))).astype(np.int64)
        alt_len = _per_category(alt, lambda a: len(a.replace("-", ""))).astype(np.int64)
        mark("indel", ref_len != alt_len, "indel excluded")
    for name, col, limit, fmt in (
        ("vaf", "vaf", params.min_vaf, "{:.4f}"),
        ("depth", "depth", params.min_depth, "{:.0f}"),
        ("alt_depth", "alt_depth", params.min_alt_depth, "{:.0f}"),
    ):
        if limit is None:
            continue
        values = frame[col].to_numpy(dtype=float)
        label = name.replace("_", " ")
        mark(name, np.isnan(values), f"{label} missing")
        low = values < limit
        if why is not None and low.any():
            text = np.array(
                [f"{label} {fmt.format(x)} < {limit:g}" if lo else "" for x, lo in zip(values, low, strict=True)],
                dtype=object,
            )
            mark(name, low, text)
        else:
            mark(name, low)
    terms = effect_terms(effect)
    needs_annotation = params.filter_consequence or params.max_population_af is not None or params.exclude_hotspots
    if needs_annotation:
        mark("unannotated", (effect == "").to_numpy(), "no annotation for this allele")
    if params.max_population_af is not None:
        pop = frame["population_af"].to_numpy(dtype=float)
        high = pop > params.max_population_af
        text = (
            np.array(
                [
                    f"population AF {x:g} > {params.max_population_af:g}" if h else ""
                    for x, h in zip(pop, high, strict=True)
                ],
                dtype=object,
            )
            if why is not None and high.any()
            else ""
        )
        mark("population_af", high, text)
    if params.exclude_hotspots:
        if params.hotspot_cosmic_id:
            mark("hotspot", frame["cosmic_id"].to_numpy(dtype=bool), "COSMIC id")
        if params.hotspot_min_cosmic_count is not None:
            mark(
                "hotspot",
                frame["cosmic_count"].to_numpy(dtype=float) >= params.hotspot_min_cosmic_count,
                f"COSMIC count >= {params.hotspot_min_cosmic_count}",
            )
        if drivers.sites:
            keys = zip(
                frame["chrom"].astype(str).map(canonical_contig),
                frame["pos"],
                ref.astype(str),
                alt.astype(str),
                strict=True,
            )
            mark("hotspot", np.array([k in drivers.sites for k in keys], dtype=bool), "in hotspot list")
        if drivers.proteins:
            short = _per_category(frame["protein"].astype("category"), short_protein)
            gene = _per_category(frame["gene"].astype("category"), str.upper)
            mark(
                "hotspot",
                np.array([p in drivers.proteins for p in zip(gene, short, strict=True)], dtype=bool),
                "in driver list",
            )
    if params.filter_consequence:
        if params.maf_classes:
            reason = np.char.add(effect.astype(str).to_numpy().astype(str), " not counted") if why is not None else ""
            mark("consequence", ~effect.isin(list(params.maf_classes)).to_numpy(), reason)
        else:
            if params.consequence_rule == "pytmb":
                drop = _per_category(terms, lambda t: bool(t) and pytmb_fate(frozenset({t})) is not None)
            else:
                drop = ~terms.isin(list(params.counted_terms)).to_numpy()
            reason = np.char.add(terms.astype(str).to_numpy().astype(str), " not counted") if why is not None else ""
            mark("consequence", drop.astype(bool), reason)
    if unknown is not None:
        codes = effect.cat.codes.to_numpy()
        counts = np.bincount(codes[codes >= 0], minlength=len(effect.cat.categories))
        for code, word in enumerate(effect.cat.categories):
            if word and counts[code] and (MAF_CLASSIFICATION.get(word) or normalise_term(word)) not in TERM_CLASS:
                unknown[word] += int(counts[code])
    fate[fate == 0] = _CODE["counted"]
    return fate, why, terms


def _is_point(allele: str) -> bool:
    return bool(allele) and (allele == "-" or not allele.strip("ACGTN"))
