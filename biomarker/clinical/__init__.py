"""Clinical endpoints of the trial: RECIST 1.1 (and iRECIST), best overall response, efficacy and safety.

Data flow: :mod:`~biomarker.clinical.sdtm` (read SDTM CSV/XPT as delivered: missing values, partial dates
flagged, screen failures) or :mod:`~biomarker.clinical.adam` (ADaM through a column map) ->
:mod:`~biomarker.clinical.evaluators` (one evaluator, one category at a time) -> :mod:`~biomarker.clinical.lesions`
and :mod:`~biomarker.clinical.recist` (lesions -> time-point responses) -> :mod:`~biomarker.clinical.bor` (best
overall response) and :mod:`~biomarker.clinical.irecist` -> :mod:`~biomarker.clinical.efficacy` (ORR, DCR, CBR,
TTR, DoR, PFS) and :mod:`~biomarker.clinical.overall_survival` with :mod:`~biomarker.clinical.survival`
(Kaplan-Meier as R survfit), :mod:`~biomarker.clinical.safety` with :mod:`~biomarker.clinical.terminology`
(controlled terminology, per-drug SUPPAE) and :mod:`~biomarker.clinical.study_tables` (populations,
disposition, exposure, deaths). :func:`run_endpoints` runs them all under an
:class:`~biomarker.clinical.config.EndpointConfig` and returns an :class:`EndpointResult`.

Examples
--------
>>> from biomarker.clinical import run_endpoints
>>> res = run_endpoints("runs/sim01")  # doctest: +SKIP
>>> res.write("runs/sim01/endpoints")  # doctest: +SKIP
>>> res.summary  # doctest: +SKIP
"""

from biomarker.clinical.adam import DEFAULT_ADAM_MAP, read_adam
from biomarker.clinical.bor import (
    BorRules,
    best_overall_response,
    compare_with_investigator,
    derive_bor,
    investigator_timepoints,
)
from biomarker.clinical.config import EndpointConfig
from biomarker.clinical.efficacy import (
    PfsRules,
    clopper_pearson,
    derive_dor,
    derive_os,
    derive_pfs,
    response_rates,
    time_to_response,
)
from biomarker.clinical.evaluators import timepoints_by_evaluator
from biomarker.clinical.irecist import derive_irecist_bor, irecist_bor
from biomarker.clinical.recist import (
    nontarget_response,
    overall_response,
    target_response,
    timepoint_responses,
)
from biomarker.clinical.result import EndpointResult
from biomarker.clinical.run import EndpointResults, run_endpoints
from biomarker.clinical.safety import grade_table, safety_table, treatment_emergent, worst_grade
from biomarker.clinical.sdtm import Study, load_study, read_domain
from biomarker.clinical.survival import kaplan_meier, km_curve_table
from biomarker.clinical.terminology import terminology

__all__ = [
    "DEFAULT_ADAM_MAP",
    "BorRules",
    "EndpointConfig",
    "EndpointResult",
    "EndpointResults",
    "PfsRules",
    "Study",
    "best_overall_response",
    "clopper_pearson",
    "compare_with_investigator",
    "derive_bor",
    "derive_dor",
    "derive_irecist_bor",
    "derive_os",
    "derive_pfs",
    "grade_table",
    "investigator_timepoints",
    "irecist_bor",
    "kaplan_meier",
    "km_curve_table",
    "load_study",
    "nontarget_response",
    "overall_response",
    "read_adam",
    "read_domain",
    "response_rates",
    "run_endpoints",
    "safety_table",
    "target_response",
    "terminology",
    "time_to_response",
    "timepoint_responses",
    "timepoints_by_evaluator",
    "treatment_emergent",
    "worst_grade",
]
