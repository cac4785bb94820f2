"""One self-contained HTML report of a study run (figures and table TSVs embedded), built from the cohort store.

(The MultiQC custom-content files of a TMB batch are :mod:`biomarker.multiqc`, at the batch's level.)"""

from biomarker.report.html import build_report, print_pdf
from biomarker.report.section import Section
from biomarker.report.tables import CsrTable

__all__ = ["CsrTable", "Section", "build_report", "print_pdf"]
