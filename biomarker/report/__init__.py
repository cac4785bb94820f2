"""One self-contained HTML report of a study run (figures embedded), built from the cohort store."""

from biomarker.report.html import Section, build_report

__all__ = ["Section", "build_report"]
