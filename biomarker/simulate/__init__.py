"""biomarker.simulate: a synthetic phase II toripalimab + axitinib NSCLC trial with known truth.

It writes every input format the package reads (Mutect2 + VEP VCFs, MAF, SDTM clinical CSVs,
PD-L1/TIL pathology export, TBNK lab export, raw FCS) and the truth they encode, with its own
code only: it imports none of the package's readers or domain modules.

Examples
--------
>>> from biomarker.simulate import simulate_study
>>> files = simulate_study("/tmp/study", n_patients=6, seed=7, exome_mb=2.0)  # doctest: +SKIP
"""

from biomarker.simulate.study import StudyFiles, simulate_study

__all__ = ["StudyFiles", "simulate_study"]
