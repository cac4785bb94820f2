"""biomarker.ihc."""
