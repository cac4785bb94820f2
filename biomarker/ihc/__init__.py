"""PD-L1 (TPS, CPS, IC; 22C3, 28-8, SP263, SP142) and stromal TIL scores from pathology tables.

>>> from biomarker.ihc import read_pathology, parse_score
>>> parse_score(">=50%").category
'>=50'
"""

from biomarker.ihc.pathology import PATHOLOGY_COLUMNS, read_pathology
from biomarker.ihc.scores import CATEGORIES, Score, load_spellings, parse_score, tps_category

__all__ = [
    "CATEGORIES",
    "PATHOLOGY_COLUMNS",
    "Score",
    "load_spellings",
    "parse_score",
    "read_pathology",
    "tps_category",
]
