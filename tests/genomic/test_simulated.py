"""Planted truth recovered from the files the simulator writes (VCF/MAF + its FASTA + its matrix)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pysam
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from biomarker.genomic import GenomicConfig, compute_genomic, samples_from_sheet
from biomarker.genomic.catalogue import Reference, build_catalogue
from biomarker.genomic.channels import channel_of
from biomarker.genomic.signatures import fit_exposures
from biomarker.simulate import simulate_study
from biomarker.simulate.fasta import LINE, _lines, write_reference_fasta
from biomarker.simulate.genome import CONTIGS, build_exome, ref_bases, write_bed
from biomarker.simulate.signatures import SIGNATURES, draw_mixture, signature_matrix
from biomarker.simulate.somatic import TumourPlanner
from biomarker.simulate.somatic_vcf import write_vcf


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Four tumours of ~300 counted alleles with planted mixtures, on a 1 Mb exome."""
    out = tmp_path_factory.mktemp("planted")
    exome = build_exome(1.0)
    planner = TumourPlanner(exome)
    w = signature_matrix()
    rng = np.random.default_rng(17)
    bed = write_bed(exome, out / "exome.bed")
    tumours, sites = [], []
    for i in range(4):
        mix = draw_mixture(rng, smoker=i % 2 == 0)
        recs = planner.plan(rng, 300, 1.0 / 35, [], sbs=w @ mix)
        sites += [(r.contig, r.pos, len(r.ref)) for r in recs]
        path = write_vcf(recs, out / f"T{i}.vcf.gz", f"T{i}", f"N{i}")
        tumours.append((path, mix, recs))
    fasta = write_reference_fasta(exome, sites, out / "genome.fa.gz")
    return {"bed": bed, "fasta": fasta, "tumours": tumours, "w": w}


def test_fasta_holds_the_simulated_bases_and_real_lengths(planted: dict) -> None:
    fa = pysam.FastaFile(str(planted["fasta"]))
    assert dict(zip(fa.references, fa.lengths, strict=True)) == dict(CONTIGS)
    for rec in planted["tumours"][0][2][:50]:
        assert fa.fetch(rec.contig, rec.pos - 2, rec.pos + len(rec.ref)) == ref_bases(
            rec.contig, rec.pos - 1, len(rec.ref) + 2
        )
    assert fa.fetch("chr12", 25245349, 25245350) == "C"  # KRAS G12 hotspot keeps its real base


def test_catalogue_from_files_equals_the_planted_records(planted: dict) -> None:
    ref = Reference(planted["fasta"])
    for path, _, recs in planted["tumours"][:2]:
        cat = build_catalogue(path, ref, targets=planted["bed"])
        expected = np.zeros(96, dtype=int)
        for r in recs:
            for a in r.alts:
                if a.fate == "counted" and len(r.ref) == len(a.alt) == 1:
                    expected[channel_of(ref_bases(r.contig, r.pos - 1, 3), a.alt)] += 1
        np.testing.assert_array_equal(cat.counts, expected)
        assert cat.n_snv > 200


def test_planted_exposures_recovered_from_files(planted: dict) -> None:
    ref = Reference(planted["fasta"])
    for path, mix, _ in planted["tumours"]:
        cat = build_catalogue(path, ref, targets=planted["bed"])
        e = fit_exposures(cat.counts, planted["w"], list(SIGNATURES), n_boot=0)
        # 250-300 SNVs: tolerance 0.2 on every signature (measured 90th centile 0.14 at 300 SNVs)
        assert np.abs(e.frac - mix).max() < 0.2, (e.frac.round(3), mix.round(3))


def test_simulated_study_comutations_match_truth(tmp_path: Path) -> None:
    files = simulate_study(tmp_path, n_patients=12, seed=5, exome_mb=1.0, genomic=True)
    cfg = GenomicConfig(fasta=str(files.fasta), signatures=str(files.signature_matrix), n_boot=20)
    res = compute_genomic(samples_from_sheet(files.samplesheet), cfg)
    feats = res.tables["genomic_features"]
    with open(files.truth_genomic) as fh:
        truth = {r["usubjid"]: r for r in csv.DictReader(fh)}
    primary = feats[feats["is_primary"]]
    assert len(primary) == 12 and set(primary["sample_type"]) == {"tumor_normal"}
    for flag in ("stk11_lof", "keap1_lof", "kras_g12c", "tp53_mut"):
        want = {u for u, r in truth.items() if r[flag] == "true"}
        got = set(primary.loc[primary[flag] == True, "usubjid"])  # noqa: E712
        assert got == want, flag
    assert sum(r["stk11_lof"] == "true" or r["keap1_lof"] == "true" for r in truth.values()) >= 1
    # the MAF and tumour-only copies of a tumour carry the same flags as its VCF
    by_u = feats.groupby("usubjid")["keap1_lof"].nunique()
    assert (by_u == 1).all()
    assert res.provenance["signature_reference"] == "signatures_sbs96.tsv"
    assert {i["name"] for i in res.provenance["inputs"]} >= {"genome.fa.gz"}
    from biomarker.genomic import baseline_features

    base = baseline_features(feats)
    assert list(base["usubjid"]) == list(primary["usubjid"]) and base["usubjid"].is_unique
    assert {"transversion_frac", "sbs4_exposure_frac", "stk11_lof", "kras_g12c", "pole_exo"} <= set(base.columns)
    assert "sample" not in base.columns
    written = res.write(tmp_path / "out")
    assert (tmp_path / "out" / "genomic_features.tsv").is_file() and "json" in written


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 5000), st.integers(0, 2000), st.integers(0, 300))
def test_fasta_lines_break_every_line_and_after_the_contig_end(col: int, n: int, past_end: int) -> None:
    """The FASTA writer's line cutting (Python for short pieces, numpy for long ones) against the rule itself."""
    length = col + n + past_end  # the piece ends at or before the contig's last base
    arr = np.frombuffer(bytes(65 + (i * 7) % 26 for i in range(n)), dtype=np.uint8)
    want = b"".join(
        bytes([arr[i]]) + (b"\n" if (col + i + 1) % LINE == 0 or col + i + 1 == length else b"") for i in range(n)
    )
    assert _lines(arr, col, length) == want
