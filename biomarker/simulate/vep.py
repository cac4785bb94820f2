"""Ensembl VEP style annotation of planted variants on the synthetic gene model.

Each planted allele gets one CSQ entry per overlapping transcript, the way VEP 110 writes them
with ``--everything --mane --canonical``: the flagged transcript carries the intended
consequence and the others either agree, fall in an intron (the exon is skipped), are
non-coding, or, for the deliberate traps, disagree (MANE synonymous, another transcript
missense).

The CSQ vocabulary (field order, severity, IMPACT) is in :mod:`biomarker.simulate.csq`; the coding fields
(HGVS, codons, positions) in :mod:`biomarker.simulate.vep_coding`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from biomarker.simulate.csq import (  # noqa: F401 (re-exported: the CSQ vocabulary was first defined here)
    COUNTED,
    CSQ_FIELDS,
    CSQ_INDEX,
    RANK,
    SEVERITY,
    PopAF,
    TranscriptHit,
    choose_transcript,
    impact,
    is_counted_consequence,
    join_fields,
)
from biomarker.simulate.genome import Gene
from biomarker.simulate.rng_draws import distinct_pair
from biomarker.simulate.vep_coding import AMINO_ACIDS, CODING_FIELDS, coding_fields, coding_site, locate_exon


def _fmt_af(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def _population_fields(pop: PopAF) -> dict[str, str]:
    """Sub-population and 1000 Genomes frequencies, never above MAX_AF (as in VEP)."""
    out: dict[str, str] = {}
    if pop.max_af is None:
        return out
    cap = pop.max_af
    for prefix, value in (("gnomADe", pop.gnomade), ("gnomADg", pop.gnomadg)):
        if value is not None:
            out[f"{prefix}_AFR_AF"] = _fmt_af(min(cap, value * 1.3))
            out[f"{prefix}_NFE_AF"] = _fmt_af(min(cap, value * 0.9))
    if pop.gnomadg is not None and pop.gnomadg > 0.005:
        out["AF"] = f"{min(cap, pop.gnomadg * 1.05):.4f}"
        for name, factor in (("AFR", 1.2), ("AMR", 0.9), ("EAS", 0.7), ("EUR", 1.0), ("SAS", 0.8)):
            out[f"{name}_AF"] = f"{min(cap, pop.gnomadg * factor):.4f}"
    return out


def _variant_class(ref: str, alt: str) -> str:
    if len(ref) == len(alt) == 1:
        return "SNV"
    return "insertion" if len(alt) > len(ref) else "deletion"


def vep_allele(ref: str, alt: str) -> str:
    """VEP's Allele for a biallelic REF/ALT: shared first base stripped, deletion = ``-``."""
    if len(ref) == 1 and len(alt) == 1:
        return alt
    return alt[1:] or "-"


