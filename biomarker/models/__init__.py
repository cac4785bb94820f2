"""biomarker.models."""
