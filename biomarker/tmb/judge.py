"""The ordered filter chain: a variant's fate is ``counted`` or the first filter that removed it.

Order (cheap checks first, annotation parsed only for survivors): ``filter`` (FILTER not PASS; ``.``
counts only with ``count_unfiltered``), ``territory`` (outside the callable territory), ``duplicate``
(the same position, REF and ALT as an earlier call that passed those two), ``not_point_mutation``
(breakends, symbolic alleles, ``*``), ``indel`` (when indels are excluded), ``vaf``, ``depth``,
``alt_depth``, ``unannotated`` (no annotation: reported, never counted), ``population_af`` (germline),
``hotspot`` (known drivers), ``consequence`` (class not counted).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from biomarker.errors import InputError
from biomarker.files import open_text
from biomarker.tmb.annotation_values import Annotation, short_protein
from biomarker.tmb.consequences import pytmb_fate
from biomarker.tmb.params import TmbParams
from biomarker.tmb.territory import canonical_contig

Fate = tuple[str, str]  # (fate, reason)
COUNTED: Fate = ("counted", "")
_POINT_BASES = "ACGTN"


@dataclass(frozen=True)
class Drivers:
    """A driver/hotspot list: genomic sites ``(contig key, pos, ref, alt)`` and protein changes ``(GENE, G12C)``."""

    sites: frozenset[tuple[str, int, str, str]] = frozenset()
    proteins: frozenset[tuple[str, str]] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.sites or self.proteins)

    def __contains__(self, site: object) -> bool:  # the old frozenset-of-sites interface
        return site in self.sites


def read_hotspot_list(path: str | os.PathLike[str]) -> Drivers:
    r"""Read a driver/hotspot list, one per line, ``#`` comments and a header line allowed.

    A line is either a genomic site, ``chrom pos ref alt`` (1-based; tabs or spaces), or a gene and its protein
    change, ``KRAS p.G12C``, ``KRAS G12C`` or ``KRAS p.Gly12Cys``.

    Raises
    ------
    InputError
        For a line that is neither form.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "d.txt"
    >>> _ = f.write_text("chr12 25245350 C A\nKRAS p.Gly12Cys\n")
    >>> d = read_hotspot_list(f)
    >>> sorted(d.sites), sorted(d.proteins)
    ([('12', 25245350, 'C', 'A')], [('KRAS', 'G12C')])
    """
    sites: set[tuple[str, int, str, str]] = set()
    proteins: set[tuple[str, str]] = set()
    with open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            cols = line.split()
            if not cols or line.startswith("#"):
                continue
            if len(cols) >= 4 and cols[1].isdigit():
                sites.add((canonical_contig(cols[0]), int(cols[1]), cols[2].upper(), cols[3].upper()))
            elif len(cols) == 2 and any(ch.isdigit() for ch in cols[1]):
                proteins.add((cols[0].upper(), short_protein(cols[1])))
            elif lineno == 1 and not any(ch.isdigit() for ch in line):
                continue  # a header line (chrom pos ref alt / gene protein)
            else:
                raise InputError(
                    path,
                    "a driver line is 'chrom pos ref alt' (1-based) or 'GENE protein_change' (KRAS p.G12C)",
                    where=f"line {lineno}",
                )
    if not sites and not proteins:
        raise InputError(
            path,
            "no driver in the list",
            where="line 1",
            hint="write 'chrom pos ref alt' (1-based) or 'GENE protein_change' (KRAS p.G12C) lines",
        )
    return Drivers(frozenset(sites), frozenset(proteins))


def judge_allele(alt: str) -> Fate | None:
    """``not_point_mutation`` for breakends, symbolic alleles, ``*`` and missing ALTs; ``None`` otherwise.

    Examples
    --------
    >>> judge_allele("<DEL>")
    ('not_point_mutation', 'symbolic or breakend allele <DEL>')
    >>> judge_allele("G]chr2:321]")[0], judge_allele("*")[0], judge_allele("ACT")
    ('not_point_mutation', 'not_point_mutation', None)
    """
    if alt and not alt.strip(_POINT_BASES):
        return None
    return ("not_point_mutation", f"symbolic or breakend allele {alt or '.'}")


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
    if ann is None:
        if not params.filter_consequence and params.max_population_af is None and not params.exclude_hotspots:
            return COUNTED
        return ("unannotated", "no annotation for this allele")
    if (
        params.max_population_af is not None
        and ann.population_af is not None
        and ann.population_af > params.max_population_af
    ):
        return ("population_af", f"population AF {ann.population_af:g} > {params.max_population_af:g}")
    if params.exclude_hotspots:
        if params.hotspot_cosmic_id and ann.cosmic_id:
            return ("hotspot", "COSMIC id")
        if (
            params.hotspot_min_cosmic_count is not None
            and ann.cosmic_count is not None
            and ann.cosmic_count >= params.hotspot_min_cosmic_count
        ):
            return ("hotspot", f"COSMIC count {ann.cosmic_count} >= {params.hotspot_min_cosmic_count}")
        if hotspots and site is not None and (canonical_contig(site[0]), site[1], site[2], alt) in hotspots:
            return ("hotspot", "in hotspot list")
        proteins = getattr(hotspots, "proteins", None)
        if proteins and ann.protein and (ann.gene.upper(), short := short_protein(ann.protein)) in proteins:
            return ("hotspot", f"driver {ann.gene} {short}")
    if not params.filter_consequence:
        return COUNTED
    if params.consequence_rule == "pytmb":
        why = pytmb_fate(ann.terms or frozenset({ann.consequence}))
        return COUNTED if why is None else ("consequence", why)
    if ann.consequence not in params.counted_terms:
        return ("consequence", f"{ann.consequence} not counted")
    return COUNTED
