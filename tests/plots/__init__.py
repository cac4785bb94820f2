"""Tests of biomarker.plots."""
