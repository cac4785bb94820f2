"""A batch killed with SIGKILL leaves no process and loses no finished result; names and cells are safe.

The kill test runs ``biomarker batch`` in its own session, kills the parent with SIGKILL once the first
result file exists, then checks that every process of the session (fork server, workers, resource tracker)
is gone within seconds, and that after the resumed run no temporary file is left in --out and the store rows
equal an uninterrupted run's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from biomarker.batch import run_batch
from biomarker.batch_resume import remove_leftovers
from biomarker.errors import InputError
from biomarker.files import FORMULA_STARTS, name_problem, output_path, safe_name, spreadsheet_safe
from biomarker.parent_watch import alive
from biomarker.run_log import RunLog
from biomarker.store import Store
from tests.cli_runner import run_cli
from tests.conftest import csq, mutect_record

COLUMNS = [
    "status",
    "preset",
    "input_sha256",
    "bed_sha256",
    "params_sha256",
    "counted_variants",
    "territory_bp",
    "tmb_per_mb",
    "tmb_ci95_low_per_mb",
    "tmb_ci95_high_per_mb",
    "tmb_high",
    "caller",
    "annotator",
]
N_SAMPLES = 4
N_RECORDS = 20_000


def session_processes(sid: int) -> list[int]:
    """Live (not zombie) processes of session ``sid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def results(db: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with Store(db, read_only=True) as store:
        rows = store.table("tmb_results").sort_values("sample").reset_index(drop=True)
        audit = store.table("tmb_filter_audit").sort_values(["sample", "filter"]).reset_index(drop=True)
    return rows, audit


def write_sheet(write_vcf, folder: Path, n_samples: int, n_records: int) -> Path:
    """``n_samples`` rows on one VCF of ``n_records`` counted SNVs (VAF 0.3)."""
    vcf = write_vcf(
        [
            mutect_record("chr1", 1000 + 10 * i, "C", "T", csq_entries=[csq("T", "missense_variant")])
            for i in range(n_records)
        ]
    )
    (folder / "t.bed").write_text(f"chr1\t0\t{1000 + 10 * n_records}\n")
    sheet = folder / "sheet.csv"
    sheet.write_text("sample,vcf,bed\n" + "".join(f"K{k},{vcf.name},t.bed\n" for k in range(n_samples)))
    return sheet


def kill_9_and_reap(proc: subprocess.Popen) -> None:
    """``kill -9`` the command (not its workers), then check that every process of its session ends by itself."""
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 15
    while session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert session_processes(proc.pid) == []


@pytest.fixture
def big_sheet(write_vcf, tmp_path) -> Path:
    """N_SAMPLES tumours of N_RECORDS variants each (about a second each: slow enough to kill)."""
    return write_sheet(write_vcf, tmp_path, N_SAMPLES, N_RECORDS)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")
def test_kill_9_leaves_no_process_and_the_resumed_store_equals_an_uninterrupted_run(big_sheet, tmp_path) -> None:
    out, db = tmp_path / "out", tmp_path / "s.duckdb"
    cmd = [
        sys.executable,
        "-m",
        "biomarker.cli",
        "batch",
        str(big_sheet),
        "--store",
        str(db),
        "--out",
        str(out),
        "-j",
        "2",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("*.tmb.json")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the batch ended before it could be killed"
    assert len(session_processes(proc.pid)) >= 3  # the batch, its fork server and its workers
    kill_9_and_reap(proc)
    assert "end" not in (out / "batch.log").read_text().splitlines()[-1].split()

    resumed = run_cli(*cmd[3:])  # the resumed run is killed by nobody: in this process
    assert resumed.returncode == 0, resumed.stderr
    assert not [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != ".territories"]
    got_rows, got_audit = results(db)
    assert len(got_rows) == N_SAMPLES
    # the uninterrupted reference: the same tumour computed once in this process, no worker involved
    (tmp_path / "one.csv").write_text("\n".join(big_sheet.read_text().splitlines()[:2]) + "\n")
    run_batch(tmp_path / "one.csv", tmp_path / "ref.duckdb", tmp_path / "ref", "wes")
    ref_rows, ref_audit = results(tmp_path / "ref.duckdb")
    assert ref_rows.loc[0, "counted_variants"] == N_RECORDS
    pd.testing.assert_frame_equal(got_rows[COLUMNS], pd.concat([ref_rows[COLUMNS]] * N_SAMPLES, ignore_index=True))
    want_audit = pd.concat([ref_audit.assign(sample=f"K{k}") for k in range(N_SAMPLES)], ignore_index=True)
    pd.testing.assert_frame_equal(got_audit, want_audit)


def test_finished_files_missing_from_the_store_are_adopted_not_recomputed(write_vcf, tmp_path) -> None:
    sheet = write_sheet(write_vcf, tmp_path, 2, 50)
    first = run_batch(sheet, tmp_path / "a.duckdb", tmp_path / "out", "wes")
    assert sorted(first.computed) == ["K0", "K1"]
    # the store lost (as after a kill -9 between a worker's last write and the commit): files are adopted,
    # and what killed workers could not remove is removed
    (tmp_path / "out" / ".tmb-killed").mkdir()
    (tmp_path / "out" / ".tmb-killed" / "variants.tsv").write_text("half\n")
    (tmp_path / "out" / ".K0.tmb.json.x1y2.tmp").write_text("{")
    again = run_batch(sheet, tmp_path / "b.duckdb", tmp_path / "out", "wes")
    assert again.computed == [] and sorted(again.recovered) == ["K0", "K1"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "K0.tmb.json",
        "K0.variants.tsv",
        "K1.tmb.json",
        "K1.variants.tsv",
        "batch.log",
        "biomarker_tmb_funnel_mqc.json",
        "biomarker_tmb_general_mqc.json",
        "biomarker_tmb_mqc.tsv",
        "tmb_results.tsv",
    ]
    assert "removed .tmb-killed, left by an interrupted run" in (tmp_path / "out" / "batch.log").read_text()
    for got, want in zip(results(tmp_path / "b.duckdb"), results(tmp_path / "a.duckdb"), strict=True):
        pd.testing.assert_frame_equal(got, want)
    # other parameters: the files do not match, so they are computed again
    changed = run_batch(sheet, tmp_path / "c.duckdb", tmp_path / "out", "wes", overrides={"min_vaf": 0.5})
    assert sorted(changed.computed) == ["K0", "K1"] and changed.recovered == []
    assert results(tmp_path / "c.duckdb")[0]["counted_variants"].tolist() == [0, 0]  # every VAF is 0.3


def test_a_dead_process_is_not_alive(tmp_path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert alive(os.getpid()) and not alive(child.pid)


@pytest.mark.parametrize(
    "name",
    ["../x", "/etc/x", "a/b", "a\\b", "..", "-x", ".hidden", "+x", "a\nb", "a\x00b", "a b", "a;b", "x" * 129, ""],
)
def test_unsafe_names_are_refused(name: str) -> None:
    assert name_problem(name) is not None
    with pytest.raises(InputError):
        safe_name(name)


@given(st.text(alphabet="abcXYZ019._+-", min_size=1, max_size=128))
def test_a_safe_name_stays_inside_out(name: str) -> None:
    if name_problem(name) is None:
        assert safe_name(name) == name
        assert output_path("out", name, ".tmb.json").parent == Path("out")
    else:
        assert name.startswith(("-", ".", "+")) or ".." in name


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none()))
def test_spreadsheet_cells_are_neutral_and_lose_nothing(value: object) -> None:
    safe = spreadsheet_safe(value)
    if not isinstance(value, str):
        assert safe is value  # numbers and missing values untouched
        return
    assert safe in (value, "'" + value)
    if safe != value:
        assert value.startswith(FORMULA_STARTS)
    elif value.startswith(FORMULA_STARTS):
        float(value.rstrip("%")) if value not in ("-", "+") else None  # only plain numbers pass unchanged


@given(st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)))
def test_numbers_written_as_text_stay_numbers(value: float) -> None:
    assert spreadsheet_safe(repr(value)) == repr(value)  # negative numbers written as text are not formulas


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("-1.5", "-1.5"),
        ("-12.5", "-12.5"),
        ("+3e-2", "+3e-2"),
        ("-", "-"),
        ("55%", "55%"),
        ("TAX-201", "TAX-201"),
    ],
)
def test_owasp_examples(cell: str, want: str) -> None:
    assert spreadsheet_safe(cell) == want


