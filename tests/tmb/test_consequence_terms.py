"""Every consequence term VEP and snpEff emit has a stated class; pytmb-wes decides as pyTMB 1.6.0 does on VEP >= 105."""

from __future__ import annotations

import pytest

from biomarker.tmb import compute_tmb
from biomarker.tmb.consequences import CLASSES, SEVERITY_ORDER, TERM_CLASS, is_known_term, normalise_term
from tests.conftest import csq, mutect_record

#: Ensembl VEP's calculated consequences, release 113 (the same list since 110; the splice subclasses
#: splice_donor_5th_base_variant, splice_donor_region_variant, splice_polypyrimidine_tract_variant since 105,
#: coding_transcript_variant since 110).
VEP_113_TERMS = (
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
    "sequence_variant",
)
#: snpEff 5's effect names (ANN field 2), SO terms and its own.
SNPEFF_TERMS = (
    "chromosome_number_variation",
    "exon_loss_variant",
    "frameshift_variant",
    "stop_gained",
    "stop_lost",
    "start_lost",
    "splice_acceptor_variant",
    "splice_donor_variant",
    "rare_amino_acid_variant",
    "missense_variant",
    "disruptive_inframe_insertion",
    "conservative_inframe_insertion",
    "disruptive_inframe_deletion",
    "conservative_inframe_deletion",
    "5_prime_UTR_truncation",
    "3_prime_UTR_truncation",
    "splice_region_variant",
    "splice_branch_variant",
    "stop_retained_variant",
    "initiator_codon_variant",
    "synonymous_variant",
    "non_canonical_start_codon",
    "start_retained",
    "coding_sequence_variant",
    "5_prime_UTR_variant",
    "3_prime_UTR_variant",
    "5_prime_UTR_premature_start_codon_gain_variant",
    "upstream_gene_variant",
    "downstream_gene_variant",
    "TF_binding_site_variant",
    "regulatory_region_variant",
    "miRNA",
    "custom",
    "sequence_feature",
    "conserved_intron_variant",
    "intron_variant",
    "intragenic_variant",
    "conserved_intergenic_variant",
    "intergenic_region",
    "non_coding_transcript_exon_variant",
    "non_coding_transcript_variant",
    "gene_fusion",
    "bidirectional_gene_fusion",
    "feature_fusion",
    "duplication",
    "inversion",
    "feature_ablation",
    "protein_protein_contact",
    "structural_interaction_variant",
    "transcript_ablation",
    "exon_variant",
    "gene_variant",
    "transcript_variant",
    "TFBS_ablation",
)


@pytest.mark.parametrize("term", VEP_113_TERMS + SNPEFF_TERMS)
def test_every_current_term_has_a_stated_class(term: str) -> None:
    assert is_known_term(term), f"{term} has no class: add it to consequences.py"
    assert TERM_CLASS[normalise_term(term)] in CLASSES


def test_classes_partition_the_severity_order() -> None:
    assert sorted(TERM_CLASS) == sorted(SEVERITY_ORDER)
    assert sum(len(v) for v in CLASSES.values()) == len(SEVERITY_ORDER)  # each term in exactly one class
    assert not is_known_term("splice_made_up_variant")


def test_an_unknown_term_is_not_counted_and_says_so(write_vcf, write_bed) -> None:
    vcf = write_vcf([mutect_record("chr1", 100, "C", "T", csq_entries=[csq("T", "splice_made_up_variant")])])
    r = compute_tmb(vcf, write_bed([("chr1", 0, 1_000_000)]), "wes")
    assert r.counted == 0 and r.fates["consequence"] == 1
    assert r.warnings == ["consequence terms with no stated class were not counted: splice_made_up_variant (1)"]


# pytmb-wes on VEP 110 records: the fate pyTMB 1.6.0 gives each (its vep.yml lists, any-transcript rule)
VEP110 = [
    (100, ["splice_donor_5th_base_variant&intron_variant"], "consequence"),
    (200, ["splice_polypyrimidine_tract_variant&intron_variant"], "consequence"),
    (300, ["splice_donor_region_variant&intron_variant"], "consequence"),
    (400, ["splice_region_variant&intron_variant"], "counted"),
    (500, ["splice_region_variant&splice_polypyrimidine_tract_variant&intron_variant"], "counted"),
    (600, ["missense_variant", "intron_variant"], "counted"),  # one coding transcript is enough
    (700, ["synonymous_variant", "inframe_deletion"], "consequence"),  # pyTMB: synonymous, none in its non-syn list
    (800, ["splice_donor_5th_base_variant"], "counted"),  # in none of pyTMB's lists: pyTMB keeps it
    (900, ["coding_sequence_variant"], "counted"),
]


def test_pytmb_wes_follows_pytmb_on_vep_105_splice_subclasses(write_vcf, write_bed) -> None:
    lines = [
        mutect_record("chr1", pos, "C", "T", csq_entries=[csq("T", t, tx=f"ENST{i}") for i, t in enumerate(terms)])
        for pos, terms, _ in VEP110
    ]
    r = compute_tmb(write_vcf(lines), write_bed([("chr1", 0, 1_000_000)]), "pytmb-wes")
    assert list(r.variants().fate) == [fate for _, _, fate in VEP110]
    assert r.counted == 5
    # the reference preset counts none of the splice-region subclasses either (not in its classes)
    wes = compute_tmb(write_vcf(lines), write_bed([("chr1", 0, 1_000_000)]), "wes")
    assert list(wes.variants().fate) == ["consequence"] * 5 + ["counted", "counted", "consequence", "consequence"]