def annotate(
    gene: Gene | None,
    pos: int,
    ref: str,
    alt: str,
    consequence: str,
    pop: PopAF,
    rng: np.random.Generator,
    trap: str = "",
) -> list[TranscriptHit]:
    """CSQ entries for one ALT allele.

    Parameters
    ----------
    gene
        The gene hit (``None`` = intergenic).
    pos
        1-based VCF position.
    ref, alt
        VCF alleles (biallelic view of this ALT).
    consequence
        Intended consequence on transcript 1 (the flagged one when the gene has flags).
    pop
        Population frequencies and known-variant identifiers (the same on every transcript).
    rng
        Random generator for the cosmetic fields (amino acids, SIFT, ...).
    trap
        ``"alt_missense"``: transcript 2 says missense while transcript 1 says ``consequence``.
    """
    common = {
        "Allele": vep_allele(ref, alt),
        "VARIANT_CLASS": _variant_class(ref, alt),
        "gnomADe_AF": _fmt_af(pop.gnomade),
        "gnomADg_AF": _fmt_af(pop.gnomadg),
        "MAX_AF": _fmt_af(pop.max_af),
        "MAX_AF_POPS": pop.max_pops,
        "Existing_variation": pop.existing,
        "SOMATIC": pop.somatic,
        "PHENO": "&".join("1" for _ in pop.somatic.split("&")) if pop.somatic else "",
        **_population_fields(pop),
    }
    if gene is None:
        return [TranscriptHit.from_fields({**common, "Consequence": "intergenic_variant", "IMPACT": "MODIFIER"})]
    if gene.hotspot is not None:
        return _hotspot_hits(gene, common)
    pos0 = pos - 1 if len(ref) == len(alt) else pos  # first affected base (0-based)
    exon_idx, in_exon = locate_exon(gene, pos0)
    n_exons = len(gene.exon_starts)
    t_exon = exon_idx if gene.strand > 0 else n_exons - 1 - exon_idx  # transcript-order exon
    hits: list[TranscriptHit] = []
    i_ref, i_alt = distinct_pair(rng, len(AMINO_ACIDS))  # = rng.choice(AMINO_ACIDS, size=2, replace=False)
    aa_ref, aa_alt = AMINO_ACIDS[i_ref], AMINO_ACIDS[i_alt]
    # rng.uniform(a, b) is a + (b - a) * rng.random(): the same draw, without numpy's per-call overhead
    sift = (
        f"deleterious({0.05 * rng.random():.2f})"
        if rng.random() < 0.6
        else f"tolerated({0.05 + (1 - 0.05) * rng.random():.2f})"
    )
    polyphen = (
        f"probably_damaging({0.9 + (1 - 0.9) * rng.random():.3f})"
        if rng.random() < 0.5
        else f"benign({0.4 * rng.random():.3f})"
    )
    site = None
    allele, variant_class, tail = common["Allele"], common["VARIANT_CLASS"], join_fields(common, _TAIL)
    for t in transcripts(gene):
        k = t.k
        skipped = k == 1 and exon_idx == gene.skip_exon
        if k == 0:
            cons = consequence
        elif k == 1:
            if trap == "alt_missense":
                cons = "missense_variant"
            elif skipped and in_exon:
                cons = "intron_variant"
            else:
                cons = consequence
        elif t.biotype == "protein_coding":
            cons = consequence
        elif t.biotype == "nonsense_mediated_decay":
            cons = f"{consequence}&NMD_transcript_variant"
        else:
            cons = "non_coding_transcript_exon_variant" if in_exon else "intron_variant"
            if consequence in ("splice_acceptor_variant", "splice_donor_variant"):
                cons = f"{consequence}&non_coding_transcript_variant"
        n_tx_exons = t.n_exons
        exon = intron = ""
        if in_exon and not (skipped and cons == "intron_variant"):
            exon = f"{min(t_exon + 1, n_tx_exons)}/{n_tx_exons}"
        elif not in_exon:
            intron = f"{max(min(t_exon + 1, n_tx_exons - 1), 1)}/{max(n_tx_exons - 1, 1)}"
        coding, scores = _NO_CODING, "|"
        if t.coding:
            if site is None:
                site = coding_site(gene, pos0, exon_idx, in_exon, ref, alt)
            coding = "|".join(coding_fields(site, cons, aa_ref, aa_alt, t.tx, t.ensp, k))
            if "missense_variant" in cons.split("&"):
                scores = f"{sift}|{polyphen}"
        text = (
            f"{allele}|{cons}|{impact(cons)}|{t.run_a}|{exon}|{intron}|{coding}|{t.run_b}|{variant_class}|{t.run_c}"
            f"|{scores}|{t.run_d}|{tail}"
        )
        hits.append(TranscriptHit(text, cons, t.mane_select, t.canonical))
    return hits


# A synthetic transcript's CSQ entry is written as one f-string: the runs of sub-fields no allele changes come
# pre-joined from its Transcript, the allele's population fields as one pre-joined tail. The layout it assumes:
_RUN_A = ("SYMBOL", "Gene", "Feature_type", "Feature", "BIOTYPE")
_RUN_B = ("DISTANCE", "STRAND", "FLAGS")
_RUN_C = (
    "SYMBOL_SOURCE",
    "HGNC_ID",
    "CANONICAL",
    "MANE_SELECT",
    "MANE_PLUS_CLINICAL",
    "TSL",
    "APPRIS",
    "CCDS",
    "ENSP",
    "SWISSPROT",
    "UNIPARC",
)
_RUN_D = ("DOMAINS", "HGVS_OFFSET", "TREMBL", "UNIPROT_ISOFORM", "GENE_PHENO")
_TAIL = CSQ_FIELDS[CSQ_INDEX["AF"] :]
if (
    (CSQ_FIELDS[3:8], CSQ_FIELDS[17:20], CSQ_FIELDS[21:32], CSQ_FIELDS[34:39]) != (_RUN_A, _RUN_B, _RUN_C, _RUN_D)
    or CSQ_FIELDS[:3] != ("Allele", "Consequence", "IMPACT")
    or CSQ_FIELDS[8:17] != ("EXON", "INTRON", *CODING_FIELDS)
    or CSQ_FIELDS[20] != "VARIANT_CLASS"
    or CSQ_FIELDS[32:34] != ("SIFT", "PolyPhen")
    or _TAIL[0] != "AF"
):  # pragma: no cover - a guard for whoever edits CSQ_FIELDS
    raise RuntimeError("CSQ_FIELDS changed: update the entry layout in biomarker.simulate.vep")
