#!/usr/bin/env python
"""The same bare loop as bare_cyvcf2_loop.py, through pysam.VariantFile (for comparison).

Per record: FILTER, the tumour sample's AF, AD and DP, INFO/CSQ split into transcripts
(pysam already returns a Number=. string field as a tuple split on ','); with
``--level fields`` each transcript is also split on '|'.

Usage::

    python benchmarks/bare_pysam_loop.py FILE.vcf.gz [--level split|fields]
"""

from __future__ import annotations

import argparse
import sys

import pysam


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vcf")
    ap.add_argument("--level", choices=["iter", "split", "fields"], default="split")
    args = ap.parse_args(argv)
    vf = pysam.VariantFile(args.vcf)
    tumour = None
    for rec in vf.header.records:
        if rec.key == "tumor_sample":
            tumour = rec.value
    tumour = tumour or list(vf.header.samples)[-1]
    n = n_pass = n_af = n_tx = n_missense = 0
    sum_dp = 0
    for rec in vf:
        n += 1
        if args.level == "iter":
            continue
        if "PASS" in rec.filter:
            n_pass += 1
        s = rec.samples[tumour]
        af = s["AF"]
        ad = s["AD"]
        dp = s["DP"]
        if af and af[0] is not None and af[0] >= 0.05:
            n_af += 1
        if ad is not None and dp is not None:
            sum_dp += dp
        csq = rec.info.get("CSQ")
        if csq is None:
            continue
        n_tx += len(csq)
        if args.level == "fields":
            for t in csq:
                if "missense_variant" in t.split("|")[1]:
                    n_missense += 1
    print(
        f"records={n} pass={n_pass} tumour_af>=0.05={n_af} sum_tumour_dp={sum_dp} "
        f"csq_entries={n_tx} missense_entries={n_missense} level={args.level}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
