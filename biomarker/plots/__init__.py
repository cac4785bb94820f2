"""Figures: functions take tidy frames, compute no statistics and return a matplotlib Figure.

Figures are drawn on the Agg canvas without pyplot, so nothing here changes global matplotlib
state. Save with ``fig.savefig(path, dpi=150)``.

- :func:`waterfall` best % change of the target-lesion sum by subject, coloured by BOR
- :func:`spider` % change over time per subject
- :func:`swimmer` time on study with response / progression / death marks
- :func:`km_plot` Kaplan-Meier curves with numbers at risk
- :func:`tmb_distribution`, :func:`tmb_audit` TMB per tumour with CI; what each filter removed
"""

from biomarker.plots.km import km_plot
from biomarker.plots.spider import spider
from biomarker.plots.swimmer import swimmer
from biomarker.plots.tmb import tmb_audit, tmb_distribution
from biomarker.plots.waterfall import waterfall

__all__ = ["km_plot", "spider", "swimmer", "tmb_audit", "tmb_distribution", "waterfall"]