_NO_CODING = "|" * (len(CODING_FIELDS) - 1)


class Transcript(NamedTuple):
    """One transcript of a synthetic gene as VEP annotates it, with the CSQ fields no allele changes."""

    k: int  # slot: 0 = transcript 1 (the flagged one), 1 = the exon-skipping one, 2.. = the others
    tx: str
    biotype: str
    coding: bool
    n_exons: int
    ensp: str
    mane_select: bool
    canonical: bool
    run_a: str  # _RUN_A, |-joined
    run_b: str  # _RUN_B
    run_c: str  # _RUN_C
    run_d: str  # _RUN_D


def transcripts(gene: Gene) -> tuple[Transcript, ...]:
    """The transcripts of a synthetic (non-hotspot) gene, in CSQ order (memoised on the gene)."""
    cached = gene.memo.get("csq_transcripts")
    if cached is not None:
        return cached
    number = gene.index + 1
    n_exons = len(gene.exon_starts)
    slots = [(0, "protein_coding"), (1, "protein_coding")] + ([(2, "retained_intron")] if gene.has_noncoding else [])
    slots += [(3 + i, biotype) for i, biotype in enumerate(gene.extra)]
    flagged, mane = gene.flags in ("mane", "canonical"), gene.flags == "mane"
    mane_select = f"NM_9{number:05d}.1" if mane else ""
    swissprot = f"Q9{number:04d}.{number % 7 + 1}" if mane else ""
    out = []
    for k, biotype in slots:
        tx = gene.tx_ids[k]
        coding = biotype in ("protein_coding", "nonsense_mediated_decay")
        if coding:
            ensp = f"ENSP9{number * 10 + k:010d}.1"
            tsl = "1" if k == 0 else str(2 + k % 3)
            appris = "P1" if k == 0 else ("A2" if k == 1 else "")
            ccds = f"CCDS9{number:05d}.1" if k == 0 else ""
            uniparc = f"UPI9{number * 10 + k:09d}"
            trembl = "" if k == 0 else f"A0A9{number:05d}{k}"
        else:
            ensp = appris = ccds = uniparc = trembl = ""
            tsl = "3" if k == 2 else "5"
        canonical = "YES" if k == 0 and flagged else ""
        mane_k, swissprot_k = (mane_select, swissprot) if k == 0 else ("", "")
        out.append(
            Transcript(
                k,
                tx,
                biotype,
                coding,
                n_exons - 1 if (k == 1 and gene.skip_exon >= 0) else n_exons,
                ensp,
                bool(mane_k),
                canonical == "YES",
                f"{gene.symbol}|{gene.gene_id}|Transcript|{tx}|{biotype}",
                f"|{gene.strand}|",
                f"HGNC|HGNC:9{number:05d}|{canonical}|{mane_k}||{tsl}|{appris}|{ccds}|{ensp}|{swissprot_k}|{uniparc}",
                f"||{trembl}||",
            )
        )
    cached = gene.memo["csq_transcripts"] = tuple(out)
    return cached


def _hotspot_hits(gene: Gene, common: dict[str, str]) -> list[TranscriptHit]:
    hot = gene.hotspot
    assert hot is not None
    hits = []
    for k, (tx, ensp) in enumerate(((hot.mane[0], hot.mane[2]), hot.other)):
        f = dict(common)
        f.update(
            {
                "Consequence": "missense_variant",
                "IMPACT": "MODERATE",
                "SYMBOL": hot.symbol,
                "Gene": hot.gene_id,
                "Feature_type": "Transcript",
                "Feature": tx,
                "BIOTYPE": "protein_coding",
                "EXON": "2/6" if hot.symbol == "KRAS" else "8/11",
                "HGVSc": f"{tx}:{hot.hgvsc}",
                "HGVSp": f"{ensp}:{hot.hgvsp}",
                "CDS_position": hot.hgvsc[2:-3],
                "Protein_position": str(hot.protein_position),
                "Amino_acids": hot.amino_acids,
                "Codons": hot.codons,
                "STRAND": "-1",
                "SYMBOL_SOURCE": "HGNC",
                "HGNC_ID": "HGNC:6407" if hot.symbol == "KRAS" else "HGNC:11998",
                "ENSP": ensp,
                "SIFT": "deleterious(0)",
                "PolyPhen": "probably_damaging(0.998)",
                "TSL": "1",
                "CLIN_SIG": "pathogenic&likely_pathogenic",
            }
        )
        if k == 0:
            f.update({"CANONICAL": "YES", "MANE_SELECT": hot.mane[1], "APPRIS": "P1"})
        hits.append(TranscriptHit.from_fields(f))
    return hits
