"""The 96-channel SBS catalogue of one tumour, with indel counts and co-mutation hits.

Which alleles: ``counted`` (default) takes the alleles the TMB counts (the ``biomarker tmb`` filter
chain of a preset, over the capture BED: PASS, in territory, VAF/depth, population AF, consequence);
``passing`` takes every FILTER-passing allele (PASS or ``.``), inside ``targets`` when given. The
trinucleotide context comes from the reference FASTA (pysam ``FastaFile``); contigs ``chr1``/``1`` are
matched explicitly, and a REF base unlike the FASTA's is an error (the FASTA is not the assembly the
calls were made on), never a wrong channel.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from biomarker.errors import ConfigError, InputError
from biomarker.genomic.channels import channel_of
from biomarker.genomic.comutations import DEFAULT_RULES, Rule, rule_genes
from biomarker.genomic.variants import Allele, VcfAlleles, is_indel, is_snv, maf_alleles
from biomarker.tmb.territory import canonical_contig

log = logging.getLogger(__name__)
VARIANT_SETS = ("counted", "passing")


@dataclass
class ComutationHit:
    """One allele that set a co-mutation flag."""

    flag: str
    gene: str
    chrom: str
    pos: int
    ref: str
    alt: str
    consequence: str
    hgvsp: str


@dataclass
class TumourCatalogue:
    """What one tumour's alleles give: SBS96 counts, indel/MNV counts and co-mutation hits."""

    sample: str
    counts: np.ndarray  # int64[96], CHANNELS order (COSMIC plot order)
    n_indel: int
    n_mnv: int
    n_unknown_context: int
    flags: dict[str, bool]
    hits: list[ComutationHit] = field(default_factory=list)
    variant_set: str = "counted"
    warnings: list[str] = field(default_factory=list)

    @property
    def n_snv(self) -> int:
        """SNVs placed in a channel."""
        return int(self.counts.sum())


class Reference:
    """A reference FASTA opened with pysam, with contig names matched to a call set's.

    Parameters
    ----------
    path
        FASTA (plain or bgzip) with its ``.fai`` (and ``.gzi``); pysam builds a missing ``.fai``.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        import pysam

        self.path = str(path)
        if not os.path.isfile(self.path):
            raise InputError(self.path, "no such FASTA", hint="give the reference the calls were made on (--fasta)")
        try:
            self.fasta = pysam.FastaFile(self.path)
        except (OSError, ValueError) as exc:
            raise InputError(
                self.path,
                f"not a readable FASTA ({exc})",
                hint="index it with samtools faidx (bgzip-compressed needs .fai and .gzi)",
            ) from None
        self.lengths = dict(zip(self.fasta.references, self.fasta.lengths, strict=True))
        self._by_key = {canonical_contig(name): name for name in self.fasta.references}
        self._names: dict[str, str | None] = {}

    def name_of(self, contig: str) -> str | None:
        """The FASTA's name for a call set's contig (``chr1`` <-> ``1``), or ``None``."""
        if contig not in self._names:
            self._names[contig] = contig if contig in self.lengths else self._by_key.get(canonical_contig(contig))
        return self._names[contig]

    def check_lengths(self, calls_path: str, contig_lengths: dict[str, int]) -> None:
        """Raise when a contig the calls declare has another length in the FASTA (another assembly)."""
        for contig, length in contig_lengths.items():
            name = self.name_of(contig)
            if name is not None and self.lengths[name] != length:
                raise InputError(
                    calls_path,
                    f"contig {contig} is {length} bp in the calls but {self.lengths[name]} bp in {self.path}",
                    where="header",
                    hint="give the FASTA of the assembly the calls were made on",
                )

    def fetch(self, contig: str, start0: int, end0: int) -> str:
        """Upper-case bases ``[start0, end0)`` of the call set's ``contig`` (``N`` beyond the ends)."""
        name = self.name_of(contig)
        if name is None:
            raise InputError(
                self.path,
                f"contig {contig!r} of the calls is not in the FASTA",
                hint="give the FASTA of the assembly the calls were made on",
            )
        length = self.lengths[name]
        lo, hi = max(start0, 0), min(end0, length)
        seq = self.fasta.fetch(name, lo, hi).upper() if hi > lo else ""
        return "N" * (lo - start0) + seq + "N" * (end0 - hi)

    def close(self) -> None:
        """Close the FASTA."""
        self.fasta.close()


def _counted_keys(
    path: str, targets: str | os.PathLike[str], preset: str, tumor_sample: str | None, territory: Any = None
) -> tuple[set[tuple[str, int, str, str]], str]:
    """The alleles ``biomarker tmb`` counts, as ``(chrom, pos, ref, alt)`` (MAF alleles as written)."""
    from biomarker.tmb import compute_tmb

    result = compute_tmb(
        path, targets, preset=preset, tumor_sample=tumor_sample, keep_variants=True, territory=territory
    )
    frame = result.variants()
    counted = frame[frame["fate"] == "counted"]
    keys = {
        (c, int(p), r, a)
        for c, p, r, a in zip(counted["chrom"], counted["pos"], counted["ref"], counted["alt"], strict=True)
    }
    return keys, result.tumor_sample


