"""Benchmark (not a test): SBS96 catalogues + signature exposures for simulated WES tumours, vs SigProfilerAssignment.

    .venv/bin/python benchmarks/signatures_bench.py [--tumours 100] [--repeat 10] [--spa 100] [--data DIR]

Setup (not timed): ``--tumours`` distinct simulated WES tumours (35 Mb synthetic exome, TMB log-normal
around 8 mut/Mb, signature mixtures planted by smoking status, Mutect2 + VEP VCF.gz), their reference
FASTA, the planted SBS96 matrix, and a samplesheet listing every VCF ``--repeat`` times under distinct
sample names (``tumours x repeat`` catalogue runs, 1,000 by default).

Timed, whole process, peak RSS by GNU time:

- ``anchor``: ``bcftools view -Ou -o /dev/null`` over every samplesheet row (the htslib parse floor);
- ``biomarker``: ``biomarker genomic samplesheet.csv --fasta ... --signatures ...`` (counted SNVs: the
  TMB filter chain per tumour, then the catalogue, NNLS and 200 bootstrap refits per tumour);
- ``biomarker_fit_only``: our NNLS + 200 bootstrap refits on the same catalogues SigProfilerAssignment gets;
- ``spa_default`` / ``spa_no_penalty``: SigProfilerAssignment ``cosmic_fit`` on the first ``--spa``
  catalogues that ``biomarker`` wrote, with the same matrix, default add/remove penalties and with them
  at 0 (plain NNLS over all signatures), ``cpu=2``; exposures compared with ours (max |difference| of
  fractions over tumours and signatures).

Writes ``benchmarks/results/signatures.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def make_data(folder: Path, n: int, repeat: int, seed: int) -> Path:
    """Write the tumours, FASTA, matrix and samplesheet (skipped when the samplesheet exists)."""
    from biomarker.simulate.fasta import write_reference_fasta
    from biomarker.simulate.genome import build_exome, write_bed
    from biomarker.simulate.signatures import draw_mixture, signature_matrix, write_signature_matrix
    from biomarker.simulate.somatic import TumourPlanner
    from biomarker.simulate.somatic_vcf import write_vcf

    sheet = folder / f"samplesheet_{n}x{repeat}.csv"
    if sheet.exists():
        return sheet
    folder.mkdir(parents=True, exist_ok=True)
    exome = build_exome(35.0)
    bed = write_bed(exome, folder / "exome.bed")
    planner = TumourPlanner(exome)
    w = signature_matrix()
    rng = np.random.default_rng(seed)
    sites, truth = [], []
    for i in range(n):
        smoker = bool(rng.random() < 0.7)
        mix = draw_mixture(rng, smoker)
        target = max(20, round(float(rng.lognormal(np.log(8.0), 0.6)) * exome.territory_bp / 1e6))
        recs = planner.plan(rng, target, 1.0, [], sbs=w @ mix)
        sites += [(r.contig, r.pos, len(r.ref)) for r in recs]
        write_vcf(recs, folder / "vcf" / f"T{i:04d}.vcf.gz", f"T{i:04d}", f"N{i:04d}")
        truth.append({"tumour": f"T{i:04d}", "smoker": smoker, **{f"planted_{k}": float(x) for k, x in enumerate(mix)}})
        print(f"\rtumour {i + 1}/{n}", end="", file=sys.stderr)
    print(file=sys.stderr)
    write_reference_fasta(exome, sites, folder / "genome.fa.gz")
    write_signature_matrix(folder / "sbs96.tsv")
    pd.DataFrame(truth).to_csv(folder / "truth.csv", index=False)
    rows = [
        (f"P{i:04d}-{r}", f"T{i:04d}-r{r}", f"vcf/T{i:04d}.vcf.gz", bed.name, "tumor_normal")
        for r in range(repeat)
        for i in range(n)
    ]
    pd.DataFrame(rows, columns=["patient", "sample", "vcf", "bed", "type"]).to_csv(sheet, index=False)
    return sheet


def timed(cmd: list[str] | str, shell: bool = False) -> dict[str, float]:
    """Wall seconds and peak RSS (MiB) of one whole process, by GNU time."""
    full = ["/usr/bin/time", "-v", *(["bash", "-c", cmd] if shell else cmd)]
    t0 = time.perf_counter()
    proc = subprocess.run(full, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed:\n{proc.stderr[-3000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1)) / 1024
    return {"wall_s": round(wall, 2), "peak_rss_mib": round(rss, 1)}


def spa_script(cat: Path, sig: Path, out: Path, penalty: bool) -> str:
    extra = "" if penalty else ", nnls_add_penalty=0.0, nnls_remove_penalty=0.0, initial_remove_penalty=0.0"
    return (
        "from SigProfilerAssignment import Analyzer as A\n"
        f"A.cosmic_fit(samples='{cat}', output='{out}', input_type='matrix', signature_database='{sig}', "
        f"genome_build='GRCh38', make_plots=False, verbose=False, cpu=2{extra})\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tumours", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--spa", type=int, default=100, help="catalogues given to SigProfilerAssignment (0: skip)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data" / "signatures")
    args = parser.parse_args()
    data = args.data
    sheet = make_data(data, args.tumours, args.repeat, args.seed)
    rows = pd.read_csv(sheet)
    out = data / "run"
    py = sys.executable
    results: dict[str, dict[str, float]] = {}
    vcfs = " ".join(str(data / v) for v in rows["vcf"])
    results["anchor"] = timed(f"for f in {vcfs}; do bcftools view -Ou -o /dev/null $f; done", shell=True)
    results["biomarker"] = timed(
        [
            py,
            "-m",
            "biomarker.cli",
            "genomic",
            str(sheet),
            "--fasta",
            str(data / "genome.fa.gz"),
            "--signatures",
            str(data / "sbs96.tsv"),
            "--signature-set",
            "all",
            "--out",
            str(out),
        ]
    )
    ours = pd.read_csv(out / "signature_exposures.tsv", sep="\t")
    cat = pd.read_csv(out / "sbs96_catalogue.tsv", sep="\t")
    truth = pd.read_csv(data / "truth.csv")
    sigs = list(dict.fromkeys(ours["signature"]))
    wide = ours.pivot(index="sample", columns="signature", values="exposure_frac")[sigs]
    first = wide[wide.index.str.endswith("-r0")]
    planted = truth.set_index("tumour")[[f"planted_{k}" for k in range(len(sigs))]]
    planted.index = planted.index + "-r0"
    err = np.abs(first.to_numpy() - planted.loc[first.index].to_numpy()).max(axis=1)
    n_snv = cat.groupby("sample")["snv_count"].sum()
    summary: dict[str, object] = {
        "runs": len(rows),
        "distinct_tumours": args.tumours,
        "median_snvs": float(n_snv.median()),
        "reported": len(wide),
        "planted_max_abs_error_median": float(np.median(err)),
        "planted_max_abs_error_p90": float(np.percentile(err, 90)),
    }
    if args.spa:
        import importlib.util

        if importlib.util.find_spec("SigProfilerAssignment") is None:
            summary["spa"] = "not installed"
        else:
            keep = list(first.index[: args.spa])
            mat = cat[cat["sample"].isin(keep)].pivot(index="channel", columns="sample", values="snv_count")
            mat = mat.loc[sorted(mat.index), keep]
            mat.index.name = "MutationType"
            mat.to_csv(data / "spa_catalogues.txt", sep="\t")
            fit_only = (
                "import numpy as np, pandas as pd\n"
                "from biomarker.genomic.channels import CHANNELS\n"
                "from biomarker.genomic.signatures import fit_exposures, read_signature_file\n"
                f"ref = read_signature_file('{data / 'sbs96.tsv'}')\n"
                f"m = pd.read_csv('{data / 'spa_catalogues.txt'}', sep='\\t', index_col=0).loc[list(CHANNELS)]\n"
                "rng = np.random.default_rng(7)\n"
                "for s in m.columns:\n"
                "    fit_exposures(m[s].to_numpy(), ref.matrix.to_numpy(), ref.signatures, rng=rng)\n"
            )
            results["biomarker_fit_only"] = timed([py, "-c", fit_only])
            for label, penalty in (("spa_default", True), ("spa_no_penalty", False)):
                spa_out = data / label
                script = spa_script(data / "spa_catalogues.txt", data / "sbs96.tsv", spa_out, penalty)
                results[label] = timed([py, "-c", script])
                act = pd.read_csv(
                    spa_out / "Assignment_Solution" / "Activities" / "Assignment_Solution_Activities.txt",
                    sep="\t",
                    index_col=0,
                )
                frac = act[sigs].div(act[sigs].sum(axis=1), axis=0)
                diff = np.abs(frac.loc[keep].to_numpy() - first.loc[keep].to_numpy())
                summary[f"{label}_max_abs_diff"] = float(diff.max())
                summary[f"{label}_median_abs_diff"] = float(np.median(diff))
                summary[f"{label}_tumours"] = len(keep)
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_avg_1m": os.getloadavg()[0],
        "note": "2-core machine shared by 8 helpers: loaded",
    }
    report = {"results": results, "summary": summary, "machine": machine, "args": vars(args) | {"data": str(data)}}
    dest = ROOT / "benchmarks" / "results" / "signatures.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(report, indent=2, default=str) + "\n")
    anchor = results["anchor"]["wall_s"]
    print("| row | wall s | vs anchor | peak RSS MiB |\n|---|---|---|---|")
    for k, v in results.items():
        print(f"| {k} | {v['wall_s']} | {v['wall_s'] / anchor:.1f}x | {v['peak_rss_mib']} |")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
