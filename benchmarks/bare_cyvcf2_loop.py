#!/usr/bin/env python
"""The cheapest honest cyvcf2 loop a TMB caller could be: the anchor for ``biomarker tmb``.

Per record it reads FILTER, the tumour sample's AF, AD and DP through
``variant.format``, the INFO/CSQ string, and splits CSQ into its transcripts
(and, with ``--level fields``, each transcript into its ``|`` fields). It counts
and prints totals so no work can be skipped.

``--level`` builds the loop up step by step, which shows where the time goes:

* ``iter``   — ``for v in VCF(path)`` only (htslib parse + Variant object)
* ``filter`` — + ``v.FILTER``
* ``format`` — + tumour AF/AD/DP via ``v.format(...)``
* ``csq``    — + ``v.INFO.get("CSQ")`` (the default: everything in the brief)
* ``split``  — + ``csq.split(",")`` into transcripts
* ``fields`` — + each transcript ``.split("|")`` and a Consequence lookup

Usage::

    python benchmarks/bare_cyvcf2_loop.py FILE.vcf.gz [--level split]
"""

from __future__ import annotations

import argparse
import sys

from cyvcf2 import VCF

LEVELS = ["iter", "filter", "format", "csq", "split", "fields"]


def tumour_index(vcf: VCF) -> int:
    raw = vcf.raw_header
    for line in raw.splitlines():
        if line.startswith("##tumor_sample="):
            return vcf.samples.index(line.split("=", 1)[1].strip())
    return len(vcf.samples) - 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vcf")
    ap.add_argument("--level", choices=LEVELS, default="split")
    ap.add_argument("--threads", type=int, default=0, help="htslib decompression threads")
    args = ap.parse_args(argv)
    lvl = LEVELS.index(args.level)

    vcf = VCF(args.vcf, threads=args.threads or None)
    ti = tumour_index(vcf)
    n = n_pass = n_tx = n_af = n_missense = 0
    sum_dp = 0
    for v in vcf:
        n += 1
        if lvl < 1:
            continue
        if v.FILTER is None:
            n_pass += 1
        if lvl < 2:
            continue
        af = v.format("AF")
        ad = v.format("AD")
        dp = v.format("DP")
        if af is not None and af[ti, 0] >= 0.05:
            n_af += 1
        if ad is not None and dp is not None:
            sum_dp += int(dp[ti, 0])
        if lvl < 3:
            continue
        csq = v.INFO.get("CSQ")
        if lvl < 4 or csq is None:
            continue
        txs = csq.split(",")
        n_tx += len(txs)
        if lvl < 5:
            continue
        for t in txs:
            f = t.split("|")
            if "missense_variant" in f[1]:
                n_missense += 1
    print(
        f"records={n} pass={n_pass} tumour_af>=0.05={n_af} sum_tumour_dp={sum_dp} "
        f"csq_entries={n_tx} missense_entries={n_missense} level={args.level}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
