"""The shared TMB fixtures: 19 hand-built records, pyTMB 1.6.0's figures, and real SEQC2 calls.

Where biomarker and pyTMB differ, it is on purpose and each case says why.
"""

from __future__ import annotations

import csv

import pytest
from cyvcf2 import VCF

from biomarker.tmb import compute_tmb

# Our fate for each record under --preset pytmb-wes, next to expected_reasons.tsv's WES-style intent.
OURS = {
    "S01": "counted",
    "S02": "consequence",
    "S03": "consequence",
    "S04": "vaf",
    "S05": "depth",
    "S06": "alt_depth",
    "S07": "filter",
    "S08": "filter",  # FILTER '.' is "not filtered", not PASS: reported, counted only with count_unfiltered
    "S09": "population_af",
    "S10": "counted",
    "S11": "counted",
    "S12": "counted",
    "S13": ("vaf", "counted"),  # the A allele at 2% fails, the T allele at 10% counts
    "S14": "counted",  # splice_region&intron: pyTMB keeps splice unless --filterSplice; pytmb-wes does too
    "S15": "counted",
    "S16": "counted",
    "S17": "consequence",
    "S18": "vaf",  # AF missing: we take AD 3/100 = 0.03 < 0.05; pyTMB silently skips the VAF filter
    "S19": "unannotated",  # no annotation: reported, never counted (pyTMB counts it in ANNOVAR mode)
}
EXPECTED_CLASS = {
    "PASS": "counted",
    "SYN": "consequence",
    "NONCODING": "consequence",
    "VAF": "vaf",
    "DEPTH": "depth",
    "ALTDEPTH": "alt_depth",
    "QUAL": "filter",
    "POLYM": "population_af",
}


def one_mb_bed(tmp_path):
    path = tmp_path / "1mb.bed"
    path.write_text("chr1\t0\t1000000\n")  # pyTMB's --effGenomeSize 1000000 for these runs
    return path


def fates_by_id(result, vcf_path) -> dict[str, object]:
    ids = [v.ID for v in VCF(str(vcf_path)) for _ in v.ALT]
    out: dict[str, list[str]] = {}
    for rid, fate in zip(ids, result.variants().fate, strict=True):
        out.setdefault(rid, []).append(fate)
    return {k: v[0] if len(v) == 1 else tuple(v) for k, v in out.items()}


def pytmb_reference(fixtures) -> dict[str, dict[str, str]]:
    with open(fixtures / "tmb" / "pytmb_1.6.0_reference.tsv") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return {r["run"]: r for r in rows}


@pytest.mark.parametrize("name", ["synthetic_mutect2_snpeff.vcf", "synthetic_mutect2_annovar.vcf"])
def test_nineteen_records_have_their_fates(shared_fixtures, tmp_path, name: str) -> None:
    vcf = shared_fixtures / "tmb" / name
    r = compute_tmb(vcf, one_mb_bed(tmp_path), "pytmb-wes")
    got = fates_by_id(r, vcf)
    assert got == OURS
    with open(shared_fixtures / "tmb" / "expected_reasons.tsv") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            intent = row["expected_under_WES_filters"].split(" ")[0]
            if intent in EXPECTED_CLASS and row["id"] not in ("S08", "S18"):
                fate = got[row["id"]]
                assert EXPECTED_CLASS[intent] in (fate if isinstance(fate, tuple) else (fate,)), row["id"]


@pytest.mark.parametrize(
    ("run", "name"),
    [("syn_snpeff_wes", "synthetic_mutect2_snpeff.vcf"), ("syn_annovar_wes", "synthetic_mutect2_annovar.vcf")],
)
def test_agrees_with_pytmb_wes_except_where_pytmb_is_wrong(shared_fixtures, tmp_path, run: str, name: str) -> None:
    ref = pytmb_reference(shared_fixtures)[run]
    pytmb_ids = set(ref["passing_ids_or_notes"].split())
    vcf = shared_fixtures / "tmb" / name
    r = compute_tmb(vcf, one_mb_bed(tmp_path), "pytmb-wes")
    ours = {k for k, v in fates_by_id(r, vcf).items() if v == "counted" or (isinstance(v, tuple) and "counted" in v)}
    wrong_in_pytmb = {"S08", "S18"} | ({"S19"} if "annovar" in name else set())
    assert ours == pytmb_ids - wrong_in_pytmb
    assert r.counted == int(ref["passing"]) - len(wrong_in_pytmb)
    assert r.tmb_per_mb == pytest.approx(float(ref["TMB"]) - len(wrong_in_pytmb))


def test_strict_flags_agree_too(shared_fixtures, tmp_path) -> None:
    ref = pytmb_reference(shared_fixtures)["syn_snpeff_strict"]
    vcf = shared_fixtures / "tmb" / "synthetic_mutect2_snpeff.vcf"
    strict = {
        "exclude_indels": True,
        "exclude_hotspots": True,
        "hotspot_cosmic_id": True,
        "consequence_rule": "most_severe",  # pyTMB's rule has no --filterSplice switch: classes say it
        "count_classes": ["nonsynonymous", "splice_site"],
    }  # --filterSplice drops splice_region
    r = compute_tmb(vcf, one_mb_bed(tmp_path), "pytmb-wes", overrides=strict)
    ours = {k for k, v in fates_by_id(r, vcf).items() if "counted" in (v if isinstance(v, tuple) else (v,))}
    assert ours == set(ref["passing_ids_or_notes"].split()) - {"S08", "S18"}
    assert fates_by_id(r, vcf)["S11"] == "hotspot" and fates_by_id(r, vcf)["S12"] == "indel"


