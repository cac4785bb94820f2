"""Accuracy: planted TBNK counts recovered from perturbed tubes, gates fitted per tube vs the template's fixed gates.

Usage::

    .venv/bin/python benchmarks/flow_recovery.py [--tubes 5]

The issue-14 reference tube (CD3 70%, CD4 40%, CD8 25%, NK 18%, B 11%, lymphocytes 1,310/uL), written by the
simulator with drift and then as-is, with SSC gain x2, all fluorescence x0.3 and x2.5; ``--tubes`` draws per kind.
Prints, per kind and gating, the worst subset error (points of % lymphocytes, and % of the absolute count) and the
range of the lymphocyte count's error. Bead QC is relaxed so the fixed gates' absolute counts are shown, not
withheld.
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np

SUBSETS = {"cd3": ("cd4_t", "cd8_t", "dp_t", "dn_t"), "cd4": ("cd4_t",), "cd8": ("cd8_t",), "b": ("b",), "nk": ("nk",)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tubes", type=int, default=5)
    args = ap.parse_args()
    from biomarker.flow import QcRules, gate_fcs
    from biomarker.simulate.fcs import LYMPH_POPULATIONS, Perturbation, write_fcs
    from biomarker.simulate.tbnk import TbnkResult

    kinds = {
        "plain": Perturbation(),
        "ssc_x2": Perturbation(ssc_gain=2.0),
        "fluor_x0.3": Perturbation(fluor_gain=0.3),
        "fluor_x2.5": Perturbation(fluor_gain=2.5),
    }
    lenient = QcRules(min_bead_events=0, max_bead_cv_pct=1e9)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, perturbation in kinds.items():
            worst: dict[str, list[float]] = {"fitted": [0.0, 0.0], "fixed": [0.0, 0.0]}
            lymph_err: dict[str, list[float]] = {"fitted": [], "fixed": []}
            for seed in range(args.tubes):
                result = TbnkResult("T", f"S{seed}", "C1D1", 0, 70, 40, 25, 18, 11, 1310)
                path, row = write_fcs(
                    Path(tmp) / f"{kind}{seed}.fcs", np.random.default_rng(seed), result, "2024-01-02", perturbation
                )
                counts = dict(zip(LYMPH_POPULATIONS, row[3:10], strict=True))
                lymph = sum(counts.values())
                per_event = 50000 / 50 / row[15]
                for name, adaptive in (("fitted", True), ("fixed", False)):
                    t = gate_fcs([path], adaptive=adaptive, qc=lenient).iloc[0]
                    for subset, pops in SUBSETS.items():
                        n = sum(counts[p] for p in pops)
                        worst[name][0] = max(worst[name][0], abs(t[f"{subset}_pct_lymph"] - 100 * n / lymph))
                        worst[name][1] = max(worst[name][1], abs(t[f"{subset}_abs_per_ul"] / (n * per_event) - 1))
                    lymph_err[name].append(t.lymph_abs_per_ul / (lymph * per_event) - 1)
            for name in ("fitted", "fixed"):
                pct, rel = worst[name]
                lo, hi = min(lymph_err[name]), max(lymph_err[name])
                print(
                    f"{kind:11s} {name:6s} worst subset {pct:5.2f} points, {100 * rel:5.1f}% of the count; "
                    f"lymphocytes/uL {100 * lo:+.1f}% to {100 * hi:+.1f}%"
                )


if __name__ == "__main__":
    main()
