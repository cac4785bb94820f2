"""Co-mutation annotation parsing on real VEP 110 calls (SEQC2 HCC1395) and the hand-built snpEff records."""

from __future__ import annotations

import pytest

from biomarker.genomic.variants import VcfAlleles
from biomarker.tmb.consequences import RANK

pytestmark = pytest.mark.shared_fixtures


@pytest.mark.parametrize(
    "name,gene", [("seqc2_hcc1395_muse.vep.vcf", "SLMAP"), ("seqc2_hcc1395_varscan.vep.vcf", "INTS11")]
)
def test_real_vep_csq_is_parsed_per_gene(shared_fixtures, name: str, gene: str) -> None:
    path = str(shared_fixtures / "tmb" / name)
    # the most frequent gene of each file's CSQ, as a rule set would name it
    alleles = list(VcfAlleles(path, frozenset({gene, "SCN1A-AS1"})))
    assert len(alleles) >= 10
    hits = [h for a in alleles for h in a.hits]
    assert gene in {h.gene for h in hits}
    for h in hits:  # every term normalised to Sequence Ontology, one chosen row per gene and allele
        assert all(t in RANK for t in h.consequence.split("&")), h
    for a in alleles:
        assert len({h.gene for h in a.hits}) == len(a.hits)


def test_snpeff_fixture_has_no_rule_gene(shared_fixtures) -> None:
    path = str(shared_fixtures / "tmb" / "synthetic_mutect2_snpeff.vcf")
    alleles = list(VcfAlleles(path, frozenset({"STK11", "KEAP1", "GENES01"})))
    assert len(alleles) >= 19
    s01 = next(a for a in alleles if a.pos == 1000)
    assert [(h.gene, h.consequence) for h in s01.hits] == [("GENES01", "missense_variant")]
