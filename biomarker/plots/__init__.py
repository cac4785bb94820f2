"""Figures: functions take tidy frames, compute no statistics and return a matplotlib Figure.

Figures are drawn on the Agg canvas without pyplot, so nothing here changes global matplotlib
state. Save with ``fig.savefig(path, dpi=150)``.

- :func:`waterfall` best % change of the target-lesion sum by subject, coloured by BOR
- :func:`spider` % change over time per subject
- :func:`swimmer` time on study with response / progression / death marks
- :func:`km_plot` Kaplan-Meier curves with numbers at risk
- :func:`tmb_distribution`, :func:`tmb_audit` TMB per tumour with CI; what each filter removed
- :func:`consort_flow` disposition of subjects
- :func:`category_counts`, :func:`score_by_response`, :func:`rates_by_level`, :func:`measure_over_visits`,
  :func:`change_from_baseline`, :func:`mark_km_median` the report's biomarker figures and KM median marks
"""

from biomarker.plots.biomarkers import (
    category_counts,
    change_from_baseline,
    mark_km_median,
    measure_over_visits,
    rates_by_level,
    score_by_response,
)
from biomarker.plots.consort import consort_flow
from biomarker.plots.km import km_plot
from biomarker.plots.spider import spider
from biomarker.plots.swimmer import swimmer
from biomarker.plots.tmb import tmb_audit, tmb_distribution
from biomarker.plots.waterfall import waterfall

__all__ = [
    "category_counts",
    "change_from_baseline",
    "consort_flow",
    "km_plot",
    "mark_km_median",
    "measure_over_visits",
    "rates_by_level",
    "score_by_response",
    "spider",
    "swimmer",
    "tmb_audit",
    "tmb_distribution",
    "waterfall",
]
