"""biomarker: translational analysis of a phase II anti-PD-1 + axitinib NSCLC trial.

Sub-packages follow the data flow: ``tmb`` (somatic VCF -> TMB), ``ihc``, ``flow``,
``clinical``, ``models``, ``plots``, ``report``; ``simulate`` writes a synthetic study. :class:`Study`
(``biomarker.api``) is the one face over a study's store for notebooks and the CLI.
"""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``biomarker.Study`` without importing it at ``import biomarker`` (the CLI starts fast)."""
    if name == "Study":
        from biomarker.api import Study

        return Study
    raise AttributeError(f"module 'biomarker' has no attribute {name!r}")


__all__ = ["Study", "__version__"]
