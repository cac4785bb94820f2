"""VEP CSQ entries as the simulator writes and judges them: the sub-field order, the Sequence Ontology severity
ranking, IMPACT, population frequencies, and the transcript a ``wes`` TMB judges."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

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


@functools.cache  # a few dozen distinct consequences, judged for every transcript of every allele
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

    @functools.cached_property  # read when judging, writing the VCF and writing the truth
    def value(self) -> float:
        """The population AF a ``wes`` TMB filters on: max of the three, absent = 0."""
        return max((v for v in (self.gnomade, self.gnomadg, self.max_af) if v is not None), default=0.0)


#: Position of each sub-field in a CSQ entry.
CSQ_INDEX: dict[str, int] = {name: i for i, name in enumerate(CSQ_FIELDS)}
_BLANKS = ("",) * len(CSQ_FIELDS)


def join_fields(fields: Mapping[str, str], names: tuple[str, ...] = CSQ_FIELDS) -> str:
    """The values of ``names`` in ``fields`` (absent = empty), ``|``-joined as in a CSQ entry."""
    return "|".join(map(fields.get, names, _BLANKS))  # get(name, "") for every field, in C


@dataclass(slots=True)  # not frozen: one is made per transcript of every allele, and frozen init is slower
class TranscriptHit:
    """One CSQ entry (one allele on one transcript): the entry as written, and what choosing a transcript reads.

    The entry is rendered once, when it is made (:meth:`from_fields`, or the annotator's own layout); the other
    sub-fields are read back from it by name (:meth:`get`, :attr:`fields`).
    """

    text: str  # ``|``-separated, :data:`CSQ_FIELDS` order
    consequence: str  # the ``&``-joined Consequence
    mane_select: bool  # MANE_SELECT is set
    canonical: bool  # CANONICAL=YES

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> TranscriptHit:
        """The entry with the sub-fields ``fields`` (by name; the others empty)."""
        return cls(
            join_fields(fields),
            fields["Consequence"],
            bool(fields.get("MANE_SELECT")),
            fields.get("CANONICAL") == "YES",
        )

    @property
    def fields(self) -> dict[str, str]:
        """The non-empty sub-fields by name."""
        return {name: value for name, value in zip(CSQ_FIELDS, self.text.split("|"), strict=True) if value}

    def get(self, name: str) -> str:
        """The value of sub-field ``name`` (``""`` when empty)."""
        return self.text.split("|")[CSQ_INDEX[name]]

    def render(self) -> str:
        """The entry as written in INFO/CSQ (``|``-separated, :data:`CSQ_FIELDS` order)."""
        return self.text


def choose_transcript(hits: list[TranscriptHit]) -> TranscriptHit | None:
    """The transcript a ``wes`` TMB judges: MANE Select > CANONICAL=YES > most severe."""
    if not hits:
        return None
    for hit in hits:
        if hit.mane_select:
            return hit
    for hit in hits:
        if hit.canonical:
            return hit
    return min(hits, key=lambda h: min(RANK.get(t, len(RANK)) for t in h.consequence.split("&")))


def is_counted_consequence(consequence: str) -> bool:
    """Whether any ``&``-joined term of ``consequence`` is in :data:`COUNTED`."""
    return any(term in COUNTED for term in consequence.split("&"))
