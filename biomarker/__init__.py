"""biomarker: translational analysis of a phase II anti-PD-1 + axitinib NSCLC trial.

Sub-packages follow the data flow: ``tmb`` (somatic VCF -> TMB), ``ihc``, ``flow``,
``clinical``, ``models``, ``plots``, ``report``; ``simulate`` writes a synthetic study.
"""

__version__ = "0.1.0"
