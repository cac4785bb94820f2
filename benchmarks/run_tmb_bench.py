#!/usr/bin/env python
"""TMB benchmark driver: the same VCF.gz, every contender, one run.

Times with hyperfine (wall median over ``--runs``) and records the peak RSS of every
run through GNU ``/usr/bin/time -f %M``; reports the ratio of each median to the
htslib parse floor (``bcftools view -Ou -o /dev/null FILE``: decompress + parse, no text
output) measured in the same run (``view -H | wc -l`` mostly measures text formatting).

Rows (``--rows`` picks a subset, in this order):

  floor         bcftools view -H FILE | wc -l                      (the "htslib floor" DESIGN.md uses)
  decompress    bgzip -dc FILE | wc -l                             (BGZF inflate only: a harder floor)
  htslib_parse  bcftools view -Ou -o /dev/null FILE                (htslib VCF parse, no text formatting)
  pysam         bare_pysam_loop.py --level split                   (the same loop as "bare", through pysam)
  cyvcf2_iter   bare_cyvcf2_loop.py --level iter                   (iteration alone)
  bare          bare_cyvcf2_loop.py --level split                  (FILTER, tumour AF/AD/DP, CSQ split into transcripts)
  bare_fields   bare_cyvcf2_loop.py --level fields                 (+ every transcript split into its 56 fields)
  pytmb         pyTMB 1.6.0, WES flags, configs/pytmb_vep_csq.yml  (a dbConfig that reads raw CSQ)
  pytmb_shipped pyTMB 1.6.0, WES flags, its shipped config/vep.yml (consequence filters inert on raw CSQ)
  biomarker     biomarker tmb FILE --targets BED --preset pytmb-wes --out DIR
  biomarker_j2  the same with -j 2

Optional rows, by name only: cyvcf2_filter, cyvcf2_format, cyvcf2_csq (the bare loop
stopped after FILTER, after tumour AF/AD/DP, after fetching the CSQ string).

Plus, unless ``--no-startup``: cold-process import times (``python -c 'import X'``),
``pyTMB --version`` and ``biomarker --help``.

Writes ``results/tmb_<label>.json`` and ``results/tmb_<label>.md`` (hyperfine JSON and
RSS logs under ``results/raw/``, git-ignored).

Usage::

    python benchmarks/run_tmb_bench.py --vcf benchmarks/data/m2vep_100k.vcf.gz \
        --bed benchmarks/data/exome.bed --label 100k --runs 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = os.environ.get("BENCH_PYTHON", str(REPO / ".venv" / "bin" / "python"))
BIOMARKER = os.environ.get("BENCH_BIOMARKER", str(REPO / ".venv" / "bin" / "biomarker"))
PYTMB_VENV = Path(os.environ.get("PYTMB_VENV", HERE / ".venv-pytmb"))
PYTMB = str(PYTMB_VENV / "bin" / "pyTMB")
PYTMB_WES = (
    "--vaf 0.05 --minDepth 20 --minAltDepth 2 --filterLowQual --filterNonCoding --filterSyn "
    "--maf 0.001 --filterPolym --polymDb gnomad"
)
ROWS = [
    "floor",
    "decompress",
    "htslib_parse",
    "cyvcf2_iter",
    "pysam",
    "bare",
    "bare_fields",
    "pytmb",
    "pytmb_shipped",
    "biomarker",
    "biomarker_j2",
]
IMPORTS = ["pysam", "cyvcf2", "numpy", "pandas", "scipy.stats", "seaborn", "sklearn", "biomarker", "biomarker.tmb"]


def sh(cmd: str) -> str:
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=120).stdout.strip()
    except Exception as exc:  # pragma: no cover
        return f"error: {exc}"


def pytmb_config_dir() -> Path:
    out = sh(f"{PYTMB_VENV}/bin/python -c 'import pytmb,os;print(os.path.dirname(os.path.dirname(pytmb.__file__)))'")
    return Path(out) / "config"


def commands(vcf: str, bed: str, outdir: Path, tumor: str) -> dict[str, str]:
    q = shlex.quote
    cfg = pytmb_config_dir()
    pytmb_common = f"{PYTMB} -i {q(vcf)} --varConfig {cfg}/mutect2.yml --sample {tumor} --bed {q(bed)} {PYTMB_WES}"
    return {
        "floor": f"bcftools view -H {q(vcf)} | wc -l",
        "decompress": f"bgzip -dc {q(vcf)} | wc -l",
        "htslib_parse": f"bcftools view -Ou -o /dev/null {q(vcf)}",
        "pysam": f"{PY} {HERE}/bare_pysam_loop.py {q(vcf)} --level split",
        "cyvcf2_iter": f"{PY} {HERE}/bare_cyvcf2_loop.py {q(vcf)} --level iter",
        "bare": f"{PY} {HERE}/bare_cyvcf2_loop.py {q(vcf)} --level split",
        # optional rows (not in the default set): the bare loop built up one step at a time
        "cyvcf2_filter": f"{PY} {HERE}/bare_cyvcf2_loop.py {q(vcf)} --level filter",
        "cyvcf2_format": f"{PY} {HERE}/bare_cyvcf2_loop.py {q(vcf)} --level format",
        "cyvcf2_csq": f"{PY} {HERE}/bare_cyvcf2_loop.py {q(vcf)} --level csq",
        "bare_fields": f"{PY} {HERE}/bare_cyvcf2_loop.py {q(vcf)} --level fields",
        "pytmb": f"{pytmb_common} --dbConfig {HERE}/configs/pytmb_vep_csq.yml",
        "pytmb_shipped": f"{pytmb_common} --dbConfig {cfg}/vep.yml",
        "biomarker": f"{BIOMARKER} tmb {q(vcf)} --targets {q(bed)} --preset pytmb-wes --out {outdir}/bm1",
        "biomarker_j2": (f"{BIOMARKER} tmb {q(vcf)} --targets {q(bed)} --preset pytmb-wes -j 2 --out {outdir}/bm2"),
    }


def machine() -> dict:
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem": sh("grep MemTotal /proc/meminfo | awk '{printf \"%.0f GiB\", $2/1048576}'"),
        "kernel": platform.release(),
        "python": sh(f"{PY} -V"),
        "bcftools": sh("bcftools --version | head -1"),
        "htslib (bcftools)": sh("bcftools --version | sed -n 2p"),
        "cyvcf2": sh(f"{PY} -c 'import cyvcf2;print(cyvcf2.__version__)'"),
        "pysam": sh(f"{PY} -c 'import pysam;print(pysam.__version__)'"),
        "pyTMB": sh(f"{PYTMB} --version"),
        "pyTMB cyvcf2": sh(f"{PYTMB_VENV}/bin/python -c 'import cyvcf2;print(cyvcf2.__version__)'"),
        "biomarker": sh(f"{PY} -c 'import biomarker;print(biomarker.__version__)'"),
        "biomarker_src_sha256": sh(f"cd {REPO} && cat $(find biomarker -name '*.py' | sort) | sha256sum | cut -c1-12"),
        "git": sh(f"git -C {REPO} rev-parse --short HEAD 2>/dev/null") or "uncommitted",
        "hyperfine": sh("hyperfine --version"),
        "loadavg_start": sh("cat /proc/loadavg"),
    }


def file_facts(vcf: str, bed: str) -> dict:
    facts = {"vcf": vcf, "vcf_gz_bytes": os.path.getsize(vcf), "bed": bed}
    stats = Path(vcf.replace(".vcf.gz", ".stats.tsv"))
    if stats.exists():
        for line in stats.read_text().splitlines():
            k, _, v = line.partition("\t")
            facts[k] = v
    bp = 0
    n = 0
    with open(bed) as fh:
        for line in fh:
            f = line.split("\t")
            if len(f) >= 3 and not line.startswith(("#", "track", "browser")):
                bp += int(f[2]) - int(f[1])
                n += 1
    facts["bed_intervals"] = n
    facts["bed_bp"] = bp
    return facts


def hyperfine(name: str, cmd: str, runs: int, warmup: int, raw: Path, nice: int) -> dict:
    rss_log = raw / f"{name}.rss"
    rss_log.unlink(missing_ok=True)
    out_log = raw / f"{name}.out"  # stdout of the last run: what the tool answered
    timed = f"/usr/bin/time -f %M -a -o {rss_log} sh -c {shlex.quote(cmd + ' > ' + str(out_log))}"
    if nice:
        timed = f"nice -n {nice} {timed}"
    js = raw / f"{name}.json"
    hf = [
        "hyperfine",
        "--style",
        "basic",
        "--runs",
        str(runs),
        "--warmup",
        str(warmup),
        "--export-json",
        str(js),
        "-n",
        name,
        timed,
    ]
    print(f"\n## {name}: {cmd}", flush=True)
    p = subprocess.run(hf, text=True, capture_output=True)
    sys.stdout.write(p.stdout[-1500:])
    if p.returncode != 0:
        err = (p.stderr or p.stdout).strip().splitlines()
        # show the command's own error once, outside hyperfine
        own = subprocess.run(cmd, shell=True, capture_output=True, text=True)
        msg = (own.stderr or own.stdout).strip().splitlines()[-3:] or err[-3:]
        print(f"   FAILED: {' | '.join(msg)}", flush=True)
        return {"name": name, "cmd": cmd, "failed": " | ".join(msg)}
    res = json.loads(js.read_text())["results"][0]
    rss = [int(x) for x in rss_log.read_text().split() if x.isdigit()]
    return {
        "name": name,
        "cmd": cmd,
        "median_s": res["median"],
        "mean_s": res["mean"],
        "min_s": res["min"],
        "max_s": res["max"],
        "stddev_s": res.get("stddev"),
        "user_s": res["user"],
        "system_s": res["system"],
        "runs": len(res["times"]),
        "peak_rss_mb": round(max(rss) / 1024, 1) if rss else None,
    }


def startup(raw: Path, runs: int) -> list[dict]:
    out = []
    cmds = [(f"import {m}", f"{PY} -c 'import {m}'") for m in IMPORTS]
    cmds.append(("python -c pass", f"{PY} -c pass"))
    cmds.append(("pyTMB --version", f"{PYTMB} --version"))
    cmds.append(("biomarker --help", f"{BIOMARKER} --help"))
    cmds.append(("biomarker tmb --help", f"{BIOMARKER} tmb --help"))
    for name, cmd in cmds:
        js = raw / "startup.json"
        p = subprocess.run(
            [
                "hyperfine",
                "--style",
                "none",
                "-N",
                "--warmup",
                "1",
                "--runs",
                str(runs),
                "--export-json",
                str(js),
                "-i",
                cmd,
            ],
            text=True,
            capture_output=True,
        )
        if p.returncode != 0:
            out.append({"name": name, "cmd": cmd, "failed": p.stderr.strip()[-200:]})
            continue
        res = json.loads(js.read_text())["results"][0]
        out.append({"name": name, "cmd": cmd, "median_s": round(res["median"], 3)})
        print(f"   {name:24s} {res['median']:.3f} s", flush=True)
    return out


def counts(outdir: Path) -> dict:
    """What each tool counted (so a speed-up never hides a different answer)."""
    found = {}
    for d in ("bm1", "bm2"):
        for js in sorted((outdir / d).glob("*.tmb.json")) if (outdir / d).exists() else []:
            try:
                data = json.loads(js.read_text())
                keys = ("tmb_per_mb", "counted_variants", "territory_bp", "records", "alleles")
                found[d] = {k: data.get(k) for k in keys if k in data}
            except Exception:  # pragma: no cover
                pass
    return found


def fmt_table(rows: list[dict], floor: float | None) -> str:
    lines = [
        "| contender | wall median (s) | vs floor | user+sys (s) | peak RSS (MB) | runs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "failed" in r:
            lines.append(f"| {r['name']} | failed: {r['failed'][:80]} | | | | |")
            continue
        ratio = f"{r['median_s'] / floor:.2f}x" if floor else ""
        lines.append(
            f"| {r['name']} | {r['median_s']:.2f} | {ratio} | {r['user_s'] + r['system_s']:.2f} | "
            f"{r['peak_rss_mb']} | {r['runs']} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vcf", required=True)
    ap.add_argument("--bed", required=True)
    ap.add_argument("--label", required=True, help="e.g. 10k, 100k, 1m")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--rows", default=",".join(ROWS), help="comma-separated subset of " + ",".join(ROWS))
    ap.add_argument("--tumor", default="TUMOR_S1")
    ap.add_argument("--nice", type=int, default=0, help="run contenders under nice -n N")
    ap.add_argument("--no-startup", action="store_true")
    ap.add_argument("--startup-runs", type=int, default=10)
    args = ap.parse_args(argv)

    for tool in ("hyperfine", "bcftools", "/usr/bin/time"):
        if not shutil.which(tool):
            sys.exit(f"missing {tool}: apt-get install -y hyperfine bcftools tabix time")
    results_dir = HERE / "results"
    raw = results_dir / "raw" / args.label
    raw.mkdir(parents=True, exist_ok=True)
    outdir = raw / "out"
    outdir.mkdir(exist_ok=True)

    vcf = os.path.abspath(args.vcf)
    bed = os.path.abspath(args.bed)
    report = {
        "label": args.label,
        "machine": machine(),
        "file": file_facts(vcf, bed),
        "runs": args.runs,
        "warmup": args.warmup,
        "nice": args.nice,
        "rows": [],
    }
    print(json.dumps(report["machine"], indent=1))
    print(json.dumps(report["file"], indent=1))
    cmds = commands(vcf, bed, outdir, args.tumor)
    sh(f"cat {shlex.quote(vcf)} {shlex.quote(bed)} > /dev/null")  # page cache warm for every row alike
    wanted = [r for r in args.rows.split(",") if r]
    for name in wanted:
        if name not in cmds:
            sys.exit(f"unknown row {name}; choose from {list(cmds)}")
        report["rows"].append(hyperfine(name, cmds[name], args.runs, args.warmup, raw, args.nice))
    floor = next((r["median_s"] for r in report["rows"] if r["name"] == "htslib_parse" and "median_s" in r), None)
    for r in report["rows"]:
        if floor and "median_s" in r:
            r["vs_floor"] = round(r["median_s"] / floor, 2)
    # outputs of each tool, for the record
    report["answers"] = {"biomarker": counts(outdir)}
    for name in ("pytmb", "pytmb_shipped"):
        if name in wanted and (raw / f"{name}.out").exists():
            txt = (raw / f"{name}.out").read_text().splitlines()
            report["answers"][name] = [
                t.strip() for t in txt if t.startswith(("TMB=", "Variants after filters=", "  "))
            ]
    for name in ("bare", "pysam", "bare_fields"):
        if name in wanted and (raw / f"{name}.out").exists():
            report["answers"][name] = (raw / f"{name}.out").read_text().strip()
    if not args.no_startup:
        print("\n## start-up (cold process, hyperfine median)")
        report["startup"] = startup(raw, args.startup_runs)
    report["machine"]["loadavg_end"] = sh("cat /proc/loadavg")

    table = fmt_table(report["rows"], floor)
    md = [f"### TMB benchmark, {args.label} records ({report['machine']['date_utc']} UTC)", "", table, ""]
    if report.get("startup"):
        md += ["| start-up (fresh process) | median (s) |", "|---|---:|"]
        md += [f"| `{s['name']}` | {s.get('median_s', 'failed')} |" for s in report["startup"]]
        md.append("")
    md += ["Commands:", "", "```"] + [f"{r['name']}: {r['cmd']}" for r in report["rows"]] + ["```", ""]
    (results_dir / f"tmb_{args.label}.json").write_text(json.dumps(report, indent=1) + "\n")
    (results_dir / f"tmb_{args.label}.md").write_text("\n".join(md) + "\n")
    print("\n" + "\n".join(md))
    print(json.dumps(report["answers"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