def test_samplesheet_spellings_and_refusals(tmp_path) -> None:
    from biomarker.tmb.samplesheet import read_samplesheet

    sheet = tmp_path / "s.csv"
    sheet.write_bytes(b"\xef\xbb\xbf Sample ;VCF;Patient\r\nS1;a.vcf;P1\r\n;;\r\nS2;b.vcf;\r\n")
    rows = read_samplesheet(sheet)
    assert [(r.sample, r.vcf, r.patient) for r in rows] == [
        ("S1", tmp_path / "a.vcf", "P1"),
        ("S2", tmp_path / "b.vcf", "S2"),
    ]
    sheet.write_text("sample,vcf\nTumour-1,a.vcf\ntumour-1,b.vcf\n")
    with pytest.raises(InputError, match=r"line 3: samples 'Tumour-1' \(line 2\) and 'tumour-1' differ only in case"):
        read_samplesheet(sheet)
    sheet.write_bytes("sample,vcf\nS\xe9,a.vcf\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"not UTF-8 text .*save it as 'CSV UTF-8'"):
        read_samplesheet(sheet)
    sheet.write_text("sample,vcf\n")
    with pytest.raises(InputError, match=r"no samples \(only a header\)"):
        read_samplesheet(sheet)
    with pytest.raises(InputError, match="not a file"):
        read_samplesheet(tmp_path)


@given(st.text(max_size=40))
def test_output_path_never_leaves_the_folder(name: str) -> None:
    try:
        path = output_path("/srv/out", name, ".tmb.json")
    except InputError:
        return
    assert os.path.dirname(os.path.normpath(path)) == "/srv/out" and path.name == name + ".tmb.json"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")
def test_kill_9_of_tmb_with_jobs_leaves_no_worker_and_nothing_outside_out(write_vcf, tmp_path) -> None:
    """No worker outlives the command; its part files were inside its ``OUT/.tmb-*`` work folder (nothing in the
    system temporary folder), which the next batch's leftover cleaning removes."""
    records = [
        mutect_record(chrom, 1000 + 10 * i, "C", "T", csq_entries=[csq("T", "missense_variant")])
        for chrom in ("chr1", "chr2")
        for i in range(N_RECORDS)
    ]
    vcf = write_vcf(records, bgzip=True)
    (tmp_path / "t.bed").write_text(f"chr1\t0\t{1000 + 10 * N_RECORDS}\nchr2\t0\t{1000 + 10 * N_RECORDS}\n")
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    cmd = [
        sys.executable,
        "-m",
        "biomarker.cli",
        "tmb",
        str(vcf),
        "--targets",
        str(tmp_path / "t.bed"),
        "--jobs",
        "2",
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "TMPDIR": str(tmp)},
    )
    deadline = time.monotonic() + 120
    while len(session_processes(proc.pid)) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "tmb ended before it could be killed"
    kill_9_and_reap(proc)
    assert [p.parent.parent for p in out.glob(".tmb-*/.tmb-parts-*")] == [out]  # made before the workers start
    assert not list(tmp.glob(".tmb-*"))  # nothing of ours left in the system temporary folder
    with RunLog(out / "batch.log", "batch") as run:
        remove_leftovers(out, run)
    assert not list(out.glob(".tmb-*"))