def build_catalogue(
    path: str | os.PathLike[str],
    reference: Reference,
    *,
    sample: str | None = None,
    variant_set: str = "counted",
    targets: str | os.PathLike[str] | None = None,
    preset: str = "wes",
    tumor_sample: str | None = None,
    rules: dict[str, Rule] | None = None,
    territory: Any = None,
) -> TumourCatalogue:
    """SBS96 catalogue, indel and MNV counts and co-mutation flags of one tumour.

    Parameters
    ----------
    path
        Somatic calls: VCF/VCF.gz/BCF (VEP CSQ or snpEff ANN) or MAF.
    reference
        The opened reference FASTA.
    variant_set
        ``counted`` (the TMB's counted alleles; needs ``targets``) or ``passing``.
    targets
        Capture BED; required for ``counted``, restricts ``passing`` when given.
    preset
        TMB preset deciding what ``counted`` means.
    rules
        Co-mutation flags (default :data:`~biomarker.genomic.comutations.DEFAULT_RULES`).
    territory
        ``targets`` already read (:func:`biomarker.tmb.build_territory`), to read a BED once per cohort.

    Returns
    -------
    TumourCatalogue

    Raises
    ------
    InputError
        For a REF base unlike the FASTA's, a contig missing from it, or unreadable calls.

    Examples
    --------
    >>> ref = Reference("GRCh38.fa")  # doctest: +SKIP
    >>> cat = build_catalogue("tumour.vcf.gz", ref, targets="exome.bed")  # doctest: +SKIP
    >>> cat.n_snv, cat.flags["stk11_lof"]  # doctest: +SKIP
    """
    path = str(path)
    if variant_set not in VARIANT_SETS:
        raise ConfigError(f"variant set {variant_set!r}: use one of {', '.join(VARIANT_SETS)}")
    if not os.path.isfile(path):
        raise InputError(path, "no such file", hint="check the path")
    rules = DEFAULT_RULES if rules is None else rules
    genes = rule_genes(rules)
    from biomarker.tmb.variant_table import is_maf

    maf = is_maf(path)
    keys: set[tuple[str, int, str, str]] | None = None
    if variant_set == "counted":
        if targets is None:
            raise ConfigError("the 'counted' variant set needs the capture BED (--targets); or use --variants passing")
        keys, found = _counted_keys(path, targets, preset, tumor_sample, territory)
        tumor_sample = tumor_sample or found
        territory = None
    elif targets is not None and territory is None:
        from biomarker.tmb.territory import read_bed

        territory = read_bed(targets)
    if maf:
        alleles: Any = maf_alleles(path, genes, tumor_sample)
    else:
        alleles = VcfAlleles(path, genes)
        reference.check_lengths(path, alleles.contig_lengths)
    counts = np.zeros(96, dtype=np.int64)
    n_indel = n_mnv = n_unknown = 0
    hits: list[ComutationHit] = []
    flags = dict.fromkeys(rules, False)
    warnings: list[str] = []
    any_allele = False
    for a in alleles:
        any_allele = True
        if not _selected(a, keys, territory):
            continue
        ref_u, alt_u = a.ref.upper(), a.alt.upper()
        if is_snv(ref_u, alt_u):
            context = reference.fetch(a.chrom, a.pos - 2, a.pos + 1)
            if context[1] != ref_u and context[1] in "ACGT":
                raise InputError(
                    path,
                    f"REF {a.ref} but the FASTA has {context[1]} at this position",
                    where=f"{a.chrom}:{a.pos} {a.ref}>{a.alt}",
                    hint=f"{reference.path} is not the assembly the calls were made on",
                )
            ch = channel_of(context, alt_u)
            if ch is None:
                n_unknown += 1
            else:
                counts[ch] += 1
        elif is_indel(a.ref, a.alt):
            n_indel += 1
        elif len(a.ref) == len(a.alt) > 1:
            n_mnv += 1
        for hit in a.hits:
            for flag, rule in rules.items():
                if rule.matches(hit.gene, hit.consequence, hit.protein):
                    flags[flag] = True
                    hits.append(ComutationHit(flag, hit.gene, a.chrom, a.pos, a.ref, a.alt, hit.consequence, hit.hgvsp))
    if variant_set == "passing" and any_allele:
        base = os.path.basename(path)
        if not maf and alleles.n_unfiltered and not alleles.n_pass:
            warnings.append(
                f"{base}: FILTER is '.' on every record (no caller filter applied): "
                "the 'passing' set is every call; prefer --variants counted"
            )
        if maf and not _maf_has_filter(path):
            warnings.append(f"{base}: the MAF has no FILTER column: every row taken as passing")
    if not maf and alleles.kind == "none" and rules:
        warnings.append(
            f"{os.path.basename(path)}: no VEP CSQ or snpEff ANN annotation; "
            "co-mutation flags cannot be set (reported as missing)"
        )
        flags = dict.fromkeys(rules, None)  # type: ignore[arg-type]
    if n_unknown:
        warnings.append(
            f"{os.path.basename(path)}: {n_unknown} SNV(s) with a non-ACGT reference context left out of the catalogue"
        )
    if not any_allele:
        log.info("%s holds no allele", path)
    return TumourCatalogue(
        sample or tumor_sample or os.path.basename(path),
        counts,
        n_indel,
        n_mnv,
        n_unknown,
        flags,
        hits,
        variant_set,
        warnings,
    )


def _selected(a: Allele, keys: set[tuple[str, int, str, str]] | None, territory: Any) -> bool:
    if keys is not None:
        return a.key in keys
    if not a.passing:
        return False
    return territory is None or territory.contains(a.chrom, a.pos - 1)


def _maf_has_filter(path: str) -> bool:
    from biomarker.files import open_text

    with open_text(path) as fh:
        header = next((line for line in fh if not line.startswith("#")), "")
    return "FILTER" in header.rstrip("\n").split("\t")
