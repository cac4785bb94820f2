"""Outputs, provenance, determinism, parallel scan, VCF export and BAM-covered territory."""

from __future__ import annotations

import hashlib
import json

import pysam
import pytest
from cyvcf2 import VCF

from biomarker.tmb import compute_tmb
from tests.conftest import MUTECT_HEADER, csq, mutect_record

CONTIGS = ("chr1", "chr2", "chr12")


def study_records() -> list[str]:
    lines = []
    for chrom in CONTIGS:
        for i in range(300):
            cons = "missense_variant" if i % 3 else "intron_variant"
            vaf = "0.3" if i % 5 else "0.02"
            lines.append(
                mutect_record(
                    chrom,
                    1000 + 37 * i,
                    "C",
                    "T",
                    csq_entries=[csq("T", cons)],
                    filt="PASS" if i % 7 else "weak_evidence",
                    tumour=f"0/1:70,30:{vaf}:100",
                )
            )
    return lines


@pytest.fixture
def indexed(write_vcf, write_bed):
    vcf = write_vcf(study_records(), bgzip=True)
    bed = write_bed([(c, 0, 6000) for c in CONTIGS] + [("chr1", 5000, 20000)])
    return vcf, bed


def test_outputs_and_provenance(indexed, tmp_path) -> None:
    vcf, bed = indexed
    r = compute_tmb(vcf, bed, "wes", out_dir=tmp_path / "out")
    assert r.sample == "T1"  # from ##tumor_sample
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["T1.tmb.json", "T1.variants.tsv"]
    doc = json.loads(r.json_path.read_text())
    assert doc["counted_variants"] == r.counted
    assert doc["territory_bp"] == 3 * 6000 + 14000  # chr1 0-20000 after merging, chr2 and chr12 0-6000
    sha = {i["name"]: i["sha256"] for i in doc["provenance"]["inputs"]}
    assert sha[vcf.name] == hashlib.sha256(vcf.read_bytes()).hexdigest()
    assert sha[bed.name] == hashlib.sha256(bed.read_bytes()).hexdigest()
    assert doc["provenance"]["parameters"]["min_vaf"] == 0.05
    assert sum(doc["removed_by_filter"].values()) + doc["counted_variants"] == doc["alleles"] == 900
    rows = r.variants()
    assert len(rows) == 900 and (rows.fate == "counted").sum() == r.counted


def test_hand_count_of_the_study(indexed) -> None:
    vcf, bed = indexed
    r = compute_tmb(vcf, bed, "wes")
    expected = 0
    for chrom in CONTIGS:
        for i in range(300):
            pos = 1000 + 37 * i
            inside = pos - 1 < (20000 if chrom == "chr1" else 6000)
            expected += bool(i % 3 and i % 5 and i % 7 and inside)
    assert r.counted == expected
    assert r.tmb_per_mb == pytest.approx(expected / 0.032)


def test_same_inputs_same_bytes_and_threads_agree(indexed, tmp_path) -> None:
    vcf, bed = indexed
    a = compute_tmb(vcf, bed, "wes", out_dir=tmp_path / "a")
    b = compute_tmb(vcf, bed, "wes", out_dir=tmp_path / "b")
    c = compute_tmb(vcf, bed, "wes", out_dir=tmp_path / "c", threads=2)
    for other in (b, c):
        assert other.variants_path.read_bytes() == a.variants_path.read_bytes()
        assert json.loads(other.json_path.read_text()) == json.loads(a.json_path.read_text())
    assert a.json_path.read_bytes() == b.json_path.read_bytes()


def test_export_vcf_tags_every_alt(indexed, tmp_path) -> None:
    vcf, bed = indexed
    r = compute_tmb(vcf, bed, "wes", out_dir=tmp_path, export_vcf=True)
    tags = [v.INFO.get("TMB_FILTER") for v in VCF(str(r.vcf_path))]
    assert len(tags) == 900
    assert tags.count("counted") == r.counted
    assert VCF(str(r.vcf_path)).samples == ["N1", "T1"]  # the normal is kept


