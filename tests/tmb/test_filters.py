"""Each filter of the chain on hand-built Mutect2 + VEP records, with the fate worked out by hand."""

from __future__ import annotations

import pytest

from biomarker.errors import ConfigError
from biomarker.tmb import compute_tmb
from tests.conftest import csq, mutect_record

MIS = [csq("T", "missense_variant", canonical="YES", mane="NM_1.1")]
BED = [("chr1", 0, 1_000_000)]  # exactly 1 Mb: TMB equals the count


def fates(result) -> dict[tuple[str, str], tuple[str, str]]:
    df = result.variants()
    return {(str(r.pos), r.alt): (r.fate, r.reason) for r in df.itertuples()}


@pytest.fixture
def chain(write_vcf, write_bed):
    lines = [
        mutect_record("chr1", 100, "C", "T", csq_entries=MIS),  # counted
        mutect_record("chr1", 200, "C", "T", filt="weak_evidence", csq_entries=MIS),  # filter
        mutect_record("chr1", 300, "C", "T", filt=".", csq_entries=MIS),  # filter (unfiltered)
        mutect_record("chr1", 2_000_000, "C", "T", csq_entries=MIS),  # territory
        mutect_record("chr1", 400, "C", "T", tumour="0/1:97,3:0.03:100", csq_entries=MIS),  # vaf
        mutect_record("chr1", 500, "C", "T", tumour="0/1:10,5:0.33:15", csq_entries=MIS),  # depth
        mutect_record("chr1", 600, "C", "T", tumour="0/1:38,2:0.05:40", csq_entries=MIS),  # alt_depth (2 < 3)
        mutect_record("chr1", 700, "C", "T"),  # unannotated
        mutect_record("chr1", 800, "C", "T", csq_entries=[csq("T", "missense_variant", gnomade="0.02")]),
        mutect_record("chr1", 900, "C", "T", csq_entries=[csq("T", "missense_variant", gnomadg="0.0005")]),
        mutect_record("chr1", 1000, "C", "T", csq_entries=[csq("T", "synonymous_variant")]),  # consequence
        mutect_record("chr1", 1100, "CAG", "C", csq_entries=[csq("-", "frameshift_variant")]),  # counted indel
        mutect_record(
            "chr1", 1200, "C", "T", csq_entries=[csq("T", "missense_variant", existing="COSV123", cosmic_cnt="57")]
        ),  # hotspot under f1cdx
    ]
    return write_vcf(lines), write_bed(BED)


def test_every_filter_in_order(chain) -> None:
    vcf, bed = chain
    r = compute_tmb(vcf, bed, "wes")
    f = fates(r)
    assert f[("100", "T")] == ("counted", "")
    assert f[("200", "T")] == ("filter", "FILTER weak_evidence")
    assert f[("300", "T")] == ("filter", "FILTER . (unfiltered)")
    assert f[("2000000", "T")][0] == "territory"
    assert f[("400", "T")] == ("vaf", "vaf 0.0300 < 0.05")
    assert f[("500", "T")] == ("depth", "depth 15 < 20")
    assert f[("600", "T")] == ("alt_depth", "alt depth 2 < 3")
    assert f[("700", "T")][0] == "unannotated"
    assert f[("800", "T")] == ("population_af", "population AF 0.02 > 0.001")
    assert f[("900", "T")] == ("counted", "")  # 0.0005 <= 0.001
    assert f[("1000", "T")] == ("consequence", "synonymous_variant not counted")
    assert f[("1100", "C")] == ("counted", "")
    assert f[("1200", "T")] == ("counted", "")  # wes keeps hotspots
    assert r.counted == 4
    assert r.tmb_per_mb == pytest.approx(4.0)
    assert r.removed_by() == {
        "duplicate": 0,
        "filter": 2,
        "not_point_mutation": 0,
        "territory": 1,
        "indel": 0,
        "vaf": 1,
        "depth": 1,
        "alt_depth": 1,
        "unannotated": 1,
        "population_af": 1,
        "hotspot": 0,
        "consequence": 1,
    }
    assert sum(r.fates.values()) == r.alleles == 13


def test_unfiltered_counts_only_when_asked(chain) -> None:
    vcf, bed = chain
    r = compute_tmb(vcf, bed, "wes", overrides={"count_unfiltered": True})
    assert fates(r)[("300", "T")] == ("counted", "")
    assert fates(r)[("200", "T")][0] == "filter"
    off = compute_tmb(vcf, bed, "wes", off=["filter"])
    assert fates(off)[("200", "T")] == ("counted", "")


def test_switching_filters_off(chain) -> None:
    vcf, bed = chain
    r = compute_tmb(vcf, bed, "wes", off=["vaf", "depth", "alt_depth", "population_af"])
    f = fates(r)
    for pos in ("400", "500", "600", "800"):
        assert f[(pos, "T")] == ("counted", ""), pos
    assert r.counted == 8


def test_indels_and_hotspots(chain, tmp_path) -> None:
    vcf, bed = chain
    no_indel = compute_tmb(vcf, bed, "wes", overrides={"exclude_indels": True})
    assert fates(no_indel)[("1100", "C")] == ("indel", "indel excluded")
    by_id = compute_tmb(vcf, bed, "wes", overrides={"exclude_hotspots": True, "hotspot_cosmic_id": True})
    assert fates(by_id)[("1200", "T")] == ("hotspot", "COSMIC id")
    by_count = compute_tmb(vcf, bed, "wes", overrides={"exclude_hotspots": True, "hotspot_min_cosmic_count": 58})
    assert fates(by_count)[("1200", "T")] == ("counted", "")  # 57 < 58
    by_count = compute_tmb(vcf, bed, "wes", overrides={"exclude_hotspots": True, "hotspot_min_cosmic_count": 57})
    assert fates(by_count)[("1200", "T")] == ("hotspot", "COSMIC count 57 >= 57")
    listing = tmp_path / "hot.tsv"
    listing.write_text("# chrom pos ref alt\n1\t100\tC\tT\n")
    by_list = compute_tmb(vcf, bed, "wes", overrides={"exclude_hotspots": True, "hotspot_list": str(listing)})
    assert fates(by_list)[("100", "T")] == ("hotspot", "in hotspot list")


def test_synonymous_counted_where_the_preset_says(chain) -> None:
    vcf, bed = chain
    f1 = compute_tmb(vcf, bed, "f1cdx", off=["depth", "alt_depth"])
    f = fates(f1)
    assert f[("1000", "T")] == ("counted", "")
    assert f[("1200", "T")] == ("hotspot", "COSMIC count 57 >= 10")


def test_impossible_settings_are_refused(chain) -> None:
    vcf, bed = chain
    with pytest.raises(ConfigError, match="min_vaf 5"):
        compute_tmb(vcf, bed, "wes", overrides={"min_vaf": 5})
    with pytest.raises(ConfigError, match="unknown parameter"):
        compute_tmb(vcf, bed, "wes", overrides={"min_vafs": 0.1})
    with pytest.raises(ConfigError, match="--off quality"):
        compute_tmb(vcf, bed, "wes", off=["quality"])
    with pytest.raises(ConfigError, match="count_classes"):
        compute_tmb(vcf, bed, "wes", overrides={"count_classes": ["nonsense"]})
