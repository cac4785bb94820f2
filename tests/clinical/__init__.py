"""Tests of biomarker.clinical."""
