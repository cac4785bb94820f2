"""Mutation-spectrum features that need no signature reference.

- ``transversion_frac``: SNVs that are transversions (C>A, C>G, T>A, T>G in pyrimidine notation)
  over all SNVs. Tobacco smoke (benzo[a]pyrene adducts on guanine) makes mostly G>T = C>A
  transversions, so smokers' lung tumours have a high fraction.
- ``transversion_high``: the "transversion-high" (TH) call of Rizvi et al. 2015 (Science 348:124),
  who found the molecular smoking signature (TH vs TL) associated with durable benefit from
  pembrolizumab independently of reported smoking. Rizvi et al. made the call with a previously
  published classifier of smoking-related exome mutation patterns whose fitted parameters are not
  given in the paper; here the call is transparent: ``transversion_frac >= transversion_high_cutoff``
  (default :data:`TRANSVERSION_HIGH_CUTOFF`, pre-specified, configurable, never tuned on the cohort).
  Treat it as a proxy of the published call, and prefer the continuous ``transversion_frac`` and
  ``sbs4_exposure_frac`` in models.
- ``c_to_a_frac``: C>A SNVs over all SNVs.
- ``apobec_frac``: SNVs in the APOBEC3A/B motif T[C>T]W or T[C>G]W (W = A/T) over all SNVs.
- ``indel_frac``: insertions and deletions over SNVs plus indels (MNVs excluded from both).

A fraction over zero SNVs is missing (NaN), never 0. Every fraction comes with its exact
(Clopper-Pearson) 95% CI (``*_ci95_low`` / ``*_ci95_high``). The ``transversion_high`` call is missing
below ``min_snvs`` SNVs (a call on a handful of SNVs is noise: random substitutions are 2/3 transversions).
"""

from __future__ import annotations

import math

import numpy as np

from biomarker.genomic.channels import CHANNELS, TRANSVERSIONS, is_apobec, substitution_of
from biomarker.intervals import binomial_exact_ci

#: Pre-specified transversion-fraction cut-off of the ``transversion_high`` proxy call.
TRANSVERSION_HIGH_CUTOFF = 0.40
_TV = np.array([substitution_of(c) in TRANSVERSIONS for c in CHANNELS])
_CA = np.array([substitution_of(c) == "C>A" for c in CHANNELS])
_APOBEC = np.array([is_apobec(c) for c in CHANNELS])


def _exact_ci(k: int, n: int) -> tuple[float, float]:
    """Clopper-Pearson 95% interval of k successes out of n (NaN when n is 0)."""
    return binomial_exact_ci(k, n)


def spectrum_features(
    counts: np.ndarray, n_indel: int, transversion_high_cutoff: float = TRANSVERSION_HIGH_CUTOFF, min_snvs: int = 0
) -> dict[str, float | bool | None]:
    """The reference-free features of one catalogue.

    Parameters
    ----------
    counts
        SBS96 counts in the order of :data:`biomarker.genomic.channels.CHANNELS`.
    n_indel
        Insertions and deletions of the same tumour.
    transversion_high_cutoff
        Cut-off of the transversion-high call.
    min_snvs
        Below this many SNVs the call is missing (the fraction and its CI are still given).

    Examples
    --------
    >>> c = np.zeros(96, dtype=int)
    >>> c[CHANNELS.index("A[C>A]A")] = 3; c[CHANNELS.index("T[C>T]A")] = 1
    >>> f = spectrum_features(c, n_indel=1)
    >>> f["transversion_frac"], f["apobec_frac"], f["indel_frac"], f["transversion_high"]
    (0.75, 0.25, 0.2, True)
    """
    counts = np.asarray(counts)
    n = int(counts.sum())
    total = n + int(n_indel)
    out: dict[str, float | bool | None] = {"snv_count": n, "indel_count": int(n_indel)}
    for name, k, of in (
        ("transversion_frac", int(counts[_TV].sum()), n),
        ("c_to_a_frac", int(counts[_CA].sum()), n),
        ("apobec_frac", int(counts[_APOBEC].sum()), n),
        ("indel_frac", int(n_indel), total),
    ):
        out[name] = k / of if of else math.nan
        out[f"{name}_ci95_low"], out[f"{name}_ci95_high"] = _exact_ci(k, of)
    tv = float(out["transversion_frac"])  # type: ignore[arg-type]
    out["transversion_high"] = None if math.isnan(tv) or n < min_snvs else bool(tv >= transversion_high_cutoff)
    return out
