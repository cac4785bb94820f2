#!/usr/bin/env python
"""Paired rounds: the htslib parse floor, ``biomarker tmb`` and ``biomarker tmb -j 2``, one after the other, R times.

On a shared or virtual machine whose speed drifts from minute to minute, rows timed one after the other (as
hyperfine does) can each land in a different minute. Here every round runs the three commands back to back, and
the ratio to the floor is taken within each round; the medians of those ratios are reported, with each command's
median wall time and peak RSS (GNU time).

Usage::

    python benchmarks/paired_tmb_bench.py F.vcf.gz exome.bed [--rounds 7] [--biomarker PATH] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run of ``cmd`` under GNU time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as rss:
        start = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], check=True, capture_output=True)
        wall = time.perf_counter() - start
        return wall, int(Path(rss.name).read_text().split()[-1]) / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vcf")
    ap.add_argument("bed")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--biomarker", default=shutil.which("biomarker") or "biomarker")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    out = Path(tempfile.mkdtemp(prefix="paired-"))
    tmb = [args.biomarker, "tmb", args.vcf, "--targets", args.bed, "--preset", "pytmb-wes"]
    rows = {
        "floor": ["bcftools", "view", "-Ou", "-o", "/dev/null", args.vcf],
        "tmb": [*tmb, "--out", str(out / "a")],
        "tmb_j2": [*tmb, "-j", "2", "--out", str(out / "b")],
    }
    for cmd in rows.values():  # warm the page cache and the imports
        subprocess.run(cmd, check=True, capture_output=True)
    walls: dict[str, list[float]] = {k: [] for k in rows}
    peaks: dict[str, float] = dict.fromkeys(rows, 0.0)
    for _ in range(args.rounds):
        for name, cmd in rows.items():
            wall, rss = timed(cmd)
            walls[name].append(wall)
            peaks[name] = max(peaks[name], rss)
    ratios = {k: statistics.median(w / f for w, f in zip(walls[k], walls["floor"], strict=True)) for k in rows}
    report = {
        "file": args.vcf,
        "rounds": args.rounds,
        "median_wall_s": {k: round(statistics.median(v), 3) for k, v in walls.items()},
        "median_ratio_to_floor": {k: round(v, 3) for k, v in ratios.items()},
        "peak_rss_mib": {k: round(v, 1) for k, v in peaks.items()},
        "walls_s": {k: [round(x, 3) for x in v] for k, v in walls.items()},
    }
    text = json.dumps(report, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
