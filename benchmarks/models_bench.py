"""Benchmark (not a test): the default model run on a 50-patient simulated cohort with ~20 features.

    .venv/bin/python benchmarks/models_bench.py [--n-jobs 2] [--patients 50] [--strong] [--study]

Prints the wall time of ``run_models`` (simulation excluded). ``--study`` times the study form instead (the
steps of ``biomarker run`` into the store: TMB batch, PD-L1, TBNK, endpoints; then ``run_study_models`` on the
store's patient table with the 20 pre-specified features);
``--strong`` plants strong effects so that every model stays significant and the permutation test runs all
its permutations (the worst case: early stopping never kicks in).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

STRONG = {"log_tmb": 2.0, "pdl1_tps": 1.5}


def cohort(folder: Path, n_patients: int, seed: int, effects=None) -> tuple[pd.DataFrame, list[str]]:
    from biomarker.simulate import simulate_study

    simulate_study(folder, n_patients=n_patients, seed=seed, exome_mb=2.0, effects=effects)
    truth = pd.read_csv(folder / "truth" / "patients.csv")
    dm = pd.read_csv(folder / "clinical" / "dm.csv")
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(
        {
            "USUBJID": truth["USUBJID"],
            "tmb_per_mb": truth["true_tmb_per_mb"],
            "tmb_log2": np.log2(truth["true_tmb_per_mb"] + 1),
            "pdl1_tps_pct": truth["pdl1_tps_true_pct"],
            "til_stromal_pct": truth["til_pct"],
            "nk_pct_lymph_c1d1": truth["nk_pct_baseline"],
            "response": truth["bor"].isin(["CR", "PR"]).astype(int),
            "pfs_months": truth["pfs_months"],
            "pfs_event": truth["pfs_event"],
        }
    ).merge(dm[["USUBJID", "AGE", "ECOG", "SMOKING", "SEX", "HISTOLOGY"]], on="USUBJID")
    for i in range(9):  # TBNK-like subsets without planted effect
        table[f"tbnk_noise_{i}"] = rng.normal(size=len(table))
    features = [c for c in table.columns if c not in ("USUBJID", "response", "pfs_months", "pfs_event", "tmb_per_mb")]
    return table, features


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--strong", action="store_true")
    parser.add_argument("--study", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(relativeCreated)8.0f ms %(name)s %(message)s")
    from biomarker.models import run_models, run_study_models

    with tempfile.TemporaryDirectory() as tmp:
        table, features = cohort(Path(tmp) / "study", args.patients, args.seed, STRONG if args.strong else None)
        start = time.perf_counter()
        if args.study:  # the steps of `biomarker run` into the store, then the models on its patient table
            from biomarker import Study
            from biomarker.study import write_study_config

            study = Study.from_config(write_study_config(Path(tmp) / "study", jobs=args.n_jobs))
            study.tmb(), study.pathology(), study.tbnk(), study.endpoints()
            res = run_study_models(
                study.patients().tables["patients"], Path(tmp) / "out", seed=args.seed, n_jobs=args.n_jobs
            )
            features = res.provenance["settings"]["features"]
        else:
            res = run_models(
                table,
                outcome="response",
                features=features,
                id_col="USUBJID",
                time="pfs_months",
                event="pfs_event",
                groups={"tmb_per_mb": 10.0},
                out_dir=Path(tmp) / "out",
                seed=args.seed,
                n_jobs=args.n_jobs,
            )
        wall = time.perf_counter() - start
        print(f"{len(table)} patients, {len(features)} features, {int(table.response.sum())} responders")
    print(
        res.summary[
            ["model", "auc", "auc_ci_lower", "auc_ci_upper", "null_auc_mean", "p_text", "calibration_slope"]
        ].to_string()
    )
    print(f"run_models wall time: {wall:.1f} s (n_jobs={args.n_jobs})")


if __name__ == "__main__":
    main()
