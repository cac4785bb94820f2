"""Colours shared by the figures (:mod:`biomarker.plots`) and the MultiQC files (:mod:`biomarker.multiqc`).

Plain data, no drawing library imported: a batch that writes MultiQC files needs the colours, not matplotlib.
"""

from __future__ import annotations

#: One colour per filter of the TMB chain, in filter order, then ``counted``.
#: Neighbours in the stack differ in hue and lightness; ``counted`` is the only blue.
FILTER_COLOURS: dict[str, str] = {
    "duplicate": "#8C510A",
    "filter": "#555555",
    "not_point_mutation": "#C7EAE5",
    "territory": "#BBBBBB",
    "indel": "#AA4499",
    "vaf": "#E69F00",
    "depth": "#F0E442",
    "alt_depth": "#999933",
    "unannotated": "#882255",
    "population_af": "#44AA99",
    "hotspot": "#CC6677",
    "consequence": "#DDCC77",
    "counted": "#0072B2",
}
