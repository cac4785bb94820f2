"""The somatic files read back by the real readers (cyvcf2, pandas), and the planted TMB recounted.

The counting here is a deliberately plain, independent implementation of the ``wes`` rules
(no import from ``biomarker.simulate``), so that the simulator's own judge cannot hide a bug.
"""

from __future__ import annotations

import bisect
import gzip
from collections import Counter
from pathlib import Path

import cyvcf2
import numpy as np
import pandas as pd
import pytest

from biomarker.simulate import StudyFiles

GRCH38 = {"chr1": 248956422, "chr7": 159345973, "chr12": 133275309, "chr17": 83257441, "chrX": 156040895}
COUNTED = {
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
# Ensembl VEP ranking, most severe first (the part that matters here)
SEVERITY = [
    "transcript_ablation",
    "splice_acceptor_variant",
    "splice_donor_variant",
    "stop_gained",
    "frameshift_variant",
    "stop_lost",
    "start_lost",
    "transcript_amplification",
    "inframe_insertion",
    "inframe_deletion",
    "missense_variant",
    "protein_altering_variant",
    "splice_region_variant",
    "synonymous_variant",
    "coding_sequence_variant",
    "5_prime_UTR_variant",
    "3_prime_UTR_variant",
    "non_coding_transcript_exon_variant",
    "intron_variant",
    "non_coding_transcript_variant",
    "upstream_gene_variant",
    "downstream_gene_variant",
    "intergenic_variant",
]
MAF_COUNTED = {
    "Missense_Mutation",
    "Nonsense_Mutation",
    "Frame_Shift_Del",
    "Frame_Shift_Ins",
    "In_Frame_Del",
    "In_Frame_Ins",
    "Splice_Site",
    "Nonstop_Mutation",
    "Translation_Start_Site",
}


def load_bed(path: Path) -> dict[str, tuple[list[int], list[int]]]:
    bed: dict[str, tuple[list[int], list[int]]] = {}
    for line in path.read_text().splitlines():
        c, s, e = line.split("\t")[:3]
        bed.setdefault(c, ([], []))
        bed[c][0].append(int(s))
        bed[c][1].append(int(e))
    return bed


def in_bed(bed: dict, contig: str, pos0: int) -> bool:
    starts, ends = bed.get(contig, ([], []))
    i = bisect.bisect_right(starts, pos0) - 1
    return i >= 0 and pos0 < ends[i]


def rank(consequence: str) -> int:
    return min(SEVERITY.index(t) if t in SEVERITY else len(SEVERITY) for t in consequence.split("&"))


def count_vcf(path: Path, bed: dict) -> tuple[int, set[tuple[str, int, str]]]:
    """Plain ``wes`` TMB numerator of one VCF; also the counted (chrom, pos, alt) keys."""
    vcf = cyvcf2.VCF(str(path))
    fields = vcf.get_header_type("CSQ")["Description"].split("Format: ")[1].strip('"').split("|")
    ix = {name: i for i, name in enumerate(fields)}
    tname = next(line.split("=", 1)[1] for line in vcf.raw_header.splitlines() if line.startswith("##tumor_sample="))
    tumour = vcf.samples.index(tname)
    keys = set()
    for v in vcf:
        if v.FILTER is not None:  # cyvcf2: None means PASS
            continue
        if not in_bed(bed, v.CHROM, v.POS - 1):
            continue
        dp = int(v.format("DP")[tumour][0])
        afs = v.format("AF")[tumour]
        ads = v.format("AD")[tumour]
        entries = [e.split("|") for e in v.INFO.get("CSQ").split(",")]
        for k, alt in enumerate(v.ALT):
            allele = alt if len(v.REF) == 1 and len(alt) == 1 else (alt[1:] or "-")
            if float(afs[k]) < 0.05 or dp < 20 or int(ads[k + 1]) < 3:
                continue
            mine = [e for e in entries if e[ix["Allele"]] == allele]
            pops = [
                float(x) for e in mine[:1] for x in (e[ix["gnomADe_AF"]], e[ix["gnomADg_AF"]], e[ix["MAX_AF"]]) if x
            ]
            if max(pops, default=0.0) > 0.001:
                continue
            chosen = (
                next((e for e in mine if e[ix["MANE_SELECT"]]), None)
                or next((e for e in mine if e[ix["CANONICAL"]] == "YES"), None)
                or min(mine, key=lambda e: rank(e[ix["Consequence"]]))
            )
            if set(chosen[ix["Consequence"]].split("&")) & COUNTED:
                keys.add((v.CHROM, v.POS, alt))
    vcf.close()
    return len(keys), keys


def count_maf(path: Path, bed: dict) -> int:
    maf = pd.read_csv(path, sep="\t", comment="#", dtype={"Chromosome": str})
    pop = maf[["gnomAD_AF", "gnomADg_AF", "MAX_AF"]].max(axis=1).fillna(0)
    keep = (
        (maf["FILTER"] == "PASS")
        & np.array([in_bed(bed, c, s - 1) for c, s in zip(maf["Chromosome"], maf["Start_Position"], strict=True)])
        & (maf["t_alt_count"] / maf["t_depth"] >= 0.05)
        & (maf["t_depth"] >= 20)
        & (maf["t_alt_count"] >= 3)
        & (pop <= 0.001)
        & maf["Variant_Classification"].isin(MAF_COUNTED)
    )
    return int(keep.sum())


def test_bed_is_a_sorted_capture(small_study: StudyFiles) -> None:
    rows = [line.split("\t") for line in small_study.bed.read_text().splitlines()]
    assert all(len(r) == 3 for r in rows)
    order = [f"chr{i}" for i in range(1, 23)] + ["chrX"]
    contigs = [r[0] for r in rows]
    assert sorted(set(contigs), key=order.index) == order
    assert contigs == sorted(contigs, key=order.index)
    starts, ends = np.array([int(r[1]) for r in rows]), np.array([int(r[2]) for r in rows])
    width = ends - starts
    assert width.min() >= 100 and width.max() <= 300
    same = np.array(contigs[1:]) == np.array(contigs[:-1])
    assert np.all(starts[1:][same] >= ends[:-1][same])  # sorted, non-overlapping
    bed = load_bed(small_study.bed)
    assert in_bed(bed, "chr12", 25245350 - 1) and in_bed(bed, "chr17", 7673802 - 1)  # KRAS G12C, TP53 R273H


def test_vcf_headers_and_samples(small_study: StudyFiles) -> None:
    for path in small_study.vcfs:
        vcf = cyvcf2.VCF(str(path))
        raw = vcf.raw_header
        usubjid = path.name.removesuffix("-T.vcf.gz")
        assert raw.startswith("##fileformat=VCFv4.2\n")
        assert "##source=Mutect2" in raw
        assert f"##tumor_sample={usubjid}-T" in raw and f"##normal_sample={usubjid}-N" in raw
        assert vcf.samples == [f"{usubjid}-N", f"{usubjid}-T"]
        for contig, length in GRCH38.items():
            assert f"##contig=<ID={contig},length={length}>" in raw
        for fid in ("PASS", "weak_evidence", "clustered_events", "germline", "strand_bias"):
            assert f"##FILTER=<ID={fid}," in raw
        csq = vcf.get_header_type("CSQ")["Description"]
        assert csq.startswith('"Consequence annotations from Ensembl VEP. Format: Allele|Consequence|IMPACT|')
        for name in ("MANE_SELECT", "CANONICAL", "gnomADe_AF", "gnomADg_AF", "MAX_AF", "SOMATIC"):
            assert f"|{name}|" in csq
        keys = [(v.CHROM, v.POS) for v in vcf]
        assert keys == sorted(keys, key=lambda k: (vcf.seqnames.index(k[0]), k[1]))
        vcf.close()
    for path in small_study.tumour_only_vcfs:
        vcf = cyvcf2.VCF(str(path))
        assert len(vcf.samples) == 1 and vcf.samples[0].endswith("-T")
        assert "##normal_sample=" not in vcf.raw_header
        vcf.close()


def test_tabix_region_query_matches_iteration(small_study: StudyFiles) -> None:
    path = small_study.vcfs[0]
    everything = [(v.CHROM, v.POS, v.REF, tuple(v.ALT)) for v in cyvcf2.VCF(str(path))]
    contig = everything[len(everything) // 2][0]
    lo, hi = 1_000_000, 120_000_000
    expected = [k for k in everything if k[0] == contig and lo <= k[1] <= hi]
    got = [(v.CHROM, v.POS, v.REF, tuple(v.ALT)) for v in cyvcf2.VCF(str(path))(f"{contig}:{lo}-{hi}")]
    assert got == expected and got
    assert Path(str(path) + ".tbi").exists()


def test_one_mane_per_gene_and_vep_alleles(small_study: StudyFiles) -> None:
    n_multi = n_indel = n_del = 0
    for path in small_study.vcfs:
        vcf = cyvcf2.VCF(str(path))
        fields = vcf.get_header_type("CSQ")["Description"].split("Format: ")[1].strip('"').split("|")
        ix = {name: i for i, name in enumerate(fields)}
        for v in vcf:
            entries = [e.split("|") for e in v.INFO["CSQ"].split(",")]
            assert all(len(e) == len(fields) for e in entries)
            for alt in v.ALT:
                allele = alt if len(v.REF) == len(alt) == 1 else (alt[1:] or "-")
                mine = [e for e in entries if e[ix["Allele"]] == allele]
                assert mine, (v.CHROM, v.POS, alt)
                genes = Counter(e[ix["Gene"]] for e in mine if e[ix["MANE_SELECT"]])
                assert all(c == 1 for c in genes.values())
                n_del += allele == "-"
            n_multi += len(v.ALT) > 1
            n_indel += len(v.REF) != len(v.ALT[0])
            if len(v.ALT) > 1:
                assert len(v.format("AD")[1]) == len(v.ALT) + 1 and len(v.format("AF")[1]) == len(v.ALT)
        vcf.close()
    assert n_multi >= 1 and n_indel >= 1 and n_del >= 1


def test_planted_tmb_equals_a_plain_count(small_study: StudyFiles) -> None:
    bed = load_bed(small_study.bed)
    territory = sum(e - s for starts, ends in bed.values() for s, e in zip(starts, ends, strict=True))
    samples = pd.read_csv(small_study.truth_samples)
    patients = pd.read_csv(small_study.truth_patients).set_index("USUBJID")
    assert (samples["territory_bp"] == territory).all()
    for row in samples.itertuples():
        path = small_study.outdir / row.path
        if row.type == "maf":
            n = count_maf(path, bed)
        else:
            n, keys = count_vcf(path, bed)
            truth = pd.read_csv(small_study.outdir / "truth" / "variants" / f"{row.sample}.tsv", sep="\t")
            want = {(r.contig, int(r.pos), r.alt) for r in truth.itertuples() if r.fate == "counted"}
            assert keys == want, row.sample
        assert n == row.true_counted_variants, row.sample
        assert row.true_tmb_per_mb == pytest.approx(n / (territory / 1e6), abs=1e-4)
        if row.type == "tumor_normal":
            assert patients.loc[row.patient, "true_counted_variants"] == n


def test_every_trap_is_planted(small_study: StudyFiles) -> None:
    fates: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    for path in small_study.truth_variants:
        t = pd.read_csv(path, sep="\t")
        fates.update(t["fate"])
        intents.update(t["intent"])
    for fate in ("counted", "filter", "territory", "vaf", "depth", "alt_depth", "population_af", "consequence"):
        assert fates[fate] > 0, fate
    for intent in (
        "somatic_mane_synonymous_alt_missense",
        "somatic_canonical_synonymous_alt_missense",
        "somatic_unflagged_most_severe",
        "germline_common_pass",
        "germline_rare_population_max_af",
        "artefact_multiallelic_low_vaf",
        "off_target",
        "somatic_synonymous",
    ):
        assert intents[intent] > 0, intent


def test_true_somatic_clear_of_thresholds(small_study: StudyFiles) -> None:
    for path in small_study.truth_variants:
        t = pd.read_csv(path, sep="\t")
        c = t[t["fate"] == "counted"]
        assert (c["tumor_af"] >= 0.08).all() and (c["tumor_dp"] >= 30).all() and (c["tumor_alt_depth"] >= 5).all()
        low = t[t["fate"] == "vaf"]
        assert (low["tumor_af"] < 0.04).all()
        assert (t[t["fate"] == "depth"]["tumor_dp"] < 18).all()


def test_maf_conventions(small_study: StudyFiles) -> None:
    assert small_study.mafs
    for path in small_study.mafs:
        first = path.read_text().splitlines()[0]
        assert first == "#version 2.4"
        maf = pd.read_csv(path, sep="\t", comment="#", dtype={"Chromosome": str})
        for col in (
            "Hugo_Symbol",
            "Chromosome",
            "Start_Position",
            "End_Position",
            "Variant_Classification",
            "Variant_Type",
            "Reference_Allele",
            "Tumor_Seq_Allele1",
            "Tumor_Seq_Allele2",
            "Tumor_Sample_Barcode",
            "Matched_Norm_Sample_Barcode",
            "HGVSp_Short",
            "Transcript_ID",
            "t_depth",
            "t_ref_count",
            "t_alt_count",
            "n_depth",
            "n_ref_count",
            "n_alt_count",
            "FILTER",
            "gnomAD_AF",
        ):
            assert col in maf.columns, col
        dels = maf[maf["Variant_Type"] == "DEL"]
        assert (dels["Tumor_Seq_Allele2"] == "-").all()
        assert (dels["End_Position"] - dels["Start_Position"] + 1 == dels["Reference_Allele"].str.len()).all()
        ins = maf[maf["Variant_Type"] == "INS"]
        assert (ins["Reference_Allele"] == "-").all() and (ins["End_Position"] == ins["Start_Position"] + 1).all()
        snp = maf[maf["Variant_Type"] == "SNP"]
        assert (snp["Start_Position"] == snp["End_Position"]).all()


def test_samplesheet(small_study: StudyFiles) -> None:
    sheet = pd.read_csv(small_study.samplesheet)
    assert list(sheet.columns) == ["patient", "sample", "vcf", "bed", "type"]
    assert sheet["sample"].is_unique
    assert set(sheet["type"]) == {"tumor_normal", "tumor_only", "maf"}
    assert (sheet["type"] == "tumor_normal").sum() == len(small_study.usubjids)
    for row in sheet.itertuples():
        assert (small_study.outdir / row.vcf).exists() and (small_study.outdir / row.bed).exists()
        assert not Path(row.vcf).is_absolute()
    with gzip.open(small_study.outdir / sheet["vcf"][0], "rt") as fh:
        assert fh.readline().startswith("##fileformat=VCFv4.2")
