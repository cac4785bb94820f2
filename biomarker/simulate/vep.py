"""Ensembl VEP style annotation of planted variants on the synthetic gene model.

Each planted allele gets one CSQ entry per overlapping transcript, the way VEP 110 writes them
with ``--everything --mane --canonical``: the flagged transcript carries the intended
consequence and the others either agree, fall in an intron (the exon is skipped), are
non-coding, or, for the deliberate traps, disagree (MANE synonymous, another transcript
missense).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from biomarker.simulate.genome import Gene

#: CSQ sub-fields, in the order declared in the VCF header.
CSQ_FIELDS: tuple[str, ...] = (
    "Allele",
    "Consequence",
    "IMPACT",
    "SYMBOL",
    "Gene",
    "Feature_type",
    "Feature",
    "BIOTYPE",
    "EXON",
    "INTRON",
    "HGVSc",
    "HGVSp",
    "cDNA_position",
    "CDS_position",
    "Protein_position",
    "Amino_acids",
    "Codons",
    "DISTANCE",
    "STRAND",
    "FLAGS",
    "VARIANT_CLASS",
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
    "SIFT",
    "PolyPhen",
    "DOMAINS",
    "HGVS_OFFSET",
    "TREMBL",
    "UNIPROT_ISOFORM",
    "GENE_PHENO",
    "AF",
    "AFR_AF",
    "AMR_AF",
    "EAS_AF",
    "EUR_AF",
    "SAS_AF",
    "gnomADe_AF",
    "gnomADe_AFR_AF",
    "gnomADe_NFE_AF",
    "gnomADg_AF",
    "gnomADg_AFR_AF",
    "gnomADg_NFE_AF",
    "MAX_AF",
    "MAX_AF_POPS",
    "Existing_variation",
    "CLIN_SIG",
    "SOMATIC",
    "PHENO",
    "PUBMED",
)

#: Sequence Ontology consequences from most to least severe (Ensembl VEP ranking).
SEVERITY: tuple[str, ...] = (
    "transcript_ablation",
    "splice_acceptor_variant",
    "splice_donor_variant",
    "stop_gained",
    "frameshift_variant",
    "stop_lost",
    "start_lost",
    "transcript_amplification",
    "feature_elongation",
    "feature_truncation",
    "inframe_insertion",
    "inframe_deletion",
    "missense_variant",
    "protein_altering_variant",
    "splice_donor_5th_base_variant",
    "splice_region_variant",
    "splice_donor_region_variant",
    "splice_polypyrimidine_tract_variant",
    "incomplete_terminal_codon_variant",
    "start_retained_variant",
    "stop_retained_variant",
    "synonymous_variant",
    "coding_sequence_variant",
    "mature_miRNA_variant",
    "5_prime_UTR_variant",
    "3_prime_UTR_variant",
    "non_coding_transcript_exon_variant",
    "intron_variant",
    "NMD_transcript_variant",
    "non_coding_transcript_variant",
    "coding_transcript_variant",
    "upstream_gene_variant",
    "downstream_gene_variant",
    "TFBS_ablation",
    "TFBS_amplification",
    "TF_binding_site_variant",
    "regulatory_region_ablation",
    "regulatory_region_amplification",
    "regulatory_region_variant",
    "intergenic_variant",
)
RANK: dict[str, int] = {term: i for i, term in enumerate(SEVERITY)}

#: The consequences a ``wes`` TMB counts (nonsynonymous coding and canonical splice sites).
COUNTED: frozenset[str] = frozenset(
    {
        "missense_variant",
        "stop_gained",
        "stop_lost",
        "start_lost",
        "frameshift_variant",
        "inframe_insertion",
        "inframe_deletion",
        "protein_altering_variant",
        "splice_acceptor_variant",
        "splice_donor_variant",
    }
)

_HIGH = {
    "transcript_ablation",
    "splice_acceptor_variant",
    "splice_donor_variant",
    "stop_gained",
    "frameshift_variant",
    "stop_lost",
    "start_lost",
}
_MODERATE = {"inframe_insertion", "inframe_deletion", "missense_variant", "protein_altering_variant"}
_LOW = {
    "splice_region_variant",
    "synonymous_variant",
    "start_retained_variant",
    "stop_retained_variant",
    "incomplete_terminal_codon_variant",
}
_AA = (
    "Ala",
    "Arg",
    "Asn",
    "Asp",
    "Cys",
    "Gln",
    "Glu",
    "Gly",
    "His",
    "Ile",
    "Leu",
    "Lys",
    "Met",
    "Phe",
    "Pro",
    "Ser",
    "Thr",
    "Trp",
    "Tyr",
    "Val",
)
_AA1 = dict(zip(_AA, "ARNDCQEGHILKMFPSTWYV", strict=True))
_COMP = str.maketrans("ACGT", "TGCA")


def impact(consequence: str) -> str:
    """VEP IMPACT of an ``&``-joined consequence (that of its most severe term)."""
    term = min(consequence.split("&"), key=lambda t: RANK.get(t, len(RANK)))
    if term in _HIGH:
        return "HIGH"
    if term in _MODERATE:
        return "MODERATE"
    if term in _LOW:
        return "LOW"
    return "MODIFIER"


@dataclass(frozen=True)
class PopAF:
    """Population allele frequencies as VEP reports them (``None`` = absent)."""

    gnomade: float | None = None
    gnomadg: float | None = None
    max_af: float | None = None
    max_pops: str = ""
    existing: str = ""
    somatic: str = ""

    @property
    def value(self) -> float:
        """The population AF a ``wes`` TMB filters on: max of the three, absent = 0."""
        return max((v for v in (self.gnomade, self.gnomadg, self.max_af) if v is not None), default=0.0)


@dataclass
class TranscriptHit:
    """One CSQ entry (one allele on one transcript), kept structured until rendered."""

    fields: dict[str, str]

    @property
    def consequence(self) -> str:
        """The ``&``-joined Consequence of this entry."""
        return self.fields["Consequence"]

    def render(self) -> str:
        """The entry as written in INFO/CSQ (``|``-separated, :data:`CSQ_FIELDS` order)."""
        get = self.fields.get
        return "|".join([get(name, "") for name in CSQ_FIELDS])


def choose_transcript(hits: list[TranscriptHit]) -> TranscriptHit | None:
    """The transcript a ``wes`` TMB judges: MANE Select > CANONICAL=YES > most severe."""
    if not hits:
        return None
    for hit in hits:
        if hit.fields.get("MANE_SELECT"):
            return hit
    for hit in hits:
        if hit.fields.get("CANONICAL") == "YES":
            return hit
    return min(hits, key=lambda h: min(RANK.get(t, len(RANK)) for t in h.consequence.split("&")))


def is_counted_consequence(consequence: str) -> bool:
    """Whether any ``&``-joined term of ``consequence`` is in :data:`COUNTED`."""
    return any(term in COUNTED for term in consequence.split("&"))


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
        return [TranscriptHit({**common, "Consequence": "intergenic_variant", "IMPACT": "MODIFIER"})]
    if gene.hotspot is not None:
        return _hotspot_hits(gene, common)
    pos0 = pos - 1 if len(ref) == len(alt) else pos  # first affected base (0-based)
    exon_idx, in_exon = _locate(gene, pos0)
    n_exons = len(gene.exon_starts)
    t_exon = exon_idx if gene.strand > 0 else n_exons - 1 - exon_idx  # transcript-order exon
    hits: list[TranscriptHit] = []
    aa_ref, aa_alt = (str(a) for a in rng.choice(_AA, size=2, replace=False))
    sift = (
        f"deleterious({rng.uniform(0, 0.05):.2f})" if rng.random() < 0.6 else f"tolerated({rng.uniform(0.05, 1):.2f})"
    )
    polyphen = (
        f"probably_damaging({rng.uniform(0.9, 1):.3f})" if rng.random() < 0.5 else f"benign({rng.uniform(0, 0.4):.3f})"
    )
    number = gene.index + 1
    kinds = ["protein_coding", "protein_coding"] + (["retained_intron"] if gene.has_noncoding else [])
    slots = [0, 1] + ([2] if gene.has_noncoding else [])
    kinds += list(gene.extra)
    slots += list(range(3, 3 + len(gene.extra)))
    for k, biotype in zip(slots, kinds, strict=True):
        tx = gene.tx_ids[k]
        coding = biotype in ("protein_coding", "nonsense_mediated_decay")
        f = dict(common)
        f.update(
            {
                "SYMBOL": gene.symbol,
                "Gene": gene.gene_id,
                "Feature_type": "Transcript",
                "Feature": tx,
                "STRAND": str(gene.strand),
                "SYMBOL_SOURCE": "HGNC",
                "HGNC_ID": f"HGNC:9{number:05d}",
            }
        )
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
        elif biotype == "protein_coding":
            cons = consequence
        elif biotype == "nonsense_mediated_decay":
            cons = f"{consequence}&NMD_transcript_variant"
        else:
            cons = "non_coding_transcript_exon_variant" if in_exon else "intron_variant"
            if consequence in ("splice_acceptor_variant", "splice_donor_variant"):
                cons = f"{consequence}&non_coding_transcript_variant"
        f["Consequence"] = cons
        f["IMPACT"] = impact(cons)
        f["BIOTYPE"] = biotype
        if coding:
            f["ENSP"] = f"ENSP9{number * 10 + k:010d}.1"
            f["TSL"] = "1" if k == 0 else str(2 + k % 3)
            f["APPRIS"] = "P1" if k == 0 else ("A2" if k == 1 else "")
            f["CCDS"] = f"CCDS9{number:05d}.1" if k == 0 else ""
            f["UNIPARC"] = f"UPI9{number * 10 + k:09d}"
            f["TREMBL"] = "" if k == 0 else f"A0A9{number:05d}{k}"
        else:
            f["TSL"] = "3" if k == 2 else "5"
        if k == 0 and gene.flags in ("mane", "canonical"):
            f["CANONICAL"] = "YES"
        if k == 0 and gene.flags == "mane":
            f["MANE_SELECT"] = f"NM_9{number:05d}.1"
            f["SWISSPROT"] = f"Q9{number:04d}.{number % 7 + 1}"
        n_tx_exons = n_exons - 1 if (k == 1 and gene.skip_exon >= 0) else n_exons
        if in_exon and not (skipped and cons == "intron_variant"):
            f["EXON"] = f"{min(t_exon + 1, n_tx_exons)}/{n_tx_exons}"
        elif not in_exon:
            f["INTRON"] = f"{max(min(t_exon + 1, n_tx_exons - 1), 1)}/{max(n_tx_exons - 1, 1)}"
        if coding:
            _coding_fields(f, gene, pos0, exon_idx, in_exon, ref, alt, cons, aa_ref, aa_alt, tx, k)
            if "missense_variant" in cons.split("&"):
                f["SIFT"], f["PolyPhen"] = sift, polyphen
        hits.append(TranscriptHit(f))
    return hits


def _locate(gene: Gene, pos0: int) -> tuple[int, bool]:
    """Nearest exon (genomic order) and whether ``pos0`` is inside it."""
    starts, ends = gene.exon_starts, gene.exon_ends
    i = int(np.searchsorted(starts, pos0, side="right")) - 1
    if i >= 0 and pos0 < ends[i]:
        return i, True
    if i < 0:
        return 0, False
    if i + 1 < len(starts) and starts[i + 1] - pos0 < pos0 - ends[i] + 1:
        return i + 1, False
    return i, False


def _cds_offset(gene: Gene, pos0: int, exon_idx: int) -> int:
    """1-based position in the spliced transcript of 0-based genomic ``pos0`` in ``exon_idx``."""
    lengths = (gene.exon_ends - gene.exon_starts).tolist()
    if gene.strand > 0:
        return int(sum(lengths[:exon_idx]) + (pos0 - gene.exon_starts[exon_idx]) + 1)
    return int(sum(lengths[exon_idx + 1 :]) + (gene.exon_ends[exon_idx] - 1 - pos0) + 1)


def _coding_fields(
    f: dict[str, str],
    gene: Gene,
    pos0: int,
    exon_idx: int,
    in_exon: bool,
    ref: str,
    alt: str,
    cons: str,
    aa_ref: str,
    aa_alt: str,
    tx: str,
    k: int,
) -> None:
    strand_ref = ref if gene.strand > 0 else ref.translate(_COMP)[::-1]
    strand_alt = alt if gene.strand > 0 else alt.translate(_COMP)[::-1]
    ensp = f"ENSP9{(gene.index + 1) * 10 + k:010d}.1"
    terms = cons.split("&")
    if not in_exon:
        edge = gene.exon_ends[exon_idx] - 1 if pos0 >= gene.exon_ends[exon_idx] else gene.exon_starts[exon_idx]
        cds = _cds_offset(gene, int(edge), exon_idx) + 40 * k
        dist = abs(pos0 - int(edge))
        after = (pos0 > edge) == (gene.strand > 0)
        sign = "+" if after else "-"
        if len(ref) == len(alt) == 1:
            f["HGVSc"] = f"{tx}:c.{cds}{sign}{dist}{strand_ref}>{strand_alt}"
        return
    cds = _cds_offset(gene, pos0, exon_idx) + 40 * k
    prot = (cds + 2) // 3
    f["cDNA_position"] = str(cds + 120)
    if "5_prime_UTR_variant" in terms:
        f["HGVSc"] = f"{tx}:c.-{cds}{strand_ref}>{strand_alt}"
        f["cDNA_position"] = str(cds)
        return
    if "3_prime_UTR_variant" in terms:
        f["HGVSc"] = f"{tx}:c.*{cds}{strand_ref}>{strand_alt}"
        return
    f["CDS_position"] = str(cds)
    f["Protein_position"] = str(prot)
    if len(ref) == len(alt) == 1:
        f["HGVSc"] = f"{tx}:c.{cds}{strand_ref}>{strand_alt}"
        codon = ["a", "c", "g"]
        frame = (cds - 1) % 3
        ref_codon = "".join(strand_ref if i == frame else codon[i] for i in range(3))
        alt_codon = "".join(strand_alt.upper() if i == frame else codon[i] for i in range(3))
        ref_codon = ref_codon[:frame] + strand_ref.upper() + ref_codon[frame + 1 :]
        f["Codons"] = f"{ref_codon}/{alt_codon}"
    elif len(alt) > len(ref):
        ins = strand_alt[1:] if gene.strand > 0 else strand_alt[:-1]
        f["HGVSc"] = f"{tx}:c.{cds}_{cds + 1}ins{ins}"
        f["CDS_position"] = f"{cds}-{cds + 1}"
    else:
        n_del = len(ref) - len(alt)
        f["HGVSc"] = f"{tx}:c.{cds}_{cds + n_del - 1}del" if n_del > 1 else f"{tx}:c.{cds}del"
        f["CDS_position"] = f"{cds}-{cds + n_del - 1}" if n_del > 1 else str(cds)
    a1, a2 = _AA1[aa_ref], _AA1[aa_alt]
    if "missense_variant" in terms:
        f["HGVSp"], f["Amino_acids"] = f"{ensp}:p.{aa_ref}{prot}{aa_alt}", f"{a1}/{a2}"
    elif "synonymous_variant" in terms:
        f["HGVSp"], f["Amino_acids"] = f"{ensp}:p.{aa_ref}{prot}%3D", a1
    elif "stop_gained" in terms:
        f["HGVSp"], f["Amino_acids"] = f"{ensp}:p.{aa_ref}{prot}Ter", f"{a1}/*"
    elif "stop_lost" in terms:
        f["HGVSp"], f["Amino_acids"] = f"{ensp}:p.Ter{prot}{aa_alt}extTer{prot % 40 + 3}", f"*/{a2}"
    elif "start_lost" in terms:
        f["HGVSp"], f["Amino_acids"] = f"{ensp}:p.Met1?", f"M/{a2}"
    elif "frameshift_variant" in terms:
        f["HGVSp"] = f"{ensp}:p.{aa_ref}{prot}{aa_alt}fsTer{prot % 30 + 2}"
        f["Amino_acids"] = f"{a1}/X"
    elif "inframe_deletion" in terms:
        f["HGVSp"] = f"{ensp}:p.{aa_ref}{prot}del"
        f["Amino_acids"] = f"{a1}/-"
    elif "inframe_insertion" in terms:
        f["HGVSp"] = f"{ensp}:p.{aa_ref}{prot}_{aa_alt}{prot + 1}ins{aa_alt}"
        f["Amino_acids"] = f"-/{a2}"


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
        hits.append(TranscriptHit(f))
    return hits
