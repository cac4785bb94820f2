"""The ordered filter chain: a variant's fate is ``counted`` or the first filter that removed it.

Order (cheap checks first, annotation parsed only for survivors):
``filter`` (FILTER not PASS; ``.`` counts only with ``count_unfiltered``), ``territory`` (outside the
callable territory), ``indel`` (when indels are excluded), ``vaf``, ``depth``, ``alt_depth``,
``unannotated`` (no annotation: reported, never counted), ``population_af`` (germline),
``hotspot`` (known drivers), ``consequence`` (class not counted).
"""

from __future__ import annotations

import os

from biomarker.errors import InputError
from biomarker.files import open_text
from biomarker.tmb.annotation import Annotation
from biomarker.tmb.params import TmbParams
from biomarker.tmb.territory import canonical_contig

Fate = tuple[str, str]  # (fate, reason)
COUNTED: Fate = ("counted", "")


def read_hotspot_list(path: str | os.PathLike[str]) -> frozenset[tuple[str, int, str, str]]:
    """Read a user's hotspot list: tab-separated ``chrom pos ref alt`` (1-based), ``#`` comments allowed.

    Raises
    ------
    InputError
        For a line that is not four columns with an integer position.
    """
    out: set[tuple[str, int, str, str]] = set()
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split()
            if len(cols) < 4 or not cols[1].isdigit():
                raise InputError(path, "a hotspot line is: chrom, 1-based pos, ref, alt", where=f"line {lineno}")
            out.add((canonical_contig(cols[0]), int(cols[1]), cols[2].upper(), cols[3].upper()))
    return frozenset(out)


def judge_filter(filters: list[str], params: TmbParams) -> Fate | None:
    """Fate from the FILTER column, or ``None`` if the record goes on."""
    if not params.require_pass or filters == ["PASS"]:
        return None
    if not filters:
        return None if params.count_unfiltered else ("filter", "FILTER . (unfiltered)")
    return ("filter", "FILTER " + ";".join(filters))


def is_indel(ref: str, alt: str) -> bool:
    """Whether REF>ALT changes length (MNVs of equal length are not indels)."""
    return len(ref) != len(alt)


def judge_support(
    ref: str, alt: str, vaf: float | None, depth: int | None, alt_depth: int | None, params: TmbParams
) -> Fate | None:
    """Fate from allele type and read support, or ``None`` if the ALT goes on.

    A filter that is on but whose value is missing for this record removes the variant, saying so.

    Examples
    --------
    >>> from biomarker.tmb.params import load_preset
    >>> judge_support("C", "T", 0.03, 100, 3, load_preset("wes"))
    ('vaf', 'vaf 0.0300 < 0.05')
    """
    if params.exclude_indels and is_indel(ref, alt):
        return ("indel", "indel excluded")
    if params.min_vaf is not None:
        if vaf is None:
            return ("vaf", "vaf missing")
        if vaf < params.min_vaf:
            return ("vaf", f"vaf {vaf:.4f} < {params.min_vaf:g}")
    if params.min_depth is not None:
        if depth is None:
            return ("depth", "depth missing")
        if depth < params.min_depth:
            return ("depth", f"depth {depth} < {params.min_depth}")
    if params.min_alt_depth is not None:
        if alt_depth is None:
            return ("alt_depth", "alt depth missing")
        if alt_depth < params.min_alt_depth:
            return ("alt_depth", f"alt depth {alt_depth} < {params.min_alt_depth}")
    return None


def judge_annotation(
    ann: Annotation | None,
    alt: str,
    params: TmbParams,
    hotspots: frozenset[tuple[str, int, str, str]] = frozenset(),
    site: tuple[str, int, str] | None = None,
) -> Fate:
    """Final fate from the annotation: unannotated, population AF, hotspot, consequence, or counted."""
    if alt == "*" or alt.startswith("<") or alt == ".":
        return ("consequence", f"symbolic or spanning-deletion allele {alt}")
    if ann is None:
        return ("unannotated", "no annotation for this allele")
    if params.max_population_af is not None and ann.population_af is not None \
            and ann.population_af > params.max_population_af:
        return ("population_af", f"population AF {ann.population_af:g} > {params.max_population_af:g}")
    if params.exclude_hotspots:
        if params.hotspot_cosmic_id and ann.cosmic_id:
            return ("hotspot", "COSMIC id")
        if params.hotspot_min_cosmic_count is not None and ann.cosmic_count is not None \
                and ann.cosmic_count >= params.hotspot_min_cosmic_count:
            return ("hotspot", f"COSMIC count {ann.cosmic_count} >= {params.hotspot_min_cosmic_count}")
        if hotspots and site is not None and (canonical_contig(site[0]), site[1], site[2], alt) in hotspots:
            return ("hotspot", "in hotspot list")
    if ann.consequence not in params.counted_terms:
        return ("consequence", f"{ann.consequence} not counted")
    return COUNTED
