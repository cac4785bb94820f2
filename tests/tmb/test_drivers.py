"""A driver list on the command line: genomic sites or gene + protein change, matched through VEP HGVSp."""

from __future__ import annotations

import pytest

from biomarker.errors import InputError
from biomarker.tmb import compute_tmb

HEADER = """##fileformat=VCFv4.2
##source=Mutect2
##contig=<ID=chr12,length=133275309>
##contig=<ID=chr7,length=159345973>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">
##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|SYMBOL|Feature|HGVSp|gnomADe_AF">
"""
RECORDS = [
    "chr12\t25245350\t.\tC\tA\t.\tPASS\tCSQ=A|missense_variant|KRAS|ENST00000256078|ENSP00000256078.5:p.Gly12Cys|"
    "\tGT:AD:DP\t0/1:70,30:100",
    "chr7\t55191822\t.\tT\tG\t.\tPASS\tCSQ=G|missense_variant|EGFR|ENST00000275493|ENSP00000275493.2:p.Leu858Arg|"
    "\tGT:AD:DP\t0/1:70,30:100",
    "chr7\t55191900\t.\tG\tA\t.\tPASS\tCSQ=A|missense_variant|EGFR|ENST00000275493|ENSP00000275493.2:p.Gly884Ser|"
    "\tGT:AD:DP\t0/1:70,30:100",
]
BED = [("chr12", 25245000, 25246000), ("chr7", 55191000, 55192000)]


@pytest.mark.parametrize(
    "listing",
    [
        "KRAS\tG12C\nEGFR p.L858R\n",
        "gene protein\nKRAS p.Gly12Cys\nEGFR L858R\n",
        "chr12\t25245350\tC\tA\nchr7 55191822 T G\n",
    ],
)
def test_drivers_by_protein_or_site_are_removed(write_vcf, write_bed, tmp_path, listing: str) -> None:
    drivers = tmp_path / "drivers.txt"
    drivers.write_text(listing)
    r = compute_tmb(write_vcf(RECORDS, HEADER, samples=("TUMOR",)), write_bed(BED), "wes", drivers=drivers)
    assert list(r.variants().fate) == ["hotspot", "hotspot", "counted"]
    assert r.counted == 1 and r.provenance["inputs"][-1]["name"] == "drivers.txt"


def test_protein_drivers_need_protein_changes(write_vcf, write_bed, tmp_path) -> None:
    header = HEADER.replace("|HGVSp|", "|")
    records = [
        r.replace("|ENSP00000256078.5:p.Gly12Cys|", "|")
        .replace("|ENSP00000275493.2:p.Leu858Arg|", "|")
        .replace("|ENSP00000275493.2:p.Gly884Ser|", "|")
        for r in RECORDS
    ]
    drivers = tmp_path / "drivers.txt"
    drivers.write_text("KRAS G12C\n")
    with pytest.raises(InputError, match="driver list names protein changes"):
        compute_tmb(write_vcf(records, header, samples=("TUMOR",)), write_bed(BED), "wes", drivers=drivers)
    drivers.write_text("KRAS\n")
    with pytest.raises(InputError, match="line 1"):
        compute_tmb(write_vcf(records, header, samples=("TUMOR",)), write_bed(BED), "wes", drivers=drivers)
