"""Sequence Ontology consequence terms: one severity order and the classes TMB counts.

Every annotator's vocabulary (VEP, snpEff, Funcotator, ANNOVAR, MAF) is normalised to the SO terms
below, so one ranking decides "most severe" whatever wrote the file. The order is Ensembl VEP's
consequence table (most severe first), with the SO parent term ``splice_site_variant`` added beside
the splice donor (ANNOVAR's ``splicing`` and MAF's ``Splice_Site`` do not say which side).
"""

from __future__ import annotations

SEVERITY_ORDER: tuple[str, ...] = (
    "transcript_ablation",
    "splice_acceptor_variant",
    "splice_donor_variant",
    "splice_site_variant",
    "stop_gained",
    "frameshift_variant",
    "stop_lost",
    "start_lost",
    "exon_loss_variant",
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
    "sequence_variant",
)
RANK: dict[str, int] = {term: i for i, term in enumerate(SEVERITY_ORDER)}
UNKNOWN_RANK = len(SEVERITY_ORDER)

#: Named groups of terms a preset can count.
CLASSES: dict[str, frozenset[str]] = {
    "nonsynonymous": frozenset(
        {
            "transcript_ablation",
            "stop_gained",
            "frameshift_variant",
            "stop_lost",
            "start_lost",
            "exon_loss_variant",
            "inframe_insertion",
            "inframe_deletion",
            "missense_variant",
            "protein_altering_variant",
        }
    ),
    "splice_site": frozenset({"splice_acceptor_variant", "splice_donor_variant", "splice_site_variant"}),
    "splice_region": frozenset(
        {
            "splice_region_variant",
            "splice_donor_5th_base_variant",
            "splice_donor_region_variant",
            "splice_polypyrimidine_tract_variant",
        }
    ),
    "synonymous": frozenset({"synonymous_variant", "stop_retained_variant", "start_retained_variant"}),
    "coding_other": frozenset(
        {"coding_sequence_variant", "incomplete_terminal_codon_variant", "coding_transcript_variant"}
    ),
    "structural": frozenset({"transcript_amplification", "feature_elongation", "feature_truncation"}),
    "noncoding": frozenset(
        {
            "mature_miRNA_variant",
            "5_prime_UTR_variant",
            "3_prime_UTR_variant",
            "non_coding_transcript_exon_variant",
            "intron_variant",
            "NMD_transcript_variant",
            "non_coding_transcript_variant",
            "upstream_gene_variant",
            "downstream_gene_variant",
            "TFBS_ablation",
            "TFBS_amplification",
            "TF_binding_site_variant",
            "regulatory_region_ablation",
            "regulatory_region_amplification",
            "regulatory_region_variant",
            "intergenic_variant",
            "sequence_variant",
        }
    ),
}
#: The class of every SO term of :data:`SEVERITY_ORDER` (each term is in exactly one class).
TERM_CLASS: dict[str, str] = {term: name for name, terms in CLASSES.items() for term in terms}

#: pyTMB 1.6.0's VEP term lists (its ``config/vep.yml``), for ``consequence_rule: pytmb``. Terms in none of
#: them (``splice_donor_5th_base_variant``, ``splice_donor_region_variant``, ``splice_polypyrimidine_tract_variant``,
#: ``start_retained``...) decide nothing: a variant carrying only such terms is kept, as pyTMB keeps it.
PYTMB_CODING: frozenset[str] = frozenset(
    {
        "coding_sequence_variant",
        "inframe_deletion",
        "inframe_insertion",
        "frameshift_variant",
        "incomplete_terminal_codon_variant",
        "missense_variant",
        "splice_acceptor_variant",
        "splice_donor_variant",
        "splice_region_variant",
        "start_lost",
        "start_retained_variant",
        "stop_retained_variant",
        "stop_lost",
        "stop_gained",
        "synonymous_variant",
        "transcript_ablation",
        "transcript_amplification",
        "coding_transcript_variant",
        "protein_altering_variant",
    }
)
PYTMB_NONCODING: frozenset[str] = frozenset(
    {
        "5_prime_UTR_variant",
        "3_prime_UTR_variant",
        "intergenic_variant",
        "intron_variant",
        "downstream_gene_variant",
        "feature_elongation",
        "feature_truncation",
        "mature_miRNA_variant",
        "non_coding_transcript_exon_variant",
        "NMD_transcript_variant",
        "non_coding_transcript_variant",
        "regulatory_region_ablation",
        "regulatory_region_amplification",
        "regulatory_region_variant",
        "TFBS_ablation",
        "TFBS_amplification",
        "TF_binding_site_variant",
        "upstream_gene_variant",
    }
)
PYTMB_SYNONYMOUS: frozenset[str] = frozenset({"synonymous_variant", "start_retained_variant", "stop_retained_variant"})
PYTMB_NONSYNONYMOUS: frozenset[str] = frozenset(
    {
        "frameshift_variant",
        "missense_variant",
        "splice_acceptor_variant",
        "splice_donor_variant",
        "splice_region_variant",
        "stop_gained",
        "stop_lost",
        "start_lost",
    }
)


