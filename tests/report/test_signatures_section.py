"""The report's signatures section (from the store's genomic tables), and the TMB section's count of failures."""

from __future__ import annotations

import pandas as pd
import pytest

from biomarker import Study
from biomarker.report.html import read_store_tables
from biomarker.report.sections_biomarkers import tmb_section
from biomarker.report.sections_genomic import signatures_section
from biomarker.report.sections_study import study_section
from biomarker.simulate import simulate_study

FLAGS = ("stk11_lof", "keap1_lof", "kras_g12c", "tp53_mut")


@pytest.fixture(scope="module")
def genomic_study(tmp_path_factory):
    root = tmp_path_factory.mktemp("sig") / "study"
    simulate_study(root, n_patients=10, seed=5, exome_mb=3, genomic=True)
    (root / "g.yaml").write_text(
        "samplesheet: samplesheet.csv\nclinical: .\nout: res\n"
        "genomic: {fasta: reference/genome.fa.gz, signatures: reference/signatures_sbs96.tsv, bootstrap: 10, "
        "min_snvs: 30}\n"
    )
    study = Study.from_config(root / "g.yaml")
    study.run()
    return root, study


def test_comutations_by_response_equal_the_planted_truth(genomic_study) -> None:
    root, study = genomic_study
    tables = read_store_tables(study.store_path)
    sec = signatures_section(tables)
    data = {t.name: t.data for t in sec.tables}["comutations_by_response"]
    truth = pd.read_csv(root / "truth" / "genomic.csv").merge(tables["endpoint_bor"][["usubjid", "bor"]], on="usubjid")
    truth["bor"] = truth["bor"].fillna("NE")
    for flag in FLAGS:
        got = data[data["flag"] == flag].set_index("bor")["n_with"].to_dict()
        want = truth.groupby("bor")[flag].apply(lambda s: int(s.astype(bool).sum())).to_dict()
        assert got == want, flag
    assert sum(b["kind"] == "figure" for b in sec.blocks) == 3  # exposures, co-mutation grid, pooled profile
    exposures = {t.name: t.data for t in sec.tables}["signature_exposures_by_response"]
    assert set(exposures["signature"]) == {"SBS1", "SBS2", "SBS4", "SBS5", "SBS13"}
    html = (root / "res" / "report.html").read_text()
    assert '<section id="signatures">' in html and "Co-mutations by best overall response" in html
    study_tables = {t.name: t.data for t in study_section(tables, "T").tables}
    assert "genome.fa.gz" in set(study_tables["step_inputs"]["file"])  # the study section reads provenance
    assert study_tables["runs"]["status"].tolist() == ["ok"]  # ... and the runs table
    populations = study_tables["populations"]
    evaluable = populations.set_index("population")["n_subjects" if "n_subjects" in populations else "subjects_n"]
    features = tables["genomic_features"]
    assert (
        evaluable["Biomarker-evaluable: signature exposures"]
        == features.loc[features["exposures_reported"].astype(bool), "usubjid"].nunique()
        > 0
    )


def test_a_tumour_profile_on_request(genomic_study, tmp_path) -> None:
    root, study = genomic_study
    sample = pd.read_csv(root / "samplesheet.csv")["sample"].iloc[0]
    html = study.report(tmp_path / "r.html", profiles=[sample, "NOPE"]).read_text()
    assert f"SBS96 profile of {sample} (fraction of its SNVs)." in html
    assert "SBS96 profile of NOPE: not available: no such tumour" in html


def test_no_genomic_tables_is_one_not_available_line() -> None:
    sec = signatures_section({})
    assert [b["kind"] for b in sec.blocks] == ["missing"]
    assert "not available: the store has no genomic tables" in sec.blocks[0]["text"]


def test_stale_tumours_are_not_failed_samples() -> None:
    results = pd.DataFrame(
        {
            "sample": ["a", "b", "c", "d"],
            "usubjid": ["A", "B", "C", "D"],
            "status": ["ok", "failed", "stale", "stale"],
            "tmb_per_mb": [5.0, None, 7.0, 9.0],
            "tmb_ci95_low_per_mb": [3.0, None, 5.0, 7.0],
            "tmb_ci95_high_per_mb": [8.0, None, 9.0, 12.0],
            "tmb_high": pd.array([False, None, False, False], dtype="boolean"),
            "reason": ["", "bad VCF", "", ""],
            "warnings": ["", "", "", ""],
        }
    )
    sec = tmb_section({"tmb_results": results})
    kpis = {k["label"]: k["value"] for k in sec.kpis}
    assert kpis["failed samples"] == "1" and kpis["tumours with TMB"] == "1"
    assert any(
        b["kind"] == "note"
        and b["text"].startswith("2 tumour(s) are no longer in the samplesheet (stale)")
        and "c, d" in b["text"]
        for b in sec.blocks
    )
