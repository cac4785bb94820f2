"""A `biomarker tmb --jobs 2` killed with kill -9 leaves its parts inside its OUT work folder, nothing in the
system temporary folder, and the next batch's leftover cleaning removes that folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from biomarker.batch_resume import remove_leftovers
from biomarker.run_log import RunLog
from tests.conftest import csq, mutect_record


def _parts_folders(out: Path) -> list[Path]:
    return [p for work in out.glob(".tmb-*") for p in work.glob(".tmb-parts-*")]


def test_a_killed_parallel_run_leaks_nothing_outside_out(write_vcf, write_bed, tmp_path) -> None:
    lines = [mutect_record(chrom, 1000 + 7 * i, "C", "T", csq_entries=[csq("T", "missense_variant")])
             for chrom in ("chr1", "chr2", "chr12") for i in range(20000)]
    vcf = write_vcf(lines, bgzip=True)
    bed = write_bed([(c, 0, 200_000) for c in ("chr1", "chr2", "chr12")])
    tmp, out = tmp_path / "tmp", tmp_path / "out"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen([sys.executable, "-m", "biomarker.cli", "tmb", str(vcf), "--targets", str(bed),
                             "--jobs", "2", "--out", str(out)], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while proc.poll() is None and not _parts_folders(out):
            time.sleep(0.002)
        seen = _parts_folders(out)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert seen, f"the run ended before its parts folder was seen (exit {proc.returncode}): {proc.stderr.read()!r}"
    assert proc.returncode == -signal.SIGKILL
    assert not list(tmp.glob(".tmb-parts-*"))  # nothing in the system temporary folder
    assert [p.parent.parent for p in seen] == [out]  # the parts folder was inside OUT/.tmb-*
    with RunLog(out / "batch.log", "batch") as run:
        remove_leftovers(out, run)
    assert not list(out.glob(".tmb-*"))
