"""Bad input: a clear InputError naming the file and place, and nothing half-written."""

from __future__ import annotations

import gzip

import pytest

from biomarker.errors import InputError
from biomarker.tmb import compute_tmb
from tests.conftest import csq, mutect_record

BED = [("chr1", 0, 1_000_000)]


def many_records(n: int = 4000) -> list[str]:
    return [mutect_record("chr1", 100 + 10 * i, "C", "T", csq_entries=[csq("T", "missense_variant")]) for i in range(n)]


def test_bgzf_cut_mid_block(write_vcf, write_bed, tmp_path) -> None:
    gz = write_vcf(many_records(), bgzip=True)
    data = gz.read_bytes()
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out"
    with pytest.raises(InputError, match="truncated") as info:
        compute_tmb(cut, write_bed(BED), "wes", out_dir=out)
    assert str(cut) in str(info.value)
    assert not any(out.glob("*")) if out.exists() else True


def test_bgzf_cut_at_a_block_boundary_is_caught_by_the_eof_marker(write_vcf, write_bed, tmp_path) -> None:
    gz = write_vcf(many_records(), bgzip=True)
    cut = tmp_path / "no_eof.vcf.gz"
    cut.write_bytes(gz.read_bytes()[:-28])  # drop only the 28-byte BGZF EOF block
    with pytest.raises(InputError, match="end-of-file marker is missing"):
        compute_tmb(cut, write_bed(BED), "wes")


def test_plain_gzip_cut_mid_stream(write_vcf, write_bed, tmp_path) -> None:
    text = write_vcf(many_records()).read_bytes()
    cut = tmp_path / "cut_plain.vcf.gz"
    cut.write_bytes(gzip.compress(text)[: len(gzip.compress(text)) * 2 // 3])
    with pytest.raises(InputError, match=r"truncated or corrupt|not a readable VCF") as info:
        compute_tmb(cut, write_bed(BED), "wes")
    assert "record" in str(info.value) or "header" in str(info.value)


def test_wrong_contig_names_are_an_error_not_a_zero(write_vcf, write_bed) -> None:
    vcf = write_vcf(many_records(3))
    with pytest.raises(InputError, match=r"no contig of the VCF header matches the targets BED") as info:
        compute_tmb(vcf, write_bed([("NC_000001.11", 0, 1000)]), "wes")
    assert "NC_000001.11" in str(info.value) and "chr1" in str(info.value)


def test_chr_prefix_mismatch_is_matched(write_vcf, write_bed) -> None:
    r = compute_tmb(write_vcf(many_records(3)), write_bed([("1", 0, 1_000_000)]), "wes")
    assert r.counted == 3


def test_records_on_contigs_absent_from_bed_without_header_contigs(write_vcf, write_bed) -> None:
    header = (
        "\n".join(
            line
            for line in __import__("tests.conftest", fromlist=["x"]).MUTECT_HEADER.splitlines()
            if not line.startswith("##contig")
        )
        + "\n"
    )
    vcf = write_vcf(many_records(3), header=header)
    with pytest.raises(InputError, match="no contig of the records matches"):
        compute_tmb(vcf, write_bed([("chr5", 0, 1000)]), "wes")


def test_empty_vcf_is_a_valid_zero(write_vcf, write_bed) -> None:
    r = compute_tmb(write_vcf([]), write_bed([("chr1", 0, 2_000_000)]), "wes")
    assert (r.counted, r.tmb_per_mb, r.ci95_low) == (0, 0.0, 0.0)
    assert r.ci95_high == pytest.approx(3.689 / 2, abs=1e-3)


def test_not_a_vcf(tmp_path, write_bed) -> None:
    bad = tmp_path / "notes.vcf"
    bad.write_text("this is not a VCF\n")
    with pytest.raises(InputError, match="not a readable VCF"):
        compute_tmb(bad, write_bed(BED), "wes")
    with pytest.raises(InputError, match="no such file"):
        compute_tmb(tmp_path / "absent.vcf.gz", write_bed(BED), "wes")


def test_failed_run_keeps_previous_outputs(write_vcf, write_bed, tmp_path) -> None:
    out = tmp_path / "out"
    bed = write_bed(BED)
    good = compute_tmb(write_vcf(many_records(5), name="t1.vcf"), bed, "wes", out_dir=out, sample_id="S")
    before = good.json_path.read_bytes()
    gz = write_vcf(many_records(), name="t2.vcf", bgzip=True)
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(gz.read_bytes()[: len(gz.read_bytes()) // 2])
    with pytest.raises(InputError):
        compute_tmb(cut, bed, "wes", out_dir=out, sample_id="S")
    assert good.json_path.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["S.tmb.json", "S.variants.tsv"]
