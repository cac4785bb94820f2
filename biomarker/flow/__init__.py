"""biomarker.flow."""
