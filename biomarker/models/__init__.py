"""Patient-level feature table, biomarker associations, cross-validated predictive models, survival by biomarker.

- :func:`assemble_features` -- one row per subject of a study folder (TMB, PD-L1/TIL, TBNK, covariates, outcomes)
- :class:`ModelSpec` -- every setting of a run (from keywords, a dict or a YAML ``models:`` block), validated
- :func:`run_models` -- univariable tests and effects (per doubling, per 10 points, Firth-adjusted), repeated CV of
  model families, permutation test, refit-bootstrap AUC interval, calibration, decision curves, external models,
  Kaplan-Meier/Cox by biomarker on every patient with survival data; tables, figures and ``report.json``
- :func:`run_study_models` -- both, for a study folder
- :func:`delong_auc`, :func:`univariable_binary`, :func:`survival_by_group`, :func:`cox_univariable`,
  :func:`repeated_cv`, :func:`permutation_test` -- the pieces

Examples
--------
>>> from biomarker.models import run_models
>>> res = run_models("patients.csv", outcome="response", features=["tmb_log2", "pdl1_tps_pct"])  # doctest: +SKIP
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
    assemble_features,
    default_features,
    derive_outcomes,
    feature_columns,
    missingness,
    read_tmb_cohort,
)
from biomarker.models.result import ModelResults
from biomarker.models.run import run_models
from biomarker.models.spec import DEFAULT_MODELS, ModelSpec
from biomarker.models.study import STUDY_GROUPS, run_study_models
from biomarker.models.survival import cox_univariable, survival_by_group
from biomarker.models.univariable import univariable_binary
from biomarker.models.validation import CvResult, permutation_test, repeated_cv

__all__ = [
    "DEFAULT_MODELS",
    "DEFAULT_RULE",
    "MODEL_FAMILIES",
    "OUTCOME_COLUMNS",
    "STUDY_GROUPS",
    "AucEstimate",
    "ClinicalRule",
    "CutoffClassifier",
    "CvResult",
    "ModelResults",
    "ModelSpec",
    "assemble_features",
    "cox_univariable",
    "default_features",
    "delong_auc",
    "derive_outcomes",
    "feature_columns",
    "make_estimator",
    "missingness",
    "permutation_test",
    "read_tmb_cohort",
    "repeated_cv",
    "run_models",
    "run_study_models",
    "survival_by_group",
    "univariable_binary",
]
