"""Patient-level feature table, biomarker associations, cross-validated predictive models, survival by biomarker.

- :func:`patient_table` -- one row per subject from the study store (TMB, PD-L1/TIL, TBNK, genomics, covariates,
  outcomes)
- :class:`ModelSpec` -- every setting of a run (from keywords, a dict or a YAML ``models:`` block), validated
- :func:`run_models` -- univariable tests and effects (per doubling, per 10 points, Firth-adjusted), repeated CV of
  model families, permutation test, refit-bootstrap AUC interval, calibration, decision curves, external models,
  Kaplan-Meier/Cox by biomarker on every patient with survival data; tables, figures and ``report.json``
- :func:`run_study_models` -- the trial's pre-specified analyses on that table
- :func:`delong_auc`, :func:`univariable_binary`, :func:`survival_by_group`, :func:`cox_univariable`,
  :func:`repeated_cv`, :func:`permutation_test` -- the pieces

Examples
--------
>>> from biomarker.models import run_models
>>> res = run_models("patients.csv", outcome="response", features=["tmb_log2", "pdl1_tps_pct"])  # doctest: +SKIP
>>> res.summary  # doctest: +SKIP
"""

import importlib

_WHERE = {
    "AucEstimate": "delong",
    "delong_auc": "delong",
    "DEFAULT_RULE": "estimators",
    "ClinicalRule": "estimators",
    "CutoffClassifier": "estimators",
    "make_estimator": "estimators",
    "OUTCOME_COLUMNS": "features",
    "default_features": "features",
    "derive_outcomes": "features",
    "feature_columns": "features",
    "missingness": "features",
    "FEATURE_SOURCES": "patients",
    "FeatureSource": "patients",
    "compute_patients": "patients",
    "patient_table": "patients",
    "ModelResults": "result",
    "run_models": "run",
    "DEFAULT_MODELS": "spec",
    "MODEL_FAMILIES": "spec",
    "ModelSpec": "spec",
    "STUDY_GROUPS": "study",
    "run_study_models": "study",
    "cox_univariable": "survival",
    "survival_by_group": "survival",
    "univariable_binary": "univariable",
    "CvResult": "validation",
    "permutation_test": "validation",
    "repeated_cv": "validation",
}


def __getattr__(name: str):
    """Import the submodule of a public name on first use (``ModelSpec`` must not pull in scikit-learn)."""
    if name in _WHERE:
        value = getattr(importlib.import_module(f"biomarker.models.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'biomarker.models' has no attribute {name!r}")


__all__ = [
    "DEFAULT_MODELS",
    "DEFAULT_RULE",
    "FEATURE_SOURCES",
    "MODEL_FAMILIES",
    "OUTCOME_COLUMNS",
    "STUDY_GROUPS",
    "AucEstimate",
    "ClinicalRule",
    "CutoffClassifier",
    "CvResult",
    "FeatureSource",
    "ModelResults",
    "ModelSpec",
    "compute_patients",
    "cox_univariable",
    "default_features",
    "delong_auc",
    "derive_outcomes",
    "feature_columns",
    "make_estimator",
    "missingness",
    "patient_table",
    "permutation_test",
    "repeated_cv",
    "run_models",
    "run_study_models",
    "survival_by_group",
    "univariable_binary",
]