def pytmb_fate(terms: frozenset[str] | set[str]) -> str | None:
    """pyTMB 1.6.0's ``--filterNonCoding --filterSyn`` decision on every term of every transcript of a variant.

    Returns ``None`` (kept) or why it is removed. pyTMB removes a variant when some transcript is non-coding and
    none is coding, or when some transcript is synonymous and none is non-synonymous.

    Examples
    --------
    >>> pytmb_fate({"splice_donor_5th_base_variant", "intron_variant"})
    'non-coding (pyTMB)'
    >>> pytmb_fate({"splice_region_variant", "intron_variant"}) is None
    True
    >>> pytmb_fate({"synonymous_variant", "inframe_deletion"})
    'synonymous (pyTMB)'
    """
    if terms & PYTMB_NONCODING and not terms & PYTMB_CODING:
        return "non-coding (pyTMB)"
    if terms & PYTMB_SYNONYMOUS and not terms & PYTMB_NONSYNONYMOUS:
        return "synonymous (pyTMB)"
    return None


#: snpEff / legacy names that are not (or no longer) the SO term VEP uses.
SNPEFF_ALIASES: dict[str, str] = {
    "conservative_inframe_insertion": "inframe_insertion",
    "disruptive_inframe_insertion": "inframe_insertion",
    "conservative_inframe_deletion": "inframe_deletion",
    "disruptive_inframe_deletion": "inframe_deletion",
    "5_prime_UTR_premature_start_codon_gain_variant": "5_prime_UTR_variant",
    "initiator_codon_variant": "start_retained_variant",
    "non_coding_exon_variant": "non_coding_transcript_exon_variant",
    "intragenic_variant": "sequence_variant",
    "gene_fusion": "feature_truncation",
    "bidirectional_gene_fusion": "feature_truncation",
    "rare_amino_acid_variant": "protein_altering_variant",
    "5_prime_UTR_truncation": "5_prime_UTR_variant",
    "3_prime_UTR_truncation": "3_prime_UTR_variant",
    "exon_variant": "coding_sequence_variant",
    "start_retained": "start_retained_variant",
    "non_canonical_start_codon": "start_retained_variant",
    "splice_branch_variant": "intron_variant",
    "conserved_intron_variant": "intron_variant",
    "intergenic_region": "intergenic_variant",
    "conserved_intergenic_variant": "intergenic_variant",
    "miRNA": "mature_miRNA_variant",
    "feature_ablation": "transcript_ablation",
    "feature_fusion": "feature_truncation",
    "duplication": "feature_elongation",
    "inversion": "feature_truncation",
    "rearranged_at_DNA_level": "feature_truncation",
    "chromosome_number_variation": "feature_truncation",
    "chromosome": "feature_truncation",
    "protein_protein_contact": "protein_altering_variant",
    "structural_interaction_variant": "protein_altering_variant",
    "gene_variant": "sequence_variant",
    "transcript_variant": "sequence_variant",
    "sequence_feature": "sequence_variant",
    "custom": "sequence_variant",
    "nonsense_mediated_decay": "NMD_transcript_variant",
}

#: MAF ``Variant_Classification`` (vcf2maf, GDC, cBioPortal; also Funcotator's variantClassification).
MAF_CLASSIFICATION: dict[str, str] = {
    "Missense_Mutation": "missense_variant",
    "Nonsense_Mutation": "stop_gained",
    "Nonstop_Mutation": "stop_lost",
    "Silent": "synonymous_variant",
    "Frame_Shift_Del": "frameshift_variant",
    "Frame_Shift_Ins": "frameshift_variant",
    "In_Frame_Del": "inframe_deletion",
    "In_Frame_Ins": "inframe_insertion",
    "Splice_Site": "splice_site_variant",
    "Splice_Region": "splice_region_variant",
    "Translation_Start_Site": "start_lost",
    "Start_Codon_SNP": "start_lost",
    "Start_Codon_Del": "start_lost",
    "Start_Codon_Ins": "start_lost",
    "Stop_Codon_Del": "stop_lost",
    "Stop_Codon_Ins": "stop_lost",
    "De_novo_Start_InFrame": "5_prime_UTR_variant",
    "De_novo_Start_OutOfFrame": "5_prime_UTR_variant",
    "Intron": "intron_variant",
    "3'UTR": "3_prime_UTR_variant",
    "5'UTR": "5_prime_UTR_variant",
    "3'Flank": "downstream_gene_variant",
    "5'Flank": "upstream_gene_variant",
    "IGR": "intergenic_variant",
    "RNA": "non_coding_transcript_exon_variant",
    "lincRNA": "non_coding_transcript_exon_variant",
    "LINCRNA": "non_coding_transcript_exon_variant",
    "Targeted_Region": "sequence_variant",
    "COULD_NOT_DETERMINE": "sequence_variant",
}

