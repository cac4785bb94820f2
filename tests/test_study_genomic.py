"""The genomic step of a study run: study.yaml's genomic: block, the store tables and the patient table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from biomarker import Study
from biomarker.errors import ConfigError
from biomarker.simulate import simulate_study
from biomarker.store import Store
from biomarker.study import load_config
from tests.cli_runner import run_cli

GENOMIC = "{fasta: reference/genome.fa.gz, signatures: reference/signatures_sbs96.tsv, bootstrap: 20, min_snvs: 30}"


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("genomic") / "study"
    simulate_study(folder, n_patients=8, seed=5, exome_mb=3, genomic=True)
    return folder


def config(study: Path, name: str, genomic: str = GENOMIC, **extra: str) -> Path:
    lines = [
        "samplesheet: samplesheet.csv",
        f"genomic: {genomic}",
        f"out: {name}",
        "report: false",  # these tests read the store; the report has its own tests
        *(f"{k}: {v}" for k, v in extra.items()),
    ]
    path = study / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_genomic_step_stores_the_planted_comutations_with_provenance_and_reruns_only_on_change(study) -> None:
    summary = Study.from_config(config(study, "g1")).run()
    assert summary.steps["genomic"] == "computed"
    result = Study.open(study / "g1").genomic()
    features = result.tables["genomic_features"]
    truth = pd.read_csv(study / "truth" / "genomic.csv")
    primary = features[features["is_primary"]].set_index("usubjid")
    for flag in ("stk11_lof", "keap1_lof", "kras_g12c", "tp53_mut"):  # planted truth, per subject
        assert primary[flag].astype(bool).to_dict() == truth.set_index("usubjid")[flag].astype(bool).to_dict()
    # few SNVs: no exposures and the reason says so; enough: exposures that sum to 1
    few = features[features["snv_count"] < 30]
    assert len(few) and not few["exposures_reported"].any() and few["no_exposure_reason"].str.contains("30").all()
    many = features[features["exposures_reported"]]
    sigs = [c for c in features.columns if c.endswith("_exposure_frac")]
    assert len(many) and (many[sigs].sum(axis=1) - 1).abs().max() < 1e-6
    with Store(study / "g1" / "study.duckdb", read_only=True) as store:
        prov = store.provenance("genomic_features")
        assert {"signature_exposures", "sbs96_catalogue", "comutation_variants", "genomic_provenance"} <= set(
            store.tables()
        )
    assert len(prov["inputs"]["fasta"]["sha256"]) == 64 and prov["parameters"]["n_boot"] == 20
    assert prov["parameters"]["preset"] == "wes" and prov["step"] == "genomic"
    # the patient table joins them as baseline features
    patients = Study.open(study / "g1").patients(refresh=False)
    kinds = patients.tables["feature_sources"].set_index("feature")
    assert kinds.loc["stk11_lof", "source_table"] == "genomic_features"
    assert kinds.loc["sbs4_exposure_frac", "kind"] == "baseline"
    # unchanged inputs: not recomputed; a changed setting: recomputed
    assert Study.from_config(study / "g1.yaml").run().steps["genomic"] == "unchanged"
    config(study, "g1", GENOMIC.replace("bootstrap: 20", "bootstrap: 10"))
    assert Study.from_config(study / "g1.yaml").run().steps["genomic"] == "computed"


@pytest.mark.parametrize(
    ("genomic", "message"),
    [
        ("{fasta: reference/genome.fa.gz, bootstrapp: 5}", "genomic: unknown key(s) bootstrapp"),
        ("{signatures: reference/signatures_sbs96.tsv}", "genomic: fasta is required"),
        ("{fasta: reference/nothere.fa}", "genomic.fasta: reference/nothere.fa does not exist"),
        (
            "{fasta: reference/genome.fa.gz, signatures: reference/signatures_sbs96.tsv, signature_set: [SBS4, SBS99]}",
            "SBS99",
        ),
        ("{fasta: reference/genome.fa.gz, min_snvs: 0}", "genomic: min_snvs must be a whole number >= 1"),
        ("[fasta]", "genomic is a mapping"),
    ],
)
def test_a_bad_genomic_block_is_refused_before_any_step_runs(study, genomic, message) -> None:
    path = config(study, "bad", genomic)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value) and str(path) in str(err.value)
    assert not (study / "bad").exists()


def test_simulate_genomic_writes_a_study_yaml_whose_genomic_block_run_accepts(tmp_path) -> None:
    options = ["--patients", "4", "--exome-mb", "0.3"]
    done = run_cli("simulate", tmp_path / "s", *options, "--genomic")
    assert done.returncode == 0, done.stderr
    config = load_config(tmp_path / "s" / "study.yaml")
    assert config.genomic["fasta"] == (tmp_path / "s" / "reference" / "genome.fa.gz").resolve()
    assert config.genomic["signatures"].name == "signatures_sbs96.tsv"
    plain = run_cli("simulate", tmp_path / "p", *options)
    assert plain.returncode == 0, plain.stderr
    assert load_config(tmp_path / "p" / "study.yaml").genomic == {}


def test_a_tumour_unlike_the_fasta_fails_alone(study, tmp_path) -> None:
    import gzip
    import shutil

    import pysam

    copy = tmp_path / "study"
    shutil.copytree(study, copy, ignore=shutil.ignore_patterns("g1", "bad", "*.yaml"))
    sheet = pd.read_csv(copy / "samplesheet.csv")
    vcf = copy / sheet.loc[sheet["type"] == "tumor_normal", "vcf"].iloc[0]
    with gzip.open(vcf, "rt") as fh:
        lines = fh.read().splitlines()
    for i, line in enumerate(lines):
        f = line.split("\t")
        if not line.startswith("#") and len(f[3]) == 1 and len(f[4]) == 1:
            f[3] = next(b for b in "ACGT" if b not in (f[3], f[4]))  # a REF the FASTA does not have
            lines[i] = "\t".join(f)
    plain = tmp_path / "x.vcf"
    plain.write_text("\n".join(lines) + "\n")
    vcf.unlink()
    pysam.tabix_compress(str(plain), str(vcf))
    summary = Study.from_config(config(copy, "g2")).run()
    sample = vcf.name.removesuffix(".vcf.gz")
    assert summary.steps["genomic"] == "computed"
    failed = [f for f in summary.failures if f[0] == "genomic"]
    assert [f[1] for f in failed] == [sample] and "but the FASTA has" in failed[0][2]
    result = Study.open(copy / "g2").genomic()
    samples = set(result.tables["genomic_features"]["sample"])
    assert sample not in samples and len(samples) == len(pd.read_csv(copy / "samplesheet.csv")) - 1


def test_editing_the_study_yaml_beside_the_sdtm_does_not_rerun_the_endpoints(study) -> None:
    path = config(study, "g3", clinical=".")  # the yaml lives in the folder clinical: names, as simulate writes it
    first = Study.from_config(path).run()
    assert first.steps["endpoints"] == "computed" and first.steps["genomic"] == "computed"
    config(study, "g3", GENOMIC.replace("bootstrap: 20", "bootstrap: 5"), clinical=".")
    again = Study.from_config(path).run()
    assert again.steps["endpoints"] == "unchanged" and again.steps["genomic"] == "computed"


def test_the_packaged_cosmic_matrix_is_checked_with_the_config(study) -> None:
    pytest.importorskip("SigProfilerAssignment")
    config_ok = load_config(config(study, "cosmic", "{fasta: reference/genome.fa.gz}"))
    assert config_ok.genomic["fasta"].name == "genome.fa.gz"  # lung set of COSMIC v3.4 as the package ships it
    with pytest.raises(ConfigError, match=r"genomic: SigProfilerAssignment ships no COSMIC_v9\.9_SBS_GRCh38\.txt"):
        load_config(config(study, "cosmic", "{fasta: reference/genome.fa.gz, cosmic_version: '9.9'}"))
