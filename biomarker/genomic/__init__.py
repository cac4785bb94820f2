"""Beyond TMB: mutational signatures, spectrum features and co-mutations of somatic calls.

Examples
--------
>>> from biomarker import genomic
>>> cfg = genomic.GenomicConfig(fasta="GRCh38.fa", signatures="COSMIC_v3.4_SBS_GRCh38.txt")  # doctest: +SKIP
>>> res = genomic.compute_genomic(genomic.samples_from_sheet("samplesheet.csv"), cfg)  # doctest: +SKIP
>>> res.tables["genomic_features"][["usubjid", "sbs4_exposure_frac", "stk11_lof"]]  # doctest: +SKIP
"""

from biomarker.genomic.result import GenomicResult, baseline_features
from biomarker.genomic.run import GenomicConfig, GenomicSample, compute_genomic, samples_from_sheet

__all__ = [
    "GenomicConfig",
    "GenomicResult",
    "GenomicSample",
    "baseline_features",
    "compute_genomic",
    "samples_from_sheet",
]