def test_bam_coverage_shrinks_the_territory(tmp_path, write_vcf, write_bed) -> None:
    header = pysam.AlignmentHeader.from_dict(
        {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": 100000}]}
    )
    unsorted = tmp_path / "reads.bam"
    with pysam.AlignmentFile(str(unsorted), "wb", header=header) as bam:
        # 25 reads of 100 bp at 1000-1100, 10 reads at 2000-2100
        for n, (start, count) in enumerate([(1000, 25), (2000, 10)]):
            for k in range(count):
                seg = pysam.AlignedSegment(header)
                seg.query_name = f"r{n}_{k}"
                seg.reference_id = 0
                seg.reference_start = start
                seg.query_sequence = "A" * 100
                seg.cigarstring = "100M"
                seg.mapping_quality = 60
                seg.query_qualities = pysam.qualitystring_to_array("I" * 100)
                bam.write(seg)
    pysam.index(str(unsorted))
    bed = write_bed([("chr1", 500, 1050), ("chr1", 1900, 2500)])
    lines = [
        mutect_record("chr1", 1021, "C", "T", csq_entries=[csq("T", "missense_variant")]),
        mutect_record("chr1", 2051, "C", "T", csq_entries=[csq("T", "missense_variant")]),
    ]
    vcf = write_vcf(lines, MUTECT_HEADER)
    r = compute_tmb(vcf, bed, "wes", bam=unsorted, min_bam_depth=20)
    assert r.territory_bp == 50  # 1000-1050: the only targeted bases with >= 20 reads
    assert list(r.variants().fate) == ["counted", "territory"]
    r10 = compute_tmb(vcf, bed, "wes", bam=unsorted, min_bam_depth=10)
    assert r10.territory_bp == 150 and r10.counted == 2


def test_callable_bed_intersects(indexed, write_bed) -> None:
    vcf, bed = indexed
    callable_bed = write_bed([("1", 0, 3000)], name="callable.bed")
    r = compute_tmb(vcf, bed, "wes", callable_bed=callable_bed)
    assert r.territory_bp == 3000
    assert set(r.variants().query("fate == 'counted'").chrom) == {"chr1"}


def test_bcf_reads_like_its_vcf(indexed, tmp_path) -> None:
    from cyvcf2 import Writer

    vcf, bed = indexed
    bcf = tmp_path / "t.bcf"
    reader = VCF(str(vcf))
    writer = Writer(str(bcf), reader, mode="wb")
    for v in reader:
        writer.write_record(v)
    writer.close()
    from_vcf = compute_tmb(vcf, bed, "wes").variants()
    from_bcf = compute_tmb(bcf, bed, "wes").variants()
    assert from_bcf.equals(from_vcf)
    misnamed = tmp_path / "really_bcf.vcf.gz"  # the text reader must not read BCF's bytes as text
    misnamed.write_bytes(bcf.read_bytes())
    assert compute_tmb(misnamed, bed, "wes").variants().equals(from_vcf)
    from pysam import bcftools

    bcftools.index(str(bcf))  # an indexed BCF with two workers is split by contig
    by_contig = compute_tmb(bcf, bed, "wes", threads=2, out_dir=tmp_path / "j2")
    in_memory = compute_tmb(bcf, bed, "wes", threads=2).variants()
    assert in_memory.equals(from_vcf) and by_contig.variants().equals(from_vcf)
    one = compute_tmb(vcf, bed, "wes", out_dir=tmp_path / "j1")
    assert by_contig.variants_path.read_bytes() == one.variants_path.read_bytes()


def test_result_shape_tables_plot_write(write_vcf, write_bed, tmp_path) -> None:
    from tests.conftest import csq, mutect_record

    vcf = write_vcf(
        [mutect_record("chr1", 100 + i, "C", "T", csq_entries=[csq("T", "missense_variant")]) for i in range(3)]
    )
    r = compute_tmb(vcf, write_bed([("chr1", 0, 1_000_000)]), "wes")
    tables = r.tables
    assert tables["tmb_summary"].counted_variants.iloc[0] == 3
    assert tables["variants"].pos.tolist() == [100, 101, 102]  # typed
    assert tables["tmb_filter_audit"].removed.sum() == 0
    assert r.plot().axes
    paths = r.write(tmp_path / "w")
    assert (
        paths["variants"].read_text().count("\n") == 4
        and json.loads(paths["json"].read_text())["counted_variants"] == 3
    )


def test_work_folders_of_killed_runs_are_removed_and_live_ones_kept(indexed, tmp_path) -> None:
    import os

    vcf, bed = indexed
    out = tmp_path / "out"
    dead = out / ".tmb-999999999-x1"  # above any pid_max: no such process
    live = out / f".tmb-{os.getpid()}-x2"  # this process: a run still working in the folder
    for folder in (dead, live):
        (folder / ".tmb-parts-y").mkdir(parents=True)
        (folder / "variants.tsv").write_text("half a file")
    compute_tmb(vcf, bed, "wes", out_dir=out)
    assert not dead.exists() and (live / "variants.tsv").read_text() == "half a file"
    assert sorted(p.name for p in out.glob(".tmb-*")) == [live.name]  # this run's own folder is gone too
