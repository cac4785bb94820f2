"""Tumour mutational burden from somatic VCF/BCF/MAF, with a per-variant audit.

Examples
--------
>>> from biomarker import tmb
>>> result = tmb.compute_tmb("tumour.vcf.gz", "exome.bed", preset="wes")  # doctest: +SKIP
>>> result.tmb_per_mb, result.ci95_low, result.ci95_high  # doctest: +SKIP
"""

from biomarker.tmb.params import FILTER_ORDER, PRESETS, TmbParams, load_preset
from biomarker.tmb.pipeline import build_territory, compute_tmb, resolve_params, resolve_territory
from biomarker.tmb.result import TmbResult


def compute_tmb_cohort(*args, **kwargs):
    """TMB of every tumour of a MAF or variant table: see :func:`biomarker.tmb.cohort_result.compute_tmb_cohort`."""
    from biomarker.tmb.cohort_result import compute_tmb_cohort as run

    return run(*args, **kwargs)


__all__ = [
    "FILTER_ORDER",
    "PRESETS",
    "TmbParams",
    "TmbResult",
    "build_territory",
    "compute_tmb",
    "compute_tmb_cohort",
    "load_preset",
    "resolve_params",
    "resolve_territory",
]
