"""TBNK lymphocyte subsets: lab exports and raw FCS (gating), QC flags, per-visit and change-from-baseline features.

:func:`compute_tbnk` is the one face: a lab export or FCS tubes in, a :class:`TbnkResult` out (``.summary``,
``.tables``, ``.provenance``, ``.plot()``, ``.write(dir)``). Gates are fitted to each tube (:mod:`.fitting`)
within the bounds of the Gating-ML template; a flow core's QC (:mod:`.fcs_qc`, :mod:`.export_qc`) flags what it
cannot vouch for and withholds what would be wrong.

>>> from biomarker.flow import read_tbnk_export, gate_fcs, tbnk_features, QcRules
>>> QcRules().lymphosum_range()
(90.0, 110.0)
"""

from biomarker.flow.exports import LAYOUTS, normalise_visit, read_tbnk_export, unit_factor
from biomarker.flow.features import FEATURE_MEASURES, tbnk_features
from biomarker.flow.gating import (
    DEFAULT_TEMPLATE,
    GATE_IDS,
    OPTIONAL_GATES,
    gate_counts,
    gate_fcs,
    load_template,
    read_fcs,
)
from biomarker.flow.manifest import read_manifest
from biomarker.flow.qc import SUBSETS, TBNK_COLUMNS, VALUE_COLUMNS, QcRules, finish_table
from biomarker.flow.result import TbnkResult, compute_tbnk, qc_long
from biomarker.flow.tubes import GateSettings, gate_tubes

__all__ = [
    "DEFAULT_TEMPLATE",
    "FEATURE_MEASURES",
    "GATE_IDS",
    "LAYOUTS",
    "OPTIONAL_GATES",
    "SUBSETS",
    "TBNK_COLUMNS",
    "VALUE_COLUMNS",
    "GateSettings",
    "QcRules",
    "TbnkResult",
    "compute_tbnk",
    "finish_table",
    "gate_counts",
    "gate_fcs",
    "gate_tubes",
    "load_template",
    "normalise_visit",
    "qc_long",
    "read_fcs",
    "read_manifest",
    "read_tbnk_export",
    "tbnk_features",
    "unit_factor",
]
