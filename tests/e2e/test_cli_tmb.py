"""``biomarker tmb`` as a user runs it: its output, its exit code (in this process through :func:`run_cli`; the
entry point itself in a real one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.cli_runner import run_cli
from tests.conftest import csq, mutect_record

BIOMARKER = [sys.executable, "-m", "biomarker.cli"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env={"COLUMNS": "120"})


def test_tmb_prints_summary_and_writes_files(write_vcf, write_bed, tmp_path) -> None:
    vcf = write_vcf(
        [mutect_record("chr1", 100 + i, "C", "T", csq_entries=[csq("T", "missense_variant")]) for i in range(12)]
    )
    bed = write_bed([("chr1", 0, 1_000_000)])
    proc = run("tmb", vcf, "--targets", bed, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "TMB 12.00 mut/Mb (95% CI 6.20-20.96" in proc.stdout
    assert "TMB-high" in proc.stdout
    doc = json.loads((tmp_path / "out" / "T1.tmb.json").read_text())
    assert doc["counted_variants"] == 12 and doc["tmb_high"] is True


def test_preset_all_gives_one_row_per_preset(write_vcf, write_bed, tmp_path) -> None:
    vcf = write_vcf([mutect_record("chr1", 100, "C", "T", csq_entries=[csq("T", "synonymous_variant")])])
    proc = run(
        "tmb",
        vcf,
        "--targets",
        write_bed([("chr1", 0, 1_000_000)]),
        "--preset",
        "all",
        "--off",
        "depth",
        "--out",
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    table = (tmp_path / "T1.presets.tsv").read_text().splitlines()
    assert [line.split("\t")[:2] for line in table[1:]] == [
        ["wes", "0"],
        ["pytmb-wes", "0"],
        ["f1cdx", "1"],
        ["msk-impact", "0"],
        ["tso500", "1"],
        ["maftools", "0"],
    ]


def test_user_error_is_one_line_and_exit_2(write_vcf, write_bed, tmp_path) -> None:
    vcf = write_vcf([mutect_record("chr1", 100, "C", "T")])
    proc = run("tmb", vcf, "--targets", write_bed([("NC_000001.11", 0, 100)]))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("biomarker: error: ")
    assert "no contig" in lines[0] and "Traceback" not in proc.stderr
    proc = run("tmb", vcf, "--targets", write_bed([("chr1", 0, 100)]), "--set", "min_vaf=7")
    assert proc.returncode == 2 and "min_vaf 7" in proc.stderr


def test_version_and_help_start(tmp_path) -> None:
    """The one test of ``python -m biomarker.cli`` in a process of its own: the packaging path."""
    env = {**os.environ, "COLUMNS": "120"}
    version = subprocess.run([*BIOMARKER, "--version"], capture_output=True, text=True, env=env, check=False)
    assert version.returncode == 0 and version.stdout.startswith("biomarker ")
    proc = subprocess.run([*BIOMARKER, "tmb", "--help"], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0 and "--targets" in proc.stdout


def test_demo_runs_end_to_end(tmp_path) -> None:
    from biomarker.store import Store

    proc = run("demo", tmp_path / "demo", "--patients", "4", "--seed", "3", "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    with Store(tmp_path / "demo" / "results" / "study.duckdb", read_only=True) as store:
        results = store.table("tmb_results")
        endpoint_tables = [t for t in store.tables() if t.startswith("endpoint_")]
    assert len(results) > 4 and set(results.status) == {"ok"}
    assert "endpoint_bor" in endpoint_tables and "endpoint_summary" in endpoint_tables
    report = (tmp_path / "demo" / "results" / "report.html").read_text()
    assert "Response models were not fitted" in report  # 4 patients: too few responders, said so, not a crash
    assert "orr" in proc.stdout


def test_model_on_any_patient_table(tmp_path) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    table = pd.DataFrame(
        {
            "USUBJID": [f"P{i}" for i in range(60)],
            "tmb": x,
            "noise": rng.normal(size=60),
            "response": (x + rng.normal(scale=0.5, size=60) > 0.4).astype(int),
        }
    )
    table.to_csv(tmp_path / "cohort.csv", index=False)
    proc = run(
        "model",
        tmp_path / "cohort.csv",
        "--out",
        tmp_path / "out",
        "--outcome",
        "response",
        "--features",
        "tmb,noise",
        "--repeats",
        "2",
        "--permutations",
        "5",
        "--refit-bootstrap",
        "10",
        "--jobs",
        "1",
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "report.json").is_file() and (tmp_path / "out" / "univariable.tsv").is_file()
    missing = run("model", tmp_path / "cohort.csv", "--out", tmp_path / "o2")
    assert missing.returncode == 2 and "--features is needed" in missing.stderr


def test_set_with_a_bad_value_names_the_key(write_vcf, write_bed, tmp_path) -> None:
    vcf = write_vcf([mutect_record("chr1", 100, "C", "T", csq_entries=[csq("T", "missense_variant")])])
    proc = run("tmb", vcf, "--targets", write_bed([("chr1", 0, 1000)]), "--set", "min_vaf=abc", "-o", tmp_path)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "min_vaf must be a number, got 'abc'" in lines[0]


def test_off_help_lists_every_switchable_filter() -> None:
    from biomarker.cli import TMB_OFF_NAMES
    from biomarker.tmb.params import SWITCHABLE

    assert sorted(TMB_OFF_NAMES) == sorted(SWITCHABLE)
    assert "--threads" not in run("tmb", "--help").stdout  # the deprecated alias is hidden


def test_out_defaults_to_tmb_results_and_jobs_alias(write_vcf, write_bed, tmp_path) -> None:
    vcf = write_vcf([mutect_record("chr1", 100, "C", "T", csq_entries=[csq("T", "missense_variant")])])
    bed = write_bed([("chr1", 0, 1_000_000)])
    proc = run_cli("tmb", vcf, "-t", bed, "--threads", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "--threads is deprecated; use -j/--jobs" in proc.stderr
    assert json.loads((tmp_path / "tmb_results" / "T1.tmb.json").read_text())["counted_variants"] == 1


def test_territory_stated_and_warnings_in_json(write_vcf, write_bed, tmp_path) -> None:
    vcf = write_vcf([mutect_record("chr1", 100, "C", "T", filt=".", csq_entries=[csq("T", "missense_variant")])])
    proc = run("tmb", vcf, "--territory-mb", "1.1", "--set", "count_unfiltered=true", "-o", tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "T1.tmb.json").read_text())
    assert doc["territory_bp"] == 1_100_000 and doc["territory_source"].startswith("stated")
    assert len(doc["warnings"]) == 2 and "warning:" in proc.stderr
    both = run("tmb", vcf, "--territory-mb", "1.1", "-t", write_bed([("chr1", 0, 10)]), "-o", tmp_path)
    assert both.returncode == 2 and "not both" in both.stderr


def test_tmb_cohort_writes_one_row_per_tumour_and_the_store(tmp_path) -> None:
    from biomarker.store import Store

    maf = tmp_path / "luad.maf"
    cols = [
        "Hugo_Symbol",
        "Chromosome",
        "Start_Position",
        "Reference_Allele",
        "Tumor_Seq_Allele2",
        "Variant_Classification",
        "Tumor_Sample_Barcode",
    ]
    rows = [["KRAS", "chr12", str(25245350 + i), "C", "A", "Missense_Mutation", f"T{i % 3}"] for i in range(7)]
    maf.write_text("\t".join(cols) + "\n" + "".join("\t".join(r) + "\n" for r in rows))
    proc = run("tmb-cohort", maf, "--territory-mb", "2", "-o", tmp_path / "out", "--store", tmp_path / "s.duckdb")
    assert proc.returncode == 0, proc.stderr
    table = (tmp_path / "out" / "luad.tmb.tsv").read_text().splitlines()
    assert [line.split("\t")[:4] for line in table[1:]] == [
        ["T0", "ok", "", "3"],
        ["T1", "ok", "", "2"],
        ["T2", "ok", "", "2"],
    ]
    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        assert sorted(store.table("tmb_results").tmb_per_mb) == [1.0, 1.0, 1.5]


def test_preset_all_shows_a_refusing_preset_as_a_row(write_vcf, write_bed, tmp_path) -> None:
    from tests.conftest import MUTECT_HEADER

    header = MUTECT_HEADER.replace("|COSMIC_CNT", "")  # standard VEP: COSV ids, no COSMIC counts
    entry = csq("T", "missense_variant")[:-1]
    vcf = write_vcf([mutect_record("chr1", 100, "C", "T", csq_entries=[entry])], header)
    proc = run(
        "tmb", vcf, "-t", write_bed([("chr1", 0, 1_000_000)]), "--preset", "all", "--off", "depth", "-o", tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    rows = {line.split("\t")[0]: line.split("\t") for line in (tmp_path / "T1.presets.tsv").read_text().splitlines()}
    assert rows["wes"][1] == "1" and rows["f1cdx"][7].startswith("refused: ") and "COSMIC" in rows["tso500"][7]


def test_a_plain_table_through_columns(tmp_path) -> None:
    table = tmp_path / "panel.csv"
    table.write_text(
        "Chr,Position,Ref,Alt,Sample,VAF,Depth,Effect\n"
        "chr12,25245350,C,A,P1,0.30,500,missense_variant\n"
        "chr7,55191822,T,G,P1,0.02,400,missense_variant\n"
        "chr17,7673802,C,T,P1,0.50,200,synonymous_variant\n"
    )
    proc = run(
        "tmb",
        table,
        "--territory-mb",
        "1.1",
        "--off",
        "population_af",
        "--off",
        "alt_depth",
        "--columns",
        "chrom=Chr,pos=Position,ref=Ref,alt=Alt,sample=Sample,vaf=VAF,depth=Depth,effect=Effect",
        "-o",
        tmp_path / "out",
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "out" / "P1.tmb.json").read_text())
    assert doc["counted_variants"] == 1 and doc["input_type"] == "table"
    assert doc["tmb_per_mb"] == round(1 / 1.1, 6)
    bad = run("tmb", table, "--territory-mb", "1.1", "--callable", table, "-o", tmp_path / "o2")
    assert bad.returncode == 2 and "--callable and --bam shrink a BED territory" in bad.stderr
