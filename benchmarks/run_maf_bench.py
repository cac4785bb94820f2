#!/usr/bin/env python
"""Cohort MAF benchmark: ``biomarker tmb-cohort --preset maftools`` against maftools and a bare pandas groupby.

All contenders read the same MAF in the same run (hyperfine wall median, GNU ``/usr/bin/time`` peak RSS);
ratios are to the bare pandas groupby (``bare_pandas_maf.py``). R ``maftools::tmb()`` runs when R has
maftools (Debian does not package it: then the row says so). The answers are checked against the
generator's truth (``make_maf.py`` writes ``STEM.truth.tsv``), so a speed-up never hides a wrong count.

Usage::

    python benchmarks/make_maf.py --tumours 10000 --rows 3000000 --out benchmarks/data/cohort.maf.gz
    python benchmarks/run_maf_bench.py --maf benchmarks/data/cohort.maf.gz --runs 3

Writes ``results/tmb_cohort_<label>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = os.environ.get("BENCH_PYTHON", str(REPO / ".venv" / "bin" / "python"))
BIOMARKER = os.environ.get("BENCH_BIOMARKER", str(REPO / ".venv" / "bin" / "biomarker"))


def has_maftools() -> bool:
    if not shutil.which("Rscript"):
        return False
    p = subprocess.run(["Rscript", "-e", "library(maftools)"], capture_output=True, text=True)
    return p.returncode == 0


def timed(name: str, cmd: str, runs: int, raw: Path) -> dict:
    rss_log = raw / f"{name}.rss"
    rss_log.unlink(missing_ok=True)
    js = raw / f"{name}.json"
    wrapped = f"/usr/bin/time -f %M -a -o {rss_log} sh -c {shlex.quote(cmd + ' > ' + str(raw / (name + '.out')))}"
    p = subprocess.run(
        [
            "hyperfine",
            "--style",
            "basic",
            "--runs",
            str(runs),
            "--warmup",
            "0",
            "--export-json",
            str(js),
            "-n",
            name,
            wrapped,
        ],
        capture_output=True,
        text=True,
    )
    print(p.stdout[-800:], flush=True)
    if p.returncode != 0:
        return {"name": name, "cmd": cmd, "failed": (p.stderr or p.stdout).strip()[-300:]}
    res = json.loads(js.read_text())["results"][0]
    rss = [int(x) for x in rss_log.read_text().split() if x.isdigit()]
    return {
        "name": name,
        "cmd": cmd,
        "median_s": res["median"],
        "user_s": res["user"],
        "system_s": res["system"],
        "runs": len(res["times"]),
        "peak_rss_mb": round(max(rss) / 1024, 1) if rss else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--maf", required=True)
    ap.add_argument("--label", default="10k_3m")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    maf = os.path.abspath(args.maf)
    raw = HERE / "results" / "raw" / f"cohort_{args.label}"
    raw.mkdir(parents=True, exist_ok=True)
    q = shlex.quote
    cmds = {
        "pandas_groupby": f"{PY} {HERE}/bare_pandas_maf.py {q(maf)} --out {raw}/pandas.tsv",
        "biomarker": f"{BIOMARKER} tmb-cohort {q(maf)} --preset maftools -o {raw}/bm",
    }
    maftools = has_maftools()
    if maftools:
        cmds["maftools"] = f"Rscript {HERE}/maftools_tmb.R {q(maf)} {raw}/maftools.tsv"
    subprocess.run(f"cat {q(maf)} > /dev/null", shell=True)
    rows = [timed(name, cmd, args.runs, raw) for name, cmd in cmds.items()]
    anchor = next((r["median_s"] for r in rows if r["name"] == "pandas_groupby" and "median_s" in r), None)
    for r in rows:
        if anchor and "median_s" in r:
            r["vs_pandas"] = round(r["median_s"] / anchor, 2)
    # answers against the truth the generator wrote
    import pandas as pd

    truth_path = Path(maf).with_name(Path(maf).name.split(".")[0] + ".truth.tsv")
    answers = {}
    if truth_path.exists():
        truth = pd.read_csv(truth_path, sep="\t").set_index("sample")["maftools_count"]
        ours = pd.read_csv(next((raw / "bm").glob("*.tmb.tsv")), sep="\t").set_index("sample")["counted_variants"]
        bare = pd.read_csv(raw / "pandas.tsv", sep="\t").set_index("sample")["count"]
        answers = {
            "tumours": len(truth),
            "biomarker_equals_truth": bool((ours.reindex(truth.index) == truth).all()),
            "pandas_equals_truth": bool((bare.reindex(truth.index) == truth).all()),
        }
    report = {
        "label": args.label,
        "maf": maf,
        "maf_bytes": os.path.getsize(maf),
        "rows": rows,
        "maftools": "ran"
        if maftools
        else "not installable: Debian has no maftools package (R is there); "
        "compared with a bare pandas groupby instead",
        "answers": answers,
        "loadavg": Path("/proc/loadavg").read_text().strip(),
    }
    lines = [
        "| contender | wall median (s) | vs pandas | user+sys (s) | peak RSS (MB) | runs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "failed" in r:
            lines.append(f"| {r['name']} | failed: {r['failed'][:80]} | | | | |")
        else:
            lines.append(
                f"| {r['name']} | {r['median_s']:.2f} | {r.get('vs_pandas', '')}x | "
                f"{r['user_s'] + r['system_s']:.2f} | {r['peak_rss_mb']} | {r['runs']} |"
            )
    md = "\n".join(
        [
            f"### Cohort MAF TMB, {args.label}",
            "",
            *lines,
            "",
            f"maftools: {report['maftools']}",
            f"answers: {answers}",
            "",
        ]
    )
    (HERE / "results" / f"tmb_cohort_{args.label}.json").write_text(json.dumps(report, indent=1) + "\n")
    (HERE / "results" / f"tmb_cohort_{args.label}.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
