"""TBNK lymphocyte subsets: lab exports and raw FCS (gating), QC flags, per-visit and change-from-baseline features.

>>> from biomarker.flow import read_tbnk_export, gate_fcs, tbnk_features, QcRules
>>> QcRules().lymphosum_range()
(90.0, 110.0)
"""

from biomarker.flow.exports import LAYOUTS, normalise_visit, read_tbnk_export, unit_factor
from biomarker.flow.features import FEATURE_MEASURES, tbnk_features
from biomarker.flow.gating import DEFAULT_TEMPLATE, GATE_IDS, gate_counts, gate_fcs, load_template, read_fcs
from biomarker.flow.qc import SUBSETS, TBNK_COLUMNS, VALUE_COLUMNS, QcRules, finish_table

__all__ = [
    "DEFAULT_TEMPLATE", "FEATURE_MEASURES", "GATE_IDS", "LAYOUTS", "SUBSETS", "TBNK_COLUMNS", "VALUE_COLUMNS",
    "QcRules", "finish_table", "gate_counts", "gate_fcs", "load_template", "normalise_visit", "read_fcs",
    "read_tbnk_export", "tbnk_features", "unit_factor",
]
