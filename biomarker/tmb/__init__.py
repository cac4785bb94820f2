"""Tumour mutational burden from somatic VCF/BCF/MAF, with a per-variant audit.

Examples
--------
>>> from biomarker import tmb
>>> result = tmb.compute_tmb("tumour.vcf.gz", "exome.bed", preset="wes")  # doctest: +SKIP
>>> result.tmb_per_mb, result.ci95_low, result.ci95_high  # doctest: +SKIP
"""

from biomarker.tmb.params import FILTER_ORDER, PRESETS, TmbParams, load_preset
from biomarker.tmb.pipeline import build_territory, compute_tmb, resolve_params
from biomarker.tmb.result import TmbResult

__all__ = [
    "FILTER_ORDER", "PRESETS", "TmbParams", "TmbResult", "build_territory", "compute_tmb", "load_preset",
    "resolve_params",
]