#: ANNOVAR ``ExonicFunc.*`` for exonic variants.
ANNOVAR_EXONIC: dict[str, str] = {
    "nonsynonymous_SNV": "missense_variant",
    "synonymous_SNV": "synonymous_variant",
    "stopgain": "stop_gained",
    "stoploss": "stop_lost",
    "startloss": "start_lost",
    "frameshift_deletion": "frameshift_variant",
    "frameshift_insertion": "frameshift_variant",
    "frameshift_substitution": "frameshift_variant",
    "frameshift_block_substitution": "frameshift_variant",
    "nonframeshift_deletion": "inframe_deletion",
    "nonframeshift_insertion": "inframe_insertion",
    "nonframeshift_substitution": "protein_altering_variant",
    "nonframeshift_block_substitution": "protein_altering_variant",
    "unknown": "coding_sequence_variant",
}

#: ANNOVAR ``Func.*`` regions (``exonic`` is resolved through ``ExonicFunc``).
ANNOVAR_REGION: dict[str, str] = {
    "splicing": "splice_site_variant",
    "ncRNA_exonic": "non_coding_transcript_exon_variant",
    "ncRNA_splicing": "splice_site_variant",
    "ncRNA_intronic": "intron_variant",
    "ncRNA_UTR5": "5_prime_UTR_variant",
    "ncRNA_UTR3": "3_prime_UTR_variant",
    "UTR5": "5_prime_UTR_variant",
    "UTR3": "3_prime_UTR_variant",
    "intronic": "intron_variant",
    "upstream": "upstream_gene_variant",
    "downstream": "downstream_gene_variant",
    "intergenic": "intergenic_variant",
}


def is_known_term(term: str) -> bool:
    """Whether a term (VEP, snpEff, MAF, after :func:`normalise_term`) has a stated class.

    Examples
    --------
    >>> is_known_term("splice_donor_5th_base_variant"), is_known_term("made_up_variant")
    (True, False)
    """
    return normalise_term(term) in TERM_CLASS


def normalise_term(term: str) -> str:
    """Map one annotator term to its SO term (unknown terms are returned unchanged).

    Examples
    --------
    >>> normalise_term("disruptive_inframe_deletion")
    'inframe_deletion'
    >>> normalise_term("Missense_Mutation")
    'missense_variant'
    """
    if term in RANK:
        return term
    return SNPEFF_ALIASES.get(term) or MAF_CLASSIFICATION.get(term) or term


def most_severe(terms: list[str] | tuple[str, ...]) -> str:
    """The most severe of a list of SO terms (unknown terms rank last).

    Examples
    --------
    >>> most_severe(["intron_variant", "splice_region_variant"])
    'splice_region_variant'
    """
    return min(terms, key=lambda t: RANK.get(t, UNKNOWN_RANK))


def resolve_classes(names: list[str] | tuple[str, ...]) -> frozenset[str]:
    """The set of SO terms counted for a list of class names and/or individual SO terms.

    Raises
    ------
    KeyError
        For a name that is neither a class nor a known SO term.

    Examples
    --------
    >>> sorted(resolve_classes(["splice_site"]))
    ['splice_acceptor_variant', 'splice_donor_variant', 'splice_site_variant']
    """
    terms: set[str] = set()
    for name in names:
        if name in CLASSES:
            terms |= CLASSES[name]
        elif name in RANK:
            terms.add(name)
        else:
            raise KeyError(name)
    return frozenset(terms)


#: GATK Funcotator ``variantClassification`` values (its own upper-case vocabulary).
FUNCOTATOR_CLASSIFICATION: dict[str, str] = {
    "MISSENSE": "missense_variant",
    "NONSENSE": "stop_gained",
    "NONSTOP": "stop_lost",
    "SILENT": "synonymous_variant",
    "FRAME_SHIFT_DEL": "frameshift_variant",
    "FRAME_SHIFT_INS": "frameshift_variant",
    "IN_FRAME_DEL": "inframe_deletion",
    "IN_FRAME_INS": "inframe_insertion",
    "SPLICE_SITE": "splice_site_variant",
    "START_CODON_SNP": "start_lost",
    "START_CODON_INS": "start_lost",
    "START_CODON_DEL": "start_lost",
    "DE_NOVO_START_IN_FRAME": "5_prime_UTR_variant",
    "DE_NOVO_START_OUT_FRAME": "5_prime_UTR_variant",
    "INTRON": "intron_variant",
    "FIVE_PRIME_UTR": "5_prime_UTR_variant",
    "THREE_PRIME_UTR": "3_prime_UTR_variant",
    "FIVE_PRIME_FLANK": "upstream_gene_variant",
    "THREE_PRIME_FLANK": "downstream_gene_variant",
    "IGR": "intergenic_variant",
    "RNA": "non_coding_transcript_exon_variant",
    "LINCRNA": "non_coding_transcript_exon_variant",
    "COULD_NOT_DETERMINE": "sequence_variant",
}
