"""Figures from the result's tables, the store tables, and the CLI as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from biomarker.genomic import GenomicConfig, GenomicSample, compute_genomic
from biomarker.simulate.signatures import write_signature_matrix
from tests.cli_runner import run_cli
from tests.genomic.conftest import write_vcf
from tests.genomic.test_catalogue import ROWS
from tests.genomic.test_comutations import STK11_STOP, VEP_HEADER


@pytest.fixture
def result(tmp_path: Path, fasta: Path):
    rows = [f"1\t2\t.\tC\tA\t.\tPASS\t{STK11_STOP}", *ROWS[1:]]
    a = write_vcf(tmp_path / "a.vcf", rows, info_header=VEP_HEADER)
    b = write_vcf(tmp_path / "b.vcf", ROWS[1:5], info_header=VEP_HEADER)
    sig = write_signature_matrix(tmp_path / "sbs.tsv")
    cfg = GenomicConfig(fasta=str(fasta), variant_set="passing", signatures=str(sig), min_snvs=5, n_boot=10)
    return compute_genomic([GenomicSample("S-1", "a", a), GenomicSample("S-2", "b", b)], cfg)


def test_result_shape_and_plots(result) -> None:
    f = result.tables["genomic_features"]
    assert list(f["usubjid"]) == ["S-1", "S-2"]
    assert bool(f.loc[0, "stk11_lof"]) and not bool(f.loc[1, "stk11_lof"])
    assert f.loc[0, "exposures_reported"] and not f.loc[1, "exposures_reported"]  # 5 SNVs vs 4 < min 5
    assert "4 SNVs, below the minimum of 5" in f.loc[1, "no_exposure_reason"]
    ex = result.tables["signature_exposures"]
    assert set(ex["sample"]) == {"a"} and ex["exposure_frac"].sum() == pytest.approx(1.0)
    assert (ex["exposure_ci95_low"] <= ex["exposure_ci95_high"]).all()
    assert len(result.tables["sbs96_catalogue"]) == 192
    assert list(result.summary["comutations"]) == ["stk11_lof", ""]
    response = pd.DataFrame({"usubjid": ["S-1", "S-2"], "bor": ["PR", "PD"]})
    for name in ("profile", "exposures", "comutations"):
        fig = result.plot(name, response=response)
        assert fig.axes


def test_store_tables(result, tmp_path: Path) -> None:
    from biomarker.genomic.store import store_genomic
    from biomarker.store import Store

    store_genomic(result, tmp_path / "s.duckdb")
    with Store(tmp_path / "s.duckdb", read_only=True) as st:
        feats = st.table("genomic_features")
        prov = st.table("genomic_provenance")
    assert {"usubjid", "transversion_frac", "stk11_lof", "sbs4_exposure_frac", "is_primary"} <= set(feats.columns)
    assert prov.loc[0, "signature_reference"] == "sbs.tsv" and len(prov.loc[0, "signature_reference_sha256"]) == 64


def genomic_cli(tmp_path: Path, fasta: Path, rows: list[str], *options: str):
    """``biomarker genomic`` on a VCF of ``rows`` with the passing variants, a signature matrix and ``--out o``."""
    vcf = write_vcf(tmp_path / "t.vcf", rows)
    sig = write_signature_matrix(tmp_path / "sbs.tsv")
    return run_cli(
        "genomic",
        str(vcf),
        "--fasta",
        str(fasta),
        "--signatures",
        str(sig),
        "--variants",
        "passing",
        *options,
        "--out",
        str(tmp_path / "o"),
    )


def test_cli_one_line_error_on_ref_mismatch(tmp_path: Path, fasta: Path) -> None:
    r = genomic_cli(tmp_path, fasta, ["1\t2\t.\tG\tA\t.\tPASS\t."])
    output = r.stdout + r.stderr
    assert r.returncode == 2
    assert "REF G but the FASTA has C" in output and len(output.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_cli_writes_tables(tmp_path: Path, fasta: Path) -> None:
    r = genomic_cli(tmp_path, fasta, ROWS, "--usubjid", "S-9", "--min-snvs", "5")
    output = r.stdout + r.stderr
    assert r.returncode == 0, output
    feats = pd.read_csv(tmp_path / "o" / "genomic_features.tsv", sep="\t")
    assert feats.loc[0, "usubjid"] == "S-9" and feats.loc[0, "snv_count"] == 5
    assert "co-mutation flags cannot be set" in output  # warning: no annotation in this VCF


def test_unannotated_flags_are_typed_missing_in_the_store_and_drawn(tmp_path: Path, fasta: Path) -> None:
    from biomarker.genomic.store import store_genomic
    from biomarker.store import Store

    vcf = write_vcf(tmp_path / "t.vcf", ROWS)
    sig = write_signature_matrix(tmp_path / "sbs.tsv")
    res = compute_genomic(
        [GenomicSample("S-1", "t", vcf)],
        GenomicConfig(fasta=str(fasta), variant_set="passing", signatures=str(sig), n_boot=0),
    )
    assert res.tables["genomic_features"]["stk11_lof"].isna().all()
    store_genomic(res, tmp_path / "s.duckdb")
    with Store(tmp_path / "s.duckdb", read_only=True) as st:
        types = dict(st.con.execute("SELECT column_name, column_type FROM (DESCRIBE genomic_features)").fetchall())
    assert types["stk11_lof"] == "BOOLEAN" and types["transversion_high"] == "BOOLEAN"
    assert res.summary.loc[0, "comutations"] == ""
    assert res.plot("comutations").axes
