"""A samplesheet run: a bad sample fails alone, with its reason; duplicates are refused."""

from __future__ import annotations

import csv

import pytest

from biomarker.errors import InputError
from biomarker.tmb.samplesheet import read_samplesheet, tmb_for_samplesheet
from tests.conftest import csq, mutect_record


def test_bad_sample_fails_alone(write_vcf, write_bed, tmp_path) -> None:
    good = write_vcf([mutect_record("chr1", 100, "C", "T", csq_entries=[csq("T", "missense_variant")])], name="g.vcf")
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(b"\x1f\x8b\x08\x04" + b"\x00" * 40)
    bed = write_bed([("chr1", 0, 1_000_000)])
    sheet = tmp_path / "samples.csv"
    sheet.write_text(f"patient,sample,vcf,bed\nP1,S1,{good.name},{bed.name}\nP2,S2,cut.vcf.gz,{bed.name}\n"
                     f"P3,S3,missing.vcf.gz,{bed.name}\n")
    table = tmb_for_samplesheet(sheet, tmp_path / "out", "wes")
    assert [(r["sample"], r["status"]) for r in table] == [("S1", "ok"), ("S2", "failed"), ("S3", "failed")]
    assert table[0]["counted_variants"] == "1"
    assert "cut.vcf.gz" in table[1]["reason"] and "missing.vcf.gz" in table[2]["reason"]
    with open(tmp_path / "out" / "tmb_cohort.tsv") as fh:
        assert [r["status"] for r in csv.DictReader(fh, delimiter="\t")] == ["ok", "failed", "failed"]
    assert (tmp_path / "out" / "S1.tmb.json").is_file() and not (tmp_path / "out" / "S2.tmb.json").exists()


def test_duplicate_subjects_are_refused(tmp_path) -> None:
    sheet = tmp_path / "samples.csv"
    sheet.write_text("sample,vcf\nS1,a.vcf\nS2,b.vcf\nS1,c.vcf\n")
    with pytest.raises(InputError, match=r"sample 'S1' is listed twice \(also line 2\)") as info:
        read_samplesheet(sheet)
    assert "line 4" in str(info.value)
    sheet.write_text("name,vcf\nS1,a.vcf\n")
    with pytest.raises(InputError, match="missing column"):
        read_samplesheet(sheet)
