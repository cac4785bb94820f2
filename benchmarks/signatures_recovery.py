"""Recovery of planted signature exposures by SNV count (the table of docs/signatures.md).

    .venv/bin/python benchmarks/signatures_recovery.py [--tumours 200] [--seed 1]

For each SNV count, ``--tumours`` mixtures of the simulator's five profiles (half smokers) are drawn,
a catalogue is sampled multinomially and fitted; the error of a tumour is the largest
|estimate - planted| over the five signatures. Also the bootstrap 95% CI coverage of the planted values.
"""

from __future__ import annotations

import argparse

import numpy as np

from biomarker.genomic.signatures import fit_exposures
from biomarker.simulate.signatures import SIGNATURES, draw_mixture, signature_matrix


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tumours", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--boot", type=int, default=200)
    args = parser.parse_args()
    w = signature_matrix()
    rng = np.random.default_rng(args.seed)
    print("| SNVs | median | 90th centile | max | CI coverage |\n|---|---|---|---|---|")
    for n in (50, 100, 300, 1000):
        errs, cover = [], []
        for i in range(args.tumours):
            mix = draw_mixture(rng, smoker=i % 2 == 0)
            e = fit_exposures(rng.multinomial(n, w @ mix), w, list(SIGNATURES), min_snvs=0, n_boot=args.boot, rng=rng)
            errs.append(np.abs(e.frac - mix).max())
            cover.extend(((e.ci_low - 1e-9 <= mix) & (mix <= e.ci_high + 1e-9)).tolist())
        errs = np.asarray(errs)
        print(
            f"| {n:,} | {np.median(errs):.3f} | {np.percentile(errs, 90):.3f} | {errs.max():.3f} | "
            f"{np.mean(cover):.0%} |"
        )


if __name__ == "__main__":
    main()
