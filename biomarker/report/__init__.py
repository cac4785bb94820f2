"""biomarker.report."""
