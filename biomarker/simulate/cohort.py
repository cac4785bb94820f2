"""Baseline covariates of the simulated cohort (demography, smoking, TMB, PD-L1, TIL, TBNK).

:func:`draw_baseline` is used twice: for the patients of a study, and (with a fixed seed and many
draws) by :mod:`biomarker.simulate.response_model` to standardise the features and calibrate the
intercept, so both always describe the same population.
"""

from __future__ import annotations

import numpy as np

SMOKING = ("NEVER", "FORMER", "CURRENT")
SMOKING_P = (0.2, 0.5, 0.3)
#: Multiplier of the median TMB by smoking status (log-normal, median 8 mut/Mb in former smokers).
SMOKING_TMB = {"NEVER": 0.45, "FORMER": 1.0, "CURRENT": 1.35}
TMB_MEDIAN = 8.0
TMB_SIGMA = 0.7
HISTOLOGY = ("ADENOCARCINOMA", "SQUAMOUS CELL CARCINOMA", "OTHER")
HISTOLOGY_P = (0.58, 0.37, 0.05)


def draw_baseline(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Draw ``n`` patients' baseline covariates.

    Returns
    -------
    dict
        Arrays keyed ``age``, ``sex`` (M/F), ``ecog``, ``smoking``, ``histology``, ``tmb``
        (latent mut/Mb), ``pdl1_tps`` (true %, 0-100), ``til_pct``, ``nk_pct_baseline`` (% of
        lymphocytes), ``cd8_change`` (C2D1 minus C1D1 CD8+ % of lymphocytes, percentage points).

    Examples
    --------
    >>> x = draw_baseline(np.random.default_rng(1), 5)
    >>> sorted(x)[:3]
    ['age', 'cd8_change', 'ecog']
    """
    age = np.clip(np.round(rng.normal(61, 8, n)), 35, 82).astype(int)
    sex = np.where(rng.random(n) < 0.7, "M", "F")
    ecog = (rng.random(n) < 0.6).astype(int)
    smoking = rng.choice(np.asarray(SMOKING), size=n, p=SMOKING_P)
    histology = rng.choice(np.asarray(HISTOLOGY), size=n, p=HISTOLOGY_P)
    mult = np.asarray([SMOKING_TMB[s] for s in smoking])
    tmb = np.clip(TMB_MEDIAN * mult * np.exp(rng.normal(0, TMB_SIGMA, n)), 0.3, 80.0)
    group = rng.choice(3, size=n, p=(0.35, 0.35, 0.30))
    pdl1 = np.where(
        group == 0,
        rng.uniform(0, 1, n) * (rng.random(n) < 0.5),
        np.where(group == 1, rng.uniform(1, 50, n), rng.uniform(50, 100, n)),
    )
    til = np.clip(8 + 0.25 * pdl1 + rng.normal(0, 8, n), 0, 90)
    nk = np.clip(rng.normal(14, 5, n), 4, 30)
    cd8_change = rng.normal(1.5, 3.5, n)
    return {
        "age": age,
        "sex": sex,
        "ecog": ecog,
        "smoking": smoking,
        "histology": histology,
        "tmb": tmb,
        "pdl1_tps": pdl1,
        "til_pct": til,
        "nk_pct_baseline": nk,
        "cd8_change": cd8_change,
    }
