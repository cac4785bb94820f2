"""TMB on a simulated study equals the truth the simulator planted, sample by sample.

The simulator writes its files with its own code (it imports none of our readers), so a reader bug
cannot shape the truth it is checked against.
"""

from __future__ import annotations

import csv

import pytest

from biomarker.simulate import simulate_study
from biomarker.tmb import build_territory, compute_tmb


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return simulate_study(tmp_path_factory.mktemp("study"), n_patients=6, seed=11, exome_mb=3.0)


def test_every_sample_recovers_its_planted_tmb(study) -> None:
    territory = build_territory(study.bed)
    with open(study.outdir / "truth" / "samples.csv") as fh:
        samples = list(csv.DictReader(fh))
    assert {s["type"] for s in samples} >= {"tumor_normal"}
    for s in samples:
        r = compute_tmb(study.outdir / s["path"], study.bed, "wes", territory=territory)
        assert r.territory_bp == int(s["territory_bp"]), s["sample"]
        assert r.counted == int(s["true_counted_variants"]), s["sample"]
        assert r.tmb_per_mb == pytest.approx(float(s["true_tmb_per_mb"]), abs=1e-4)


def test_every_variant_meets_its_intended_fate(study) -> None:
    sample = study.vcfs[0]
    r = compute_tmb(sample, study.bed, "wes")
    ours = {(row.chrom, str(row.pos), row.alt): row.fate for row in r.variants().itertuples()}
    truth_file = study.outdir / "truth" / "variants" / (sample.name.removesuffix(".vcf.gz") + ".tsv")
    with open(truth_file) as fh:
        truth = {(t["contig"], t["pos"], t["alt"]): t["fate"] for t in csv.DictReader(fh, delimiter="\t")}
    assert ours == truth
    assert set(truth.values()) >= {"counted", "filter", "territory", "vaf", "population_af", "consequence"}
