#!/usr/bin/env python3
"""Batch TMB benchmark: N simulated WES tumours at -j 1, -j 2 and on a Dask LocalCluster of 2 workers.

    .venv/bin/python benchmarks/batch_bench.py --patients 200
    .venv/bin/python benchmarks/batch_bench.py --heavy 16   # 16 x the 100k-record Mutect2 + VEP file

Simulates the study once (benchmarks/data/batch_<N>/, git-ignored), then times each configuration
into a fresh store with /usr/bin/time -v (wall, peak RSS of the whole process tree). Parallel
efficiency = wall(-j 1) / (2 * wall(-j 2)). Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent / "biomarker"


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command, from GNU time."""
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, check=True)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", proc.stderr).group(1)
    parts = [float(x) for x in wall.split(":")]
    seconds = sum(p * 60**i for i, p in enumerate(reversed(parts)))
    rss_kb = float(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    return seconds, rss_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--heavy",
        type=int,
        default=0,
        help="instead: this many copies of benchmarks/data/m2vep_100k.vcf.gz (make it first with "
        "run_tmb_bench.sh 100k), as tumours of realistic WES size",
    )
    args = parser.parse_args()
    if args.heavy:
        study = HERE / "data" / f"batch_heavy_{args.heavy}"
        study.mkdir(parents=True, exist_ok=True)
        vcf, bed = HERE / "data" / "m2vep_100k.vcf.gz", HERE / "data" / "exome.bed"
        rows = "".join(f"P{i},S{i:03d},{vcf},{bed}\n" for i in range(args.heavy))
        (study / "samplesheet.csv").write_text("patient,sample,vcf,bed\n" + rows)
        what = f"{args.heavy} tumours of 100,000 Mutect2 + VEP records each (the same file, named apart)"
    else:
        study = HERE / "data" / f"batch_{args.patients}"
        if not (study / "samplesheet.csv").is_file():
            subprocess.run(
                [str(BIN), "simulate", str(study), "--patients", str(args.patients), "--seed", str(args.seed)],
                check=True,
            )
        what = f"{{n}} tumours ({args.patients} patients, simulated WES, 35 Mb capture)"
    n = len((study / "samplesheet.csv").read_text().splitlines()) - 1
    rows = []
    for label, extra in (
        ("-j 1", ["-j", "1"]),
        ("-j 2", ["-j", "2"]),
        ("Dask LocalCluster, 2 workers", ["-j", "2", "--scheduler", "local"]),
    ):
        work = Path(tempfile.mkdtemp(prefix="batch-bench-"))
        cmd = [
            str(BIN),
            "batch",
            str(study / "samplesheet.csv"),
            "--store",
            str(work / "s.duckdb"),
            "--out",
            str(work / "tmb"),
            *extra,
        ]
        wall, rss = timed(cmd)
        rows.append((label, wall, rss))
        shutil.rmtree(work)
    base = rows[0][1]
    print(what.format(n=n) + "\n")
    print("| configuration | wall (s) | tumours/s | parallel efficiency | peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|")
    for label, wall, rss in rows:
        eff = "-" if label == "-j 1" else f"{base / (2 * wall):.2f}"
        print(f"| {label} | {wall:.1f} | {n / wall:.1f} | {eff} | {rss:.0f} |")


if __name__ == "__main__":
    main()
