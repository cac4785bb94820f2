"""Patient-level feature table, biomarker associations, cross-validated predictive models, survival by biomarker.

- :func:`patient_table` -- one row per subject from the study store (TMB, PD-L1/TIL, TBNK, covariates, outcomes)
- :func:`run_models` -- univariable tests, repeated/nested CV of model families, permutation test, bootstrap CIs,
  calibration, importance, Kaplan-Meier/Cox by biomarker; tables, figures and ``report.json``
- :func:`run_study_models` -- the trial's pre-specified analyses on that table
- :func:`delong_auc`, :func:`univariable_binary`, :func:`survival_by_group`, :func:`cox_univariable`,
  :func:`repeated_cv`, :func:`permutation_test` -- the pieces

Examples
--------
>>> from biomarker.models import run_models
>>> res = run_models("patients.csv", "response", ["tmb_log2", "pdl1_tps_pct"], out_dir="out")  # doctest: +SKIP
>>> res.summary  # doctest: +SKIP
"""

from biomarker.models.delong import AucEstimate, delong_auc
from biomarker.models.estimators import (
    DEFAULT_RULE,
    MODEL_FAMILIES,
    ClinicalRule,
    CutoffClassifier,
    make_estimator,
)
from biomarker.models.features import (
    OUTCOME_COLUMNS,
    default_features,
    derive_outcomes,
    feature_columns,
    missingness,
)
from biomarker.models.patients import FEATURE_SOURCES, FeatureSource, compute_patients, patient_table
from biomarker.models.run import DEFAULT_MODELS, ModelResults, run_models
from biomarker.models.study import STUDY_GROUPS, run_study_models
from biomarker.models.survival import cox_univariable, survival_by_group
from biomarker.models.univariable import univariable_binary
from biomarker.models.validation import CvResult, permutation_test, repeated_cv

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