def test_bed_overlaps_are_merged_not_summed(shared_fixtures) -> None:
    ref = pytmb_reference(shared_fixtures)["syn_snpeff_bed"]
    assert "2500" in ref["effGenomeSize"]  # pyTMB sums the overlapping intervals
    r = compute_tmb(
        shared_fixtures / "tmb" / "synthetic_mutect2_snpeff.vcf",
        shared_fixtures / "tmb" / "synthetic_overlap.bed",
        "pytmb-wes",
        off=["filter"],
    )
    assert r.territory_bp == 2000
    # and only variants inside the territory count: S01 at chr1:1000 is in chr1:0-1000 (0-based 999)
    assert r.counted == 1 and r.fates["territory"] == 19  # 20 ALT alleles: S13 has two


@pytest.mark.parametrize(
    ("run", "name"), [("muse_wes", "seqc2_hcc1395_muse.vep.vcf"), ("vs_wes", "seqc2_hcc1395_varscan.vep.vcf")]
)
def test_real_seqc2_calls_match_pytmb(shared_fixtures, tmp_path, run: str, name: str) -> None:
    ref = pytmb_reference(shared_fixtures)[run]
    vcf = shared_fixtures / "tmb" / name
    sites = sorted({(v.CHROM, v.POS) for v in VCF(str(vcf))})
    bed = tmp_path / "real.bed"
    bed.write_text(
        "".join(f"{c}\t{p - 1}\t{p}\n" for c, p in sites) + f"chr22\t0\t{33_280_000 - len(sites)}\n"
    )  # pyTMB's --effGenomeSize 33280000
    r = compute_tmb(vcf, bed, "pytmb-wes")
    assert r.tumor_sample == "TUMOR"
    assert r.counted == int(ref["passing"])
    assert round(r.tmb_per_mb, 2) == float(ref["TMB"])
    assert r.caller == ("muse" if "muse" in name else "varscan2") and r.annotator == "vep"


def test_real_calls_read_with_the_right_sample_and_vaf(shared_fixtures, tmp_path) -> None:
    bed = tmp_path / "genome.bed"
    bed.write_text("".join(f"chr{c}\t0\t250000000\n" for c in range(1, 23)))
    muse = compute_tmb(shared_fixtures / "tmb" / "seqc2_hcc1395_muse.vep.vcf", bed, "wes").variants()
    first = muse.iloc[0]
    assert (first.chrom, first.pos, round(first.vaf, 4), first.depth, first.alt_depth) == (
        "chr1",
        46658589,
        0.1973,
        147,
        29,
    )  # 29/147, TUMOR
    vs = compute_tmb(shared_fixtures / "tmb" / "seqc2_hcc1395_varscan.vep.vcf", bed, "wes").variants()
    row = vs[vs.pos == 157520391].iloc[0]
    assert (round(row.vaf, 4), row.depth, row.alt_depth) == (0.3333, 75, 25)  # TUMOR is the second column: 33.33%


@pytest.mark.parametrize(
    "name",
    [
        "seqc2_hcc1395_muse.vep.vcf",
        "seqc2_hcc1395_varscan.vep.vcf",
        "synthetic_mutect2_snpeff.vcf",
        "synthetic_mutect2_annovar.vcf",
    ],
)
@pytest.mark.parametrize("preset", ["wes", "pytmb-wes"])
def test_text_reader_gives_the_cyvcf2_readers_rows_on_real_files(shared_fixtures, tmp_path, name, preset) -> None:
    # the text reader judges MuSE/VEP survivors from their text, VarScan2 and ANNOVAR ones through cyvcf2:
    # every row must be the one the cyvcf2 reader gives
    import io

    from biomarker.tmb.pipeline import resolve_params
    from biomarker.tmb.scan_runner import Sink
    from biomarker.tmb.territory import read_bed
    from biomarker.tmb.vcf_scan import read_layout, scan_vcf
    from biomarker.tmb.vcf_text import open_text
    from biomarker.tmb.vcf_text_scan import scan_vcf_text

    path = str(shared_fixtures / "tmb" / name)
    params = resolve_params(preset, off=["population_af"] if "annovar" in name or "snpeff" in name else ())
    bed = tmp_path / "genome.bed"
    bed.write_text("".join(f"chr{c}\t0\t250000000\n" for c in range(1, 23)))
    territory = read_bed(bed)
    sink = Sink(None)
    cy = scan_vcf(read_layout(path), params, territory, sink)
    out = io.BytesIO()
    tx = scan_vcf_text(read_layout(path), open_text(path), params, territory, out)
    assert [tuple(line.split("\t")) for line in out.getvalue().decode().splitlines()] == sink.rows
    assert dict(tx.fates) == dict(cy.fates) and tx.records == cy.records > 0
    assert tx.fates["counted"] + tx.fates["consequence"] > 0  # survivors reached the annotation
